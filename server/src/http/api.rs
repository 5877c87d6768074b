//! The REST API for machines under `/api/v1/`: token-authenticated (`token_auth`),
//! JSON in and out.

use crate::http::token_auth::ApiToken;
use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use serde::Serialize;

#[derive(Serialize)]
struct Organisation {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct WhoAmI {
    /// The token's id, as listed on the tokens page and by `vaern token list`.
    token: i64,
    organisation: Organisation,
    scopes: Vec<&'static str>,
    /// RFC 3339, UTC; `null` when the token does not expire.
    expires_at: Option<String>,
}

/// `GET /api/v1/whoami`: the presented token's organisation, scopes and expiry.
pub async fn whoami(ApiToken(token): ApiToken) -> Response {
    let body = WhoAmI {
        token: token.id.0,
        organisation: Organisation {
            code: token.org.code,
            name: token.org.name,
        },
        scopes: token.scopes.iter().map(|s| s.as_str()).collect(),
        expires_at: token.expires_at.and_then(rfc3339),
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A unix time as RFC 3339 in UTC (`2025-03-11T00:00:00Z`).
fn rfc3339(unix_secs: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix_secs).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_written_as_rfc3339_utc() {
        assert_eq!(
            super::rfc3339(1_741_651_200).as_deref(),
            Some("2025-03-11T00:00:00Z")
        );
    }
}
