//! `GET /admin/audit.csv`: the audit rows the reader may see, filtered like the page,
//! as CSV, its cells defused ([`super::exports`]).

use super::exports::{csv_download, defused};
use super::viewer::Reader;
use crate::AppState;
use app::api::audit::{parse_filter, view_row};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    let db = &state.backend.db;
    let filter = match parse_filter(
        db,
        query.actor,
        query.action,
        query.org,
        query.from,
        query.to,
    )
    .await
    {
        Ok(filter) => filter,
        Err(err) => return (StatusCode::BAD_REQUEST, err.message(locale)).into_response(),
    };
    let rows = match vaern_core::audit::list(db, &signed_in.viewer, &filter, i64::MAX).await {
        Ok(rows) => rows,
        Err(vaern_core::CoreError::NotFound | vaern_core::CoreError::Forbidden) => {
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(err) => {
            tracing::error!(%err, "audit export");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let header_row = [
        "id",
        "time_utc",
        "actor",
        "actor_organisation",
        "action",
        "subject",
        "address",
        "outcome",
        "detail",
    ];
    let mut result = out.write_record(header_row);
    for row in rows {
        let at = row.at;
        let row = view_row(locale, row);
        let time = time::OffsetDateTime::from_unix_timestamp(at)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let cells = [
            row.id.to_string(),
            time,
            row.actor,
            row.actor_org,
            row.action,
            row.subject,
            row.address,
            row.outcome,
            row.detail,
        ];
        result = result.and_then(|_| out.write_record(cells.iter().map(|c| defused(c))));
    }
    match result.and_then(|_| out.flush().map_err(Into::into)) {
        Ok(()) => {}
        Err(err) => {
            tracing::error!(%err, "writing the audit export");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    csv_download("vaern-audit.csv", out.into_inner().unwrap_or_default())
}
