//! Writing in a forum: starting threads, replying, editing and deleting one's own posts,
//! watching threads. Labels only go up: a reply inherits its thread's TLP and may raise
//! it, an edit may raise a post's TLP, a quote may only go into a reply at least as strict
//! as the quoted post. Each post is rendered once, here, and stored beside its source.
//!
//! Writing a post also decides who is told: mentioned members and watchers, each only
//! if the policy lets them see the new post and its thread. The notifications are
//! stored in the post's transaction; the caller publishes [`Posted::notified`] to the
//! live stream after the commit.

use super::{Labelled, MAX_TITLE_CHARS, links, visible_post, visible_thread};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::group_content::{self, Audience, Members, RecipientTables, insert_recipients};
use crate::ids::{OrgId, UserId};
use crate::markdown;
use crate::policy::{GroupItem, Tlp, Viewer, require_post_in, require_reply_to};
use crate::search::outbox::{self, Item, Operation};

/// A thread to start.
#[derive(Debug, Clone)]
pub struct NewThread {
    pub group_slug: String,
    pub title: String,
    pub body: String,
    /// `None`: the group's default label.
    pub tlp: Option<Tlp>,
    pub audience: Audience,
    pub chatham_house: bool,
}

/// A reply to post.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub thread_id: i64,
    pub body: String,
    /// `None`: the thread's label.
    pub tlp: Option<Tlp>,
    pub audience: Audience,
    /// The post quoted in the body, if any.
    pub quoted_post_id: Option<i64>,
}

/// An edit of one's own post.
#[derive(Debug, Clone)]
pub struct PostEdit {
    pub post_id: i64,
    /// A new title, for the opening post only; `None` keeps it.
    pub title: Option<String>,
    pub body: String,
    /// `None` keeps the label.
    pub tlp: Option<Tlp>,
    pub audience: Audience,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub thread_id: i64,
    pub post_id: i64,
    /// People who got a new notification, to be told live.
    pub notified: Vec<UserId>,
}

fn validate_title(title: &str) -> CoreResult<String> {
    let title = title.trim();
    if title.is_empty() {
        Err(CoreError::invalid("title", "required"))
    } else if title.chars().count() > MAX_TITLE_CHARS {
        Err(CoreError::invalid("title", "too_long"))
    } else if crate::names::has_hidden_characters(title) {
        Err(CoreError::invalid("title", "hidden_characters"))
    } else {
        Ok(title.to_string())
    }
}

struct PostInsert<'a> {
    thread_id: i64,
    label: &'a Labelled,
    source: &'a str,
    html: &'a str,
    quoted_post_id: Option<i64>,
    now: i64,
}

async fn insert_post(tx: &mut Tx<'_>, post: PostInsert<'_>) -> CoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "insert into forum_posts (thread_id, group_id, author_id, tlp, body_source, body_html, \
         rendered_with, quoted_post_id, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         returning id",
    )
    .bind(post.thread_id)
    .bind(post.label.group_id)
    .bind(post.label.author_id)
    .bind(post.label.tlp)
    .bind(post.source)
    .bind(post.html)
    .bind(markdown::VERSION)
    .bind(post.quoted_post_id)
    .bind(post.now)
    .fetch_one(&mut **tx)
    .await?;
    insert_recipients(
        tx,
        RecipientTables::POST,
        id,
        &post.label.orgs,
        &post.label.users,
    )
    .await?;
    Ok(id)
}

async fn watch_in(tx: &mut Tx<'_>, thread_id: i64, user: UserId) -> CoreResult<()> {
    sqlx::query(
        "insert into thread_watches (thread_id, user_id) values ($1, $2) \
         on conflict do nothing",
    )
    .bind(thread_id)
    .bind(user)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores the notifications a new post causes: a mention for each member named in it,
/// a reply for each watcher, and nothing for anyone who may not see the post and its
/// thread, or for the author.
/// The new post a notification is about.
struct Written<'a> {
    source: &'a str,
    thread_id: i64,
    post_id: i64,
    author: UserId,
    now: i64,
}

async fn notify(
    tx: &mut Tx<'_>,
    members: &Members,
    visible_in: &[GroupItem<'_>],
    post: Written<'_>,
) -> CoreResult<Vec<UserId>> {
    let Written {
        source,
        thread_id,
        post_id,
        author,
        now,
    } = post;
    let mentioned: Vec<UserId> = members
        .mentioned_in(source)
        .into_iter()
        .filter(|u| *u != author && members.may_see(*u, visible_in))
        .collect();
    let watchers: Vec<UserId> =
        sqlx::query_scalar("select user_id from thread_watches where thread_id = $1")
            .bind(thread_id)
            .fetch_all(&mut **tx)
            .await?;
    let replied_to: Vec<UserId> = watchers
        .into_iter()
        .filter(|u| *u != author && !mentioned.contains(u) && members.may_see(*u, visible_in))
        .collect();
    let written = Written {
        source,
        thread_id,
        post_id,
        author,
        now,
    };
    insert_notifications(tx, "mention", &mentioned, &written).await?;
    insert_notifications(tx, "reply", &replied_to, &written).await?;
    Ok(mentioned.into_iter().chain(replied_to).collect())
}

async fn insert_notifications(
    tx: &mut Tx<'_>,
    kind: &'static str,
    users: &[UserId],
    post: &Written<'_>,
) -> CoreResult<()> {
    for user in users {
        sqlx::query(
            "insert into notifications (user_id, kind, thread_id, post_id, actor_id, created_at) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user)
        .bind(kind)
        .bind(post.thread_id)
        .bind(post.post_id)
        .bind(post.author)
        .bind(post.now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Starts a thread: its opening post carries the thread's label. `NotFound` if the
/// viewer is not a member of the group, `Forbidden` for a reader.
pub async fn create_thread(db: &Db, viewer: &Viewer, new: NewThread) -> CoreResult<Posted> {
    create_thread_about(db, viewer, new, None).await
}

/// [`create_thread`], linked in the same transaction to `alert` when it is one: a thread
/// an alert's organisation started about it (`stix::alerts::discuss`, which checks that
/// the viewer works the alert).
pub(crate) async fn create_thread_about(
    db: &Db,
    viewer: &Viewer,
    new: NewThread,
    alert: Option<i64>,
) -> CoreResult<Posted> {
    let me = viewer.user_id.ok_or(CoreError::NotFound)?;
    let group: (crate::ids::GroupId, Tlp) = sqlx::query_as(
        "select id, default_tlp from user_groups where slug = $1 and archived_at is null",
    )
    .bind(new.group_slug.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    require_post_in(viewer, group.0)?;
    let title = validate_title(&new.title)?;
    let html = markdown::render(&new.body)?;
    let tlp = new.tlp.unwrap_or(group.1);
    let members = Members::load(db, group.0).await?;
    let open = GroupItem {
        group_id: group.0,
        tlp: Tlp::Clear,
        author_id: me,
        recipient_orgs: &[],
        recipient_users: &[],
    };
    let (orgs, users) = group_content::resolve(
        viewer,
        tlp,
        &new.audience,
        &members,
        None,
        &[open],
        new.chatham_house,
    )?;
    let label = Labelled {
        group_id: group.0,
        tlp,
        author_id: me,
        orgs,
        users,
    };

    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let thread_id: i64 = sqlx::query_scalar(
        "insert into forum_threads (group_id, title, tlp, author_id, chatham_house, created_at) \
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(group.0)
    .bind(&title)
    .bind(tlp)
    .bind(me)
    .bind(new.chatham_house)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_recipients(
        &mut tx,
        RecipientTables::THREAD,
        thread_id,
        &label.orgs,
        &label.users,
    )
    .await?;
    let post_id = insert_post(
        &mut tx,
        PostInsert {
            thread_id,
            label: &label,
            source: &new.body,
            html: &html,
            quoted_post_id: None,
            now,
        },
    )
    .await?;
    links::record(&mut tx, post_id, &new.body).await?;
    outbox::stage(&mut tx, Item::Thread(thread_id), Operation::Upsert, now).await?;
    outbox::stage(&mut tx, Item::Post(post_id), Operation::Upsert, now).await?;
    watch_in(&mut tx, thread_id, me).await?;
    if let Some(alert) = alert {
        sqlx::query(
            "insert into alert_threads (alert_id, thread_id, created_at) values ($1, $2, $3)",
        )
        .bind(alert)
        .bind(thread_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let notified = notify(
        &mut tx,
        &members,
        &[label.item()],
        Written {
            source: &new.body,
            thread_id,
            post_id,
            author: me,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Posted {
        thread_id,
        post_id,
        notified,
    })
}

fn locked() -> CoreError {
    CoreError::invalid("thread", "locked")
}

/// Replies in a thread. `NotFound` if the thread is hidden; `Forbidden` for a reader;
/// `Invalid thread/locked` in a locked thread.
pub async fn reply(db: &Db, viewer: &Viewer, new: NewReply) -> CoreResult<Posted> {
    let me = viewer.user_id.ok_or(CoreError::NotFound)?;
    let (thread, thread_label) = visible_thread(db, viewer, new.thread_id).await?;
    require_reply_to(viewer, &thread_label.item())?;
    if thread.locked_at.is_some() {
        return Err(locked());
    }
    let html = markdown::render(&new.body)?;
    let tlp = match new.tlp {
        Some(requested) => thread.tlp.check_change(requested)?,
        None => thread.tlp,
    };
    let members = Members::load(db, thread.group_id).await?;
    let (orgs, users) = group_content::resolve(
        viewer,
        tlp,
        &new.audience,
        &members,
        Some(&thread_label),
        &[thread_label.item()],
        thread.chatham_house,
    )?;
    let label = Labelled {
        group_id: thread.group_id,
        tlp,
        author_id: me,
        orgs,
        users,
    };
    if let Some(quoted_id) = new.quoted_post_id {
        let (quoted, quoted_label, _, _) = visible_post(db, viewer, quoted_id).await?;
        if quoted.thread_id != thread.id {
            return Err(CoreError::NotFound);
        }
        group_content::check_quote(
            &label.item(),
            &quoted_label.item(),
            &thread_label.item(),
            &members,
        )?;
    }

    let now = clock::now();
    // Immediate, as every forum write: the transaction reads before it writes, and a
    // deferred one cannot take the write lock once another connection (the search
    // indexer) has committed since its read; it would fail instead of waiting.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    // The lock is checked again inside the transaction: a moderator may have locked the
    // thread since it was loaded.
    let still_open: bool = sqlx::query_scalar(
        "select locked_at is null from forum_threads where id = $1 and group_id = $2",
    )
    .bind(thread.id)
    .bind(thread.group_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CoreError::NotFound)?;
    if !still_open {
        return Err(locked());
    }
    let post_id = insert_post(
        &mut tx,
        PostInsert {
            thread_id: thread.id,
            label: &label,
            source: &new.body,
            html: &html,
            quoted_post_id: new.quoted_post_id,
            now,
        },
    )
    .await?;
    links::record(&mut tx, post_id, &new.body).await?;
    outbox::stage(&mut tx, Item::Post(post_id), Operation::Upsert, now).await?;
    watch_in(&mut tx, thread.id, me).await?;
    let notified = notify(
        &mut tx,
        &members,
        &[thread_label.item(), label.item()],
        Written {
            source: &new.body,
            thread_id: thread.id,
            post_id,
            author: me,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Posted {
        thread_id: thread.id,
        post_id,
        notified,
    })
}

/// The editable facts of one's own post, for its edit form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditablePost {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub group_slug: String,
    /// The opening post: its edit also edits the thread's title and label.
    pub opening: bool,
    pub source: String,
    pub tlp: Tlp,
    pub chatham_house: bool,
}

/// A post's stored label and recipients, whoever asks (for checks, never shown).
async fn stored_label(db: &Db, post_id: i64) -> CoreResult<Labelled> {
    let (group_id, tlp, author_id): (crate::ids::GroupId, Tlp, UserId) =
        sqlx::query_as("select group_id, tlp, author_id from forum_posts where id = $1")
            .bind(post_id)
            .fetch_optional(db)
            .await?
            .ok_or(CoreError::NotFound)?;
    let (orgs, users) =
        super::recipients_of(db, "post_recipient_orgs", "post_recipient_users", post_id).await?;
    Ok(Labelled {
        group_id,
        tlp,
        author_id,
        orgs,
        users,
    })
}

/// What `raise_quoting_replies` works from: the post whose label was raised.
struct Raise<'a> {
    thread: &'a Labelled,
    members: &'a Members,
    raised: i64,
    label: &'a Labelled,
    now: i64,
}

/// After `raised` took the label `label`, each reply quoting it whose audience is now
/// wider than the quoted post's takes the quoted post's label and recipients (a RED reply
/// keeps its label and only the people who may read the quoted post), and so on down the
/// chain of quotes: the quoted text never stays readable at the lower label. The reply's
/// author may lose sight of it; its earlier versions keep their own audience.
async fn raise_quoting_replies(db: &Db, tx: &mut Tx<'_>, raise: Raise<'_>) -> CoreResult<()> {
    let Raise {
        thread,
        members,
        raised,
        label,
        now,
    } = raise;
    let mut work = vec![(raised, label.clone())];
    while let Some((quoted_id, quoted)) = work.pop() {
        let quoting: Vec<i64> =
            sqlx::query_scalar("select id from forum_posts where quoted_post_id = $1")
                .bind(quoted_id)
                .fetch_all(&mut **tx)
                .await?;
        for id in quoting {
            let reply = stored_label(db, id).await?;
            if group_content::check_quote(&reply.item(), &quoted.item(), &thread.item(), members)
                .is_ok()
            {
                continue;
            }
            let narrowed = narrowed_to_quote(reply, &quoted, members);
            sqlx::query("update forum_posts set tlp = $1 where id = $2")
                .bind(narrowed.tlp)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            insert_recipients(
                tx,
                RecipientTables::POST,
                id,
                &narrowed.orgs,
                &narrowed.users,
            )
            .await?;
            outbox::stage(tx, Item::Post(id), Operation::Upsert, now).await?;
            work.push((id, narrowed));
        }
    }
    Ok(())
}

/// The label of `reply` cut down to the people who may read both it and `quoted`; never
/// anyone who could not read the reply before.
fn narrowed_to_quote(reply: Labelled, quoted: &Labelled, members: &Members) -> Labelled {
    let group_wide = |tlp: Tlp| matches!(tlp, Tlp::Clear | Tlp::Green | Tlp::Amber);
    // Everyone who may read the quoted post and, before, the reply, as RED recipients.
    let readers_of_both = |reply: &Labelled| -> Vec<UserId> {
        members
            .people
            .iter()
            .filter_map(|(v, _)| v.user_id)
            .filter(|u| *u != reply.author_id)
            .filter(|u| members.may_see(*u, &[reply.item(), quoted.item()]))
            .collect()
    };
    match (reply.tlp, quoted.tlp) {
        // Both for the whole group: the reply takes the higher label.
        (r, q) if group_wide(r) && group_wide(q) => Labelled {
            tlp: r.max(q),
            ..reply
        },
        // A reply for the whole group takes the quoted post's narrower audience.
        (r, Tlp::AmberStrict) if group_wide(r) => Labelled {
            tlp: Tlp::AmberStrict,
            orgs: quoted.orgs.clone(),
            users: Vec::new(),
            ..reply
        },
        (Tlp::AmberStrict, Tlp::AmberStrict) => {
            let orgs: Vec<OrgId> = reply
                .orgs
                .iter()
                .copied()
                .filter(|o| quoted.orgs.contains(o))
                .collect();
            if orgs.is_empty() {
                Labelled {
                    tlp: Tlp::Red,
                    orgs: Vec::new(),
                    users: Vec::new(),
                    ..reply
                }
            } else {
                Labelled { orgs, ..reply }
            }
        }
        // Anything else ends as RED for the people who may read both.
        _ => {
            let users = readers_of_both(&reply);
            Labelled {
                tlp: Tlp::Red,
                orgs: Vec::new(),
                users,
                ..reply
            }
        }
    }
}

/// Checks that the viewer may edit or delete `post_id` and returns it: only its author,
/// while they may still post in the group (`Forbidden` for a reader), only while it is
/// shown and the thread is open. `NotFound` for a post the viewer may
/// not see or did not write (another's post is not theirs to know about as editable).
async fn own_post(
    db: &Db,
    viewer: &Viewer,
    post_id: i64,
) -> CoreResult<(super::PostRow, Labelled, super::ThreadRow, Labelled, bool)> {
    let (post, label, thread, thread_label) = visible_post(db, viewer, post_id).await?;
    if viewer.user_id != Some(post.author_id)
        || post.deleted_at.is_some()
        || post.removed_at.is_some()
    {
        return Err(CoreError::NotFound);
    }
    // A member demoted to reader writes nothing more here, own posts included.
    require_post_in(viewer, thread.group_id)?;
    if thread.locked_at.is_some() {
        return Err(locked());
    }
    let opening: i64 = sqlx::query_scalar("select min(id) from forum_posts where thread_id = $1")
        .bind(thread.id)
        .fetch_one(db)
        .await?;
    Ok((post, label, thread, thread_label, opening == post_id))
}

pub async fn editable(db: &Db, viewer: &Viewer, post_id: i64) -> CoreResult<EditablePost> {
    let (post, _, thread, _, opening) = own_post(db, viewer, post_id).await?;
    let group_slug = sqlx::query_scalar("select slug from user_groups where id = $1")
        .bind(thread.group_id)
        .fetch_one(db)
        .await?;
    Ok(EditablePost {
        post_id,
        group_slug,
        thread_id: thread.id,
        thread_title: thread.title,
        opening,
        source: post.body_source,
        tlp: post.tlp,
        chatham_house: thread.chatham_house,
    })
}

/// Edits one's own post, keeping what it replaced in its history. The label may go up,
/// never down; raising the opening post's label raises the thread's with it. Members the
/// edit mentions for the first time are notified, if they may see the post.
pub async fn edit(db: &Db, viewer: &Viewer, edit: PostEdit) -> CoreResult<Posted> {
    let (post, label, thread, thread_label, opening) = own_post(db, viewer, edit.post_id).await?;
    let html = markdown::render(&edit.body)?;
    let title = match (&edit.title, opening) {
        (Some(title), true) => Some(validate_title(title)?),
        _ => None,
    };
    let tlp = match edit.tlp {
        Some(requested) => post.tlp.check_change(requested)?,
        None => post.tlp,
    };
    let members = Members::load(db, thread.group_id).await?;
    let new_label = if tlp == post.tlp {
        label.clone()
    } else {
        let within = if opening {
            Vec::new()
        } else {
            vec![thread_label.item()]
        };
        let (orgs, users) = group_content::resolve(
            viewer,
            tlp,
            &edit.audience,
            &members,
            (!opening).then_some(&thread_label),
            &within,
            thread.chatham_house,
        )?;
        Labelled {
            tlp,
            orgs,
            users,
            ..label.clone()
        }
    };

    let thread_after = if opening {
        new_label.clone()
    } else {
        thread_label.clone()
    };
    if new_label.tlp != label.tlp {
        // The new label and recipients may not take the quoted text to anyone who may
        // not read the quoted post.
        let quoted: Option<i64> =
            sqlx::query_scalar("select quoted_post_id from forum_posts where id = $1")
                .bind(post.id)
                .fetch_one(db)
                .await?;
        if let Some(quoted) = quoted {
            let quoted = stored_label(db, quoted).await?;
            group_content::check_quote(
                &new_label.item(),
                &quoted.item(),
                &thread_after.item(),
                &members,
            )?;
        }
    }

    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let written_at: (i64, Option<i64>, String, String, i64) = sqlx::query_as(
        "select created_at, edited_at, body_source, body_html, rendered_with from forum_posts \
         where id = $1",
    )
    .bind(post.id)
    .fetch_one(&mut *tx)
    .await?;
    let revision: i64 = sqlx::query_scalar(
        "insert into post_revisions (post_id, tlp, body_source, body_html, rendered_with, \
         written_at, audience_known) values ($1, $2, $3, $4, $5, $6, 1) returning id",
    )
    .bind(post.id)
    .bind(post.tlp)
    .bind(&written_at.2)
    .bind(&written_at.3)
    .bind(written_at.4)
    .bind(written_at.1.unwrap_or(written_at.0))
    .fetch_one(&mut *tx)
    .await?;
    // The version keeps the audience it was written for (its history shows it only to
    // those who could read it then and can read the post now).
    insert_recipients(
        &mut tx,
        RecipientTables::REVISION,
        revision,
        &label.orgs,
        &label.users,
    )
    .await?;
    sqlx::query(
        "update forum_posts set body_source = $1, body_html = $2, rendered_with = $3, tlp = $4, \
         edited_at = $5 where id = $6",
    )
    .bind(&edit.body)
    .bind(&html)
    .bind(markdown::VERSION)
    .bind(tlp)
    .bind(now)
    .bind(post.id)
    .execute(&mut *tx)
    .await?;
    // The links follow the new text: one the edit took out no longer counts.
    links::record(&mut tx, post.id, &edit.body).await?;
    outbox::stage(&mut tx, Item::Post(post.id), Operation::Upsert, now).await?;
    if new_label.tlp != label.tlp {
        insert_recipients(
            &mut tx,
            RecipientTables::POST,
            post.id,
            &new_label.orgs,
            &new_label.users,
        )
        .await?;
        raise_quoting_replies(
            db,
            &mut tx,
            Raise {
                thread: &thread_after,
                members: &members,
                raised: post.id,
                label: &new_label,
                now,
            },
        )
        .await?;
    }
    if opening
        && (title.as_ref().is_some_and(|t| *t != thread.title) || new_label.tlp != thread_label.tlp)
    {
        // The thread's own entry and those of its posts carry its title and label.
        outbox::stage(&mut tx, Item::Thread(thread.id), Operation::Upsert, now).await?;
    }
    if opening {
        if let Some(title) = &title {
            sqlx::query("update forum_threads set title = $1 where id = $2")
                .bind(title)
                .bind(thread.id)
                .execute(&mut *tx)
                .await?;
        }
        if new_label.tlp != thread_label.tlp {
            sqlx::query("update forum_threads set tlp = $1 where id = $2")
                .bind(new_label.tlp)
                .bind(thread.id)
                .execute(&mut *tx)
                .await?;
            insert_recipients(
                &mut tx,
                RecipientTables::THREAD,
                thread.id,
                &new_label.orgs,
                &new_label.users,
            )
            .await?;
        }
    }
    // Members the edit names for the first time hear of it, as with a new post.
    let named_before = members.mentioned_in(&written_at.2);
    let visible_in = if opening {
        vec![new_label.item()]
    } else {
        vec![thread_label.item(), new_label.item()]
    };
    let newly_mentioned: Vec<UserId> = members
        .mentioned_in(&edit.body)
        .into_iter()
        .filter(|u| {
            Some(*u) != viewer.user_id
                && !named_before.contains(u)
                && members.may_see(*u, &visible_in)
        })
        .collect();
    insert_notifications(
        &mut tx,
        "mention",
        &newly_mentioned,
        &Written {
            source: &edit.body,
            thread_id: thread.id,
            post_id: post.id,
            author: post.author_id,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Posted {
        thread_id: thread.id,
        post_id: post.id,
        notified: newly_mentioned,
    })
}

/// Deletes one's own post: it stays as a placeholder, its text is never shown again,
/// and the documents it linked no longer list it.
pub async fn delete(db: &Db, viewer: &Viewer, post_id: i64) -> CoreResult<i64> {
    let (post, _, thread, _, _) = own_post(db, viewer, post_id).await?;
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let deleted =
        sqlx::query("update forum_posts set deleted_at = $1 where id = $2 and deleted_at is null")
            .bind(now)
            .bind(post.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    links::forget(&mut tx, post.id).await?;
    if deleted > 0 {
        // Its text is never shown again. The thread stays listed under its title even when
        // this is its opening post, so the thread's own entry stays.
        outbox::stage(&mut tx, Item::Post(post.id), Operation::Delete, now).await?;
    }
    tx.commit().await?;
    Ok(thread.id)
}

/// Starts or stops watching a thread the viewer may see.
pub async fn set_watching(db: &Db, viewer: &Viewer, thread_id: i64, on: bool) -> CoreResult<()> {
    let me = viewer.user_id.ok_or(CoreError::NotFound)?;
    visible_thread(db, viewer, thread_id).await?;
    let sql = if on {
        "insert into thread_watches (thread_id, user_id) values ($1, $2) on conflict do nothing"
    } else {
        "delete from thread_watches where thread_id = $1 and user_id = $2"
    };
    sqlx::query(sql)
        .bind(thread_id)
        .bind(me)
        .execute(db)
        .await?;
    Ok(())
}

/// A member who may be named as a RED recipient or mentioned, and an organisation that
/// may be an AMBER+STRICT recipient: the choices a composer offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Choices {
    pub members: Vec<(UserId, String, String)>,
    pub orgs: Vec<(OrgId, String)>,
}

/// The group's members and their organisations, for a composer in the group of
/// `thread_id` (or of `group_slug` for a new thread). Only for members who may post.
pub async fn choices_for_group(db: &Db, viewer: &Viewer, slug: &str) -> CoreResult<Choices> {
    // The group and its active members in one query. No member is used before the policy
    // has let the viewer post in the group.
    #[derive(sqlx::FromRow)]
    struct Row {
        group_id: crate::ids::GroupId,
        user_id: Option<UserId>,
        user_name: Option<String>,
        org_id: Option<OrgId>,
        org_name: Option<String>,
    }
    let rows = sqlx::query_as::<_, Row>(
        "select g.id as group_id, u.id as user_id, u.name as user_name, o.id as org_id, \
         o.name as org_name from user_groups g \
         left join group_members m on m.group_id = g.id \
         left join users u on u.id = m.user_id and u.status = 'active' \
         left join organisations o on o.id = u.org_id \
         where g.slug = $1 and g.archived_at is null order by u.name, u.id",
    )
    .bind(slug.trim())
    .fetch_all(db)
    .await?;
    let group = rows.first().ok_or(CoreError::NotFound)?.group_id;
    require_post_in(viewer, group)?;
    let mut members = Vec::with_capacity(rows.len());
    let mut orgs: Vec<(OrgId, String)> = Vec::new();
    for row in rows {
        // A member who is not active, or a group without members, joins as nulls.
        if let (Some(user), Some(name), Some(org), Some(org_name)) =
            (row.user_id, row.user_name, row.org_id, row.org_name)
        {
            orgs.push((org, org_name.clone()));
            members.push((user, name, org_name));
        }
    }
    orgs.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    orgs.dedup();
    Ok(Choices { members, orgs })
}
