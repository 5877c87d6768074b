//! A button that copies the text of another element (an indicator's pattern) to the
//! clipboard. The text stays in the page, where the server rendered it: the island is
//! told only the element's id, so no content travels as hydration data. Without wasm
//! there is no button; the text can be selected as usual.

use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;

/// Copies the text content of the element with id `target`, and says so.
#[island]
pub fn CopyButton(target: String) -> impl IntoView {
    let locale = use_locale();
    let (copied, set_copied) = signal(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let text = document()
                .get_element_by_id(&target)
                .and_then(|e| e.text_content())
                .unwrap_or_default();
            let clipboard = window().navigator().clipboard();
            let promise = clipboard.write_text(&text);
            wasm_bindgen_futures::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    set_copied.set(true);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&target, set_copied);
    };
    view! {
        <button type="button" class="copy-button" on:click=on_click>
            {td_string!(locale, alert_copy_pattern)}
        </button>
        <span class="copy-status" role="status">
            {move || copied.get().then(|| td_string!(locale, alert_copied))}
        </span>
    }
}
