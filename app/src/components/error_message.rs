//! The translated message of a failed action, announced to screen readers. Without wasm
//! a form posts natively and server_fn redirects back with the error in the query
//! (`__path`, `__err`); that error is shown here too, so forms work without wasm.

use crate::error::AppError;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ErrorMessage(
    /// The error of the latest action, if it failed.
    #[prop(into)]
    error: Signal<Option<AppError>>,
    /// The server function's path, to pick its error out of the URL after a plain post.
    path: &'static str,
) -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let from_url = move || {
        query.with(|q| match (q.get_str("__path"), q.get_str("__err")) {
            (Some(p), Some(err)) if p == path => {
                Some(ServerFnUrlError::<AppError>::decode_err(err))
            }
            _ => None,
        })
    };
    move || {
        error
            .get()
            .or_else(from_url)
            .map(|err| view! { <p class="message error" role="alert">{err.message(locale)}</p> })
    }
}
