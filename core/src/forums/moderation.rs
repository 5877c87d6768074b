//! Moderation: pin, lock, move a thread, remove a post. Moderators and owners act only
//! on what they can see (`policy::require_moderate`: hidden is `NotFound`, visible but
//! not theirs to moderate is `Forbidden`). Each action stages its audit row, by ids
//! only, in the transaction that does it.

use super::{Labelled, recipients_of, visible_post, visible_thread};
use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupRole, PlatformRole, Tlp, Viewer, can_see_group_item, require_moderate};
use crate::search::outbox::{self, Item, Operation};
use sqlx::{QueryBuilder, Sqlite};

/// Longest removal reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// What a moderation action touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moderated {
    pub group_id: GroupId,
    pub thread_id: i64,
}

impl Moderated {
    /// Stages the action's audit row (the group, the thread and `detail`) in `tx`.
    async fn stage(
        self,
        tx: &mut Tx<'_>,
        viewer: &Viewer,
        action: &'static str,
        detail: &str,
        address: &str,
    ) -> CoreResult<()> {
        let detail = format!("thread={} {detail}", self.thread_id);
        audit::stage(
            tx,
            Entry::new(Actor::of(viewer), action)
                .subject(Subject::group(self.group_id))
                .address(address)
                .detail(detail.trim()),
        )
        .await
    }
}

/// Pins or unpins a thread.
pub async fn set_pinned(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    thread_id: i64,
    pinned: bool,
    address: &str,
) -> CoreResult<Moderated> {
    let done = if pinned {
        action::THREAD_PIN
    } else {
        action::THREAD_UNPIN
    };
    let flag = Flag {
        column: "pinned_at",
        on: pinned,
        action: done,
    };
    set_flag(db, audit, viewer, thread_id, flag, address).await
}

/// Locks or unlocks a thread: a locked thread takes no replies or edits.
pub async fn set_locked(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    thread_id: i64,
    locked: bool,
    address: &str,
) -> CoreResult<Moderated> {
    let done = if locked {
        action::THREAD_LOCK
    } else {
        action::THREAD_UNLOCK
    };
    let flag = Flag {
        column: "locked_at",
        on: locked,
        action: done,
    };
    set_flag(db, audit, viewer, thread_id, flag, address).await
}

/// A thread's flag set or cleared, and the action the audit log names it by.
struct Flag {
    column: &'static str,
    on: bool,
    action: &'static str,
}

async fn set_flag(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    thread_id: i64,
    flag: Flag,
    address: &str,
) -> CoreResult<Moderated> {
    let (thread, label) = visible_thread(db, viewer, thread_id).await?;
    require_moderate(viewer, &label.item())?;
    let value = flag.on.then(clock::now);
    let done = Moderated {
        group_id: thread.group_id,
        thread_id: thread.id,
    };
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(&format!(
        "update forum_threads set {} = $1 where id = $2",
        flag.column
    ))
    .bind(value)
    .bind(thread.id)
    .execute(&mut *tx)
    .await?;
    done.stage(&mut tx, viewer, flag.action, "", address)
        .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(done)
}

/// Removes a post the moderator can see, with a reason the readers see.
pub async fn remove_post(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    post_id: i64,
    reason: &str,
    address: &str,
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
    let done = Moderated {
        group_id: thread.group_id,
        thread_id: thread.id,
    };
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let removed = sqlx::query(
        "update forum_posts set removed_at = $1, removed_by = $2, removed_reason = $3 \
         where id = $4 and removed_at is null",
    )
    .bind(now)
    .bind(viewer.user_id)
    .bind(reason)
    .bind(post.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed > 0 {
        // Its text is never shown again. The thread stays listed under its title even when
        // this is its opening post, so the thread's own entry stays.
        outbox::stage(&mut tx, Item::Post(post.id), Operation::Delete, now).await?;
    }
    // A removed post's text is never shown again: the documents it linked stop listing it.
    super::links::forget(&mut tx, post.id).await?;
    let detail = format!("post={post_id}");
    done.stage(&mut tx, viewer, action::POST_REMOVE, &detail, address)
        .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(done)
}

/// Moves a thread to another group's forum. Only a moderator of both groups may, and
/// only if the audience of every AMBER+STRICT or RED item in it (the thread and each
/// post, also those the moderator cannot see) stays as it is:
///
/// - nobody sees such an item after the move who could not see it before (in the target
///   group, an organisation's or a named person's other colleagues would otherwise start
///   reading it);
/// - nobody it names is left out: every RED recipient and author is a member of the
///   target group, and every AMBER+STRICT recipient organisation has a member there.
///
/// Posts for the whole group (CLEAR, GREEN, AMBER) go to the target group's members:
/// that is what a move is for, and its moderator sees them all. A refusal is the same
/// answer (`target` / `audience_changes`) whichever item caused it, so it tells nothing
/// about posts the moderator cannot see. Returns the source group.
pub async fn move_thread(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    thread_id: i64,
    target_slug: &str,
    address: &str,
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

    let mut items = vec![label.clone()];
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
        items.push(Labelled {
            group_id: thread.group_id,
            tlp,
            author_id,
            orgs,
            users,
        });
    }
    let people = People::load(db, thread.group_id, target).await?;
    if !items
        .iter()
        .filter(|item| matches!(item.tlp, Tlp::AmberStrict | Tlp::Red))
        .all(|item| people.keep_audience(&label, item, target))
    {
        return Err(CoreError::invalid("target", "audience_changes"));
    }

    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
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
    let done = Moderated {
        group_id: target,
        thread_id: thread.id,
    };
    // One `thread` row: the indexer re-reads the thread and every post in it.
    outbox::stage(
        &mut tx,
        Item::Thread(thread.id),
        Operation::Upsert,
        clock::now(),
    )
    .await?;
    let detail = format!("from_group={}", thread.group_id);
    done.stage(&mut tx, viewer, action::THREAD_MOVE, &detail, address)
        .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok((done, thread.group_id))
}

/// Everyone who belongs to the source or the target group of a move (whatever their
/// account's status, as a disabled account may come back), as the policy sees them in
/// each group.
struct People {
    source: GroupId,
    people: Vec<Person>,
}

struct Person {
    user: UserId,
    org: OrgId,
    role: PlatformRole,
    org_admin: bool,
    in_source: Option<GroupRole>,
    in_target: Option<GroupRole>,
}

impl People {
    async fn load(db: &Db, source: GroupId, target: GroupId) -> CoreResult<Self> {
        let rows: Vec<(UserId, OrgId, String, bool, GroupId, String)> = sqlx::query_as(
            "select u.id, u.org_id, u.platform_role, u.org_admin, m.group_id, m.role \
             from group_members m join users u on u.id = m.user_id \
             where m.group_id in ($1, $2) order by u.id",
        )
        .bind(source)
        .bind(target)
        .fetch_all(db)
        .await?;
        let mut people: Vec<Person> = Vec::new();
        for (user, org, role, org_admin, group, group_role) in rows {
            let group_role = GroupRole::from_stored(&group_role)?;
            if people.last().is_none_or(|p| p.user != user) {
                people.push(Person {
                    user,
                    org,
                    role: PlatformRole::from_stored(&role)?,
                    org_admin,
                    in_source: None,
                    in_target: None,
                });
            }
            if let Some(person) = people.last_mut() {
                if group == source {
                    person.in_source = Some(group_role);
                } else {
                    person.in_target = Some(group_role);
                }
            }
        }
        Ok(Self { source, people })
    }

    /// Whether moving `item` (in the thread labelled `thread`) to `target` leaves its
    /// audience as it was: the policy asked for each person, before and after.
    fn keep_audience(&self, thread: &Labelled, item: &Labelled, target: GroupId) -> bool {
        let sees = |person: &Person, group: GroupId, role: Option<GroupRole>| {
            let viewer = Viewer::user(
                person.user,
                person.org,
                person.role,
                person.org_admin,
                role.map(|r| (group, r)).into_iter().collect(),
            );
            let moved = |l: &Labelled| Labelled {
                group_id: group,
                ..l.clone()
            };
            can_see_group_item(&viewer, &moved(thread).item())
                && can_see_group_item(&viewer, &moved(item).item())
        };
        let nobody_new = self
            .people
            .iter()
            .all(|p| !sees(p, target, p.in_target) || sees(p, self.source, p.in_source));
        let member_of_target = |user: &UserId| {
            self.people
                .iter()
                .any(|p| p.user == *user && p.in_target.is_some())
        };
        let nobody_left_out = match item.tlp {
            Tlp::Clear | Tlp::Green | Tlp::Amber => true,
            Tlp::AmberStrict => item.orgs.iter().all(|org| {
                self.people
                    .iter()
                    .any(|p| p.org == *org && p.in_target.is_some())
            }),
            Tlp::Red => item
                .users
                .iter()
                .chain([&item.author_id])
                .all(member_of_target),
        };
        nobody_new && nobody_left_out
    }
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
