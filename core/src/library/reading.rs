//! What the library pages read: a folder of a group's library with the documents the
//! viewer may see, and one document with its history. Every document and version is
//! read through the policy's SQL condition, so what the viewer may not see is absent.

use super::folders::{self, Folder};
use super::{DOCUMENTS, LABEL_COLUMNS, LabelRow, VERSIONS};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, UserId};
use crate::policy::{
    Tlp, Viewer, can_manage_item, can_read_in, push_group_content_visible, require_post_in,
};
use sqlx::{QueryBuilder, Sqlite};

/// A document the viewer may see, in a library list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListedDocument {
    pub id: i64,
    pub folder_id: Option<i64>,
    pub title: String,
    pub tags: String,
    pub tlp: Tlp,
    pub author_id: UserId,
    pub author_name: String,
    pub org_name: String,
    pub updated_at: i64,
    pub version: i64,
    pub size: i64,
    pub media_type: String,
}

/// How a library list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Most recently changed first.
    #[default]
    Updated,
    Title,
    /// Largest first.
    Size,
    /// By type, then title.
    Type,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "updated" => Some(Self::Updated),
            "title" => Some(Self::Title),
            "size" => Some(Self::Size),
            "type" => Some(Self::Type),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Title => "title",
            Self::Size => "size",
            Self::Type => "type",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Updated => " order by d.updated_at desc, d.id desc",
            Self::Title => " order by d.title collate nocase, d.id",
            Self::Size => " order by v.size desc, d.id",
            Self::Type => " order by v.media_type, d.title collate nocase, d.id",
        }
    }
}

/// Which documents of a library to list: one folder's (the top's when `folder` is
/// `None`), narrowed by the filters given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibraryQuery {
    pub folder: Option<i64>,
    pub sort: Sort,
    pub tlp: Option<Tlp>,
    /// Our media type (`application/pdf`).
    pub media_type: Option<String>,
    pub tag: Option<String>,
}

/// A folder of a group's library as the viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryPage {
    pub slug: String,
    pub group_name: String,
    pub default_tlp: Tlp,
    /// The viewer may add documents and folders (members, moderators and owners).
    pub can_upload: bool,
    /// The folder shown and those above it, outermost first; empty at the top.
    pub path: Vec<Folder>,
    /// Every folder of the library, by name (for the forms' choices).
    pub folders: Vec<Folder>,
    /// The folders the viewer may rename, move and delete (its own, or all for a
    /// moderator).
    pub managed_folders: Vec<i64>,
    /// Every tag on a document the viewer may see in this folder, for the filter.
    pub tags: Vec<String>,
    pub documents: Vec<ListedDocument>,
}

/// The library of group `slug` at `query.folder`: its subfolders and the documents the
/// viewer may see there. `NotFound` for a group the viewer does not read in or a folder
/// of another group. Three queries.
pub async fn library_page(
    db: &Db,
    viewer: &Viewer,
    slug: &str,
    query: &LibraryQuery,
) -> CoreResult<LibraryPage> {
    let (group, slug, group_name, default_tlp): (GroupId, String, String, Tlp) = sqlx::query_as(
        "select id, slug, name, default_tlp from user_groups \
         where slug = $1 and archived_at is null",
    )
    .bind(slug.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    if !can_read_in(viewer, group) {
        return Err(CoreError::NotFound);
    }
    let all = folders::folders_of(db, viewer, group).await?;
    if let Some(folder) = query.folder
        && !all.iter().any(|f| f.id == folder)
    {
        return Err(CoreError::NotFound);
    }
    let in_folder = list_documents(db, viewer, group, query).await?;
    let mut tags: Vec<String> = in_folder
        .iter()
        .flat_map(|d| d.tags.split(',').filter(|t| !t.is_empty()))
        .map(str::to_string)
        .collect();
    tags.sort();
    tags.dedup();
    let documents = in_folder
        .into_iter()
        .filter(|d| query.tlp.is_none_or(|tlp| d.tlp == tlp))
        .filter(|d| query.media_type.as_ref().is_none_or(|t| &d.media_type == t))
        .filter(|d| {
            query
                .tag
                .as_ref()
                .is_none_or(|tag| d.tags.split(',').any(|t| t == tag))
        })
        .collect();
    let can_upload = require_post_in(viewer, group).is_ok();
    let managed_folders = all
        .iter()
        .filter(|f| can_upload && folders::may_manage(viewer, group, f))
        .map(|f| f.id)
        .collect();
    Ok(LibraryPage {
        path: folders::path_to(&all, query.folder),
        folders: all,
        managed_folders,
        tags,
        documents,
        can_upload,
        slug,
        group_name,
        default_tlp,
    })
}

/// The documents of `group` in `query.folder` the viewer may see, in `query.sort`'s
/// order. One query; the filters are applied by the caller, which also needs the
/// unfiltered tags.
async fn list_documents(
    db: &Db,
    viewer: &Viewer,
    group: GroupId,
    query: &LibraryQuery,
) -> CoreResult<Vec<ListedDocument>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select d.id, d.folder_id, d.title, d.tags, d.tlp, d.author_id, \
         u.name as author_name, o.name as org_name, d.updated_at, v.version, v.size, \
         v.media_type from documents d join users u on u.id = d.author_id \
         join organisations o on o.id = u.org_id \
         join document_versions v on v.document_id = d.id and v.version = \
         (select max(n.version) from document_versions n where n.document_id = d.id) \
         where d.removed_at is null and d.group_id = ",
    );
    qb.push_bind(group);
    match query.folder {
        Some(folder) => {
            qb.push(" and d.folder_id = ").push_bind(folder);
        }
        None => {
            qb.push(" and d.folder_id is null");
        }
    }
    qb.push(" and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    qb.push(query.sort.order_by());
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
    pub restored_from: Option<i64>,
    pub created_at: i64,
}

/// One metadata edit of a document, as its history lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EditEntry {
    pub editor_name: String,
    pub title: String,
    pub tlp: Tlp,
    pub change_note: String,
    pub created_at: i64,
}

/// A document's page: its newest metadata, the versions the viewer may see, and its
/// history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentPage {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub tlp: Tlp,
    pub author_name: String,
    pub org_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The folder it is in and those above it, outermost first.
    pub path: Vec<Folder>,
    /// Every folder of the library (the edit form's choices).
    pub folders: Vec<Folder>,
    pub folder_id: Option<i64>,
    /// The viewer may add versions and restore earlier ones (may post in the group).
    pub can_add_version: bool,
    /// The viewer may edit the metadata and remove the document (author or moderator).
    pub can_manage: bool,
    /// Who downloaded it, newest first (at most [`DOWNLOADS_SHOWN`]): for the author and
    /// the group's moderators only, `None` for everyone else.
    pub downloads: Option<Vec<Download>>,
    /// Newest first; the first is the current version.
    pub versions: Vec<VersionEntry>,
    /// Newest first.
    pub edits: Vec<EditEntry>,
    /// Whether the newest version's text is searchable, waits to be read, or why not.
    pub text: super::text::stored::TextState,
    /// The threads that link it and the viewer may see, newest linking post first.
    pub linked_from: crate::forums::links::LinkedFrom,
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

/// Document `id` for the viewer; `NotFound` for a missing, removed or hidden one. The
/// document and its label through the policy in one query, then its versions (each
/// also through the policy by its own label), its edits, its folders and the threads
/// linking it.
pub async fn document_page(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<DocumentPage> {
    #[derive(sqlx::FromRow)]
    struct Head {
        #[sqlx(flatten)]
        label: LabelRow,
        slug: String,
        group_name: String,
        title: String,
        description: String,
        tags: String,
        folder_id: Option<i64>,
        author_name: String,
        org_name: String,
        created_at: i64,
        updated_at: i64,
    }
    let mut qb = QueryBuilder::<Sqlite>::new("select ");
    qb.push(LABEL_COLUMNS).push(
        ", g.slug, g.name as group_name, d.title, d.description, d.tags, d.folder_id, \
         u.name as author_name, o.name as org_name, d.created_at, d.updated_at \
         from documents d join user_groups g on g.id = d.group_id and g.archived_at is null \
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
    let label = head.label.labelled()?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.version, v.tlp, v.file_name, v.size, v.media_type, u.name as author_name, \
         v.change_note, v.restored_from, v.created_at from document_versions v \
         join users u on u.id = v.author_id where v.document_id = ",
    );
    qb.push_bind(id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &VERSIONS);
    qb.push(" order by v.version desc");
    let versions: Vec<VersionEntry> = qb.build_query_as().fetch_all(db).await?;
    // Each edit set values the document had under its label then, never a lower one
    // than now (labels only go up), to an audience the current one is within.
    let edits: Vec<EditEntry> = sqlx::query_as(
        "select u.name as editor_name, e.title, e.tlp, e.change_note, e.created_at \
         from document_edits e join users u on u.id = e.editor_id \
         where e.document_id = $1 order by e.id desc",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let can_manage = can_manage_item(viewer, &label.item());
    let downloads = if can_manage {
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
    let folders = folders::folders_of(db, viewer, label.group_id).await?;
    let text = super::text::stored::newest_state(db, id).await?;
    let linked_from = crate::forums::links::threads_linking(db, viewer, id).await?;
    Ok(DocumentPage {
        text,
        linked_from,
        path: folders::path_to(&folders, head.folder_id),
        folders,
        folder_id: head.folder_id,
        downloads,
        can_manage,
        can_add_version: require_post_in(viewer, label.group_id).is_ok(),
        id,
        slug: head.slug,
        group_name: head.group_name,
        title: head.title,
        description: head.description,
        tags: head
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        tlp: label.tlp,
        author_name: head.author_name,
        org_name: head.org_name,
        created_at: head.created_at,
        updated_at: head.updated_at,
        versions,
        edits,
    })
}
