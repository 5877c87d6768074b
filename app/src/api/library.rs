//! Server functions of the group libraries: a library's page and a document's page.
//! Files themselves go through plain routes (`server/src/http/library.rs`): uploads
//! stream to disk and downloads stream from it, which server functions cannot do.

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
}

/// A group's library page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryView {
    pub slug: String,
    pub group_name: String,
    pub default_tlp: String,
    pub can_upload: bool,
    /// Recipients the upload form offers (only for those who may upload).
    pub choices: ComposerChoices,
    pub documents: Vec<DocumentEntry>,
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
}

/// A document's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub tlp: String,
    pub author: String,
    pub org: String,
    pub created: String,
    pub updated: String,
    /// The reader may add versions; the form's recipients are then offered.
    pub can_add_version: bool,
    pub choices: ComposerChoices,
    /// Who downloaded it: (name, organisation, when); for the author and moderators.
    pub downloads: Option<Vec<(String, String, String)>>,
    /// Newest first.
    pub versions: Vec<VersionView>,
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

#[server(prefix = "/rpc", endpoint = "library")]
pub async fn load_library(slug: String) -> Result<LibraryView, AppError> {
    use crate::api::forums::server;
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let page = vaern_core::library::library_page(&backend.db, &viewer, &slug).await?;
    let choices = if page.can_upload {
        server::choices(
            vaern_core::forums::writing::choices_for_group(&backend.db, &viewer, &page.slug)
                .await?,
        )
    } else {
        ComposerChoices::default()
    };
    Ok(LibraryView {
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
            })
            .collect(),
    })
}

#[server(prefix = "/rpc", endpoint = "document")]
pub async fn load_document(id: i64) -> Result<DocumentView, AppError> {
    use crate::api::forums::server;
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let page = vaern_core::library::document_page(&backend.db, &viewer, id).await?;
    let choices = if page.can_add_version {
        server::choices(
            vaern_core::forums::writing::choices_for_group(&backend.db, &viewer, &page.slug)
                .await?,
        )
    } else {
        ComposerChoices::default()
    };
    Ok(DocumentView {
        downloads: page.downloads.map(|list| {
            list.into_iter()
                .map(|d| (d.name, d.org_name, server::time(d.at)))
                .collect()
        }),
        can_add_version: page.can_add_version,
        choices,
        id: page.id,
        slug: page.slug,
        group_name: page.group_name,
        title: page.title,
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
            })
            .collect(),
    })
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
