//! The library's file routes: uploads (`POST /groups/{slug}/library/upload`, a plain
//! `multipart/form-data` form that works without wasm) and downloads
//! (`/documents/{id}/download`, `/documents/{id}/versions/{n}/download`). Bodies stream:
//! an upload goes to a temporary file as it arrives (`library::store`), a download from
//! the file to the socket. Both go through `vaern_core::library`, which checks the policy
//! and stages the audit row in the transaction of the change or read.
//!
//! The origin check applies as to every state-changing request; the global body limit
//! does not (`limits::is_upload_route`): this route has its own, `--max-upload-mb`,
//! checked against `Content-Length` before reading and again while streaming.

use crate::AppState;
use app::request::RequestContext;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;
use vaern_core::CoreError;
use vaern_core::group_content::Audience;
use vaern_core::library::file_name::ascii_fallback;
use vaern_core::library::file_type::{FileType, Refused};
use vaern_core::library::store::{Received, UploadError};
use vaern_core::library::{self, AddError, Reading, Upload};
use vaern_core::policy::{Tlp, Viewer};

/// Whether `path` is an upload route (a new document or a new version), which reads
/// its body itself.
pub fn is_upload_route(path: &str) -> bool {
    let library = path
        .strip_prefix("/groups/")
        .and_then(|rest| rest.strip_suffix("/library/upload"))
        .is_some_and(|slug| !slug.is_empty() && !slug.contains('/'));
    let version = path
        .strip_prefix("/documents/")
        .and_then(|rest| rest.strip_suffix("/versions"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    library || version
}

/// Why an upload was not taken, as the page and the JSON answer name it.
#[derive(Debug)]
enum Refusal {
    TooLarge {
        limit_mb: u64,
    },
    Type {
        file_name: String,
        found: String,
    },
    Empty {
        file_name: String,
    },
    NoFile,
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    NotFound,
    Forbidden,
    Malformed,
    Internal,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Type { .. } | Self::Empty { .. } | Self::NoFile | Self::Invalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Malformed => StatusCode::BAD_REQUEST,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable key the library page translates (`?upload_error=…`).
    fn key(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Type { .. } => "type",
            Self::Empty { .. } => "empty",
            Self::NoFile => "no_file",
            Self::Invalid { reason, .. } => reason,
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::Malformed => "malformed",
            Self::Internal => "internal",
        }
    }

    /// What the page needs besides the key, as query pairs.
    fn details(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::TooLarge { limit_mb } => vec![("limit_mb", limit_mb.to_string())],
            Self::Type { file_name, found } => {
                vec![("file", file_name.clone()), ("found", found.clone())]
            }
            Self::Empty { file_name } => vec![("file", file_name.clone())],
            Self::Invalid { field, .. } => vec![("field", (*field).to_string())],
            _ => Vec::new(),
        }
    }
}

impl From<CoreError> for Refusal {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::NotFound => Self::NotFound,
            CoreError::Forbidden => Self::Forbidden,
            CoreError::Invalid { field, reason } => Self::Invalid { field, reason },
            other => {
                tracing::error!(err = %other, "library upload");
                Self::Internal
            }
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The answer to a refused upload: JSON for a script, or back to the page of the form
/// (`back`), which shows the message in the reader's language.
fn refused(back: &str, json: bool, refusal: Refusal) -> Response {
    if json {
        let body = json!({ "error": refusal.key(), "details": refusal.details()
            .into_iter().collect::<std::collections::BTreeMap<_, _>>() });
        return (refusal.status(), axum::Json(body)).into_response();
    }
    if matches!(refusal, Refusal::NotFound) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut query = url_encoded(&[("upload_error", refusal.key().to_string())]);
    let details = refusal.details();
    if !details.is_empty() {
        query.push('&');
        query.push_str(&url_encoded(&details));
    }
    Redirect::to(&format!("{back}?{query}")).into_response()
}

fn url_encoded(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encoded_segment(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_encoded_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// What the form sent besides its files.
#[derive(Default)]
struct Fields {
    folder_id: Option<i64>,
    title: Option<String>,
    tlp: Option<Tlp>,
    change_note: Option<String>,
    audience_keys: Vec<String>,
}

/// `POST /groups/{slug}/library/upload`.
pub async fn upload(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    context: Option<Extension<RequestContext>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let json = wants_json(&headers);
    let back = format!("/groups/{}/library", url_encoded_segment(&slug));
    let (viewer, address, fields, files) = match accept(&state, &headers, context, multipart).await
    {
        Ok(accepted) => accepted,
        Err(refusal) => return refused(&back, json, refusal),
    };
    match add_all(&state, &viewer, &slug, fields, files, &address).await {
        Ok(added) if json => axum::Json(json!({ "documents": added })).into_response(),
        Ok(added) => match added.as_slice() {
            [one] => Redirect::to(&format!("/documents/{}", one.document_id)).into_response(),
            _ => Redirect::to(&format!("/groups/{}/library", url_encoded_segment(&slug)))
                .into_response(),
        },
        Err(refusal) => refused(&back, json, refusal),
    }
}

/// `POST /documents/{id}/versions`: one file as the document's newest version.
pub async fn new_version(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    context: Option<Extension<RequestContext>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let json = wants_json(&headers);
    let back = format!("/documents/{id}");
    let (viewer, address, fields, mut files) =
        match accept(&state, &headers, context, multipart).await {
            Ok(accepted) => accepted,
            Err(refusal) => return refused(&back, json, refusal),
        };
    if files.len() != 1 {
        return refused(
            &back,
            json,
            Refusal::Invalid {
                field: "file",
                reason: "one_file",
            },
        );
    }
    let (file_name, received) = files.remove(0);
    let audience = match Audience::from_form_keys(fields.audience_keys.iter().map(String::as_str)) {
        Ok(audience) => audience,
        Err(err) => return refused(&back, json, err.into()),
    };
    let new = library::NewVersion {
        tlp: fields.tlp,
        audience,
        change_note: fields.change_note.unwrap_or_default(),
        file_name,
        based_on: None,
    };
    match library::add_version(
        &state.backend.libraries,
        &viewer,
        id,
        new,
        received,
        &address,
    )
    .await
    {
        Ok(added) if json => axum::Json(json!({ "documents": [added] })).into_response(),
        Ok(_) => Redirect::to(&back).into_response(),
        Err(err) => refused(&back, json, refusal_of(err)),
    }
}

/// Who is uploading, from where, and the whole form read: the checks every upload
/// route makes before its own.
async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    context: Option<Extension<RequestContext>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(Viewer, String, Fields, Vec<(String, Received)>), Refusal> {
    let Some(Extension(context)) = context else {
        return Err(Refusal::NotFound);
    };
    let Some(signed_in) = context.signed_in else {
        return Err(Refusal::NotFound);
    };
    let limit = state.backend.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // The form's other fields take a few kilobytes at most besides the files.
    if declared.is_some_and(|len| len > limit.saturating_add(64 * 1024)) {
        return Err(Refusal::TooLarge {
            limit_mb: limit / (1024 * 1024),
        });
    }
    let multipart = multipart.map_err(|_| Refusal::Malformed)?;
    let (fields, files) = receive(state, multipart, limit).await?;
    Ok((signed_in.viewer, context.address, fields, files))
}

fn refusal_of(err: AddError) -> Refusal {
    match err {
        AddError::Refused { file_name, found } => match found {
            Refused::Empty => Refusal::Empty { file_name },
            Refused::Type(found) => Refusal::Type { file_name, found },
        },
        AddError::Core(err) => err.into(),
    }
}

/// Reads the whole form: its fields, and each file into the store's temporary area.
async fn receive(
    state: &AppState,
    mut multipart: Multipart,
    limit: u64,
) -> Result<(Fields, Vec<(String, Received)>), Refusal> {
    let limit_mb = limit / (1024 * 1024);
    let mut fields = Fields::default();
    let mut files = Vec::new();
    let mut total: u64 = 0;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| Refusal::Malformed)?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let mut incoming = state
                .backend
                .libraries
                .files
                .incoming(limit.saturating_sub(total))
                .await?;
            while let Some(chunk) = field.chunk().await.map_err(|_| Refusal::Malformed)? {
                match incoming.write(&chunk).await {
                    Ok(()) => {}
                    Err(UploadError::TooLarge { .. }) => {
                        drop(incoming);
                        let mut drained = 0;
                        while let Ok(Some(chunk)) = field.chunk().await {
                            drained += chunk.len();
                            if drained > DRAIN_BYTES {
                                return Err(Refusal::TooLarge { limit_mb });
                            }
                        }
                        drop(field);
                        drain(&mut multipart, drained).await;
                        return Err(Refusal::TooLarge { limit_mb });
                    }
                    Err(UploadError::Core(core)) => return Err(core.into()),
                }
            }
            let received = incoming.finish().await?;
            // A file input left empty sends a part with no name and no bytes.
            if received.size == 0 && file_name.is_empty() {
                continue;
            }
            total += received.size;
            files.push((file_name, received));
            continue;
        }
        let text = field.text().await.map_err(|_| Refusal::Malformed)?;
        if text.len() > 4096 {
            return Err(Refusal::Malformed);
        }
        match name.as_str() {
            "folder_id" if !text.trim().is_empty() => {
                let id = text.trim().parse().map_err(|_| Refusal::Invalid {
                    field: "folder_id",
                    reason: "unknown",
                })?;
                fields.folder_id = Some(id);
            }
            "title" => fields.title = Some(text),
            "change_note" => fields.change_note = Some(text),
            "tlp" if !text.trim().is_empty() => {
                fields.tlp = Some(Tlp::parse(text.trim()).ok_or(Refusal::Invalid {
                    field: "tlp",
                    reason: "unknown",
                })?);
            }
            key => {
                if let Some(inner) = key
                    .strip_prefix("audience[")
                    .and_then(|k| k.strip_suffix(']'))
                {
                    fields.audience_keys.push(inner.to_string());
                }
            }
        }
    }
    if files.is_empty() {
        return Err(Refusal::NoFile);
    }
    Ok((fields, files))
}

/// Most a refused upload is read on after its limit, so that the browser, still
/// sending, gets the answer instead of a reset connection; a larger body is cut off.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// Reads and discards the remaining fields of a refused form, until [`DRAIN_BYTES`]
/// have been read in all.
async fn drain(multipart: &mut Multipart, mut drained: usize) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            drained += chunk.len();
            if drained > DRAIN_BYTES {
                return;
            }
        }
    }
}

/// Adds each received file as a document. Every file's type is checked before any is
/// added, so a refused file among several leaves the library as it was; each file is
/// then its own document, committed whole or not at all.
async fn add_all(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    fields: Fields,
    files: Vec<(String, Received)>,
    address: &str,
) -> Result<Vec<library::Added>, Refusal> {
    let audience = Audience::from_form_keys(fields.audience_keys.iter().map(String::as_str))?;
    // A title names one document; with several files each keeps its file name.
    let title = if files.len() == 1 { fields.title } else { None };
    for (file_name, received) in &files {
        let file_name = library::file_name::safe_file_name(file_name);
        library::typed(received, &file_name).map_err(refusal_of)?;
    }
    let mut added = Vec::with_capacity(files.len());
    for (file_name, received) in files {
        let upload = Upload {
            folder_id: fields.folder_id,
            title: title.clone(),
            tlp: fields.tlp,
            audience: audience.clone(),
            file_name,
        };
        match library::add_document(
            &state.backend.libraries,
            viewer,
            slug,
            upload,
            received,
            address,
        )
        .await
        {
            Ok(one) => added.push(one),
            Err(err) => return Err(refusal_of(err)),
        }
    }
    Ok(added)
}

/// `GET /documents/{id}/download`: the newest version.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    serve_file(&state, context, id, None, Reading::Download).await
}

/// `GET /documents/{id}/versions/{n}/download`.
pub async fn download_version(
    State(state): State<AppState>,
    Path((id, version)): Path<(i64, i64)>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    serve_file(&state, context, id, Some(version), Reading::Download).await
}

/// `GET /documents/{id}/raw`: the newest version for the page's preview. PDFs and images
/// are served inline (under [`RAW_CONTENT_SECURITY_POLICY`]), anything else as an
/// attachment.
pub async fn raw(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    serve_file(&state, context, id, None, Reading::Preview).await
}

/// `GET /files/{id}`: an image document, the only image source posts and pages may use.
pub async fn image(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    serve_file(&state, context, id, None, Reading::Embedded).await
}

/// Whether `path` serves a file inline under its own Content-Security-Policy, which the
/// global security layer leaves alone.
pub fn is_inline_file_route(path: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    path.strip_prefix("/documents/")
        .and_then(|rest| rest.strip_suffix("/raw"))
        .is_some_and(digits)
        || path.strip_prefix("/files/").is_some_and(digits)
}

/// The policy of an inline file. Only this site may frame it (the document's page);
/// Chromium's PDF viewer needs `'self'` sources and inline styles (`default-src 'none'`
/// leaves it blank), and `sandbox` would disable it. No script of ours runs here.
pub const RAW_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'none'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

async fn serve_file(
    state: &AppState,
    context: Option<Extension<RequestContext>>,
    id: i64,
    version: Option<i64>,
    reading: Reading,
) -> Response {
    let Some(Extension(context)) = context else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(signed_in) = context.signed_in else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let opened = match library::open_file(
        &state.backend.libraries,
        &signed_in.viewer,
        id,
        version,
        reading,
        &context.address,
    )
    .await
    {
        Ok(opened) => opened,
        Err(CoreError::NotFound | CoreError::Forbidden) => {
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(err) => {
            tracing::error!(%err, id, "opening a document");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let file = match tokio::fs::File::open(&opened.path).await {
        Ok(file) => file,
        Err(err) => {
            tracing::error!(%err, id, "a document's file is missing from the store");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let media_type = opened
        .file_type
        .map_or("application/octet-stream", |t| t.media_type());
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(opened.size.max(0) as u64),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Only types a browser shows without running anything of the file's (never HTML or
    // SVG, which a library does not even accept) are shown inline.
    let shown = reading != Reading::Download
        && opened
            .file_type
            .is_some_and(|t| t.is_image() || t == FileType::Pdf);
    let disposition = if shown {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(RAW_CONTENT_SECURITY_POLICY),
        );
        inline(&opened.file_name)
    } else {
        attachment(&opened.file_name)
    };
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    // Large reads: the default 4 KiB chunks held a 1 GB download to 16 % of `cp`.
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        file, READ_CHUNK,
    ));
    (headers, body).into_response()
}

/// Bytes read from a stored file per chunk of a download.
const READ_CHUNK: usize = 256 * 1024;

/// `Content-Disposition` for a file shown in the page, named as a download would be.
fn inline(file_name: &str) -> String {
    attachment(file_name).replacen("attachment", "inline", 1)
}

/// `Content-Disposition` for a download: an ASCII name for old clients and the real
/// one as RFC 6266 `filename*`.
pub fn attachment(file_name: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(file_name),
        url_encoded_segment(file_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_group_library_upload_path_is_an_upload_route() {
        assert!(is_upload_route("/groups/nis2/library/upload"));
        assert!(!is_upload_route("/groups//library/upload"));
        assert!(!is_upload_route("/groups/a/b/library/upload"));
        assert!(!is_upload_route("/rpc/post_reply"));
        assert!(is_upload_route("/documents/12/versions"));
        assert!(!is_upload_route("/documents/x/versions"));
        assert!(!is_upload_route("/documents/12/versions/1/download"));
    }

    #[test]
    fn the_attachment_header_carries_a_safe_ascii_name_and_the_utf8_one() {
        assert_eq!(
            attachment("Årsplan \"2027\".pdf"),
            "attachment; filename=\"_rsplan _2027_.pdf\"; \
             filename*=UTF-8''%C3%85rsplan%20%222027%22%2Epdf"
        );
    }
}
