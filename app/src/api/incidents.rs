//! An organisation's own incidents: the list, registering one, its page (timeline,
//! significance under NIS2 with its clocks, reports submitted and their drafts) and
//! sharing it with the centre. Decided in `vaern_core::incidents`; here words and times
//! for people, and the typed times read on the Copenhagen wall clock.

use crate::api::alerts::Choice;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One incident as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    /// Translated, and the stored form for styling.
    pub severity: String,
    pub severity_key: String,
    pub status: String,
    /// Stored form (`amber+strict`).
    pub tlp: String,
    pub org: String,
    pub created: String,
    pub shared: bool,
    /// The next report owed and its deadline, in words.
    pub deadline: Option<String>,
    pub overdue: bool,
}

/// One of the centre's incidents as the incidents page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreIncidentRow {
    /// Its newest version's row, which a registration about it sends.
    pub row: i64,
    pub name: String,
    /// Translated, and the stored form for styling; none when the centre gave none.
    pub severity: Option<(String, String)>,
    /// Stored form; none while unmarked.
    pub tlp: Option<String>,
    pub published: String,
    /// The organisations hit, cut to the reader, joined.
    pub affected: String,
    /// The reader's organisation's incidents about it: (address, title).
    pub ours: Vec<(String, String)>,
}

/// One of the centre's incidents, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreIncidentView {
    pub row: CentreIncidentRow,
    pub description: String,
    /// The analysts' page of the received object, for analysts.
    pub received: Option<String>,
}

/// One of the centre's incidents (a STIX object) as the reader may see it.
#[server(prefix = "/rpc", endpoint = "centre_incident_load")]
pub async fn load_centre_incident(row: i64) -> Result<CentreIncidentView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let detail = vaern_core::incidents::centre::get(&backend.db, &viewer, row).await?;
    let analyst = vaern_core::policy::require_analyst(&viewer).is_ok();
    Ok(CentreIncidentView {
        received: analyst.then(|| format!("/intel/received/{}", detail.incident.row)),
        row: server::centre_row(locale, detail.incident),
        description: detail.description,
    })
}

/// The address of the centre's incident stored as `row`, for every reader who may see it.
pub fn centre_incident_href(row: i64) -> String {
    format!("/incidents/centre/{row}")
}

/// What a registration about one of the centre's incidents starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcerningView {
    pub row: i64,
    pub name: String,
    pub summary: String,
    /// Stored forms of the severity and label to preselect.
    pub severity: String,
    pub tlp: String,
}

/// The list with what the registration form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentsView {
    pub rows: Vec<IncidentRow>,
    /// The centre's newest incidents the reader may see.
    pub centre: Vec<CentreIncidentRow>,
    /// The centre's incident a registration is about (`?concerns=`), if the reader may see
    /// it.
    pub concerning: Option<ConcerningView>,
    pub page: i64,
    pub pages: i64,
    pub severities: Vec<Choice>,
    pub labels: Vec<Choice>,
    pub answers: Vec<Choice>,
}

/// One report's clock as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    /// Stored form (`early_warning`).
    pub report: String,
    pub name: String,
    /// `running`, `overdue`, `submitted`, `not_owed`.
    pub state: String,
    /// The deadline in words, if owed.
    pub due: Option<String>,
    /// The deadline as unix seconds, for the countdown.
    pub due_at: Option<i64>,
    /// When it was submitted and the authority's reference.
    pub submitted: Option<String>,
    pub reference: String,
    /// Why it is not owed yet, in words.
    pub waiting: Option<String>,
}

/// A timeline entry in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: i64,
    /// Stored form (`event`, `comment`, …).
    pub kind: String,
    pub text: String,
    pub by: String,
    pub at: String,
}

/// An alert, document or thread an incident is linked to, as one reader may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    /// Its address in Værn (`/documents/12`), which the remove form sends back.
    pub href: String,
    pub title: String,
    /// What it is and where, in words ("Dokument i Beredskab").
    pub context: String,
}

/// An incident's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub severity: String,
    pub severity_key: String,
    pub status: String,
    pub status_key: String,
    pub tlp: String,
    pub org: String,
    pub registered: String,
    pub shared: Option<String>,
    pub malicious: String,
    pub cross_border: String,
    pub impact: String,
    pub indicators: String,
    pub root_cause: String,
    pub mitigation: String,
    /// The stored forms of the fields, for the edit form.
    pub malicious_key: String,
    pub cross_border_key: String,
    pub named: Vec<String>,
    pub entries: Vec<EntryView>,
    /// When it was marked significant, by whom, and the awareness times in words; with
    /// the typed values for the form.
    pub significant: Option<String>,
    pub aware_value: String,
    pub personal_value: String,
    pub clocks: Vec<ClockView>,
    pub can_manage: bool,
    pub can_undo: bool,
    pub can_add_entry: bool,
    pub severities: Vec<Choice>,
    pub statuses: Vec<Choice>,
    /// The labels the incident may be raised to (its own first).
    pub labels: Vec<Choice>,
    pub answers: Vec<Choice>,
    /// The organisation's people who may be named on a RED incident.
    pub colleagues: Vec<Choice>,
    /// Now, as a `datetime-local` value on the Copenhagen wall clock.
    pub now_value: String,
    /// What it is linked to that the reader may see: alerts, then documents, then threads.
    pub links: Vec<LinkView>,
    /// The centre's incident it concerns, if the reader may see it: (its page, name).
    pub centre: Vec<(String, String)>,
}

/// The fields of the registration and edit forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFields {
    pub title: String,
    pub summary: Option<String>,
    pub severity: String,
    pub suspected_malicious: Option<String>,
    pub cross_border: Option<String>,
    pub impact: Option<String>,
    pub indicators: Option<String>,
    pub root_cause: Option<String>,
    pub mitigation: Option<String>,
}

/// A page of the incidents the reader may see.
#[server(prefix = "/rpc", endpoint = "incidents_load")]
pub async fn load_incidents(
    page: Option<String>,
    concerns: Option<String>,
) -> Result<IncidentsView, AppError> {
    use crate::request;
    use vaern_core::incidents::centre;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let page = page.and_then(|p| p.trim().parse().ok()).unwrap_or(1);
    let listed = vaern_core::incidents::list(&backend.db, &viewer, page).await?;
    let mut view = server::list_view(locale, listed);
    view.centre = centre::list(&backend.db, &viewer)
        .await?
        .into_iter()
        .map(|c| server::centre_row(locale, c))
        .collect();
    // A `concerns=` the reader may not see (or not a number) starts an ordinary
    // registration, as for a missing incident.
    if let Some(row) = concerns.and_then(|c| c.trim().parse().ok()) {
        view.concerning = centre::concerning(&backend.db, &viewer, row)
            .await?
            .map(server::concerning_view);
    }
    Ok(view)
}

/// Incident `id`'s page.
#[server(prefix = "/rpc", endpoint = "incident_load")]
pub async fn load_incident(id: i64) -> Result<IncidentView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let detail = vaern_core::incidents::get(&backend.db, &viewer, id).await?;
    let centre = detail
        .links
        .centre
        .iter()
        .map(|(row, name)| (centre_incident_href(*row), name.clone()))
        .collect();
    let mut view = server::detail_view(locale, detail);
    view.centre = centre;
    Ok(view)
}

/// Registers an incident of the reader's organisation and goes to its page.
#[server(prefix = "/rpc", endpoint = "incident_register")]
pub async fn register_incident(
    #[server(flatten)] fields: IncidentFields,
    tlp: String,
    concerns: Option<String>,
) -> Result<i64, AppError> {
    use crate::request;
    use vaern_core::incidents;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let fields = server::fields(fields)?;
    let tlp = server::tlp(&tlp)?;
    let db = &backend.db;
    let id = match concerns.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => incidents::register(db, &viewer, &fields, tlp, &[]).await?,
        Some(row) => {
            let row = row
                .parse()
                .map_err(|_| AppError::invalid("concerns", "not_found"))?;
            incidents::register_concerning(db, &viewer, &fields, tlp, &[], row).await?
        }
    };
    leptos_axum::redirect(&format!("/incidents/{id}"));
    Ok(id)
}

/// Changes what an incident says and its label (raised only).
#[server(prefix = "/rpc", endpoint = "incident_edit")]
pub async fn edit_incident(
    id: i64,
    #[server(flatten)] fields: IncidentFields,
    tlp: String,
) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let fields = server::fields(fields)?;
    let tlp = server::tlp(&tlp)?;
    vaern_core::incidents::edit(&backend.db, &viewer, id, &fields, tlp).await?;
    Ok(())
}

/// Moves an incident to a status (`open`, `contained`, `closed`).
#[server(prefix = "/rpc", endpoint = "incident_status")]
pub async fn set_incident_status(id: i64, status: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::incidents::Status;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let status =
        Status::parse(status.trim()).ok_or_else(|| AppError::invalid("status", "unknown"))?;
    vaern_core::incidents::set_status(&backend.db, &viewer, id, status).await?;
    Ok(())
}

/// Adds an event (with the time it happened) or a comment (no time) to the timeline.
#[server(prefix = "/rpc", endpoint = "incident_entry")]
pub async fn add_incident_entry(
    id: i64,
    body: String,
    occurred_at: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let at = server::typed_time("occurred_at", occurred_at)?;
    vaern_core::incidents::add_entry(&backend.db, &viewer, id, &body, at).await?;
    Ok(())
}

/// Shares an incident with the centre's analysts.
#[server(prefix = "/rpc", endpoint = "incident_share")]
pub async fn share_incident(id: i64) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    vaern_core::incidents::share(&backend.db, &viewer, id).await?;
    Ok(())
}

/// Names the people of a RED incident (`named[]`: a user id per checked box; none
/// checked names only the registrant).
#[server(prefix = "/rpc", endpoint = "incident_name")]
pub async fn name_incident_people(id: i64, named: Option<Vec<String>>) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::ids::UserId;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let named = named
        .unwrap_or_default()
        .iter()
        .map(|n| n.trim().parse().map(UserId))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::invalid("named", "not_colleague"))?;
    vaern_core::incidents::name_people(&backend.db, &viewer, id, &named).await?;
    Ok(())
}

/// Marks an incident significant under NIS2 from the time the organisation became aware
/// (Copenhagen wall clock), with a personal-data awareness time if personal data is hit.
#[server(prefix = "/rpc", endpoint = "incident_significant")]
pub async fn mark_incident_significant(
    id: i64,
    aware_at: String,
    personal_data_aware_at: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let aware = server::typed_time("aware_at", Some(aware_at))?
        .ok_or_else(|| AppError::invalid("aware_at", "required"))?;
    let personal = server::typed_time("personal_data_aware_at", personal_data_aware_at)?;
    vaern_core::incidents::mark_significant(
        &backend.db,
        &backend.audit,
        &viewer,
        id,
        aware,
        personal,
    )
    .await?;
    Ok(())
}

/// Undoes a significance marking (organisation admins).
#[server(prefix = "/rpc", endpoint = "incident_significance_undo")]
pub async fn undo_incident_significance(id: i64) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    vaern_core::incidents::undo_significance(&backend.db, &backend.audit, &viewer, id).await?;
    Ok(())
}

/// Records a report as submitted (`report`: `early_warning`, `notification`,
/// `final_report`, `gdpr`) at a typed time with the authority's reference.
#[server(prefix = "/rpc", endpoint = "incident_submitted")]
pub async fn mark_report_submitted(
    id: i64,
    report: String,
    submitted_at: String,
    reference: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::incidents::deadlines::Report;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let report =
        Report::parse(report.trim()).ok_or_else(|| AppError::invalid("report", "unknown"))?;
    let at = server::typed_time("submitted_at", Some(submitted_at))?
        .ok_or_else(|| AppError::invalid("submitted_at", "required"))?;
    vaern_core::incidents::mark_submitted(
        &backend.db,
        &viewer,
        id,
        report,
        at,
        reference.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(())
}

/// Links an incident to the alert, document or thread at `address` (as pasted from the
/// address bar, or sent by the item's own page).
#[server(prefix = "/rpc", endpoint = "incident_link")]
pub async fn link_incident(id: i64, address: String) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let target = server::target(&address)?;
    vaern_core::incidents::links::link(&backend.db, &viewer, id, target).await?;
    Ok(())
}

/// Removes an incident's link to the item at `address`.
#[server(prefix = "/rpc", endpoint = "incident_unlink")]
pub async fn unlink_incident(id: i64, address: String) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let target = server::target(&address)?;
    vaern_core::incidents::links::unlink(&backend.db, &viewer, id, target).await?;
    Ok(())
}

/// The incidents linking an alert, document or thread, and those the reader may link it
/// to, for that item's page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentLinksView {
    /// The item's address, which the link form sends.
    pub address: String,
    /// (href, title) of each incident the reader may see that links the item.
    pub linking: Vec<(String, String)>,
    /// (id, title) of the reader's open incidents not linking it yet.
    pub linkable: Vec<Choice>,
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::i18n::{Locale, td_string};
    use vaern_core::incidents::deadlines::{ClockState, Report};
    use vaern_core::incidents::{Answer, Detail, EntryKind, Fields, Page, Status, centre, links};
    use vaern_core::policy::Tlp;
    use vaern_core::stix::object::Severity;

    pub fn centre_row(locale: Locale, c: centre::CentreIncident) -> CentreIncidentRow {
        CentreIncidentRow {
            row: c.row,
            name: c.name,
            severity: c
                .severity
                .map(|s| (severity_name(locale, s), s.as_str().to_string())),
            tlp: c.tlp.map(|t| t.as_str().to_string()),
            published: crate::format::format_time(c.published_at, locale),
            affected: c.affected.join(", "),
            ours: c
                .ours
                .into_iter()
                .map(|(id, title)| (format!("/incidents/{id}"), title))
                .collect(),
        }
    }

    pub fn concerning_view(c: centre::Concerning) -> ConcerningView {
        ConcerningView {
            row: c.row,
            name: c.name,
            summary: c.summary,
            severity: c.severity.unwrap_or(Severity::Medium).as_str().to_string(),
            // An unmarked incident is for the organisation's people: AMBER.
            tlp: c.tlp.unwrap_or(Tlp::Amber).as_str().to_string(),
        }
    }

    /// The item a typed or sent address names.
    pub fn target(address: &str) -> Result<links::Target, AppError> {
        links::Target::from_address(address)
            .ok_or_else(|| AppError::invalid("address", "not_an_item"))
    }

    /// The incidents around item `target` (which the caller has shown to `viewer`): those
    /// that link it, and those it may still be linked to.
    pub async fn around(
        db: &vaern_core::db::Db,
        viewer: &vaern_core::policy::Viewer,
        target: links::Target,
        address: String,
    ) -> Result<IncidentLinksView, AppError> {
        let linking = links::linking(db, viewer, target).await?;
        let linkable = links::linkable(db, viewer)
            .await?
            .into_iter()
            .filter(|(id, _)| !linking.iter().any(|(linked, _)| linked == id))
            .map(|(id, title)| (id.to_string(), title))
            .collect();
        Ok(IncidentLinksView {
            address,
            linking: linking
                .into_iter()
                .map(|(id, title)| (format!("/incidents/{id}"), title))
                .collect(),
            linkable,
        })
    }

    fn link_views(locale: Locale, links: links::Links) -> Vec<LinkView> {
        let alerts = links.alerts.into_iter().map(|a| LinkView {
            href: crate::api::alerts::alert_href(a.id),
            title: crate::api::alerts::server::what_text(locale, &a.what),
            context: td_string!(locale, incident_link_alert).to_string(),
        });
        let in_group = |kind: &'static str, item: links::LinkedItem| {
            let context = match kind {
                "documents" => td_string!(locale, incident_link_document, group = item.group),
                _ => td_string!(locale, incident_link_thread, group = item.group),
            }
            .to_string();
            LinkView {
                href: format!("/{kind}/{}", item.id),
                title: item.title,
                context,
            }
        };
        alerts
            .chain(
                links
                    .documents
                    .into_iter()
                    .map(|d| in_group("documents", d)),
            )
            .chain(links.threads.into_iter().map(|t| in_group("threads", t)))
            .collect()
    }

    pub fn tlp(text: &str) -> Result<Tlp, AppError> {
        Tlp::parse(text.trim()).ok_or_else(|| AppError::invalid("tlp", "unknown"))
    }

    /// A typed `datetime-local` time on the Copenhagen wall clock; `None` when empty.
    pub fn typed_time(field: &'static str, text: Option<String>) -> Result<Option<i64>, AppError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => vaern_core::clock::parse_copenhagen_datetime(text)
                .map(Some)
                .ok_or_else(|| AppError::invalid(field, "time_malformed")),
        }
    }

    pub fn fields(f: IncidentFields) -> Result<Fields, AppError> {
        let answer = |field: &'static str, text: Option<String>| -> Result<Answer, AppError> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(Answer::Unknown),
                Some(t) => Answer::parse(t).ok_or_else(|| AppError::invalid(field, "unknown")),
            }
        };
        Ok(Fields {
            title: f.title,
            summary: f.summary.unwrap_or_default(),
            severity: Severity::parse(f.severity.trim())
                .ok_or_else(|| AppError::invalid("severity", "unknown"))?,
            suspected_malicious: answer("suspected_malicious", f.suspected_malicious)?,
            cross_border: answer("cross_border", f.cross_border)?,
            impact: f.impact.unwrap_or_default(),
            indicators: f.indicators.unwrap_or_default(),
            root_cause: f.root_cause.unwrap_or_default(),
            mitigation: f.mitigation.unwrap_or_default(),
        })
    }

    pub fn status_name(locale: Locale, status: Status) -> String {
        match status {
            Status::Open => td_string!(locale, incident_status_open),
            Status::Contained => td_string!(locale, incident_status_contained),
            Status::Closed => td_string!(locale, incident_status_closed),
        }
        .to_string()
    }

    pub fn answer_name(locale: Locale, answer: Answer) -> String {
        match answer {
            Answer::Unknown => td_string!(locale, incident_answer_unknown),
            Answer::Yes => td_string!(locale, incident_answer_yes),
            Answer::No => td_string!(locale, incident_answer_no),
        }
        .to_string()
    }

    pub fn report_name(locale: Locale, report: Report) -> String {
        match report {
            Report::EarlyWarning => td_string!(locale, incident_report_early_warning),
            Report::Notification => td_string!(locale, incident_report_notification),
            Report::FinalReport => td_string!(locale, incident_report_final),
            Report::Gdpr => td_string!(locale, incident_report_gdpr),
        }
        .to_string()
    }

    fn severity_name(locale: Locale, severity: Severity) -> String {
        crate::api::intel::severity_name(locale, severity.as_str())
    }

    fn choices(locale: Locale) -> (Vec<Choice>, Vec<Choice>) {
        let severities = Severity::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), severity_name(locale, *s)))
            .collect();
        let answers = Answer::ALL
            .iter()
            .map(|a| (a.as_str().to_string(), answer_name(locale, *a)))
            .collect();
        (severities, answers)
    }

    /// The labels from `from` up, as the standard names them in every language.
    fn labels(from: Tlp) -> Vec<Choice> {
        Tlp::ALL
            .iter()
            .filter(|t| **t >= from)
            .map(|t| {
                let value = t.as_str().to_string();
                let text = crate::components::labels::tlp_text(&value);
                (value, text)
            })
            .collect()
    }

    pub fn list_view(locale: Locale, page: Page) -> IncidentsView {
        let now = vaern_core::clock::now();
        let rows = page
            .incidents
            .into_iter()
            .map(|i| {
                let deadline = i.next_deadline.map(|(report, due)| {
                    td_string!(
                        locale,
                        incidents_next_deadline,
                        report = report_name(locale, report),
                        due = crate::format::format_time(due, locale)
                    )
                    .to_string()
                });
                IncidentRow {
                    id: i.id,
                    title: i.title,
                    severity: severity_name(locale, i.severity),
                    severity_key: i.severity.as_str().to_string(),
                    status: status_name(locale, i.status),
                    tlp: i.tlp.as_str().to_string(),
                    org: i.org_name,
                    created: crate::format::format_time(i.created_at, locale),
                    shared: i.shared,
                    overdue: i.next_deadline.is_some_and(|(_, due)| due < now),
                    deadline,
                }
            })
            .collect();
        let (severities, answers) = choices(locale);
        IncidentsView {
            rows,
            centre: Vec::new(),
            concerning: None,
            page: page.page,
            pages: page.pages,
            severities,
            labels: labels(Tlp::Clear),
            answers,
        }
    }

    fn entry_text(locale: Locale, kind: EntryKind, body: String) -> String {
        match kind {
            EntryKind::Event | EntryKind::Comment => body,
            EntryKind::Status => td_string!(
                locale,
                incident_entry_status,
                status = Status::parse(&body).map_or(body.clone(), |s| status_name(locale, s))
            )
            .to_string(),
            EntryKind::Significance if body == "undone" => {
                td_string!(locale, incident_entry_significance_undone).to_string()
            }
            EntryKind::Significance => td_string!(locale, incident_entry_significant).to_string(),
            EntryKind::Submitted => td_string!(
                locale,
                incident_entry_submitted,
                report = Report::parse(&body).map_or(body.clone(), |r| report_name(locale, r))
            )
            .to_string(),
            EntryKind::Shared => td_string!(locale, incident_entry_shared).to_string(),
        }
    }

    pub fn detail_view(locale: Locale, d: Detail) -> IncidentView {
        let now = vaern_core::clock::now();
        let time = |at: i64| crate::format::format_time(at, locale);
        let clocks = match &d.significance {
            None => Vec::new(),
            Some(s) => Report::ALL
                .iter()
                .map(|report| {
                    let state = s.recorded.state(*report, now);
                    let due_at = s.recorded.due(*report);
                    let (key, submitted) = match state {
                        ClockState::NotOwed => ("not_owed", None),
                        ClockState::Running { .. } => ("running", None),
                        ClockState::Overdue { .. } => ("overdue", None),
                        ClockState::Submitted { at, .. } => ("submitted", Some(time(at))),
                    };
                    let waiting = (key == "not_owed").then(|| {
                        match report {
                            Report::FinalReport => {
                                td_string!(locale, incident_clock_waiting_notification)
                            }
                            _ => td_string!(locale, incident_clock_waiting_personal_data),
                        }
                        .to_string()
                    });
                    ClockView {
                        report: report.as_str().to_string(),
                        name: report_name(locale, *report),
                        state: key.to_string(),
                        due: due_at.map(time),
                        due_at,
                        submitted,
                        reference: s.reference(*report).to_string(),
                        waiting,
                    }
                })
                .collect(),
        };
        let significant = d.significance.as_ref().map(|s| {
            td_string!(
                locale,
                incident_significant_since,
                aware = time(s.recorded.aware_at),
                by = s.marked_by.clone()
            )
            .to_string()
        });
        let value = |at: Option<i64>| {
            at.and_then(vaern_core::clock::copenhagen_datetime_value)
                .unwrap_or_default()
        };
        let (severities, answers) = choices(locale);
        let f = d.fields;
        IncidentView {
            id: d.id,
            title: f.title,
            summary: f.summary,
            severity: severity_name(locale, f.severity),
            severity_key: f.severity.as_str().to_string(),
            status: status_name(locale, d.status),
            status_key: d.status.as_str().to_string(),
            tlp: d.tlp.as_str().to_string(),
            org: d.org_name,
            registered: td_string!(
                locale,
                incident_registered_by,
                by = d.registered_by,
                at = time(d.created_at)
            )
            .to_string(),
            shared: d.shared_at.map(time),
            malicious: answer_name(locale, f.suspected_malicious),
            cross_border: answer_name(locale, f.cross_border),
            malicious_key: f.suspected_malicious.as_str().to_string(),
            cross_border_key: f.cross_border.as_str().to_string(),
            impact: f.impact,
            indicators: f.indicators,
            root_cause: f.root_cause,
            mitigation: f.mitigation,
            named: d.named.into_iter().map(|(_, name)| name).collect(),
            entries: d
                .entries
                .into_iter()
                .map(|e| EntryView {
                    id: e.id,
                    kind: e.kind.as_str().to_string(),
                    text: entry_text(locale, e.kind, e.body),
                    by: format!("{}, {}", e.author, e.author_org),
                    at: time(e.occurred_at),
                })
                .collect(),
            significant,
            aware_value: value(d.significance.as_ref().map(|s| s.recorded.aware_at)),
            personal_value: value(
                d.significance
                    .as_ref()
                    .and_then(|s| s.recorded.personal_data_aware_at),
            ),
            clocks,
            can_manage: d.can_manage,
            can_undo: d.can_undo && d.significance.is_some(),
            can_add_entry: d.can_add_entry,
            severities,
            statuses: Status::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), status_name(locale, *s)))
                .collect(),
            labels: labels(d.tlp),
            answers,
            colleagues: d
                .colleagues
                .into_iter()
                .map(|(id, name)| (id.0.to_string(), name))
                .collect(),
            now_value: value(Some(now)),
            links: link_views(locale, d.links),
            centre: Vec::new(),
        }
    }
}
