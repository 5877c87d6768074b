//! API-token authentication for the machine routes (`/api/v1/`, `/taxii2/`): the one
//! place that reads the `Authorization` header. A handler that takes [`ApiToken`] runs
//! only for a valid token; anything else (no header, another scheme, a malformed,
//! unknown, revoked or expired token) is answered 401 with a challenge for both schemes.
//!
//! Browser routes never take this extractor, so there `Authorization` means nothing
//! (DESIGN §2); machine routes ignore the session cookie (`viewer::attach`).

use crate::AppState;
use app::request::RequestContext;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use vaern_core::policy::Scope;
use vaern_core::tokens::{self, TokenPrincipal};

/// The challenge of every 401 on the machine routes.
pub const CHALLENGE: &str = r#"Bearer realm="vaern", Basic realm="vaern""#;

/// A valid token presented as `Authorization: Bearer <secret>`, or as the password of
/// HTTP Basic (any user name), for clients that only speak Basic.
#[derive(Debug, Clone)]
pub struct ApiToken(pub TokenPrincipal);

impl ApiToken {
    /// For handlers that need a scope: `Err` (a 403 as a response) unless the token
    /// carries it.
    pub fn require(&self, scope: Scope) -> Result<(), MissingScope> {
        if self.0.has_scope(scope) {
            Ok(())
        } else {
            Err(MissingScope(scope))
        }
    }
}

/// A valid token without the scope an operation needs: answered 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingScope(pub Scope);

impl IntoResponse for MissingScope {
    fn into_response(self) -> Response {
        machine_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            &format!("This token lacks the scope {}.", self.0.as_str()),
        )
    }
}

impl FromRequestParts<AppState> for ApiToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // Already authenticated by a gate in front of the handler (the ingest routes).
        if let Some(token) = parts.extensions.get::<ApiToken>() {
            return Ok(token.clone());
        }
        let Some(secret) = presented_secret(&parts.headers) else {
            return Err(unauthorized());
        };
        let address = parts
            .extensions
            .get::<RequestContext>()
            .map(|c| c.address.clone())
            .unwrap_or_default();
        match tokens::authenticate(&state.backend.db, &state.backend.audit, &secret, &address).await
        {
            Ok(Some(principal)) => Ok(Self(principal)),
            Ok(None) => Err(unauthorized()),
            Err(err) => {
                tracing::error!(%err, "authenticating an API token");
                Err(machine_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side.",
                ))
            }
        }
    }
}

/// The secret from `Authorization`: a Bearer token, or the password of Basic
/// credentials. `None` for a missing, repeated or malformed header.
fn presented_secret(headers: &HeaderMap) -> Option<String> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next()?.to_str().ok()?.trim();
    if values.next().is_some() {
        return None;
    }
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(credentials.to_string())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_user, password) = text.split_once(':')?;
        Some(password.to_string())
    } else {
        None
    }
}

/// A JSON error for machines: `{"error": <code>, "message": <text>}`.
pub fn machine_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (
        status,
        Json(serde_json::json!({ "error": code, "message": message })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// 401 with the challenge for both schemes; the same for every kind of bad token, so a
/// client learns nothing about why.
pub fn unauthorized() -> Response {
    let mut response = machine_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "A valid API token is required: Authorization: Bearer <token>.",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(CHALLENGE),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_authorization(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, value.parse().unwrap());
        }
        headers
    }

    fn basic(credentials: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    #[test]
    fn bearer_and_basic_password_carry_the_secret() {
        assert_eq!(
            presented_secret(&with_authorization(&["Bearer vaern_abc"])).as_deref(),
            Some("vaern_abc")
        );
        assert_eq!(
            presented_secret(&with_authorization(&["bearer   vaern_abc "])).as_deref(),
            Some("vaern_abc")
        );
        assert_eq!(
            presented_secret(&with_authorization(&[&basic("siem:vaern_abc")])).as_deref(),
            Some("vaern_abc")
        );
        assert_eq!(
            presented_secret(&with_authorization(&[&basic(":vaern_a:b")])).as_deref(),
            Some("vaern_a:b")
        );
    }

    #[test]
    fn a_missing_scope_is_a_403_naming_the_scope() {
        let response = MissingScope(Scope::StixWrite).into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(!response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(
            unauthorized().headers()[header::WWW_AUTHENTICATE],
            CHALLENGE
        );
    }

    #[test]
    fn other_schemes_and_malformed_headers_carry_nothing() {
        for bad in [
            &["Token vaern_abc"][..],
            &["Bearer"],
            &["vaern_abc"],
            &["Basic not-base64!"],
            &[&basic("no-colon")],
            &["Bearer a", "Bearer b"],
        ] {
            assert_eq!(presented_secret(&with_authorization(bad)), None, "{bad:?}");
        }
        assert_eq!(presented_secret(&HeaderMap::new()), None);
    }
}
