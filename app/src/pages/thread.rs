//! `/threads/{id}` (a thread: its posts the reader may see, "new since your last visit",
//! reply and quote, watching, and moderation for moderators), `/posts/{id}/edit` (edit
//! one's own post) and `/posts/{id}/history` (a post's earlier versions). Anything the
//! reader may not see is answered exactly like a missing one.

use crate::api::forums::{
    DeletePost, EditPost, EditPostView, HistoryView, ModerateThread, MoveThread, PostEntry,
    PostReply, RecipientsView, RemovePost, ThreadPageView, WatchThread, load_post_edit,
    load_post_history, load_thread,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::forum::{
    AudienceFields, AuthorName, BodyField, Pagination, TlpField, member_names,
};
use crate::components::labels::TlpBadge;
use crate::components::page::loaded;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use crate::pages::incidents::LinkedIncidents;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The actions of a thread page; the page reloads after each.
#[derive(Clone, Copy)]
struct ThreadActions {
    reply: ServerAction<PostReply>,
    watch: ServerAction<WatchThread>,
    moderate: ServerAction<ModerateThread>,
    move_to: ServerAction<MoveThread>,
    delete: ServerAction<DeletePost>,
    remove: ServerAction<RemovePost>,
}

#[component]
pub fn ThreadPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, thread_title) />
        {signed_in_view(move |_| view! { <ThreadPageView /> })}
    }
}

#[component]
fn ThreadPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let actions = ThreadActions {
        reply: ServerAction::new(),
        watch: ServerAction::new(),
        moderate: ServerAction::new(),
        move_to: ServerAction::new(),
        delete: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let thread = Resource::new_blocking(
        move || {
            let number = |key: &str| query.with(|q| q.get(key).and_then(|v| v.parse::<i64>().ok()));
            (
                params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
                number("page"),
                number("post"),
                number("quote"),
            )
        },
        |(id, page, post, quote)| async move {
            match id {
                Some(id) => load_thread(id, page, post, quote).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            loaded(
                thread.await,
                locale,
                move |thread| view! { <ThreadParts thread actions /> },
            )
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn ThreadParts(mut thread: ThreadPageView, actions: ThreadActions) -> impl IntoView {
    let locale = use_locale();
    // The posts are moved into the page, not cloned: the panels below take the thread
    // without them.
    let posts = std::mem::take(&mut thread.posts);
    let forum_href = format!("/groups/{}/forum", thread.slug);
    let base = format!("/threads/{}", thread.id);
    let first_unread = thread.first_unread;
    let can_moderate = thread.can_moderate;
    let open = !thread.locked;
    let thread_id = thread.id;
    let can_reply = thread.can_reply;
    // The posts are rendered to one string here, synchronously, and put into the page as
    // it streams: they hold nothing asynchronous, and the node-by-node streaming render
    // costs several times as much for the page's largest part (`make bench-thread`).
    let posts = posts
        .into_iter()
        .map(|post| {
            let divider = (Some(post.id) == first_unread).then(|| {
                view! { <p class="unread-divider" id="new">{td_string!(locale, thread_new_since)}</p> }
            });
            view! {
                {divider}
                <PostArticle post thread_id can_moderate open can_reply actions />
            }
        })
        .collect_view()
        .to_html();
    view! {
        <Title text=thread.title.clone() />
        <p class="breadcrumb"><a href=forum_href>{thread.group_name.clone()}</a></p>
        <h1>{thread.title.clone()}</h1>
        <p class="thread-facts">
            <TlpBadge tlp=thread.tlp.clone() />
            {thread.pinned.then(|| view! { " " <span class="badge">{td_string!(locale, forum_pinned)}</span> })}
            {thread.locked.then(|| view! { " " <span class="badge">{td_string!(locale, forum_locked)}</span> })}
            {thread.chatham_house.then(|| view! { " " <span class="badge">{td_string!(locale, forum_chatham_badge)}</span> })}
        </p>
        <Recipients recipients=thread.recipients.clone() />
        {(!thread.alerts.is_empty()).then(|| {
            let links = thread
                .alerts
                .iter()
                .cloned()
                .map(|(href, what)| view! { <li><a href=href>{what}</a></li> })
                .collect_view();
            view! {
                <div class="about-alert">
                    <p>{td_string!(locale, thread_about_alert)}</p>
                    <ul class="plain-list">{links}</ul>
                </div>
            }
        })}
        {thread.chatham_house.then(|| view! { <p class="hint">{td_string!(locale, thread_chatham_note)}</p> })}
        <WatchForm thread_id watching=thread.watching action=actions.watch />
        {can_moderate.then(|| view! { <ModerationPanel thread=thread.clone() actions /> })}
        <ErrorMessage path={<RemovePost as ServerFn>::PATH} only_after_refusal=true />
        <div class="posts" inner_html=posts></div>
        <Pagination base page=thread.page pages=thread.pages />
        {if thread.can_reply {
            view! { <ReplyForm thread=thread.clone() action=actions.reply /> }.into_any()
        } else if thread.locked {
            view! { <p class="message" role="status">{td_string!(locale, thread_locked_note)}</p> }.into_any()
        } else {
            ().into_any()
        }}
        <LinkedIncidents around=thread.linked_incidents.clone() />
    }
}

#[component]
fn Recipients(recipients: RecipientsView) -> impl IntoView {
    let locale = use_locale();
    let RecipientsView {
        orgs,
        users,
        participants_only,
    } = recipients;
    view! {
        {participants_only.then(|| view! {
            <p class="recipients">{td_string!(locale, thread_recipient_participants)}</p>
        })}
        {(!orgs.is_empty()).then(|| view! {
            <p class="recipients">{td_string!(locale, thread_recipient_orgs)} " " {orgs.join(", ")}</p>
        })}
        {(!users.is_empty()).then(|| view! {
            <p class="recipients">{td_string!(locale, thread_recipient_users)} " " {users.join(", ")}</p>
        })}
    }
}

#[component]
fn WatchForm(thread_id: i64, watching: bool, action: ServerAction<WatchThread>) -> impl IntoView {
    let locale = use_locale();
    let (value, label) = if watching {
        ("off", td_string!(locale, thread_unwatch))
    } else {
        ("on", td_string!(locale, thread_watch))
    };
    view! {
        <Form action class="inline-form">
            <input type="hidden" name="thread_id" value=thread_id />
            <input type="hidden" name="watch" value=value />
            <button type="submit" class="secondary">{label}</button>
            {watching.then(|| view! { " " <span class="hint">{td_string!(locale, thread_watching)}</span> })}
        </Form>
    }
}

#[component]
fn ModerationPanel(thread: ThreadPageView, actions: ThreadActions) -> impl IntoView {
    let locale = use_locale();
    let id = thread.id;
    let (pin_value, pin_label) = if thread.pinned {
        ("unpin", td_string!(locale, thread_unpin))
    } else {
        ("pin", td_string!(locale, thread_pin))
    };
    let (lock_value, lock_label) = if thread.locked {
        ("unlock", td_string!(locale, thread_unlock))
    } else {
        ("lock", td_string!(locale, thread_lock))
    };
    let moderate = actions.moderate;
    let move_to = actions.move_to;
    let targets = thread.move_targets.clone();
    view! {
        <section class="card moderation" aria-labelledby="moderation-title">
            <h2 id="moderation-title">{td_string!(locale, thread_moderation)}</h2>
            <div class="actions">
                <Form action=moderate class="inline-form">
                    <input type="hidden" name="thread_id" value=id />
                    <input type="hidden" name="action" value=pin_value />
                    <button type="submit" class="secondary">{pin_label}</button>
                </Form>
                <Form action=moderate class="inline-form">
                    <input type="hidden" name="thread_id" value=id />
                    <input type="hidden" name="action" value=lock_value />
                    <button type="submit" class="secondary">{lock_label}</button>
                </Form>
            </div>
            <ErrorMessage
                path={<ModerateThread as ServerFn>::PATH}
            />
            {(!targets.is_empty()).then(|| {
                let options = targets
                    .into_iter()
                    .map(|(slug, name)| view! { <option value=slug>{name}</option> })
                    .collect_view();
                view! {
                    <Form action=move_to class="form">
                        <input type="hidden" name="thread_id" value=id />
                        <div class="field">
                            <label for="move-target">{td_string!(locale, thread_move_to)}</label>
                            <select id="move-target" name="target">{options}</select>
                        </div>
                        <ErrorMessage
                            path={<MoveThread as ServerFn>::PATH}
                        />
                        <button type="submit" class="secondary">{td_string!(locale, thread_move)}</button>
                    </Form>
                }
            })}
        </section>
    }
}

#[component]
fn PostArticle(
    post: PostEntry,
    thread_id: i64,
    can_moderate: bool,
    open: bool,
    can_reply: bool,
    actions: ThreadActions,
) -> impl IntoView {
    let locale = use_locale();
    let anchor = format!("post-{}", post.id);
    let heading = format!("post-{}-by", post.id);
    let labelled_by = heading.clone();
    let id = post.id;
    let shown = post.html.is_some();
    let history_href = format!("/posts/{id}/history");
    let edit_href = format!("/posts/{id}/edit");
    let quote_href = format!("/threads/{thread_id}?quote={id}#reply");
    let quoted = post.quoted_post_id.map(|q| {
        let href = format!("/threads/{thread_id}?post={q}#post-{q}");
        view! { <p class="quoted"><a href=href>{td_string!(locale, post_quotes, id = q)}</a></p> }
    });
    let body = match (post.html, post.removed) {
        (Some(html), _) => view! { <div class="post-body" inner_html=html></div> }.into_any(),
        (None, Some(reason)) => view! {
            <p class="post-gone">{td_string!(locale, post_removed)} " " {reason}</p>
        }
        .into_any(),
        (None, None) => {
            view! { <p class="post-gone">{td_string!(locale, post_deleted)}</p> }.into_any()
        }
    };
    let delete = actions.delete;
    let remove = actions.remove;
    view! {
        <article class="post" id=anchor aria-labelledby=labelled_by>
            <header class="post-header">
                <h2 id=heading class="post-author"><AuthorName author=post.author /></h2>
                <span class="post-time">{post.created}</span>
                " "
                <TlpBadge tlp=post.tlp />
                {post.edited.filter(|_| shown).map(|edited| view! {
                    " "
                    <a class="edited" href=history_href.clone()>
                        {td_string!(locale, post_edited, when = edited)}
                    </a>
                })}
            </header>
            <Recipients recipients=post.recipients />
            {quoted}
            {body}
            <footer class="post-actions">
                {(shown && can_reply).then(|| view! {
                    <a href=quote_href rel="external">{td_string!(locale, post_quote)}</a>
                })}
                {(shown && post.mine && open).then(|| view! {
                    <a href=edit_href>{td_string!(locale, post_edit)}</a>
                    <Form action=delete class="inline-form">
                        <input type="hidden" name="post_id" value=id />
                        <button type="submit" class="link-button">{td_string!(locale, post_delete)}</button>
                    </Form>
                })}
                {(shown && can_moderate).then(|| view! {
                    <details class="remove">
                        <summary>{td_string!(locale, post_remove)}</summary>
                        // Repeated for every post, so kept small: the label wraps its
                        // field (no ids), and the form island makes the error slot only
                        // when it needs one (a plain post's error is shown above the
                        // posts).
                        <Form action=remove class="form">
                            <input type="hidden" name="post_id" value=id />
                            <label class="field">
                                {td_string!(locale, post_remove_reason)}
                                <input type="text" name="reason" maxlength="500" required />
                            </label>
                            <button type="submit" class="danger">{td_string!(locale, post_remove_button)}</button>
                        </Form>
                    </details>
                })}
            </footer>
        </article>
    }
}

#[component]
fn ReplyForm(thread: ThreadPageView, action: ServerAction<PostReply>) -> impl IntoView {
    let locale = use_locale();
    let draft = thread.draft.clone().unwrap_or_default();
    let (quoted_id, quote_text) = thread.quote.clone().unzip();
    let initial = if draft.body.is_empty() {
        quote_text.unwrap_or_default()
    } else {
        draft.body.clone()
    };
    let tlp = if draft.tlp.is_empty() {
        thread.tlp.clone()
    } else {
        draft.tlp.clone()
    };
    view! {
        <section class="card" aria-labelledby="reply-title" id="reply">
            <h2 id="reply-title">{td_string!(locale, thread_reply_title)}</h2>
            <Form action class="form composer" novalidate=true>
                <input type="hidden" name="thread_id" value=thread.id />
                {quoted_id.map(|q| view! { <input type="hidden" name="quoted_post_id" value=q /> })}
                <BodyField
                    id="reply-body".to_string()
                    initial
                    initial_preview=draft.preview.clone()
                    members=member_names(&thread.choices)
                    group=thread.slug.clone()
                />
                <TlpField id="reply-tlp" selected=tlp min=thread.tlp.clone() />
                <AudienceFields id="reply-audience" choices=thread.choices.clone() />
                <ErrorMessage
                    path={<PostReply as ServerFn>::PATH}
                />
                <div class="actions">
                    <button type="submit" name="intent" value="preview" class="secondary">{td_string!(locale, forum_preview_button)}</button>
                    <button type="submit" name="intent" value="post">{td_string!(locale, thread_reply_button)}</button>
                </div>
            </Form>
        </section>
    }
}

#[component]
pub fn EditPostPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, post_edit_title) />
        {signed_in_view(move |_| view! { <EditPostPageView /> })}
    }
}

#[component]
fn EditPostPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let page = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => load_post_edit(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(
            async move { loaded(page.await, locale, |page| view! { <EditPostForm page /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn EditPostForm(page: EditPostView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<EditPost>::new();
    let draft = page.draft.clone().unwrap_or_default();
    let body = if draft.body.is_empty() {
        page.source.clone()
    } else {
        draft.body.clone()
    };
    let title = if draft.title.is_empty() {
        page.thread_title.clone()
    } else {
        draft.title.clone()
    };
    let thread_href = format!(
        "/threads/{}?post={}#post-{}",
        page.thread_id, page.post_id, page.post_id
    );
    view! {
        <p class="breadcrumb"><a href=thread_href>{page.thread_title.clone()}</a></p>
        <h1>{td_string!(locale, post_edit_title)}</h1>
        <Form action class="form composer" novalidate=true>
            <input type="hidden" name="post_id" value=page.post_id />
            {page.opening.then(|| view! {
                <div class="field">
                    <label for="edit-title">{td_string!(locale, forum_thread_title)}</label>
                    <input id="edit-title" name="title" type="text" maxlength="200" required value=title />
                </div>
            })}
            <BodyField
                id="edit-body".to_string()
                initial=body
                initial_preview=draft.preview.clone()
                members=member_names(&page.choices)
                group=page.slug.clone()
            />
            <TlpField id="edit-tlp" selected=page.tlp.clone() min=page.tlp.clone() />
            <AudienceFields id="edit-audience" choices=page.choices.clone() />
            <ErrorMessage
                path={<EditPost as ServerFn>::PATH}
            />
            <div class="actions">
                <button type="submit" name="intent" value="preview" class="secondary">{td_string!(locale, forum_preview_button)}</button>
                <button type="submit" name="intent" value="post">{td_string!(locale, post_save)}</button>
            </div>
        </Form>
    }
}

#[component]
pub fn PostHistoryPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, post_history_title) />
        {signed_in_view(move |_| view! { <PostHistoryView /> })}
    }
}

#[component]
fn PostHistoryView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let history = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => load_post_history(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            loaded(
                history.await,
                locale,
                |history| view! { <HistoryParts history /> },
            )
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn HistoryParts(history: HistoryView) -> impl IntoView {
    let locale = use_locale();
    let thread_href = format!(
        "/threads/{}?post={}#post-{}",
        history.thread_id, history.post_id, history.post_id
    );
    let revisions = history
        .revisions
        .into_iter()
        .map(|r| {
            let label = if r.current {
                td_string!(locale, post_history_current, when = r.written.clone()).to_string()
            } else {
                td_string!(locale, post_history_version, when = r.written.clone()).to_string()
            };
            view! {
                <li class="revision">
                    <h2>{label} " " <TlpBadge tlp=r.tlp /></h2>
                    <div class="post-body" inner_html=r.html></div>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="breadcrumb"><a href=thread_href>{history.thread_title.clone()}</a></p>
        <h1>{td_string!(locale, post_history_title)}</h1>
        <p><AuthorName author=history.author /></p>
        <ol class="revisions">{revisions}</ol>
    }
}
