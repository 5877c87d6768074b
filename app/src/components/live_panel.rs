//! Live panels: a part of a page (the dashboard's panels, the alert list's results) that
//! is read again from a route of its own when the event stream says it changed, and one
//! polite live region that says what happened ("3 nye varsler").
//!
//! The bell's stream (`components::bell`) hands each `alerts`, `advisories` or
//! `incidents` event on as a `vaern-live` DOM event; the island below listens for the
//! topics its panel shows, fetches the panel's HTML, rendered on the server by the same
//! component as the page, and puts it in place. Content never travels as hydration data:
//! the island is told only the route, the element's id and the topics.

use crate::i18n::*;
use leptos::prelude::*;

/// The DOM event the bell dispatches on `document` for each panel event; its detail is
/// "<topic> <how many new>".
pub const DOM_EVENT: &str = "vaern-live";

/// Renders `view` to HTML in `locale`, as the page renders it, for a live route.
#[cfg(feature = "ssr")]
pub fn render<V: IntoView + 'static>(locale: Locale, view: impl FnOnce() -> V) -> String {
    Owner::new().with(|| {
        provide_context(locale);
        view().into_view().to_html()
    })
}

/// What the live region says for an event of `topic` with `new` new things.
#[cfg(any(feature = "hydrate", test))]
fn summary(locale: Locale, topic: &str, new: u64) -> String {
    match (topic, new) {
        ("alerts", 1) => td_string!(locale, live_new_alert).to_string(),
        ("alerts", n) if n > 1 => td_string!(locale, live_new_alerts, count = n).to_string(),
        ("advisories", 1) => td_string!(locale, live_new_advisory).to_string(),
        ("advisories", n) if n > 1 => {
            td_string!(locale, live_new_advisories, count = n).to_string()
        }
        ("incidents", 1) => td_string!(locale, live_new_incident).to_string(),
        ("incidents", n) if n > 1 => td_string!(locale, live_new_incidents, count = n).to_string(),
        ("timeline", 1) => td_string!(locale, live_new_entry).to_string(),
        ("timeline", n) if n > 1 => td_string!(locale, live_new_entries, count = n).to_string(),
        _ => td_string!(locale, live_updated).to_string(),
    }
}

#[island]
pub fn LivePanel(
    /// The route that renders the panel (the page's query is added).
    src: String,
    /// The id of the element that holds the panel.
    target: String,
    /// The events that change it: `alerts`, `advisories`, `incidents`.
    topics: Vec<String>,
) -> impl IntoView {
    let locale = crate::locale::current();
    let said = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        browser::listen(src.clone(), target.clone(), topics.clone(), locale, said)
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (src, target, topics, locale);
    view! { <p class="visually-hidden" role="status" aria-live="polite">{move || said.get()}</p> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{DOM_EVENT, summary};
    use crate::i18n::Locale;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{CustomEvent, RequestCredentials, RequestInit, Response};

    pub fn listen(
        src: String,
        target: String,
        topics: Vec<String>,
        locale: Locale,
        said: RwSignal<String>,
    ) {
        let on_event = Closure::<dyn FnMut(CustomEvent)>::new(move |event: CustomEvent| {
            let detail = event.detail().as_string().unwrap_or_default();
            let Some((topic, new)) = detail.split_once(' ') else {
                return;
            };
            if !topics.iter().any(|t| t == topic) {
                return;
            }
            let text = summary(locale, topic, new.parse().unwrap_or(0));
            let (src, target) = (src.clone(), target.clone());
            leptos::task::spawn_local(async move {
                // A failed read leaves the panel as it was; the next event tries again.
                if refresh(&src, &target).await.is_ok() {
                    said.set(text);
                }
            });
        });
        let document = document();
        if document
            .add_event_listener_with_callback(DOM_EVENT, on_event.as_ref().unchecked_ref())
            .is_err()
        {
            return;
        }
        let held = SendWrapper::new(on_event);
        on_cleanup(move || {
            let on_event = held.take();
            let _ = document
                .remove_event_listener_with_callback(DOM_EVENT, on_event.as_ref().unchecked_ref());
        });
    }

    /// Reads the panel from `src` with the page's query and puts it in `target`.
    async fn refresh(src: &str, target: &str) -> Result<(), JsValue> {
        let search = window().location().search()?;
        let init = RequestInit::new();
        init.set_credentials(RequestCredentials::SameOrigin);
        let response: Response =
            JsFuture::from(window().fetch_with_str_and_init(&format!("{src}{search}"), &init))
                .await?
                .dyn_into()?;
        if !response.ok() {
            return Err(JsValue::from(response.status()));
        }
        let html = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        if let Some(element) = document().get_element_by_id(target) {
            element.set_inner_html(&html);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_region_says_how_many_new_things_came_and_in_the_readers_language() {
        assert_eq!(summary(Locale::da, "alerts", 3), "3 nye varsler");
        assert_eq!(summary(Locale::da, "alerts", 1), "1 nyt varsel");
        assert_eq!(summary(Locale::en, "advisories", 2), "2 new advisories");
        assert_eq!(summary(Locale::da, "alerts", 0), "Oversigten er opdateret.");
    }
}
