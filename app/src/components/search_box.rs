//! The search box in the header of every page: a plain GET form to `/search` (so it works
//! without wasm and every result list has a URL), and with wasm a combobox that offers
//! titles as the person types. Arrow keys move through the offers, Enter opens the one
//! chosen (with none chosen it searches as typed), Escape closes them; a polite status
//! says how many there are. An island: the only part of the header that runs in the
//! browser.

use crate::api::search::Suggestion;
use crate::i18n::*;
use leptos::prelude::*;

/// Letters typed before titles are offered.
#[cfg(feature = "hydrate")]
const MIN_CHARS: usize = 2;

#[island]
pub fn SearchBox(
    /// The query searched, on the results page; empty elsewhere.
    initial: String,
) -> impl IntoView {
    // An island has no context from the page: the language is read from `<html lang>`.
    let locale = crate::locale::current();
    let offers = RwSignal::new(None::<Vec<Suggestion>>);
    let active = RwSignal::new(None::<usize>);
    let input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let asked = StoredValue::new(String::new());
    #[cfg(feature = "hydrate")]
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let close = move || {
        offers.set(None);
        active.set(None);
    };

    #[cfg(feature = "hydrate")]
    let on_input = move |_| {
        let Some(el) = input.get() else { return };
        let typed = el.value();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        if typed.trim().chars().count() < MIN_CHARS {
            asked.set_value(String::new());
            close();
            return;
        }
        asked.set_value(typed.clone());
        let handle = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let found = crate::api::search::search_suggestions(typed.clone()).await;
                    // An answer to an older text is dropped.
                    if asked.with_value(|a| *a == typed) {
                        offers.set(Some(found.unwrap_or_default()));
                        active.set(None);
                    }
                });
            },
            std::time::Duration::from_millis(200),
        )
        .ok();
        pending.set_value(handle);
    };
    #[cfg(not(feature = "hydrate"))]
    let on_input = |_| {};

    // Opens an offer: its page, or (without one) a search for its title.
    let open = move |index: usize| {
        let chosen = offers.with_untracked(|o| o.as_ref().and_then(|o| o.get(index).cloned()));
        #[cfg(feature = "hydrate")]
        if let Some(chosen) = chosen {
            let href = chosen
                .href
                .unwrap_or_else(|| crate::api::search::search_href(&chosen.title, "relevance", 1));
            let _ = window().location().set_href(&href);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = chosen;
        close();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = offers.with(|o| o.as_ref().map_or(0, Vec::len));
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                if let Some(index) = active.get_untracked() {
                    ev.prevent_default();
                    open(index);
                }
            }
            "Escape" if offers.with(Option::is_some) => {
                ev.prevent_default();
                close();
            }
            _ => {}
        }
    };
    let expanded = move || {
        if offers.with(|o| o.as_ref().is_some_and(|o| !o.is_empty())) {
            "true"
        } else {
            "false"
        }
    };
    let active_option = move || active.get().map(|i| format!("header-q-offer-{i}"));
    let status = move || match offers.get() {
        None => String::new(),
        Some(found) if found.is_empty() => td_string!(locale, search_suggestions_none).to_string(),
        Some(found) => {
            td_string!(locale, search_suggestions_found, count = found.len()).to_string()
        }
    };
    view! {
        <form class="header-search" role="search" method="get" action="/search"
            aria-label=td_string!(locale, search_header_label)>
            <label for="header-q" class="visually-hidden">{td_string!(locale, search_box_label)}</label>
            <div class="combobox">
                <input
                    id="header-q"
                    type="search"
                    name="q"
                    value=initial
                    maxlength="1000"
                    placeholder=td_string!(locale, search_box_placeholder)
                    autocomplete="off"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-expanded=expanded
                    aria-controls="header-q-offers"
                    aria-activedescendant=active_option
                    node_ref=input
                    on:input=on_input
                    on:keydown=on_keydown
                    on:blur=move |_| close()
                />
                <ul id="header-q-offers" class="search-offers" role="listbox"
                    aria-label=td_string!(locale, search_suggestions_label)
                    hidden=move || expanded() == "false">
                    {move || {
                        offers
                            .get()
                            .unwrap_or_default()
                            .into_iter()
                            .enumerate()
                            .map(|(index, offer)| {
                                let selected = move || active.get() == Some(index);
                                view! {
                                    <li
                                        role="option"
                                        id=format!("header-q-offer-{index}")
                                        aria-selected=move || if selected() { "true" } else { "false" }
                                        class:active=selected
                                        on:mousedown=|ev| ev.prevent_default()
                                        on:click=move |_| open(index)
                                    >
                                        <span class="offer-title">{offer.title}</span>
                                        " "
                                        <span class="offer-kind">{offer.kind}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
            <button type="submit" class="secondary">{td_string!(locale, search_button)}</button>
            <p class="visually-hidden" role="status">{status}</p>
        </form>
    }
}
