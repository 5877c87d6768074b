//! The signed-in person's organisation's alerts (one per sighting at it), as far as the
//! policy lets the person see each sighting, and working them: status, assignee,
//! comments. Decided in `vaern_core::stix::alerts`; here only words and times for people.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One alert as the list shows it, with texts translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub id: i64,
    /// What was sighted, in words.
    pub what: String,
    /// Translated.
    pub severity: String,
    /// Stored form, for styling: low, medium, high, critical.
    pub severity_key: String,
    /// Translated.
    pub status: String,
    /// Stored form (`amber+strict`); `None`: unmarked.
    pub tlp: Option<String>,
    /// When it was raised, in the reader's language.
    pub created: String,
    /// Who handles it.
    pub assignee: Option<String>,
}

/// One page of the alerts list, with the filter's choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    pub rows: Vec<AlertRow>,
    /// Alerts that match the filter, on every page (at most the cap).
    pub total: u64,
    /// More than `total` match: the reader should narrow the filter.
    pub more: bool,
    pub page: u64,
    pub pages: u64,
    pub severities: Vec<Choice>,
    /// "Open" first, then each status.
    pub statuses: Vec<Choice>,
    pub labels: Vec<Choice>,
    /// STIX observable types an indicator's pattern compares.
    pub indicator_types: Vec<Choice>,
    pub sorts: Vec<Choice>,
}

/// An object the alert page links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedView {
    pub name: String,
    pub tlp: Option<String>,
    /// The analysts' page of it; `None` for readers who have no page for it.
    pub href: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorView {
    pub related: RelatedView,
    pub pattern: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub author: String,
    pub body: String,
    pub tlp: String,
    pub created: String,
}

/// One change of the alert, said in a sentence's parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    pub actor: String,
    pub at: String,
    /// Translated: "Status: Ny → Kvitteret", "Ansvarlig: – → Jens Hansen".
    pub text: String,
}

/// A choice of a select or a button: stored value and text.
pub type Choice = (String, String);

/// Everything the alert page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub row: AlertRow,
    pub status_key: String,
    pub org_name: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub count: Option<u64>,
    pub description: String,
    pub visible: Option<String>,
    pub acknowledged: Option<String>,
    /// Time from visible to acknowledged, in words.
    pub time_to_acknowledge: Option<String>,
    pub assignee: Option<i64>,
    pub indicators: Vec<IndicatorView>,
    pub advisories: Vec<RelatedView>,
    pub incidents: Vec<RelatedView>,
    pub comments: Vec<CommentView>,
    pub changes: Vec<ChangeView>,
    /// The statuses it may move to now.
    pub next: Vec<Choice>,
    /// The organisation's people, by id.
    pub people: Vec<Choice>,
    /// Labels a comment may carry, the alert's first.
    pub comment_labels: Vec<Choice>,
    /// Forum threads started about it that the reader may see: (address, title, group).
    pub threads: Vec<(String, String, String)>,
    /// Groups the reader may start one in: (slug, name).
    pub forums: Vec<Choice>,
    /// Labels such a thread may carry (none for a RED alert).
    pub thread_labels: Vec<Choice>,
    /// The text the thread form starts with: what was sighted, and a link back that only
    /// the organisation's people can follow. It names no organisation.
    pub thread_body: String,
    /// What the organisation last shared with the centre about it.
    pub feedback: Option<crate::api::feedback::FeedbackView>,
    /// The organisation's own incidents linking it, and those it may be linked to.
    #[serde(default)]
    pub linked_incidents: crate::api::incidents::IncidentLinksView,
}

/// A stored alert status in the reader's language.
pub fn status_name(locale: crate::i18n::Locale, status: &str) -> String {
    use crate::i18n::*;
    match status {
        "new" => td_string!(locale, alert_status_new),
        "acknowledged" => td_string!(locale, alert_status_acknowledged),
        "investigating" => td_string!(locale, alert_status_investigating),
        "resolved" => td_string!(locale, alert_status_resolved),
        "not_affected" => td_string!(locale, alert_status_not_affected),
        _ => td_string!(locale, alert_status_false_positive),
    }
    .to_string()
}

/// The words on the button that moves an alert to `status`.
pub fn status_action(locale: crate::i18n::Locale, status: &str) -> String {
    use crate::i18n::*;
    match status {
        "acknowledged" => td_string!(locale, alert_do_acknowledge),
        "investigating" => td_string!(locale, alert_do_investigate),
        "resolved" => td_string!(locale, alert_do_resolve),
        "not_affected" => td_string!(locale, alert_do_not_affected),
        _ => td_string!(locale, alert_do_false_positive),
    }
    .to_string()
}

/// The alert page's address.
pub fn alert_href(id: i64) -> String {
    format!("/alerts/{id}")
}

/// One page of the viewer's organisation's alerts that match the filter. Every field is
/// as the filter form sends it; an empty one does not filter. `page` past the end shows
/// the last page; a filter that cannot be answered (an unknown value, a range that ends
/// before it starts) is an error with its message.
#[server(prefix = "/rpc", endpoint = "alerts")]
pub async fn load_alerts(
    #[server(flatten)] fields: FilterFields,
    page: Option<String>,
) -> Result<AlertsView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    server::list_view(
        &backend.db,
        &viewer,
        crate::locale::current(),
        fields,
        page.as_deref(),
    )
    .await
}

/// The alerts filter form's fields, as sent (the page and the CSV export read the same).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterFields {
    pub severity: Option<String>,
    pub status: Option<String>,
    pub tlp: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The indicator's observable type.
    pub kind: Option<String>,
    pub indicator: Option<String>,
    pub sort: Option<String>,
}

/// One alert of the viewer's organisation; a hidden one is not found.
#[server(prefix = "/rpc", endpoint = "alert")]
pub async fn load_alert(id: i64) -> Result<AlertView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let detail = vaern_core::stix::alerts::get(&backend.db, &viewer, id).await?;
    let subject = [detail.alert.sighting_ref.clone()];
    let mut view = server::view(locale, &viewer, detail);
    view.feedback = vaern_core::stix::feedback::latest_about(&backend.db, &viewer, &subject)
        .await?
        .into_iter()
        .find(|shared| shared.org == viewer.org_id)
        .map(|shared| crate::api::feedback::server::view(locale, shared));
    view.linked_incidents = crate::api::incidents::server::around(
        &backend.db,
        &viewer,
        vaern_core::incidents::links::Target {
            kind: vaern_core::incidents::links::LinkKind::Alert,
            id,
        },
        alert_href(id),
    )
    .await?;
    Ok(view)
}

/// Moves an alert along its workflow (`status`: the stored name of the next status).
/// Answers the new status's stored name.
#[server(prefix = "/rpc", endpoint = "alert_status")]
pub async fn set_alert_status(id: i64, status: String) -> Result<String, AppError> {
    use crate::request;
    use vaern_core::stix::alerts::{self, Status};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let next =
        Status::parse(status.trim()).ok_or_else(|| AppError::invalid("status", "unknown"))?;
    alerts::set_status(&backend.db, &viewer, id, next).await?;
    Ok(next.as_str().to_string())
}

/// Hands an alert to one of the organisation's people (`assignee`: a user id; empty:
/// nobody).
#[server(prefix = "/rpc", endpoint = "alert_assign")]
pub async fn assign_alert(id: i64, assignee: Option<String>) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::ids::UserId;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let assignee = match assignee.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => {
            Some(UserId(text.parse().map_err(|_| {
                AppError::invalid("assignee", "not_colleague")
            })?))
        }
    };
    vaern_core::stix::alerts::assign(&backend.db, &viewer, id, assignee).await?;
    Ok(())
}

/// Starts a thread about an alert in one of the reader's groups and goes to it.
#[server(prefix = "/rpc", endpoint = "alert_discuss")]
pub async fn discuss_alert(
    id: i64,
    group: String,
    title: String,
    body: String,
    tlp: String,
) -> Result<i64, AppError> {
    use crate::request;
    use vaern_core::policy::Tlp;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let tlp = Tlp::parse(tlp.trim()).ok_or_else(|| AppError::invalid("tlp", "unknown"))?;
    let posted =
        vaern_core::stix::alerts::discuss(&backend.db, &viewer, id, &group, &title, &body, tlp)
            .await?;
    backend.hub.publish(&posted.notified);
    leptos_axum::redirect(&format!("/threads/{}", posted.thread_id));
    Ok(posted.thread_id)
}

/// Adds a comment to an alert.
#[server(prefix = "/rpc", endpoint = "alert_comment")]
pub async fn comment_alert(id: i64, body: String, tlp: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::policy::Tlp;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let tlp = Tlp::parse(tlp.trim()).ok_or_else(|| AppError::invalid("tlp", "unknown"))?;
    vaern_core::stix::alerts::comment(&backend.db, &viewer, id, &body, tlp).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use vaern_core::stix::alerts::{AlertFilter, AlertSort, INDICATOR_TYPES, StatusFilter};
    use vaern_core::stix::object::Severity;

    fn given(text: Option<String>) -> Option<String> {
        text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// The filter form's fields as the core filter and order; dates are whole Copenhagen
    /// days and "to" includes its day.
    pub fn parse_filter(fields: FilterFields) -> Result<(AlertFilter, AlertSort), AppError> {
        let severity = given(fields.severity)
            .map(|s| Severity::parse(&s).ok_or_else(|| AppError::invalid("severity", "unknown")))
            .transpose()?;
        let status = given(fields.status)
            .map(|s| StatusFilter::parse(&s).ok_or_else(|| AppError::invalid("status", "unknown")))
            .transpose()?;
        let tlp = given(fields.tlp)
            .map(|t| {
                vaern_core::policy::Tlp::parse(&t)
                    .ok_or_else(|| AppError::invalid("tlp", "unknown"))
            })
            .transpose()?;
        let (from, until) = crate::format::day_range(fields.from, fields.to)?;
        let indicator_type = given(fields.kind).map(|k| k.to_lowercase());
        if let Some(kind) = &indicator_type
            && !INDICATOR_TYPES.contains(&kind.as_str())
        {
            return Err(AppError::invalid("indicator_type", "unknown"));
        }
        let sort = given(fields.sort)
            .map(|s| AlertSort::parse(&s).ok_or_else(|| AppError::invalid("sort", "unknown")))
            .transpose()?
            .unwrap_or_default();
        let filter = AlertFilter {
            severity,
            status,
            tlp,
            from,
            until,
            indicator_type,
            indicator: given(fields.indicator),
        };
        filter.check()?;
        Ok((filter, sort))
    }

    /// One page of `viewer`'s alerts that match `fields`, in `locale`: for the page and
    /// for its live route.
    pub async fn list_view(
        db: &vaern_core::db::Db,
        viewer: &Viewer,
        locale: Locale,
        fields: FilterFields,
        page: Option<&str>,
    ) -> Result<AlertsView, AppError> {
        use vaern_core::stix::alerts::{self, Status};
        let (filter, sort) = parse_filter(fields)?;
        let listed = alerts::list(db, viewer, &filter, sort, page_number(page)).await?;
        let mut statuses = vec![(
            "open".to_string(),
            td_string!(locale, alerts_status_open).to_string(),
        )];
        statuses.extend(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), status_name(locale, s.as_str()))),
        );
        Ok(AlertsView {
            rows: listed.alerts.into_iter().map(|a| row(locale, a)).collect(),
            total: listed.total,
            more: listed.more,
            page: listed.page,
            pages: listed.pages,
            severities: Severity::ALL
                .iter()
                .rev()
                .map(|s| (s.as_str().to_string(), severity_name(locale, s.as_str())))
                .collect(),
            statuses,
            labels: vaern_core::policy::Tlp::ALL
                .iter()
                .map(|t| {
                    (
                        t.as_str().to_string(),
                        crate::components::labels::tlp_text(t.as_str()),
                    )
                })
                .collect(),
            indicator_types: INDICATOR_TYPES
                .iter()
                .map(|t| (t.to_string(), t.to_string()))
                .collect(),
            sorts: AlertSort::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), sort_name(locale, *s)))
                .collect(),
        })
    }

    fn sort_name(locale: Locale, sort: AlertSort) -> String {
        match sort {
            AlertSort::Newest => td_string!(locale, alerts_sort_newest),
            AlertSort::Oldest => td_string!(locale, alerts_sort_oldest),
            AlertSort::Severity => td_string!(locale, alerts_sort_severity),
        }
        .to_string()
    }

    /// A `page=` as sent: anything but a positive number is the first page, and a page
    /// past the end is answered with the last.
    pub fn page_number(text: Option<&str>) -> u64 {
        text.and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|p| *p > 0)
            .unwrap_or(1)
    }
    use crate::api::intel::severity_name;
    use crate::format::format_time;
    use crate::i18n::*;
    use vaern_core::policy::{Viewer, require_analyst};
    use vaern_core::stix::alerts::{AlertDetail, Change, OrgAlert, Related, What};

    pub fn what_text(locale: Locale, what: &What) -> String {
        match what {
            What::Named(s) | What::Indicator(s) | What::Advisory(s) | What::Description(s) => {
                s.clone()
            }
            What::Pattern(value) => {
                td_string!(locale, alert_what_pattern, value = value).to_string()
            }
            What::Unknown => td_string!(locale, intel_untitled).to_string(),
        }
    }

    pub fn row(locale: Locale, a: OrgAlert) -> AlertRow {
        AlertRow {
            id: a.id,
            what: what_text(locale, &a.what),
            severity: severity_name(locale, a.severity.as_str()),
            severity_key: a.severity.as_str().to_string(),
            status: status_name(locale, a.status.as_str()),
            tlp: a.tlp.map(|t| t.as_str().to_string()),
            created: format_time(a.created_at, locale),
            assignee: a.assignee,
        }
    }

    fn related(viewer: &Viewer, r: Related) -> RelatedView {
        RelatedView {
            name: r.name,
            tlp: r.tlp.map(|t| t.as_str().to_string()),
            href: require_analyst(viewer)
                .is_ok()
                .then(|| format!("/intel/received/{}", r.row)),
        }
    }

    /// "3 t 12 min" / "3 h 12 min".
    pub fn duration(locale: Locale, secs: i64) -> String {
        let minutes = secs.max(0) / 60;
        let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
        if days > 0 {
            td_string!(locale, alert_duration_days, days = days, hours = hours).to_string()
        } else {
            td_string!(
                locale,
                alert_duration_hours,
                hours = hours,
                minutes = minutes
            )
            .to_string()
        }
    }

    pub fn view(locale: Locale, viewer: &Viewer, d: AlertDetail) -> AlertView {
        // A RED alert is not discussed in a forum (its threads name readers one by one).
        let thread_labels = if d.alert.tlp == Some(vaern_core::policy::Tlp::Red) {
            Vec::new()
        } else {
            d.comment_labels
                .iter()
                .filter(|t| **t != vaern_core::policy::Tlp::Red)
                .map(|t| {
                    (
                        t.as_str().to_string(),
                        crate::components::labels::tlp_text(t.as_str()),
                    )
                })
                .collect()
        };
        let status_key = d.alert.status.as_str().to_string();
        let next = d
            .alert
            .status
            .next()
            .into_iter()
            .map(|s| (s.as_str().to_string(), status_action(locale, s.as_str())))
            .collect();
        let name_or_dash = |n: &Option<String>| n.clone().unwrap_or_else(|| "–".to_string());
        let changes = d
            .changes
            .into_iter()
            .map(|c| {
                let text = match &c.change {
                    Change::Status { from, to } => td_string!(
                        locale,
                        alert_change_status,
                        from = status_name(locale, from.as_str()),
                        to = status_name(locale, to.as_str())
                    )
                    .to_string(),
                    Change::Assignee { from, to } => td_string!(
                        locale,
                        alert_change_assignee,
                        from = name_or_dash(from),
                        to = name_or_dash(to)
                    )
                    .to_string(),
                };
                ChangeView {
                    actor: c.actor,
                    at: format_time(c.at, locale),
                    text,
                }
            })
            .collect();
        let time_to_acknowledge = match (d.visible_at, d.acknowledged_at) {
            (Some(visible), Some(acknowledged)) => Some(duration(locale, acknowledged - visible)),
            _ => None,
        };
        AlertView {
            status_key,
            org_name: d.org_name,
            first_seen: d.first_seen.map(|t| format_time(t, locale)),
            last_seen: d.last_seen.map(|t| format_time(t, locale)),
            count: d.count,
            description: d.description,
            visible: d.visible_at.map(|t| format_time(t, locale)),
            acknowledged: d.acknowledged_at.map(|t| format_time(t, locale)),
            time_to_acknowledge,
            assignee: d.assignee.map(|p| p.id.0),
            indicators: d
                .indicators
                .into_iter()
                .map(|i| IndicatorView {
                    related: related(viewer, i.related),
                    pattern: i.pattern,
                })
                .collect(),
            advisories: d
                .advisories
                .into_iter()
                .map(|r| related(viewer, r))
                .collect(),
            incidents: d
                .incidents
                .into_iter()
                .map(|r| related(viewer, r))
                .collect(),
            comments: d
                .comments
                .into_iter()
                .map(|c| CommentView {
                    author: c.author,
                    body: c.body,
                    tlp: c.tlp.as_str().to_string(),
                    created: format_time(c.created_at, locale),
                })
                .collect(),
            changes,
            next,
            people: d
                .people
                .into_iter()
                .map(|p| (p.id.0.to_string(), p.name))
                .collect(),
            comment_labels: d
                .comment_labels
                .into_iter()
                .map(|t| {
                    (
                        t.as_str().to_string(),
                        crate::components::labels::tlp_text(t.as_str()),
                    )
                })
                .collect(),
            threads: d
                .threads
                .into_iter()
                .map(|t| (format!("/threads/{}", t.id), t.title, t.group))
                .collect(),
            forums: d.forums,
            thread_labels,
            thread_body: td_string!(
                locale,
                alert_thread_body,
                what = what_text(locale, &d.alert.what),
                link = alert_href(d.alert.id)
            )
            .to_string(),
            feedback: None,
            linked_incidents: Default::default(),
            row: row(locale, d.alert),
        }
    }
}
