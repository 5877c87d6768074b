//! What server functions and the shell read from the current request, all of it placed
//! there by the server's middleware: the backend, the signed-in person, the session.

use crate::error::AppError;
use leptos::prelude::*;
use vaern_core::accounts::sessions::{SessionLimits, SignedIn};
use vaern_core::db::Db;
use vaern_core::mail::Mailer;

/// The CSP nonce of one request, made by the security-header middleware before the page
/// renders and put into the request's extensions: the page's inline scripts carry it
/// (see [`provide_page_nonce`]) and the response's policy names it.
#[derive(Debug, Clone)]
pub struct PageNonce(pub String);
/// Key of our session-row id inside the tower-sessions record.
pub const SESSION_KEY: &str = "sid";

/// The services server functions call into.
#[derive(Clone)]
pub struct Backend {
    pub db: Db,
    pub limits: SessionLimits,
    pub mailer: Mailer,
    /// The audit log, handed to core, which stages each change's row in the change's own
    /// transaction; handlers never write rows themselves.
    pub audit: vaern_core::audit::AuditLog,
    /// Tells open live streams (server-sent events) that someone has a new notification.
    pub hub: vaern_core::notifications::Hub,
    /// The groups' document libraries and their file store.
    pub libraries: vaern_core::library::Libraries,
    /// The search index in use (applied from the outbox by the server's indexer, swapped
    /// by `vaern reindex`).
    pub search: std::sync::Arc<vaern_core::search::LiveIndex>,
    /// The key of the query HMACs that audit searches finding TLP:RED items.
    pub query_key: std::sync::Arc<vaern_core::search::red_audit::QueryKey>,
    /// Largest file a library accepts, in bytes.
    pub max_upload_bytes: u64,
    /// Scheme, host and path prefix of links in mail and on screen, without a
    /// trailing slash; never taken from the request's Host header.
    pub public_url: String,
}

/// Per-request facts established by the viewer middleware.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub signed_in: Option<SignedIn>,
    pub address: String,
    pub user_agent: String,
    /// A top-level navigation (`Sec-Fetch-Dest: document`, or a client that sends no
    /// fetch metadata), not an image, frame, script or `fetch`. A GET changes state
    /// (read markers, the language) only then, so that a page cannot make its readers'
    /// browsers change it by embedding a platform URL.
    pub navigation: bool,
}

pub fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| {
        tracing::error!("BUG: backend missing from context");
        AppError::Internal
    })
}

fn parts() -> Result<http::request::Parts, AppError> {
    use_context::<http::request::Parts>().ok_or_else(|| {
        tracing::error!("BUG: request parts missing from context");
        AppError::Internal
    })
}

pub fn context() -> Result<RequestContext, AppError> {
    parts()?
        .extensions
        .get::<RequestContext>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!("BUG: request context missing");
            AppError::Internal
        })
}

/// Whether this request is a top-level navigation (see [`RequestContext::navigation`]).
pub fn is_navigation() -> Result<bool, AppError> {
    Ok(context()?.navigation)
}

/// The signed-in person, or `Unauthenticated`.
pub fn signed_in() -> Result<SignedIn, AppError> {
    context()?.signed_in.ok_or(AppError::Unauthenticated)
}

pub fn session() -> Result<tower_sessions::Session, AppError> {
    parts()?
        .extensions
        .get::<tower_sessions::Session>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!("BUG: session layer missing");
            AppError::Internal
        })
}

/// Makes the request's [`PageNonce`] the one Leptos puts on its inline scripts, in place
/// of the one leptos_axum generates. The policy header then never depends on the page
/// handing its nonce back through the response options (which once, under load, did
/// not arrive: a page whose scripts the browser refused).
pub fn provide_page_nonce() {
    if let Some(parts) = use_context::<http::request::Parts>()
        && let Some(PageNonce(nonce)) = parts.extensions.get::<PageNonce>()
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.clone()));
    }
}

pub fn session_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(%err, "session store");
    AppError::Internal
}
