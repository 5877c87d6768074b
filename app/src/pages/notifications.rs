//! `/notifications`: the signed-in person's mentions, replies and new documents and
//! versions in watched folders, newest first, with marking one or all read and paging
//! (`?page=N`); then the places of libraries the person watches, each with a button to
//! stop. Each change reloads the page, so the bell in the header starts from the new
//! count.

use crate::api::library::folder_href;
use crate::api::notifications::{
    AboutView, MarkAllNotificationsRead, MarkNotificationRead, NotificationKind, NotificationView,
    NotificationsView, WatchFolder, WatchedView, load_notifications, watched_folders,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::signed_in::signed_in_view;
use crate::components::watch::WatchDone;
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
        <WatchedPlaces />
    }
}

/// The places of libraries the person watches, each with a button to stop.
#[component]
fn WatchedPlaces() -> impl IntoView {
    let locale = use_locale();
    let places = Resource::new_blocking(|| (), |_| watched_folders());
    let body = move || {
        Suspend::new(async move {
            match places.await {
                Ok(places) if places.is_empty() => Either::Left(view! {
                    <p>{td_string!(locale, notifications_watched_none)}</p>
                }),
                Ok(places) => {
                    let items = places
                        .into_iter()
                        .map(|place| view! { <WatchedPlace place /> })
                        .collect_view();
                    Either::Right(Either::Left(view! {
                        <p>{td_string!(locale, notifications_watched_intro)}</p>
                        <ul class="watched-places">{items}</ul>
                    }))
                }
                Err(err) => Either::Right(Either::Right(view! {
                    <p class="message error" role="alert">{err.message(locale)}</p>
                })),
            }
        })
    };
    view! {
        <section aria-labelledby="watched-title">
            <h2 id="watched-title">{td_string!(locale, notifications_watched_title)}</h2>
            <WatchDone />
            <ErrorMessage path={<WatchFolder as ServerFn>::PATH} />
            <Suspense>{body}</Suspense>
        </section>
    }
}

#[component]
fn WatchedPlace(place: WatchedView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<WatchFolder>::new();
    let where_ = if place.path.is_empty() {
        td_string!(locale, notifications_watched_library).to_string()
    } else {
        place.path.clone()
    };
    let name = td_string!(
        locale,
        notifications_watched_place,
        group = place.group_name.as_str(),
        place = where_.as_str()
    )
    .to_string();
    // The button names its place, so that screen-reader users can tell them apart.
    let label = td_string!(locale, notifications_unwatch_label, place = name.as_str()).to_string();
    let href = folder_href(&place.slug, place.folder_id);
    let folder = place.folder_id.map(|f| f.to_string()).unwrap_or_default();
    view! {
        <li>
            <a href=href>{name}</a>
            " "
            <Form action class="inline-form">
                <input type="hidden" name="slug" value=place.slug />
                <input type="hidden" name="folder_id" value=folder />
                <input type="hidden" name="watch" value="off" />
                <button type="submit" class="secondary" aria-label=label>
                    {td_string!(locale, library_watch_stop)}
                </button>
            </Form>
        </li>
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

/// What happened, before the title of what it is about: "Lars Krogh nævnte dig i",
/// "Anne Holm lagde en ny fil i Politikker:".
fn what_happened(
    locale: Locale,
    kind: NotificationKind,
    about: &AboutView,
    actor: Option<&str>,
) -> String {
    if let AboutView::Document {
        group_name,
        folder,
        version,
        ..
    } = about
    {
        // The one who added a document or version is always named (never Chatham House).
        let actor = actor.unwrap_or_default();
        return match (kind, folder, version) {
            (NotificationKind::NewVersion, _, Some(version)) => td_string!(
                locale,
                notifications_new_version,
                actor = actor,
                version = *version
            )
            .to_string(),
            (_, Some(folder), _) => td_string!(
                locale,
                notifications_new_document,
                actor = actor,
                folder = folder.as_str()
            )
            .to_string(),
            (_, None, _) => td_string!(
                locale,
                notifications_new_document_top,
                actor = actor,
                group = group_name.as_str()
            )
            .to_string(),
        };
    }
    if let AboutView::Deadline {
        report_name, due, ..
    } = about
    {
        return td_string!(
            locale,
            notification_deadline,
            report = report_name.as_str(),
            due = due.as_str()
        )
        .to_string();
    }
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
        // Documents are answered above; a post is only mentioned or replied to.
        (
            NotificationKind::NewDocument
            | NotificationKind::NewVersion
            | NotificationKind::Deadline,
            Some(actor),
        ) => actor.to_string(),
        (
            NotificationKind::NewDocument
            | NotificationKind::NewVersion
            | NotificationKind::Deadline,
            None,
        ) => String::new(),
    }
}

#[component]
fn NotificationItem(
    notification: NotificationView,
    mark: ServerAction<MarkNotificationRead>,
) -> impl IntoView {
    let locale = use_locale();
    let id = notification.id;
    let href = notification.about.href();
    let what = what_happened(
        locale,
        notification.kind,
        &notification.about,
        notification.actor.as_deref(),
    );
    let unread = !notification.read;
    // The button names its thread, so that screen-reader users can tell them apart.
    let mark_label = td_string!(
        locale,
        notification_mark_read_label,
        title = notification.about.title()
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
                <a href=href>{notification.about.title().to_string()}</a>
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
