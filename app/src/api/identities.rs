//! STIX identities that matched no organisation, for admins: the list with suggestions
//! by name, and linking one to an organisation (which routes what waited for it).
//! Anyone but an admin is told the endpoints do not exist, as for the other admin pages.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One unmatched identity as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    pub stix_id: String,
    /// `None`: only named as a target, never received.
    pub name: Option<String>,
    pub kommunekode: Option<String>,
    /// In the reader's language.
    pub first_seen: String,
    pub waiting: i64,
    /// (code, name), best first.
    pub suggestions: Vec<(String, String)>,
}

/// The identities page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitiesView {
    pub identities: Vec<IdentityView>,
    /// (code, name) of every organisation, by name.
    pub orgs: Vec<(String, String)>,
}

/// What a link did, for the status message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedView {
    pub identity: String,
    pub org_name: String,
    pub alerts: u64,
}

#[server(prefix = "/rpc", endpoint = "unmatched_identities")]
pub async fn load_identities() -> Result<IdentitiesView, AppError> {
    use crate::format::format_time;
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let admin = vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)?;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let identities = vaern_core::stix::identities::unmatched(&backend.db, &admin)
        .await?
        .into_iter()
        .map(|u| IdentityView {
            first_seen: format_time(u.first_seen_us.div_euclid(1_000_000), locale),
            suggestions: u
                .suggestions
                .into_iter()
                .map(|s| (s.code, s.name))
                .collect(),
            stix_id: u.stix_id,
            name: u.name,
            kommunekode: u.kommunekode,
            waiting: u.waiting,
        })
        .collect();
    Ok(IdentitiesView {
        identities,
        orgs: vaern_core::orgs::codes_and_names(&backend.db).await?,
    })
}

/// Links `identity` to the organisation with code `org`.
#[server(prefix = "/rpc", endpoint = "link_identity")]
pub async fn link_identity(identity: String, org: String) -> Result<LinkedView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let admin = vaern_core::policy::require_admin(&viewer).map_err(|_| AppError::NotFound)?;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let found = match vaern_core::orgs::find_by_code(&backend.db, &org).await {
        Ok(found) => found,
        Err(vaern_core::CoreError::NotFound) => return Err(AppError::invalid("org", "unknown")),
        Err(other) => return Err(other.into()),
    };
    let linked = vaern_core::stix::identities::link(
        &backend.db,
        &backend.audit,
        &admin,
        &identity,
        found.id,
        &address,
    )
    .await?;
    Ok(LinkedView {
        identity: identity.trim().to_ascii_lowercase(),
        org_name: found.name,
        alerts: linked.alerts,
    })
}
