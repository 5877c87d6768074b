//! Where a form shows why the server refused it. Without wasm, server_fn redirects a
//! plain post back with the error in the query (`__path`, `__err`), which is rendered
//! here; with wasm, the form island writes the message into this same slot, found by the
//! server function's path. Either way it is announced (`role="alert"`).

use crate::error::AppError;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ErrorMessage(
    /// The server function's path, to pick its error out of the URL after a plain post.
    path: &'static str,
    /// Renders nothing unless a plain post to `path` was just refused: for a form repeated
    /// on every item of a page, whose error the form island shows in a slot it makes in
    /// the form itself.
    #[prop(optional)]
    only_after_refusal: bool,
) -> impl IntoView {
    let locale = use_locale();
    let error =
        use_query_map().with_untracked(|q| match (q.get_str("__path"), q.get_str("__err")) {
            (Some(p), Some(err)) if p == path => {
                Some(ServerFnUrlError::<AppError>::decode_err(err))
            }
            _ => None,
        });
    (error.is_some() || !only_after_refusal).then(|| {
        view! {
            <div class="error-slot" data-error-for=path>
                {error.map(|err| view! { <p class="message error" role="alert">{err.message(locale)}</p> })}
            </div>
        }
    })
}
