//! The TAXII poller: pulls STIX from the remote TAXII 2.1 collections admins configured
//! (`vaern_core::stix::sources`) and stores it through the same validation and routing
//! as objects posted to us (`vaern_core::stix::ingest`), under each source's own token.
//!
//! The invariant it guards: an object is never stored twice and never skipped. Each page
//! is one all-or-nothing ingest. When a poll has stored everything up to `more: false`,
//! the last `X-TAXII-Date-Added-Last` (from the response headers, as TAXII 2.1 §3.4.2
//! says, not from the envelope) becomes the source's checkpoint in the database, so a
//! restarted poller asks for what was added after it. The checkpoint does not move page
//! by page: servers give every object of one request the same `date_added` (medallion
//! does), so "added after" the middle of such a batch would skip the rest of it. A poll
//! cut short (a crash, an error) therefore starts again from the previous checkpoint,
//! and one stopped by `MAX_PAGES` from one microsecond before its last page; what is
//! fetched again is known already and changes nothing (ingestion is idempotent on id
//! and `modified`). Failures are recorded for the admin page and backed off
//! (`sources::backoff_secs`).

use crate::http::taxii::{MAX_CONTENT_LENGTH, TAXII};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use vaern_core::audit::AuditLog;
use vaern_core::clock;
use vaern_core::db::Db;
use vaern_core::stix::ingest::{self, Channel, IngestError, Poster};
use vaern_core::stix::object::{format_timestamp, parse_timestamp};
use vaern_core::stix::sources::{self, DueSource, FailureKind, PollFailure, SourceId};

/// How often the timer looks for due sources.
const TICK: Duration = Duration::from_secs(5);
/// Objects asked for per page; one page is one ingest request, which takes at most
/// `ingest::MAX_OBJECTS`.
pub const PAGE_LIMIT: usize = 1_000;
const _: () = assert!(PAGE_LIMIT <= ingest::MAX_OBJECTS);
/// Pages per poll of one source, so that one busy source cannot hold up the others; the
/// rest follows at its next poll, from the checkpoint.
const MAX_PAGES: usize = 100;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// For one whole request, body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// The response header that holds the checkpoint.
const DATE_ADDED_LAST: &str = "x-taxii-date-added-last";

/// One poll run at a time in this process: the timer and a run started by hand (a test,
/// `run_due` after a change) never poll a source at once, and a run started by hand
/// returns only when the state it reads back is complete.
static ONE_RUN: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

/// What one poll of one source came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polled {
    pub source: SourceId,
    /// New object versions stored, or the failure recorded for the admin.
    pub result: Result<usize, PollFailure>,
}

/// The timestamp one microsecond before `checkpoint` (as it came from the server; kept
/// as it is if it is not a timestamp, for the server to judge).
fn just_before(checkpoint: &str) -> String {
    match parse_timestamp(checkpoint) {
        Some(at) => format_timestamp(at - 1),
        None => checkpoint.to_string(),
    }
}

/// Polls the sources of one database.
#[derive(Clone)]
pub struct Poller {
    db: Db,
    audit: AuditLog,
    client: reqwest::Client,
}

/// A TAXII envelope (TAXII 2.1 §3.7); every field may be missing.
#[derive(Debug, Default, Deserialize)]
struct Envelope {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    objects: Vec<Value>,
}

/// One page as fetched.
struct Page {
    envelope: Envelope,
    date_added_last: Option<String>,
}

impl Poller {
    pub fn new(db: Db, audit: AuditLog) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .user_agent(concat!(
                "vaern/",
                env!("CARGO_PKG_VERSION"),
                " (TAXII poller)"
            ))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect could carry the Basic credentials elsewhere; the admin configures
            // the final URL instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("TAXII poller client: {e}"))?;
        Ok(Self { db, audit, client })
    }

    /// Polls every source that is due now, one after the other, and records each
    /// outcome. Waits for a run already under way (see [`ONE_RUN`]).
    pub async fn run_due(&self) -> Vec<Polled> {
        let _turn = ONE_RUN.lock().await;
        let due = match sources::due(&self.db, clock::now()).await {
            Ok(due) => due,
            Err(err) => {
                tracing::error!(%err, "listing due TAXII sources");
                return Vec::new();
            }
        };
        let mut polled = Vec::with_capacity(due.len());
        for source in due {
            let result = self.poll(&source).await;
            let recorded = match &result {
                Ok(stored) => {
                    tracing::info!(source = %source.id, stored, "polled TAXII source");
                    sources::record_success(&self.db, source.id, clock::now()).await
                }
                Err(failure) => {
                    tracing::warn!(source = %source.id, error = %failure, "polling TAXII source failed");
                    sources::record_failure(&self.db, source.id, clock::now(), failure)
                        .await
                        .map(|_| ())
                }
            };
            if let Err(err) = recorded {
                tracing::error!(%err, source = %source.id, "recording a TAXII poll");
            }
            polled.push(Polled {
                source: source.id,
                result,
            });
        }
        polled
    }

    /// Polls the timer's way until the task is aborted.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                self.run_due().await;
            }
        })
    }

    /// Fetches and stores the pages added after the source's checkpoint; returns how
    /// many object versions were new.
    async fn poll(&self, source: &DueSource) -> Result<usize, PollFailure> {
        if !source.token_usable {
            return Err(PollFailure::new(
                FailureKind::TokenUnusable,
                format!("token #{}", source.token_id),
            ));
        }
        let objects_url = format!(
            "{}collections/{}/objects/",
            source.url, source.collection_id
        );
        let mut added_after = source.checkpoint.clone();
        let mut last_seen: Option<String> = None;
        let mut next: Option<String> = None;
        let mut total = 0;
        for _ in 0..MAX_PAGES {
            let page = self
                .fetch(
                    source,
                    &objects_url,
                    added_after.as_deref(),
                    next.as_deref(),
                )
                .await?;
            let Page {
                envelope,
                date_added_last,
            } = page;
            let stored = if envelope.objects.is_empty() {
                0
            } else {
                self.store(source, envelope.objects).await?
            };
            self.record(source, None, stored).await?;
            total += stored;
            if date_added_last.is_some() {
                last_seen.clone_from(&date_added_last);
            }
            if !envelope.more {
                // The whole backlog is stored: the next poll asks for what comes after.
                self.record(source, last_seen.as_deref(), 0).await?;
                return Ok(total);
            }
            match (envelope.next.filter(|n| !n.is_empty()), date_added_last) {
                // The same filter with `next`, as the server's paging expects.
                (Some(token), _) => next = Some(token),
                // No `next`: the server pages by time (TAXII 2.1 §3.4.2).
                (None, Some(last)) => {
                    added_after = Some(last.clone());
                    next = None;
                }
                (None, None) => return Err(PollFailure::new(FailureKind::NoNext, "")),
            }
        }
        // Stopped with more to come: resume at the last page's time, inclusive, because
        // the rest of its batch may share that `date_added`.
        let resume = last_seen.as_deref().map(just_before);
        self.record(source, resume.as_deref(), 0).await?;
        Ok(total)
    }

    /// Adds `stored` to the source's count and, when given, moves its checkpoint.
    async fn record(
        &self,
        source: &DueSource,
        checkpoint: Option<&str>,
        stored: usize,
    ) -> Result<(), PollFailure> {
        sources::record_page(&self.db, source.id, checkpoint, stored)
            .await
            .map_err(|err| {
                tracing::error!(%err, source = %source.id, "recording a TAXII page");
                PollFailure::new(FailureKind::Internal, "recording the checkpoint")
            })
    }

    async fn fetch(
        &self,
        source: &DueSource,
        objects_url: &str,
        added_after: Option<&str>,
        next: Option<&str>,
    ) -> Result<Page, PollFailure> {
        let mut query: Vec<(&str, String)> = vec![("limit", PAGE_LIMIT.to_string())];
        if let Some(after) = added_after {
            query.push(("added_after", after.to_string()));
        }
        if let Some(next) = next {
            query.push(("next", next.to_string()));
        }
        let mut request = self
            .client
            .get(objects_url)
            .header(reqwest::header::ACCEPT, TAXII)
            .query(&query);
        if source.username.is_some() || source.password.is_some() {
            request = request.basic_auth(
                source.username.as_deref().unwrap_or(""),
                source.password.as_deref(),
            );
        }
        let mut response = request.send().await.map_err(describe_request_error)?;
        let status = response.status();
        if !status.is_success() {
            let body = read_bounded(&mut response, 4096).await.unwrap_or_default();
            return Err(describe_status(status, &body));
        }
        let date_added_last = response
            .headers()
            .get(DATE_ADDED_LAST)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let body = read_bounded(&mut response, MAX_CONTENT_LENGTH).await?;
        let envelope: Envelope = serde_json::from_slice(&body)
            .map_err(|e| PollFailure::new(FailureKind::NotEnvelope, format!("JSON error: {e}")))?;
        Ok(Page {
            envelope,
            date_added_last,
        })
    }

    /// Stores one page for the source's token; audited like a post of the same objects.
    async fn store(&self, source: &DueSource, objects: Vec<Value>) -> Result<usize, PollFailure> {
        let poster = Poster {
            token: source.token_id,
            org: source.org_id,
        };
        let count = objects.len();
        let channel = Channel::Poll { source: source.id };
        match ingest::receive(&self.db, &self.audit, &poster, channel, objects).await {
            Ok(done) => Ok(done.stored),
            Err(IngestError::TooMany(n)) => Err(PollFailure::new(
                FailureKind::TooManyObjects,
                format!("{n} > {}", ingest::MAX_OBJECTS),
            )),
            Err(IngestError::Invalid(problems)) => {
                let first = problems
                    .first()
                    .map(|p| {
                        format!(
                            "; #{} {}: {}",
                            p.index,
                            p.id.as_deref().unwrap_or("-"),
                            p.problems.join("; ")
                        )
                    })
                    .unwrap_or_default();
                Err(PollFailure::new(
                    FailureKind::ObjectsRefused,
                    format!("{}/{count}{first}", problems.len()),
                ))
            }
            Err(IngestError::Internal(err)) => {
                tracing::error!(%err, source = %source.id, "storing polled STIX objects");
                Err(PollFailure::new(
                    FailureKind::Internal,
                    "storing the objects",
                ))
            }
        }
    }
}

/// The body, refused beyond `limit` bytes.
async fn read_bounded(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, PollFailure> {
    let too_large = || {
        PollFailure::new(
            FailureKind::TooLarge,
            format!("> {} MiB", limit / (1024 * 1024)),
        )
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe_request_error)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A network error for an admin: what happened, with its causes, without the URL (the
/// page shows it already).
fn describe_request_error(err: reqwest::Error) -> PollFailure {
    let kind = if err.is_timeout() {
        FailureKind::Timeout
    } else if err.is_connect() {
        FailureKind::Connect
    } else if err.is_body() || err.is_decode() {
        FailureKind::BrokenOff
    } else {
        FailureKind::RequestFailed
    };
    let err = err.without_url();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    PollFailure::new(kind, causes.join(": "))
}

/// An HTTP error for an admin, with the TAXII error's title and description when the
/// server sent one.
fn describe_status(status: StatusCode, body: &[u8]) -> PollFailure {
    let kind = match status {
        StatusCode::UNAUTHORIZED => FailureKind::Unauthorized,
        StatusCode::FORBIDDEN => FailureKind::Forbidden,
        StatusCode::NOT_FOUND => FailureKind::NotFound,
        StatusCode::NOT_ACCEPTABLE | StatusCode::UNSUPPORTED_MEDIA_TYPE => FailureKind::NotTaxii,
        s if s.is_redirection() => FailureKind::Redirect,
        s if s.is_server_error() => FailureKind::ServerError,
        _ => FailureKind::Refused,
    };
    let json: Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |key: &str| {
        json[key]
            .as_str()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect::<String>()
    };
    let (title, description) = (text("title"), text("description"));
    let detail = match (title.is_empty(), description.is_empty()) {
        (false, false) => format!(" ({title}: {description})"),
        (false, true) => format!(" ({title})"),
        (true, false) => format!(" ({description})"),
        (true, true) => String::new(),
    };
    PollFailure::new(
        kind,
        format!(
            "{} {}{detail}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_starts_one_microsecond_before_the_checkpoint() {
        assert_eq!(
            just_before("2026-11-27T10:00:00.000Z"),
            "2026-11-27T09:59:59.999999Z"
        );
        assert_eq!(just_before("not a time"), "not a time");
    }

    #[test]
    fn an_http_error_says_what_kind_it_is_and_what_the_server_said() {
        let body = br#"{"title": "ProcessingError", "description": "Collection 'x' not found"}"#;
        assert_eq!(
            describe_status(StatusCode::NOT_FOUND, body),
            PollFailure::new(
                FailureKind::NotFound,
                "404 Not Found (ProcessingError: Collection 'x' not found)"
            )
        );
        assert_eq!(
            describe_status(StatusCode::UNAUTHORIZED, b"Unauthorized Access"),
            PollFailure::new(FailureKind::Unauthorized, "401 Unauthorized")
        );
    }
}
