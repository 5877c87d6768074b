//! The parts forum pages share: the TLP badge, an author's name (or "a participant"),
//! pagination, and the composer's fields: the Markdown body with its live preview and
//! @mention suggestions, the TLP choice and the recipients of AMBER+STRICT and RED.

use crate::api::forums::{AuthorView, Choice, ComposerChoices};
use crate::api::library::DocumentSuggestion;
use crate::components::labels::{TLPS, tlp_text};
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;

/// The author, or "a participant" where a Chatham House thread hides them.
#[component]
pub fn AuthorName(author: Option<AuthorView>) -> impl IntoView {
    let locale = use_locale();
    match author {
        Some(a) => view! {
            <span class="author">
                <span class="author-name">{a.name}</span>
                " · "
                <span class="author-org">{a.org_name}</span>
            </span>
        }
        .into_any(),
        None => view! { <span class="author participant">{td_string!(locale, forum_participant)}</span> }
            .into_any(),
    }
}

/// Previous / next links for a paged list at `base` (which may already have a query).
#[component]
pub fn Pagination(#[prop(into)] base: String, page: i64, pages: i64) -> impl IntoView {
    let locale = use_locale();
    (pages > 1).then(|| {
        let join = if base.contains('?') { '&' } else { '?' };
        let prev = (page > 1).then(|| {
            let href = format!("{base}{join}page={}", page - 1);
            view! { <a href=href rel="prev">{td_string!(locale, page_previous)}</a> }
        });
        let next = (page < pages).then(|| {
            let href = format!("{base}{join}page={}", page + 1);
            view! { <a href=href rel="next">{td_string!(locale, page_next)}</a> }
        });
        view! {
            <nav class="pagination" aria-label=td_string!(locale, page_nav_label)>
                {prev}
                <span>{td_string!(locale, page_of, page = page, pages = pages)}</span>
                {next}
            </nav>
        }
    })
}

/// The label choice: only labels at least as strict as `min` are offered.
#[component]
pub fn TlpField(
    id: &'static str,
    #[prop(into)] selected: String,
    #[prop(into)] min: String,
) -> impl IntoView {
    let locale = use_locale();
    let min_rank = TLPS.iter().position(|t| *t == min).unwrap_or(0);
    let hint = format!("{id}-hint");
    let options = TLPS[min_rank..]
        .iter()
        .map(|tlp| {
            let is_selected = *tlp == selected;
            view! { <option value=*tlp selected=is_selected>{tlp_text(tlp)}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id>{td_string!(locale, forum_tlp)}</label>
            <select id=id name="tlp" aria-describedby=hint.clone()>{options}</select>
            <p id=hint class="hint">{td_string!(locale, forum_tlp_hint)}</p>
        </div>
    }
}

fn checkbox_list(prefix: &'static str, id: &'static str, choices: Vec<Choice>) -> impl IntoView {
    choices
        .into_iter()
        .map(|c| {
            let input_id = format!("{id}-{prefix}{}", c.id);
            let name = format!("audience[{prefix}{}]", c.id);
            let label = if c.detail.is_empty() {
                c.name
            } else {
                format!("{} ({})", c.name, c.detail)
            };
            view! {
                <li>
                    <input type="checkbox" id=input_id.clone() name=name value="on" />
                    <label for=input_id>{label}</label>
                </li>
            }
        })
        .collect_view()
}

/// Recipients of an AMBER+STRICT item (organisations) and of a RED one (members).
/// Nothing checked means the default, which the hint explains.
#[component]
pub fn AudienceFields(id: &'static str, choices: ComposerChoices) -> impl IntoView {
    let locale = use_locale();
    let orgs_legend = format!("{id}-orgs");
    let users_legend = format!("{id}-users");
    view! {
        <details class="audience">
            <summary>{td_string!(locale, forum_recipients)}</summary>
            <fieldset>
                <legend id=orgs_legend>{td_string!(locale, forum_recipient_orgs)}</legend>
                <p class="hint">{td_string!(locale, forum_recipient_orgs_hint)}</p>
                <ul class="choices">{checkbox_list("org", id, choices.orgs)}</ul>
            </fieldset>
            <fieldset>
                <legend id=users_legend>{td_string!(locale, forum_recipient_users)}</legend>
                <p class="hint">{td_string!(locale, forum_recipient_users_hint)}</p>
                <ul class="choices">{checkbox_list("user", id, choices.members)}</ul>
            </fieldset>
        </details>
    }
}

/// The names the composer suggests for @mentions.
pub fn member_names(choices: &ComposerChoices) -> Vec<String> {
    choices.members.iter().map(|m| m.name.clone()).collect()
}

/// The `@` mention being typed just before the caret, if any: its start and its text.
pub fn mention_before(text: &str, caret: usize) -> Option<(usize, String)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let typed = &before[at + 1..];
    let starts_word = at == 0 || before[..at].ends_with(char::is_whitespace);
    (starts_word && typed.chars().count() <= 40 && !typed.contains('\n'))
        .then(|| (at, typed.to_string()))
}

/// Most characters looked up after `[[`: enough for a few words of a title.
const MAX_DOCUMENT_QUERY_CHARS: usize = 100;

/// Fewest characters typed after `[[` before documents are looked up (as the server
/// function requires).
#[cfg(feature = "hydrate")]
const MIN_DOCUMENT_QUERY_CHARS: usize = 2;

/// The link to a document being typed just before the caret: `[[` and then part of a
/// title on the same line, without brackets; its start and its text. `[[` is no Markdown
/// of its own (a literal `[[` is rare in prose and wiki links use it), so typing it never
/// gets in the way of ordinary writing, as `#` would of headings.
pub fn document_query_before(text: &str, caret: usize) -> Option<(usize, String)> {
    let before = text.get(..caret)?;
    let at = before.rfind("[[")?;
    let typed = &before[at + 2..];
    (typed.chars().count() <= MAX_DOCUMENT_QUERY_CHARS && !typed.contains(['\n', '[', ']']))
        .then(|| (at, typed.to_string()))
}

/// The byte offset in `text` of a caret counted in UTF-16 units, as the browser gives it.
#[cfg(feature = "hydrate")]
fn caret_byte(text: &str, units: u32) -> usize {
    let mut seen = 0u32;
    for (i, ch) in text.char_indices() {
        if seen >= units {
            return i;
        }
        seen += ch.len_utf16() as u32;
    }
    text.len()
}

/// Where the caret of `el` is in its text, in bytes.
#[cfg(feature = "hydrate")]
fn caret_in(el: &leptos::web_sys::HtmlTextAreaElement, text: &str) -> usize {
    el.selection_start()
        .ok()
        .flatten()
        .map_or(text.len(), |units| caret_byte(text, units))
}

/// The Markdown body: a textarea with a live preview (with wasm: rendered by the
/// server as the person types; without, or with the form's Preview button: the draft's
/// preview, which the server keeps and renders with the page), suggestions of group
/// members to mention, and of documents to link after `[[` (a listbox the caret's
/// textarea controls: arrow keys move through it, Enter or a click inserts the link,
/// Escape closes it). An island: the only part of the composer that runs in the browser.
#[island]
pub fn BodyField(
    id: String,
    initial: String,
    /// The preview of the kept draft, if the person asked for one.
    initial_preview: Option<String>,
    /// Names of the group's members, for @mention suggestions.
    members: Vec<String>,
    /// The group written in (its slug): its documents are suggested first.
    #[prop(optional)]
    group: Option<String>,
    /// A library page's text rather than a post: named so, and without mentions.
    #[prop(optional)]
    page: Option<bool>,
) -> impl IntoView {
    let page = page.unwrap_or(false);
    // An island has no context from the page: the language is read from `<html lang>`.
    let locale = crate::locale::current();
    let preview = RwSignal::new(initial_preview);
    let suggestions = RwSignal::new(Vec::<String>::new());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let hint = format!("{id}-hint");
    let preview_id = format!("{id}-preview");
    let preview_labelled_by = preview_id.clone();
    let names = members;
    // The documents offered for what follows `[[`: `None` while nothing is looked up,
    // `Some` (perhaps empty) once the server answered; the option the arrow keys chose.
    let documents = RwSignal::new(None::<Vec<DocumentSuggestion>>);
    let active = RwSignal::new(None::<usize>);
    let listbox_id = format!("{id}-documents");
    let option_prefix = format!("{id}-document-");
    #[cfg(feature = "hydrate")]
    let looked_up = StoredValue::new(None::<String>);
    #[cfg(feature = "hydrate")]
    let lookup_pending = StoredValue::new(None::<TimeoutHandle>);
    let close_documents = move || {
        #[cfg(feature = "hydrate")]
        {
            looked_up.set_value(None);
            if let Some(handle) = lookup_pending.get_value() {
                handle.clear();
            }
        }
        documents.set(None);
        active.set(None);
    };
    // Looks up the documents for what follows `[[` before the caret, a moment after the
    // typing stops, and only when it changed; anything else closes the list.
    #[cfg(feature = "hydrate")]
    let look_up_documents = {
        let group = group.clone();
        move |text: &str, caret: usize| {
            let typed = document_query_before(text, caret)
                .map(|(_, typed)| typed)
                .filter(|typed| typed.trim().chars().count() >= MIN_DOCUMENT_QUERY_CHARS);
            let Some(typed) = typed else {
                close_documents();
                return;
            };
            if looked_up.with_value(|q| q.as_deref() == Some(typed.as_str())) {
                return;
            }
            looked_up.set_value(Some(typed.clone()));
            if let Some(handle) = lookup_pending.get_value() {
                handle.clear();
            }
            let group = group.clone();
            let handle = set_timeout_with_handle(
                move || {
                    leptos::task::spawn_local(async move {
                        let found =
                            crate::api::library::document_suggestions(typed.clone(), group).await;
                        // An answer to an older query is dropped.
                        if looked_up.with_value(|q| q.as_deref() == Some(typed.as_str())) {
                            documents.set(Some(found.unwrap_or_default()));
                            active.set(None);
                        }
                    });
                },
                std::time::Duration::from_millis(250),
            )
            .ok();
            lookup_pending.set_value(handle);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = &group;

    #[cfg(feature = "hydrate")]
    let on_input = {
        let names = names.clone();
        let pending = StoredValue::new(None::<TimeoutHandle>);
        move |_| {
            let Some(el) = textarea.get() else { return };
            let text = el.value();
            let caret = el
                .selection_start()
                .ok()
                .flatten()
                .map(|c| {
                    // The caret counts UTF-16 units; find the byte offset.
                    let mut units = 0u32;
                    text.char_indices()
                        .find(|(_, ch)| {
                            let found = units >= c;
                            units += ch.len_utf16() as u32;
                            found
                        })
                        .map_or(text.len(), |(i, _)| i)
                })
                .unwrap_or(text.len());
            suggestions.set(match mention_before(&text, caret) {
                Some((_, typed)) => {
                    let typed = typed.to_lowercase();
                    names
                        .iter()
                        .filter(|n| n.to_lowercase().starts_with(&typed))
                        .take(8)
                        .cloned()
                        .collect()
                }
                None => Vec::new(),
            });
            look_up_documents(&text, caret);
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let handle = set_timeout_with_handle(
                move || {
                    leptos::task::spawn_local(async move {
                        let rendered = crate::api::forums::preview_post(text).await;
                        preview.set(rendered.ok());
                    });
                },
                std::time::Duration::from_millis(400),
            )
            .ok();
            pending.set_value(handle);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_input = {
        let _ = &names;
        |_| {}
    };

    let insert = move |name: String| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = textarea.get() {
            let text = el.value();
            let caret = el.selection_start().ok().flatten().map_or(text.len(), |c| {
                text.char_indices()
                    .scan(0u32, |units, (i, ch)| {
                        let here = *units;
                        *units += ch.len_utf16() as u32;
                        Some((i, here))
                    })
                    .find(|(_, units)| *units >= c)
                    .map_or(text.len(), |(i, _)| i)
            });
            if let Some((at, _)) = mention_before(&text, caret) {
                let updated = format!("{}@{} {}", &text[..at], name, &text[caret..]);
                el.set_value(&updated);
                let _ = el.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = name;
        suggestions.set(Vec::new());
    };

    // Puts the chosen document's link where `[[` and the typed text were, the caret
    // after it, and lets the preview follow as after typing.
    let choose = move |index: usize| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = textarea.get() {
            let text = el.value();
            let caret = caret_in(&el, &text);
            let chosen =
                documents.with_untracked(|d| d.as_ref().and_then(|d| d.get(index).cloned()));
            if let (Some((at, _)), Some(chosen)) = (document_query_before(&text, caret), chosen) {
                let updated = format!("{}{}{}", &text[..at], chosen.markdown, &text[caret..]);
                el.set_value(&updated);
                let end = updated[..at + chosen.markdown.len()].encode_utf16().count() as u32;
                let _ = el.set_selection_range(end, end);
                let _ = el.focus();
                if let Ok(input) = leptos::web_sys::Event::new("input") {
                    let _ = el.dispatch_event(&input);
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = index;
        close_documents();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = documents.with(|d| d.as_ref().map_or(0, Vec::len));
        if documents.with(Option::is_none) {
            return;
        }
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
                    choose(index);
                }
            }
            "Escape" => {
                ev.prevent_default();
                close_documents();
            }
            _ => {}
        }
    };
    let controls = {
        let listbox_id = listbox_id.clone();
        move || {
            documents
                .with(|d| d.as_ref().is_some_and(|d| !d.is_empty()))
                .then(|| listbox_id.clone())
        }
    };
    let active_option = {
        let prefix = option_prefix.clone();
        move || active.get().map(|i| format!("{prefix}{i}"))
    };
    let document_status = move || match documents.get() {
        None => String::new(),
        Some(found) if found.is_empty() => td_string!(locale, forum_document_none).to_string(),
        Some(found) => td_string!(locale, forum_document_found, count = found.len()).to_string(),
    };

    view! {
        <div class="field body-field">
            <label for=id.clone()>
                {if page { td_string!(locale, page_body) } else { td_string!(locale, forum_body) }}
            </label>
            <textarea
                id=id.clone()
                name="body"
                rows="10"
                node_ref=textarea
                aria-describedby=hint.clone()
                aria-autocomplete="list"
                aria-controls=controls
                aria-activedescendant=active_option
                on:input=on_input
                on:keydown=on_keydown
                on:blur=move |_| close_documents()
            >
                {initial}
            </textarea>
            <p id=hint class="hint">
                {if page { td_string!(locale, page_body_hint) } else { td_string!(locale, forum_body_hint) }}
                " "
                {td_string!(locale, forum_body_document_hint)}
            </p>
            <Show when=move || !suggestions.with(Vec::is_empty)>
                <ul class="mention-suggestions" aria-label=td_string!(locale, forum_mention_suggestions)>
                    <For each=move || suggestions.get() key=|n| n.clone() let(name)>
                        <li>
                            <button type="button" class="secondary" on:click={
                                let name = name.clone();
                                move |_| insert(name.clone())
                            }>{format!("@{name}")}</button>
                        </li>
                    </For>
                </ul>
            </Show>
            <p class="hint document-status" role="status">{document_status}</p>
            <Show when=move || documents.with(|d| d.as_ref().is_some_and(|d| !d.is_empty()))>
                <ul
                    class="document-suggestions"
                    role="listbox"
                    id=listbox_id.clone()
                    aria-label=td_string!(locale, forum_document_suggestions)
                >
                    {
                        let prefix = option_prefix.clone();
                        move || {
                            documents
                                .get()
                                .unwrap_or_default()
                                .into_iter()
                                .enumerate()
                                .map(|(index, document)| {
                                    let selected = move || active.get() == Some(index);
                                    view! {
                                        <li
                                            role="option"
                                            id=format!("{prefix}{index}")
                                            aria-selected=move || if selected() { "true" } else { "false" }
                                            class:active=selected
                                            on:mousedown=|ev| ev.prevent_default()
                                            on:click=move |_| choose(index)
                                        >
                                            <span class="document-title">{document.title}</span>
                                            " "
                                            <span class="document-group">{document.group_name}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }
                    }
                </ul>
            </Show>
            <section class="preview" aria-labelledby=preview_labelled_by aria-live="polite">
                <h3 id=preview_id>{td_string!(locale, forum_preview)}</h3>
                {move || match preview.get() {
                    Some(html) => view! { <div class="post-body" inner_html=html></div> }.into_any(),
                    None => view! { <p class="hint">{td_string!(locale, forum_preview_empty)}</p> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_found_just_before_the_caret() {
        assert_eq!(mention_before("Hej @Met", 8), Some((4, "Met".into())));
        assert_eq!(mention_before("@Mette L", 8), Some((0, "Mette L".into())));
    }

    #[test]
    fn a_document_link_is_typed_after_two_brackets_on_one_line() {
        assert_eq!(
            document_query_before("Se [[bered", 10),
            Some((3, "bered".into()))
        );
        assert_eq!(
            document_query_before("[[NIS2 plan", 11),
            Some((0, "NIS2 plan".into()))
        );
        // Only the text before the caret counts.
        assert_eq!(document_query_before("[[ab cd", 4), Some((0, "ab".into())));
    }

    #[test]
    fn a_closed_link_a_new_line_or_one_bracket_is_no_document_link() {
        assert_eq!(document_query_before("[[plan]] og", 11), None);
        assert_eq!(document_query_before("[[plan\nmere", 11), None);
        assert_eq!(document_query_before("[link](/x) [a", 13), None);
        assert_eq!(document_query_before("[x](/documents/1) tekst", 23), None);
        let long = format!("[[{}", "a".repeat(101));
        assert_eq!(document_query_before(&long, long.len()), None);
    }

    #[test]
    fn an_address_is_not_a_mention() {
        assert_eq!(mention_before("mail bo@kl.dk", 13), None);
        assert_eq!(mention_before("no at sign", 5), None);
    }
}
