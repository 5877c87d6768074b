//! `/groups/{slug}/library` (a group's documents, and the upload form for those who may
//! add) and `/documents/{id}` (a document: its label, facts and versions). The upload
//! form is a plain `multipart/form-data` post to the upload route, so it works without
//! wasm; a refusal comes back to this page in the address (`upload_error=…`), shown here
//! in the reader's language. Anything the reader may not see is answered exactly like a
//! missing one.

use crate::api::library::{
    DocumentEntry, DocumentView, LibraryView, VersionView, load_document, load_library,
};
use crate::components::forum::{AudienceFields, TlpField};
use crate::components::labels::{TlpBadge, tlp_text};
use crate::components::page::loaded;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn LibraryPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, library_title) />
        {signed_in_view(move |_| view! { <LibraryPageView /> })}
    }
}

#[component]
fn LibraryPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let library = Resource::new_blocking(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_library,
    );
    let body = move || {
        Suspend::new(async move {
            loaded(
                library.await,
                locale,
                |library| view! { <LibraryParts library /> },
            )
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn LibraryParts(library: LibraryView) -> impl IntoView {
    let locale = use_locale();
    let group_href = format!("/groups/{}", library.slug);
    let title = td_string!(locale, library_heading, group = library.group_name.clone()).to_string();
    let empty = library.documents.is_empty();
    let rows = library
        .documents
        .into_iter()
        .map(|d| view! { <DocumentRow document=d /> })
        .collect_view();
    view! {
        <Title text=title.clone() />
        <p class="breadcrumb"><a href=group_href>{library.group_name.clone()}</a></p>
        <h1>{title}</h1>
        <UploadRefusal />
        {if empty {
            view! { <p>{td_string!(locale, library_empty)}</p> }.into_any()
        } else {
            view! {
                <ScrollTable label=td_string!(locale, library_documents_label).to_string()>
                    <table class="documents">
                        <caption class="visually-hidden">{td_string!(locale, library_documents_label)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{td_string!(locale, library_col_title)}</th>
                                <th scope="col">{td_string!(locale, forum_col_tlp)}</th>
                                <th scope="col">{td_string!(locale, library_col_kind)}</th>
                                <th scope="col">{td_string!(locale, library_col_size)}</th>
                                <th scope="col">{td_string!(locale, library_col_version)}</th>
                                <th scope="col">{td_string!(locale, library_col_author)}</th>
                                <th scope="col">{td_string!(locale, library_col_updated)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </ScrollTable>
            }.into_any()
        }}
        {library.can_upload.then(|| view! {
            <UploadForm slug=library.slug.clone() default_tlp=library.default_tlp.clone() choices=library.choices.clone() />
        })}
    }
}

#[component]
fn DocumentRow(document: DocumentEntry) -> impl IntoView {
    let href = format!("/documents/{}", document.id);
    view! {
        <tr>
            <td><a href=href>{document.title}</a></td>
            <td><TlpBadge tlp=document.tlp /></td>
            <td>{document.kind}</td>
            <td>{document.size}</td>
            <td>{document.version}</td>
            <td>{document.author} " (" {document.org} ")"</td>
            <td>{document.updated}</td>
        </tr>
    }
}

/// Why the last upload was refused, from the address the upload route sent the browser
/// back to.
#[component]
fn UploadRefusal() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let get = move |key: &str| query.with_untracked(|q| q.get(key).unwrap_or_default());
    let reason = get("upload_error");
    if reason.is_empty() {
        return None;
    }
    let (file, found, limit) = (get("file"), get("found"), get("limit_mb"));
    let message = match reason.as_str() {
        "type" => td_string!(locale, library_error_type, file = file, found = found).to_string(),
        "empty" => td_string!(locale, library_error_empty, file = file).to_string(),
        "too_large" => td_string!(locale, library_error_too_large, limit = limit).to_string(),
        "no_file" => td_string!(locale, library_error_no_file).to_string(),
        "forbidden" => td_string!(locale, library_error_forbidden).to_string(),
        "below_current" => td_string!(locale, library_error_below_current).to_string(),
        "one_file" => td_string!(locale, library_error_one_file).to_string(),
        _ => td_string!(locale, library_error_other).to_string(),
    };
    Some(view! { <p class="message error" role="alert">{message}</p> })
}

#[component]
fn UploadForm(
    slug: String,
    default_tlp: String,
    choices: crate::api::forums::ComposerChoices,
) -> impl IntoView {
    let locale = use_locale();
    let action = format!("/groups/{slug}/library/upload");
    view! {
        <section class="card" aria-labelledby="upload-title">
            <h2 id="upload-title">{td_string!(locale, library_upload_title)}</h2>
            <form method="post" action=action enctype="multipart/form-data" class="form">
                <div class="field">
                    <label for="upload-name">{td_string!(locale, library_upload_name)}</label>
                    <input id="upload-name" name="title" type="text" maxlength="200" />
                </div>
                <TlpField id="upload-tlp" selected=default_tlp.clone() min="clear" />
                <AudienceFields id="upload-audience" choices />
                <div class="field">
                    <label for="upload-files">{td_string!(locale, library_upload_files)}</label>
                    <input id="upload-files" name="file" type="file" multiple=true required=true aria-describedby="upload-files-hint" />
                    <p id="upload-files-hint" class="hint">{td_string!(locale, library_upload_files_hint)}</p>
                </div>
                <div class="actions">
                    <button type="submit">{td_string!(locale, library_upload_button)}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn DocumentPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, document_title) />
        {signed_in_view(move |_| view! { <DocumentPageView /> })}
    }
}

#[component]
fn DocumentPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let document = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => load_document(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            loaded(
                document.await,
                locale,
                |document| view! { <DocumentParts document /> },
            )
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn DocumentParts(document: DocumentView) -> impl IntoView {
    let locale = use_locale();
    let library_href = format!("/groups/{}/library", document.slug);
    let download_href = format!("/documents/{}/download", document.id);
    let banner = td_string!(locale, document_banner, tlp = tlp_text(&document.tlp)).to_string();
    let id = document.id;
    let versions = document
        .versions
        .into_iter()
        .map(|v| view! { <VersionRow id version=v /> })
        .collect_view();
    view! {
        <Title text=document.title.clone() />
        <p class="breadcrumb"><a href=library_href>{document.group_name.clone()}</a></p>
        <h1>{document.title.clone()}</h1>
        <p class="tlp-banner" role="note"><TlpBadge tlp=document.tlp.clone() /> " " {banner}</p>
        <dl class="details">
            <dt>{td_string!(locale, document_author)}</dt>
            <dd>{document.author} " (" {document.org} ")"</dd>
            <dt>{td_string!(locale, document_updated)}</dt>
            <dd>{document.updated}</dd>
        </dl>
        <UploadRefusal />
        <p><a class="button" href=download_href>{td_string!(locale, document_download)}</a></p>
        <h2>{td_string!(locale, document_versions)}</h2>
        <ScrollTable label=td_string!(locale, document_versions).to_string()>
            <table class="versions">
                <caption class="visually-hidden">{td_string!(locale, document_versions)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, document_col_version)}</th>
                        <th scope="col">{td_string!(locale, document_col_file)}</th>
                        <th scope="col">{td_string!(locale, forum_col_tlp)}</th>
                        <th scope="col">{td_string!(locale, library_col_kind)}</th>
                        <th scope="col">{td_string!(locale, library_col_size)}</th>
                        <th scope="col">{td_string!(locale, library_col_author)}</th>
                        <th scope="col">{td_string!(locale, library_col_updated)}</th>
                        <th scope="col">{td_string!(locale, document_col_note)}</th>
                        <th scope="col">{td_string!(locale, document_col_download)}</th>
                    </tr>
                </thead>
                <tbody>{versions}</tbody>
            </table>
        </ScrollTable>
        {document.downloads.map(|downloads| view! { <Downloads downloads /> })}
        {document.can_add_version.then(|| view! {
            <NewVersionForm id tlp=document.tlp.clone() choices=document.choices.clone() />
        })}
    }
}

/// Who downloaded the document, for its author and the group's moderators.
#[component]
fn Downloads(downloads: Vec<(String, String, String)>) -> impl IntoView {
    let locale = use_locale();
    let empty = downloads.is_empty();
    let rows = downloads
        .into_iter()
        .map(|(name, org, at)| view! { <tr><td>{name}</td><td>{org}</td><td>{at}</td></tr> })
        .collect_view();
    view! {
        <h2>{td_string!(locale, document_downloads)}</h2>
        {if empty {
            view! { <p>{td_string!(locale, document_downloads_none)}</p> }.into_any()
        } else {
            view! {
                <ScrollTable label=td_string!(locale, document_downloads).to_string()>
                    <table class="downloads">
                        <caption class="visually-hidden">{td_string!(locale, document_downloads)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{td_string!(locale, document_downloads_who)}</th>
                                <th scope="col">{td_string!(locale, document_downloads_org)}</th>
                                <th scope="col">{td_string!(locale, document_downloads_when)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </ScrollTable>
            }.into_any()
        }}
    }
}

/// A new version: one file, a change note, and a label no lower than the current one.
#[component]
fn NewVersionForm(
    id: i64,
    tlp: String,
    choices: crate::api::forums::ComposerChoices,
) -> impl IntoView {
    let locale = use_locale();
    let action = format!("/documents/{id}/versions");
    view! {
        <section class="card" aria-labelledby="version-title">
            <h2 id="version-title">{td_string!(locale, document_new_version)}</h2>
            <form method="post" action=action enctype="multipart/form-data" class="form">
                <div class="field">
                    <label for="version-file">{td_string!(locale, document_new_version_file)}</label>
                    <input id="version-file" name="file" type="file" required=true />
                </div>
                <div class="field">
                    <label for="version-note">{td_string!(locale, document_change_note)}</label>
                    <input id="version-note" name="change_note" type="text" maxlength="500" />
                </div>
                <TlpField id="version-tlp" selected=tlp.clone() min=tlp />
                <p class="hint">{td_string!(locale, document_version_tlp_hint)}</p>
                <AudienceFields id="version-audience" choices />
                <div class="actions">
                    <button type="submit">{td_string!(locale, document_new_version_button)}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn VersionRow(id: i64, version: VersionView) -> impl IntoView {
    let locale = use_locale();
    let href = format!("/documents/{id}/versions/{}/download", version.version);
    let label =
        td_string!(locale, document_download_version, version = version.version).to_string();
    view! {
        <tr>
            <td>{version.version}</td>
            <td>{version.file_name}</td>
            <td><TlpBadge tlp=version.tlp /></td>
            <td>{version.kind}</td>
            <td>{version.size}</td>
            <td>{version.author}</td>
            <td>{version.created}</td>
            <td>{version.change_note}</td>
            <td><a href=href>{label}</a></td>
        </tr>
    }
}
