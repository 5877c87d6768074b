//! 404: for missing pages and, by design, for pages the reader may not see.

use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, not_found_title) />
        <h1>{td_string!(locale, not_found_title)}</h1>
        <p>{td_string!(locale, not_found_text)}</p>
        <p><a href="/">{td_string!(locale, back_home)}</a></p>
    }
}
