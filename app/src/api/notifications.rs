//! The notification centre: a page of the signed-in person's notifications, marking one
//! or all of them read; and watching a library's folders (or a whole library), whose new
//! documents and versions become notifications. What each one points at passes the
//! access policy in `vaern_core::notifications` and `vaern_core::library::watching`;
//! these functions only map it for the pages.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What happened (mirrors `vaern_core::notifications::Kind`, which the browser build
/// cannot depend on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationKind {
    Mention,
    Reply,
    NewDocument,
    NewVersion,
    /// A reporting deadline of a significant incident is near, or here.
    Deadline,
}

/// What a notification points at (mirrors `vaern_core::notifications::About`). Its
/// fields sit beside the notification's own in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AboutView {
    Post {
        thread_id: i64,
        thread_title: String,
        post_id: i64,
    },
    Document {
        document_id: i64,
        document_title: String,
        group_name: String,
        /// The folder it is in now; `None` at the top of the library.
        folder: Option<String>,
        version: Option<i64>,
    },
    Deadline {
        incident_id: i64,
        incident_title: String,
        /// The report, in the reader's language.
        report_name: String,
        /// Its deadline, in the reader's language.
        due: String,
    },
}

impl AboutView {
    /// Where the notification leads.
    pub fn href(&self) -> String {
        match self {
            Self::Post {
                thread_id, post_id, ..
            } => format!("/threads/{thread_id}?post={post_id}#post-{post_id}"),
            Self::Document { document_id, .. } => format!("/documents/{document_id}"),
            Self::Deadline { incident_id, .. } => format!("/incidents/{incident_id}"),
        }
    }

    /// The thread's or the document's title.
    pub fn title(&self) -> &str {
        match self {
            Self::Post { thread_title, .. } => thread_title,
            Self::Document { document_title, .. } => document_title,
            Self::Deadline { incident_title, .. } => incident_title,
        }
    }
}

/// One notification, with its time already written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub kind: NotificationKind,
    #[serde(flatten)]
    pub about: AboutView,
    /// Who wrote the post or added the document; `None` in a Chatham House thread ("a
    /// participant").
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
    use vaern_core::notifications::{self, About, Kind};

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
                    Kind::NewDocument => NotificationKind::NewDocument,
                    Kind::NewVersion => NotificationKind::NewVersion,
                    Kind::Deadline => NotificationKind::Deadline,
                },
                about: match n.about {
                    About::Post {
                        thread_id,
                        thread_title,
                        post_id,
                    } => AboutView::Post {
                        thread_id,
                        thread_title,
                        post_id,
                    },
                    About::Document {
                        document_id,
                        title,
                        group_name,
                        folder,
                        version,
                    } => AboutView::Document {
                        document_id,
                        document_title: title,
                        group_name,
                        folder,
                        version,
                    },
                    About::Deadline {
                        incident_id,
                        title,
                        report,
                        due_at,
                    } => AboutView::Deadline {
                        incident_id,
                        incident_title: title,
                        report_name: vaern_core::incidents::deadlines::Report::parse(&report)
                            .map_or(report, |r| {
                                crate::api::incidents::server::report_name(locale, r)
                            }),
                        due: format_time(due_at, locale),
                    },
                },
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

/// Whether the reader is told of what happens in the library place shown (mirrors
/// `vaern_core::library::watching::Watch`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WatchView {
    #[default]
    No,
    /// Watches this place (and every folder inside it).
    Here,
    /// Told through a watched folder above, (id, name); `None`: the whole library.
    Above(Option<(i64, String)>),
}

/// A place the reader watches, for the list in the notification centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchedView {
    pub slug: String,
    pub group_name: String,
    /// `None`: the whole library.
    pub folder_id: Option<i64>,
    /// The folder's place ("Politikker / 2026"); empty for the whole library.
    pub path: String,
}

/// The reader's watch of `folder` in group `slug`'s library (the top when `None`).
#[cfg(feature = "ssr")]
pub async fn watch_view(
    backend: &crate::request::Backend,
    viewer: &vaern_core::policy::Viewer,
    slug: &str,
    folder: Option<i64>,
) -> Result<WatchView, AppError> {
    use vaern_core::library::watching::{Watch, watch_state};
    Ok(
        match watch_state(&backend.db, viewer, slug, folder).await? {
            Watch::No => WatchView::No,
            Watch::Here => WatchView::Here,
            Watch::Above(above) => WatchView::Above(above.map(|f| (f.id, f.name))),
        },
    )
}

/// Starts (`watch=on`) or ends (`off`) watching a folder of group `slug`'s library, or
/// the whole library when `folder_id` is empty, for the signed-in member. Whoever does
/// not read in the group, or names a folder of another group, is told it is not found.
/// Answers whether the person now watches it.
#[server(prefix = "/rpc", endpoint = "watch_folder")]
pub async fn watch_folder(
    slug: String,
    folder_id: Option<String>,
    watch: String,
) -> Result<bool, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let on = match watch.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("watch", "unknown")),
    };
    let folder = match folder_id
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        None => None,
        Some(id) => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::invalid("folder_id", "unknown"))?,
        ),
    };
    vaern_core::library::watching::set_watching(&backend.db, &viewer, &slug, folder, on).await?;
    Ok(on)
}

/// Every place of a library the signed-in person watches, in the groups they read in.
#[server(prefix = "/rpc", endpoint = "watched_folders")]
pub async fn watched_folders() -> Result<Vec<WatchedView>, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let places = vaern_core::library::watching::watched(&backend.db, &viewer).await?;
    Ok(places
        .into_iter()
        .map(|w| WatchedView {
            slug: w.slug,
            group_name: w.group_name,
            folder_id: w.folder_id,
            path: w
                .path
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(" / "),
        })
        .collect())
}

// JSON is read with serde_json, which the app has only with a feature (`ssr` here).
#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn notification(about: AboutView) -> NotificationView {
        NotificationView {
            id: 7,
            kind: NotificationKind::NewVersion,
            about,
            actor: Some("Anne Holm".into()),
            time: "i går".into(),
            read: false,
        }
    }

    #[test]
    fn what_a_notification_is_about_sits_beside_its_fields_and_reads_back() {
        for about in [
            AboutView::Post {
                thread_id: 1,
                thread_title: "Tråd".into(),
                post_id: 2,
            },
            AboutView::Document {
                document_id: 3,
                document_title: "Plan".into(),
                group_name: "Referencegruppen".into(),
                folder: None,
                version: Some(2),
            },
        ] {
            let view = notification(about);
            let json = serde_json::to_value(&view).expect("json");
            assert_eq!(json["id"], 7);
            assert!(json.get("about").is_none(), "{json}");
            let back: NotificationView = serde_json::from_value(json).expect("read back");
            assert_eq!(back, view);
        }
    }

    #[test]
    fn a_notification_leads_to_its_post_or_its_document() {
        let post = AboutView::Post {
            thread_id: 1,
            thread_title: "Tråd".into(),
            post_id: 2,
        };
        assert_eq!(post.href(), "/threads/1?post=2#post-2");
        let document = AboutView::Document {
            document_id: 3,
            document_title: "Plan".into(),
            group_name: "G".into(),
            folder: Some("Politikker".into()),
            version: None,
        };
        assert_eq!(document.href(), "/documents/3");
        assert_eq!(document.title(), "Plan");
    }
}
