//! `GET /alerts.csv`: the reader's organisation's alerts that match the list's filter, in
//! the list's order, as CSV. The rows are read in batches through the same core list as
//! the page (so the same policy) and written out batch by batch: memory stays flat
//! however many alerts match. Cells are defused ([`super::exports`]); severity, status and
//! label are the stored names, times RFC 3339 on the Copenhagen wall clock.

use super::exports::{csv_download, defused, refused};
use super::viewer::Reader;
use crate::AppState;
use app::api::alerts::FilterFields;
use app::api::alerts::server::{parse_filter, what_text};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::StreamExt;
use vaern_core::stix::alerts::{self, AlertFilter, AlertSort, Cursor, OrgAlert};

const HEADER: [&str; 7] = [
    "id",
    "raised_at",
    "sighted",
    "severity",
    "status",
    "tlp",
    "assignee",
];

/// What is left to write: a batch read and where to read on, or the end.
struct Step {
    alerts: Vec<OrgAlert>,
    next: Option<Cursor>,
    header: bool,
}

pub async fn export(
    State(state): State<AppState>,
    Query(fields): Query<FilterFields>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    let (filter, sort) = match parse_filter(fields) {
        Ok(parsed) => parsed,
        Err(err) => return refused(locale, err, "alerts export"),
    };
    let db = state.backend.db.clone();
    let viewer = signed_in.viewer;
    // The first batch is read before answering, so a failure is a status, not a cut file.
    let (alerts, next) = match alerts::next_batch(&db, &viewer, &filter, sort, None).await {
        Ok(batch) => batch,
        Err(err) => return refused(locale, err.into(), "alerts export"),
    };
    let first = Step {
        alerts,
        next,
        header: true,
    };
    let read = move |filter: AlertFilter, sort: AlertSort, after: Cursor| {
        let db = db.clone();
        let viewer = viewer.clone();
        async move { alerts::next_batch(&db, &viewer, &filter, sort, Some(after)).await }
    };
    // Fused: the compression layer polls once more after the end, which a bare `unfold`
    // answers with a panic.
    let body = futures_util::stream::unfold(Some(first), move |step| {
        let read = read.clone();
        let filter = filter.clone();
        async move {
            let step = step?;
            let bytes = match rows(locale, &step) {
                Ok(bytes) => bytes,
                Err(err) => return Some((Err(err), None)),
            };
            let after = match step.next {
                None => None,
                Some(cursor) => match read(filter, sort, cursor).await {
                    Ok((alerts, next)) => Some(Step {
                        alerts,
                        next,
                        header: false,
                    }),
                    Err(err) => {
                        // The status is sent; all that is left is to cut the file short.
                        tracing::error!(%err, "alerts export");
                        return Some((Err(std::io::Error::other("alerts export")), None));
                    }
                },
            };
            Some((Ok(bytes), after))
        }
    })
    .fuse();
    csv_download("vaern-alerts.csv", Body::from_stream(body))
}

/// One batch as CSV lines, after the header row when it is the first.
fn rows(locale: app::i18n::Locale, step: &Step) -> Result<Bytes, std::io::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if step.header {
        out.write_record(HEADER)?;
    }
    for alert in &step.alerts {
        let cells = [
            alert.id.to_string(),
            vaern_core::clock::copenhagen_rfc3339(alert.created_at).unwrap_or_default(),
            what_text(locale, &alert.what),
            alert.severity.as_str().to_string(),
            alert.status.as_str().to_string(),
            alert
                .tlp
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            alert.assignee.clone().unwrap_or_default(),
        ];
        out.write_record(cells.iter().map(|c| defused(c)))?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}
