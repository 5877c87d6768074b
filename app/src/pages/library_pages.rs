//! Library pages written in the browser: `/groups/{slug}/library/new-page` (a new page),
//! `/documents/{id}/edit` (a new version of a page) and `/documents/{id}/compare` (two
//! versions of a text document side by side, line by line). The editor is the forum
//! composer's: a plain form with a preview, whose draft comes back if the server refuses
//! it, so nothing typed is lost.

use crate::api::library::FolderEntry;
use crate::api::pages::{
    DiffLineView, DiffView, EditPage, EditPageView, NewPageView, WritePage, load_diff,
    load_new_page, load_page_edit,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::forum::{AudienceFields, BodyField, TlpField};
use crate::components::page::loaded;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use crate::pages::library::{Breadcrumbs, folder_options};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn NewPagePage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, page_new_title) />
        {signed_in_view(move |_| view! { <NewPageView /> })}
    }
}

#[component]
fn NewPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new_blocking(
        move || {
            (
                params.with(|p| p.get("slug").unwrap_or_default()),
                query.with(|q| q.get("folder").and_then(|f| f.parse::<i64>().ok())),
            )
        },
        |(slug, folder)| load_new_page(slug, folder),
    );
    let body = move || {
        Suspend::new(
            async move { loaded(page.await, locale, |page| view! { <NewPageForm page /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn NewPageForm(page: NewPageView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<WritePage>::new();
    let draft = page.draft.clone().unwrap_or_default();
    let tlp = if draft.tlp.is_empty() {
        page.default_tlp.clone()
    } else {
        draft.tlp.clone()
    };
    let path: Vec<FolderEntry> = page
        .folders
        .iter()
        .filter(|f| Some(f.id) == page.folder_id)
        .cloned()
        .collect();
    view! {
        <Breadcrumbs slug=page.slug.clone() group_name=page.group_name.clone() path inside=true />
        <h1>{td_string!(locale, page_new_title)}</h1>
        <p class="hint">{td_string!(locale, page_new_hint)}</p>
        <Form action class="form composer" novalidate=true>
            <input type="hidden" name="slug" value=page.slug.clone() />
            <div class="field">
                <label for="page-title">{td_string!(locale, page_title_label)}</label>
                <input id="page-title" name="title" type="text" maxlength="200" required value=draft.title.clone() />
            </div>
            <div class="field">
                <label for="page-folder">{td_string!(locale, library_folder)}</label>
                <select id="page-folder" name="folder_id">
                    {folder_options(&page.folders, page.folder_id, None, td_string!(locale, library_top))}
                </select>
            </div>
            <BodyField
                id="page-body".to_string()
                initial=draft.body.clone()
                initial_preview=draft.preview.clone()
                members=Vec::new()
                group=page.slug.clone()
                page=true
            />
            <p class="hint">{td_string!(locale, page_images_hint)}</p>
            <TlpField id="page-tlp" selected=tlp min="clear" />
            <AudienceFields id="page-audience" choices=page.choices.clone() />
            <ErrorMessage path={<WritePage as ServerFn>::PATH} />
            <div class="actions">
                <button type="submit" name="intent" value="preview" class="secondary">{td_string!(locale, forum_preview_button)}</button>
                <button type="submit" name="intent" value="save">{td_string!(locale, page_create)}</button>
            </div>
        </Form>
    }
}

#[component]
pub fn EditPagePage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, page_edit_title) />
        {signed_in_view(move |_| view! { <EditPageView /> })}
    }
}

#[component]
fn EditPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let page = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => load_page_edit(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(
            async move { loaded(page.await, locale, |page| view! { <EditPageForm page /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn EditPageForm(page: EditPageView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<EditPage>::new();
    let draft = page.draft.clone().unwrap_or_default();
    // A kept draft is what was typed last; the page's text otherwise.
    let (body, note) = if draft.body.is_empty() {
        (page.body.clone(), String::new())
    } else {
        (draft.body.clone(), draft.title.clone())
    };
    // A kept draft stays based on the version it was written on: saving it again after
    // a conflict is refused again, rather than replacing the newer version.
    let version = draft.based_on.unwrap_or(page.version);
    let document_href = format!("/documents/{}", page.id);
    let heading = td_string!(locale, page_edit_heading, title = page.title.clone()).to_string();
    let based_on = td_string!(locale, page_edit_based_on, version = version).to_string();
    let outdated = (version != page.version).then(|| {
        let href = format!(
            "/documents/{}/compare?from={version}&to={}",
            page.id, page.version
        );
        let text = td_string!(locale, page_edit_outdated, version = page.version).to_string();
        view! {
            <p class="message error" role="note">
                {text} " " <a href=href>{td_string!(locale, page_edit_outdated_compare)}</a>
            </p>
        }
    });
    view! {
        <Title text=heading.clone() />
        <Breadcrumbs slug=page.slug.clone() group_name=page.group_name.clone() path=page.path.clone() inside=true />
        <h1>{heading}</h1>
        <p><a href=document_href>{td_string!(locale, page_back_to_page)}</a></p>
        <p class="hint">{based_on}</p>
        {outdated}
        <Form action class="form composer" novalidate=true>
            <input type="hidden" name="document_id" value=page.id />
            <input type="hidden" name="based_on" value=version />
            <BodyField
                id="page-body".to_string()
                initial=body
                initial_preview=draft.preview.clone()
                members=Vec::new()
                group=page.slug.clone()
                page=true
            />
            <p class="hint">{td_string!(locale, page_images_hint)}</p>
            <div class="field">
                <label for="page-note">{td_string!(locale, page_change_note)}</label>
                <input id="page-note" name="change_note" type="text" maxlength="500" value=note />
            </div>
            <TlpField id="page-tlp" selected=page.tlp.clone() min=page.tlp.clone() />
            <AudienceFields id="page-audience" choices=page.choices.clone() />
            <ErrorMessage path={<EditPage as ServerFn>::PATH} />
            <div class="actions">
                <button type="submit" name="intent" value="preview" class="secondary">{td_string!(locale, forum_preview_button)}</button>
                <button type="submit" name="intent" value="save">{td_string!(locale, page_save)}</button>
            </div>
        </Form>
    }
}

#[component]
pub fn ComparePage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, compare_title) />
        {signed_in_view(move |_| view! { <CompareView /> })}
    }
}

#[component]
fn CompareView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let diff = Resource::new_blocking(
        move || {
            let number = |key: &str| query.with(|q| q.get(key).and_then(|v| v.parse().ok()));
            (
                params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
                number("from"),
                number("to"),
            )
        },
        |(id, from, to)| async move {
            match id {
                Some(id) => load_diff(id, from, to).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(
            async move { loaded(diff.await, locale, |diff| view! { <CompareParts diff /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

/// Picks two versions to compare: a plain GET form, so a comparison has an address.
#[component]
pub fn CompareForm(
    id: i64,
    /// (number, author, when), newest first.
    versions: Vec<(i64, String, String)>,
    from: i64,
    to: i64,
) -> impl IntoView {
    let locale = use_locale();
    let options = move |selected: i64| {
        versions
            .iter()
            .map(|(number, author, when)| {
                let text = td_string!(
                    locale,
                    compare_version_option,
                    version = *number,
                    author = author.clone(),
                    when = when.clone()
                )
                .to_string();
                let is_selected = *number == selected;
                view! { <option value=*number selected=is_selected>{text}</option> }
            })
            .collect_view()
    };
    let action = format!("/documents/{id}/compare");
    view! {
        <form method="get" action=action class="form compare-form">
            <div class="field">
                <label for="compare-from">{td_string!(locale, compare_from)}</label>
                <select id="compare-from" name="from">{options(from)}</select>
            </div>
            <div class="field">
                <label for="compare-to">{td_string!(locale, compare_to)}</label>
                <select id="compare-to" name="to">{options(to)}</select>
            </div>
            <div class="actions">
                <button type="submit">{td_string!(locale, compare_button)}</button>
            </div>
        </form>
    }
}

#[component]
fn CompareParts(diff: DiffView) -> impl IntoView {
    let locale = use_locale();
    let heading = td_string!(locale, compare_heading, title = diff.title.clone()).to_string();
    let document_href = format!("/documents/{}", diff.id);
    let summary = if diff.hunks.is_empty() {
        td_string!(locale, compare_identical).to_string()
    } else {
        td_string!(
            locale,
            compare_summary,
            from = diff.from,
            to = diff.to,
            added = diff.added,
            removed = diff.removed
        )
        .to_string()
    };
    let hunks = diff
        .hunks
        .into_iter()
        .enumerate()
        .map(|(i, lines)| view! { <Hunk number=i + 1 lines /> })
        .collect_view();
    view! {
        <Title text=heading.clone() />
        <Breadcrumbs slug=diff.slug.clone() group_name=diff.group_name.clone() path=diff.path.clone() inside=true />
        <h1>{heading}</h1>
        <p><a href=document_href>{td_string!(locale, page_back_to_page)}</a></p>
        <CompareForm id=diff.id versions=diff.versions.clone() from=diff.from to=diff.to />
        <p class="compare-summary" role="status">{summary}</p>
        <p class="hint">{td_string!(locale, compare_legend)}</p>
        {hunks}
    }
}

/// One place in the text where the versions differ, with the unchanged lines around
/// it. A changed line is marked by a sign and a hidden word as well as its colour, so
/// that colour is never the only cue (WCAG 1.4.1).
#[component]
fn Hunk(number: usize, lines: Vec<DiffLineView>) -> impl IntoView {
    let locale = use_locale();
    let first = |pick: fn(&DiffLineView) -> Option<usize>| lines.iter().find_map(pick);
    let caption = td_string!(
        locale,
        compare_hunk,
        number = number,
        old = first(|l| l.old_line).unwrap_or(0),
        new = first(|l| l.new_line).unwrap_or(0)
    )
    .to_string();
    let rows = lines
        .into_iter()
        .map(|line| {
            let number = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
            let (old, new) = (number(line.old_line), number(line.new_line));
            let (class, sign, word, text) = match line.change.as_str() {
                "added" => (
                    "diff-added",
                    "+",
                    td_string!(locale, compare_added),
                    view! { <ins>{line.text}</ins> }.into_any(),
                ),
                "removed" => (
                    "diff-removed",
                    "−",
                    td_string!(locale, compare_removed),
                    view! { <del>{line.text}</del> }.into_any(),
                ),
                _ => (
                    "diff-same",
                    "",
                    td_string!(locale, compare_unchanged),
                    view! { <span>{line.text}</span> }.into_any(),
                ),
            };
            view! {
                <tr class=class>
                    <td class="line-number">{old}</td>
                    <td class="line-number">{new}</td>
                    <td class="diff-sign"><span aria-hidden="true">{sign}</span><span class="visually-hidden">{word}</span></td>
                    <td class="diff-text">{text}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <ScrollTable label=caption.clone()>
            <table class="diff">
                <caption>{caption.clone()}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, compare_col_old)}</th>
                        <th scope="col">{td_string!(locale, compare_col_new)}</th>
                        <th scope="col">{td_string!(locale, compare_col_change)}</th>
                        <th scope="col">{td_string!(locale, compare_col_text)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    }
}
