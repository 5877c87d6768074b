//! Request body limits: forms and server-function calls are small; the few that carry a
//! pasted list get a larger limit by path; uploads get their own limits where they are
//! added.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// Largest body accepted on ordinary routes.
pub const MAX_BODY: usize = 64 * 1024;

/// Largest body of a pasted list of e-mail addresses (10,000 addresses of 254 bytes,
/// form-encoded, fit well within it).
pub const MAX_PASTE_BODY: usize = 4 * 1024 * 1024;

/// Routes whose forms carry a pasted list.
const PASTE_ROUTES: &[&str] = &["/rpc/add_group_members"];

/// The limit for a request path.
pub fn max_body_for(path: &str) -> usize {
    if PASTE_ROUTES.contains(&path) {
        MAX_PASTE_BODY
    } else {
        MAX_BODY
    }
}

/// Applies [`max_body_for`] the request's path: 413 for a body over it, whether its
/// length is declared or not. Bodies here are forms, so reading them whole first costs
/// nothing the server function would not spend anyway.
pub async fn body_limit(req: Request, next: Next) -> Response {
    let limit = max_body_for(req.uri().path());
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    }
}
