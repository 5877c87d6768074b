//! The parts forum pages share: the TLP badge, an author's name (or "a participant"),
//! pagination, and the composer's fields: the Markdown body with its live preview and
//! @mention suggestions, the TLP choice and the recipients of AMBER+STRICT and RED.

use crate::api::forums::{AuthorView, Choice, ComposerChoices};
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

/// The Markdown body: a textarea with a live preview (with wasm: rendered by the
/// server as the person types; without, or with the form's Preview button: the draft's
/// preview, which the server keeps and renders with the page) and suggestions of group
/// members to mention. An island: the only part of the composer that runs in the browser.
#[island]
pub fn BodyField(
    id: String,
    initial: String,
    /// The preview of the kept draft, if the person asked for one.
    initial_preview: Option<String>,
    /// Names of the group's members, for @mention suggestions.
    members: Vec<String>,
) -> impl IntoView {
    // An island has no context from the page: the language is read from `<html lang>`.
    let locale = crate::locale::current();
    let preview = RwSignal::new(initial_preview);
    let suggestions = RwSignal::new(Vec::<String>::new());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let hint = format!("{id}-hint");
    let preview_id = format!("{id}-preview");
    let preview_labelled_by = preview_id.clone();
    let names = members;

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

    view! {
        <div class="field body-field">
            <label for=id.clone()>{td_string!(locale, forum_body)}</label>
            <textarea
                id=id.clone()
                name="body"
                rows="10"
                node_ref=textarea
                aria-describedby=hint.clone()
                on:input=on_input
            >
                {initial}
            </textarea>
            <p id=hint class="hint">{td_string!(locale, forum_body_hint)}</p>
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
    fn an_address_is_not_a_mention() {
        assert_eq!(mention_before("mail bo@kl.dk", 13), None);
        assert_eq!(mention_before("no at sign", 5), None);
    }
}
