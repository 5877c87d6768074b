//! `/groups/{slug}/library` (a group's documents, and the upload form for those who may
//! add) and `/documents/{id}` (a document: its label, facts and versions). The upload
//! form is a plain `multipart/form-data` post to the upload route, so it works without
//! wasm; a refusal comes back to this page in the address (`upload_error=…`), shown here
//! in the reader's language. Anything the reader may not see is answered exactly like a
//! missing one.

use crate::api::library::{
    CreateFolder, DeleteFolder, DocumentEntry, DocumentView, EditDocument, FolderEntry,
    LibraryFilter, LibraryView, MoveFolder, Preview, RemoveDocument, RenameFolder, RestoreVersion,
    VersionView, folder_href, load_document, load_library,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::forum::{AudienceFields, TlpField};
use crate::components::labels::{TlpBadge, tlp_text};
use crate::components::page::loaded;
use crate::components::scroll_table::ScrollTable;
use crate::components::search_text::SearchTextFact;
use crate::components::signed_in::signed_in_view;
use crate::components::upload_progress::UploadProgress;
use crate::components::watch::WatchForm;
use crate::i18n::*;
use crate::locale::use_locale;
use crate::pages::incidents::LinkedIncidents;
use crate::pages::library_pages::CompareForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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
    let query = use_query_map();
    let library = Resource::new_blocking(
        move || {
            let slug = params.with(|p| p.get("slug").unwrap_or_default());
            query.with(|q| {
                let get = |key: &str| q.get(key).filter(|v| !v.is_empty());
                (
                    slug,
                    get("folder").and_then(|f| f.parse::<i64>().ok()),
                    get("sort"),
                    get("tlp"),
                    get("kind"),
                    get("tag"),
                )
            })
        },
        |(slug, folder, sort, tlp, kind, tag)| load_library(slug, folder, sort, tlp, kind, tag),
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

/// The group, the library and the folders down to the one shown; the last is the page.
#[component]
pub(crate) fn Breadcrumbs(
    slug: String,
    group_name: String,
    path: Vec<FolderEntry>,
    /// The page is inside the last folder (a document's page), not the folder itself.
    #[prop(optional)]
    inside: bool,
) -> impl IntoView {
    let locale = use_locale();
    let count = path.len();
    let library_current = count == 0 && !inside;
    let crumbs = path
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let current = i + 1 == count && !inside;
            let href = folder_href(&slug, Some(f.id));
            view! {
                <li>
                    {if current {
                        view! { <span aria-current="page">{f.name}</span> }.into_any()
                    } else {
                        view! { <a href=href>{f.name}</a> }.into_any()
                    }}
                </li>
            }
        })
        .collect_view();
    let group_href = format!("/groups/{slug}");
    let library_href = folder_href(&slug, None);
    view! {
        <nav class="breadcrumb" aria-label=td_string!(locale, library_breadcrumbs)>
            <ol>
                <li><a href=group_href>{group_name}</a></li>
                <li>
                    {if library_current {
                        view! { <span aria-current="page">{td_string!(locale, library_title)}</span> }.into_any()
                    } else {
                        view! { <a href=library_href>{td_string!(locale, library_title)}</a> }.into_any()
                    }}
                </li>
                {crumbs}
            </ol>
        </nav>
    }
}

#[component]
fn LibraryParts(library: LibraryView) -> impl IntoView {
    let locale = use_locale();
    let here = library.path.last().cloned();
    let title = match &here {
        Some(folder) => folder.name.clone(),
        None => td_string!(locale, library_heading, group = library.group_name.clone()).to_string(),
    };
    let empty = library.documents.is_empty();
    let narrowed = library.filter.narrows();
    let rows = library
        .documents
        .into_iter()
        .map(|d| view! { <DocumentRow document=d /> })
        .collect_view();
    let subfolders = (!library.subfolders.is_empty()).then(|| {
        let slug = library.slug.clone();
        let items = library
            .subfolders
            .iter()
            .map(|f| {
                let href = folder_href(&slug, Some(f.id));
                view! { <li><a href=href>{f.name.clone()}</a></li> }
            })
            .collect_view();
        view! {
            <section aria-labelledby="folders-title">
                <h2 id="folders-title">{td_string!(locale, library_folders)}</h2>
                <ul class="folders">{items}</ul>
            </section>
        }
    });
    let folder_id = library.filter.folder;
    view! {
        <Title text=title.clone() />
        <Breadcrumbs slug=library.slug.clone() group_name=library.group_name.clone() path=library.path.clone() />
        <h1>{title}</h1>
        <WatchForm slug=library.slug.clone() folder=folder_id watch=library.watch.clone() />
        <UploadRefusal />
        {subfolders}
        <FilterForm
            slug=library.slug.clone()
            filter=library.filter.clone()
            tags=library.tags.clone()
            kinds=library.kinds.clone()
        />
        <h2 id="documents-title">{td_string!(locale, library_documents_label)}</h2>
        {if empty {
            let text = if narrowed {
                td_string!(locale, library_none_match)
            } else {
                td_string!(locale, library_empty)
            };
            view! { <p>{text}</p> }.into_any()
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
        {library.can_upload.then(|| {
            let href = match folder_id {
                Some(folder) => format!("/groups/{}/library/new-page?folder={folder}", library.slug),
                None => format!("/groups/{}/library/new-page", library.slug),
            };
            view! { <p><a class="button" href=href>{td_string!(locale, page_new)}</a></p> }
        })}
        {library.can_upload.then(|| view! {
            <UploadForm
                slug=library.slug.clone()
                default_tlp=library.default_tlp.clone()
                choices=library.choices.clone()
                folders=library.folders.clone()
                folder_id
            />
            <NewFolderForm slug=library.slug.clone() parent=folder_id />
        })}
        {here.filter(|f| f.manageable).map(|folder| view! {
            <FolderForms folder folders=library.folders.clone() />
        })}
    }
}

/// Sort and filters: a plain GET form, so the list has an address to share.
#[component]
fn FilterForm(
    slug: String,
    filter: LibraryFilter,
    tags: Vec<String>,
    kinds: Vec<String>,
) -> impl IntoView {
    let locale = use_locale();
    let action = format!("/groups/{slug}/library");
    let sorts = [
        ("updated", td_string!(locale, library_sort_updated)),
        ("title", td_string!(locale, library_sort_title)),
        ("size", td_string!(locale, library_sort_size)),
        ("type", td_string!(locale, library_sort_type)),
    ]
    .into_iter()
    .map(|(value, text)| {
        let selected = filter.sort == value;
        view! { <option value=value selected=selected>{text}</option> }
    })
    .collect_view();
    let tlps = crate::components::labels::TLPS
        .iter()
        .map(|tlp| {
            let selected = filter.tlp == *tlp;
            view! { <option value=*tlp selected=selected>{tlp_text(tlp)}</option> }
        })
        .collect_view();
    let kinds = kinds
        .into_iter()
        .map(|kind| {
            let selected = filter.kind == kind;
            view! { <option value=kind.clone() selected=selected>{kind.clone()}</option> }
        })
        .collect_view();
    let tags = tags
        .into_iter()
        .map(|tag| {
            let selected = filter.tag == tag;
            view! { <option value=tag.clone() selected=selected>{tag.clone()}</option> }
        })
        .collect_view();
    let all = td_string!(locale, library_filter_all);
    let clear_href = folder_href(&slug, filter.folder);
    view! {
        <form method="get" action=action class="filters" aria-label=td_string!(locale, library_filter_label)>
            {filter.folder.map(|f| view! { <input type="hidden" name="folder" value=f /> })}
            <div class="field">
                <label for="filter-sort">{td_string!(locale, library_sort)}</label>
                <select id="filter-sort" name="sort">{sorts}</select>
            </div>
            <div class="field">
                <label for="filter-tlp">{td_string!(locale, forum_col_tlp)}</label>
                <select id="filter-tlp" name="tlp"><option value="">{all}</option>{tlps}</select>
            </div>
            <div class="field">
                <label for="filter-kind">{td_string!(locale, library_col_kind)}</label>
                <select id="filter-kind" name="kind"><option value="">{all}</option>{kinds}</select>
            </div>
            <div class="field">
                <label for="filter-tag">{td_string!(locale, library_tag)}</label>
                <select id="filter-tag" name="tag"><option value="">{all}</option>{tags}</select>
            </div>
            <div class="actions">
                <button type="submit" class="secondary">{td_string!(locale, library_filter_apply)}</button>
                {filter.narrows().then(|| view! { <a href=clear_href>{td_string!(locale, library_filter_clear)}</a> })}
            </div>
        </form>
    }
}

/// Options for a folder choice: the top of the library, then every folder by place.
pub(crate) fn folder_options(
    folders: &[FolderEntry],
    selected: Option<i64>,
    except: Option<i64>,
    top: &'static str,
) -> impl IntoView + use<> {
    let options = folders
        .iter()
        .filter(|f| Some(f.id) != except)
        .map(|f| {
            let is_selected = selected == Some(f.id);
            view! { <option value=f.id selected=is_selected>{f.path.clone()}</option> }
        })
        .collect_view();
    let top_selected = selected.is_none();
    view! {
        <option value="" selected=top_selected>{top}</option>
        {options}
    }
}

#[component]
fn NewFolderForm(slug: String, parent: Option<i64>) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<CreateFolder>::new();
    view! {
        <section class="card" aria-labelledby="new-folder-title">
            <h2 id="new-folder-title">{td_string!(locale, library_new_folder)}</h2>
            <Form action class="form">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="parent_id" value=parent.map(|p| p.to_string()).unwrap_or_default() />
                <div class="field">
                    <label for="new-folder-name">{td_string!(locale, library_folder_name)}</label>
                    <input id="new-folder-name" name="name" type="text" maxlength="200" required=true aria-describedby="new-folder-hint" />
                    <p id="new-folder-hint" class="hint">{td_string!(locale, library_folder_hint)}</p>
                </div>
                <ErrorMessage path={<CreateFolder as ServerFn>::PATH} />
                <div class="actions">
                    <button type="submit" class="secondary">{td_string!(locale, library_new_folder_button)}</button>
                </div>
            </Form>
        </section>
    }
}

/// Rename, move and delete the folder shown: for its creator and the moderators.
#[component]
fn FolderForms(folder: FolderEntry, folders: Vec<FolderEntry>) -> impl IntoView {
    let locale = use_locale();
    let rename = ServerAction::<RenameFolder>::new();
    let move_to = ServerAction::<MoveFolder>::new();
    let delete = ServerAction::<DeleteFolder>::new();
    let id = folder.id;
    // A folder moves anywhere but into itself or below itself.
    let below = format!("{} / ", folder.path);
    let targets: Vec<FolderEntry> = folders
        .into_iter()
        .filter(|f| f.id != id && !f.path.starts_with(&below))
        .collect();
    let parent = {
        let above = folder
            .path
            .rsplit_once(" / ")
            .map(|(above, _)| above.to_string());
        above.and_then(|above| targets.iter().find(|f| f.path == above).map(|f| f.id))
    };
    view! {
        <section class="card" aria-labelledby="folder-title">
            <h2 id="folder-title">{td_string!(locale, library_folder_manage)}</h2>
            <Form action=rename class="form">
                <input type="hidden" name="folder_id" value=id />
                <div class="field">
                    <label for="rename-folder">{td_string!(locale, library_folder_rename)}</label>
                    <input id="rename-folder" name="name" type="text" maxlength="200" required=true value=folder.name.clone() />
                </div>
                <ErrorMessage path={<RenameFolder as ServerFn>::PATH} />
                <button type="submit" class="secondary">{td_string!(locale, library_folder_rename_button)}</button>
            </Form>
            <Form action=move_to class="form">
                <input type="hidden" name="folder_id" value=id />
                <div class="field">
                    <label for="move-folder">{td_string!(locale, library_folder_move)}</label>
                    <select id="move-folder" name="parent_id">
                        {folder_options(&targets, parent, Some(id), td_string!(locale, library_top))}
                    </select>
                </div>
                <ErrorMessage path={<MoveFolder as ServerFn>::PATH} />
                <button type="submit" class="secondary">{td_string!(locale, library_folder_move_button)}</button>
            </Form>
            <Form action=delete class="form">
                <input type="hidden" name="folder_id" value=id />
                <p class="hint">{td_string!(locale, library_folder_delete_hint)}</p>
                <ErrorMessage path={<DeleteFolder as ServerFn>::PATH} />
                <button type="submit" class="danger">{td_string!(locale, library_folder_delete)}</button>
            </Form>
        </section>
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
    folders: Vec<FolderEntry>,
    folder_id: Option<i64>,
) -> impl IntoView {
    let locale = use_locale();
    let action = format!("/groups/{slug}/library/upload");
    view! {
        <section class="card" aria-labelledby="upload-title">
            <h2 id="upload-title">{td_string!(locale, library_upload_title)}</h2>
            <form id="upload-form" method="post" action=action enctype="multipart/form-data" class="form">
                <div class="field">
                    <label for="upload-name">{td_string!(locale, library_upload_name)}</label>
                    <input id="upload-name" name="title" type="text" maxlength="200" />
                </div>
                <div class="field">
                    <label for="upload-folder">{td_string!(locale, library_folder)}</label>
                    <select id="upload-folder" name="folder_id">
                        {folder_options(&folders, folder_id, None, td_string!(locale, library_top))}
                    </select>
                </div>
                <TlpField id="upload-tlp" selected=default_tlp.clone() min="clear" />
                <AudienceFields id="upload-audience" choices />
                <div class="field">
                    <label for="upload-files">{td_string!(locale, library_upload_files)}</label>
                    <input id="upload-files" name="file" type="file" multiple=true required=true aria-describedby="upload-files-hint" />
                    <p id="upload-files-hint" class="hint">{td_string!(locale, library_upload_files_hint)}</p>
                </div>
                <UploadProgress form_id="upload-form".to_string() />
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
    let download_href = format!("/documents/{}/download", document.id);
    let banner = td_string!(locale, document_banner, tlp = tlp_text(&document.tlp)).to_string();
    let id = document.id;
    let newest = document.versions.first().map(|v| v.version);
    let can_restore = document.can_add_version;
    let versions = document
        .versions
        .iter()
        .cloned()
        .map(|v| {
            let restorable = can_restore && Some(v.version) != newest;
            view! { <VersionRow id version=v restorable /> }
        })
        .collect_view();
    let tags = (!document.tags.is_empty()).then(|| {
        let items = document
            .tags
            .iter()
            .map(|t| {
                let href = format!(
                    "/groups/{}/library?tag={}",
                    document.slug,
                    urlencoding::encode(t)
                );
                view! { <li><a href=href>{t.clone()}</a></li> }
            })
            .collect_view();
        view! {
            <dt>{td_string!(locale, library_tags)}</dt>
            <dd><ul class="tags">{items}</ul></dd>
        }
    });
    let description = (!document.description.is_empty())
        .then(|| view! { <p class="description">{document.description.clone()}</p> });
    view! {
        <Title text=document.title.clone() />
        <Breadcrumbs slug=document.slug.clone() group_name=document.group_name.clone() path=document.path.clone() inside=true />
        <h1>{document.title.clone()}</h1>
        <p class="tlp-banner" role="note"><TlpBadge tlp=document.tlp.clone() /> " " {banner}</p>
        {description}
        <dl class="details">
            <dt>{td_string!(locale, document_author)}</dt>
            <dd>{document.author.clone()} " (" {document.org.clone()} ")"</dd>
            <dt>{td_string!(locale, document_updated)}</dt>
            <dd>{document.updated.clone()}</dd>
            {tags}
            <SearchTextFact state=document.search_text.clone() />
        </dl>
        <UploadRefusal />
        <p><a class="button" href=download_href>{td_string!(locale, document_download)}</a></p>
        {(document.can_add_version && document.is_page).then(|| {
            let href = format!("/documents/{id}/edit");
            view! { <p><a class="button" href=href>{td_string!(locale, page_edit)}</a></p> }
        })}
        <PreviewPanel id title=document.title.clone() preview=document.preview.clone() />
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
        <ErrorMessage path={<RestoreVersion as ServerFn>::PATH} only_after_refusal=true />
        {document.comparable.then(|| {
            let versions: Vec<(i64, String, String)> = document
                .versions
                .iter()
                .map(|v| (v.version, v.author.clone(), v.created.clone()))
                .collect();
            let to = versions.first().map_or(1, |v| v.0);
            let from = versions.get(1).map_or(to, |v| v.0);
            view! {
                <section aria-labelledby="compare-title">
                    <h2 id="compare-title">{td_string!(locale, compare_title)}</h2>
                    <CompareForm id versions from to />
                </section>
            }
        })}
        <Edits edits=document.edits.clone() />
        <LinkedFrom threads=document.linked_from.clone() total=document.linked_total />
        <LinkedIncidents around=document.linked_incidents.clone() />
        {document.downloads.clone().map(|downloads| view! { <Downloads downloads /> })}
        {document.can_add_version.then(|| view! {
            <NewVersionForm id tlp=document.tlp.clone() choices=document.choices.clone() />
        })}
        {document.can_manage.then(|| view! {
            <EditForm document=document.clone() />
            <RemoveForm id />
        })}
    }
}

/// The newest version's contents, under the page's TLP banner. Text is escaped; Markdown
/// comes from the posts' sanitising renderer; images and PDFs are read from the raw
/// route, whose own headers let only this site frame it.
#[component]
fn PreviewPanel(id: i64, title: String, preview: Preview) -> impl IntoView {
    let locale = use_locale();
    let raw = format!("/documents/{id}/raw");
    let cut_note = move |cut: bool| {
        cut.then(|| view! { <p class="hint">{td_string!(locale, document_preview_cut)}</p> })
    };
    let body = match preview {
        Preview::None => return None,
        Preview::Text { text, cut } => view! {
            <pre class="preview-text" tabindex="0">{text}</pre>
            {cut_note(cut)}
        }
        .into_any(),
        Preview::Markdown { html, cut } => view! {
            <div class="preview-markdown post-body" inner_html=html></div>
            {cut_note(cut)}
        }
        .into_any(),
        Preview::Image => view! { <img class="preview-image" src=raw alt=title /> }.into_any(),
        Preview::Pdf => {
            let frame_title = td_string!(locale, document_preview_pdf, title = title).to_string();
            view! { <iframe class="preview-pdf" src=raw title=frame_title></iframe> }.into_any()
        }
    };
    Some(view! {
        <section class="document-preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{td_string!(locale, document_preview)}</h2>
            {body}
        </section>
    })
}

/// The metadata edits, newest first.
#[component]
fn Edits(edits: Vec<crate::api::library::EditView>) -> impl IntoView {
    let locale = use_locale();
    if edits.is_empty() {
        return None;
    }
    let rows = edits
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td>{e.created}</td>
                    <td>{e.editor}</td>
                    <td>{e.title}</td>
                    <td><TlpBadge tlp=e.tlp /></td>
                    <td>{e.change_note}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <h2>{td_string!(locale, document_edits)}</h2>
        <ScrollTable label=td_string!(locale, document_edits).to_string()>
            <table class="edits">
                <caption class="visually-hidden">{td_string!(locale, document_edits)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, document_downloads_when)}</th>
                        <th scope="col">{td_string!(locale, document_edited_by)}</th>
                        <th scope="col">{td_string!(locale, library_col_title)}</th>
                        <th scope="col">{td_string!(locale, forum_col_tlp)}</th>
                        <th scope="col">{td_string!(locale, document_col_note)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    })
}

/// The threads that link the document and the reader may see, newest linking post
/// first; each links to that post.
#[component]
fn LinkedFrom(threads: Vec<crate::api::library::LinkingThreadView>, total: i64) -> impl IntoView {
    let locale = use_locale();
    let shown = threads.len();
    let more = (total > shown as i64).then(|| {
        view! { <p class="hint">{td_string!(locale, document_linked_from_more, shown = shown, total = total)}</p> }
    });
    let rows = threads
        .into_iter()
        .map(|t| {
            let href = format!(
                "/threads/{}?post={}#post-{}",
                t.thread_id, t.post_id, t.post_id
            );
            view! {
                <tr>
                    <td><a href=href>{t.title}</a></td>
                    <td>{t.group_name}</td>
                    <td>{t.linked}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="linked-from" aria-labelledby="linked-from-title">
            <h2 id="linked-from-title">{td_string!(locale, document_linked_from)}</h2>
            {if shown == 0 {
                view! { <p>{td_string!(locale, document_linked_from_empty)}</p> }.into_any()
            } else {
                view! {
                    <ScrollTable label=td_string!(locale, document_linked_from).to_string()>
                        <table class="linked-threads">
                            <caption class="visually-hidden">{td_string!(locale, document_linked_from)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{td_string!(locale, document_linked_thread)}</th>
                                    <th scope="col">{td_string!(locale, document_linked_group)}</th>
                                    <th scope="col">{td_string!(locale, document_linked_latest)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </ScrollTable>
                    {more}
                }.into_any()
            }}
        </section>
    }
}

/// Title, description, tags, folder and label: for the author and the moderators.
#[component]
fn EditForm(document: DocumentView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<EditDocument>::new();
    let tags = document.tags.join(", ");
    view! {
        <section class="card" aria-labelledby="edit-title">
            <h2 id="edit-title">{td_string!(locale, document_edit)}</h2>
            <Form action class="form">
                <input type="hidden" name="document_id" value=document.id />
                <div class="field">
                    <label for="edit-doc-title">{td_string!(locale, library_col_title)}</label>
                    <input id="edit-doc-title" name="title" type="text" maxlength="200" required=true value=document.title.clone() />
                </div>
                <div class="field">
                    <label for="edit-doc-description">{td_string!(locale, document_description)}</label>
                    <textarea id="edit-doc-description" name="description" maxlength="4000" rows="4">{document.description.clone()}</textarea>
                </div>
                <div class="field">
                    <label for="edit-doc-tags">{td_string!(locale, library_tags)}</label>
                    <input id="edit-doc-tags" name="tags" type="text" value=tags aria-describedby="edit-doc-tags-hint" />
                    <p id="edit-doc-tags-hint" class="hint">{td_string!(locale, document_tags_hint)}</p>
                </div>
                <div class="field">
                    <label for="edit-doc-folder">{td_string!(locale, library_folder)}</label>
                    <select id="edit-doc-folder" name="folder_id">
                        {folder_options(&document.folders, document.folder_id, None, td_string!(locale, library_top))}
                    </select>
                </div>
                <TlpField id="edit-doc-tlp" selected=document.tlp.clone() min=document.tlp.clone() />
                <AudienceFields id="edit-doc-audience" choices=document.choices.clone() />
                <div class="field">
                    <label for="edit-doc-note">{td_string!(locale, document_edit_note)}</label>
                    <input id="edit-doc-note" name="change_note" type="text" maxlength="500" />
                </div>
                <ErrorMessage path={<EditDocument as ServerFn>::PATH} />
                <div class="actions">
                    <button type="submit">{td_string!(locale, document_edit_button)}</button>
                </div>
            </Form>
        </section>
    }
}

/// Removal with a reason: for the author and the moderators.
#[component]
fn RemoveForm(id: i64) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<RemoveDocument>::new();
    view! {
        <section class="card" aria-labelledby="remove-title">
            <h2 id="remove-title">{td_string!(locale, document_remove)}</h2>
            <Form action class="form">
                <input type="hidden" name="document_id" value=id />
                <div class="field">
                    <label for="remove-reason">{td_string!(locale, document_remove_reason)}</label>
                    <input id="remove-reason" name="reason" type="text" maxlength="500" required=true aria-describedby="remove-hint" />
                    <p id="remove-hint" class="hint">{td_string!(locale, document_remove_hint)}</p>
                </div>
                <ErrorMessage path={<RemoveDocument as ServerFn>::PATH} />
                <div class="actions">
                    <button type="submit" class="danger">{td_string!(locale, document_remove_button)}</button>
                </div>
            </Form>
        </section>
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
            <form id="version-form" method="post" action=action enctype="multipart/form-data" class="form">
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
                <UploadProgress form_id="version-form".to_string() />
                <div class="actions">
                    <button type="submit">{td_string!(locale, document_new_version_button)}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn VersionRow(id: i64, version: VersionView, restorable: bool) -> impl IntoView {
    let locale = use_locale();
    let href = format!("/documents/{id}/versions/{}/download", version.version);
    let label =
        td_string!(locale, document_download_version, version = version.version).to_string();
    let number = version.version;
    let note = match version.restored_from {
        Some(from) => {
            let restored = td_string!(locale, document_restored_from, version = from).to_string();
            if version.change_note.is_empty() {
                restored
            } else {
                format!("{restored}: {}", version.change_note)
            }
        }
        None => version.change_note,
    };
    let restore = restorable.then(|| {
        let action = ServerAction::<RestoreVersion>::new();
        let text = td_string!(locale, document_restore, version = number).to_string();
        view! {
            <Form action class="inline-form">
                <input type="hidden" name="document_id" value=id />
                <input type="hidden" name="version" value=number />
                <button type="submit" class="link-button">{text}</button>
            </Form>
        }
    });
    view! {
        <tr>
            <td>{number}</td>
            <td>{version.file_name}</td>
            <td><TlpBadge tlp=version.tlp /></td>
            <td>{version.kind}</td>
            <td>{version.size}</td>
            <td>{version.author}</td>
            <td>{version.created}</td>
            <td>{note}</td>
            <td><a href=href>{label}</a> {restore}</td>
        </tr>
    }
}
