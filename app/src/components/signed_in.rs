//! The sign-in guard for pages: renders the page for the signed-in person, or redirects
//! to the sign-in page (a 302 when rendered on the server).

use crate::api::auth::{Me, signed_in_person};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Renders `render` for the person signed in on this request, or redirects to sign-in.
///
/// Synchronous, on purpose: inside a `Suspense` of its own, the page's body was built
/// anew each time the boundary re-checked its children (three times per page, and its
/// loaders run twice), for a person the request already knows.
pub fn signed_in_view<IV, F>(render: F) -> impl IntoView
where
    IV: IntoView + 'static,
    F: FnOnce(Me) -> IV,
{
    match signed_in_person() {
        Some(me) => Either::Left(render(me)),
        None => Either::Right(view! { <Redirect path="/sign-in" /> }),
    }
}
