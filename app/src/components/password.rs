//! The sign-in password field with its show-password button: an island, because the
//! button only does something in the browser. Without wasm the field is a plain password
//! field and the button does nothing.

use crate::i18n::*;
use leptos::prelude::*;

#[island]
pub fn PasswordWithToggle(id: String, name: String, autocomplete: String) -> impl IntoView {
    let locale = crate::locale::current();
    let shown = RwSignal::new(false);
    view! {
        <div class="with-toggle">
            <input
                id=id.clone()
                name=name
                type=move || if shown.get() { "text" } else { "password" }
                autocomplete=autocomplete
                required
            />
            <button
                type="button"
                class="secondary toggle-password"
                aria-controls=id
                aria-pressed=move || shown.get().to_string()
                on:click=move |_| shown.update(|shown| *shown = !*shown)
            >
                {td_string!(locale, show_password)}
            </button>
        </div>
    }
}
