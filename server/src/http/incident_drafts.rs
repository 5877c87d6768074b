//! `GET /incidents/{id}/drafts/{report}.md`: the draft of one report a significant
//! incident owes (`early_warning`, `notification`, `final_report`, `gdpr`), as Markdown
//! to download, in the reader's language. Only those who manage the incident (its
//! organisation's people who may see it) get one; anyone else is answered 404, as for a
//! missing incident.

use super::exports::refused;
use super::viewer::Reader;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use vaern_core::accounts::MailLocale;
use vaern_core::incidents::{self, deadlines::Report, drafts};

pub async fn download(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    Reader { signed_in, locale }: Reader,
) -> Response {
    let (Ok(id), Some(report)) = (
        id.parse::<i64>(),
        file.strip_suffix(".md").and_then(Report::parse),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let detail = match incidents::get(&state.backend.db, &signed_in.viewer, id).await {
        Ok(detail) if detail.can_manage => detail,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(err) => return refused(locale, err.into(), "incident draft"),
    };
    let language = match locale {
        app::i18n::Locale::da => MailLocale::Da,
        app::i18n::Locale::en => MailLocale::En,
    };
    let body = drafts::draft(&detail, report, language);
    (
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"incident-{id}-{}.md\"",
                    report.as_str()
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
