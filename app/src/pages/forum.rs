//! `/groups/{slug}/forum` (a group's threads: pinned first, then by the newest post the
//! reader may see, with unread markers) and `/groups/{slug}/forum/new` (start a thread).
//! A forum of a group the reader is not in is answered exactly like a missing one.

use crate::api::forums::{
    ForumView, NewThreadView, StartThread, ThreadEntry, load_forum, load_new_thread,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::forum::{
    AudienceFields, AuthorName, BodyField, Pagination, TlpField, member_names,
};
use crate::components::labels::TlpBadge;
use crate::components::page::loaded;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ForumPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, forum_title) />
        {signed_in_view(move |_| view! { <ForumPageView /> })}
    }
}

#[component]
fn ForumPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let forum = Resource::new_blocking(
        move || {
            (
                params.with(|p| p.get("slug").unwrap_or_default()),
                query.with(|q| q.get("page").and_then(|p| p.parse().ok())),
            )
        },
        |(slug, page)| load_forum(slug, page),
    );
    let body = move || {
        Suspend::new(
            async move { loaded(forum.await, locale, |forum| view! { <ForumParts forum /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn ForumParts(forum: ForumView) -> impl IntoView {
    let locale = use_locale();
    let group_href = format!("/groups/{}", forum.slug);
    let base = format!("/groups/{}/forum", forum.slug);
    let new_href = format!("/groups/{}/forum/new", forum.slug);
    let title = td_string!(locale, forum_heading, group = forum.group_name.clone()).to_string();
    let empty = forum.threads.is_empty();
    let rows = forum
        .threads
        .into_iter()
        .map(|t| view! { <ThreadRow thread=t /> })
        .collect_view();
    view! {
        <Title text=title.clone() />
        <p class="breadcrumb"><a href=group_href>{forum.group_name.clone()}</a></p>
        <h1>{title}</h1>
        {forum.can_post.then(|| view! {
            <p><a class="button" href=new_href>{td_string!(locale, forum_new_thread)}</a></p>
        })}
        {if empty {
            view! { <p>{td_string!(locale, forum_empty)}</p> }.into_any()
        } else {
            view! {
                <ScrollTable label=td_string!(locale, forum_threads_label).to_string()>
                    <table class="threads">
                        <caption class="visually-hidden">{td_string!(locale, forum_threads_label)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{td_string!(locale, forum_col_thread)}</th>
                                <th scope="col">{td_string!(locale, forum_col_tlp)}</th>
                                <th scope="col">{td_string!(locale, forum_col_author)}</th>
                                <th scope="col">{td_string!(locale, forum_col_replies)}</th>
                                <th scope="col">{td_string!(locale, forum_col_last)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </ScrollTable>
            }.into_any()
        }}
        <Pagination base page=forum.page pages=forum.pages />
    }
}

#[component]
fn ThreadRow(thread: ThreadEntry) -> impl IntoView {
    let locale = use_locale();
    let href = format!("/threads/{}", thread.id);
    let class = if thread.unread {
        "thread unread"
    } else {
        "thread"
    };
    view! {
        <tr class=class>
            <td>
                {thread.pinned.then(|| view! { <span class="badge">{td_string!(locale, forum_pinned)}</span> " " })}
                {thread.locked.then(|| view! { <span class="badge">{td_string!(locale, forum_locked)}</span> " " })}
                {thread.unread.then(|| view! { <span class="badge new">{td_string!(locale, forum_new)}</span> " " })}
                <a href=href>{thread.title}</a>
                {thread.chatham_house.then(|| view! { " " <span class="badge">{td_string!(locale, forum_chatham_badge)}</span> })}
            </td>
            <td><TlpBadge tlp=thread.tlp /></td>
            <td><AuthorName author=thread.author /></td>
            <td>{thread.replies}</td>
            <td>{thread.last_activity}</td>
        </tr>
    }
}

#[component]
pub fn NewThreadPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, forum_new_thread) />
        {signed_in_view(move |_| view! { <NewThreadView /> })}
    }
}

#[component]
fn NewThreadView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let page = Resource::new_blocking(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_new_thread,
    );
    let body = move || {
        Suspend::new(
            async move { loaded(page.await, locale, |page| view! { <NewThreadForm page /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn NewThreadForm(page: NewThreadView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<StartThread>::new();
    let draft = page.draft.unwrap_or_default();
    let tlp = if draft.tlp.is_empty() {
        page.default_tlp.clone()
    } else {
        draft.tlp.clone()
    };
    let forum_href = format!("/groups/{}/forum", page.slug);
    let members = member_names(&page.choices);
    view! {
        <p class="breadcrumb"><a href=forum_href>{page.group_name.clone()}</a></p>
        <h1>{td_string!(locale, forum_new_thread)}</h1>
        <Form action class="form composer" novalidate=true>
            <input type="hidden" name="slug" value=page.slug.clone() />
            <div class="field">
                <label for="thread-title">{td_string!(locale, forum_thread_title)}</label>
                <input id="thread-title" name="title" type="text" maxlength="200" required value=draft.title.clone() />
            </div>
            <BodyField
                id="thread-body".to_string()
                initial=draft.body.clone()
                initial_preview=draft.preview.clone()
                members
                group=page.slug.clone()
            />
            <TlpField id="thread-tlp" selected=tlp min="clear" />
            <AudienceFields id="thread-audience" choices=page.choices.clone() />
            <div class="field checkbox">
                <input id="thread-chatham" type="checkbox" name="chatham_house" value="on" aria-describedby="thread-chatham-hint" />
                <label for="thread-chatham">{td_string!(locale, forum_chatham)}</label>
                <p id="thread-chatham-hint" class="hint">{td_string!(locale, forum_chatham_hint)}</p>
            </div>
            <ErrorMessage
                path={<StartThread as ServerFn>::PATH}
            />
            <div class="actions">
                <button type="submit" name="intent" value="preview" class="secondary">{td_string!(locale, forum_preview_button)}</button>
                <button type="submit" name="intent" value="post">{td_string!(locale, forum_post_thread)}</button>
            </div>
        </Form>
    }
}
