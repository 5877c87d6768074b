//! `/notifications`: the signed-in person's mentions and replies, newest first, with
//! marking one or all read and paging (`?page=N`). Each change reloads the page, so the
//! bell in the header starts from the new count.

use crate::api::notifications::{
    MarkAllNotificationsRead, MarkNotificationRead, NotificationKind, NotificationView,
    NotificationsView, load_notifications,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, notifications_title) />
        {signed_in_view(move |_| view! { <Notifications /> })}
    }
}

#[component]
fn Notifications() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let mark = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    let page = move || {
        query
            .with(|q| q.get("page"))
            .and_then(|p| p.parse::<i64>().ok())
    };
    let list = Resource::new_blocking(page, load_notifications);
    let body = move || {
        Suspend::new(async move {
            match list.await {
                Ok(view) => Either::Left(view! { <NotificationList view mark mark_all /> }),
                Err(err) => Either::Right(view! {
                    <p class="message error" role="alert">{err.message(locale)}</p>
                }),
            }
        })
    };
    view! {
        <h1>{td_string!(locale, notifications_title)}</h1>
        <ErrorMessage
            path={<MarkNotificationRead as ServerFn>::PATH}
        />
        <ErrorMessage
            path={<MarkAllNotificationsRead as ServerFn>::PATH}
        />
        <Suspense>{body}</Suspense>
    }
}

#[component]
fn NotificationList(
    view: NotificationsView,
    mark: ServerAction<MarkNotificationRead>,
    mark_all: ServerAction<MarkAllNotificationsRead>,
) -> impl IntoView {
    let locale = use_locale();
    if view.notifications.is_empty() {
        return Either::Left(view! {
            <p>{td_string!(locale, notifications_empty)}</p>
        });
    }
    let summary = if view.unread == 0 {
        td_string!(locale, notifications_none_unread).to_string()
    } else {
        td_string!(locale, notifications_unread_summary, count = view.unread).to_string()
    };
    let mark_all_form = (view.unread > 0).then(|| {
        view! {
            <Form action=mark_all class="inline-form">
                <button type="submit" class="secondary">
                    {td_string!(locale, notifications_mark_all)}
                </button>
            </Form>
        }
    });
    let items = view
        .notifications
        .into_iter()
        .map(|notification| view! { <NotificationItem notification mark /> })
        .collect_view();
    Either::Right(view! {
        <p>{summary}</p>
        {mark_all_form}
        <ol class="notification-list">{items}</ol>
        <Pages page=view.page pages=view.pages />
    })
}

/// What happened, before the thread's title: "Lars Krogh nævnte dig i".
fn what_happened(locale: Locale, kind: NotificationKind, actor: Option<&str>) -> String {
    match (kind, actor) {
        (NotificationKind::Mention, Some(actor)) => {
            td_string!(locale, notification_mention, actor = actor).to_string()
        }
        (NotificationKind::Mention, None) => {
            td_string!(locale, notification_mention_anonymous).to_string()
        }
        (NotificationKind::Reply, Some(actor)) => {
            td_string!(locale, notification_reply, actor = actor).to_string()
        }
        (NotificationKind::Reply, None) => {
            td_string!(locale, notification_reply_anonymous).to_string()
        }
    }
}

#[component]
fn NotificationItem(
    notification: NotificationView,
    mark: ServerAction<MarkNotificationRead>,
) -> impl IntoView {
    let locale = use_locale();
    let id = notification.id;
    let post = notification.post_id;
    let href = format!(
        "/threads/{}?post={post}#post-{post}",
        notification.thread_id
    );
    let what = what_happened(locale, notification.kind, notification.actor.as_deref());
    let unread = !notification.read;
    // The button names its thread, so that screen-reader users can tell them apart.
    let mark_label = td_string!(
        locale,
        notification_mark_read_label,
        title = notification.thread_title.as_str()
    )
    .to_string();
    let mark_form = unread.then(|| {
        view! {
            <Form action=mark class="inline-form">
                <input type="hidden" name="id" value=id />
                <button type="submit" class="secondary" aria-label=mark_label>
                    {td_string!(locale, notification_mark_read)}
                </button>
            </Form>
        }
    });
    view! {
        <li class="notification" class:unread=unread>
            <p>
                {unread
                    .then(|| {
                        view! {
                            <span class="badge">{td_string!(locale, notification_unread)}</span>
                            " "
                        }
                    })}
                {what}
                " "
                <a href=href>{notification.thread_title}</a>
            </p>
            <p class="muted">{notification.time}</p>
            {mark_form}
        </li>
    }
}

/// Links to the previous and next page, when there is more than one.
#[component]
fn Pages(page: i64, pages: i64) -> impl IntoView {
    let locale = use_locale();
    (pages > 1).then(|| {
        let previous = (page > 1).then(|| {
            view! {
                <a href=format!("/notifications?page={}", page - 1) rel="prev">
                    {td_string!(locale, notifications_previous)}
                </a>
            }
        });
        let next = (page < pages).then(|| {
            view! {
                <a href=format!("/notifications?page={}", page + 1) rel="next">
                    {td_string!(locale, notifications_next)}
                </a>
            }
        });
        view! {
            <nav class="pager" aria-label=td_string!(locale, notifications_pages_label)>
                {previous}
                " "
                <span>{td_string!(locale, notifications_page_of, page = page, pages = pages)}</span>
                " "
                {next}
            </nav>
        }
    })
}
