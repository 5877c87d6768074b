//! Request logging: one span per request with a request id, method and path (never the
//! query string, headers or body), and one line per response with status and latency.
//! A request whose answer has not started after 15 s is logged as stalled, and answered
//! 503 after 60 s (`Deadline::SERVER`): a page that never comes back is an outage
//! to the person waiting for it, and the log line names the route to look at.

use axum::Router;
use axum::body::Body;
use axum::middleware::Next;
use axum::response::IntoResponse;
use http::StatusCode;
use http::{Request, Response};
use std::time::Duration;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

#[derive(Clone, Copy)]
struct Deadline {
    stalled_after: Duration,
    answer_by: Duration,
}

impl Deadline {
    /// Long past any page or server function (the slowest, a 64 MiB STIX bundle, takes a
    /// few seconds); the event stream answers at once and then streams, so it is not
    /// affected.
    const SERVER: Deadline = Deadline {
        stalled_after: Duration::from_secs(15),
        answer_by: Duration::from_secs(60),
    };
}

#[derive(Clone, Copy, Default)]
struct RandomId;

impl MakeRequestId for RandomId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        http::HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

pub fn apply(router: Router) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<Body>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        })
        .on_request(())
        .on_response(|res: &Response<Body>, latency: Duration, _span: &Span| {
            tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "served");
        });
    router
        .layer(axum::middleware::from_fn(|request, next| {
            deadline(request, next, Deadline::SERVER)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(RandomId))
}

/// Runs inside the request's span, so both lines carry its id, method and path.
async fn deadline(request: Request<Body>, next: Next, times: Deadline) -> axum::response::Response {
    let answer = next.run(request);
    tokio::pin!(answer);
    if let Ok(response) = tokio::time::timeout(times.stalled_after, &mut answer).await {
        return response;
    }
    tracing::warn!(
        after_ms = times.stalled_after.as_millis() as u64,
        "request stalled: no answer yet"
    );
    match tokio::time::timeout(times.answer_by - times.stalled_after, answer).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(
                after_ms = times.answer_by.as_millis() as u64,
                "request abandoned: answered 503"
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Værn svarede ikke i tide. Prøv igen. / Værn did not answer in time. Try again.",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    const SHORT: Deadline = Deadline {
        stalled_after: Duration::from_millis(50),
        answer_by: Duration::from_millis(200),
    };

    fn app() -> Router {
        Router::new()
            .route("/never", get(std::future::pending::<&'static str>))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    "late"
                }),
            )
            .layer(axum::middleware::from_fn(|request, next| {
                deadline(request, next, SHORT)
            }))
    }

    async fn status(path: &str) -> StatusCode {
        let request = Request::get(path).body(Body::empty()).expect("request");
        app().oneshot(request).await.expect("infallible").status()
    }

    #[tokio::test]
    async fn a_request_that_never_answers_is_answered_503_at_the_deadline() {
        let started = std::time::Instant::now();
        assert_eq!(status("/never").await, StatusCode::SERVICE_UNAVAILABLE);
        assert!(started.elapsed() >= SHORT.answer_by);
    }

    #[tokio::test]
    async fn a_slow_answer_past_the_stall_warning_but_within_the_deadline_is_passed_on() {
        assert_eq!(status("/slow").await, StatusCode::OK);
    }
}
