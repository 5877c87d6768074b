//! Group forums: threads of Markdown posts, each labelled with TLP 2.0 and read through
//! the access policy. A post is shown to those who may see both it and its thread, so a
//! reply can narrow a thread's audience but never widen it.
//!
//! Reading lives here (the thread list, a thread page, a post's revisions); writing in
//! [`writing`], moderation in [`moderation`]. Every count, date and marker a viewer gets
//! is computed over the posts that viewer may see, so that a hidden reply does not even
//! move a thread up the list.

pub mod links;
pub mod moderation;
pub mod rendering;
pub mod writing;

#[cfg(test)]
mod move_property;
#[cfg(test)]
mod tests;

use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{
    GroupContentSql, GroupItem, Tlp, Viewer, can_moderate, can_post_in, can_read_in,
    can_see_earlier_version, can_see_group_item, push_group_content_visible,
    sees_chatham_house_authors,
};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;

pub use crate::group_content::Audience;
pub(crate) use crate::group_content::Labelled;

/// Threads per page of a forum.
pub const THREADS_PER_PAGE: i64 = 25;
/// Posts per page of a thread.
pub const POSTS_PER_PAGE: i64 = 50;
/// Longest thread title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

pub(crate) const THREADS: GroupContentSql =
    GroupContentSql::new("t", "thread_recipient_orgs", "thread_recipient_users");
const POSTS: GroupContentSql =
    GroupContentSql::new("p", "post_recipient_orgs", "post_recipient_users");
/// The post a post quotes, in the same query.
const QUOTED: GroupContentSql =
    GroupContentSql::new("q", "post_recipient_orgs", "post_recipient_users");

/// Who wrote something, as the viewer may know it. `None` in a Chatham House thread for
/// everyone but the author and the group's moderators: "a participant".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    pub org_name: String,
}

/// The audience of an AMBER+STRICT or RED item, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipients {
    pub orgs: Vec<String>,
    pub users: Vec<String>,
    /// RED people were named but are not shown (`users` is empty): in a Chatham House
    /// thread, to whoever may not know its authors.
    pub participants_only: bool,
}

impl Recipients {
    /// The list as a reader of a thread may see it. In a Chatham House thread, a RED
    /// list names everyone who may read the item but its author, so (with the members
    /// the composer offers, or another item's list) it names the author and the replier
    /// by elimination: there only moderators and owners see the names, and everyone else
    /// learns that named participants alone read it, without names or a count.
    /// Organisations of AMBER+STRICT stay listed: the reader needs them to keep the
    /// label, and a list of organisations names no person.
    fn seen_by_reader(mut self, names_withheld: bool) -> Self {
        if names_withheld && !self.users.is_empty() {
            self.users.clear();
            self.participants_only = true;
        }
        self
    }
}

/// The group a forum belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumGroup {
    pub id: GroupId,
    pub slug: String,
    pub name: String,
    pub default_tlp: Tlp,
}

/// A thread as the forum's list shows it to one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub id: i64,
    pub title: String,
    pub tlp: Tlp,
    pub author: Option<Author>,
    pub chatham_house: bool,
    pub pinned: bool,
    pub locked: bool,
    /// Replies the viewer may see.
    pub replies: i64,
    /// The newest post the viewer may see.
    pub last_activity: i64,
    /// A post the viewer may see is newer than their last visit (or they never opened it).
    pub unread: bool,
}

/// One page of a group's forum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadList {
    pub group: ForumGroup,
    pub threads: Vec<ThreadSummary>,
    pub page: i64,
    pub pages: i64,
    pub can_post: bool,
}

/// What became of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostState {
    Shown,
    /// Deleted by its author.
    Deleted,
    /// Removed by a moderator, with the reason given.
    Removed {
        reason: String,
    },
}

/// A post as a thread page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostView {
    pub id: i64,
    pub author: Option<Author>,
    /// The viewer wrote it (and may edit or delete it while the thread is open).
    pub mine: bool,
    pub tlp: Tlp,
    pub recipients: Recipients,
    /// The sanitised HTML; `None` unless [`PostState::Shown`].
    pub html: Option<String>,
    pub state: PostState,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// The post this one quotes, when the viewer may see it.
    pub quoted_post_id: Option<i64>,
}

/// A page of a thread for one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    pub id: i64,
    pub group: ForumGroup,
    pub title: String,
    pub tlp: Tlp,
    pub recipients: Recipients,
    pub chatham_house: bool,
    pub pinned: bool,
    pub locked: bool,
    /// The id of the opening post (its edit form also edits the title).
    pub opening_post_id: i64,
    pub posts: Vec<PostView>,
    pub page: i64,
    pub pages: i64,
    /// The first post on this page that is new since the viewer's last visit; none on a
    /// first visit (everything is new then).
    pub first_unread: Option<i64>,
    pub watching: bool,
    pub can_reply: bool,
    pub can_moderate: bool,
    /// This view moved the viewer's read marker (and so may have read notifications).
    pub marked_read: bool,
}

/// Which page of a thread to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagePick {
    Page(i64),
    /// The page holding this post (for links to a post).
    Post(i64),
}

/// Whether showing a page moves the reader's read marker: only when the person opened
/// the page themselves, never when another page's image, frame or script loaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMarker {
    Move,
    Keep,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ThreadRow {
    pub id: i64,
    pub group_id: GroupId,
    pub title: String,
    pub tlp: Tlp,
    pub author_id: UserId,
    pub chatham_house: bool,
    pub pinned_at: Option<i64>,
    pub locked_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PostRow {
    pub id: i64,
    pub thread_id: i64,
    pub group_id: GroupId,
    pub author_id: UserId,
    pub tlp: Tlp,
    pub body_source: String,
    pub deleted_at: Option<i64>,
    pub removed_at: Option<i64>,
}

/// The recipients of one item, both kinds in one query, each sorted by id.
pub(crate) async fn recipients_of(
    db: &Db,
    orgs_table: &'static str,
    users_table: &'static str,
    id: i64,
) -> CoreResult<(Vec<OrgId>, Vec<UserId>)> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "select 0 as is_user, org_id as id from {orgs_table} where item_id = $1 \
         union all select 1 as is_user, user_id as id from {users_table} where item_id = $1 \
         order by is_user, id"
    ))
    .bind(id)
    .fetch_all(db)
    .await?;
    let (users, orgs): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(is_user, _)| *is_user == 1);
    Ok((
        orgs.into_iter().map(|(_, id)| OrgId(id)).collect(),
        users.into_iter().map(|(_, id)| UserId(id)).collect(),
    ))
}

/// Loads a thread and its label; `NotFound` if missing or hidden from `viewer`.
pub(crate) async fn visible_thread(
    db: &Db,
    viewer: &Viewer,
    id: i64,
) -> CoreResult<(ThreadRow, Labelled)> {
    let row = sqlx::query_as::<_, ThreadRow>(
        "select id, group_id, title, tlp, author_id, chatham_house, pinned_at, locked_at \
         from forum_threads where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    let (orgs, users) =
        recipients_of(db, "thread_recipient_orgs", "thread_recipient_users", id).await?;
    let labelled = Labelled {
        group_id: row.group_id,
        tlp: row.tlp,
        author_id: row.author_id,
        orgs,
        users,
    };
    if !can_see_group_item(viewer, &labelled.item()) {
        return Err(CoreError::NotFound);
    }
    Ok((row, labelled))
}

/// Loads a post, its thread and both labels; `NotFound` unless the viewer may see both.
pub(crate) async fn visible_post(
    db: &Db,
    viewer: &Viewer,
    id: i64,
) -> CoreResult<(PostRow, Labelled, ThreadRow, Labelled)> {
    let post = sqlx::query_as::<_, PostRow>(
        "select id, thread_id, group_id, author_id, tlp, body_source, deleted_at, removed_at \
         from forum_posts where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    let (thread, thread_label) = visible_thread(db, viewer, post.thread_id).await?;
    let (orgs, users) =
        recipients_of(db, "post_recipient_orgs", "post_recipient_users", id).await?;
    let label = Labelled {
        group_id: post.group_id,
        tlp: post.tlp,
        author_id: post.author_id,
        orgs,
        users,
    };
    if !can_see_group_item(viewer, &label.item()) {
        return Err(CoreError::NotFound);
    }
    Ok((post, label, thread, thread_label))
}

/// The author as `viewer` may know them in a thread with the given Chatham House flag.
fn author_for(
    viewer: &Viewer,
    group: GroupId,
    chatham_house: bool,
    author: UserId,
    name: String,
    org_name: String,
) -> Option<Author> {
    let hidden = chatham_house
        && viewer.user_id != Some(author)
        && !sees_chatham_house_authors(viewer, group);
    (!hidden).then_some(Author { name, org_name })
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: GroupId,
    slug: String,
    name: String,
    default_tlp: Tlp,
}

impl GroupRow {
    /// The group's forum, if the viewer may read in it; `NotFound` like a missing group
    /// otherwise.
    fn readable_by(self, viewer: &Viewer) -> CoreResult<ForumGroup> {
        if !can_read_in(viewer, self.id) {
            return Err(CoreError::NotFound);
        }
        Ok(ForumGroup {
            id: self.id,
            slug: self.slug,
            name: self.name,
            default_tlp: self.default_tlp,
        })
    }
}

/// The group whose forum `slug` names; `NotFound` for a missing or archived group and for
/// one the viewer may not read in.
pub async fn forum_group(db: &Db, viewer: &Viewer, slug: &str) -> CoreResult<ForumGroup> {
    sqlx::query_as::<_, GroupRow>(
        "select id, slug, name, default_tlp from user_groups \
         where slug = $1 and archived_at is null",
    )
    .bind(slug.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?
    .readable_by(viewer)
}

fn pages_for(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}

/// Pushes "the posts of thread `t` the viewer may see" as a `from … where …` tail.
fn push_visible_posts_of_thread<'a>(qb: &mut QueryBuilder<'a, Sqlite>, viewer: &Viewer) {
    qb.push(" from forum_posts p where p.thread_id = t.id and ");
    push_group_content_visible(qb, viewer, &POSTS);
}

/// One page of a group's forum for `viewer`: pinned threads first, then by the newest
/// post the viewer may see. `NotFound` for a group the viewer is not a member of.
///
/// Two queries for any page size.
pub async fn list_threads(
    db: &Db,
    viewer: &Viewer,
    slug: &str,
    page: i64,
) -> CoreResult<ThreadList> {
    // One connection for both queries (see `thread_page`).
    let mut conn = db.acquire().await?;
    // The group and how many of its threads the viewer may see, in one query; the count
    // goes through the policy's SQL condition like the list, and nothing of it is used
    // before the policy has let the viewer read in the group.
    #[derive(sqlx::FromRow)]
    struct Head {
        #[sqlx(flatten)]
        group: GroupRow,
        threads: i64,
    }
    let mut head = QueryBuilder::<Sqlite>::new(
        "select g.id, g.slug, g.name, g.default_tlp, (select count(*) from forum_threads t \
         where t.group_id = g.id and ",
    );
    push_group_content_visible(&mut head, viewer, &THREADS);
    head.push(") as threads from user_groups g where g.slug = ")
        .push_bind(slug.trim())
        .push(" and g.archived_at is null");
    let head: Head = head
        .build_query_as()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let group = head.group.readable_by(viewer)?;
    let user = viewer.user_id.ok_or(CoreError::NotFound)?;
    let pages = pages_for(head.threads, THREADS_PER_PAGE);
    let page = page.clamp(1, pages);

    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        title: String,
        tlp: Tlp,
        author_id: UserId,
        author_name: String,
        org_name: String,
        chatham_house: bool,
        pinned_at: Option<i64>,
        locked_at: Option<i64>,
        posts: i64,
        last_at: Option<i64>,
        last_id: Option<i64>,
        last_read: Option<i64>,
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select * from (select t.id, t.title, t.tlp, t.author_id, u.name as author_name, \
         o.name as org_name, t.chatham_house, t.pinned_at, t.locked_at, \
         (select count(*)",
    );
    push_visible_posts_of_thread(&mut qb, viewer);
    qb.push(") as posts, (select max(p.created_at)");
    push_visible_posts_of_thread(&mut qb, viewer);
    qb.push(") as last_at, (select max(p.id)");
    push_visible_posts_of_thread(&mut qb, viewer);
    qb.push(
        ") as last_id, r.last_read_post_id as last_read from forum_threads t \
         join users u on u.id = t.author_id join organisations o on o.id = u.org_id \
         left join thread_reads r on r.thread_id = t.id and r.user_id = ",
    );
    qb.push_bind(user)
        .push(" where t.group_id = ")
        .push_bind(group.id)
        .push(" and ");
    push_group_content_visible(&mut qb, viewer, &THREADS);
    qb.push(") as listed order by (pinned_at is not null) desc, last_at desc, id desc limit ");
    qb.push_bind(THREADS_PER_PAGE)
        .push(" offset ")
        .push_bind((page - 1) * THREADS_PER_PAGE);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;

    let threads = rows
        .into_iter()
        .map(|r| ThreadSummary {
            id: r.id,
            title: r.title,
            tlp: r.tlp,
            author: author_for(
                viewer,
                group.id,
                r.chatham_house,
                r.author_id,
                r.author_name,
                r.org_name,
            ),
            chatham_house: r.chatham_house,
            pinned: r.pinned_at.is_some(),
            locked: r.locked_at.is_some(),
            replies: (r.posts - 1).max(0),
            last_activity: r.last_at.unwrap_or_default(),
            unread: match (r.last_id, r.last_read) {
                (Some(last), Some(read)) => last > read,
                (Some(_), None) => true,
                (None, _) => false,
            },
        })
        .collect();
    Ok(ThreadList {
        can_post: can_post_in(viewer, group.id),
        group,
        threads,
        page,
        pages,
    })
}

fn is_restricted(tlp: Tlp) -> bool {
    matches!(tlp, Tlp::AmberStrict | Tlp::Red)
}

/// The recipients of one AMBER+STRICT or RED item: by id for the policy, by name for
/// the reader.
#[derive(Debug, Default)]
struct ItemRecipients {
    orgs: Vec<OrgId>,
    users: Vec<UserId>,
    names: Recipients,
}

/// Which side table a recipient comes from: the `side` column of
/// [`recipients_of_page`]'s query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    ThreadOrgs,
    ThreadUsers,
    PostOrgs,
    PostUsers,
}

impl Side {
    const ALL: [Side; 4] = [
        Side::ThreadOrgs,
        Side::ThreadUsers,
        Side::PostOrgs,
        Side::PostUsers,
    ];

    /// One branch of the union, open at its `in (` list. Every branch names its columns,
    /// as any of them may come first.
    fn select(self) -> &'static str {
        match self {
            Side::ThreadOrgs => {
                "select 0 as side, r.item_id as item_id, o.id as id, o.name as name \
                 from thread_recipient_orgs r join organisations o on o.id = r.org_id \
                 where r.item_id in ("
            }
            Side::ThreadUsers => {
                "select 1 as side, r.item_id as item_id, u.id as id, u.name as name \
                 from thread_recipient_users r join users u on u.id = r.user_id \
                 where r.item_id in ("
            }
            Side::PostOrgs => {
                "select 2 as side, r.item_id as item_id, o.id as id, o.name as name \
                 from post_recipient_orgs r join organisations o on o.id = r.org_id \
                 where r.item_id in ("
            }
            Side::PostUsers => {
                "select 3 as side, r.item_id as item_id, u.id as id, u.name as name \
                 from post_recipient_users r join users u on u.id = r.user_id \
                 where r.item_id in ("
            }
        }
    }

    fn from_column(side: i64) -> CoreResult<Side> {
        let index = usize::try_from(side).ok();
        index
            .and_then(|i| Side::ALL.get(i).copied())
            .ok_or_else(|| CoreError::Internal(format!("recipient side {side}")))
    }
}

/// The recipients of the restricted items on a thread page, in one query whatever the
/// page holds: of `thread` (when it is restricted) and of `posts` (the restricted posts
/// on the page). Both were read through the policy already; this reads only their side
/// tables, so it can widen nothing. Names come sorted as the reader sees them.
async fn recipients_of_page(
    conn: &mut SqliteConnection,
    thread: Option<i64>,
    posts: &[i64],
) -> CoreResult<(ItemRecipients, HashMap<i64, ItemRecipients>)> {
    let mut of_thread = ItemRecipients::default();
    let mut of_posts: HashMap<i64, ItemRecipients> = HashMap::new();
    let thread: Vec<i64> = thread.into_iter().collect();
    let mut qb = QueryBuilder::<Sqlite>::new("");
    let mut branches = 0;
    for side in Side::ALL {
        let ids = match side {
            Side::ThreadOrgs | Side::ThreadUsers => &thread,
            Side::PostOrgs | Side::PostUsers => posts,
        };
        if ids.is_empty() {
            continue;
        }
        if branches > 0 {
            qb.push(" union all ");
        }
        branches += 1;
        qb.push(side.select());
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        qb.push(")");
    }
    if branches == 0 {
        return Ok((of_thread, of_posts));
    }
    qb.push(" order by side, item_id, name, id");

    let rows: Vec<(i64, i64, i64, String)> = qb.build_query_as().fetch_all(conn).await?;
    for (side, item_id, id, name) in rows {
        let side = Side::from_column(side)?;
        let item = match side {
            Side::ThreadOrgs | Side::ThreadUsers => &mut of_thread,
            Side::PostOrgs | Side::PostUsers => of_posts.entry(item_id).or_default(),
        };
        match side {
            Side::ThreadOrgs | Side::PostOrgs => {
                item.orgs.push(OrgId(id));
                item.names.orgs.push(name);
            }
            Side::ThreadUsers | Side::PostUsers => {
                item.users.push(UserId(id));
                item.names.users.push(name);
            }
        }
    }
    Ok((of_thread, of_posts))
}

/// A page of a thread for `viewer`, and the unread marker moved past it. `NotFound` if
/// the thread is missing or hidden.
///
/// Two queries for any page size, three when something on it is AMBER+STRICT or RED (its
/// recipients), and a transaction of two writes when the read marker moves.
pub async fn thread_page(
    db: &Db,
    viewer: &Viewer,
    thread_id: i64,
    pick: PagePick,
    marker: ReadMarker,
) -> CoreResult<ThreadView> {
    let user = viewer.user_id.ok_or(CoreError::NotFound)?;
    // One connection for the page's queries: each query on the pool would take one and
    // test it on its return, a round trip to SQLite's thread of its own.
    let mut conn = db.acquire().await?;

    // Everything a page needs before it can pick its posts, in one query: the thread,
    // found only if the policy lets the viewer see it, its group, the posts the viewer
    // may see (how many, the first, and how many come before the one asked for), and the
    // viewer's read marker and watch.
    #[derive(sqlx::FromRow)]
    struct Head {
        #[sqlx(flatten)]
        thread: ThreadRow,
        slug: String,
        group_name: String,
        default_tlp: Tlp,
        posts: i64,
        opening_post_id: Option<i64>,
        posts_before: i64,
        last_read: Option<i64>,
        watching: bool,
    }
    let picked_post = match pick {
        PagePick::Post(post) => Some(post),
        PagePick::Page(_) => None,
    };
    let mut head = QueryBuilder::<Sqlite>::new(
        "select t.id, t.group_id, t.title, t.tlp, t.author_id, t.chatham_house, t.pinned_at, \
         t.locked_at, g.slug, g.name as group_name, g.default_tlp, seen.posts, \
         seen.opening_post_id, seen.posts_before, r.last_read_post_id as last_read, \
         exists (select 1 from thread_watches w where w.thread_id = t.id and w.user_id = ",
    );
    head.push_bind(user).push(
        ") as watching from forum_threads t join user_groups g on g.id = t.group_id \
         cross join (select count(*) as posts, min(p.id) as opening_post_id, \
         count(case when p.id < ",
    );
    head.push_bind(picked_post)
        .push(" then 1 end) as posts_before from forum_posts p where p.thread_id = ")
        .push_bind(thread_id)
        .push(" and ");
    push_group_content_visible(&mut head, viewer, &POSTS);
    head.push(") as seen left join thread_reads r on r.thread_id = t.id and r.user_id = ")
        .push_bind(user)
        .push(" where t.id = ")
        .push_bind(thread_id)
        .push(" and ");
    push_group_content_visible(&mut head, viewer, &THREADS);
    let head: Head = head
        .build_query_as()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let thread = head.thread;
    let group = ForumGroup {
        id: thread.group_id,
        slug: head.slug,
        name: head.group_name,
        default_tlp: head.default_tlp,
    };
    let pages = pages_for(head.posts, POSTS_PER_PAGE);
    let page = match pick {
        PagePick::Page(page) => page.clamp(1, pages),
        PagePick::Post(_) => (head.posts_before / POSTS_PER_PAGE + 1).clamp(1, pages),
    };

    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        author_id: UserId,
        author_name: String,
        org_name: String,
        tlp: Tlp,
        body_html: String,
        quoted_post_id: Option<i64>,
        created_at: i64,
        edited_at: Option<i64>,
        deleted_at: Option<i64>,
        removed_at: Option<i64>,
        removed_reason: Option<String>,
    }
    // A quote names the quoted post only to a reader who may see it.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select p.id, p.author_id, u.name as author_name, o.name as org_name, p.tlp, \
         p.body_html, (select q.id from forum_posts q where q.id = p.quoted_post_id and ",
    );
    push_group_content_visible(&mut qb, viewer, &QUOTED);
    qb.push(
        ") as quoted_post_id, p.created_at, p.edited_at, p.deleted_at, \
         p.removed_at, p.removed_reason from forum_posts p \
         join users u on u.id = p.author_id join organisations o on o.id = u.org_id \
         where p.thread_id = ",
    );
    qb.push_bind(thread_id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &POSTS);
    qb.push(" order by p.id limit ")
        .push_bind(POSTS_PER_PAGE)
        .push(" offset ")
        .push_bind((page - 1) * POSTS_PER_PAGE);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;

    let restricted: Vec<i64> = rows
        .iter()
        .filter(|r| is_restricted(r.tlp))
        .map(|r| r.id)
        .collect();
    let (of_thread, mut of_posts) = recipients_of_page(
        &mut conn,
        is_restricted(thread.tlp).then_some(thread.id),
        &restricted,
    )
    .await?;
    let label = Labelled {
        group_id: thread.group_id,
        tlp: thread.tlp,
        author_id: thread.author_id,
        orgs: of_thread.orgs,
        users: of_thread.users,
    };

    let names_withheld =
        thread.chatham_house && !sees_chatham_house_authors(viewer, thread.group_id);
    let mut posts = Vec::with_capacity(rows.len());
    for r in rows {
        let recipients = of_posts
            .remove(&r.id)
            .map(|of_post| of_post.names.seen_by_reader(names_withheld))
            .unwrap_or_default();
        let state = if r.removed_at.is_some() {
            PostState::Removed {
                reason: r.removed_reason.unwrap_or_default(),
            }
        } else if r.deleted_at.is_some() {
            PostState::Deleted
        } else {
            PostState::Shown
        };
        posts.push(PostView {
            id: r.id,
            author: author_for(
                viewer,
                thread.group_id,
                thread.chatham_house,
                r.author_id,
                r.author_name,
                r.org_name,
            ),
            mine: r.author_id == user,
            tlp: r.tlp,
            recipients,
            html: (state == PostState::Shown).then_some(r.body_html),
            state,
            created_at: r.created_at,
            edited_at: r.edited_at,
            quoted_post_id: r.quoted_post_id,
        });
    }

    let last_read = head.last_read;
    let first_unread = last_read.and_then(|read| posts.iter().map(|p| p.id).find(|id| *id > read));
    let newest_shown = posts.iter().map(|p| p.id).max();
    let mut marked_read = false;
    if let Some(newest) = newest_shown
        && marker == ReadMarker::Move
        && last_read.is_none_or(|read| newest > read)
    {
        mark_read_up_to(&mut conn, user, thread_id, newest).await?;
        marked_read = true;
    }

    Ok(ThreadView {
        id: thread.id,
        title: thread.title,
        tlp: thread.tlp,
        recipients: of_thread.names.seen_by_reader(names_withheld),
        chatham_house: thread.chatham_house,
        pinned: thread.pinned_at.is_some(),
        locked: thread.locked_at.is_some(),
        opening_post_id: head.opening_post_id.unwrap_or_default(),
        posts,
        page,
        pages,
        first_unread,
        watching: head.watching,
        can_reply: thread.locked_at.is_none() && crate::policy::can_reply_to(viewer, &label.item()),
        can_moderate: can_moderate(viewer, &label.item()),
        marked_read,
        group,
    })
}

/// Moves the viewer's read marker in a thread forward to `post`, and marks the
/// notifications about posts up to it read.
async fn mark_read_up_to(
    conn: &mut SqliteConnection,
    user: UserId,
    thread_id: i64,
    post: i64,
) -> CoreResult<()> {
    let mut tx = Connection::begin(conn).await?;
    sqlx::query(
        "insert into thread_reads (thread_id, user_id, last_read_post_id) values ($1, $2, $3) \
         on conflict (user_id, thread_id) do update set last_read_post_id = \
         max(thread_reads.last_read_post_id, excluded.last_read_post_id)",
    )
    .bind(thread_id)
    .bind(user)
    .bind(post)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update notifications set read_at = $1 where user_id = $2 and thread_id = $3 \
         and post_id <= $4 and read_at is null",
    )
    .bind(clock::now())
    .bind(user)
    .bind(thread_id)
    .bind(post)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One version of a post in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub tlp: Tlp,
    pub html: String,
    /// When this version was written.
    pub written_at: i64,
    /// The version the post shows now.
    pub current: bool,
}

/// A post's versions, newest first, for those who may see the post. A deleted or
/// removed post has no history to show (`NotFound`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub author: Option<Author>,
    pub revisions: Vec<Revision>,
}

pub async fn history(db: &Db, viewer: &Viewer, post_id: i64) -> CoreResult<History> {
    let (post, label, thread, _) = visible_post(db, viewer, post_id).await?;
    if post.deleted_at.is_some() || post.removed_at.is_some() {
        return Err(CoreError::NotFound);
    }
    let current: (Tlp, String, i64, Option<i64>, String, String) = sqlx::query_as(
        "select p.tlp, p.body_html, p.created_at, p.edited_at, u.name, o.name \
         from forum_posts p join users u on u.id = p.author_id \
         join organisations o on o.id = u.org_id where p.id = $1",
    )
    .bind(post_id)
    .fetch_one(db)
    .await?;
    let older: Vec<(i64, Tlp, String, i64, bool)> = sqlx::query_as(
        "select id, tlp, body_html, written_at, audience_known from post_revisions \
         where post_id = $1 order by id desc",
    )
    .bind(post_id)
    .fetch_all(db)
    .await?;
    // The audience each restricted version was written for, in one query.
    let restricted: Vec<i64> = older
        .iter()
        .filter(|r| is_restricted(r.1))
        .map(|r| r.0)
        .collect();
    let mut audiences: HashMap<i64, (Vec<OrgId>, Vec<UserId>)> = HashMap::new();
    if !restricted.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select item_id, org_id, null from revision_recipient_orgs where item_id in (",
        );
        let mut list = qb.separated(", ");
        for id in &restricted {
            list.push_bind(*id);
        }
        qb.push(") union all select item_id, null, user_id from revision_recipient_users where item_id in (");
        let mut list = qb.separated(", ");
        for id in &restricted {
            list.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<(i64, Option<OrgId>, Option<UserId>)> =
            qb.build_query_as().fetch_all(db).await?;
        for (item, org, user) in rows {
            let audience = audiences.entry(item).or_default();
            audience.0.extend(org);
            audience.1.extend(user);
        }
    }
    // An earlier version is shown only to a reader who may see it under its own label
    // and recipients as well as under the newest version's.
    let newest_visible = can_see_group_item(viewer, &label.item());
    let shown = |(id, tlp, _, _, audience_known): &(i64, Tlp, String, i64, bool)| {
        let own_visible = if !audience_known && is_restricted(*tlp) {
            viewer.user_id == Some(post.author_id)
        } else {
            let (orgs, users) = audiences.get(id).cloned().unwrap_or_default();
            can_see_group_item(
                viewer,
                &GroupItem {
                    group_id: thread.group_id,
                    tlp: *tlp,
                    author_id: post.author_id,
                    recipient_orgs: &orgs,
                    recipient_users: &users,
                },
            )
        };
        can_see_earlier_version(own_visible, newest_visible)
    };
    let older: Vec<_> = older.into_iter().filter(|r| shown(r)).collect();
    let mut revisions = vec![Revision {
        tlp: current.0,
        html: current.1,
        written_at: current.3.unwrap_or(current.2),
        current: true,
    }];
    revisions.extend(
        older
            .into_iter()
            .map(|(_, tlp, html, written_at, _)| Revision {
                tlp,
                html,
                written_at,
                current: false,
            }),
    );
    Ok(History {
        post_id,
        thread_id: thread.id,
        thread_title: thread.title,
        author: author_for(
            viewer,
            thread.group_id,
            thread.chatham_house,
            post.author_id,
            current.4,
            current.5,
        ),
        revisions,
    })
}

/// The Markdown that quotes `post_id` in a reply in `thread_id`: its text as a block
/// quote and a link back to it. `NotFound` unless the viewer may see it and it is in that
/// thread; a deleted or removed post cannot be quoted.
pub async fn quote(db: &Db, viewer: &Viewer, thread_id: i64, post_id: i64) -> CoreResult<String> {
    let (post, _, thread, _) = visible_post(db, viewer, post_id).await?;
    if post.thread_id != thread_id || post.deleted_at.is_some() || post.removed_at.is_some() {
        return Err(CoreError::NotFound);
    }
    let mut quoted = format!(
        "> [#{id}](/threads/{thread}?post={id}#post-{id})\n>\n",
        id = post.id,
        thread = thread.id
    );
    for line in post.body_source.lines() {
        quoted.push_str("> ");
        quoted.push_str(line);
        quoted.push('\n');
    }
    quoted.push('\n');
    Ok(quoted)
}
