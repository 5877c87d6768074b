//! The acknowledgement view for analysts and coordinators, and an organisation's
//! acknowledgement of an advisory. Decided in `vaern_core::stix::acknowledgements`; here
//! words, times and the view's categories for people.

use crate::api::alerts::Choice;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One organisation's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRow {
    pub code: String,
    pub name: String,
    pub region: String,
    pub municipality: bool,
    /// The category, for the map's colour and pattern: `none`, `label`, `held`,
    /// `waiting`, `seen`, `working`, `done`.
    pub category: String,
    /// The response in words.
    pub response: String,
    pub acknowledged: Option<String>,
    pub took: Option<String>,
}

/// A category of the map's legend with how many are in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub text: String,
    pub count: usize,
}

/// The view of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewView {
    pub row: i64,
    /// The title, or what it is where the reader may not read it.
    pub title: String,
    pub tlp: Option<String>,
    pub published: String,
    pub categories: Vec<Category>,
    pub rows: Vec<ResponseRow>,
    pub not_delivered: Vec<String>,
    /// The item's page with the feedback shared about it, for analysts (coordinators
    /// have no such page).
    pub href: Option<String>,
}

/// The page: the recent items to choose from and the chosen one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcknowledgementsView {
    pub items: Vec<Choice>,
    pub chosen: Option<OverviewView>,
}

/// The recent items and the view of `item` (a row; default: the newest). For analysts and
/// coordinators; anyone else is told the page does not exist.
#[server(prefix = "/rpc", endpoint = "acknowledgements")]
pub async fn load_acknowledgements(item: Option<String>) -> Result<AcknowledgementsView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    server::page_view(&backend.db, &viewer, crate::locale::current(), item).await
}

/// Sets the viewer's organisation's acknowledgement of advisory `row`
/// (`state`: read, relevant, not_relevant, handled); with `share` (the form's checkbox),
/// also shares it with the centre that published the advisory.
#[server(prefix = "/rpc", endpoint = "acknowledge_advisory")]
pub async fn acknowledge_advisory(
    row: i64,
    state: String,
    share: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::stix::acknowledgements::{self, AckState};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let state =
        AckState::parse(state.trim()).ok_or_else(|| AppError::invalid("ack_state", "unknown"))?;
    acknowledgements::acknowledge(&backend.db, &viewer, row, state, share.is_some()).await?;
    Ok(())
}

/// The acknowledgement states, stored form, in the order forms offer them.
pub const ACK_STATES: [&str; 4] = ["read", "relevant", "not_relevant", "handled"];

/// An acknowledgement state in the reader's language.
pub fn ack_name(locale: crate::i18n::Locale, state: &str) -> String {
    use crate::i18n::*;
    match state {
        "read" => td_string!(locale, ack_read),
        "relevant" => td_string!(locale, ack_relevant),
        "not_relevant" => td_string!(locale, ack_not_relevant),
        _ => td_string!(locale, ack_handled),
    }
    .to_string()
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::api::alerts::status_name;
    use crate::format::format_time;
    use crate::i18n::*;
    use vaern_core::policy::Viewer;
    use vaern_core::stix::acknowledgements::{self, AckState, Item, Response, Subject};
    use vaern_core::stix::alerts::Status;

    /// The categories, in the legend's order.
    const CATEGORIES: [&str; 7] = [
        "waiting", "seen", "working", "done", "label", "held", "none",
    ];

    fn category(response: Response) -> &'static str {
        match response {
            Response::NotTargeted => "none",
            Response::WaitingForLabel => "label",
            Response::HeldBack => "held",
            Response::NotReacted => "waiting",
            Response::Alert(Status::Acknowledged) | Response::Advisory(AckState::Read) => "seen",
            Response::Alert(Status::Investigating) | Response::Advisory(AckState::Relevant) => {
                "working"
            }
            Response::Alert(_) | Response::Advisory(_) => "done",
        }
    }

    fn category_name(locale: Locale, key: &str) -> String {
        match key {
            "none" => td_string!(locale, acks_cat_none),
            "label" => td_string!(locale, acks_cat_label),
            "held" => td_string!(locale, acks_cat_held),
            "waiting" => td_string!(locale, acks_cat_waiting),
            "seen" => td_string!(locale, acks_cat_seen),
            "working" => td_string!(locale, acks_cat_working),
            _ => td_string!(locale, acks_cat_done),
        }
        .to_string()
    }

    fn response_text(locale: Locale, response: Response) -> String {
        match response {
            Response::Alert(status) => status_name(locale, status.as_str()),
            Response::Advisory(state) => ack_name(locale, state.as_str()),
            other => category_name(locale, category(other)),
        }
    }

    /// "3 t 12 min" / "3 h 12 min", as the alert page says it.
    fn took(locale: Locale, secs: i64) -> String {
        crate::api::alerts::server::duration(locale, secs)
    }

    /// What an item is called: its title, else what it is and when it was published.
    pub fn item_title(locale: Locale, item: &Item) -> String {
        let published = format_time(item.published_at, locale);
        match (&item.title, item.subject) {
            (Some(title), _) if !title.trim().is_empty() => title.clone(),
            (_, Subject::Advisory) => {
                td_string!(locale, acks_untitled_advisory, at = published).to_string()
            }
            (_, Subject::Alert) => {
                td_string!(locale, acks_untitled_alert, at = published).to_string()
            }
        }
    }

    /// The view of item `row` for `viewer` in `locale`: for the page and its CSV export.
    pub async fn overview_view(
        db: &vaern_core::db::Db,
        viewer: &Viewer,
        locale: Locale,
        row: i64,
    ) -> Result<OverviewView, AppError> {
        let o = acknowledgements::overview(db, viewer, row).await?;
        let rows: Vec<ResponseRow> = o
            .responses
            .into_iter()
            .map(|r| ResponseRow {
                category: category(r.response).to_string(),
                response: response_text(locale, r.response),
                acknowledged: r.acknowledged_at.map(|t| format_time(t, locale)),
                took: r.time_to_acknowledge.map(|secs| took(locale, secs)),
                code: r.code,
                name: r.name,
                region: r.region,
                municipality: r.municipality,
            })
            .collect();
        let categories = CATEGORIES
            .iter()
            .map(|key| Category {
                key: key.to_string(),
                text: category_name(locale, key),
                count: rows
                    .iter()
                    .filter(|r| r.municipality && r.category == *key)
                    .count(),
            })
            .collect();
        let analyst = vaern_core::policy::require_analyst(viewer).is_ok();
        Ok(OverviewView {
            href: analyst.then(|| format!("/intel/received/{}", o.item.row)),
            row: o.item.row,
            title: item_title(locale, &o.item),
            tlp: o.item.tlp.map(|t| t.as_str().to_string()),
            published: format_time(o.item.published_at, locale),
            categories,
            rows,
            not_delivered: o.not_delivered,
        })
    }

    pub async fn page_view(
        db: &vaern_core::db::Db,
        viewer: &Viewer,
        locale: Locale,
        item: Option<String>,
    ) -> Result<AcknowledgementsView, AppError> {
        // Everyone but analysts and coordinators is told the page does not exist.
        if !matches!(
            viewer.role,
            vaern_core::policy::PlatformRole::Analyst
                | vaern_core::policy::PlatformRole::Coordinator
        ) || viewer.user_id.is_none()
        {
            return Err(AppError::NotFound);
        }
        let recent = acknowledgements::recent(db, viewer).await?;
        let chosen_row = match item.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            Some(text) => Some(text.parse::<i64>().map_err(|_| AppError::NotFound)?),
            None => recent.first().map(|i| i.row),
        };
        let chosen = match chosen_row {
            Some(row) => Some(overview_view(db, viewer, locale, row).await?),
            None => None,
        };
        Ok(AcknowledgementsView {
            items: recent
                .iter()
                .map(|i| (i.row.to_string(), item_title(locale, i)))
                .collect(),
            chosen,
        })
    }
}
