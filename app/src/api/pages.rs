//! Server functions of library pages: writing a page in the browser, editing it, and
//! comparing two versions of a text document. The editor's forms carry up to 100,000
//! characters, so their routes take the forum composer's body limit
//! (`server/src/http/limits.rs`).

// A server function takes its form's fields as arguments.
#![allow(clippy::too_many_arguments)]

use crate::api::forums::{ComposerChoices, Draft};
use crate::api::library::FolderEntry;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The page for writing a new page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPageView {
    pub slug: String,
    pub group_name: String,
    pub default_tlp: String,
    /// The folder the page goes in unless another is chosen.
    pub folder_id: Option<i64>,
    pub folders: Vec<FolderEntry>,
    pub choices: ComposerChoices,
    pub draft: Option<Draft>,
}

/// The page for editing a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditPageView {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub path: Vec<FolderEntry>,
    /// The version the editor opens on (the save is refused if another replaced it).
    pub version: i64,
    pub body: String,
    pub tlp: String,
    pub choices: ComposerChoices,
    pub draft: Option<Draft>,
}

/// What the editor's submit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageOutcome {
    /// Saved as this document's version; the browser is sent to it.
    Saved { document_id: i64, version: i64 },
    /// The rendered preview of what was written (nothing stored).
    Preview { html: String },
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLineView {
    /// `same`, `added` or `removed`.
    pub change: String,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    pub text: String,
}

/// Two versions of a text document compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffView {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub path: Vec<FolderEntry>,
    /// The versions the reader may see, newest first: (number, author, when).
    pub versions: Vec<(i64, String, String)>,
    pub from: i64,
    pub to: i64,
    /// The changes with their context, one list per place in the text.
    pub hunks: Vec<Vec<DiffLineView>>,
    pub added: usize,
    pub removed: usize,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::api::forums::server::DRAFT_KEY;
    use crate::request;
    use vaern_core::library::AddError;

    pub fn refusal(err: AddError) -> AppError {
        match err {
            AddError::Core(err) => err.into(),
            // A page is Markdown the server wrote itself: never of a refused type.
            AddError::Refused { file_name, found } => {
                tracing::error!("BUG: a page's file {file_name:?} was refused as {found:?}");
                AppError::Internal
            }
        }
    }

    /// Runs the editor's submit, as the forum composer does: a preview renders; a save
    /// forgets the draft and sends the browser to the page; a plain post that fails or
    /// previews keeps the draft for the form to put back, so nothing typed is lost.
    pub async fn compose(
        draft: Draft,
        preview: bool,
        write: impl Future<Output = Result<vaern_core::library::Added, AddError>>,
    ) -> Result<PageOutcome, AppError> {
        let session = request::session()?;
        let plain = crate::api::forums::server::plain_form_post();
        if preview {
            let rendered = vaern_core::markdown::render(&draft.body);
            if plain {
                let preview = rendered.as_ref().ok().cloned();
                session
                    .insert(DRAFT_KEY, Draft { preview, ..draft })
                    .await
                    .map_err(request::session_error)?;
            }
            return Ok(PageOutcome::Preview { html: rendered? });
        }
        match write.await {
            Ok(added) => {
                let _ = session.remove::<Draft>(DRAFT_KEY).await;
                leptos_axum::redirect(&format!("/documents/{}", added.document_id));
                Ok(PageOutcome::Saved {
                    document_id: added.document_id,
                    version: added.version,
                })
            }
            Err(err) => {
                if plain {
                    session
                        .insert(DRAFT_KEY, draft)
                        .await
                        .map_err(request::session_error)?;
                }
                Err(refusal(err))
            }
        }
    }
}

#[server(prefix = "/rpc", endpoint = "new_page")]
pub async fn load_new_page(slug: String, folder: Option<i64>) -> Result<NewPageView, AppError> {
    use crate::api::forums::server as forum;
    use crate::api::library::{choices_for, folder_entries};
    use crate::request;
    use vaern_core::library::{LibraryQuery, library_page};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let draft = forum::draft_for(format!("page:new:{}", slug.trim()))?;
    let query = LibraryQuery {
        folder,
        ..LibraryQuery::default()
    };
    let library = library_page(&backend.db, &viewer, &slug, &query).await?;
    if !library.can_upload {
        return Err(AppError::Forbidden);
    }
    let choices = choices_for(&backend, &viewer, &library.slug, true).await?;
    Ok(NewPageView {
        folders: folder_entries(&library.folders, &[]),
        folder_id: folder,
        slug: library.slug,
        group_name: library.group_name,
        default_tlp: library.default_tlp.as_str().to_string(),
        choices,
        draft: draft.await?,
    })
}

#[server(prefix = "/rpc", endpoint = "write_page")]
pub async fn write_page(
    slug: String,
    folder_id: Option<String>,
    title: String,
    body: String,
    tlp: Option<String>,
    audience: Option<BTreeMap<String, String>>,
    intent: Option<String>,
) -> Result<PageOutcome, AppError> {
    use crate::api::forums::server as forum;
    use crate::request;
    use vaern_core::library::pages::{self, NewPage};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let draft = Draft {
        form: format!("page:new:{}", slug.trim()),
        title: title.clone(),
        body: body.clone(),
        tlp: tlp.clone().unwrap_or_default(),
        preview: None,
        based_on: None,
    };
    let new = NewPage {
        folder_id: crate::api::library::folder_choice(folder_id.as_deref())?,
        title,
        tlp: forum::tlp(tlp.as_deref())?,
        audience: forum::audience(audience.as_ref())?,
        body,
    };
    let preview = intent.as_deref() == Some("preview");
    server::compose(draft, preview, async move {
        pages::write_page(&backend.libraries, &viewer, &slug, new, &address).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "page_edit")]
pub async fn load_page_edit(id: i64) -> Result<EditPageView, AppError> {
    use crate::api::forums::server as forum;
    use crate::api::library::{choices_for, folder_entries};
    use crate::request;
    use vaern_core::library::{document_page, pages};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let draft = forum::draft_for(format!("page:edit:{id}"))?;
    let page = document_page(&backend.db, &viewer, id).await?;
    if !page.can_add_version {
        return Err(AppError::Forbidden);
    }
    let version = page.versions.first().map_or(0, |v| v.version);
    // That very version, so that what the editor shows is what it is based on.
    let body = pages::page_text(&backend.libraries, &viewer, id, Some(version), &address).await?;
    let choices = choices_for(&backend, &viewer, &page.slug, true).await?;
    let folders = folder_entries(&page.folders, &[]);
    Ok(EditPageView {
        path: page
            .path
            .iter()
            .filter_map(|f| folders.iter().find(|e| e.id == f.id).cloned())
            .collect(),
        id,
        slug: page.slug,
        group_name: page.group_name,
        title: page.title,
        version,
        body,
        tlp: page.tlp.as_str().to_string(),
        choices,
        draft: draft.await?,
    })
}

#[server(prefix = "/rpc", endpoint = "edit_page")]
pub async fn edit_page(
    document_id: i64,
    based_on: i64,
    body: String,
    change_note: Option<String>,
    tlp: Option<String>,
    audience: Option<BTreeMap<String, String>>,
    intent: Option<String>,
) -> Result<PageOutcome, AppError> {
    use crate::api::forums::server as forum;
    use crate::request;
    use vaern_core::library::pages::{self, PageEdit};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let draft = Draft {
        form: format!("page:edit:{document_id}"),
        // A page's title is edited with its metadata; the draft keeps the change note.
        title: change_note.clone().unwrap_or_default(),
        body: body.clone(),
        tlp: tlp.clone().unwrap_or_default(),
        preview: None,
        based_on: Some(based_on),
    };
    let edit = PageEdit {
        based_on,
        body,
        change_note: change_note.unwrap_or_default(),
        tlp: forum::tlp(tlp.as_deref())?,
        audience: forum::audience(audience.as_ref())?,
    };
    let preview = intent.as_deref() == Some("preview");
    server::compose(draft, preview, async move {
        pages::edit_page(&backend.libraries, &viewer, document_id, edit, &address).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "compare_versions")]
pub async fn load_diff(id: i64, from: Option<i64>, to: Option<i64>) -> Result<DiffView, AppError> {
    use crate::api::forums::server as forum;
    use crate::api::library::folder_entries;
    use crate::request;
    use vaern_core::library::diff::LineChange;
    use vaern_core::library::{document_page, pages};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let page = document_page(&backend.db, &viewer, id).await?;
    // By default the newest version against the one before it.
    let to = to.or_else(|| page.versions.first().map(|v| v.version));
    let from = from
        .or_else(|| page.versions.get(1).map(|v| v.version))
        .or(to);
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::NotFound);
    };
    let diff = pages::compare_versions(&backend.libraries, &viewer, id, from, to, &address).await?;
    let folders = folder_entries(&page.folders, &[]);
    Ok(DiffView {
        path: page
            .path
            .iter()
            .filter_map(|f| folders.iter().find(|e| e.id == f.id).cloned())
            .collect(),
        id,
        slug: page.slug,
        group_name: page.group_name,
        title: page.title,
        versions: page
            .versions
            .into_iter()
            .map(|v| (v.version, v.author_name, forum::time(v.created_at)))
            .collect(),
        from,
        to,
        added: diff.added,
        removed: diff.removed,
        hunks: diff
            .hunks
            .into_iter()
            .map(|hunk| {
                hunk.lines
                    .into_iter()
                    .map(|line| DiffLineView {
                        change: match line.change {
                            LineChange::Same => "same",
                            LineChange::Added => "added",
                            LineChange::Removed => "removed",
                        }
                        .to_string(),
                        old_line: line.old_line,
                        new_line: line.new_line,
                        text: line.text,
                    })
                    .collect()
            })
            .collect(),
    })
}
