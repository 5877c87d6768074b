//! Whether a document's text can be found by search, said on its page: searchable,
//! waiting to be read, or not searchable with the reason in the reader's language. The
//! reason comes as a stable code (`too_large`, `too_slow` …) and is translated here.

use crate::api::library::SearchText;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;

/// The sentence for one reason code; an unknown code reads as an unreadable file.
fn reason_text(locale: Locale, code: &str) -> &'static str {
    match code {
        "too_large" => td_string!(locale, library_text_reason_too_large),
        "too_many_pages" => td_string!(locale, library_text_reason_too_many_pages),
        "too_many_cells" => td_string!(locale, library_text_reason_too_many_cells),
        "too_deep" => td_string!(locale, library_text_reason_too_deep),
        "too_slow" => td_string!(locale, library_text_reason_too_slow),
        "too_much_memory" => td_string!(locale, library_text_reason_too_much_memory),
        "encrypted" => td_string!(locale, library_text_reason_encrypted),
        "crashed" => td_string!(locale, library_text_reason_crashed),
        _ => td_string!(locale, library_text_reason_malformed),
    }
}

/// A `dt`/`dd` pair for the document's details list.
#[component]
pub fn SearchTextFact(state: SearchText) -> impl IntoView {
    let locale = use_locale();
    let said = match state {
        SearchText::Waiting => td_string!(locale, library_text_waiting).to_string(),
        SearchText::Searchable { cut: false } => {
            td_string!(locale, library_text_searchable).to_string()
        }
        SearchText::Searchable { cut: true } => {
            td_string!(locale, library_text_searchable_cut).to_string()
        }
        SearchText::NoText => td_string!(locale, library_text_no_text).to_string(),
        SearchText::NotText => td_string!(locale, library_text_not_text).to_string(),
        SearchText::NotSearchable { reason } => td_string!(
            locale,
            library_text_not_searchable,
            reason = reason_text(locale, &reason)
        )
        .to_string(),
    };
    view! {
        <dt>{td_string!(locale, library_text_heading)}</dt>
        <dd class="search-text">{said}</dd>
    }
}
