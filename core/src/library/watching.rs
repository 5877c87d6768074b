//! Watching a library: a member watches a folder, with every folder inside it, or the
//! whole library, and is told of new documents and new versions there — each time only
//! if the policy lets them see what was added.
//!
//! Watching is open to whoever reads in the group (any group role), since folders are
//! visible to every member; a folder of a group the viewer does not read in is answered
//! as a missing one. A watch is a wish, not access: the notification is written only for
//! watchers who may see the document (and the version), never for the one who made the
//! change, in the change's own transaction ([`notify_watchers`]); listing and counting
//! notifications checks access again (`crate::notifications`). A watch of a group one
//! has left stays stored but is neither listed nor acted on, and comes back to life with
//! the membership.

use super::folders::{self, Folder};
use super::{LABEL_COLUMNS, LabelRow};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::group_content::Members;
use crate::ids::{GroupId, UserId};
use crate::policy::{Viewer, can_read_in};

/// Whether the viewer is told of what happens in one place of a library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// Not told.
    No,
    /// Watches this place itself (and so every folder inside it).
    Here,
    /// Told because it watches a place around this one: a folder above it, or the
    /// whole library (`None`).
    Above(Option<Folder>),
}

/// A place the viewer watches, as the notification centre lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub slug: String,
    pub group_name: String,
    /// `None`: the whole library.
    pub folder_id: Option<i64>,
    /// The folder and those above it, outermost first; empty for the whole library.
    pub path: Vec<Folder>,
}

/// The group of `slug` if the viewer reads in it, and folder `folder` if it is one of
/// the group's; `NotFound` for anything else (a hidden group or folder is a missing one).
async fn place(
    db: &Db,
    viewer: &Viewer,
    slug: &str,
    folder: Option<i64>,
) -> CoreResult<(UserId, GroupId, Vec<Folder>)> {
    let me = viewer.user_id.ok_or(CoreError::NotFound)?;
    let group = folders::group_by_slug(db, slug).await?;
    if !can_read_in(viewer, group) {
        return Err(CoreError::NotFound);
    }
    let all = folders::folders_of(db, viewer, group).await?;
    if let Some(id) = folder
        && !all.iter().any(|f| f.id == id)
    {
        return Err(CoreError::NotFound);
    }
    Ok((me, group, all))
}

/// Starts (`on`) or ends watching `folder` of group `slug`'s library (the whole library
/// when `None`). Doing what is already so changes nothing.
pub async fn set_watching(
    db: &Db,
    viewer: &Viewer,
    slug: &str,
    folder: Option<i64>,
    on: bool,
) -> CoreResult<()> {
    let (me, group, _) = place(db, viewer, slug, folder).await?;
    if on {
        sqlx::query(
            "insert into library_watches (user_id, group_id, folder_id, created_at) \
             values ($1, $2, $3, $4) on conflict do nothing",
        )
        .bind(me)
        .bind(group)
        .bind(folder)
        .bind(clock::now())
        .execute(db)
        .await?;
    } else {
        sqlx::query(
            "delete from library_watches where user_id = $1 and group_id = $2 \
             and coalesce(folder_id, 0) = coalesce($3, 0)",
        )
        .bind(me)
        .bind(group)
        .bind(folder)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Whether the viewer is told of what happens at `folder` of group `slug`'s library
/// (the top when `None`). `NotFound` as for [`set_watching`].
pub async fn watch_state(
    db: &Db,
    viewer: &Viewer,
    slug: &str,
    folder: Option<i64>,
) -> CoreResult<Watch> {
    let (me, group, all) = place(db, viewer, slug, folder).await?;
    let watched: Vec<Option<i64>> = sqlx::query_scalar(
        "select folder_id from library_watches where user_id = $1 and group_id = $2",
    )
    .bind(me)
    .bind(group)
    .fetch_all(db)
    .await?;
    if watched.contains(&folder) {
        return Ok(Watch::Here);
    }
    // The nearest folder above that is watched, else the whole library.
    let path = folders::path_to(&all, folder);
    let above = path
        .iter()
        .rev()
        .skip(1)
        .find(|f| watched.contains(&Some(f.id)));
    Ok(match above {
        Some(folder) => Watch::Above(Some(folder.clone())),
        None if watched.contains(&None) => Watch::Above(None),
        None => Watch::No,
    })
}

/// Every place the viewer watches in the libraries it reads in, by group and place.
pub async fn watched(db: &Db, viewer: &Viewer) -> CoreResult<Vec<Watched>> {
    let Some(me) = viewer.user_id else {
        return Ok(Vec::new());
    };
    let rows: Vec<(GroupId, String, String, Option<i64>)> = sqlx::query_as(
        "select g.id, g.slug, g.name, w.folder_id from library_watches w \
         join user_groups g on g.id = w.group_id and g.archived_at is null \
         where w.user_id = $1 order by g.name collate nocase, g.id",
    )
    .bind(me)
    .fetch_all(db)
    .await?;
    let mut places = Vec::with_capacity(rows.len());
    let mut loaded: Option<(GroupId, Vec<Folder>)> = None;
    for (group, slug, group_name, folder_id) in rows {
        // Left groups keep their watches, unlisted: their folder names are not the
        // viewer's to read any more.
        if !can_read_in(viewer, group) {
            continue;
        }
        if loaded.as_ref().is_none_or(|(g, _)| *g != group) {
            loaded = Some((group, folders::folders_of(db, viewer, group).await?));
        }
        let all = loaded
            .as_ref()
            .map(|(_, all)| all.as_slice())
            .unwrap_or(&[]);
        places.push(Watched {
            slug,
            group_name,
            folder_id,
            path: folders::path_to(all, folder_id),
        });
    }
    // Within a group: the whole library first, then the folders by their place.
    places.sort_by_cached_key(|w| {
        (
            w.group_name.to_lowercase(),
            w.slug.clone(),
            w.path
                .iter()
                .map(|f| f.name.to_lowercase())
                .collect::<Vec<_>>(),
        )
    });
    Ok(places)
}

/// What happened to a document, for those who watch where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Happened {
    /// It was added to the library: a `new_document` notification.
    Added,
    /// It was moved here from folder `from` (the top when `None`): those who watch where
    /// it is now and did not watch where it was are told of a `new_document`.
    Moved { from: Option<i64> },
    /// Version `version` was added (an upload or a restore): a `new_version`.
    NewVersion { version: i64 },
}

/// Stores a notification for everyone who watches where document `document_id` now is
/// (its folder, a folder above it, or the whole library) and may see it — and, for a new
/// version, that version — as the policy reads the rows this transaction wrote; never
/// for `actor`. `members` are the group's active members (`Members::load`): a watcher
/// who left the group, or was disabled, is not among them and is told nothing. Call it
/// in the change's own transaction, after the change is written, and publish the people
/// it answers (`notifications::Hub::publish`) once that transaction has committed.
pub(crate) async fn notify_watchers(
    tx: &mut Tx<'_>,
    members: &Members,
    document_id: i64,
    happened: Happened,
    actor: UserId,
    now: i64,
) -> CoreResult<Vec<UserId>> {
    #[derive(sqlx::FromRow)]
    struct Document {
        #[sqlx(flatten)]
        label: LabelRow,
        folder_id: Option<i64>,
    }
    let document: Option<Document> = sqlx::query_as(&format!(
        "select {LABEL_COLUMNS}, d.folder_id from documents d \
         where d.id = $1 and d.removed_at is null"
    ))
    .bind(document_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(document) = document else {
        return Ok(Vec::new());
    };
    let label = document.label.labelled()?;
    let mut watchers = watchers_of(tx, label.group_id, document.folder_id).await?;
    let mut version_row = None;
    let mut labels = vec![label];
    match happened {
        Happened::Added => {}
        Happened::Moved { from } => {
            if from == document.folder_id {
                return Ok(Vec::new());
            }
            let before = watchers_of(tx, labels[0].group_id, from).await?;
            watchers.retain(|w| !before.contains(w));
        }
        Happened::NewVersion { version } => {
            #[derive(sqlx::FromRow)]
            struct Version {
                id: i64,
                #[sqlx(flatten)]
                label: LabelRow,
            }
            // The version's own label and recipients, in the columns `LabelRow` reads.
            let row: Version = sqlx::query_as(
                "select v.id, v.group_id, v.tlp, v.author_id, \
                 (select group_concat(r.org_id) from version_recipient_orgs r \
                 where r.item_id = v.id) as recipient_orgs, \
                 (select group_concat(r.user_id) from version_recipient_users r \
                 where r.item_id = v.id) as recipient_users \
                 from document_versions v where v.document_id = $1 and v.version = $2",
            )
            .bind(document_id)
            .bind(version)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                CoreError::Internal(format!("version {version} of {document_id} not written"))
            })?;
            labels.push(row.label.labelled()?);
            version_row = Some(row.id);
        }
    }
    let items: Vec<_> = labels.iter().map(|l| l.item()).collect();
    watchers.retain(|w| *w != actor && members.may_see(*w, &items));
    let kind = match version_row {
        Some(_) => "new_version",
        None => "new_document",
    };
    for watcher in &watchers {
        sqlx::query(
            "insert into notifications (user_id, kind, document_id, version_id, actor_id, \
             created_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(watcher)
        .bind(kind)
        .bind(document_id)
        .bind(version_row)
        .bind(actor)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(watchers)
}

/// Who watches `folder` of `group` (the top when `None`): its own watchers, those of
/// every folder above it, and those of the whole library. Each once, by id.
async fn watchers_of(
    tx: &mut Tx<'_>,
    group: GroupId,
    folder: Option<i64>,
) -> CoreResult<Vec<UserId>> {
    Ok(sqlx::query_scalar(
        "with recursive up(id) as (select $2 union all \
         select f.parent_id from library_folders f join up on f.id = up.id \
         where f.parent_id is not null) \
         select distinct w.user_id from library_watches w where w.group_id = $1 \
         and (w.folder_id is null or w.folder_id in (select id from up where id is not null)) \
         order by w.user_id",
    )
    .bind(group)
    .bind(folder)
    .fetch_all(&mut **tx)
    .await?)
}
