//! `GET /intel/acknowledgements.csv?item=ROW`: the acknowledgement view's table of one
//! item as CSV, for analysts and coordinators, through the same core read as the page.
//! Anyone else, and an item they may not follow, is answered as missing. Cells are
//! defused ([`super::exports`]).

use super::exports::{csv_download, defused, refused};
use super::viewer::Reader;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ItemQuery {
    item: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    Query(query): Query<ItemQuery>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    let db = &state.backend.db;
    let viewer = &signed_in.viewer;
    // The page's own answer decides who may see it (analysts and coordinators).
    let page = app::api::acknowledgements::server::page_view(db, viewer, locale, query.item).await;
    let overview = match page {
        Ok(page) => match page.chosen {
            Some(overview) => overview,
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        Err(err) => return refused(locale, err, "acknowledgements export"),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut result = out.write_record([
        "code",
        "organisation",
        "region",
        "category",
        "response",
        "acknowledged",
        "time_to_acknowledge",
    ]);
    for row in overview.rows {
        let cells = [
            row.code,
            row.name,
            row.region,
            row.category,
            row.response,
            row.acknowledged.unwrap_or_default(),
            row.took.unwrap_or_default(),
        ];
        result = result.and_then(|_| out.write_record(cells.iter().map(|c| defused(c))));
    }
    let body = match result
        .and_then(|_| out.flush().map_err(Into::into))
        .map(|_| out.into_inner().unwrap_or_default())
    {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(%err, "writing the acknowledgements export");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    csv_download("vaern-acknowledgements.csv", body)
}
