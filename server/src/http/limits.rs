//! Request body limits: forms and server-function calls are small; the few that carry a
//! pasted list get a larger limit by path, STIX ingestion the API root's
//! `max_content_length`; uploads get their own limits where they are added. Bodies are
//! read up to the limit and no further, whatever `Content-Length` claims.

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

/// Largest body of a forum post: 100,000 characters of Markdown
/// (`vaern_core::markdown::MAX_SOURCE_CHARS`), each up to 9 bytes once a 3-byte
/// character is form-encoded, with room for the title and recipients.
pub const MAX_POST_BODY: usize = 1024 * 1024;

/// Routes whose forms carry a pasted list.
const PASTE_ROUTES: &[&str] = &["/rpc/add_group_members"];

/// Routes whose forms carry a forum post or a library page (the same renderer and
/// limit).
const POST_ROUTES: &[&str] = &[
    "/rpc/start_thread",
    "/rpc/post_reply",
    "/rpc/edit_post",
    "/rpc/preview_post",
    "/rpc/write_page",
    "/rpc/edit_page",
];

/// The limit for a request path.
pub fn max_body_for(path: &str) -> usize {
    if super::taxii::is_ingest_route(path) {
        super::taxii::MAX_CONTENT_LENGTH
    } else if PASTE_ROUTES.contains(&path) {
        MAX_PASTE_BODY
    } else if POST_ROUTES.contains(&path) {
        MAX_POST_BODY
    } else {
        MAX_BODY
    }
}

/// Whether every key and value of a form body is UTF-8 once percent-decoded. The form
/// decoder would replace invalid sequences with U+FFFD and store the result; they are
/// refused instead.
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|b| matches!(b, b'&' | b'='))
        .all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

fn is_form(parts: &http::request::Parts) -> bool {
    parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Applies [`max_body_for`] the request's path: 413 for a body over it, whether its
/// length is declared or not; and 400 for a form that is not UTF-8. Bodies here are
/// forms, so reading them whole first costs nothing the server function would not spend
/// anyway.
pub async fn body_limit(req: Request, next: Next) -> Response {
    // Ingest bodies are up to 64 MiB and may come from anyone: their route checks the
    // token first and then reads the body itself (`taxii::ingest_gate`).
    if super::taxii::is_ingest_route(req.uri().path()) && req.method() == http::Method::POST {
        return next.run(req).await;
    }
    // Uploads stream to disk under their own limit (`library::upload`).
    if super::library::is_upload_route(req.uri().path()) && req.method() == http::Method::POST {
        return next.run(req).await;
    }
    let limit = max_body_for(req.uri().path());
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) if is_form(&parts) && !form_is_utf8(&bytes) => (
            StatusCode::BAD_REQUEST,
            [(http::header::CONTENT_TYPE, "application/json")],
            "\"BadRequest\"",
        )
            .into_response(),
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(),
    }
}

/// 413, closing the connection: the rest of the body is never read, so the connection
/// cannot carry another request, and a client that reused it would see its next request
/// fail.
fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(http::header::CONNECTION, "close")],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_invalid_utf8_is_not_a_utf8_form() {
        assert!(form_is_utf8(b"title=Hej+%C3%A6%C3%B8%C3%A5&body=ok"));
        assert!(!form_is_utf8(b"title=%FF%FE&body=ok"));
        assert!(!form_is_utf8(b"body=%C3"));
        assert!(!form_is_utf8(b"body=%ED%A0%80"));
    }
}
