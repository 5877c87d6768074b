//! The scaffold of a page that loads one thing: the page itself once loaded, the 404
//! page for anything hidden or missing (never told apart), or the error.

use crate::error::AppError;
use crate::i18n::Locale;
use crate::pages::not_found::NotFoundPage;
use leptos::either::EitherOf4;
use leptos::prelude::*;

/// Renders a loaded page, the 404 page for a hidden or missing one, or the error.
pub fn loaded<T, V>(
    result: Result<T, AppError>,
    locale: Locale,
    render: impl FnOnce(T) -> V,
) -> impl IntoView
where
    V: IntoView,
{
    match result {
        Ok(value) => EitherOf4::A(render(value)),
        Err(AppError::NotFound | AppError::Forbidden) => EitherOf4::B(view! { <NotFoundPage /> }),
        Err(AppError::Unauthenticated) => EitherOf4::C(()),
        Err(err) => EitherOf4::D(view! {
            <p class="message error" role="alert">{err.message(locale)}</p>
        }),
    }
}
