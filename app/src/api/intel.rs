//! The analysts' view of received STIX objects: the list with its filter, one object
//! with its JSON, and labelling an unmarked object (or naming a RED one's recipients).
//! Who may see and label what is decided in `vaern_core::stix::browse`; anyone but an
//! analyst is `Forbidden` there.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The filter's value for objects without a TLP label.
pub const UNMARKED: &str = "unmarked";

/// One received object as the pages show it, with texts translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedRow {
    pub row: i64,
    pub stix_id: String,
    pub stix_type: String,
    /// What the platform made of it, translated.
    pub kind: String,
    pub name: String,
    /// Translated; `None` where the kind has none.
    pub severity: Option<String>,
    /// Stored form (`amber+strict`); `None`: unmarked.
    pub tlp: Option<String>,
    /// When it was received, in the reader's language.
    pub received: String,
    /// The list's cursor, and the hint the detail page finds the object by.
    pub date_added_us: i64,
    /// The newest version, in the reader's language.
    pub version: String,
    pub versions: i64,
    /// Names of the organisations it was routed to.
    pub targets: Vec<String>,
    pub has_unlinked_targets: bool,
    /// Who it reaches when it names no targets (translated); `None` when it does.
    pub untargeted_reach: Option<String>,
    pub unresolved: Vec<String>,
    /// "Name <e-mail>" of the TLP:RED recipients analysts named.
    pub recipients: Vec<String>,
    /// The viewer may label it or name its RED recipients (an analyst of its publisher).
    pub can_label: bool,
}

/// The list page: one page of objects and the choices of the filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedView {
    pub rows: Vec<ReceivedRow>,
    /// (stored kind, translated name)
    pub kinds: Vec<(String, String)>,
    /// (filter value, shown text): `unmarked` and every TLP label.
    pub labels: Vec<(String, String)>,
    /// (code, name) of every organisation.
    pub orgs: Vec<(String, String)>,
    /// The `before` of the next page, when this one is full.
    pub next_before: Option<i64>,
}

/// One object: its row as the list shows it and its JSON, pretty-printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedDetail {
    pub object: ReceivedRow,
    pub json: String,
    /// For a sighting, read by the publishing centre's analysts: how each alerted
    /// organisation works its alert. Empty for anything else.
    pub work: Vec<OrgWorkView>,
    /// For a sighting or an advisory: the feedback organisations shared with the viewer's
    /// centre about it (newest of each). Empty for anyone else.
    pub feedback: Vec<crate::api::feedback::FeedbackView>,
}

/// How one alerted organisation works its alert, with its comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgWorkView {
    pub org: String,
    /// Translated.
    pub status: String,
    pub assignee: Option<String>,
    pub acknowledged: Option<String>,
    pub comments: Vec<crate::api::alerts::CommentView>,
}

/// A stored kind's name in the reader's language.
pub fn kind_name(locale: crate::i18n::Locale, kind: &str) -> String {
    use crate::i18n::*;
    match kind {
        "advisory" => td_string!(locale, intel_kind_advisory),
        "sighting" => td_string!(locale, intel_kind_sighting),
        "indicator" => td_string!(locale, intel_kind_indicator),
        "incident" => td_string!(locale, intel_kind_incident),
        "vulnerability" => td_string!(locale, intel_kind_vulnerability),
        "note" => td_string!(locale, intel_kind_note),
        "relationship" => td_string!(locale, intel_kind_relationship),
        "identity" => td_string!(locale, intel_kind_identity),
        "marking_definition" => td_string!(locale, intel_kind_marking_definition),
        "opinion" => td_string!(locale, intel_kind_opinion),
        _ => td_string!(locale, intel_kind_other),
    }
    .to_string()
}

/// A stored severity's name in the reader's language.
pub fn severity_name(locale: crate::i18n::Locale, severity: &str) -> String {
    use crate::i18n::*;
    match severity {
        "low" => td_string!(locale, intel_severity_low),
        "medium" => td_string!(locale, intel_severity_medium),
        "high" => td_string!(locale, intel_severity_high),
        _ => td_string!(locale, intel_severity_critical),
    }
    .to_string()
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::format::format_time;
    use crate::i18n::Locale;
    use vaern_core::stix::browse::{Filter, LabelFilter, Listed};

    /// Who an object that names no targets reaches (DESIGN §2): everyone at CLEAR and
    /// GREEN, every municipality at AMBER, analysts only otherwise (and always for the
    /// kinds only analysts see).
    fn untargeted_reach(locale: Locale, listed: &Listed) -> Option<String> {
        use crate::i18n::td_string;
        use vaern_core::policy::{StixClass, Tlp};
        if !listed.targets.is_empty() || listed.has_unlinked_targets {
            return None;
        }
        let text = match (listed.kind.class(), listed.tlp) {
            (StixClass::AnalystsOnly, _) | (_, None | Some(Tlp::AmberStrict | Tlp::Red)) => {
                td_string!(locale, intel_reach_analysts)
            }
            (_, Some(Tlp::Clear | Tlp::Green)) => td_string!(locale, intel_reach_everyone),
            (_, Some(Tlp::Amber)) => td_string!(locale, intel_all_municipalities),
        };
        Some(text.to_string())
    }

    pub fn view_row(
        locale: Locale,
        viewer: &vaern_core::policy::Viewer,
        listed: Listed,
    ) -> ReceivedRow {
        ReceivedRow {
            can_label: vaern_core::policy::can_label_intel(viewer, listed.publisher_org_id),
            untargeted_reach: untargeted_reach(locale, &listed),
            row: listed.row,
            kind: kind_name(locale, listed.kind.as_str()),
            severity: listed.severity.map(|s| severity_name(locale, s.as_str())),
            tlp: listed.tlp.map(|t| t.as_str().to_string()),
            received: format_time(listed.date_added_us.div_euclid(1_000_000), locale),
            version: format_time(listed.version_us.div_euclid(1_000_000), locale),
            date_added_us: listed.date_added_us,
            stix_id: listed.stix_id,
            stix_type: listed.stix_type,
            name: listed.name,
            versions: listed.versions,
            targets: listed.targets,
            has_unlinked_targets: listed.has_unlinked_targets,
            unresolved: listed.unresolved,
            recipients: listed.recipients,
        }
    }

    fn given(text: Option<String>) -> Option<String> {
        text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// Turns the filter form's fields into the core filter; dates are whole Copenhagen days and
    /// "to" includes its day.
    pub async fn parse_filter(
        db: &vaern_core::db::Db,
        kind: Option<String>,
        tlp: Option<String>,
        org: Option<String>,
        from: Option<String>,
        to: Option<String>,
        before: Option<i64>,
    ) -> Result<Filter, AppError> {
        use vaern_core::policy::Tlp;
        use vaern_core::stix::object::Kind;
        let kind = given(kind)
            .map(|k| Kind::parse(&k).ok_or_else(|| AppError::invalid("stix_kind", "unknown")))
            .transpose()?;
        let label = given(tlp)
            .map(|t| match t.as_str() {
                UNMARKED => Ok(LabelFilter::Unmarked),
                other => Tlp::parse(other)
                    .map(LabelFilter::Tlp)
                    .ok_or_else(|| AppError::invalid("tlp", "unknown")),
            })
            .transpose()?;
        let (from, to) = crate::format::day_range(from, to)?;
        let org = match given(org) {
            Some(code) => Some(
                vaern_core::orgs::find_by_code(db, &code)
                    .await
                    .map_err(|_| AppError::invalid("org", "unknown"))?
                    .id,
            ),
            None => None,
        };
        Ok(Filter {
            kind,
            label,
            org,
            from,
            to,
            before,
        })
    }

    /// The recipients field: addresses separated by lines, commas, semicolons or spaces.
    pub fn addresses(text: Option<String>) -> Vec<String> {
        text.unwrap_or_default()
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// One page of received objects, newest first, with the filter's choices.
#[server(prefix = "/rpc", endpoint = "received_objects")]
pub async fn list_received(
    kind: Option<String>,
    tlp: Option<String>,
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<ReceivedView, AppError> {
    use crate::request;
    use vaern_core::policy::Tlp;
    use vaern_core::stix::{browse, object::Kind};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let filter = server::parse_filter(&backend.db, kind, tlp, org, from, to, before).await?;
    let listed = browse::list(&backend.db, &viewer, &filter).await?;
    let next_before = (listed.len() as i64 >= browse::PER_PAGE)
        .then(|| listed.last().map(|l| l.date_added_us))
        .flatten();
    let orgs = vaern_core::orgs::codes_and_names(&backend.db).await?;
    let mut labels = vec![(
        UNMARKED.to_string(),
        crate::i18n::td_string!(locale, intel_unmarked).to_string(),
    )];
    labels.extend(Tlp::ALL.iter().map(|t| {
        (
            t.as_str().to_string(),
            crate::components::labels::tlp_text(t.as_str()),
        )
    }));
    Ok(ReceivedView {
        rows: listed
            .into_iter()
            .map(|l| server::view_row(locale, &viewer, l))
            .collect(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), kind_name(locale, k.as_str())))
            .collect(),
        labels,
        orgs,
        next_before,
    })
}

/// One received object (a stored version, by its row) and its JSON.
#[server(prefix = "/rpc", endpoint = "received_object")]
pub async fn received_object(row: i64) -> Result<ReceivedDetail, AppError> {
    use crate::request;
    use vaern_core::stix::browse;

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let listed = browse::get(&backend.db, &viewer, row).await?;
    let content = browse::content(&backend.db, &viewer, row).await?;
    let json = serde_json::from_str::<serde_json::Value>(&content)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or(content);
    let work = if listed.kind == vaern_core::stix::object::Kind::Sighting {
        match vaern_core::stix::alerts::work_for_centre(&backend.db, &viewer, row).await {
            Ok(work) => work,
            // Not the publishing centre's analyst: the page shows no one's work.
            Err(vaern_core::CoreError::NotFound) => Vec::new(),
            Err(err) => return Err(err.into()),
        }
    } else {
        Vec::new()
    };
    let work = work
        .into_iter()
        .map(|w| OrgWorkView {
            org: w.org_name,
            status: crate::api::alerts::status_name(locale, w.status.as_str()),
            assignee: w.assignee,
            acknowledged: w
                .acknowledged_at
                .map(|t| crate::format::format_time(t, locale)),
            comments: w
                .comments
                .into_iter()
                .map(|c| crate::api::alerts::CommentView {
                    author: c.author,
                    body: c.body,
                    tlp: c.tlp.as_str().to_string(),
                    created: crate::format::format_time(c.created_at, locale),
                })
                .collect(),
        })
        .collect();
    let feedback = vaern_core::stix::feedback::latest_about(
        &backend.db,
        &viewer,
        std::slice::from_ref(&listed.stix_id),
    )
    .await?
    .into_iter()
    .map(|shared| crate::api::feedback::server::view(locale, shared))
    .collect();
    Ok(ReceivedDetail {
        object: server::view_row(locale, &viewer, listed),
        json,
        work,
        feedback,
    })
}

/// Labels an unmarked object, or names the recipients of a RED one. `recipients` is the
/// form's text: e-mail addresses, one per line.
#[server(prefix = "/rpc", endpoint = "set_object_label")]
pub async fn set_object_label(
    row: i64,
    tlp: String,
    recipients: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::policy::Tlp;
    use vaern_core::stix::browse::{self, Labelling};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let tlp = Tlp::parse(tlp.trim()).ok_or_else(|| AppError::invalid("tlp", "unknown"))?;
    browse::set_label(
        &backend.db,
        &backend.audit,
        &viewer,
        row,
        &Labelling {
            tlp,
            recipients: server::addresses(recipients),
        },
        &address,
    )
    .await?;
    Ok(())
}
