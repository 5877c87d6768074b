//! The flash (`app::flash`): the answer of an accepted form submission, kept in the
//! session until the next page load renders it. Only for signed-in people (an anonymous
//! form never needs one, and must not create a session record for it).

use app::components::form::FORM_HEADER;
use app::flash::{Flash, SESSION_KEY};
use app::request::RequestContext;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{Method, header};
use tower_sessions::Session;

/// Largest answer kept as a flash; a larger one is simply not shown.
const MAX_FLASH: usize = 64 * 1024;

pub async fn carry(mut req: Request, next: Next) -> Response {
    let signed_in = req
        .extensions()
        .get::<RequestContext>()
        .is_some_and(|c| c.signed_in.is_some());
    let Some(session) = req
        .extensions()
        .get::<Session>()
        .cloned()
        .filter(|_| signed_in)
    else {
        return next.run(req).await;
    };
    let path = req.uri().path().to_string();
    if req.method() == Method::POST && path.starts_with("/rpc/") && is_form_submission(&req) {
        let response = next.run(req).await;
        return keep(&session, path, response).await;
    }
    if req.method() == Method::GET && accepts_html(&req) {
        // Read first: removing writes the session record, which most page loads need not.
        if let Ok(Some(flash)) = session.get::<Flash>(SESSION_KEY).await {
            let _ = session.remove::<Flash>(SESSION_KEY).await;
            req.extensions_mut().insert(flash);
        }
    }
    next.run(req).await
}

fn accepts_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A plain form post (which asks for HTML) or the form island's `fetch`.
fn is_form_submission(req: &Request) -> bool {
    accepts_html(req) || req.headers().contains_key(FORM_HEADER)
}

/// Stores the answer of an accepted submission. A plain post is accepted when server_fn
/// redirects it without an error in the query.
async fn keep(session: &Session, path: String, response: Response) -> Response {
    let status = response.status();
    let refused_in_query = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|to| to.contains("__err="));
    let accepted = (status.is_success() || status.is_redirection())
        && !refused_in_query
        && !response.headers().contains_key("serverfnerror");
    // A session the handler ended (signing out flushes it) keeps nothing: storing the
    // flash would write a fresh session record for someone who just left.
    if !accepted || session.id().is_none() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FLASH).await else {
        // Too large to keep; the action itself has happened.
        return Response::from_parts(parts, Body::empty());
    };
    let output = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(err) = session.insert(SESSION_KEY, Flash { path, output }).await {
        tracing::warn!(%err, "keeping the flash");
    }
    Response::from_parts(parts, Body::from(bytes))
}
