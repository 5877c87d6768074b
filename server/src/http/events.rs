//! `GET /events`: the signed-in person's live unread count as server-sent events
//! (`event: count`, `data: N`), which the bell in the header listens to. Only a count
//! ever travels, and it is counted with a freshly loaded viewer, so it passes the access
//! policy as it stands now. The stream ends when the session does (signed out, expired,
//! account disabled); the browser's reconnect then gets a 401 and stops.

use crate::AppState;
use app::request::RequestContext;
use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use vaern_core::CoreError;
use vaern_core::accounts::sessions::{self, SessionLimits};
use vaern_core::db::Db;
use vaern_core::ids::UserId;

/// How often an idle stream checks that its session is still live.
const SESSION_CHECK: Duration = Duration::from_secs(30);
/// How often a comment line keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn stream(
    State(state): State<AppState>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    // No body and no redirect: the browser's EventSource stops on a 401.
    let Some((signed_in, user)) = context
        .and_then(|Extension(c)| c.signed_in)
        .and_then(|s| s.viewer.user_id.map(|user| (s, user)))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    // Subscribed before the first count, so nothing published in between is missed.
    let receiver = state.backend.hub.subscribe();
    let mut check = tokio::time::interval_at(Instant::now() + SESSION_CHECK, SESSION_CHECK);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let listener = Listener {
        db: state.backend.db.clone(),
        limits: state.backend.limits,
        session_id: signed_in.session_id,
        user,
        receiver,
        check,
        sent: None,
    };
    let events = futures_util::stream::unfold(listener, |mut listener| async move {
        let count = listener.next_count().await?;
        let event = Event::default().event("count").data(count.to_string());
        Some((Ok::<_, Infallible>(event), listener))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // A reverse proxy (nginx) would otherwise hold events back in its buffer.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// One open stream: who it is for and what it last told them.
struct Listener {
    db: Db,
    limits: SessionLimits,
    session_id: String,
    user: UserId,
    receiver: broadcast::Receiver<UserId>,
    check: Interval,
    /// The count last sent; `None` before the first.
    sent: Option<i64>,
}

impl Listener {
    /// The next count to send: the current one first, then each change after something
    /// was published for this person. `None` ends the stream.
    async fn next_count(&mut self) -> Option<i64> {
        loop {
            if self.sent.is_some() {
                self.wait().await?;
            }
            if !self.session_live().await {
                return None;
            }
            // Loaded afresh each time, so that memberships ended meanwhile count.
            let viewer = match sessions::load_viewer(&self.db, self.user).await {
                Ok(viewer) => viewer,
                Err(CoreError::NotFound) => return None,
                Err(err) => {
                    tracing::error!(%err, "loading the viewer of a live stream");
                    return None;
                }
            };
            let count = match vaern_core::notifications::unread_count(&self.db, &viewer).await {
                Ok(count) => count,
                Err(err) => {
                    tracing::error!(%err, "counting unread notifications for a live stream");
                    return None;
                }
            };
            // Something the person may not see changes nothing they are told.
            if self.sent != Some(count) {
                self.sent = Some(count);
                return Some(count);
            }
        }
    }

    /// Waits until something was published for this person (or so much was published
    /// that we cannot tell); `None` when the session ended or the hub closed.
    async fn wait(&mut self) -> Option<()> {
        loop {
            tokio::select! {
                message = self.receiver.recv() => match message {
                    Ok(user) if user == self.user => return Some(()),
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => return Some(()),
                    Err(RecvError::Closed) => return None,
                },
                _ = self.check.tick() => {
                    if !self.session_live().await {
                        return None;
                    }
                }
            }
        }
    }

    async fn session_live(&self) -> bool {
        match sessions::is_live(&self.db, &self.session_id, self.limits).await {
            Ok(live) => live,
            Err(err) => {
                tracing::error!(%err, "checking the session of a live stream");
                false
            }
        }
    }
}
