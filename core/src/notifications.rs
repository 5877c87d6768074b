//! The in-app notification centre: mentions, replies in watched threads, and new
//! documents and versions in watched places of a library (`library::watching`). What a
//! notification points at is checked against the access policy every time it is listed
//! or counted, so a post or document whose label was raised, a thread moved away, a
//! document removed or a membership ended takes its notifications with it. In a Chatham
//! House thread the actor is shown only to the group's moderators.
//!
//! [`Hub`] carries "something new for user N" from the writer to the live streams
//! (server-sent events); the stream then asks [`unread_count`] with that user's viewer,
//! so nothing but a count ever travels and the count passes the policy.

use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, UserId};
use crate::policy::{
    GroupContentSql, IncidentSql, Viewer, push_group_content_visible, push_incident_visible,
    sees_chatham_house_authors,
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
const DOCUMENTS: GroupContentSql =
    GroupContentSql::new("d", "document_recipient_orgs", "document_recipient_users");
const VERSIONS: GroupContentSql =
    GroupContentSql::new("v", "version_recipient_orgs", "version_recipient_users");
const INCIDENTS: IncidentSql = IncidentSql::new("i", "incident_named");

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
    /// Named in a post.
    Mention,
    /// A reply in a watched thread.
    Reply,
    /// A new document in a watched place of a library (added there, or moved there).
    NewDocument,
    /// A new version of a document in a watched place of a library.
    NewVersion,
    /// A NIS2 or GDPR deadline of a significant incident is 6 hours away, or here.
    Deadline,
}

impl Kind {
    /// The stored form (`notifications.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mention => "mention",
            Self::Reply => "reply",
            Self::NewDocument => "new_document",
            Self::NewVersion => "new_version",
            Self::Deadline => "deadline",
        }
    }

    fn from_stored(s: &str) -> CoreResult<Self> {
        [
            Self::Mention,
            Self::Reply,
            Self::NewDocument,
            Self::NewVersion,
            Self::Deadline,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| CoreError::Internal(format!("unknown notification kind {s:?}")))
    }
}

/// What a notification points at, as the viewer may see it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum About {
    /// A post in a thread (mentions and replies).
    Post {
        thread_id: i64,
        thread_title: String,
        post_id: i64,
    },
    /// A document of a library (new documents and versions).
    Document {
        document_id: i64,
        /// Its title now.
        title: String,
        group_name: String,
        /// The folder it is in now; `None` at the top of the library.
        folder: Option<String>,
        /// The new version's number (`NewVersion` only).
        version: Option<i64>,
    },
    /// A report a significant incident owes (deadline notifications).
    Deadline {
        incident_id: i64,
        /// The incident's title now.
        title: String,
        /// Stored form (`early_warning`, …).
        report: String,
        due_at: i64,
    },
}

/// A notification as the centre lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: Kind,
    pub about: About,
    /// Who wrote the post or added the document; `None` in a Chatham House thread ("a
    /// participant").
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

/// Pushes `from notifications n … where` with the policy on what each kind points at: a
/// mention or reply's post and its thread; a document kind's document (not removed, its
/// group not archived) and, for a new version, that version by its own label too.
fn push_visible(qb: &mut QueryBuilder<'_, Sqlite>, viewer: &Viewer, user: UserId) {
    qb.push(
        " from notifications n left join forum_posts p on p.id = n.post_id \
         left join forum_threads t on t.id = n.thread_id \
         left join documents d on d.id = n.document_id \
         left join user_groups g on g.id = d.group_id \
         left join document_versions v on v.id = n.version_id \
         left join library_folders f on f.id = d.folder_id \
         left join incidents i on i.id = n.incident_id \
         where n.user_id = ",
    );
    qb.push_bind(user).push(" and ((n.kind in (");
    qb.push_bind(Kind::Mention.as_str())
        .push(", ")
        .push_bind(Kind::Reply.as_str());
    qb.push(
        ") and p.id is not null and t.id is not null \
         and p.deleted_at is null and p.removed_at is null and ",
    );
    push_group_content_visible(qb, viewer, &THREADS);
    qb.push(" and ");
    push_group_content_visible(qb, viewer, &POSTS);
    qb.push(") or (n.kind in (");
    qb.push_bind(Kind::NewDocument.as_str())
        .push(", ")
        .push_bind(Kind::NewVersion.as_str());
    qb.push(
        ") and d.id is not null and d.removed_at is null \
         and g.id is not null and g.archived_at is null and ",
    );
    push_group_content_visible(qb, viewer, &DOCUMENTS);
    qb.push(" and (n.version_id is null or (v.id is not null and ");
    push_group_content_visible(qb, viewer, &VERSIONS);
    qb.push("))) or (n.kind = ");
    qb.push_bind(Kind::Deadline.as_str())
        .push(" and i.id is not null and ");
    push_incident_visible(qb, viewer, &INCIDENTS);
    qb.push("))");
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
        thread_id: Option<i64>,
        thread_title: Option<String>,
        post_id: Option<i64>,
        chatham_house: Option<bool>,
        thread_group: Option<GroupId>,
        document_id: Option<i64>,
        document_title: Option<String>,
        group_name: Option<String>,
        folder: Option<String>,
        version: Option<i64>,
        incident_id: Option<i64>,
        incident_title: Option<String>,
        report: Option<String>,
        due_at: Option<i64>,
        actor: String,
        created_at: i64,
        read_at: Option<i64>,
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select n.id, n.kind, n.thread_id, t.title as thread_title, n.post_id, \
         t.chatham_house, t.group_id as thread_group, n.document_id, \
         d.title as document_title, g.name as group_name, f.name as folder, v.version, \
         n.incident_id, i.title as incident_title, n.report, n.due_at, \
         (select a.name from users a where a.id = n.actor_id) as actor, \
         n.created_at, n.read_at",
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
            let kind = Kind::from_stored(&r.kind)?;
            let missing = || CoreError::Internal(format!("notification {} lacks its ids", r.id));
            let (about, sees_actor) = match kind {
                Kind::Mention | Kind::Reply => {
                    let group = r.thread_group.ok_or_else(missing)?;
                    let sees_actor = !r.chatham_house.unwrap_or(false)
                        || sees_chatham_house_authors(viewer, group);
                    let about = About::Post {
                        thread_id: r.thread_id.ok_or_else(missing)?,
                        thread_title: r.thread_title.clone().ok_or_else(missing)?,
                        post_id: r.post_id.ok_or_else(missing)?,
                    };
                    (about, sees_actor)
                }
                Kind::NewDocument | Kind::NewVersion => {
                    // The uploader is named beside every document and version it added.
                    let about = About::Document {
                        document_id: r.document_id.ok_or_else(missing)?,
                        title: r.document_title.clone().ok_or_else(missing)?,
                        group_name: r.group_name.clone().ok_or_else(missing)?,
                        folder: r.folder.clone(),
                        version: r.version,
                    };
                    (about, true)
                }
                Kind::Deadline => {
                    // The platform reminds; there is no one to name.
                    let about = About::Deadline {
                        incident_id: r.incident_id.ok_or_else(missing)?,
                        title: r.incident_title.clone().ok_or_else(missing)?,
                        report: r.report.clone().ok_or_else(missing)?,
                        due_at: r.due_at.ok_or_else(missing)?,
                    };
                    (about, false)
                }
            };
            Ok(Notification {
                id: r.id,
                kind,
                about,
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

/// Marks the viewer's notifications about document `id` read, as opening the document
/// does. Answers whether any were unread (open bells then recount).
pub async fn mark_document_read(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<bool> {
    let Some(user) = viewer.user_id else {
        return Ok(false);
    };
    let done = sqlx::query(
        "update notifications set read_at = $1 where user_id = $2 and document_id = $3 \
         and read_at is null",
    )
    .bind(crate::clock::now())
    .bind(user)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
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

#[cfg(test)]
mod tests {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use std::path::Path;

    /// The version of the migration that generalised the table.
    const GENERALISED: i64 = 15;

    /// A database in `dir` migrated up to, not including, [`GENERALISED`].
    async fn before_generalising(dir: &Path) -> crate::db::Db {
        let earlier = dir.join("earlier-migrations");
        std::fs::create_dir(&earlier).expect("dir");
        let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
        for entry in std::fs::read_dir(all).expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).expect("name");
            let version: i64 = name[..4].parse().expect("numbered");
            if version < GENERALISED {
                std::fs::copy(&path, earlier.join(name)).expect("copy");
            }
        }
        let db = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(dir.join("vaern.db"))
                    .create_if_missing(true)
                    .foreign_keys(true),
            )
            .await
            .expect("db");
        sqlx::migrate::Migrator::new(earlier.as_path())
            .await
            .expect("migrator")
            .run(&db)
            .await
            .expect("earlier migrations");
        db
    }

    #[tokio::test]
    async fn mentions_and_replies_stored_before_the_migration_survive_it_unchanged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let old = before_generalising(dir.path()).await;
        for sql in [
            "insert into organisations (id, code, name, kind, created_at) \
             values (1, 'x1', 'Testkommune', 'municipality', 0)",
            "insert into users (id, org_id, email, name, platform_role, status, created_at, \
             updated_at) values (1, 1, 'a@x.dk', 'Anne', 'member', 'active', 0, 0), \
             (2, 1, 'b@x.dk', 'Bo', 'member', 'active', 0, 0)",
            "insert into user_groups (id, slug, name, default_tlp, created_at) \
             values (1, 'g', 'G', 'amber', 0)",
            "insert into forum_threads (id, group_id, title, tlp, author_id, created_at) \
             values (1, 1, 'Tråd', 'amber', 1, 0)",
            "insert into forum_posts (id, thread_id, group_id, author_id, tlp, body_source, \
             body_html, created_at) values (1, 1, 1, 1, 'amber', 'Hej', '<p>Hej</p>', 0), \
             (2, 1, 1, 1, 'amber', 'Svar', '<p>Svar</p>', 5)",
            "insert into notifications (id, user_id, kind, thread_id, post_id, actor_id, \
             created_at, read_at) values (7, 2, 'mention', 1, 1, 1, 3, 4), \
             (9, 2, 'reply', 1, 2, 1, 6, null)",
        ] {
            sqlx::query(sql).execute(&old).await.expect(sql);
        }
        old.close().await;

        let db = crate::db::open(dir.path()).await.expect("migrated");
        type Row = (
            i64,
            i64,
            String,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
            i64,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "select id, user_id, kind, thread_id, post_id, document_id, actor_id, created_at, \
             read_at from notifications order by id",
        )
        .fetch_all(&db)
        .await
        .expect("rows");
        assert_eq!(
            rows,
            [
                (
                    7,
                    2,
                    "mention".into(),
                    Some(1),
                    Some(1),
                    None,
                    1,
                    3,
                    Some(4)
                ),
                (9, 2, "reply".into(), Some(1), Some(2), None, 1, 6, None),
            ]
        );
        let indexed: i64 = sqlx::query_scalar(
            "select count(*) from sqlite_master where type = 'index' \
             and name = 'notifications_user' and tbl_name = 'notifications'",
        )
        .fetch_one(&db)
        .await
        .expect("index");
        assert_eq!(indexed, 1, "the index is made again on the new table");
        // A new row takes the next id, not one of the copied ones.
        let next: i64 = sqlx::query_scalar(
            "insert into notifications (user_id, kind, thread_id, post_id, actor_id, created_at) \
             values (2, 'reply', 1, 2, 1, 7) returning id",
        )
        .fetch_one(&db)
        .await
        .expect("insert");
        assert_eq!(next, 10);
    }

    #[tokio::test]
    async fn each_kind_must_name_what_it_is_about_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        for sql in [
            "insert into users (id, org_id, email, name, platform_role, status, created_at, \
             updated_at) values (1, (select min(id) from organisations), 'a@x.dk', 'Anne', \
             'member', 'active', 0, 0)",
            "insert into user_groups (id, slug, name, default_tlp, created_at) \
             values (1, 'g', 'G', 'amber', 0)",
            "insert into forum_threads (id, group_id, title, tlp, author_id, created_at) \
             values (1, 1, 'Tråd', 'amber', 1, 0)",
            "insert into forum_posts (id, thread_id, group_id, author_id, tlp, body_source, \
             body_html, created_at) values (1, 1, 1, 1, 'amber', 'Hej', '<p>Hej</p>', 0)",
            "insert into documents (id, group_id, title, tlp, author_id, created_at, \
             updated_at) values (1, 1, 'Plan', 'amber', 1, 0, 0)",
        ] {
            sqlx::query(sql).execute(&db).await.expect(sql);
        }
        sqlx::query("insert into blobs (sha256, size, created_at) values ($1, 1, 0)")
            .bind("a".repeat(64))
            .execute(&db)
            .await
            .expect("blob");
        sqlx::query(
            "insert into document_versions (id, document_id, version, group_id, tlp, author_id, \
             sha256, size, media_type, file_name, created_at) \
             values (1, 1, 1, 1, 'amber', 1, $1, 1, 'text/plain', 'plan.txt', 0)",
        )
        .bind("a".repeat(64))
        .execute(&db)
        .await
        .expect("version");
        let insert = |kind: &'static str, ids: [Option<i64>; 4]| {
            let db = db.clone();
            async move {
                sqlx::query(
                    "insert into notifications (user_id, kind, thread_id, post_id, document_id, \
                     version_id, actor_id, created_at) values (1, $1, $2, $3, $4, $5, 1, 0)",
                )
                .bind(kind)
                .bind(ids[0])
                .bind(ids[1])
                .bind(ids[2])
                .bind(ids[3])
                .execute(&db)
                .await
                .is_ok()
            }
        };
        let (t, p, d, v) = (Some(1), Some(1), Some(1), Some(1));
        assert!(insert("mention", [t, p, None, None]).await);
        assert!(insert("reply", [t, p, None, None]).await);
        assert!(insert("new_document", [None, None, d, None]).await);
        assert!(insert("new_version", [None, None, d, v]).await);
        assert!(!insert("mention", [t, None, None, None]).await);
        assert!(!insert("reply", [t, p, d, None]).await);
        assert!(!insert("new_document", [None, None, None, None]).await);
        assert!(!insert("new_document", [t, p, d, None]).await);
        assert!(!insert("new_version", [None, None, d, None]).await);
        assert!(!insert("watched", [None, None, d, None]).await);
    }
}
