//! Feedback to the centre: an organisation shares its response to an alert (or, with its
//! acknowledgement, to an advisory) with the centre that published it. Decided in
//! `vaern_core::stix::feedback`; here words and times for people.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The newest feedback of one organisation about one item, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackView {
    pub org: String,
    /// The state shared, translated.
    pub state: String,
    pub message: String,
    /// Stored form (`amber+strict`).
    pub tlp: String,
    pub shared: String,
    pub shared_by: String,
    /// How many times it was shared.
    pub versions: i64,
}

/// Shares alert `id`'s current status with the centre, with the person's `message`,
/// labelled `tlp`.
#[server(prefix = "/rpc", endpoint = "alert_share")]
pub async fn share_alert(id: i64, message: String, tlp: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::policy::Tlp;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let tlp = Tlp::parse(tlp.trim()).ok_or_else(|| AppError::invalid("tlp", "unknown"))?;
    vaern_core::stix::feedback::share_alert(&backend.db, &viewer, id, &message, tlp).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::i18n::Locale;
    use vaern_core::stix::feedback::{Shared, SubjectKind};

    /// One share in `locale`.
    pub fn view(locale: Locale, shared: Shared) -> FeedbackView {
        let state = match shared.subject_kind {
            SubjectKind::Alert => crate::api::alerts::status_name(locale, &shared.state),
            SubjectKind::Advisory => crate::api::acknowledgements::ack_name(locale, &shared.state),
        };
        FeedbackView {
            org: shared.org_name,
            state,
            message: shared.message,
            tlp: shared.tlp.as_str().to_string(),
            shared: crate::format::format_time(shared.shared_at, locale),
            shared_by: shared.shared_by,
            versions: shared.versions,
        }
    }
}
