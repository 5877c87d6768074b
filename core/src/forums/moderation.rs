//! Moderation: pin, lock, move a thread, remove a post. Moderators and owners act only
//! on what they can see (`policy::require_moderate`: hidden is `NotFound`, visible but
//! not theirs to moderate is `Forbidden`). The caller records each action in the audit
//! log, by ids only.

use super::{Labelled, recipients_of, visible_post, visible_thread};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupRole, Tlp, Viewer, require_moderate};
use sqlx::{QueryBuilder, Sqlite};

/// Longest removal reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// What a moderation action touched, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moderated {
    pub group_id: GroupId,
    pub thread_id: i64,
}

/// Pins or unpins a thread.
pub async fn set_pinned(
    db: &Db,
    viewer: &Viewer,
    thread_id: i64,
    pinned: bool,
) -> CoreResult<Moderated> {
    set_flag(db, viewer, thread_id, "pinned_at", pinned).await
}

/// Locks or unlocks a thread: a locked thread takes no replies or edits.
pub async fn set_locked(
    db: &Db,
    viewer: &Viewer,
    thread_id: i64,
    locked: bool,
) -> CoreResult<Moderated> {
    set_flag(db, viewer, thread_id, "locked_at", locked).await
}

async fn set_flag(
    db: &Db,
    viewer: &Viewer,
    thread_id: i64,
    column: &'static str,
    on: bool,
) -> CoreResult<Moderated> {
    let (thread, label) = visible_thread(db, viewer, thread_id).await?;
    require_moderate(viewer, &label.item())?;
    let value = on.then(clock::now);
    sqlx::query(&format!(
        "update forum_threads set {column} = $1 where id = $2"
    ))
    .bind(value)
    .bind(thread.id)
    .execute(db)
    .await?;
    Ok(Moderated {
        group_id: thread.group_id,
        thread_id: thread.id,
    })
}

/// Removes a post the moderator can see, with a reason the readers see.
pub async fn remove_post(
    db: &Db,
    viewer: &Viewer,
    post_id: i64,
    reason: &str,
) -> CoreResult<Moderated> {
    let (post, label, thread, thread_label) = visible_post(db, viewer, post_id).await?;
    require_moderate(viewer, &thread_label.item())?;
    require_moderate(viewer, &label.item())?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::invalid("reason", "required"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CoreError::invalid("reason", "too_long"));
    }
    sqlx::query(
        "update forum_posts set removed_at = $1, removed_by = $2, removed_reason = $3 \
         where id = $4 and removed_at is null",
    )
    .bind(clock::now())
    .bind(viewer.user_id)
    .bind(reason)
    .bind(post.id)
    .execute(db)
    .await?;
    Ok(Moderated {
        group_id: thread.group_id,
        thread_id: thread.id,
    })
}

/// Moves a thread to another group's forum. Only a moderator of both groups may, and
/// only if no AMBER+STRICT or RED audience would fall outside the target group: every
/// RED recipient and author must be a member there, and every AMBER+STRICT recipient
/// organisation must have a member there. Returns the source group.
pub async fn move_thread(
    db: &Db,
    viewer: &Viewer,
    thread_id: i64,
    target_slug: &str,
) -> CoreResult<(Moderated, GroupId)> {
    let (thread, label) = visible_thread(db, viewer, thread_id).await?;
    require_moderate(viewer, &label.item())?;
    let target: GroupId =
        sqlx::query_scalar("select id from user_groups where slug = $1 and archived_at is null")
            .bind(target_slug.trim())
            .fetch_optional(db)
            .await?
            .ok_or(CoreError::invalid("target", "unknown"))?;
    if !viewer
        .group_role(target)
        .is_some_and(GroupRole::can_moderate)
    {
        // A group the viewer does not moderate is not offered, and named like a missing one.
        return Err(CoreError::invalid("target", "unknown"));
    }
    if target == thread.group_id {
        return Err(CoreError::invalid("target", "same_group"));
    }

    let target_members: Vec<(UserId, OrgId)> = sqlx::query_as(
        "select u.id, u.org_id from group_members m join users u on u.id = m.user_id \
         where m.group_id = $1",
    )
    .bind(target)
    .fetch_all(db)
    .await?;
    let fits = |item: &Labelled| match item.tlp {
        Tlp::Clear | Tlp::Green | Tlp::Amber => true,
        Tlp::AmberStrict => item
            .orgs
            .iter()
            .all(|org| target_members.iter().any(|(_, o)| o == org)),
        Tlp::Red => item
            .users
            .iter()
            .chain([&item.author_id])
            .all(|user| target_members.iter().any(|(u, _)| u == user)),
    };
    if !fits(&label) {
        return Err(CoreError::invalid("target", "recipients_outside"));
    }
    let restricted: Vec<(i64, UserId, Tlp)> = sqlx::query_as(
        "select id, author_id, tlp from forum_posts where thread_id = $1 \
         and tlp in ('amber+strict', 'red')",
    )
    .bind(thread.id)
    .fetch_all(db)
    .await?;
    for (id, author_id, tlp) in restricted {
        let (orgs, users) =
            recipients_of(db, "post_recipient_orgs", "post_recipient_users", id).await?;
        let post = Labelled {
            group_id: thread.group_id,
            tlp,
            author_id,
            orgs,
            users,
        };
        if !fits(&post) {
            return Err(CoreError::invalid("target", "recipients_outside"));
        }
    }

    let mut tx = db.begin().await?;
    sqlx::query("update forum_threads set group_id = $1 where id = $2 and group_id = $3")
        .bind(target)
        .bind(thread.id)
        .bind(thread.group_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("update forum_posts set group_id = $1 where thread_id = $2")
        .bind(target)
        .bind(thread.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((
        Moderated {
            group_id: target,
            thread_id: thread.id,
        },
        thread.group_id,
    ))
}

/// The groups the viewer moderates besides `except`, as move targets: (slug, name). One
/// query, none for a viewer who moderates no other group.
pub async fn move_targets(
    db: &Db,
    viewer: &Viewer,
    except: GroupId,
) -> CoreResult<Vec<(String, String)>> {
    let moderated: Vec<GroupId> = viewer
        .groups
        .iter()
        .filter(|(group, role)| *group != except && role.can_moderate())
        .map(|(group, _)| *group)
        .collect();
    if moderated.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select id, slug, name from user_groups where archived_at is null and id in (",
    );
    let mut list = qb.separated(", ");
    for group in &moderated {
        list.push_bind(*group);
    }
    qb.push(")");
    let found: Vec<(GroupId, String, String)> = qb.build_query_as().fetch_all(db).await?;
    // In the viewer's order of groups before the sort by name, as ties have always been.
    let mut targets: Vec<(String, String)> = moderated
        .iter()
        .filter_map(|group| found.iter().find(|(id, _, _)| id == group))
        .map(|(_, slug, name)| (slug.clone(), name.clone()))
        .collect();
    targets.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(targets)
}
