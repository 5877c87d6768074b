//! The sign-in guard for pages: renders the page for the signed-in person, or redirects
//! to the sign-in page (a 302 when rendered on the server).

use crate::api::auth::{Me, use_auth};
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Redirect;

pub fn signed_in_view<IV, F>(render: F) -> impl IntoView
where
    IV: IntoView + 'static,
    F: Fn(Me) -> IV + Clone + Send + Sync + 'static,
{
    let auth = use_auth();
    let locale = use_locale();
    view! {
        <Suspense fallback=move || view! { <p>{td_string!(locale, loading)}</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match auth.me.await {
                        Ok(Some(me)) => Either::Left(render(me)),
                        _ => Either::Right(view! { <Redirect path="/sign-in" /> }),
                    }
                })
            }}
        </Suspense>
    }
}
