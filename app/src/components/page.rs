//! The scaffold of a page that loads one thing: the page itself once loaded, the 404
//! page for anything hidden or missing (never told apart), or the error.

use crate::error::AppError;
use crate::i18n::Locale;
use crate::locale::use_locale;
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

/// Waits for `resource` and renders it as [`loaded`] does, under the page's own heading
/// when it fails (`title`), with a link back to the page's unfiltered address (`back`,
/// its href and text) where a filter in the address can be what failed.
pub fn page_of<T, V>(
    resource: Resource<Result<T, AppError>>,
    title: &'static str,
    back: Option<(&'static str, &'static str)>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let locale = use_locale();
    let body = move || {
        let render = render.clone();
        Suspend::new(async move {
            match resource.await {
                Ok(value) => EitherOf4::A(render(value)),
                Err(AppError::NotFound | AppError::Forbidden) => {
                    EitherOf4::B(view! { <NotFoundPage /> })
                }
                Err(AppError::Unauthenticated) => EitherOf4::C(()),
                Err(err) => EitherOf4::D(view! {
                    <h1>{title}</h1>
                    <p class="message error" role="alert">{err.message(locale)}</p>
                    {back.map(|(href, text)| view! { <p><a href=href>{text}</a></p> })}
                }),
            }
        })
    };
    view! { <Suspense>{body}</Suspense> }
}
