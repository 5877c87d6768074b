//! TAXII 2.1 (OASIS) under `/taxii2/`, and the plain-bundle route
//! `POST /api/v1/stix/bundles`: where the analysis centre delivers STIX 2.1.
//!
//! Every TAXII request and response uses `application/taxii+json;version=2.1`: a wrong
//! `Accept` is 406, a wrong `Content-Type` 415, and every error is a TAXII error
//! message. Tokens authenticate (`token_auth`); writing into `inbound` takes
//! `stix:write`, reading `feed` takes `taxii:read`. What the objects mean and whether
//! they are stored is `vaern_core::stix::ingest`'s business, what a reader receives
//! `vaern_core::stix::feed`'s; this module speaks the protocol.

// The helpers below return the finished error `Response` as their `Err`: it is what the
// handler answers, once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use crate::AppState;
use crate::http::token_auth::ApiToken;
use app::request::RequestContext;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};
use vaern_core::policy::{Scope, Viewer};
use vaern_core::stix::feed;
use vaern_core::stix::feedback::{self, FEEDBACK_COLLECTION_ID};
use vaern_core::stix::ingest::{self, Channel, IngestError, Poster, Status};
use vaern_core::stix::object::format_timestamp;
use vaern_core::stix::{FEED_COLLECTION_ID, INBOUND_COLLECTION_ID};

/// The TAXII 2.1 media type, on every request and response.
pub const TAXII: &str = "application/taxii+json;version=2.1";

/// Largest request body on the ingest routes (the API root's `max_content_length`).
pub const MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;

/// Lets the ingest handlers read bodies up to [`MAX_CONTENT_LENGTH`]; the limit itself
/// is enforced while reading by `limits::body_limit`, before the handler runs.
pub fn body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(MAX_CONTENT_LENGTH)
}

/// How many ingest bodies are read and stored at once. One more waits for a slot (its
/// body unread) up to [`SLOT_WAIT`], then is answered 503 with `Retry-After`, rather
/// than buffering another 64 MiB.
pub const INGEST_SLOTS: usize = 2;
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Seconds an ingest client is asked to wait when every slot is taken.
const RETRY_AFTER_SECS: &str = "5";

/// In front of the ingest routes, before any byte of the body is read: the token and its
/// `stix:write` scope, the declared length, and an ingest slot (held until the answer). The handler then reads the body up to [`MAX_CONTENT_LENGTH`]; the global
/// body limit leaves these routes alone (`http::limits`).
pub async fn ingest_gate(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::extract::FromRequestParts;
    let (mut parts, body) = request.into_parts();
    let token = match ApiToken::from_request_parts(&mut parts, &state).await {
        Ok(token) => token,
        Err(rejection) => return taxii_rejection(rejection),
    };
    if !token.0.has_scope(Scope::StixWrite) {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Writing STIX takes a token with the scope stix:write.",
            None,
        );
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_CONTENT_LENGTH as u64) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            &format!("The body may be at most {MAX_CONTENT_LENGTH} bytes."),
            None,
        );
    }
    let slot = tokio::time::timeout(SLOT_WAIT, state.ingest_slots.clone().acquire_owned()).await;
    let Ok(Ok(_slot)) = slot else {
        let mut busy = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "Other deliveries are being stored; try again shortly.",
            None,
        );
        busy.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
        return busy;
    };
    // The handler's own `ApiToken` takes this one instead of authenticating again.
    parts.extensions.insert(token);
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// The one API root.
const API_ROOT: &str = "/taxii2/vaern/";

/// Whether `path` is an ingest route, which takes [`MAX_CONTENT_LENGTH`] instead of the
/// global body limit.
pub fn is_ingest_route(path: &str) -> bool {
    path == "/api/v1/stix/bundles"
        || (path.starts_with("/taxii2/vaern/collections/") && path.ends_with("/objects/"))
}

/// A TAXII error message (`title`, `description`, `http_status`, `details`), with the
/// TAXII media type.
fn error(status: StatusCode, title: &str, description: &str, details: Option<Value>) -> Response {
    let mut body = json!({
        "title": title,
        "description": description,
        "http_status": status.as_str(),
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    taxii_json(status, &body)
}

fn taxii_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The token extractor's rejection (401) as a TAXII error, its challenge kept.
fn taxii_rejection(rejection: Response) -> Response {
    let status = rejection.status();
    let challenge = rejection.headers().get(header::WWW_AUTHENTICATE).cloned();
    let mut response = error(
        status,
        "Unauthorized",
        "A valid API token is required: Authorization: Bearer <token>, or HTTP Basic with the token as password.",
        None,
    );
    if let Some(challenge) = challenge {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// Whether a media type (with parameters) is TAXII 2.1: `application/taxii+json` with
/// `version=2.1` or no version (which means the newest, 2.1).
fn is_taxii(media_type: &str) -> bool {
    media_type_is(media_type, "application/taxii+json", true)
}

/// `media_type` names `essence` (case-insensitive), with a `version` parameter of 2.1
/// or, when `version_optional`, none.
fn media_type_is(media_type: &str, essence: &str, version_optional: bool) -> bool {
    let mut parts = media_type.split(';');
    let Some(kind) = parts.next() else {
        return false;
    };
    if !kind.trim().eq_ignore_ascii_case(essence) {
        return false;
    }
    let mut version = None;
    for parameter in parts {
        let Some((name, value)) = parameter.split_once('=') else {
            return false;
        };
        if name.trim().eq_ignore_ascii_case("version") {
            version = Some(value.trim().trim_matches('"').to_string());
        }
    }
    match version {
        Some(v) => v == "2.1",
        None => version_optional,
    }
}

/// 406 unless one of the `Accept` media ranges is TAXII 2.1.
fn check_accept(headers: &HeaderMap) -> Result<(), Response> {
    let accepted = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(is_taxii);
    if accepted {
        Ok(())
    } else {
        Err(error(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable",
            &format!("This server answers in {TAXII} only; send Accept: {TAXII}."),
            None,
        ))
    }
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A token of a TAXII request whose `Accept` is TAXII 2.1, or the TAXII error to answer.
fn taxii_token(
    token: Result<ApiToken, Response>,
    headers: &HeaderMap,
) -> Result<ApiToken, Response> {
    let token = token.map_err(taxii_rejection)?;
    check_accept(headers)?;
    Ok(token)
}

fn api_root_url(state: &AppState) -> String {
    format!("{}{API_ROOT}", state.backend.public_url)
}

/// `GET /taxii2/`: the discovery resource.
pub async fn discovery(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = taxii_token(token, &headers) {
        return response;
    }
    let root = api_root_url(&state);
    taxii_json(
        StatusCode::OK,
        &json!({
            "title": "Værn",
            "description": "Værn, the Danish municipalities' cybersecurity platform: alerts, advisories and incidents from the national analysis centre.",
            "default": root,
            "api_roots": [root],
        }),
    )
}

/// `GET /taxii2/vaern/`: the API root.
pub async fn api_root(token: Result<ApiToken, Response>, headers: HeaderMap) -> Response {
    if let Err(response) = taxii_token(token, &headers) {
        return response;
    }
    taxii_json(
        StatusCode::OK,
        &json!({
            "title": "Værn",
            "description": "Write into the inbound collection; read the feed and feedback collections.",
            "versions": [TAXII],
            "max_content_length": MAX_CONTENT_LENGTH,
        }),
    )
}

/// The collections a reader reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readable {
    /// What the reader's organisation may see, cut to it.
    Feed,
    /// Feedback: the reader's organisation's own, and for a centre what was shared
    /// with it.
    Feedback,
}

/// The three collections, as the token may use them.
fn collection(id: &str, token: &ApiToken) -> Option<Value> {
    let (id, alias, title, description, can_read, can_write) =
        if id == INBOUND_COLLECTION_ID || id == "inbound" {
            (
                INBOUND_COLLECTION_ID,
                "inbound",
                "Indgående fra analysecentret",
                "Where the analysis centre adds alerts, advisories and incidents (STIX 2.1).",
                false,
                token.0.has_scope(Scope::StixWrite),
            )
        } else if id == FEED_COLLECTION_ID || id == "feed" {
            (
                FEED_COLLECTION_ID,
                "feed",
                "Feed",
                "What the reader's organisation may see, cut to that reader.",
                token.0.has_scope(Scope::TaxiiRead),
                false,
            )
        } else if id == FEEDBACK_COLLECTION_ID || id == "feedback" {
            (
                FEEDBACK_COLLECTION_ID,
                "feedback",
                "Tilbagemeldinger",
                "Organisations' responses to alerts and advisories (STIX notes): the reader's \
                 own organisation's, and for a centre those shared with it.",
                token.0.has_scope(Scope::TaxiiRead),
                false,
            )
        } else {
            return None;
        };
    Some(json!({
        "id": id,
        "title": title,
        "description": description,
        "alias": alias,
        "can_read": can_read,
        "can_write": can_write,
        "media_types": ["application/stix+json;version=2.1"],
    }))
}

/// `GET /taxii2/vaern/collections/`.
pub async fn collections(token: Result<ApiToken, Response>, headers: HeaderMap) -> Response {
    let token = match taxii_token(token, &headers) {
        Ok(token) => token,
        Err(response) => return response,
    };
    let list: Vec<Value> = [
        INBOUND_COLLECTION_ID,
        FEED_COLLECTION_ID,
        FEEDBACK_COLLECTION_ID,
    ]
    .iter()
    .filter_map(|id| collection(id, &token))
    .collect();
    taxii_json(StatusCode::OK, &json!({ "collections": list }))
}

/// `GET /taxii2/vaern/collections/{id}/`: by id or alias.
pub async fn collection_resource(
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let token = match taxii_token(token, &headers) {
        Ok(token) => token,
        Err(response) => return response,
    };
    match collection(&id, &token) {
        Some(c) => taxii_json(StatusCode::OK, &c),
        None => not_found(),
    }
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "No such resource on this server.",
        None,
    )
}

/// Any other path under `/taxii2/`.
pub async fn unknown() -> Response {
    not_found()
}

/// `POST /taxii2/vaern/collections/{id}/objects/`: an envelope into `inbound`.
pub async fn add_objects(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    context: Option<Extension<RequestContext>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let token = match taxii_token(token, &headers) {
        Ok(token) => token,
        Err(response) => return response,
    };
    let Some(collection) = collection(&id, &token) else {
        return not_found();
    };
    if collection["can_write"] != Value::Bool(true) {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            if collection["alias"] == "inbound" {
                "Writing into inbound takes a token with the scope stix:write."
            } else {
                "This collection cannot be written to."
            },
            None,
        );
    }
    if !is_taxii(content_type(&headers)) {
        return unsupported_media_type(&format!("Send the envelope as Content-Type: {TAXII}."));
    }
    let objects = match read_objects(&body, Shape::Envelope) {
        Ok(objects) => objects,
        Err(response) => return response,
    };
    match store(&state, &token, context, objects).await {
        Ok(status) => taxii_json(StatusCode::ACCEPTED, &status_resource(&status)),
        Err(response) => response,
    }
}

/// `POST /api/v1/stix/bundles`: a plain STIX 2.1 bundle, answered with the same status
/// resource as TAXII.
pub async fn add_bundle(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    context: Option<Extension<RequestContext>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // `ingest_gate` has refused tokens without stix:write before the body was read.
    let token = match token {
        Ok(token) => token,
        Err(rejection) => return taxii_rejection(rejection),
    };
    let media_type = content_type(&headers);
    if !(media_type_is(media_type, "application/stix+json", true)
        || media_type_is(media_type, "application/json", true))
    {
        return unsupported_media_type(
            "Send the bundle as Content-Type: application/stix+json;version=2.1 or application/json.",
        );
    }
    let objects = match read_objects(&body, Shape::Bundle) {
        Ok(objects) => objects,
        Err(response) => return response,
    };
    match store(&state, &token, context, objects).await {
        Ok(status) => {
            let mut response = taxii_json(StatusCode::ACCEPTED, &status_resource(&status));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(response) => response,
    }
}

fn unsupported_media_type(description: &str) -> Response {
    error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Unsupported Media Type",
        description,
        None,
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A TAXII envelope: `{"objects": [...]}` (with optional `more` and `next`).
    Envelope,
    /// A STIX bundle: `{"type": "bundle", "id": "bundle--…", "objects": [...]}`.
    Bundle,
}

/// The objects of a body, or a 400/413 saying why not.
fn read_objects(body: &[u8], shape: Shape) -> Result<Vec<Value>, Response> {
    #[derive(Deserialize)]
    struct Incoming {
        #[serde(rename = "type")]
        kind: Option<String>,
        id: Option<String>,
        objects: Option<Vec<Value>>,
    }
    let what = match shape {
        Shape::Envelope => "a TAXII envelope ({\"objects\": [...]})",
        Shape::Bundle => {
            "a STIX bundle ({\"type\": \"bundle\", \"id\": \"bundle--…\", \"objects\": [...]})"
        }
    };
    let bad =
        |description: String| error(StatusCode::BAD_REQUEST, "Bad Request", &description, None);
    // Read straight into the shape, without an intermediate `Value` of the whole body.
    // serde_json refuses nesting deeper than 128 levels, so a hostile body cannot
    // exhaust the stack.
    let incoming: Incoming = match serde_json::from_slice(body) {
        Ok(incoming) => incoming,
        Err(e) if e.is_data() => return Err(bad(format!("The body must be {what}."))),
        Err(e) => return Err(bad(format!("The body is not JSON: {e}."))),
    };
    if shape == Shape::Bundle {
        let id_ok = incoming.id.as_deref().is_some_and(|id| {
            id.starts_with("bundle--") && vaern_core::stix::object::is_identifier(id)
        });
        if incoming.kind.as_deref() != Some("bundle") || !id_ok {
            return Err(bad(format!("The body must be {what}.")));
        }
    }
    let Some(objects) = incoming.objects else {
        return Err(bad(format!("The body must be {what}: it has no objects.")));
    };
    if objects.len() > ingest::MAX_OBJECTS {
        return Err(too_many(objects.len()));
    }
    Ok(objects)
}

fn too_many(count: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload Too Large",
        &format!(
            "{count} objects in one request; at most {} are accepted. Split them over several requests.",
            ingest::MAX_OBJECTS
        ),
        None,
    )
}

/// Stores the objects (all or nothing); core audits the attempt either way.
async fn store(
    state: &AppState,
    token: &ApiToken,
    context: Option<Extension<RequestContext>>,
    objects: Vec<Value>,
) -> Result<Status, Response> {
    let principal = &token.0;
    let poster = Poster {
        token: principal.id,
        org: principal.org.id,
    };
    let count = objects.len();
    let address = context.map(|Extension(c)| c.address).unwrap_or_default();
    let channel = Channel::Post { address: &address };
    let backend = &state.backend;
    match ingest::receive(&backend.db, &backend.audit, &poster, channel, objects).await {
        Ok(done) => Ok(done.status),
        Err(IngestError::TooMany(n)) => Err(too_many(n)),
        Err(IngestError::Invalid(problems)) => {
            let details: Vec<Value> = problems
                .iter()
                .map(|p| json!({ "index": p.index, "id": p.id, "problems": p.problems }))
                .collect();
            Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid objects",
                &format!(
                    "{} of {count} objects are invalid; nothing was stored. Each is listed in details.objects with its reasons.",
                    problems.len()
                ),
                Some(json!({ "objects": details })),
            ))
        }
        Err(IngestError::Internal(err)) => {
            tracing::error!(%err, "storing STIX objects");
            Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "Something went wrong on our side; nothing was stored. Try again.",
                None,
            ))
        }
    }
}

/// A TAXII 2.1 status resource; stored requests are complete.
fn status_resource(status: &Status) -> Value {
    json!({
        "id": status.id,
        "status": "complete",
        "request_timestamp": format_timestamp(status.request_timestamp_us),
        "total_count": status.total_count,
        "success_count": status.successes.len(),
        "successes": status.successes,
        "failure_count": 0,
        "pending_count": 0,
    })
}

/// `GET /taxii2/vaern/status/{id}/`: only the posting organisation's tokens see it.
pub async fn status(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let token = match taxii_token(token, &headers) {
        Ok(token) => token,
        Err(response) => return response,
    };
    match ingest::status(&state.backend.db, token.0.org.id, &id).await {
        Ok(status) => taxii_json(StatusCode::OK, &status_resource(&status)),
        Err(vaern_core::CoreError::NotFound) => not_found(),
        Err(err) => {
            tracing::error!(%err, "reading a TAXII status");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "Something went wrong on our side.",
                None,
            )
        }
    }
}

/// A readable collection as `token` may read it: the reader and which collection, or
/// the TAXII error to answer (404 for an unknown collection, 403 without `taxii:read` or
/// for a collection nobody reads).
fn feed_reader(id: &str, token: &ApiToken) -> Result<(Viewer, Readable), Response> {
    let Some(collection) = collection(id, token) else {
        return Err(not_found());
    };
    let readable = match collection["alias"].as_str() {
        Some("feed") => Some(Readable::Feed),
        Some("feedback") => Some(Readable::Feedback),
        _ => None,
    };
    let Some(readable) = readable.filter(|_| collection["can_read"] == Value::Bool(true)) else {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            if readable.is_some() {
                "Reading this collection takes a token with the scope taxii:read."
            } else {
                "This collection cannot be read; read the feed collection."
            },
            None,
        ));
    };
    Ok((Viewer::api_token(token.0.org.id), readable))
}

/// One page of `collection` for `reader`.
async fn read_page(
    state: &AppState,
    collection: Readable,
    reader: &Viewer,
    query: &feed::Query,
) -> Result<feed::Page, vaern_core::CoreError> {
    let db = &state.backend.db;
    match collection {
        Readable::Feed => feed::page(db, reader, query).await,
        Readable::Feedback => feedback::page(db, reader, query).await,
    }
}

/// The request's query parameters as a feed query, or a TAXII 400.
fn feed_query(
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<feed::Query, Response> {
    let bad = |description: &str| error(StatusCode::BAD_REQUEST, "Bad Request", description, None);
    let Query(pairs) = pairs.map_err(|_| bad("The query string is not well-formed."))?;
    feed::Query::parse(&pairs).map_err(|feed::BadQuery(why)| bad(&why))
}

fn internal(err: &vaern_core::CoreError) -> Response {
    tracing::error!(%err, "reading the TAXII feed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "Something went wrong on our side.",
        None,
    )
}

/// A page as TAXII answers it: `body` plus `more`/`next`, and the
/// `X-TAXII-Date-Added-First`/`-Last` headers of the records served.
fn page_response(page: &feed::Page, mut body: Value) -> Response {
    body["more"] = Value::Bool(page.more);
    if let Some(next) = &page.next {
        body["next"] = Value::String(next.clone());
    }
    let mut response = taxii_json(StatusCode::OK, &body);
    let headers = response.headers_mut();
    let first = page.records.first().map(|r| r.date_added_us);
    let last = page.records.last().map(|r| r.date_added_us);
    for (name, at) in [
        ("x-taxii-date-added-first", first),
        ("x-taxii-date-added-last", last),
    ] {
        if let Some(value) = at.and_then(|at| HeaderValue::from_str(&format_timestamp(at)).ok()) {
            headers.insert(name, value);
        }
    }
    response
}

fn objects_body(page: &feed::Page) -> Value {
    let mut body = json!({});
    if !page.records.is_empty() {
        body["objects"] = page.records.iter().map(|r| r.object.clone()).collect();
    }
    body
}

/// What every read asks for: the reader, its collection and the query.
struct Read {
    reader: Viewer,
    collection: Readable,
    query: feed::Query,
}

/// The common start of every read: token, `Accept`, collection, reader and query.
fn feed_request(
    token: Result<ApiToken, Response>,
    headers: &HeaderMap,
    id: &str,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Read, Response> {
    let token = taxii_token(token, headers)?;
    let (reader, collection) = feed_reader(id, &token)?;
    let query = feed_query(pairs)?;
    Ok(Read {
        reader,
        collection,
        query,
    })
}

/// `GET …/collections/{id}/objects/`: one page of the feed, cut to the reader.
pub async fn get_objects(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
    Path(id): Path<String>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let read = match feed_request(token, &headers, &id, pairs) {
        Ok(request) => request,
        Err(response) => return response,
    };
    match read_page(&state, read.collection, &read.reader, &read.query).await {
        Ok(page) => page_response(&page, objects_body(&page)),
        Err(err) => internal(&err),
    }
}

/// The versions of `object_id` the reader may see under `query`'s paging, or the 404
/// of an object it may not see at all (hidden and missing alike).
async fn object_page(
    state: &AppState,
    read: Read,
    object_id: &str,
) -> Result<feed::Page, Response> {
    if !vaern_core::stix::object::is_identifier(object_id) {
        return Err(not_found());
    }
    let Read {
        reader,
        collection,
        mut query,
    } = read;
    query.ids = vec![object_id.to_string()];
    let page = read_page(state, collection, &reader, &query)
        .await
        .map_err(|e| internal(&e))?;
    if !page.records.is_empty() {
        return Ok(page);
    }
    let any = feed::Query {
        ids: query.ids.clone(),
        versions: vec![feed::VersionMatch::All],
        limit: 1,
        ..feed::Query::default()
    };
    let seen = read_page(state, collection, &reader, &any)
        .await
        .map_err(|e| internal(&e))?;
    if seen.records.is_empty() {
        Err(not_found())
    } else {
        Ok(page)
    }
}

/// `GET …/collections/{id}/objects/{object_id}/`: the object's versions (by default the
/// last), cut to the reader.
pub async fn get_object(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let read = match feed_request(token, &headers, &id, pairs) {
        Ok(request) => request,
        Err(response) => return response,
    };
    match object_page(&state, read, &object_id).await {
        Ok(page) => page_response(&page, objects_body(&page)),
        Err(response) => response,
    }
}

/// `GET …/collections/{id}/objects/{object_id}/versions/`: the versions the reader may
/// see, oldest added first.
pub async fn get_versions(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let mut read = match feed_request(token, &headers, &id, pairs) {
        Ok(request) => request,
        Err(response) => return response,
    };
    read.query.versions = vec![feed::VersionMatch::All];
    match object_page(&state, read, &object_id).await {
        Ok(page) => {
            let versions: Vec<String> = page
                .records
                .iter()
                .map(|r| format_timestamp(r.version_us))
                .collect();
            page_response(&page, json!({ "versions": versions }))
        }
        Err(response) => response,
    }
}

/// `GET …/collections/{id}/manifest/`: what `…/objects/` would serve, as manifest
/// records.
pub async fn get_manifest(
    State(state): State<AppState>,
    token: Result<ApiToken, Response>,
    headers: HeaderMap,
    Path(id): Path<String>,
    pairs: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let read = match feed_request(token, &headers, &id, pairs) {
        Ok(request) => request,
        Err(response) => return response,
    };
    match read_page(&state, read.collection, &read.reader, &read.query).await {
        Ok(page) => {
            let mut body = json!({});
            if !page.records.is_empty() {
                body["objects"] = page
                    .records
                    .iter()
                    .map(|r| {
                        json!({
                            "id": r.stix_id,
                            "date_added": format_timestamp(r.date_added_us),
                            "version": format_timestamp(r.version_us),
                            "media_type": feed::STIX_MEDIA_TYPE,
                        })
                    })
                    .collect();
            }
            page_response(&page, body)
        }
        Err(err) => internal(&err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxii_media_type_needs_version_2_1_or_none() {
        assert!(is_taxii("application/taxii+json;version=2.1"));
        assert!(is_taxii("Application/TAXII+json ; version=2.1"));
        assert!(is_taxii("application/taxii+json"));
        assert!(!is_taxii("application/taxii+json;version=2.0"));
        assert!(!is_taxii("application/json"));
        assert!(!is_taxii("*/*"));
    }

    #[test]
    fn only_the_object_routes_take_the_large_body_limit() {
        assert!(is_ingest_route("/api/v1/stix/bundles"));
        assert!(is_ingest_route(&format!(
            "/taxii2/vaern/collections/{INBOUND_COLLECTION_ID}/objects/"
        )));
        assert!(!is_ingest_route("/taxii2/vaern/collections/"));
        assert!(!is_ingest_route("/rpc/start_thread"));
    }
}
