//! API tokens: the list with last use, creating one (its secret shown once), revoking.
//! Admins manage every organisation's tokens (`stix:write` only for an analysis
//! centre); organisation admins `taxii:read` tokens of their own organisation (the
//! policy in `vaern_core` decides every case).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An organisation the viewer may create tokens for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenOrg {
    pub code: String,
    pub name: String,
}

/// One token in the list, with times already written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub org_name: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created: String,
    pub expires: Option<String>,
    pub expired: bool,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
    /// The viewer may revoke it (and it is not revoked yet).
    pub revocable: bool,
}

/// The tokens page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub orgs: Vec<TokenOrg>,
    /// Scopes the viewer may grant somewhere (`stix:write`: admins, for an analysis
    /// centre).
    pub scopes: Vec<String>,
    pub tokens: Vec<TokenView>,
}

#[server(prefix = "/rpc", endpoint = "tokens")]
pub async fn load_tokens() -> Result<Tokens, AppError> {
    use crate::format::format_time;
    use crate::request;
    use vaern_core::policy::{self, OrgKind};
    use vaern_core::tokens::{self, Manager};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let now = vaern_core::clock::now();
    let listed = tokens::list(&backend.db, Manager::Viewer(&viewer)).await?;
    let orgs = vaern_core::accounts::management::manageable_orgs(&backend.db, &viewer)
        .await?
        .into_iter()
        .filter(|o| policy::can_manage_tokens(&viewer, o.id))
        .map(|o| TokenOrg {
            code: o.code,
            name: o.name,
        })
        .collect();
    // An analysis centre may hold every scope, so this is what the viewer grants anywhere.
    let scopes = policy::grantable_scopes(&viewer, viewer.org_id, OrgKind::AnalysisCentre)
        .into_iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let tokens = listed
        .into_iter()
        .map(|t| TokenView {
            revocable: t.revoked_at.is_none()
                && policy::can_revoke_token(&viewer, t.org_id, &t.scopes),
            expired: t.revoked_at.is_none() && !t.is_active(now),
            id: t.id.0,
            org_name: t.org_name,
            name: t.name,
            scopes: t.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            created: format_time(t.created_at, locale),
            expires: t.expires_at.map(|at| format_time(at, locale)),
            last_used: t.last_used_at.map(|at| format_time(at, locale)),
            revoked: t.revoked_at.map(|at| format_time(at, locale)),
        })
        .collect();
    Ok(Tokens {
        orgs,
        scopes,
        tokens,
    })
}

/// A token just created: the only time its secret is shown (the page after the form
/// shows it from the flash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: i64,
    pub org_name: String,
    pub secret: String,
}

/// Creates a token. Each scope is a checkbox of its own (`taxii_read`, `stix_write`), so
/// that the form posts the same without wasm.
#[server(prefix = "/rpc", endpoint = "create_token")]
pub async fn create_token(
    org: String,
    name: Option<String>,
    taxii_read: Option<String>,
    stix_write: Option<String>,
    expires: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::request;
    use vaern_core::policy::Scope;
    use vaern_core::tokens::{self, Manager, NewToken};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let scopes = [
        (taxii_read, Scope::TaxiiRead),
        (stix_write, Scope::StixWrite),
    ]
    .into_iter()
    .filter(|(checked, _)| checked.is_some())
    .map(|(_, scope)| scope.as_str().to_string())
    .collect();
    let created = tokens::create(
        &backend.db,
        &backend.audit,
        Manager::Viewer(&viewer),
        &address,
        NewToken {
            org,
            scopes,
            expires,
            name: name.unwrap_or_default(),
        },
    )
    .await?;
    Ok(CreatedToken {
        id: created.id.0,
        org_name: created.org.name,
        secret: created.secret,
    })
}

#[server(prefix = "/rpc", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::tokens::{self, Manager};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    tokens::revoke(
        &backend.db,
        &backend.audit,
        Manager::Viewer(&viewer),
        &address,
        vaern_core::ids::TokenId(id),
    )
    .await?;
    Ok(())
}
