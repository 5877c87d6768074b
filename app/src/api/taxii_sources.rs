//! The analysis centre's TAXII server: the remote collections Værn pulls STIX from, with
//! their status, and adding, pausing, resuming and deleting them. Admins only; anyone
//! else is told the page does not exist. Passwords go in, never out.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An organisation a source may publish as (an analysis centre).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherView {
    pub code: String,
    pub name: String,
}

/// One source with its status, times already written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceView {
    pub id: i64,
    pub url: String,
    pub collection: String,
    pub username: Option<String>,
    pub has_password: bool,
    pub interval_secs: i64,
    pub enabled: bool,
    /// Its token no longer works: the poller does not run it.
    pub token_revoked: bool,
    pub org_name: String,
    pub checkpoint: Option<String>,
    pub last_success: Option<String>,
    pub last_error_at: Option<String>,
    /// Why the last poll failed, in the reader's language.
    pub last_error: Option<String>,
    /// What the network or the remote server said (theirs, not translated).
    pub last_error_detail: Option<String>,
    pub objects_received: i64,
    pub consecutive_failures: i64,
    /// `None` while the source is paused or its token revoked.
    pub next_attempt: Option<String>,
}

/// The page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxiiSources {
    pub publishers: Vec<PublisherView>,
    pub sources: Vec<SourceView>,
}

/// Why a poll failed, for the admin page.
#[cfg(feature = "ssr")]
fn failure_text(
    locale: crate::i18n::Locale,
    kind: vaern_core::stix::sources::FailureKind,
) -> String {
    use crate::i18n::*;
    use vaern_core::stix::sources::FailureKind as K;
    match kind {
        K::TokenUnusable => td_string!(locale, taxii_failure_token_unusable),
        K::Timeout => td_string!(locale, taxii_failure_timeout),
        K::Connect => td_string!(locale, taxii_failure_connect),
        K::BrokenOff => td_string!(locale, taxii_failure_broken_off),
        K::RequestFailed => td_string!(locale, taxii_failure_request_failed),
        K::Unauthorized => td_string!(locale, taxii_failure_unauthorized),
        K::Forbidden => td_string!(locale, taxii_failure_forbidden),
        K::NotFound => td_string!(locale, taxii_failure_not_found),
        K::NotTaxii => td_string!(locale, taxii_failure_not_taxii),
        K::Redirect => td_string!(locale, taxii_failure_redirect),
        K::ServerError => td_string!(locale, taxii_failure_server_error),
        K::Refused => td_string!(locale, taxii_failure_refused),
        K::NotEnvelope => td_string!(locale, taxii_failure_not_envelope),
        K::TooLarge => td_string!(locale, taxii_failure_too_large),
        K::TooManyObjects => td_string!(locale, taxii_failure_too_many_objects),
        K::ObjectsRefused => td_string!(locale, taxii_failure_objects_refused),
        K::NoNext => td_string!(locale, taxii_failure_no_next),
        K::Internal => td_string!(locale, taxii_failure_internal),
        K::Other => td_string!(locale, taxii_failure_other),
    }
    .to_string()
}

/// The admin proof, or `NotFound` for everyone else.
#[cfg(feature = "ssr")]
fn admin() -> Result<vaern_core::policy::Admin, AppError> {
    let viewer = crate::request::signed_in()?.viewer;
    vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)
}

#[server(prefix = "/rpc", endpoint = "taxii_sources")]
pub async fn load_taxii_sources() -> Result<TaxiiSources, AppError> {
    use crate::format::format_time;
    use vaern_core::stix::sources::{self, Manager};

    let admin = admin()?;
    let backend = crate::request::backend()?;
    let locale = crate::locale::current();
    let publishers = sources::publishers(&backend.db, Manager::Admin(&admin))
        .await?
        .into_iter()
        .map(|(code, name)| PublisherView { code, name })
        .collect();
    let sources = sources::list(&backend.db, Manager::Admin(&admin))
        .await?
        .into_iter()
        .map(|s| SourceView {
            id: s.id.0,
            next_attempt: (s.enabled && !s.token_revoked)
                .then(|| format_time(s.next_attempt_at, locale)),
            url: s.url,
            collection: s.collection_id,
            username: s.username,
            has_password: s.has_password,
            interval_secs: s.interval_secs,
            enabled: s.enabled,
            token_revoked: s.token_revoked,
            org_name: s.org_name,
            checkpoint: s.checkpoint,
            last_success: s.last_success_at.map(|at| format_time(at, locale)),
            last_error_at: s.last_error_at.map(|at| format_time(at, locale)),
            last_error: s.last_error.as_ref().map(|f| failure_text(locale, f.kind)),
            last_error_detail: s.last_error.map(|f| f.detail).filter(|d| !d.is_empty()),
            objects_received: s.objects_received,
            consecutive_failures: s.consecutive_failures,
        })
        .collect();
    Ok(TaxiiSources {
        publishers,
        sources,
    })
}

/// Adds a source; the poller asks it at once.
#[server(prefix = "/rpc", endpoint = "add_taxii_source")]
pub async fn add_taxii_source(
    url: String,
    collection: String,
    username: Option<String>,
    password: Option<String>,
    interval_secs: String,
    org: String,
) -> Result<i64, AppError> {
    use vaern_core::stix::sources::{self, Manager, NewSource};

    let admin = admin()?;
    let backend = crate::request::backend()?;
    let address = crate::request::context()?.address;
    let id = sources::create(
        &backend.db,
        &backend.audit,
        Manager::Admin(&admin),
        &address,
        NewSource {
            url,
            collection,
            username: username.unwrap_or_default(),
            password: password.unwrap_or_default(),
            interval_secs,
            org,
        },
    )
    .await?;
    Ok(id.0)
}

/// Pauses (`enabled=false`) or resumes (`enabled=true`) a source; resuming polls it at
/// once.
#[server(prefix = "/rpc", endpoint = "set_taxii_source_enabled")]
pub async fn set_taxii_source_enabled(id: i64, enabled: String) -> Result<(), AppError> {
    use vaern_core::stix::sources::{self, Manager, SourceId};

    let admin = admin()?;
    let backend = crate::request::backend()?;
    let address = crate::request::context()?.address;
    let enabled = match enabled.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest),
    };
    sources::set_enabled(
        &backend.db,
        &backend.audit,
        Manager::Admin(&admin),
        &address,
        SourceId(id),
        enabled,
    )
    .await?;
    Ok(())
}

/// Deletes a source and revokes its token; what it fetched stays.
#[server(prefix = "/rpc", endpoint = "delete_taxii_source")]
pub async fn delete_taxii_source(id: i64) -> Result<(), AppError> {
    use vaern_core::stix::sources::{self, Manager, SourceId};

    let admin = admin()?;
    let backend = crate::request::backend()?;
    let address = crate::request::context()?.address;
    sources::delete(
        &backend.db,
        &backend.audit,
        Manager::Admin(&admin),
        &address,
        SourceId(id),
    )
    .await?;
    Ok(())
}
