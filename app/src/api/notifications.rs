//! The notification centre: a page of the signed-in person's notifications, marking one
//! or all of them read. What each one points at passes the access policy in
//! `vaern_core::notifications`; these functions only map it for the page.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What happened (mirrors `vaern_core::notifications::Kind`, which the browser build
/// cannot depend on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationKind {
    Mention,
    Reply,
}

/// One notification, with its time already written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub kind: NotificationKind,
    pub thread_id: i64,
    pub thread_title: String,
    pub post_id: i64,
    /// Who wrote the post; `None` in a Chatham House thread ("a participant").
    pub actor: Option<String>,
    pub time: String,
    pub read: bool,
}

/// One page of the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsView {
    pub notifications: Vec<NotificationView>,
    pub page: i64,
    pub pages: i64,
    pub unread: i64,
}

/// A page of the signed-in person's notifications, newest first (page 1 when `None`).
#[server(prefix = "/rpc", endpoint = "load_notifications")]
pub async fn load_notifications(page: Option<i64>) -> Result<NotificationsView, AppError> {
    use crate::format::format_time;
    use crate::request;
    use vaern_core::notifications::{self, Kind};

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let listed = notifications::list(&backend.db, &viewer, page.unwrap_or(1)).await?;
    Ok(NotificationsView {
        notifications: listed
            .notifications
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                kind: match n.kind {
                    Kind::Mention => NotificationKind::Mention,
                    Kind::Reply => NotificationKind::Reply,
                },
                thread_id: n.thread_id,
                thread_title: n.thread_title,
                post_id: n.post_id,
                actor: n.actor,
                time: format_time(n.created_at, locale),
                read: n.read,
            })
            .collect(),
        page: listed.page,
        pages: listed.pages,
        unread: listed.unread,
    })
}

/// Marks one of the person's notifications read; someone else's is not found. Answers
/// the unread count afterwards, for the bell.
#[server(prefix = "/rpc", endpoint = "mark_notification_read")]
pub async fn mark_notification_read(id: i64) -> Result<i64, AppError> {
    use crate::request;
    use vaern_core::notifications;

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    notifications::mark_read(&backend.db, &viewer, id).await?;
    // The person's other open pages recount too.
    backend.hub.publish(viewer.user_id.as_slice());
    Ok(notifications::unread_count(&backend.db, &viewer).await?)
}

/// Marks all of the person's notifications read. Answers the unread count afterwards.
#[server(prefix = "/rpc", endpoint = "mark_all_notifications_read")]
pub async fn mark_all_notifications_read() -> Result<i64, AppError> {
    use crate::request;
    use vaern_core::notifications;

    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    notifications::mark_all_read(&backend.db, &viewer).await?;
    backend.hub.publish(viewer.user_id.as_slice());
    Ok(notifications::unread_count(&backend.db, &viewer).await?)
}
