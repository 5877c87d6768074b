//! The in-app notification centre: mentions and replies in watched threads. What a
//! notification points at is checked against the access policy every time it is listed
//! or counted, so a post whose label was raised, a thread moved away or a membership
//! ended takes its notifications with it. In a Chatham House thread the actor is shown
//! only to the group's moderators.
//!
//! [`Hub`] carries "something new for user N" from the writer to the live streams
//! (server-sent events); the stream then asks [`unread_count`] with that user's viewer,
//! so nothing but a count ever travels and the count passes the policy.

use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, UserId};
use crate::policy::{
    GroupContentSql, Viewer, push_group_content_visible, sees_chatham_house_authors,
};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use tokio::sync::broadcast;

/// Notifications per page of the centre.
pub const PER_PAGE: i64 = 30;

const THREADS: GroupContentSql =
    GroupContentSql::new("t", "thread_recipient_orgs", "thread_recipient_users");
const POSTS: GroupContentSql =
    GroupContentSql::new("p", "post_recipient_orgs", "post_recipient_users");

/// Fan-out of "user N has something new" to every open live stream in this process.
#[derive(Debug, Clone)]
pub struct Hub {
    sender: broadcast::Sender<UserId>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        // A stream that falls this far behind is told to recount (see `Lagged`).
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }

    /// Tells the live streams that these people have something new.
    pub fn publish(&self, users: &[UserId]) {
        for user in users {
            // No open stream is not an error: the count is right on the next page load.
            let _ = self.sender.send(*user);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<UserId> {
        self.sender.subscribe()
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Mention,
    Reply,
}

/// A notification as the centre lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: Kind,
    pub thread_id: i64,
    pub thread_title: String,
    pub post_id: i64,
    /// Who wrote the post; `None` in a Chatham House thread ("a participant").
    pub actor: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

/// One page of notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub notifications: Vec<Notification>,
    pub page: i64,
    pub pages: i64,
    pub unread: i64,
}

/// Pushes `from notifications n … where` with the policy on the post and its thread.
fn push_visible(qb: &mut QueryBuilder<'_, Sqlite>, viewer: &Viewer, user: UserId) {
    qb.push(
        " from notifications n join forum_posts p on p.id = n.post_id \
         join forum_threads t on t.id = n.thread_id \
         where p.deleted_at is null and p.removed_at is null and n.user_id = ",
    );
    qb.push_bind(user).push(" and ");
    push_group_content_visible(qb, viewer, &THREADS);
    qb.push(" and ");
    push_group_content_visible(qb, viewer, &POSTS);
}

/// The viewer's unread notifications that still point at something they may see.
pub async fn unread_count(db: &Db, viewer: &Viewer) -> CoreResult<i64> {
    let Some(user) = viewer.user_id else {
        return Ok(0);
    };
    let mut qb = QueryBuilder::<Sqlite>::new("select count(*)");
    push_visible(&mut qb, viewer, user);
    qb.push(" and n.read_at is null");
    Ok(qb.build_query_scalar().fetch_one(db).await?)
}

/// A page of the viewer's notifications, newest first.
pub async fn list(db: &Db, viewer: &Viewer, page: i64) -> CoreResult<Page> {
    let user = viewer.user_id.ok_or(CoreError::NotFound)?;
    let mut count = QueryBuilder::<Sqlite>::new("select count(*)");
    push_visible(&mut count, viewer, user);
    let total: i64 = count.build_query_scalar().fetch_one(db).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = page.clamp(1, pages);

    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        kind: String,
        thread_id: i64,
        title: String,
        post_id: i64,
        actor: String,
        chatham_house: bool,
        group_id: GroupId,
        created_at: i64,
        read_at: Option<i64>,
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select n.id, n.kind, n.thread_id, t.title, n.post_id, \
         (select a.name from users a where a.id = n.actor_id) as actor, \
         t.chatham_house, t.group_id, n.created_at, n.read_at",
    );
    push_visible(&mut qb, viewer, user);
    qb.push(" order by n.id desc limit ")
        .push_bind(PER_PAGE)
        .push(" offset ")
        .push_bind((page - 1) * PER_PAGE);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    let notifications = rows
        .into_iter()
        .map(|r| {
            let sees_actor = !r.chatham_house || sees_chatham_house_authors(viewer, r.group_id);
            Ok(Notification {
                id: r.id,
                kind: match r.kind.as_str() {
                    "mention" => Kind::Mention,
                    "reply" => Kind::Reply,
                    other => {
                        return Err(CoreError::Internal(format!(
                            "unknown notification kind {other:?}"
                        )));
                    }
                },
                thread_id: r.thread_id,
                thread_title: r.title,
                post_id: r.post_id,
                actor: sees_actor.then_some(r.actor),
                created_at: r.created_at,
                read: r.read_at.is_some(),
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    Ok(Page {
        notifications,
        page,
        pages,
        unread: unread_count(db, viewer).await?,
    })
}

/// Marks one of the viewer's notifications read; someone else's is `NotFound`.
pub async fn mark_read(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<()> {
    let user = viewer.user_id.ok_or(CoreError::NotFound)?;
    let done = sqlx::query(
        "update notifications set read_at = coalesce(read_at, $1) where id = $2 and user_id = $3",
    )
    .bind(crate::clock::now())
    .bind(id)
    .bind(user)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

/// Marks all of the viewer's notifications read.
pub async fn mark_all_read(db: &Db, viewer: &Viewer) -> CoreResult<()> {
    let user = viewer.user_id.ok_or(CoreError::NotFound)?;
    sqlx::query("update notifications set read_at = $1 where user_id = $2 and read_at is null")
        .bind(crate::clock::now())
        .bind(user)
        .execute(db)
        .await?;
    Ok(())
}
