//! The signed-in person's organisation's alerts (one per sighting at it), as far as the
//! policy lets the person see each sighting; decided in `vaern_core::stix::alerts`.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One alert as the page shows it, with texts translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub id: i64,
    pub sighting_ref: String,
    pub name: String,
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
}

/// A stored alert status in the reader's language.
pub fn status_name(locale: crate::i18n::Locale, status: &str) -> String {
    use crate::i18n::*;
    match status {
        "new" => td_string!(locale, alert_status_new),
        "acknowledged" => td_string!(locale, alert_status_acknowledged),
        "investigating" => td_string!(locale, alert_status_investigating),
        "resolved" => td_string!(locale, alert_status_resolved),
        _ => td_string!(locale, alert_status_false_positive),
    }
    .to_string()
}

/// The newest alerts of the viewer's organisation.
#[server(prefix = "/rpc", endpoint = "alerts")]
pub async fn load_alerts() -> Result<Vec<AlertRow>, AppError> {
    use crate::api::intel::severity_name;
    use crate::format::format_time;
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let alerts = vaern_core::stix::alerts::for_organisation(&backend.db, &viewer).await?;
    Ok(alerts
        .into_iter()
        .map(|a| AlertRow {
            id: a.id,
            severity: severity_name(locale, a.severity.as_str()),
            severity_key: a.severity.as_str().to_string(),
            status: status_name(locale, &a.status),
            tlp: a.tlp.map(|t| t.as_str().to_string()),
            created: format_time(a.created_at, locale),
            sighting_ref: a.sighting_ref,
            name: a.name,
        })
        .collect())
}
