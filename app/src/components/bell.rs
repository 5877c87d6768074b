//! The notification bell in the header: a plain link to `/notifications` that shows the
//! unread count (so it works without wasm), kept current in the browser by the
//! server-sent `count` events of `/events`. An island: the only part of the header that
//! runs in the browser. Pages that change the count (the notification centre) reload, so
//! the bell starts from the right count.
//!
//! The same stream carries the panel events (`alerts`, `advisories`, `incidents`,
//! `timeline`); the
//! bell hands each on as a DOM event to the page's live panels
//! (`components::live_panel`), so a tab keeps one stream. When the first count arrives,
//! the stream is listening: `<html data-live="ready">` says so.

use crate::i18n::*;
use leptos::prelude::*;

/// The bell's accessible name: what it leads to and how many are unread.
fn label(locale: Locale, count: i64) -> String {
    if count == 0 {
        td_string!(locale, bell_label_none).to_string()
    } else {
        td_string!(locale, bell_label, count = count).to_string()
    }
}

#[island]
pub fn Bell(
    /// The count when the page was loaded.
    initial: i64,
) -> impl IntoView {
    // An island has no context from the page: the language is read from `<html lang>`.
    let locale = crate::locale::current();
    let count = RwSignal::new(initial);
    // The live region speaks only when the count changes while the page is open.
    let changed = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| live::listen(count, changed));
    view! {
        <a class="bell" href="/notifications" aria-label=move || label(locale, count.get())>
            <svg
                class="bell-icon"
                aria-hidden="true"
                focusable="false"
                width="20"
                height="20"
                viewBox="0 0 24 24"
            >
                <path
                    fill="currentColor"
                    d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
                />
            </svg>
            <span class="bell-count" hidden=move || count.get() == 0>
                {move || count.get()}
            </span>
        </a>
        <span class="visually-hidden" aria-live="polite">
            {move || changed.get().then(|| label(locale, count.get()))}
        </span>
    }
}

/// The browser side: one `EventSource` on `/events` while the bell is shown.
#[cfg(feature = "hydrate")]
mod live {
    use crate::components::live_panel::DOM_EVENT;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{CustomEvent, CustomEventInit, EventSource, MessageEvent};

    pub fn listen(count: RwSignal<i64>, changed: RwSignal<bool>) {
        let source = match EventSource::new("/events") {
            Ok(source) => source,
            // No live count; the link and the count of the page load still work.
            Err(_) => return,
        };
        let on_count = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(value) = event
                .data()
                .as_string()
                .and_then(|data| data.trim().parse::<i64>().ok())
            else {
                return;
            };
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("data-live", "ready");
            }
            if count.get_untracked() != value {
                count.set(value);
                changed.set(true);
            }
        });
        let on_panel = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let new = event.data().as_string().unwrap_or_default();
            let detail = format!("{} {}", event.type_(), new.trim());
            let init = CustomEventInit::new();
            init.set_detail(&JsValue::from(detail));
            if let Ok(panel_event) = CustomEvent::new_with_event_init_dict(DOM_EVENT, &init) {
                let _ = document().dispatch_event(&panel_event);
            }
        });
        let listening = std::iter::once(("count", &on_count)).chain(
            ["alerts", "advisories", "incidents", "timeline"]
                .into_iter()
                .map(|topic| (topic, &on_panel)),
        );
        for (name, callback) in listening {
            if source
                .add_event_listener_with_callback(name, callback.as_ref().unchecked_ref())
                .is_err()
            {
                source.close();
                return;
            }
        }
        // The closures must live as long as the source; all go when the bell does.
        let held = SendWrapper::new((source, on_count, on_panel));
        on_cleanup(move || {
            let (source, _on_count, _on_panel) = held.take();
            source.close();
        });
    }
}
