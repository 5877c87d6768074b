//! What the server keeps in a browser's tower-session between requests, besides the
//! session-row id: a sign-in halfway through (password proven, second factor not yet),
//! the secret being enrolled, and fresh recovery codes waiting to be shown once.

use crate::error::AppError;
use crate::request::{self, Backend, RequestContext, SESSION_KEY, session_error};
use serde::{Deserialize, Serialize};
use vaern_core::accounts::sessions;
use vaern_core::clock;
use vaern_core::ids::UserId;

const PENDING_KEY: &str = "pending_sign_in";
const ENROL_SECRET_KEY: &str = "enrol_secret";
const FRESH_CODES_KEY: &str = "fresh_recovery_codes";
/// How long a proven password waits for its second factor.
const PENDING_SECS: i64 = 600;

/// What a half-done sign-in still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PendingStep {
    /// A code from the person's authenticator, or a recovery code.
    Code,
    /// A second factor is required but not set up: enrol one first.
    Enrol,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    user_id: UserId,
    step: PendingStep,
    since: i64,
}

/// Remembers that `user_id` proved its password and must now take `step`. Whoever was
/// signed in in this browser is signed out first, so that the next step can only ever
/// concern the person who just proved the password.
pub async fn set_pending(
    backend: &Backend,
    context: &RequestContext,
    user_id: UserId,
    step: PendingStep,
) -> Result<(), AppError> {
    let session = request::session()?;
    if let Some(previous) = &context.signed_in {
        sessions::end(&backend.db, &previous.session_id).await?;
    }
    session
        .remove_value(SESSION_KEY)
        .await
        .map_err(session_error)?;
    // A new id here too, so an id planted before the password step is worthless.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(
            PENDING_KEY,
            Pending {
                user_id,
                step,
                since: clock::now(),
            },
        )
        .await
        .map_err(session_error)
}

/// The half-done sign-in of this browser, if any and not expired.
pub async fn pending() -> Result<Option<(UserId, PendingStep)>, AppError> {
    let session = request::session()?;
    let pending: Option<Pending> = session.get(PENDING_KEY).await.map_err(session_error)?;
    Ok(pending
        .filter(|p| clock::now() - p.since < PENDING_SECS)
        .map(|p| (p.user_id, p.step)))
}

/// Starts the real session for a person who has completed sign-in, replacing any
/// earlier session of this browser.
pub async fn start_session(
    backend: &Backend,
    context: &RequestContext,
    user_id: UserId,
) -> Result<(), AppError> {
    let session = request::session()?;
    if let Some(previous) = &context.signed_in {
        sessions::end(&backend.db, &previous.session_id).await?;
    }
    // A new id at sign-in, so that an id planted before sign-in is worthless.
    session.cycle_id().await.map_err(session_error)?;
    let id = sessions::start(
        &backend.db,
        &backend.audit,
        user_id,
        &context.user_agent,
        &context.address,
    )
    .await?;
    session
        .remove_value(PENDING_KEY)
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_KEY, id)
        .await
        .map_err(session_error)?;
    Ok(())
}

/// The secret being enrolled by `user_id`, made on first use, so that reloading the
/// enrolment page shows the same QR code.
pub async fn enrol_secret(user_id: UserId) -> Result<String, AppError> {
    let session = request::session()?;
    let stored: Option<(UserId, String)> =
        session.get(ENROL_SECRET_KEY).await.map_err(session_error)?;
    if let Some((owner, secret)) = stored
        && owner == user_id
    {
        return Ok(secret);
    }
    let secret = vaern_core::accounts::second_factor::new_secret();
    session
        .insert(ENROL_SECRET_KEY, (user_id, secret.clone()))
        .await
        .map_err(session_error)?;
    Ok(secret)
}

/// Forgets the secret once it is enrolled.
pub async fn clear_enrol_secret() -> Result<(), AppError> {
    request::session()?
        .remove_value(ENROL_SECRET_KEY)
        .await
        .map_err(session_error)
        .map(|_| ())
}

/// Keeps fresh recovery codes until the next page shows them.
pub async fn put_fresh_codes(codes: Vec<String>) -> Result<(), AppError> {
    request::session()?
        .insert(FRESH_CODES_KEY, codes)
        .await
        .map_err(session_error)
}

/// The codes taken out of the session for this request. A page render may load them
/// more than once (nested suspense); each load must show the same codes, and the next
/// request none. Provided per request by the server.
#[derive(Clone, Default)]
pub struct FreshCodes(std::sync::Arc<tokio::sync::OnceCell<Vec<String>>>);

/// Takes the fresh recovery codes out, so they are shown exactly once. The session and
/// the per-request cell are read from the context at once: inside a page render a
/// server function reaches the context only before its first await.
pub async fn take_fresh_codes() -> Result<Vec<String>, AppError> {
    let session = request::session()?;
    let FreshCodes(cell) = leptos::prelude::use_context::<FreshCodes>().unwrap_or_else(|| {
        tracing::error!("BUG: FreshCodes missing from context");
        FreshCodes::default()
    });
    cell.get_or_try_init(|| async {
        let codes: Option<Vec<String>> = session
            .remove(FRESH_CODES_KEY)
            .await
            .map_err(session_error)?;
        Ok(codes.unwrap_or_default())
    })
    .await
    .cloned()
}
