//! Server functions of the group libraries: a library's page and a document's page.
//! Files themselves go through plain routes (`server/src/http/library.rs`): uploads
//! stream to disk and downloads stream from it, which server functions cannot do.

// A server function takes its form's fields as arguments: the edit form has eight.
#![allow(clippy::too_many_arguments)]

use crate::api::forums::ComposerChoices;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A document in a library list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEntry {
    pub id: i64,
    pub title: String,
    /// The short type name ("PDF").
    pub kind: String,
    pub size: String,
    pub version: i64,
    pub author: String,
    pub org: String,
    pub updated: String,
    pub tlp: String,
    pub tags: Vec<String>,
}

/// A folder, as links, breadcrumbs and choices name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderEntry {
    pub id: i64,
    pub name: String,
    /// Its whole place, for choices ("Politikker / 2026").
    pub path: String,
    /// The reader may rename, move and delete it.
    pub manageable: bool,
}

/// The list's order and filters, as the address gives them (and the form keeps them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFilter {
    pub folder: Option<i64>,
    /// `updated`, `title`, `size` or `type`.
    pub sort: String,
    pub tlp: String,
    /// A short type name ("PDF"), or empty.
    pub kind: String,
    pub tag: String,
}

impl LibraryFilter {
    /// Whether anything narrows the list.
    pub fn narrows(&self) -> bool {
        !(self.tlp.is_empty() && self.kind.is_empty() && self.tag.is_empty())
    }
}

/// A group's library page at one folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryView {
    pub slug: String,
    pub group_name: String,
    pub default_tlp: String,
    pub can_upload: bool,
    /// Recipients the upload form offers (only for those who may upload).
    pub choices: ComposerChoices,
    pub filter: LibraryFilter,
    /// The folder shown and those above it, outermost first; empty at the top.
    pub path: Vec<FolderEntry>,
    /// The folders inside the one shown.
    pub subfolders: Vec<FolderEntry>,
    /// Every folder of the library, for the forms' choices.
    pub folders: Vec<FolderEntry>,
    /// Tags on the documents here, for the filter.
    pub tags: Vec<String>,
    /// The short names of every type a library holds, for the filter.
    pub kinds: Vec<String>,
    pub documents: Vec<DocumentEntry>,
    /// Whether the reader is told of new documents and versions here.
    pub watch: crate::api::notifications::WatchView,
}

/// One version on a document's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i64,
    pub file_name: String,
    pub kind: String,
    pub size: String,
    pub author: String,
    pub created: String,
    pub tlp: String,
    pub change_note: String,
    pub restored_from: Option<i64>,
}

/// One metadata edit in a document's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditView {
    pub editor: String,
    pub title: String,
    pub tlp: String,
    pub change_note: String,
    pub created: String,
}

/// What the document's page shows of the newest version's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preview {
    /// Text shown as it is (escaped): TXT and CSV, or Markdown that would not render.
    Text { text: String, cut: bool },
    /// Markdown rendered by the posts' sanitising renderer.
    Markdown { html: String, cut: bool },
    /// An image, from `/documents/{id}/raw`.
    Image,
    /// A PDF in the browser's own viewer, in a frame of `/documents/{id}/raw`.
    Pdf,
    /// Nothing to show in the page (office files, ZIP): download it.
    None,
}

/// Where the newest version's text stands for search, as the document's page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchText {
    /// Not read yet.
    Waiting,
    /// Searchable; `cut` when only the start of a very long text is.
    Searchable { cut: bool },
    /// Read, and it holds no text (a scan).
    NoText,
    /// Images and ZIP archives: their contents are not searched.
    NotText,
    /// Not searchable, with the stored reason's code, which the page translates.
    NotSearchable { reason: String },
}

#[cfg(feature = "ssr")]
impl From<vaern_core::library::text::stored::TextState> for SearchText {
    fn from(state: vaern_core::library::text::stored::TextState) -> Self {
        use vaern_core::library::text::stored::TextState;
        match state {
            TextState::Waiting => Self::Waiting,
            TextState::Searchable { cut } => Self::Searchable { cut },
            TextState::NoText => Self::NoText,
            TextState::NotText => Self::NotText,
            TextState::NotSearchable(reason) => Self::NotSearchable {
                reason: reason.code().to_string(),
            },
        }
    }
}

/// A document's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub tlp: String,
    pub author: String,
    pub org: String,
    pub created: String,
    pub updated: String,
    /// The folder it is in and those above it, outermost first.
    pub path: Vec<FolderEntry>,
    pub folder_id: Option<i64>,
    /// Every folder of the library (the edit form's choices).
    pub folders: Vec<FolderEntry>,
    /// The reader may add versions and restore earlier ones; the form's recipients are
    /// then offered.
    pub can_add_version: bool,
    /// The reader may edit the metadata and remove the document.
    pub can_manage: bool,
    pub choices: ComposerChoices,
    /// Who downloaded it: (name, organisation, when); for the author and moderators.
    pub downloads: Option<Vec<(String, String, String)>>,
    pub preview: Preview,
    /// Whether the newest version's text can be found by search.
    pub search_text: SearchText,
    /// The newest version is Markdown: a page, edited in the browser.
    pub is_page: bool,
    /// Every version is text and there are two or more: they can be compared.
    pub comparable: bool,
    /// Newest first.
    pub versions: Vec<VersionView>,
    /// Newest first.
    pub edits: Vec<EditView>,
    /// The threads linking it that the reader may see, newest linking post first.
    pub linked_from: Vec<LinkingThreadView>,
    /// How many such threads in all (more than listed past the page's cap).
    pub linked_total: i64,
    /// The reader's organisation's incidents linking it, and those it may be linked to.
    #[serde(default)]
    pub linked_incidents: crate::api::incidents::IncidentLinksView,
}

/// A thread that links a document, on the document's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkingThreadView {
    pub thread_id: i64,
    /// The newest post of it that links the document.
    pub post_id: i64,
    pub title: String,
    pub group_name: String,
    /// When that post was written.
    pub linked: String,
}

/// A document the composer offers to link, with the Markdown to insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSuggestion {
    pub id: i64,
    pub title: String,
    pub group_name: String,
    pub markdown: String,
}

/// Bytes as people read them, in the reader's language ("1,2 MB" / "1.2 MB").
pub fn human_size(bytes: i64, locale: crate::i18n::Locale) -> String {
    let (value, unit) = match bytes {
        b if b < 1024 => return format!("{b} B"),
        b if b < 1024 * 1024 => (b as f64 / 1024.0, "KB"),
        b if b < 1024 * 1024 * 1024 => (b as f64 / (1024.0 * 1024.0), "MB"),
        b => (b as f64 / (1024.0 * 1024.0 * 1024.0), "GB"),
    };
    let text = format!("{value:.1}");
    let text = match locale {
        crate::i18n::Locale::da => text.replace('.', ","),
        _ => text,
    };
    format!("{text} {unit}")
}

#[cfg(feature = "ssr")]
fn kind_of(media_type: &str) -> String {
    vaern_core::library::file_type::FileType::from_media_type(media_type)
        .map_or("?", |t| t.label())
        .to_string()
}

/// Every folder with its whole place, by place.
#[cfg(feature = "ssr")]
pub(crate) fn folder_entries(
    folders: &[vaern_core::library::folders::Folder],
    manageable: &[i64],
) -> Vec<FolderEntry> {
    use vaern_core::library::folders::path_to;
    let mut entries: Vec<FolderEntry> = folders
        .iter()
        .map(|f| FolderEntry {
            id: f.id,
            name: f.name.clone(),
            path: path_to(folders, Some(f.id))
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(" / "),
            manageable: manageable.contains(&f.id),
        })
        .collect();
    entries.sort_by_key(|e| e.path.to_lowercase());
    entries
}

/// The recipients offered to someone who may write in group `slug`.
#[cfg(feature = "ssr")]
pub(crate) async fn choices_for(
    backend: &crate::request::Backend,
    viewer: &vaern_core::policy::Viewer,
    slug: &str,
    may_write: bool,
) -> Result<ComposerChoices, AppError> {
    if !may_write {
        return Ok(ComposerChoices::default());
    }
    Ok(crate::api::forums::server::choices(
        vaern_core::forums::writing::choices_for_group(&backend.db, viewer, slug).await?,
    ))
}

#[server(prefix = "/rpc", endpoint = "library")]
pub async fn load_library(
    slug: String,
    folder: Option<i64>,
    sort: Option<String>,
    tlp: Option<String>,
    kind: Option<String>,
    tag: Option<String>,
) -> Result<LibraryView, AppError> {
    use crate::api::forums::server;
    use crate::request;
    use vaern_core::library::file_type::FileType;
    use vaern_core::library::{LibraryQuery, Sort, library_page};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    // An unknown value in the address narrows nothing rather than failing the page.
    let tidy = |v: Option<String>| v.map(|v| v.trim().to_string()).unwrap_or_default();
    let (sort, tlp, kind, tag) = (tidy(sort), tidy(tlp), tidy(kind), tidy(tag).to_lowercase());
    let sort = Sort::parse(&sort).unwrap_or_default();
    let tlp = vaern_core::policy::Tlp::parse(&tlp);
    let file_type = FileType::ALL.into_iter().find(|t| t.label() == kind);
    let query = LibraryQuery {
        folder,
        sort,
        tlp,
        media_type: file_type.map(|t| t.media_type().to_string()),
        tag: (!tag.is_empty()).then(|| tag.clone()),
    };
    let page = library_page(&backend.db, &viewer, &slug, &query).await?;
    let watch =
        crate::api::notifications::watch_view(&backend, &viewer, &page.slug, folder).await?;
    let choices = choices_for(&backend, &viewer, &page.slug, page.can_upload).await?;
    let folders = folder_entries(&page.folders, &page.managed_folders);
    let subfolders = page
        .folders
        .iter()
        .filter(|f| f.parent_id == folder)
        .filter_map(|f| folders.iter().find(|e| e.id == f.id).cloned())
        .collect();
    let path = page
        .path
        .iter()
        .filter_map(|f| folders.iter().find(|e| e.id == f.id).cloned())
        .collect();
    Ok(LibraryView {
        watch,
        filter: LibraryFilter {
            folder,
            sort: sort.as_str().to_string(),
            tlp: tlp.map(|t| t.as_str().to_string()).unwrap_or_default(),
            kind: file_type.map(|t| t.label().to_string()).unwrap_or_default(),
            tag,
        },
        path,
        subfolders,
        folders,
        tags: page.tags,
        kinds: FileType::ALL
            .iter()
            .map(|t| t.label().to_string())
            .collect(),
        slug: page.slug,
        group_name: page.group_name,
        default_tlp: page.default_tlp.as_str().to_string(),
        can_upload: page.can_upload,
        choices,
        documents: page
            .documents
            .into_iter()
            .map(|d| DocumentEntry {
                id: d.id,
                title: d.title,
                kind: kind_of(&d.media_type),
                size: human_size(d.size, locale),
                version: d.version,
                author: d.author_name,
                org: d.org_name,
                updated: server::time(d.updated_at),
                tlp: d.tlp.as_str().to_string(),
                tags: d
                    .tags
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
            .collect(),
    })
}

/// Most of a text file the page shows (the rest is in the download): a whole page of
/// 100,000 characters fits.
#[cfg(feature = "ssr")]
const PREVIEW_BYTES: usize = 400 * 1024;

/// The newest version's contents for the page. Reading a text file is a preview, audited
/// like the raw route's; images and PDFs are read (and audited) by that route.
#[cfg(feature = "ssr")]
async fn preview_of(
    backend: &crate::request::Backend,
    viewer: &vaern_core::policy::Viewer,
    id: i64,
    newest: Option<&vaern_core::library::VersionEntry>,
) -> Result<Preview, AppError> {
    use vaern_core::library::file_type::FileType;
    use vaern_core::library::{Reading, open_file, read_text};
    let Some(file_type) = newest.and_then(|v| FileType::from_media_type(&v.media_type)) else {
        return Ok(Preview::None);
    };
    if file_type.is_image() {
        return Ok(Preview::Image);
    }
    if file_type == FileType::Pdf {
        return Ok(Preview::Pdf);
    }
    if !file_type.is_text() {
        return Ok(Preview::None);
    }
    let address = crate::request::context()?.address;
    let opened = open_file(
        &backend.libraries,
        viewer,
        id,
        None,
        Reading::Preview,
        &address,
    )
    .await?;
    let (text, cut) = read_text(&opened, PREVIEW_BYTES).await?;
    if file_type == FileType::Md
        && let Ok(html) = vaern_core::library::pages::render_page(&backend.db, id, &text).await
    {
        return Ok(Preview::Markdown { html, cut });
    }
    Ok(Preview::Text { text, cut })
}

#[server(prefix = "/rpc", endpoint = "document")]
pub async fn load_document(id: i64) -> Result<DocumentView, AppError> {
    use crate::api::forums::server;
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let page = vaern_core::library::document_page(&backend.db, &viewer, id).await?;
    // Opening the document reads its notifications (as opening a thread reads its posts');
    // a GET changes that only as a top-level navigation. Open bells recount.
    if request::is_navigation()?
        && vaern_core::notifications::mark_document_read(&backend.db, &viewer, id).await?
    {
        backend.hub.publish(viewer.user_id.as_slice());
    }
    let choices = choices_for(&backend, &viewer, &page.slug, page.can_add_version).await?;
    let preview = preview_of(&backend, &viewer, id, page.versions.first()).await?;
    let text_type = |media_type: &str| {
        vaern_core::library::file_type::FileType::from_media_type(media_type)
            .is_some_and(|t| t.is_text())
    };
    let is_page = page.versions.first().is_some_and(|v| {
        vaern_core::library::file_type::FileType::from_media_type(&v.media_type)
            == Some(vaern_core::library::file_type::FileType::Md)
    });
    let comparable =
        page.versions.len() >= 2 && page.versions.iter().all(|v| text_type(&v.media_type));
    let folders = folder_entries(&page.folders, &[]);
    let path = page
        .path
        .iter()
        .filter_map(|f| folders.iter().find(|e| e.id == f.id).cloned())
        .collect();
    let linked_incidents = crate::api::incidents::server::around(
        &backend.db,
        &viewer,
        vaern_core::incidents::links::Target {
            kind: vaern_core::incidents::links::LinkKind::Document,
            id,
        },
        format!("/documents/{id}"),
    )
    .await?;
    Ok(DocumentView {
        linked_incidents,
        search_text: page.text.into(),
        downloads: page.downloads.map(|list| {
            list.into_iter()
                .map(|d| (d.name, d.org_name, server::time(d.at)))
                .collect()
        }),
        can_add_version: page.can_add_version,
        can_manage: page.can_manage,
        choices,
        preview,
        is_page,
        comparable,
        path,
        folders,
        folder_id: page.folder_id,
        id: page.id,
        slug: page.slug,
        group_name: page.group_name,
        title: page.title,
        description: page.description,
        tags: page.tags,
        tlp: page.tlp.as_str().to_string(),
        author: page.author_name,
        org: page.org_name,
        created: server::time(page.created_at),
        updated: server::time(page.updated_at),
        versions: page
            .versions
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                kind: kind_of(&v.media_type),
                file_name: v.file_name,
                size: human_size(v.size, locale),
                author: v.author_name,
                created: server::time(v.created_at),
                tlp: v.tlp.as_str().to_string(),
                change_note: v.change_note,
                restored_from: v.restored_from,
            })
            .collect(),
        edits: page
            .edits
            .into_iter()
            .map(|e| EditView {
                editor: e.editor_name,
                title: e.title,
                tlp: e.tlp.as_str().to_string(),
                change_note: e.change_note,
                created: server::time(e.created_at),
            })
            .collect(),
        linked_total: page.linked_from.total,
        linked_from: page
            .linked_from
            .threads
            .into_iter()
            .map(|t| LinkingThreadView {
                thread_id: t.thread_id,
                post_id: t.post_id,
                title: t.title,
                group_name: t.group_name,
                linked: server::time(t.linked_at),
            })
            .collect(),
    })
}

/// The documents the composer offers to link for what was typed after `[[`: those the
/// writer may see, the group `group`'s (the thread's) first. Titles are listed like a
/// library's, not audited; too short a query is offered nothing.
#[server(prefix = "/rpc", endpoint = "document_suggestions")]
pub async fn document_suggestions(
    query: String,
    group: Option<String>,
) -> Result<Vec<DocumentSuggestion>, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let offered = vaern_core::library::linking::link_suggestions(
        &backend.db,
        &viewer,
        &query,
        group.as_deref(),
    )
    .await?;
    Ok(offered
        .into_iter()
        .map(|d| DocumentSuggestion {
            id: d.id,
            title: d.title,
            group_name: d.group_name,
            markdown: d.markdown,
        })
        .collect())
}

/// Where a library's folder is shown.
pub fn folder_href(slug: &str, folder: Option<i64>) -> String {
    match folder {
        Some(id) => format!("/groups/{slug}/library?folder={id}"),
        None => format!("/groups/{slug}/library"),
    }
}

/// A folder id from a form's choice: empty means the top of the library.
#[cfg(feature = "ssr")]
pub(crate) fn folder_choice(value: Option<&str>) -> Result<Option<i64>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid("folder_id", "unknown")),
    }
}

#[server(prefix = "/rpc", endpoint = "create_folder")]
pub async fn create_folder(
    slug: String,
    parent_id: Option<String>,
    name: String,
) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let parent = folder_choice(parent_id.as_deref())?;
    let id = vaern_core::library::folders::create(
        &backend.libraries,
        &viewer,
        &slug,
        parent,
        &name,
        &address,
    )
    .await?;
    leptos_axum::redirect(&folder_href(slug.trim(), Some(id)));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "rename_folder")]
pub async fn rename_folder(folder_id: i64, name: String) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let place = vaern_core::library::folders::rename(
        &backend.libraries,
        &viewer,
        folder_id,
        &name,
        &address,
    )
    .await?;
    leptos_axum::redirect(&folder_href(&place.slug, Some(folder_id)));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "move_folder")]
pub async fn move_folder(folder_id: i64, parent_id: Option<String>) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let parent = folder_choice(parent_id.as_deref())?;
    let place = vaern_core::library::folders::move_to(
        &backend.libraries,
        &viewer,
        folder_id,
        parent,
        &address,
    )
    .await?;
    leptos_axum::redirect(&folder_href(&place.slug, Some(folder_id)));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "delete_folder")]
pub async fn delete_folder(folder_id: i64) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let place =
        vaern_core::library::folders::delete(&backend.libraries, &viewer, folder_id, &address)
            .await?;
    leptos_axum::redirect(&folder_href(&place.slug, place.parent));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "edit_document")]
pub async fn edit_document(
    document_id: i64,
    title: String,
    description: String,
    tags: String,
    folder_id: Option<String>,
    tlp: Option<String>,
    audience: Option<std::collections::BTreeMap<String, String>>,
    change_note: String,
) -> Result<(), AppError> {
    use crate::api::forums::server;
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let edit = vaern_core::library::DocumentEdit {
        title,
        description,
        tags,
        // Absent: where it is; empty: the top of the library.
        folder_id: folder_id
            .as_deref()
            .map(|f| folder_choice(Some(f)))
            .transpose()?,
        tlp: server::tlp(tlp.as_deref())?,
        audience: server::audience(audience.as_ref())?,
        change_note,
    };
    vaern_core::library::edit_document(&backend.libraries, &viewer, document_id, edit, &address)
        .await?;
    leptos_axum::redirect(&format!("/documents/{document_id}"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "restore_version")]
pub async fn restore_version(
    document_id: i64,
    version: i64,
    change_note: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    vaern_core::library::restore_version(
        &backend.libraries,
        &viewer,
        document_id,
        version,
        change_note.as_deref().unwrap_or_default(),
        &address,
    )
    .await?;
    leptos_axum::redirect(&format!("/documents/{document_id}"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "remove_document")]
pub async fn remove_document(document_id: i64, reason: String) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let slug = vaern_core::library::remove_document(
        &backend.libraries,
        &viewer,
        document_id,
        &reason,
        &address,
    )
    .await?;
    leptos_axum::redirect(&folder_href(&slug, None));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_readers_language() {
        assert_eq!(human_size(512, crate::i18n::Locale::da), "512 B");
        assert_eq!(human_size(1536, crate::i18n::Locale::da), "1,5 KB");
        assert_eq!(human_size(1536, crate::i18n::Locale::en), "1.5 KB");
        assert_eq!(
            human_size(3 * 1024 * 1024, crate::i18n::Locale::en),
            "3.0 MB"
        );
    }
}
