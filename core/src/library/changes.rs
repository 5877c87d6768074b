//! Changes to a document after it was added: its metadata (title, description, tags,
//! folder, label), bringing back an earlier version, and its removal. Each keeps
//! history (the edits table, the versions, the removal's reason) and stages its audit
//! and search outbox rows in its own transaction.

use super::watching::{self, Happened};
use super::{
    Change, DOCUMENT_RECIPIENTS, Libraries, MAX_CHANGE_NOTE_CHARS, MAX_TITLE_CHARS, VERSIONS,
    VersionRow, folders, visible_label,
};
use crate::audit::action;
use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::group_content::{self, Audience, Members, insert_recipients};
use crate::ids::UserId;
use crate::policy::{
    Tlp, Viewer, push_group_content_visible, require_manage_item, require_post_in,
};
use sqlx::{QueryBuilder, Sqlite};

/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Most tags on one document, and the longest tag in characters.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
/// Longest removal reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A document's metadata as the edit form sends it: every field, changed or not.
#[derive(Debug, Clone, Default)]
pub struct DocumentEdit {
    pub title: String,
    pub description: String,
    /// Comma-separated, as typed.
    pub tags: String,
    /// `None`: where it is; `Some(None)`: the top of the library.
    pub folder_id: Option<Option<i64>>,
    /// Missing: unchanged. A lower label is refused (labels go up, never down).
    pub tlp: Option<Tlp>,
    /// Empty: the current recipients, where the label stays the same.
    pub audience: Audience,
    pub change_note: String,
}

/// Tags as stored: trimmed, lower-cased, unique, in the order first given.
pub fn normalise_tags(raw: &str) -> CoreResult<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(|t| t.trim().to_lowercase()) {
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
            return Err(CoreError::invalid("tags", "bad_tag"));
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(CoreError::invalid("tags", "too_many"));
    }
    Ok(tags.join(","))
}

/// Changes document `id`'s metadata: its author or a moderator of its group who may
/// see it (`NotFound` for anyone who may not see it). The label may be raised, never
/// lowered; its files and their versions keep their own labels.
pub async fn edit_document(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    edit: DocumentEdit,
    address: &str,
) -> CoreResult<()> {
    let editor = viewer.user_id.ok_or(CoreError::NotFound)?;
    let title = edit.title.trim();
    if title.is_empty() {
        return Err(CoreError::invalid("title", "required"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(CoreError::invalid("title", "too_long"));
    }
    let description = edit.description.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(CoreError::invalid("description", "too_long"));
    }
    let tags = normalise_tags(&edit.tags)?;
    let note = checked_note(&edit.change_note)?;

    let db = &libraries.db;
    let current = visible_label(db, viewer, id).await?;
    require_manage_item(viewer, &current.item())?;
    require_post_in(viewer, current.group_id)?;
    let tlp = edit.tlp.unwrap_or(current.tlp);
    if tlp < current.tlp {
        return Err(CoreError::invalid("tlp", "below_current"));
    }
    let members = Members::load(db, current.group_id).await?;
    let (mut orgs, users) = group_content::resolve(
        viewer,
        tlp,
        &edit.audience,
        &members,
        Some(&current),
        // New recipients must be people who may see the document now.
        &[current.item()],
        false,
    )?;
    super::keep_author_org(tlp, &mut orgs, &members, current.author_id);
    // The document names everyone but its author (implied); the editor, left out by
    // `resolve` as the one writing, is named when it is someone else.
    let mut named: Vec<UserId> = users;
    if tlp == Tlp::Red {
        named.push(editor);
    }
    named.retain(|u| *u != current.author_id);
    named.sort_unstable();
    named.dedup();

    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    // Read again inside the transaction: what was checked is what is changed.
    let again = visible_label(&mut *tx, viewer, id).await?;
    if again.tlp != current.tlp || again.orgs != current.orgs || again.users != current.users {
        return Err(CoreError::Conflict("changed_meanwhile"));
    }
    if let Some(Some(folder)) = edit.folder_id {
        folders::folder_in(&mut tx, current.group_id, folder, "folder_id").await?;
    }
    let before: (String, String, String, Option<i64>) =
        sqlx::query_as("select title, description, tags, folder_id from documents where id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let folder_id = edit.folder_id.unwrap_or(before.3);
    let mut changed = Vec::new();
    for (name, differs) in [
        ("title", before.0 != title),
        ("description", before.1 != description),
        ("tags", before.2 != tags),
        ("folder", before.3 != folder_id),
        ("tlp", tlp != current.tlp),
        ("recipients", orgs != current.orgs || named != current.users),
    ] {
        if differs {
            changed.push(name);
        }
    }
    if changed.is_empty() {
        // Nothing to keep in the history.
        return Ok(());
    }
    sqlx::query(
        "update documents set title = $1, description = $2, tags = $3, folder_id = $4, \
         tlp = $5, updated_at = $6 where id = $7",
    )
    .bind(title)
    .bind(description)
    .bind(&tags)
    .bind(folder_id)
    .bind(tlp)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    insert_recipients(&mut tx, DOCUMENT_RECIPIENTS, id, &orgs, &named).await?;
    sqlx::query(
        "insert into document_edits (document_id, editor_id, title, description, tags, tlp, \
         change_note, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(editor)
    .bind(title)
    .bind(description)
    .bind(&tags)
    .bind(tlp)
    .bind(&note)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Change::new(viewer, action::DOCUMENT_EDIT, id, address)
        .detail(format!("changed={}", changed.join(",")))
        .stage(&mut tx, now)
        .await?;
    // A move tells those who watch where it went, and did not watch where it was.
    let moved = Happened::Moved { from: before.3 };
    let notified = watching::notify_watchers(&mut tx, &members, id, moved, editor, now).await?;
    tx.commit().await?;
    libraries.audit.chain_soon();
    libraries.hub.publish(&notified);
    Ok(())
}

/// Makes version `version` of document `id` the newest again, as a new version with
/// its file and the document's current label and recipients (never the earlier, perhaps
/// lower, label). For anyone who may add versions and see that version.
pub async fn restore_version(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    version: i64,
    change_note: &str,
    address: &str,
) -> CoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Earlier {
        #[sqlx(flatten)]
        label: super::LabelRow,
        sha256: String,
        size: i64,
        media_type: String,
        file_name: String,
    }
    let restorer = viewer.user_id.ok_or(CoreError::NotFound)?;
    let note = checked_note(change_note)?;
    let now = clock::now();
    let mut tx = libraries.db.begin_with("BEGIN IMMEDIATE").await?;
    let current = visible_label(&mut *tx, viewer, id).await?;
    require_post_in(viewer, current.group_id)?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.group_id, v.tlp, v.author_id, \
         (select group_concat(r.org_id) from version_recipient_orgs r where r.item_id = v.id) \
         as recipient_orgs, \
         (select group_concat(r.user_id) from version_recipient_users r where r.item_id = v.id) \
         as recipient_users, \
         v.sha256, v.size, v.media_type, v.file_name from document_versions v \
         where v.document_id = ",
    );
    qb.push_bind(id)
        .push(" and v.version = ")
        .push_bind(version);
    qb.push(" and ");
    push_group_content_visible(&mut qb, viewer, &VERSIONS);
    let earlier: Earlier = qb
        .build_query_as()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CoreError::NotFound)?;
    // Its words come back under the current label: refused if that would let anyone
    // read them whom the version's own label kept out (as a quote may not widen).
    let earlier_label = earlier.label.labelled()?;
    let members = Members::load(&libraries.db, current.group_id).await?;
    if members.widens(&current.item(), &earlier_label.item()) {
        return Err(CoreError::invalid("version", "wider_audience"));
    }
    // The document's recipients name everyone but its author; as a version's they
    // must name everyone but the restorer (`insert_newest` arranges both).
    let restored = VersionRow {
        document_id: id,
        group_id: current.group_id,
        tlp: current.tlp,
        uploader: restorer,
        sha256: &earlier.sha256,
        size: earlier.size,
        media_type: &earlier.media_type,
        file_name: &earlier.file_name,
        change_note: &note,
        restored_from: Some(version),
        orgs: &current.orgs,
        users: &current.users,
    }
    .insert_newest(&mut tx, &current, now)
    .await?;
    Change::new(viewer, action::DOCUMENT_RESTORE, id, address)
        .detail(format!("version={restored} from={version}"))
        .stage(&mut tx, now)
        .await?;
    let new_version = Happened::NewVersion { version: restored };
    let notified =
        watching::notify_watchers(&mut tx, &members, id, new_version, restorer, now).await?;
    tx.commit().await?;
    libraries.audit.chain_soon();
    libraries.hub.publish(&notified);
    // The restored file is the newest again; its text may never have been read.
    libraries.files.named_again();
    Ok(restored)
}

/// Removes document `id`: its author or a moderator of its group, with a reason. The
/// document leaves every list and answers as missing; its versions go, and with them
/// every file no other document's version names. Answers the group's slug.
pub async fn remove_document(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    reason: &str,
    address: &str,
) -> CoreResult<String> {
    let remover = viewer.user_id.ok_or(CoreError::NotFound)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::invalid("reason", "required"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CoreError::invalid("reason", "too_long"));
    }
    let now = clock::now();
    let mut tx = libraries.db.begin_with("BEGIN IMMEDIATE").await?;
    let current = visible_label(&mut *tx, viewer, id).await?;
    require_manage_item(viewer, &current.item())?;
    let hashes: Vec<String> =
        sqlx::query_scalar("select distinct sha256 from document_versions where document_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    let versions = sqlx::query("delete from document_versions where document_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query(
        "update documents set removed_at = $1, removed_by = $2, removed_reason = $3 \
         where id = $4",
    )
    .bind(now)
    .bind(remover)
    .bind(reason)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Change::new(viewer, action::DOCUMENT_REMOVE, id, address)
        .detail(format!("versions={versions}"))
        .removal()
        .stage(&mut tx, now)
        .await?;
    let slug: String = sqlx::query_scalar("select slug from user_groups where id = $1")
        .bind(current.group_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    libraries.audit.chain_soon();
    // After the commit: a file is released only once no committed row names it.
    libraries.files.release(&libraries.db, &hashes).await?;
    Ok(slug)
}

fn checked_note(note: &str) -> CoreResult<String> {
    let note = note.trim();
    if note.chars().count() > MAX_CHANGE_NOTE_CHARS {
        return Err(CoreError::invalid("change_note", "too_long"));
    }
    Ok(note.to_string())
}
