//! The routes live panels read (`app::components::live_panel`): the dashboard's panels
//! (`/live/dashboard`), the alert list's results (`/live/alerts`, with the list's
//! query) and an own incident's timeline (`/live/incidents/{id}/timeline`), as HTML rendered by the same components as the pages, for the signed-in person
//! and through the same core reads. Signed out, they do not exist.

use super::exports::refused;
use super::viewer::Reader;
use crate::AppState;
use app::api::alerts::FilterFields;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use http::header;
use serde::Deserialize;

/// The alert list's query: its filter and page.
#[derive(Debug, Deserialize)]
pub struct AlertsQuery {
    #[serde(flatten)]
    fields: FilterFields,
    page: Option<String>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    match app::api::dashboard::server::view(&state.backend.db, &signed_in.viewer, locale).await {
        Ok(view) => fragment(app::components::dashboard::panels_html(locale, view)),
        Err(err) => refused(locale, err, "the dashboard's live panels"),
    }
}

pub async fn alerts(
    State(state): State<AppState>,
    Query(query): Query<AlertsQuery>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    let listed = app::api::alerts::server::list_view(
        &state.backend.db,
        &signed_in.viewer,
        locale,
        query.fields.clone(),
        query.page.as_deref(),
    )
    .await;
    match listed {
        Ok(view) => fragment(app::pages::alerts::results_html(
            locale,
            view,
            &query.fields,
        )),
        Err(err) => refused(locale, err, "the alert list's live panel"),
    }
}

/// An own incident's timeline (`/live/incidents/{id}/timeline`), for whoever may see the
/// incident; anyone else is answered as for a missing one.
pub async fn incident_timeline(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    match vaern_core::incidents::get(&state.backend.db, &signed_in.viewer, id).await {
        Ok(detail) => {
            let view = app::api::incidents::server::detail_view(locale, detail);
            fragment(app::pages::incidents::timeline_html(locale, view))
        }
        Err(err) => refused(locale, err.into(), "an incident's live timeline"),
    }
}

fn fragment(html: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}
