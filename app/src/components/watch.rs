//! Watching a library's folder (or the whole library): the form on the library page, a
//! plain post to `watch_folder` so it works without wasm. The state is said in words
//! beside the button, and after a change the page says what was done (`role="status"`).
//! A place already watched through a folder above it, or through the whole library,
//! names that place instead of offering a second watch.

use crate::api::library::folder_href;
use crate::api::notifications::{WatchFolder, WatchView};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::flash;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// What the last `watch_folder` post did, said once on the page it returns to.
#[component]
pub fn WatchDone() -> impl IntoView {
    let locale = use_locale();
    flash::output::<bool>(<WatchFolder as ServerFn>::PATH).map(|on| {
        let text = if on {
            td_string!(locale, library_watch_started)
        } else {
            td_string!(locale, library_watch_stopped)
        };
        view! { <p class="message success" role="status">{text}</p> }
    })
}

/// The watch of `folder` (the whole library when `None`) in group `slug`'s library.
#[component]
pub fn WatchForm(slug: String, folder: Option<i64>, watch: WatchView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<WatchFolder>::new();
    let folder_value = folder.map(|f| f.to_string()).unwrap_or_default();
    let body = match watch {
        WatchView::Above(above) => {
            let (text, href, name) = match above {
                Some((id, name)) => (
                    td_string!(locale, library_watch_above_folder),
                    folder_href(&slug, Some(id)),
                    name,
                ),
                None => (
                    td_string!(locale, library_watch_above_library),
                    folder_href(&slug, None),
                    td_string!(locale, notifications_watched_library).to_string(),
                ),
            };
            Either::Left(view! {
                <p class="watch-state">{text} " " <a href=href>{name}</a> "."</p>
            })
        }
        state => {
            let here = state == WatchView::Here;
            let (status, button) = match (here, folder.is_some()) {
                (true, true) => (
                    td_string!(locale, library_watch_folder_on),
                    td_string!(locale, library_watch_stop),
                ),
                (true, false) => (
                    td_string!(locale, library_watch_library_on),
                    td_string!(locale, library_watch_stop),
                ),
                (false, true) => (
                    td_string!(locale, library_watch_folder_hint),
                    td_string!(locale, library_watch_folder),
                ),
                (false, false) => (
                    td_string!(locale, library_watch_library_hint),
                    td_string!(locale, library_watch_library),
                ),
            };
            Either::Right(view! {
                <Form action class="inline-form watch-form">
                    <input type="hidden" name="slug" value=slug />
                    <input type="hidden" name="folder_id" value=folder_value />
                    <input type="hidden" name="watch" value=if here { "off" } else { "on" } />
                    <p id="watch-state" class="watch-state">{status}</p>
                    <button type="submit" class="secondary" aria-describedby="watch-state">
                        {button}
                    </button>
                    <ErrorMessage path={<WatchFolder as ServerFn>::PATH} />
                </Form>
            })
        }
    };
    view! {
        <div class="watch">
            {body}
            <WatchDone />
        </div>
    }
}
