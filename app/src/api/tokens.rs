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
    /// The token this browser just created, once: how its secret reaches the page
    /// when the form was posted without wasm (and the answer was a redirect).
    pub fresh: Option<CreatedToken>,
}

/// Where a new token waits in the browser's session until the next load of the page.
#[cfg(feature = "ssr")]
const FRESH_TOKEN_KEY: &str = "fresh_api_token";

/// The token taken out of the session for this request. A page render may load the
/// list more than once (nested suspense); each load must show the same one-time token,
/// and the next request none. Provided per request by the server.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct FreshToken(std::sync::Arc<tokio::sync::OnceCell<Option<CreatedToken>>>);

/// Takes this browser's fresh token out of its session, once per request. The session
/// and the per-request cell are read from the context at once: inside a page render a
/// server function reaches the context only before its first await.
#[cfg(feature = "ssr")]
fn take_fresh_token()
-> Result<impl Future<Output = Result<Option<CreatedToken>, AppError>>, AppError> {
    use crate::request;
    let session = request::session()?;
    let FreshToken(cell) = use_context::<FreshToken>().unwrap_or_else(|| {
        tracing::error!("BUG: FreshToken missing from context");
        FreshToken::default()
    });
    Ok(async move {
        cell.get_or_try_init(|| async {
            session
                .remove::<CreatedToken>(FRESH_TOKEN_KEY)
                .await
                .map_err(request::session_error)
        })
        .await
        .cloned()
    })
}

#[server(prefix = "/rpc", endpoint = "tokens")]
pub async fn load_tokens() -> Result<Tokens, AppError> {
    use crate::api::account::format_time;
    use crate::request;
    use vaern_core::policy::{self, OrgKind};
    use vaern_core::tokens::{self, Manager};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let fresh = take_fresh_token()?;
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
    let fresh = fresh.await?;
    Ok(Tokens {
        orgs,
        scopes,
        tokens,
        fresh,
    })
}

/// A token just created: the only time its secret is shown.
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
    let session = request::session()?;
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
    let created = CreatedToken {
        id: created.id.0,
        org_name: created.org.name,
        secret: created.secret,
    };
    // Taken out by the next load of the page, which shows it once.
    session
        .insert(FRESH_TOKEN_KEY, &created)
        .await
        .map_err(request::session_error)?;
    Ok(created)
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
