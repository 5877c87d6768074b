//! A library's folders: organisational, with no label of their own. Every member of the
//! group sees their names (the forms say so); the documents in them carry the labels.
//! Anyone who may add documents creates folders; the folder's creator and the group's
//! moderators rename, move and delete them, and a folder is deleted only when empty.

use super::Libraries;
use crate::audit::{self, Actor, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, UserId};
use crate::policy::{GroupItem, Tlp, Viewer, can_read_in, require_manage_item, require_post_in};

/// Longest folder name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A folder as lists and breadcrumbs show it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub created_by: UserId,
}

/// Every folder of `group`, for a viewer who reads in it (`NotFound` otherwise), by name.
pub async fn folders_of(db: &Db, viewer: &Viewer, group: GroupId) -> CoreResult<Vec<Folder>> {
    if !can_read_in(viewer, group) {
        return Err(CoreError::NotFound);
    }
    Ok(sqlx::query_as(
        "select id, parent_id, name, created_by from library_folders where group_id = $1 \
         order by name collate nocase, id",
    )
    .bind(group)
    .fetch_all(db)
    .await?)
}

/// The folder `id` and the folders above it, outermost first; empty for the top.
pub fn path_to(folders: &[Folder], id: Option<i64>) -> Vec<Folder> {
    let mut path = Vec::new();
    let mut next = id;
    // Bounded by the number of folders: a cycle (never written) cannot loop forever.
    while let Some(id) = next {
        if path.len() > folders.len() {
            break;
        }
        let Some(folder) = folders.iter().find(|f| f.id == id) else {
            break;
        };
        path.push(folder.clone());
        next = folder.parent_id;
    }
    path.reverse();
    path
}

/// Creates folder `name` in `parent` (the top when `None`) of group `slug`.
pub async fn create(
    libraries: &Libraries,
    viewer: &Viewer,
    slug: &str,
    parent: Option<i64>,
    name: &str,
    address: &str,
) -> CoreResult<i64> {
    let db = &libraries.db;
    let group = group_by_slug(db, slug).await?;
    require_post_in(viewer, group)?;
    let creator = viewer.user_id.ok_or(CoreError::NotFound)?;
    let name = checked_name(name)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(parent) = parent {
        folder_in(&mut tx, group, parent, "parent_id").await?;
    }
    let id: i64 = sqlx::query_scalar(
        "insert into library_folders (group_id, parent_id, name, created_by, created_at) \
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(group)
    .bind(parent)
    .bind(&name)
    .bind(creator)
    .bind(clock::now())
    .fetch_one(&mut *tx)
    .await
    .map_err(name_taken)?;
    commit(
        tx,
        libraries,
        viewer,
        action::FOLDER_CREATE,
        group,
        id,
        address,
    )
    .await?;
    Ok(id)
}

/// Renames folder `id`. Answers where it is.
pub async fn rename(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    name: &str,
    address: &str,
) -> CoreResult<Place> {
    let name = checked_name(name)?;
    let mut tx = libraries.db.begin_with("BEGIN IMMEDIATE").await?;
    let folder = managed(&mut tx, viewer, id).await?;
    sqlx::query("update library_folders set name = $1 where id = $2")
        .bind(&name)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
    commit(
        tx,
        libraries,
        viewer,
        action::FOLDER_RENAME,
        folder.group,
        id,
        address,
    )
    .await?;
    Ok(Place {
        slug: folder.slug,
        parent: folder.parent,
    })
}

/// Moves folder `id` into `parent` (the top when `None`) within its group; never into
/// itself or a folder inside it.
pub async fn move_to(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    parent: Option<i64>,
    address: &str,
) -> CoreResult<Place> {
    let mut tx = libraries.db.begin_with("BEGIN IMMEDIATE").await?;
    let folder = managed(&mut tx, viewer, id).await?;
    if let Some(parent) = parent {
        folder_in(&mut tx, folder.group, parent, "parent_id").await?;
        // Walk up from the target: meeting the folder itself means a cycle.
        let inside: bool = sqlx::query_scalar(
            "with recursive up(id) as (select $1 union all \
             select f.parent_id from library_folders f join up on f.id = up.id \
             where f.parent_id is not null) \
             select exists (select 1 from up where id = $2)",
        )
        .bind(parent)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if inside {
            return Err(CoreError::invalid("parent_id", "inside_itself"));
        }
    }
    sqlx::query("update library_folders set parent_id = $1 where id = $2")
        .bind(parent)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
    commit(
        tx,
        libraries,
        viewer,
        action::FOLDER_MOVE,
        folder.group,
        id,
        address,
    )
    .await?;
    Ok(Place {
        slug: folder.slug,
        parent,
    })
}

/// Deletes folder `id` if it holds no folder and no document (removed ones aside, which
/// move to the top). Answers where it was.
pub async fn delete(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    address: &str,
) -> CoreResult<Place> {
    let mut tx = libraries.db.begin_with("BEGIN IMMEDIATE").await?;
    let folder = managed(&mut tx, viewer, id).await?;
    // Counted whatever their label: a folder with a document the viewer cannot see is
    // not empty either, and the answer does not say what is in it.
    let in_use: bool = sqlx::query_scalar(
        "select exists (select 1 from library_folders where parent_id = $1) \
         or exists (select 1 from documents where folder_id = $1 and removed_at is null)",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if in_use {
        return Err(CoreError::Conflict("folder_not_empty"));
    }
    sqlx::query("update documents set folder_id = null where folder_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from library_folders where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    commit(
        tx,
        libraries,
        viewer,
        action::FOLDER_DELETE,
        folder.group,
        id,
        address,
    )
    .await?;
    Ok(Place {
        slug: folder.slug,
        parent: folder.parent,
    })
}

/// The group of `slug` (not archived), or `NotFound`.
pub(super) async fn group_by_slug(db: &Db, slug: &str) -> CoreResult<GroupId> {
    sqlx::query_scalar("select id from user_groups where slug = $1 and archived_at is null")
        .bind(slug.trim())
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Checks that folder `id` is in `group`; else `field` is invalid.
pub(super) async fn folder_in(
    tx: &mut Tx<'_>,
    group: GroupId,
    id: i64,
    field: &'static str,
) -> CoreResult<()> {
    let found: Option<i64> =
        sqlx::query_scalar("select id from library_folders where id = $1 and group_id = $2")
            .bind(id)
            .bind(group)
            .fetch_optional(&mut **tx)
            .await?;
    found
        .map(|_| ())
        .ok_or(CoreError::invalid(field, "unknown"))
}

struct Managed {
    group: GroupId,
    parent: Option<i64>,
    slug: String,
}

/// Where a folder was: its group's slug and the folder above it (`None`: the top).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub slug: String,
    pub parent: Option<i64>,
}

/// Folder `id`, if the viewer may rename, move or delete it: its creator or a moderator
/// of its group. A folder is checked as a CLEAR item of its group, which is what its
/// name is to the members.
async fn managed(tx: &mut Tx<'_>, viewer: &Viewer, id: i64) -> CoreResult<Managed> {
    let (group, parent, created_by, slug): (GroupId, Option<i64>, UserId, String) = sqlx::query_as(
        "select f.group_id, f.parent_id, f.created_by, g.slug from library_folders f \
         join user_groups g on g.id = f.group_id and g.archived_at is null where f.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(CoreError::NotFound)?;
    require_manage_item(viewer, &as_item(group, created_by))?;
    // A reader who once created a folder (before a role change) no longer changes it.
    require_post_in(viewer, group)?;
    Ok(Managed {
        group,
        parent,
        slug,
    })
}

/// A folder as the policy reads it: a CLEAR item of its group by its creator.
fn as_item(group: GroupId, created_by: UserId) -> GroupItem<'static> {
    GroupItem {
        group_id: group,
        tlp: Tlp::Clear,
        author_id: created_by,
        recipient_orgs: &[],
        recipient_users: &[],
    }
}

/// Whether the viewer may rename, move and delete `folder` of `group` (see [`managed`]).
pub(super) fn may_manage(viewer: &Viewer, group: GroupId, folder: &Folder) -> bool {
    crate::policy::can_manage_item(viewer, &as_item(group, folder.created_by))
}

fn checked_name(name: &str) -> CoreResult<String> {
    // Control and bidirectional-override characters would make one name read as another.
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control() && !super::file_name::is_bidi_control(*c))
        .collect();
    let name = cleaned.trim();
    if name.is_empty() {
        return Err(CoreError::invalid("name", "required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(CoreError::invalid("name", "too_long"));
    }
    Ok(name.to_string())
}

/// Two folders with one name in one place: the unique index answers, also for two
/// requests racing for the name.
fn name_taken(err: sqlx::Error) -> CoreError {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => CoreError::invalid("name", "taken"),
        _ => err.into(),
    }
}

/// Stages the change's audit row in its transaction, commits, and wakes the appender.
async fn commit(
    mut tx: Tx<'_>,
    libraries: &Libraries,
    viewer: &Viewer,
    what: &'static str,
    group: GroupId,
    folder: i64,
    address: &str,
) -> CoreResult<()> {
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), what)
            .subject(Subject::group(group))
            .address(address)
            .detail(format!("folder={folder}")),
    )
    .await?;
    tx.commit().await?;
    libraries.audit.chain_soon();
    Ok(())
}
