//! `GET /events`: the signed-in person's live unread count as server-sent events
//! (`event: count`, `data: N`), which the bell in the header listens to; and what changed
//! on the dashboard's and the alert list's panels (`event: alerts`, `advisories` or
//! `incidents`, `data:` how many new), which the bell hands on to the page's live panels.
//! Only numbers ever travel, each worked out with a freshly loaded viewer, so they pass
//! the access policy as it stands now: a panel is named only when what the person may
//! see on it changed (`vaern_core::stix::live`), at most once a second (`crate::live`). The stream ends when the session does (signed out, expired,
//! account disabled); the browser's reconnect then gets 204 No Content and stops.
//! (Any answer but 200 ends an `EventSource` for good; 204 rather than 401 because a
//! page whose session just ended, e.g. one signing out while its stream connects, has
//! done nothing wrong, and browsers log every 4xx as an error.)
//!
//! Each stream holds a connection and a task, so one session keeps at most
//! [`PER_SESSION`] open and one person [`PER_PERSON`]; opening one more ends the oldest
//! (a reloaded tab's old stream is usually the one gone stale).

use crate::AppState;
use app::request::RequestContext;
use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use vaern_core::CoreError;
use vaern_core::accounts::sessions::{self, SessionLimits};
use vaern_core::db::Db;
use vaern_core::ids::UserId;
use vaern_core::policy::Viewer;
use vaern_core::stix::live::{self, Changes, Mark};

/// How often an idle stream checks that its session is still live.
const SESSION_CHECK: Duration = Duration::from_secs(30);
/// How often a comment line keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Most live streams one session keeps open (tabs of one browser).
pub const PER_SESSION: usize = 4;
/// Most live streams one person keeps open, over all their sessions.
pub const PER_PERSON: usize = 20;

/// The live streams open now, oldest first, to end the oldest beyond the limits.
#[derive(Default)]
pub struct OpenStreams {
    open: Mutex<Vec<OpenStream>>,
    next_id: std::sync::atomic::AtomicU64,
}

struct OpenStream {
    id: u64,
    session_id: String,
    user: UserId,
    /// Dropping it ends the stream.
    _end: oneshot::Sender<()>,
}

/// A stream's place among the open ones; leaving it (the stream ended or was dropped)
/// frees the place.
pub struct StreamPlace {
    id: u64,
    streams: Arc<OpenStreams>,
}

impl Drop for StreamPlace {
    fn drop(&mut self) {
        if let Ok(mut open) = self.streams.open.lock() {
            open.retain(|s| s.id != self.id);
        }
    }
}

impl OpenStreams {
    /// Registers a new stream of `session_id` for `user`, ending the oldest of the
    /// session's or the person's streams beyond the limits. The receiver fires (with an
    /// error) when this stream is ended in turn.
    pub fn open(
        self: &Arc<Self>,
        session_id: &str,
        user: UserId,
    ) -> (StreamPlace, oneshot::Receiver<()>) {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (end, ended) = oneshot::channel();
        if let Ok(mut open) = self.open.lock() {
            open.push(OpenStream {
                id,
                session_id: session_id.to_string(),
                user,
                _end: end,
            });
            while open.iter().filter(|s| s.session_id == session_id).count() > PER_SESSION {
                if let Some(oldest) = open.iter().position(|s| s.session_id == session_id) {
                    open.remove(oldest);
                }
            }
            while open.iter().filter(|s| s.user == user).count() > PER_PERSON {
                if let Some(oldest) = open.iter().position(|s| s.user == user) {
                    open.remove(oldest);
                }
            }
        }
        (
            StreamPlace {
                id,
                streams: Arc::clone(self),
            },
            ended,
        )
    }
}

pub async fn stream(
    State(state): State<AppState>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    // No body and no redirect: the browser's EventSource stops on any answer but 200.
    let Some((signed_in, user)) = context
        .and_then(|Extension(c)| c.signed_in)
        .and_then(|s| s.viewer.user_id.map(|user| (s, user)))
    else {
        return StatusCode::NO_CONTENT.into_response();
    };
    // Subscribed before the first count and mark, so nothing published in between is
    // missed.
    let receiver = state.backend.hub.subscribe();
    let changes = state.live.subscribe();
    let mut check = tokio::time::interval_at(Instant::now() + SESSION_CHECK, SESSION_CHECK);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let (place, ended) = state.streams.open(&signed_in.session_id, user);
    let listener = Listener {
        _place: place,
        ended,
        db: state.backend.db.clone(),
        limits: state.backend.limits,
        session_id: signed_in.session_id,
        user,
        receiver,
        changes,
        check,
        sent: None,
        mark: None,
        pending: VecDeque::new(),
    };
    let events = futures_util::stream::unfold(listener, |mut listener| async move {
        let event = listener.next_event().await?;
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
    _place: StreamPlace,
    /// Fires when a newer stream of the same session or person took this one's place.
    ended: oneshot::Receiver<()>,
    db: Db,
    limits: SessionLimits,
    session_id: String,
    user: UserId,
    receiver: broadcast::Receiver<UserId>,
    changes: broadcast::Receiver<Arc<Changes>>,
    check: Interval,
    /// The count last sent; `None` before the first.
    sent: Option<i64>,
    /// What the person's panels showed when last compared; `None` before the first.
    mark: Option<Mark>,
    /// Events worked out and not sent yet.
    pending: VecDeque<Event>,
}

/// What woke a stream up.
enum Wake {
    /// The stream just opened: the count, and the mark to compare later changes with.
    Opened,
    /// Something was published for this person.
    Notified,
    /// Alerts or intel changed somewhere (`None`: so much that we cannot tell what).
    Changed(Option<Arc<Changes>>),
}

impl Listener {
    /// The next event to send: the current count first, then each change of the count
    /// and each panel whose content changed for this person. `None` ends the stream.
    async fn next_event(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            let wake = if self.sent.is_some() {
                self.wait().await?
            } else {
                Wake::Opened
            };
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
            match wake {
                Wake::Opened => {
                    // The mark first: the first count tells the page the stream is
                    // ready, and whatever changes after it is compared with this.
                    self.mark = Some(self.read_mark(&viewer).await?);
                    self.count(&viewer).await?;
                }
                Wake::Notified => self.count(&viewer).await?,
                Wake::Changed(changes) => {
                    let concerns = changes.as_ref().is_none_or(|c| c.concerns(&viewer));
                    if concerns {
                        self.compare(&viewer).await?;
                    }
                    if changes.is_none() {
                        self.count(&viewer).await?;
                    }
                }
            }
        }
    }

    /// Queues the count if it differs from the one sent last.
    async fn count(&mut self, viewer: &Viewer) -> Option<()> {
        let count = match vaern_core::notifications::unread_count(&self.db, viewer).await {
            Ok(count) => count,
            Err(err) => {
                tracing::error!(%err, "counting unread notifications for a live stream");
                return None;
            }
        };
        // Something the person may not see changes nothing they are told.
        if self.sent != Some(count) {
            self.sent = Some(count);
            self.pending
                .push_back(Event::default().event("count").data(count.to_string()));
        }
        Some(())
    }

    /// Queues an event for each panel that changed for `viewer` since the last mark.
    async fn compare(&mut self, viewer: &Viewer) -> Option<()> {
        let Some(before) = &self.mark else {
            self.mark = Some(self.read_mark(viewer).await?);
            return Some(());
        };
        match live::compare(&self.db, viewer, before).await {
            Ok((now, news)) => {
                for (topic, new) in news {
                    self.pending
                        .push_back(Event::default().event(topic.as_str()).data(new.to_string()));
                }
                self.mark = Some(now);
                Some(())
            }
            Err(err) => {
                tracing::error!(%err, "comparing what a live stream's panels show");
                None
            }
        }
    }

    async fn read_mark(&self, viewer: &Viewer) -> Option<Mark> {
        match live::mark(&self.db, viewer).await {
            Ok(mark) => Some(mark),
            Err(err) => {
                tracing::error!(%err, "reading what a live stream's panels show");
                None
            }
        }
    }

    /// Waits until something was published for this person or changed for anyone (or so
    /// much that we cannot tell); `None` when the session ended or a sender closed.
    async fn wait(&mut self) -> Option<Wake> {
        loop {
            tokio::select! {
                message = self.receiver.recv() => match message {
                    Ok(user) if user == self.user => return Some(Wake::Notified),
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => return Some(Wake::Notified),
                    Err(RecvError::Closed) => return None,
                },
                changed = self.changes.recv() => match changed {
                    Ok(changes) => return Some(Wake::Changed(Some(changes))),
                    Err(RecvError::Lagged(_)) => return Some(Wake::Changed(None)),
                    Err(RecvError::Closed) => return None,
                },
                _ = self.check.tick() => {
                    if !self.session_live().await {
                        return None;
                    }
                }
                _ = &mut self.ended => return None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_keeps_twenty_streams_over_all_sessions_and_one_more_ends_the_oldest() {
        let streams = Arc::new(OpenStreams::default());
        let me = UserId(1);
        let mut held = Vec::new();
        for n in 0..PER_PERSON {
            held.push(streams.open(&format!("session-{n}"), me));
        }
        let (_other_place, other) = streams.open("someone-else", UserId(2));
        let newest = streams.open("session-new", me);
        let (_, first) = &mut held[0];
        assert!(
            first
                .try_recv()
                .is_err_and(|e| e == oneshot::error::TryRecvError::Closed)
        );
        for (_, later) in &mut held[1..] {
            assert_eq!(later.try_recv(), Err(oneshot::error::TryRecvError::Empty));
        }
        let mut other = other;
        assert_eq!(other.try_recv(), Err(oneshot::error::TryRecvError::Empty));
        drop(newest);
        assert_eq!(streams.open.lock().unwrap().len(), PER_PERSON);
    }

    #[test]
    fn a_session_keeps_four_streams() {
        let streams = Arc::new(OpenStreams::default());
        let mut held: Vec<_> = (0..PER_SESSION + 1)
            .map(|_| streams.open("tabs", UserId(1)))
            .collect();
        assert_eq!(
            held[0].1.try_recv(),
            Err(oneshot::error::TryRecvError::Closed)
        );
        assert_eq!(
            held[1].1.try_recv(),
            Err(oneshot::error::TryRecvError::Empty)
        );
    }
}
