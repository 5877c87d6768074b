//! Group libraries: documents with versions, in folders, and the files behind them.
//!
//! Documents are group content: every read goes through the policy's SQL condition
//! (`DOCUMENTS`, `VERSIONS`), so a hidden document is answered as a missing one, and an
//! earlier version is shown only to readers admitted both by its own label and by the
//! document's newest. Every change and every read of a file stages its audit row in
//! the transaction that does it (`audit::stage`).

pub mod file_name;
pub mod file_type;
pub mod store;

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::group_content::{self, Audience, Members, RecipientTables, insert_recipients};
use crate::ids::{GroupId, UserId};
use crate::policy::{GroupContentSql, Tlp, Viewer, push_group_content_visible, require_post_in};
use file_type::{FileType, Refused};
use sqlx::{QueryBuilder, Sqlite};
use std::path::PathBuf;
use store::{BlobStore, Received};

/// Longest document title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

const DOCUMENTS: GroupContentSql =
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
/// every change and read goes through.
#[derive(Clone, Debug)]
pub struct Libraries {
    pub db: Db,
    pub files: BlobStore,
    pub audit: AuditLog,
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
    let file_type =
        file_type::sniff(&received.head, received.valid_utf8, &file_name).map_err(|found| {
            AddError::Refused {
                file_name: file_name.clone(),
                found,
            }
        })?;
    let title = title_or_name(upload.title.as_deref(), &file_name)?;
    let tlp = upload.tlp.unwrap_or(group.default_tlp);
    let members = Members::load(db, group.id).await?;
    let (orgs, users) =
        group_content::resolve(viewer, tlp, &upload.audience, &members, None, &[], false)?;

    let (sha256, size) = (received.sha256.clone(), received.size as i64);
    let placed = files.place(received).await?;
    let now = clock::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "insert into blobs (sha256, size, created_at) values ($1, $2, $3) on conflict do nothing",
    )
    .bind(&sha256)
    .bind(size)
    .bind(now)
    .execute(&mut *tx)
    .await?;
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
    let version_row: i64 = sqlx::query_scalar(
        "insert into document_versions (document_id, version, group_id, tlp, author_id, \
         sha256, size, media_type, file_name, created_at) \
         values ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
    )
    .bind(document_id)
    .bind(group.id)
    .bind(tlp)
    .bind(author)
    .bind(&sha256)
    .bind(size)
    .bind(file_type.media_type())
    .bind(&file_name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(CoreError::from)?;
    insert_recipients(&mut tx, VERSION_RECIPIENTS, version_row, &orgs, &users).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), action::DOCUMENT_UPLOAD)
            .subject(Subject::document(document_id))
            .address(address)
            .detail(format!("version=1 size={size} type={}", file_type.label())),
    )
    .await?;
    search_outbox(&mut tx, "document", document_id, now).await?;
    tx.commit().await?;
    drop(placed);
    audit_log.chain_soon();
    Ok(Added {
        document_id,
        version: 1,
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
    let file_type =
        file_type::sniff(&received.head, received.valid_utf8, &file_name).map_err(|found| {
            AddError::Refused {
                file_name: file_name.clone(),
                found,
            }
        })?;
    let members = Members::load(db, current.group_id).await?;
    let (orgs, users) = group_content::resolve(
        viewer,
        tlp,
        &new.audience,
        &members,
        Some(&current),
        &[],
        false,
    )?;
    // `resolve` leaves out the one writing, as the author of a post is implied. Here the
    // document's author stays the first uploader, so the one adding this version is
    // named (and the document's author is implied).
    let mut document_users = users.clone();
    if tlp == Tlp::Red && uploader != current.author_id {
        document_users.push(uploader);
    }
    document_users.retain(|u| *u != current.author_id);
    document_users.sort_unstable();
    document_users.dedup();

    let (sha256, size) = (received.sha256.clone(), received.size as i64);
    let placed = files.place(received).await?;
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "insert into blobs (sha256, size, created_at) values ($1, $2, $3) on conflict do nothing",
    )
    .bind(&sha256)
    .bind(size)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let version: i64 = sqlx::query_scalar(
        "select coalesce(max(version), 0) + 1 from document_versions where document_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let version_row: i64 = sqlx::query_scalar(
        "insert into document_versions (document_id, version, group_id, tlp, author_id, \
         sha256, size, media_type, file_name, change_note, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
    )
    .bind(id)
    .bind(version)
    .bind(current.group_id)
    .bind(tlp)
    .bind(uploader)
    .bind(&sha256)
    .bind(size)
    .bind(file_type.media_type())
    .bind(&file_name)
    .bind(&change_note)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_recipients(&mut tx, VERSION_RECIPIENTS, version_row, &orgs, &users).await?;
    sqlx::query("update documents set tlp = $1, updated_at = $2 where id = $3")
        .bind(tlp)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_recipients(&mut tx, DOCUMENT_RECIPIENTS, id, &orgs, &document_users).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), action::DOCUMENT_VERSION)
            .subject(Subject::document(id))
            .address(address)
            .detail(format!(
                "version={version} size={size} type={}",
                file_type.label()
            )),
    )
    .await?;
    search_outbox(&mut tx, "document", id, now).await?;
    tx.commit().await?;
    drop(placed);
    audit_log.chain_soon();
    Ok(Added {
        document_id: id,
        version,
    })
}

/// The label of document `id` as the policy reads it, if the viewer may see it.
async fn visible_label(
    db: &Db,
    viewer: &Viewer,
    id: i64,
) -> CoreResult<crate::group_content::Labelled> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select d.group_id, d.tlp, d.author_id from documents d \
         join user_groups g on g.id = d.group_id and g.archived_at is null \
         where d.removed_at is null and d.id = ",
    );
    qb.push_bind(id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    let (group_id, tlp, author_id): (GroupId, Tlp, UserId) = qb
        .build_query_as()
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)?;
    let orgs = sqlx::query_scalar("select org_id from document_recipient_orgs where item_id = $1")
        .bind(id)
        .fetch_all(db)
        .await?;
    let users =
        sqlx::query_scalar("select user_id from document_recipient_users where item_id = $1")
            .bind(id)
            .fetch_all(db)
            .await?;
    Ok(crate::group_content::Labelled {
        group_id,
        tlp,
        author_id,
        orgs,
        users,
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

async fn search_outbox(
    tx: &mut crate::db::Tx<'_>,
    kind: &'static str,
    id: i64,
    now: i64,
) -> CoreResult<()> {
    sqlx::query(
        "insert into search_outbox (kind, entity_id, operation, created_at) \
         values ($1, $2, 'upsert', $3)",
    )
    .bind(kind)
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A document the viewer may see, in a library list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListedDocument {
    pub id: i64,
    pub folder_id: Option<i64>,
    pub title: String,
    pub tlp: Tlp,
    pub author_id: UserId,
    pub author_name: String,
    pub org_name: String,
    pub updated_at: i64,
    pub version: i64,
    pub size: i64,
    pub media_type: String,
}

/// A group's library as the viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryPage {
    pub slug: String,
    pub group_name: String,
    pub default_tlp: Tlp,
    /// The viewer may add documents (members, moderators and owners; not readers).
    pub can_upload: bool,
    pub documents: Vec<ListedDocument>,
}

/// The library of group `slug`: the documents the viewer may see, newest first.
/// `NotFound` for a group the viewer does not read in. Two queries.
pub async fn library_page(db: &Db, viewer: &Viewer, slug: &str) -> CoreResult<LibraryPage> {
    let (group, slug, group_name, default_tlp): (GroupId, String, String, Tlp) = sqlx::query_as(
        "select id, slug, name, default_tlp from user_groups \
         where slug = $1 and archived_at is null",
    )
    .bind(slug.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    if !crate::policy::can_read_in(viewer, group) {
        return Err(CoreError::NotFound);
    }
    Ok(LibraryPage {
        documents: list_documents(db, viewer, group).await?,
        can_upload: require_post_in(viewer, group).is_ok(),
        slug,
        group_name,
        default_tlp,
    })
}

/// The documents of `group` the viewer may see, newest first. One query.
async fn list_documents(
    db: &Db,
    viewer: &Viewer,
    group: GroupId,
) -> CoreResult<Vec<ListedDocument>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select d.id, d.folder_id, d.title, d.tlp, d.author_id, u.name as author_name, \
         o.name as org_name, d.updated_at, v.version, v.size, v.media_type \
         from documents d join users u on u.id = d.author_id \
         join organisations o on o.id = u.org_id \
         join document_versions v on v.document_id = d.id and v.version = \
         (select max(n.version) from document_versions n where n.document_id = d.id) \
         where d.removed_at is null and d.group_id = ",
    );
    qb.push_bind(group).push(" and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    qb.push(" order by d.updated_at desc, d.id desc");
    Ok(qb.build_query_as().fetch_all(db).await?)
}

/// One version of a document, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionEntry {
    pub version: i64,
    pub tlp: Tlp,
    pub file_name: String,
    pub size: i64,
    pub media_type: String,
    pub author_name: String,
    pub change_note: String,
    pub created_at: i64,
}

/// A document's page: its newest metadata and the versions the viewer may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentPage {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub tlp: Tlp,
    pub author_name: String,
    pub org_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The viewer may add versions (may post in the group).
    pub can_add_version: bool,
    /// Who downloaded it, newest first (at most [`DOWNLOADS_SHOWN`]): for the author and
    /// the group's moderators only, `None` for everyone else.
    pub downloads: Option<Vec<Download>>,
    /// Newest first; the first is the current version.
    pub versions: Vec<VersionEntry>,
}

/// Most downloads a document's page lists.
pub const DOWNLOADS_SHOWN: i64 = 100;

/// One download of a document, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Download {
    pub name: String,
    pub org_name: String,
    pub at: i64,
}

/// Document `id` for the viewer; `NotFound` for a missing, removed or hidden one. Two
/// queries: the document through the policy, then its versions, each also through the
/// policy by its own label.
pub async fn document_page(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<DocumentPage> {
    #[derive(sqlx::FromRow)]
    struct Head {
        group_id: GroupId,
        slug: String,
        group_name: String,
        title: String,
        tlp: Tlp,
        author_name: String,
        org_name: String,
        created_at: i64,
        updated_at: i64,
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select d.group_id, g.slug, g.name as group_name, d.title, d.tlp, u.name as author_name, \
         o.name as org_name, d.created_at, d.updated_at from documents d \
         join user_groups g on g.id = d.group_id and g.archived_at is null \
         join users u on u.id = d.author_id join organisations o on o.id = u.org_id \
         where d.removed_at is null and d.id = ",
    );
    qb.push_bind(id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    let head: Head = qb
        .build_query_as()
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.version, v.tlp, v.file_name, v.size, v.media_type, u.name as author_name, \
         v.change_note, v.created_at from document_versions v join users u on u.id = v.author_id \
         where v.document_id = ",
    );
    qb.push_bind(id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &VERSIONS);
    qb.push(" order by v.version desc");
    let versions: Vec<VersionEntry> = qb.build_query_as().fetch_all(db).await?;
    let label = visible_label(db, viewer, id).await?;
    let sees_downloads = viewer.user_id == Some(label.author_id)
        || crate::policy::can_moderate(viewer, &label.item());
    let downloads = if sees_downloads {
        // By the audit log's subject index, newest first.
        Some(
            sqlx::query_as(
                "select u.name, o.name as org_name, a.at from audit_log a \
                 join users u on u.id = a.actor_user_id \
                 join organisations o on o.id = u.org_id \
                 where a.subject_kind = 'document' and a.subject_id = $1 \
                 and a.action = 'document_download' and a.outcome = 'success' \
                 order by a.id desc limit $2",
            )
            .bind(id)
            .bind(DOWNLOADS_SHOWN)
            .fetch_all(db)
            .await?,
        )
    } else {
        None
    };
    Ok(DocumentPage {
        downloads,
        id,
        slug: head.slug,
        group_name: head.group_name,
        title: head.title,
        tlp: head.tlp,
        author_name: head.author_name,
        org_name: head.org_name,
        created_at: head.created_at,
        updated_at: head.updated_at,
        can_add_version: require_post_in(viewer, head.group_id).is_ok(),
        versions,
    })
}

/// How a file is read, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Shown on the document's page (the raw bytes for the preview).
    Preview,
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
    } = libraries;
    // IMMEDIATE: the transaction reads, then writes its audit row; begun deferred, a
    // commit by anyone in between (the appender, another download) would fail it.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    // The document must be visible, and so must the version asked for (by its own
    // label and recipients): both conditions, in the read that is audited.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.version, v.tlp, v.sha256, v.size, v.media_type, v.file_name \
         from documents d join document_versions v on v.document_id = d.id \
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
    let path = files
        .path_of(&row.sha256)
        .ok_or_else(|| CoreError::Internal(format!("document {id} names a bad hash")))?;
    let read = match reading {
        Reading::Preview => action::DOCUMENT_PREVIEW,
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
        file_type: FileType::from_media_type(&row.media_type),
        file_name: row.file_name,
        size: row.size,
        tlp: row.tlp,
    })
}

#[cfg(test)]
mod tests;
