//! What every CSV export and plain handler shares: cells a spreadsheet would read as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or CR) are prefixed with `'`, so text
//! planted by an attacker (an address, a detail, a sighting's description) never runs in
//! the reader's spreadsheet; the download's headers; and an error as its status and
//! message.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// The cell as written: formula-looking text gets a leading apostrophe.
pub fn defused(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// `body` as the CSV download `filename`, never cached.
pub fn csv_download(filename: &str, body: impl Into<Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body.into(),
    )
        .into_response()
}

/// An error of the app as its status and its message in `locale`; a server error is
/// logged with `what` was under way.
pub fn refused(locale: app::i18n::Locale, err: app::error::AppError, what: &str) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    if status.is_server_error() {
        tracing::error!(?err, what, "refused");
    }
    (status, err.message(locale)).into_response()
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn formula_looking_cells_are_defused_and_others_kept() {
        for risky in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defused(risky), format!("'{risky}"));
        }
        assert_eq!(defused("127.0.0.1"), "127.0.0.1");
        assert_eq!(defused(""), "");
    }
}
