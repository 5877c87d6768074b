//! The language links: set the `lang` cookie and go back to the page. A plain GET with a
//! redirect, so switching works without wasm.

use crate::AppState;
use app::request::RequestContext;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde::Deserialize;
use vaern_core::accounts::{self, MailLocale};

/// The language of a plain handler's answer (an export, a live panel): the one the pages
/// use, from the cookie; Danish unless it says otherwise.
pub fn of_request(headers: &http::HeaderMap) -> app::i18n::Locale {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(app::locale::from_cookie_header)
        .unwrap_or(app::i18n::Locale::da)
}

#[derive(Deserialize)]
pub struct Back {
    next: Option<String>,
}

pub async fn switch(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(back): Query<Back>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    let Some(locale) = app::locale::parse(&code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let back = local_path(back.next);
    // Only a link the person follows switches; an `<img>` or `fetch` of it changes nothing.
    if !context.as_ref().is_some_and(|Extension(c)| c.navigation) {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    }
    // Mail to a signed-in person follows the language they read the platform in.
    if let Some(user_id) = context
        .as_ref()
        .and_then(|Extension(c)| c.signed_in.as_ref())
        .and_then(|s| s.viewer.user_id)
    {
        let mail_locale = match locale {
            app::i18n::Locale::da => MailLocale::Da,
            app::i18n::Locale::en => MailLocale::En,
        };
        if let Err(err) = accounts::set_mail_locale(&state.backend.db, user_id, mail_locale).await {
            tracing::warn!(%err, "remembering the mail language");
        }
    }
    let secure = if state.security.https { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
        app::locale::COOKIE,
        app::locale::tag(locale)
    );
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, back), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// Only a path on this site: never another host (`//evil`, `/\evil`, absolute URLs).
fn local_path(next: Option<String>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_way_back_never_leaves_the_site() {
        assert_eq!(local_path(Some("/account".into())), "/account");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "account",
            "/a\r\nb",
        ] {
            assert_eq!(local_path(Some(bad.into())), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
