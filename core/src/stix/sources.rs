//! Remote TAXII 2.1 collections that Værn pulls STIX from (the analysis centre's server):
//! what admins configure, and the state the poller keeps per source.
//!
//! The invariant it guards: everything a source fetches is stored through
//! [`super::ingest`] under the source's own API token (`stix:write` of an analysis
//! centre), created with the source and revoked when it is deleted; a source whose token
//! no longer works is not polled. Configuring is for admins (`&Admin`) or the operator
//! at the command line, and is audited by ids. The password is kept as given because
//! the poller must send it, and never leaves this module except to the poller.

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, TokenId, UserId};
use crate::orgs;
use crate::policy::{Admin, OrgKind};
use crate::tokens::{self, NewToken};
use serde::{Deserialize, Serialize};

/// Shortest interval between polls.
pub const INTERVAL_MIN_SECS: i64 = 30;
/// Longest interval between polls (a day).
pub const INTERVAL_MAX_SECS: i64 = 86_400;
/// Longest wait after failures: a source that keeps failing is still tried hourly.
pub const BACKOFF_MAX_SECS: i64 = 3_600;
/// Longest collection id, in characters.
pub const COLLECTION_MAX_CHARS: usize = 100;
/// Longest URL, in bytes.
pub const URL_MAX_LEN: usize = 2_000;
/// Longest user name, in characters.
pub const USERNAME_MAX_CHARS: usize = 200;
/// Longest password, in characters.
pub const PASSWORD_MAX_CHARS: usize = 1_024;
/// Longest stored error message, in characters.
pub const ERROR_MAX_CHARS: usize = 500;
/// Longest checkpoint kept (a TAXII timestamp is 27 characters).
pub const CHECKPOINT_MAX_LEN: usize = 64;

/// A configured source.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type,
)]
#[sqlx(transparent)]
pub struct SourceId(pub i64);

impl std::fmt::Display for SourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who configures sources: a platform admin (proved by the policy), or the operator at
/// the command line, who holds the database anyway.
#[derive(Debug, Clone, Copy)]
pub enum Manager<'a> {
    Admin(&'a Admin),
    Operator,
}

impl<'a> Manager<'a> {
    fn actor(self) -> Actor {
        match self {
            Self::Admin(admin) => Actor::of(admin.viewer()),
            Self::Operator => Actor::nobody(),
        }
    }

    fn user(self) -> Option<UserId> {
        match self {
            Self::Admin(admin) => admin.viewer().user_id,
            Self::Operator => None,
        }
    }

    fn tokens(self) -> tokens::Manager<'a> {
        match self {
            Self::Admin(admin) => tokens::Manager::Viewer(admin.viewer()),
            Self::Operator => tokens::Manager::Operator,
        }
    }
}

/// A new source as typed in the form or on the command line.
#[derive(Debug, Clone, Default)]
pub struct NewSource {
    /// The remote API root, e.g. `https://taxii.example.dk/api1/`.
    pub url: String,
    pub collection: String,
    /// Basic authentication; empty means none.
    pub username: String,
    pub password: String,
    /// Seconds between polls, as typed.
    pub interval_secs: String,
    /// Code of the publishing organisation (an analysis centre).
    pub org: String,
}

/// A source as the admin page and `vaern taxii-source list` show it: never its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub id: SourceId,
    pub url: String,
    pub collection_id: String,
    pub username: Option<String>,
    pub has_password: bool,
    pub interval_secs: i64,
    pub enabled: bool,
    pub org_code: String,
    pub org_name: String,
    pub token_id: TokenId,
    /// The source's token was revoked (or expired): the poller does not run it.
    pub token_revoked: bool,
    pub checkpoint: Option<String>,
    pub last_success_at: Option<i64>,
    pub last_error_at: Option<i64>,
    pub last_error: Option<PollFailure>,
    pub objects_received: i64,
    pub consecutive_failures: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

/// Why a poll failed, in words the admin page translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The source's token is revoked or expired: nothing is fetched.
    TokenUnusable,
    Timeout,
    Connect,
    /// The answer broke off.
    BrokenOff,
    RequestFailed,
    /// HTTP 401.
    Unauthorized,
    /// HTTP 403.
    Forbidden,
    /// HTTP 404.
    NotFound,
    /// HTTP 406 or 415: not a TAXII 2.1 server.
    NotTaxii,
    Redirect,
    /// HTTP 5xx.
    ServerError,
    /// Any other HTTP error.
    Refused,
    /// The body is not a TAXII envelope.
    NotEnvelope,
    TooLarge,
    /// A page held more objects than one ingest takes.
    TooManyObjects,
    /// Ingestion refused objects of a page; nothing of it was stored.
    ObjectsRefused,
    /// `more` without `next` or `X-TAXII-Date-Added-Last`.
    NoNext,
    /// On our side; the server log says more.
    Internal,
    /// A stored message of no known kind.
    Other,
}

impl FailureKind {
    pub const ALL: [FailureKind; 19] = [
        Self::TokenUnusable,
        Self::Timeout,
        Self::Connect,
        Self::BrokenOff,
        Self::RequestFailed,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::NotTaxii,
        Self::Redirect,
        Self::ServerError,
        Self::Refused,
        Self::NotEnvelope,
        Self::TooLarge,
        Self::TooManyObjects,
        Self::ObjectsRefused,
        Self::NoNext,
        Self::Internal,
        Self::Other,
    ];

    /// The stored form, which starts `last_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenUnusable => "token_unusable",
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::BrokenOff => "broken_off",
            Self::RequestFailed => "request_failed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::NotTaxii => "not_taxii",
            Self::Redirect => "redirect",
            Self::ServerError => "server_error",
            Self::Refused => "refused",
            Self::NotEnvelope => "not_envelope",
            Self::TooLarge => "too_large",
            Self::TooManyObjects => "too_many_objects",
            Self::ObjectsRefused => "objects_refused",
            Self::NoNext => "no_next",
            Self::Internal => "internal",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A failed poll: its kind, and what the network or the remote server said (theirs, so
/// not translated; never a secret). Stored in `last_error` as `kind: detail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollFailure {
    pub kind: FailureKind,
    pub detail: String,
}

impl PollFailure {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }

    /// Reads a stored `last_error`; text of no known kind is `Other`.
    pub fn read(stored: &str) -> Self {
        let (kind, detail) = stored.split_once(": ").unwrap_or((stored, ""));
        match FailureKind::parse(kind) {
            Some(kind) => Self::new(kind, detail),
            None => Self::new(FailureKind::Other, stored),
        }
    }
}

impl std::fmt::Display for PollFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(self.kind.as_str())
        } else {
            write!(f, "{}: {}", self.kind.as_str(), self.detail)
        }
    }
}

/// What the poller needs to poll a source once.
#[derive(Clone, PartialEq, Eq)]
pub struct DueSource {
    pub id: SourceId,
    pub url: String,
    pub collection_id: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub org_id: OrgId,
    pub token_id: TokenId,
    /// Neither revoked nor expired.
    pub token_usable: bool,
    pub checkpoint: Option<String>,
}

impl std::fmt::Debug for DueSource {
    // The password stays out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueSource")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("collection_id", &self.collection_id)
            .field("username", &self.username)
            .field("has_password", &self.password.is_some())
            .field("org_id", &self.org_id)
            .field("token_id", &self.token_id)
            .field("token_usable", &self.token_usable)
            .field("checkpoint", &self.checkpoint)
            .finish()
    }
}

/// The remote API root: http or https, with a host, without credentials (they go in
/// the user name and password fields, which are never shown), query or fragment; made
/// to end in `/` so that `collections/…` can be appended.
pub fn parse_url(input: &str) -> CoreResult<String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(CoreError::invalid("url", "required"));
    }
    if text.len() > URL_MAX_LEN {
        return Err(CoreError::invalid("url", "too_long"));
    }
    let mut url = url::Url::parse(text).map_err(|_| CoreError::invalid("url", "malformed"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CoreError::invalid("url", "scheme"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CoreError::invalid("url", "malformed"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::invalid("url", "credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CoreError::invalid("url", "malformed"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    let url = url.to_string();
    if url.len() > URL_MAX_LEN {
        return Err(CoreError::invalid("url", "too_long"));
    }
    Ok(url)
}

/// A collection id: it goes into the request path, so only URL-safe characters.
pub fn parse_collection(input: &str) -> CoreResult<String> {
    let id = input.trim();
    if id.is_empty() {
        return Err(CoreError::invalid("collection", "required"));
    }
    if id.chars().count() > COLLECTION_MAX_CHARS {
        return Err(CoreError::invalid("collection", "too_long"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    {
        return Err(CoreError::invalid("collection", "malformed"));
    }
    Ok(id.to_string())
}

/// Seconds between polls, within [`INTERVAL_MIN_SECS`] and [`INTERVAL_MAX_SECS`].
pub fn parse_interval(input: &str) -> CoreResult<i64> {
    let secs: i64 = input
        .trim()
        .parse()
        .map_err(|_| CoreError::invalid("interval_secs", "malformed"))?;
    if !(INTERVAL_MIN_SECS..=INTERVAL_MAX_SECS).contains(&secs) {
        return Err(CoreError::invalid("interval_secs", "out_of_range"));
    }
    Ok(secs)
}

/// Basic-authentication credentials; empty fields are none. A user name cannot hold
/// `:` (Basic would split it there) or control characters.
fn parse_credentials(
    username: &str,
    password: &str,
) -> CoreResult<(Option<String>, Option<String>)> {
    let username = username.trim();
    if username.chars().count() > USERNAME_MAX_CHARS {
        return Err(CoreError::invalid("username", "too_long"));
    }
    if username.contains(':') || username.chars().any(char::is_control) {
        return Err(CoreError::invalid("username", "malformed"));
    }
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return Err(CoreError::invalid("password", "too_long"));
    }
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok((some(username), some(password)))
}

/// The wait before the next attempt after `failures` consecutive failures (counting the
/// one just recorded): the interval doubled per failure, at most [`BACKOFF_MAX_SECS`].
pub fn backoff_secs(interval_secs: i64, failures: i64) -> i64 {
    let doublings = u32::try_from(failures.clamp(0, 32)).unwrap_or(32);
    interval_secs
        .max(1)
        .saturating_mul(1_i64 << doublings)
        .min(BACKOFF_MAX_SECS)
}

/// A message cut to [`ERROR_MAX_CHARS`] characters.
fn bounded(message: &str) -> String {
    let message = message.trim();
    if message.chars().count() <= ERROR_MAX_CHARS {
        return message.to_string();
    }
    let mut cut: String = message.chars().take(ERROR_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// What the token is called in the token list.
fn token_name(url: &str, collection: &str) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    format!("TAXII: {host} {collection}")
        .chars()
        .take(tokens::NAME_MAX_CHARS)
        .collect()
}

/// Adds a source and its token. Bad input is a per-field `Invalid` (`url`,
/// `collection`, `username`, `password`, `interval_secs`, `org`); nothing is stored then.
pub async fn create(
    db: &Db,
    audit: &AuditLog,
    manager: Manager<'_>,
    address: &str,
    new: NewSource,
) -> CoreResult<SourceId> {
    let url = parse_url(&new.url)?;
    let collection = parse_collection(&new.collection)?;
    let (username, password) = parse_credentials(&new.username, &new.password)?;
    let interval_secs = parse_interval(&new.interval_secs)?;
    let org = match orgs::find_by_code(db, &new.org).await {
        Ok(org) => org,
        Err(CoreError::NotFound) => return Err(CoreError::invalid("org", "unknown")),
        Err(other) => return Err(other),
    };
    if OrgKind::parse(&org.kind) != Some(OrgKind::AnalysisCentre) {
        return Err(CoreError::invalid("org", "not_analysis_centre"));
    }
    let token = tokens::check(
        db,
        manager.tokens(),
        NewToken {
            org: org.code.clone(),
            scopes: vec!["stix:write".into()],
            expires: None,
            name: token_name(&url, &collection),
        },
    )
    .await?;
    // The token, the source and both audit rows commit together: a token without its
    // source would be a working secret nobody holds.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let token = tokens::insert(&mut tx, manager.tokens(), address, token).await?;
    let now = clock::now();
    let id = sqlx::query_scalar::<_, SourceId>(
        "insert into taxii_sources (url, collection_id, username, password, interval_secs, \
         enabled, org_id, token_id, next_attempt_at, created_by, created_at) \
         values ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $8) returning id",
    )
    .bind(&url)
    .bind(&collection)
    .bind(&username)
    .bind(&password)
    .bind(interval_secs)
    .bind(org.id)
    .bind(token.id)
    .bind(now)
    .bind(manager.user())
    .fetch_one(&mut *tx)
    .await?;
    audit::stage(
        &mut tx,
        Entry::new(manager.actor(), action::TAXII_SOURCE_ADD)
            .subject(Subject::token(token.id, org.id))
            .address(address)
            .detail(format!(
                "source={id} interval_secs={interval_secs} basic_auth={}",
                username.is_some() || password.is_some()
            )),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: SourceId,
    url: String,
    collection_id: String,
    username: Option<String>,
    has_password: bool,
    interval_secs: i64,
    enabled: bool,
    org_code: String,
    org_name: String,
    token_id: TokenId,
    token_revoked: bool,
    checkpoint: Option<String>,
    last_success_at: Option<i64>,
    last_error_at: Option<i64>,
    last_error: Option<String>,
    objects_received: i64,
    consecutive_failures: i64,
    next_attempt_at: i64,
    created_at: i64,
}

impl From<InfoRow> for SourceInfo {
    fn from(r: InfoRow) -> Self {
        Self {
            id: r.id,
            url: r.url,
            collection_id: r.collection_id,
            username: r.username,
            has_password: r.has_password,
            interval_secs: r.interval_secs,
            enabled: r.enabled,
            org_code: r.org_code,
            org_name: r.org_name,
            token_id: r.token_id,
            token_revoked: r.token_revoked,
            checkpoint: r.checkpoint,
            last_success_at: r.last_success_at,
            last_error_at: r.last_error_at,
            last_error: r.last_error.as_deref().map(PollFailure::read),
            objects_received: r.objects_received,
            consecutive_failures: r.consecutive_failures,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
        }
    }
}

/// Every source, oldest first.
pub async fn list(db: &Db, _manager: Manager<'_>) -> CoreResult<Vec<SourceInfo>> {
    let rows = sqlx::query_as::<_, InfoRow>(
        "select s.id, s.url, s.collection_id, s.username, s.password is not null as has_password, \
         s.interval_secs, s.enabled, o.code as org_code, o.name as org_name, s.token_id, \
         (t.revoked_at is not null or (t.expires_at is not null and t.expires_at <= $1)) \
         as token_revoked, \
         s.checkpoint, s.last_success_at, s.last_error_at, s.last_error, s.objects_received, \
         s.consecutive_failures, s.next_attempt_at, s.created_at \
         from taxii_sources s \
         join organisations o on o.id = s.org_id \
         join api_tokens t on t.id = s.token_id \
         order by s.id",
    )
    .bind(clock::now())
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(SourceInfo::from).collect())
}

/// The organisations a source may publish as: the analysis centres, (code, name).
pub async fn publishers(db: &Db, _manager: Manager<'_>) -> CoreResult<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("select code, name from organisations where kind = $1 order by name, code")
            .bind(OrgKind::AnalysisCentre.as_str())
            .fetch_all(db)
            .await?,
    )
}

/// The source's token and organisation, or `NotFound`.
async fn owner(tx: &mut Tx<'_>, id: SourceId) -> CoreResult<(TokenId, OrgId)> {
    sqlx::query_as("select token_id, org_id from taxii_sources where id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Turns polling of a source on or off. Turning it on polls it at once, without the
/// back-off of earlier failures. Setting what is already set changes nothing.
pub async fn set_enabled(
    db: &Db,
    audit: &AuditLog,
    manager: Manager<'_>,
    address: &str,
    id: SourceId,
    enabled: bool,
) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (token, org) = owner(&mut tx, id).await?;
    let done = sqlx::query(
        "update taxii_sources set enabled = $1, \
         next_attempt_at = case when $1 then $2 else next_attempt_at end, \
         consecutive_failures = case when $1 then 0 else consecutive_failures end \
         where id = $3 and enabled <> $1",
    )
    .bind(enabled)
    .bind(clock::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        audit::stage(
            &mut tx,
            Entry::new(manager.actor(), action::TAXII_SOURCE_UPDATE)
                .subject(Subject::token(token, org))
                .address(address)
                .detail(format!("source={id} enabled={enabled}")),
        )
        .await?;
    }
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Deletes a source and revokes its token, in one transaction with both audit rows.
/// Objects it fetched stay.
pub async fn delete(
    db: &Db,
    audit: &AuditLog,
    manager: Manager<'_>,
    address: &str,
    id: SourceId,
) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (token, org) = owner(&mut tx, id).await?;
    let done = sqlx::query("delete from taxii_sources where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::NotFound);
    }
    tokens::revoke_in(&mut tx, manager.tokens(), address, token).await?;
    audit::stage(
        &mut tx,
        Entry::new(manager.actor(), action::TAXII_SOURCE_DELETE)
            .subject(Subject::token(token, org))
            .address(address)
            .detail(format!("source={id}")),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: SourceId,
    url: String,
    collection_id: String,
    username: Option<String>,
    password: Option<String>,
    org_id: OrgId,
    token_id: TokenId,
    token_usable: bool,
    checkpoint: Option<String>,
}

/// The enabled sources whose next attempt is due at `now`, longest waiting first.
pub async fn due(db: &Db, now: i64) -> CoreResult<Vec<DueSource>> {
    let rows = sqlx::query_as::<_, DueRow>(
        "select s.id, s.url, s.collection_id, s.username, s.password, s.org_id, s.token_id, \
         (t.revoked_at is null and (t.expires_at is null or t.expires_at > $1)) as token_usable, \
         s.checkpoint \
         from taxii_sources s join api_tokens t on t.id = s.token_id \
         where s.enabled = 1 and s.next_attempt_at <= $1 \
         order by s.next_attempt_at, s.id",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DueSource {
            id: r.id,
            url: r.url,
            collection_id: r.collection_id,
            username: r.username,
            password: r.password,
            org_id: r.org_id,
            token_id: r.token_id,
            token_usable: r.token_usable,
            checkpoint: r.checkpoint,
        })
        .collect())
}

/// One page stored: `stored` new object versions, and the remote server's
/// `X-TAXII-Date-Added-Last`, if it sent one, as the new checkpoint. A checkpoint that
/// is too long to be a timestamp is not kept.
pub async fn record_page(
    db: &Db,
    id: SourceId,
    checkpoint: Option<&str>,
    stored: usize,
) -> CoreResult<()> {
    let checkpoint = checkpoint
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.len() <= CHECKPOINT_MAX_LEN);
    sqlx::query(
        "update taxii_sources set checkpoint = coalesce($1, checkpoint), \
         objects_received = objects_received + $2 where id = $3",
    )
    .bind(checkpoint)
    .bind(i64::try_from(stored).unwrap_or(i64::MAX))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A poll that went through to the end: the next one after the interval.
pub async fn record_success(db: &Db, id: SourceId, now: i64) -> CoreResult<()> {
    sqlx::query(
        "update taxii_sources set last_success_at = $1, consecutive_failures = 0, \
         next_attempt_at = $1 + interval_secs where id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A poll that failed: why (for admins; never secrets) and the next attempt backed off
/// by [`backoff_secs`]. Returns the number of consecutive failures.
pub async fn record_failure(
    db: &Db,
    id: SourceId,
    now: i64,
    failure: &PollFailure,
) -> CoreResult<i64> {
    let Some((interval_secs, failures)): Option<(i64, i64)> = sqlx::query_as(
        "select interval_secs, consecutive_failures + 1 from taxii_sources where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    else {
        // Deleted while it was being polled.
        return Ok(0);
    };
    sqlx::query(
        "update taxii_sources set last_error = $1, last_error_at = $2, \
         consecutive_failures = $3, next_attempt_at = $4 where id = $5",
    )
    .bind(bounded(&failure.to_string()))
    .bind(now)
    .bind(failures)
    .bind(now + backoff_secs(interval_secs, failures))
    .bind(id)
    .execute(db)
    .await?;
    Ok(failures)
}

/// Makes a source due now (a test, or an admin who does not want to wait).
pub async fn poll_soon(db: &Db, _manager: Manager<'_>, id: SourceId) -> CoreResult<()> {
    let done = sqlx::query("update taxii_sources set next_attempt_at = $1 where id = $2")
        .bind(clock::now())
        .bind(id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_failure_reads_back_as_its_kind_and_detail() {
        for kind in FailureKind::ALL {
            let failure = PollFailure::new(kind, "401 Unauthorized (x: y)");
            assert_eq!(PollFailure::read(&failure.to_string()), failure);
        }
        assert_eq!(
            PollFailure::read("token_unusable"),
            PollFailure::new(FailureKind::TokenUnusable, "")
        );
        assert_eq!(
            PollFailure::read("something else: entirely"),
            PollFailure::new(FailureKind::Other, "something else: entirely")
        );
    }

    async fn backend() -> (tempfile::TempDir, Db, AuditLog) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let audit = AuditLog::new(db.clone(), dir.path());
        (dir, db, audit)
    }

    fn source(url: &str) -> NewSource {
        NewSource {
            url: url.into(),
            collection: "91a7b528-80eb-42ed-a74d-c6fbd5a26116".into(),
            username: "vaern".into(),
            password: "s3cret".into(),
            interval_secs: "300".into(),
            org: "soc".into(),
        }
    }

    fn invalid(result: CoreResult<impl std::fmt::Debug>) -> (&'static str, &'static str) {
        match result {
            Err(CoreError::Invalid { field, reason }) => (field, reason),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_get_a_trailing_slash() {
        assert_eq!(
            parse_url(" https://taxii.example.dk/api1 ").ok().as_deref(),
            Some("https://taxii.example.dk/api1/")
        );
        assert_eq!(
            parse_url("http://127.0.0.1:5000/api1/").ok().as_deref(),
            Some("http://127.0.0.1:5000/api1/")
        );
        for (bad, reason) in [
            ("", "required"),
            ("taxii.example.dk/api1/", "malformed"),
            ("ftp://taxii.example.dk/", "scheme"),
            ("file:///etc/passwd", "scheme"),
            ("https://", "malformed"),
            ("https://user:pw@taxii.example.dk/", "credentials"),
            ("https://taxii.example.dk/api1/?x=1", "malformed"),
        ] {
            assert_eq!(invalid(parse_url(bad)), ("url", reason), "{bad:?}");
        }
        let long = format!("https://example.dk/{}", "a".repeat(URL_MAX_LEN));
        assert_eq!(invalid(parse_url(&long)), ("url", "too_long"));
    }

    #[test]
    fn collections_intervals_and_user_names_are_checked() {
        assert_eq!(
            parse_collection(" inbound ").ok().as_deref(),
            Some("inbound")
        );
        assert_eq!(invalid(parse_collection(" ")), ("collection", "required"));
        assert_eq!(
            invalid(parse_collection(&"a".repeat(101))),
            ("collection", "too_long")
        );
        assert_eq!(
            invalid(parse_collection("../admin")),
            ("collection", "malformed")
        );
        assert_eq!(parse_interval("30").ok(), Some(30));
        assert_eq!(parse_interval("86400").ok(), Some(86_400));
        for bad in ["0", "29", "86401", "-5"] {
            assert_eq!(
                invalid(parse_interval(bad)),
                ("interval_secs", "out_of_range")
            );
        }
        assert_eq!(
            invalid(parse_interval("5 min")),
            ("interval_secs", "malformed")
        );
        assert_eq!(
            invalid(parse_credentials("a:b", "")),
            ("username", "malformed")
        );
        assert_eq!(parse_credentials(" ", "").ok(), Some((None, None)));
    }

    #[test]
    fn back_off_doubles_the_interval_per_failure_up_to_an_hour() {
        assert_eq!(backoff_secs(30, 1), 60);
        assert_eq!(backoff_secs(30, 2), 120);
        assert_eq!(backoff_secs(30, 6), 1_920);
        assert_eq!(backoff_secs(30, 7), 3_600);
        assert_eq!(backoff_secs(30, 1_000), 3_600);
        assert_eq!(backoff_secs(86_400, 1), 3_600);
    }

    #[test]
    fn long_errors_are_cut() {
        let cut = bounded(&"x".repeat(2 * ERROR_MAX_CHARS));
        assert_eq!(cut.chars().count(), ERROR_MAX_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[tokio::test]
    async fn a_source_owns_a_stix_write_token_that_its_deletion_revokes() {
        let (_dir, db, audit) = backend().await;
        let id = create(
            &db,
            &audit,
            Manager::Operator,
            "",
            source("http://127.0.0.1:5000/api1/"),
        )
        .await
        .expect("created");
        let listed = list(&db, Manager::Operator).await.expect("list");
        assert_eq!(listed.len(), 1);
        let info = &listed[0];
        assert_eq!(info.id, id);
        assert!(info.has_password);
        assert!(!info.token_revoked);
        assert_eq!(info.org_code, "soc");
        let due_now = due(&db, clock::now()).await.expect("due");
        assert_eq!(due_now.len(), 1);
        assert!(due_now[0].token_usable);
        assert!(!format!("{:?}", due_now[0]).contains("s3cret"));

        let down = PollFailure::new(FailureKind::Connect, "connection refused");
        let failures = record_failure(&db, id, 1_000, &down)
            .await
            .expect("failure");
        assert_eq!(failures, 1);
        let info = &list(&db, Manager::Operator).await.expect("list")[0];
        assert_eq!(info.next_attempt_at, 1_000 + 600);
        assert_eq!(info.last_error.as_ref(), Some(&down));
        record_page(&db, id, Some("2026-11-27T05:00:00.000000Z"), 3)
            .await
            .expect("page");
        record_success(&db, id, 2_000).await.expect("success");
        let info = &list(&db, Manager::Operator).await.expect("list")[0];
        assert_eq!(info.consecutive_failures, 0);
        assert_eq!(info.objects_received, 3);
        assert_eq!(
            info.checkpoint.as_deref(),
            Some("2026-11-27T05:00:00.000000Z")
        );
        assert_eq!(info.next_attempt_at, 2_300);

        let token = info.token_id;
        delete(&db, &audit, Manager::Operator, "", id)
            .await
            .expect("deleted");
        assert!(list(&db, Manager::Operator).await.expect("list").is_empty());
        let revoked: Option<i64> =
            sqlx::query_scalar("select revoked_at from api_tokens where id = $1")
                .bind(token)
                .fetch_one(&db)
                .await
                .expect("token row");
        assert!(revoked.is_some());
        audit.chain().await.expect("chain");
        let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by id")
            .fetch_all(&db)
            .await
            .expect("audit rows");
        assert_eq!(
            actions,
            [
                "token_create",
                "taxii_source_add",
                "token_revoke",
                "taxii_source_delete"
            ]
        );
    }

    #[tokio::test]
    async fn only_an_analysis_centre_may_publish_through_a_source() {
        let (_dir, db, audit) = backend().await;
        let mut new = source("https://taxii.example.dk/api1/");
        new.org = "751".into();
        assert_eq!(
            invalid(create(&db, &audit, Manager::Operator, "", new.clone()).await),
            ("org", "not_analysis_centre")
        );
        new.org = "nowhere".into();
        assert_eq!(
            invalid(create(&db, &audit, Manager::Operator, "", new).await),
            ("org", "unknown")
        );
        let tokens: i64 = sqlx::query_scalar("select count(*) from api_tokens")
            .fetch_one(&db)
            .await
            .expect("count");
        assert_eq!(tokens, 0, "no token without a source");
    }
}
