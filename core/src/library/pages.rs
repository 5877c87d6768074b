//! Pages: a group's knowledge base (guides, checklists, templates), written in Markdown
//! in the browser. A page is a document whose versions are Markdown files, so it has the
//! label, recipients, versions, restore, audit and access of every other document; what
//! is its own is the editor's checks (the posts' renderer, images only from the same
//! group's library), saving over a version someone else has replaced, and comparing two
//! versions.

use super::diff::{LineDiff, line_diff};
use super::file_type::FileType;
use super::{
    AddError, Added, DOCUMENTS, Libraries, MAX_TITLE_CHARS, NewVersion, Reading, Upload, VERSIONS,
    add_document, add_version, file_name, open_file, read_text, visible_label, writable_group,
};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::group_content::Audience;
use crate::ids::GroupId;
use crate::markdown;
use crate::policy::{Tlp, Viewer, push_group_content_visible};
use sqlx::{QueryBuilder, Sqlite};

/// Longest page, in characters: a post's limit, so one renderer and one body limit
/// serve both.
pub const MAX_PAGE_CHARS: usize = markdown::MAX_SOURCE_CHARS;

/// Most bytes of a page the editor reads: [`MAX_PAGE_CHARS`] of the widest UTF-8.
const MAX_PAGE_BYTES: usize = MAX_PAGE_CHARS * 4;

/// Most bytes of each version a comparison reads. Pages stay far below; an uploaded text
/// file above it is compared by downloading both versions.
pub const MAX_COMPARED_BYTES: usize = 1024 * 1024;

/// A new page, as the editor sent it.
#[derive(Debug, Clone, Default)]
pub struct NewPage {
    pub folder_id: Option<i64>,
    pub title: String,
    /// Missing: the group's default label.
    pub tlp: Option<Tlp>,
    pub audience: Audience,
    pub body: String,
}

/// A new version of a page, as the editor sent it.
#[derive(Debug, Clone, Default)]
pub struct PageEdit {
    /// The version the editor was opened on: if another has become the newest since,
    /// the save is refused rather than silently replacing it.
    pub based_on: i64,
    pub body: String,
    pub change_note: String,
    /// Missing: unchanged. A lower label is refused.
    pub tlp: Option<Tlp>,
    pub audience: Audience,
}

/// Writes a new page in the library of group `slug`: version 1 of a Markdown document,
/// added like an uploaded one (one transaction with its audit and search outbox rows).
pub async fn write_page(
    libraries: &Libraries,
    viewer: &Viewer,
    slug: &str,
    page: NewPage,
    address: &str,
) -> Result<Added, AddError> {
    let group = writable_group(&libraries.db, viewer, slug).await?;
    let title = page.title.trim();
    if title.is_empty() {
        return Err(CoreError::invalid("title", "required").into());
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(CoreError::invalid("title", "too_long").into());
    }
    check_body(&libraries.db, viewer, group.id, &page.body).await?;
    let received = received(libraries, &page.body).await?;
    let upload = Upload {
        folder_id: page.folder_id,
        title: Some(title.to_string()),
        tlp: page.tlp,
        audience: page.audience,
        file_name: page_file_name(title),
    };
    add_document(libraries, viewer, slug, upload, received, address).await
}

/// Saves `edit` as the newest version of page `id`. `NotFound` for a document the viewer
/// may not see; `Forbidden` for one they may not write in; `version`/`conflict` when
/// another version has become the newest since the editor was opened.
pub async fn edit_page(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    edit: PageEdit,
    address: &str,
) -> Result<Added, AddError> {
    let label = visible_label(&libraries.db, viewer, id).await?;
    let newest = newest_page_version(&libraries.db, viewer, id).await?;
    check_body(&libraries.db, viewer, label.group_id, &edit.body).await?;
    let received = received(libraries, &edit.body).await?;
    let new = NewVersion {
        tlp: edit.tlp,
        audience: edit.audience,
        change_note: edit.change_note,
        file_name: newest.file_name,
        based_on: Some(edit.based_on),
    };
    add_version(libraries, viewer, id, new, received, address).await
}

/// A page's Markdown at `version` (the newest when `None`), for the editor: the read is
/// audited as a preview. `document`/`not_a_page` for a version that is not Markdown.
pub async fn page_text(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    version: Option<i64>,
    address: &str,
) -> CoreResult<String> {
    let opened = open_file(libraries, viewer, id, version, Reading::Preview, address).await?;
    if opened.file_type != Some(FileType::Md) {
        return Err(CoreError::invalid("document", "not_a_page"));
    }
    let (text, cut) = read_text(&opened, MAX_PAGE_BYTES).await?;
    if cut || text.chars().count() > MAX_PAGE_CHARS {
        return Err(CoreError::invalid("body", "too_long"));
    }
    Ok(text)
}

/// The difference between versions `from` and `to` of a text document (a page, or an
/// uploaded TXT, MD or CSV file). Each version is read, and audited, as a preview, and
/// must be one the viewer may see (`NotFound` otherwise).
pub async fn compare_versions(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    from: i64,
    to: i64,
    address: &str,
) -> CoreResult<LineDiff> {
    let old = compared_text(libraries, viewer, id, from, address).await?;
    let new = compared_text(libraries, viewer, id, to, address).await?;
    tokio::task::spawn_blocking(move || line_diff(&old, &new))
        .await
        .map_err(|e| CoreError::Internal(format!("diff task: {e}")))
}

async fn compared_text(
    libraries: &Libraries,
    viewer: &Viewer,
    id: i64,
    version: i64,
    address: &str,
) -> CoreResult<String> {
    let opened = open_file(
        libraries,
        viewer,
        id,
        Some(version),
        Reading::Preview,
        address,
    )
    .await?;
    if !opened.file_type.is_some_and(FileType::is_text) {
        return Err(CoreError::invalid("version", "not_text"));
    }
    let (text, cut) = read_text(&opened, MAX_COMPARED_BYTES).await?;
    if cut {
        return Err(CoreError::invalid("version", "too_large"));
    }
    Ok(text)
}

/// What the editor sends must render as a post would, and show only image documents of
/// the page's own group that the writer may see: an image from another group would be
/// shown to this group's readers under this page's label.
async fn check_body(db: &Db, viewer: &Viewer, group: GroupId, body: &str) -> CoreResult<()> {
    markdown::render(body)?;
    let images = markdown::image_files(body);
    if group_images(db, group, &images, Some(viewer)).await?.len() != images.len() {
        return Err(CoreError::invalid("body", "image_not_in_group"));
    }
    Ok(())
}

/// A page's Markdown as its readers see it: the posts' renderer, showing only image
/// documents of the page's own group (each served only to readers who may see it, as
/// every `/files/{id}` is). The same rule as the editor's, for a Markdown file that was
/// uploaded rather than written here. The caller has read the page through the policy.
pub async fn render_page(db: &Db, id: i64, text: &str) -> CoreResult<String> {
    let images = markdown::image_files(text);
    let group: GroupId = sqlx::query_scalar("select group_id from documents where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)?;
    let shown = group_images(db, group, &images, None).await?;
    markdown::render_showing(text, |image| shown.contains(&image))
}

/// Which of `ids` are image documents of `group` that are not removed (and that
/// `visible_to` may see, when given).
async fn group_images(
    db: &Db,
    group: GroupId,
    ids: &[i64],
    visible_to: Option<&Viewer>,
) -> CoreResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select d.id from documents d join document_versions v on v.document_id = d.id \
         and v.version = (select max(n.version) from document_versions n \
         where n.document_id = d.id) \
         where d.removed_at is null and v.media_type like 'image/%' and d.group_id = ",
    );
    qb.push_bind(group).push(" and d.id in (");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    qb.push(")");
    if let Some(viewer) = visible_to {
        qb.push(" and ");
        push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    }
    Ok(qb.build_query_scalar().fetch_all(db).await?)
}

/// The newest version of page `id` as the viewer may see it.
struct NewestVersion {
    file_name: String,
}

async fn newest_page_version(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<NewestVersion> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.media_type, v.file_name from documents d \
         join document_versions v on v.document_id = d.id \
         where d.removed_at is null and d.id = ",
    );
    qb.push_bind(id).push(
        " and v.version = (select max(n.version) from document_versions n \
         where n.document_id = d.id) and ",
    );
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    qb.push(" and ");
    push_group_content_visible(&mut qb, viewer, &VERSIONS);
    let (media_type, file_name): (String, String) = qb
        .build_query_as()
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)?;
    if FileType::from_media_type(&media_type) != Some(FileType::Md) {
        return Err(CoreError::invalid("document", "not_a_page"));
    }
    Ok(NewestVersion { file_name })
}

/// The page's text as a received file, ready for the store.
async fn received(libraries: &Libraries, body: &str) -> CoreResult<super::store::Received> {
    let mut incoming = libraries.files.incoming(body.len() as u64).await?;
    incoming
        .write(body.as_bytes())
        .await
        .map_err(|e| CoreError::Internal(format!("writing a page: {e}")))?;
    incoming.finish().await
}

/// The file name a page's versions carry (what a download is called): its title, as a
/// Markdown file.
fn page_file_name(title: &str) -> String {
    file_name::safe_file_name(&format!("{}.md", title.replace(['/', '\\'], "-")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_file_is_named_after_its_title_without_a_path() {
        assert_eq!(page_file_name("Tjekliste: backup"), "Tjekliste: backup.md");
        assert_eq!(page_file_name("../etc/passwd"), "-etc-passwd.md");
        let long = "x".repeat(300);
        assert!(page_file_name(&long).ends_with(".md"));
    }
}
