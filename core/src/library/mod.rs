//! Group libraries: documents with versions, in folders, and the files behind them.
//!
//! Documents are group content: every read goes through the policy's SQL condition
//! (`DOCUMENTS`, `VERSIONS`), so a hidden document is answered as a missing one, and an
//! earlier version is shown only to readers admitted both by its own label and by the
//! document's newest. Every change and every read of a file stages its audit row in
//! the transaction that does it (`audit::stage`).

mod changes;
pub mod diff;
pub mod file_name;
pub mod file_type;
pub mod folders;
pub mod linking;
pub mod pages;
mod reading;
pub mod store;
pub mod text;
pub mod watching;

pub use changes::{DocumentEdit, edit_document, normalise_tags, remove_document, restore_version};
pub use reading::{
    DOWNLOADS_SHOWN, DocumentPage, Download, EditEntry, LibraryPage, LibraryQuery, ListedDocument,
    Sort, VersionEntry, document_page, library_page,
};

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::Db;
use crate::db::Tx;
use crate::error::{CoreError, CoreResult};
use crate::group_content::{self, Audience, Labelled, Members, RecipientTables, insert_recipients};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupContentSql, Tlp, Viewer, push_group_content_visible, require_post_in};
use crate::search::outbox::{self, Item, Operation};
use file_type::{FileType, Refused};
use sqlx::{QueryBuilder, Sqlite};
use std::path::PathBuf;
use store::{BlobStore, Received};
use watching::Happened;

/// Longest document title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

pub(crate) const DOCUMENTS: GroupContentSql =
    GroupContentSql::new("d", "document_recipient_orgs", "document_recipient_users");
const VERSIONS: GroupContentSql =
    GroupContentSql::new("v", "version_recipient_orgs", "version_recipient_users");

const DOCUMENT_RECIPIENTS: RecipientTables = RecipientTables {
    orgs: "document_recipient_orgs",
    users: "document_recipient_users",
};
const VERSION_RECIPIENTS: RecipientTables = RecipientTables {
    orgs: "version_recipient_orgs",
    users: "version_recipient_users",
};

/// A file to add to a group's library, as the upload form sent it.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub folder_id: Option<i64>,
    /// Empty or missing: the file's name.
    pub title: Option<String>,
    /// Missing: the group's default label.
    pub tlp: Option<Tlp>,
    pub audience: Audience,
    /// The name the browser sent, made safe before it is kept.
    pub file_name: String,
}

/// A document as added: its id and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Added {
    pub document_id: i64,
    pub version: i64,
}

/// Why a file was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The file is of a type libraries do not hold (named by what it was found to be).
    #[error("{file_name}: refused ({found:?})")]
    Refused { file_name: String, found: Refused },
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<sqlx::Error> for AddError {
    fn from(err: sqlx::Error) -> Self {
        Self::Core(err.into())
    }
}

/// The libraries of every group: the database, the file store and the audit log that
/// every change and read goes through, and the hub that tells watchers' open pages of a
/// new notification once a change has committed.
#[derive(Clone, Debug)]
pub struct Libraries {
    pub db: Db,
    pub files: BlobStore,
    pub audit: AuditLog,
    pub hub: crate::notifications::Hub,
}

/// Where documents are written to: a group the viewer may post in, and its label.
struct WritableGroup {
    id: GroupId,
    default_tlp: Tlp,
}

async fn writable_group(db: &Db, viewer: &Viewer, slug: &str) -> CoreResult<WritableGroup> {
    let (id, default_tlp): (GroupId, Tlp) = sqlx::query_as(
        "select id, default_tlp from user_groups where slug = $1 and archived_at is null",
    )
    .bind(slug.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    require_post_in(viewer, id)?;
    Ok(WritableGroup { id, default_tlp })
}

/// Adds `received` to the library of the group `slug` as a new document (version 1):
/// the file moves into the store, and the document, its first version, their recipients,
/// the audit row and the search outbox row commit in one transaction.
pub async fn add_document(
    libraries: &Libraries,
    viewer: &Viewer,
    slug: &str,
    upload: Upload,
    received: Received,
    address: &str,
) -> Result<Added, AddError> {
    let Libraries {
        db,
        files,
        audit: audit_log,
        hub,
    } = libraries;
    let author = viewer.user_id.ok_or(CoreError::NotFound)?;
    let group = writable_group(db, viewer, slug).await?;
    if let Some(folder) = upload.folder_id {
        let found: Option<i64> =
            sqlx::query_scalar("select id from library_folders where id = $1 and group_id = $2")
                .bind(folder)
                .bind(group.id)
                .fetch_optional(db)
                .await?;
        found.ok_or(CoreError::invalid("folder_id", "unknown"))?;
    }
    let file_name = file_name::safe_file_name(&upload.file_name);
    let file_type = typed(&received, &file_name)?;
    let title = title_or_name(upload.title.as_deref(), &file_name)?;
    let tlp = upload.tlp.unwrap_or(group.default_tlp);
    let members = Members::load(db, group.id).await?;
    let (orgs, users) =
        group_content::resolve(viewer, tlp, &upload.audience, &members, None, &[], false)?;

    let (sha256, size) = (received.sha256.clone(), received.size as i64);
    let placed = files.place(received).await?;
    crate::failpoint::crash_here("library_after_place");
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let document_id: i64 = sqlx::query_scalar(
        "insert into documents (group_id, folder_id, title, tlp, author_id, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning id",
    )
    .bind(group.id)
    .bind(upload.folder_id)
    .bind(&title)
    .bind(tlp)
    .bind(author)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(CoreError::from)?;
    insert_recipients(&mut tx, DOCUMENT_RECIPIENTS, document_id, &orgs, &users).await?;
    let version = VersionRow {
        document_id,
        group_id: group.id,
        tlp,
        uploader: author,
        sha256: &sha256,
        size,
        media_type: file_type.media_type(),
        file_name: &file_name,
        change_note: "",
        restored_from: None,
        orgs: &orgs,
        users: &users,
    }
    .insert(&mut tx, now)
    .await?;
    Change::new(viewer, action::DOCUMENT_UPLOAD, document_id, address)
        .detail(format!(
            "version={version} size={size} type={}",
            file_type.label()
        ))
        .stage(&mut tx, now)
        .await?;
    let notified =
        watching::notify_watchers(&mut tx, &members, document_id, Happened::Added, author, now)
            .await?;
    tx.commit().await?;
    drop(placed);
    audit_log.chain_soon();
    hub.publish(&notified);
    Ok(Added {
        document_id,
        version,
    })
}

/// A new version of a document, as the form sent it.
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    /// Missing: the document's label. A lower one is refused (labels go up, never down).
    pub tlp: Option<Tlp>,
    /// Empty: the recipients of the current version, where the label stays the same.
    pub audience: Audience,
    pub change_note: String,
    /// The name the browser sent, made safe before it is kept.
    pub file_name: String,
    /// The version the writer saw as the newest: when given, the version is refused
    /// (`version`/`conflict`) if another has become the newest since.
    pub based_on: Option<i64>,
}

/// Longest change note, in characters.
pub const MAX_CHANGE_NOTE_CHARS: usize = 500;

/// Adds `received` as the newest version of document `id`. The viewer must see the
/// document and may post in its group (`NotFound` / `Forbidden` otherwise). The label
/// may be raised, never lowered; the earlier versions keep theirs. Everything commits
/// in one transaction, as for a new document.
pub async fn add_version(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    new: NewVersion,
    received: Received,
    address: &str,
) -> Result<Added, AddError> {
    let Libraries {
        db,
        files,
        audit: audit_log,
        hub,
    } = libraries;
    let uploader = viewer.user_id.ok_or(CoreError::NotFound)?;
    let current = visible_label(db, viewer, id).await?;
    require_post_in(viewer, current.group_id)?;
    let tlp = new.tlp.unwrap_or(current.tlp);
    if tlp < current.tlp {
        return Err(CoreError::invalid("tlp", "below_current").into());
    }
    let change_note = new.change_note.trim().to_string();
    if change_note.chars().count() > MAX_CHANGE_NOTE_CHARS {
        return Err(CoreError::invalid("change_note", "too_long").into());
    }
    let file_name = file_name::safe_file_name(&new.file_name);
    let file_type = typed(&received, &file_name)?;
    let members = Members::load(db, current.group_id).await?;
    let (mut orgs, users) = group_content::resolve(
        viewer,
        tlp,
        &new.audience,
        &members,
        Some(&current),
        // New recipients must be people who may see the document now.
        &[current.item()],
        false,
    )?;
    keep_author_org(tlp, &mut orgs, &members, current.author_id);
    let (sha256, size) = (received.sha256.clone(), received.size as i64);
    let placed = files.place(received).await?;
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(seen) = new.based_on {
        let newest: i64 = sqlx::query_scalar(
            "select coalesce(max(version), 0) from document_versions where document_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(CoreError::from)?;
        if newest != seen {
            return Err(CoreError::invalid("version", "conflict").into());
        }
    }
    let version = VersionRow {
        document_id: id,
        group_id: current.group_id,
        tlp,
        uploader,
        sha256: &sha256,
        size,
        media_type: file_type.media_type(),
        file_name: &file_name,
        change_note: &change_note,
        restored_from: None,
        orgs: &orgs,
        users: &users,
    }
    .insert_newest(&mut tx, &current, now)
    .await?;
    Change::new(viewer, action::DOCUMENT_VERSION, id, address)
        .detail(format!(
            "version={version} size={size} type={}",
            file_type.label()
        ))
        .stage(&mut tx, now)
        .await?;
    let notified = watching::notify_watchers(
        &mut tx,
        &members,
        id,
        Happened::NewVersion { version },
        uploader,
        now,
    )
    .await?;
    tx.commit().await?;
    drop(placed);
    audit_log.chain_soon();
    hub.publish(&notified);
    Ok(Added {
        document_id: id,
        version,
    })
}

/// The columns that make a document's [`Labelled`] (read by [`LabelRow`]), its
/// recipients folded in so that one query reads the document and its label.
const LABEL_COLUMNS: &str = "d.group_id, d.tlp, d.author_id, \
     (select group_concat(r.org_id) from document_recipient_orgs r where r.item_id = d.id) \
     as recipient_orgs, \
     (select group_concat(r.user_id) from document_recipient_users r where r.item_id = d.id) \
     as recipient_users";

#[derive(sqlx::FromRow)]
struct LabelRow {
    group_id: GroupId,
    tlp: Tlp,
    author_id: UserId,
    recipient_orgs: Option<String>,
    recipient_users: Option<String>,
}

impl LabelRow {
    fn labelled(&self) -> CoreResult<Labelled> {
        // Sorted, so that two reads of one label compare equal.
        fn ids<T: From<i64> + Ord>(list: Option<&str>) -> CoreResult<Vec<T>> {
            let mut ids = list
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>()
                        .map(T::from)
                        .map_err(|_| CoreError::Internal(format!("bad recipient id {s:?}")))
                })
                .collect::<CoreResult<Vec<T>>>()?;
            ids.sort_unstable();
            Ok(ids)
        }
        Ok(Labelled {
            group_id: self.group_id,
            tlp: self.tlp,
            author_id: self.author_id,
            orgs: ids(self.recipient_orgs.as_deref())?,
            users: ids(self.recipient_users.as_deref())?,
        })
    }
}

/// The label of document `id` as the policy reads it, if the viewer may see it. One
/// query.
pub(crate) async fn visible_label<'e>(
    db: impl sqlx::SqliteExecutor<'e>,
    viewer: &Viewer,
    id: i64,
) -> CoreResult<Labelled> {
    let mut qb = QueryBuilder::<Sqlite>::new("select ");
    qb.push(LABEL_COLUMNS).push(
        " from documents d join user_groups g on g.id = d.group_id and g.archived_at is null \
         where d.removed_at is null and d.id = ",
    );
    qb.push_bind(id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    let row: LabelRow = qb
        .build_query_as()
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)?;
    row.labelled()
}

/// The type of a received file named `file_name` (already made safe), or why a library
/// does not take it.
pub fn typed(received: &Received, file_name: &str) -> Result<FileType, AddError> {
    file_type::sniff(&received.head, received.valid_utf8, file_name).map_err(|found| {
        AddError::Refused {
            file_name: file_name.to_string(),
            found,
        }
    })
}

/// The title given, or else the file's name; at most [`MAX_TITLE_CHARS`].
fn title_or_name(given: Option<&str>, file_name: &str) -> CoreResult<String> {
    let given = given.map(str::trim).filter(|t| !t.is_empty());
    match given {
        Some(title) if title.chars().count() > MAX_TITLE_CHARS => {
            Err(CoreError::invalid("title", "too_long"))
        }
        Some(title) => Ok(title.to_string()),
        None => Ok(file_name.chars().take(MAX_TITLE_CHARS).collect()),
    }
}

/// A version to insert, with the label and recipients it is written under.
struct VersionRow<'a> {
    document_id: i64,
    group_id: GroupId,
    tlp: Tlp,
    uploader: UserId,
    sha256: &'a str,
    size: i64,
    media_type: &'a str,
    file_name: &'a str,
    change_note: &'a str,
    /// The earlier version whose file this one brings back.
    restored_from: Option<i64>,
    /// As `group_content::resolve` gave them: the uploader is implied, not named.
    orgs: &'a [OrgId],
    users: &'a [UserId],
}

impl VersionRow<'_> {
    /// Inserts the version after the newest (its blob row too, if new) with its
    /// recipients, and returns its number. The transaction must be `IMMEDIATE`: the
    /// number is read, then written.
    async fn insert(&self, tx: &mut Tx<'_>, now: i64) -> CoreResult<i64> {
        sqlx::query(
            "insert into blobs (sha256, size, created_at) values ($1, $2, $3) \
             on conflict do nothing",
        )
        .bind(self.sha256)
        .bind(self.size)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let (row, version): (i64, i64) = sqlx::query_as(
            "insert into document_versions (document_id, version, group_id, tlp, author_id, \
             sha256, size, media_type, file_name, change_note, restored_from, created_at) \
             values ($1, (select coalesce(max(version), 0) + 1 from document_versions \
             where document_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             returning id, version",
        )
        .bind(self.document_id)
        .bind(self.group_id)
        .bind(self.tlp)
        .bind(self.uploader)
        .bind(self.sha256)
        .bind(self.size)
        .bind(self.media_type)
        .bind(self.file_name)
        .bind(self.change_note)
        .bind(self.restored_from)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        insert_recipients(tx, VERSION_RECIPIENTS, row, self.orgs, self.users).await?;
        Ok(version)
    }

    /// [`Self::insert`] for a document that already has versions (`current`, as the
    /// policy read it), then the document takes this version's label and recipients.
    ///
    /// The document's author stays in a RED audience whoever uploads: the document names
    /// everyone but its author (who is implied), the version everyone but its uploader.
    async fn insert_newest(
        &self,
        tx: &mut Tx<'_>,
        current: &Labelled,
        now: i64,
    ) -> CoreResult<i64> {
        let mut everyone: Vec<UserId> = self.users.to_vec();
        if self.tlp == Tlp::Red {
            everyone.extend([self.uploader, current.author_id]);
        }
        everyone.sort_unstable();
        everyone.dedup();
        let for_version: Vec<UserId> = everyone
            .iter()
            .copied()
            .filter(|u| *u != self.uploader)
            .collect();
        let for_document: Vec<UserId> = everyone
            .into_iter()
            .filter(|u| *u != current.author_id)
            .collect();
        let version = VersionRow {
            users: &for_version,
            ..*self
        }
        .insert(tx, now)
        .await?;
        sqlx::query("update documents set tlp = $1, updated_at = $2 where id = $3")
            .bind(self.tlp)
            .bind(now)
            .bind(self.document_id)
            .execute(&mut **tx)
            .await?;
        insert_recipients(
            tx,
            DOCUMENT_RECIPIENTS,
            self.document_id,
            self.orgs,
            &for_document,
        )
        .await?;
        Ok(version)
    }
}

/// An AMBER+STRICT document stays readable by its author's organisation whoever labels
/// it (a moderator raising it names their own by default): the author never loses it.
fn keep_author_org(tlp: Tlp, orgs: &mut Vec<OrgId>, members: &Members, author: UserId) {
    if tlp != Tlp::AmberStrict {
        return;
    }
    if let Some(org) = members.org_of(author)
        && !orgs.contains(&org)
    {
        orgs.push(org);
        orgs.sort_unstable();
    }
}

/// A change to a document, staged in its transaction: the audit row and the search
/// outbox row (the index learns of it from the outbox, even after a crash).
struct Change {
    entry: Entry,
    document_id: i64,
    operation: Operation,
}

impl Change {
    fn new(viewer: &Viewer, action: &'static str, document_id: i64, address: &str) -> Self {
        Self {
            entry: Entry::new(Actor::of(viewer), action)
                .subject(Subject::document(document_id))
                .address(address),
            document_id,
            operation: Operation::Upsert,
        }
    }

    fn detail(mut self, detail: String) -> Self {
        self.entry = self.entry.detail(detail);
        self
    }

    /// The document leaves the index.
    fn removal(mut self) -> Self {
        self.operation = Operation::Delete;
        self
    }

    async fn stage(self, tx: &mut Tx<'_>, now: i64) -> CoreResult<()> {
        audit::stage(tx, self.entry).await?;
        outbox::stage(tx, Item::Document(self.document_id), self.operation, now).await
    }
}

/// How a file is read, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Shown on the document's page (the raw bytes for the preview).
    Preview,
    /// Shown as an image in a post or page (`/files/{id}`): image documents only.
    Embedded,
    Download,
}

/// A version's file, opened for the viewer after the read was audited.
#[derive(Debug)]
pub struct OpenedFile {
    pub path: PathBuf,
    pub file_type: Option<FileType>,
    pub file_name: String,
    pub size: i64,
    pub tlp: Tlp,
}

/// Opens version `version` (the newest when `None`) of document `id` for the viewer,
/// staging the audit row of the read in the transaction that checks it. `NotFound` for
/// a missing, removed or hidden document or version.
pub async fn open_file(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    version: Option<i64>,
    reading: Reading,
    address: &str,
) -> CoreResult<OpenedFile> {
    #[derive(sqlx::FromRow)]
    struct Row {
        version: i64,
        tlp: Tlp,
        sha256: String,
        size: i64,
        media_type: String,
        file_name: String,
    }
    let Libraries {
        db,
        files,
        audit: audit_log,
        ..
    } = libraries;
    // IMMEDIATE: the transaction reads, then writes its audit row; begun deferred, a
    // commit by anyone in between (the appender, another download) would fail it.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    // The document must be visible, and so must the version asked for (by its own
    // label and recipients): both conditions, in the read that is audited.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.version, v.tlp, v.sha256, v.size, v.media_type, v.file_name \
         from documents d join document_versions v on v.document_id = d.id \
         join user_groups g on g.id = d.group_id and g.archived_at is null \
         where d.removed_at is null and d.id = ",
    );
    qb.push_bind(id).push(" and v.version = ");
    match version {
        Some(n) => {
            qb.push_bind(n);
        }
        None => {
            qb.push("(select max(n.version) from document_versions n where n.document_id = d.id)");
        }
    }
    qb.push(" and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    qb.push(" and ");
    push_group_content_visible(&mut qb, viewer, &VERSIONS);
    let row: Row = qb
        .build_query_as()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CoreError::NotFound)?;
    let file_type = FileType::from_media_type(&row.media_type);
    if reading == Reading::Embedded && !file_type.is_some_and(FileType::is_image) {
        return Err(CoreError::NotFound);
    }
    let path = files
        .path_of(&row.sha256)
        .ok_or_else(|| CoreError::Internal(format!("document {id} names a bad hash")))?;
    let read = match reading {
        Reading::Preview | Reading::Embedded => action::DOCUMENT_PREVIEW,
        Reading::Download => action::DOCUMENT_DOWNLOAD,
    };
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), read)
            .subject(Subject::document(id))
            .address(address)
            .detail(format!("version={}", row.version)),
    )
    .await?;
    tx.commit().await?;
    audit_log.chain_soon();
    Ok(OpenedFile {
        path,
        file_type,
        file_name: row.file_name,
        size: row.size,
        tlp: row.tlp,
    })
}

/// The start of a text file (TXT, MD, CSV) for its preview: at most `limit` bytes, cut
/// at a character boundary, and whether it was cut.
pub async fn read_text(opened: &OpenedFile, limit: usize) -> CoreResult<(String, bool)> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(&opened.path)
        .await
        .map_err(|e| CoreError::Internal(format!("opening a stored file: {e}")))?;
    let mut bytes = Vec::with_capacity(limit.min(opened.size.max(0) as usize) + 1);
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| CoreError::Internal(format!("reading a stored file: {e}")))?;
    let cut = bytes.len() > limit;
    bytes.truncate(limit);
    // Stored text is whole UTF-8 (checked at upload); only the cut can split a character.
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let mut bytes = err.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    Ok((text, cut))
}

#[cfg(test)]
mod tests;
