//! The audit log: append-only, hash-chained rows of who did what to whom, when, from
//! where, and whether it worked.
//!
//! Tamper evidence has three layers: SQLite triggers refuse UPDATE and DELETE; each row
//! stores the SHA-256 of its canonical form and of the previous row's, so an edited or
//! removed row breaks the chain (`verify`); and after each commit the newest id and
//! hash are written to `<data-dir>/audit.head` (fsynced), so removing rows from the end
//! is detected too. Rows hold ids, never content titles.
//!
//! A row is first *staged* ([`stage`]) inside the transaction of the change or read it
//! records, so the two commit or roll back together. The appender ([`AuditLog::chain`])
//! then links the staged rows into the chain in staging order, in one `BEGIN IMMEDIATE`
//! transaction that also removes them from staging, and writes the head once for the
//! batch: serialised within the process by a mutex and across processes by SQLite's
//! write lock. A crash between the two steps loses nothing; the next run (every server
//! start runs one) chains what was left. Changes and reads stage and only wake the
//! appender ([`AuditLog::chain_soon`]), so they never wait for one another; a process
//! without a running appender (the command line) chains before it exits.
//!
//! Every caller goes through core: a change stages its row with [`stage`] in its own
//! transaction, and an event with nothing to commit (a refused sign-in, a refused bundle
//! of STIX objects) goes through [`AuditLog::record_event`]. Handlers never write rows.

use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, TokenId, UserId};
use crate::policy::{Viewer, ViewerKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The hash the first row links to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_FILE: &str = "audit.head";

/// The actions recorded, as stored.
pub mod action {
    pub const SIGN_IN: &str = "sign_in";
    pub const SIGN_OUT: &str = "sign_out";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const PASSWORD_SET_BY_LINK: &str = "password_set_by_link";
    pub const SECOND_FACTOR_ENROL: &str = "second_factor_enrol";
    pub const SECOND_FACTOR_OFF: &str = "second_factor_off";
    pub const RECOVERY_CODES_RENEW: &str = "recovery_codes_renew";
    pub const SECOND_FACTOR_RESET: &str = "second_factor_reset";
    pub const INVITE: &str = "invite";
    pub const LINK_ISSUE: &str = "link_issue";
    pub const PASSWORD_RESET_REQUEST: &str = "password_reset_request";
    pub const USER_DISABLE: &str = "user_disable";
    pub const USER_ENABLE: &str = "user_enable";
    pub const USER_EDIT: &str = "user_edit";
    pub const SESSION_END: &str = "session_end";
    pub const SESSIONS_END_ALL: &str = "sessions_end_all";
    pub const ORG_CREATE: &str = "org_create";
    pub const ORG_EDIT: &str = "org_edit";
    pub const ORG_SECOND_FACTOR: &str = "org_second_factor";
    pub const GROUP_CREATE: &str = "group_create";
    pub const GROUP_EDIT: &str = "group_edit";
    pub const GROUP_ARCHIVE: &str = "group_archive";
    pub const GROUP_RESTORE: &str = "group_restore";
    pub const MEMBER_ADD: &str = "member_add";
    pub const MEMBER_ROLE: &str = "member_role";
    pub const MEMBER_REMOVE: &str = "member_remove";
    pub const TOKEN_CREATE: &str = "token_create";
    pub const TOKEN_USE: &str = "token_use";
    pub const TOKEN_REVOKE: &str = "token_revoke";
    pub const THREAD_PIN: &str = "thread_pin";
    pub const THREAD_UNPIN: &str = "thread_unpin";
    pub const THREAD_LOCK: &str = "thread_lock";
    pub const THREAD_UNLOCK: &str = "thread_unlock";
    pub const THREAD_MOVE: &str = "thread_move";
    pub const POST_REMOVE: &str = "post_remove";
    /// STIX objects received from a token (detail: how many, the status id).
    pub const STIX_INGEST: &str = "stix_ingest";
    /// An analyst set the label of an unmarked STIX object, or named its RED recipients.
    pub const STIX_LABEL: &str = "stix_label";
    /// A search found TLP:RED items (detail: an HMAC of the query, never its text).
    pub const SEARCH_RED: &str = "search_red";
    /// An admin added a remote TAXII source to pull from (subject: its token).
    pub const TAXII_SOURCE_ADD: &str = "taxii_source_add";
    /// An admin turned polling of a TAXII source on or off.
    pub const TAXII_SOURCE_UPDATE: &str = "taxii_source_update";
    /// An admin deleted a TAXII source (its token is revoked with it).
    pub const TAXII_SOURCE_DELETE: &str = "taxii_source_delete";
    /// An admin linked a STIX identity to an organisation (detail: identity, org code,
    /// alerts routed).
    pub const STIX_IDENTITY_LINK: &str = "stix_identity_link";
    /// A document added to a library (detail: version, size, type found).
    pub const DOCUMENT_UPLOAD: &str = "document_upload";
    /// A new version of a document (detail: version, size, type found).
    pub const DOCUMENT_VERSION: &str = "document_version";
    /// A document's file shown on its page.
    pub const DOCUMENT_PREVIEW: &str = "document_preview";
    /// A document's file downloaded (detail: the version).
    pub const DOCUMENT_DOWNLOAD: &str = "document_download";
    /// A document's title, description, tags or label changed (detail: what changed).
    pub const DOCUMENT_EDIT: &str = "document_edit";
    /// An earlier version of a document made the newest again (detail: which).
    pub const DOCUMENT_RESTORE: &str = "document_restore";
    /// A document removed by its author or a moderator (detail: the reason).
    pub const DOCUMENT_REMOVE: &str = "document_remove";
    /// A library folder created, renamed, moved or deleted (detail: the name).
    pub const FOLDER_CREATE: &str = "folder_create";
    pub const FOLDER_RENAME: &str = "folder_rename";
    pub const FOLDER_MOVE: &str = "folder_move";
    pub const FOLDER_DELETE: &str = "folder_delete";
    /// An own incident marked significant under NIS2, or its awareness times corrected
    /// (detail: the incident, the awareness time, whether personal data is involved).
    pub const INCIDENT_SIGNIFICANT: &str = "incident_significant";
    /// A significance marking undone by an organisation admin (detail: the incident).
    pub const INCIDENT_SIGNIFICANCE_UNDO: &str = "incident_significance_undo";

    /// Every action, for the viewer's filter.
    pub const ALL: &[&str] = &[
        SIGN_IN,
        SIGN_OUT,
        PASSWORD_CHANGE,
        PASSWORD_SET_BY_LINK,
        SECOND_FACTOR_ENROL,
        SECOND_FACTOR_OFF,
        RECOVERY_CODES_RENEW,
        SECOND_FACTOR_RESET,
        INVITE,
        LINK_ISSUE,
        PASSWORD_RESET_REQUEST,
        USER_DISABLE,
        USER_ENABLE,
        USER_EDIT,
        SESSION_END,
        SESSIONS_END_ALL,
        ORG_CREATE,
        ORG_EDIT,
        ORG_SECOND_FACTOR,
        GROUP_CREATE,
        GROUP_EDIT,
        GROUP_ARCHIVE,
        GROUP_RESTORE,
        MEMBER_ADD,
        MEMBER_ROLE,
        MEMBER_REMOVE,
        TOKEN_CREATE,
        TOKEN_USE,
        TOKEN_REVOKE,
        THREAD_PIN,
        THREAD_UNPIN,
        THREAD_LOCK,
        THREAD_UNLOCK,
        THREAD_MOVE,
        POST_REMOVE,
        STIX_INGEST,
        STIX_LABEL,
        STIX_IDENTITY_LINK,
        DOCUMENT_UPLOAD,
        DOCUMENT_VERSION,
        DOCUMENT_PREVIEW,
        DOCUMENT_DOWNLOAD,
        DOCUMENT_EDIT,
        DOCUMENT_RESTORE,
        DOCUMENT_REMOVE,
        FOLDER_CREATE,
        FOLDER_RENAME,
        FOLDER_MOVE,
        FOLDER_DELETE,
        INCIDENT_SIGNIFICANT,
        INCIDENT_SIGNIFICANCE_UNDO,
    ];
}

/// Who acted: a person, a token, the operator at the command line, or nobody known
/// (a failed sign-in for an unknown address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Actor {
    pub user: Option<UserId>,
    pub token: Option<TokenId>,
    pub org: Option<OrgId>,
}

impl Actor {
    pub fn person(user: UserId, org: OrgId) -> Self {
        Self {
            user: Some(user),
            token: None,
            org: Some(org),
        }
    }

    pub fn token(token: TokenId, org: OrgId) -> Self {
        Self {
            user: None,
            token: Some(token),
            org: Some(org),
        }
    }

    /// The signed-in person (or token) behind a viewer.
    pub fn of(viewer: &Viewer) -> Self {
        match viewer.kind {
            ViewerKind::User => Self {
                user: viewer.user_id,
                token: None,
                org: Some(viewer.org_id),
            },
            ViewerKind::ApiToken => Self {
                user: None,
                token: None,
                org: Some(viewer.org_id),
            },
        }
    }

    /// The operator running `vaern` on the server, or an unknown party.
    pub fn nobody() -> Self {
        Self::default()
    }
}

/// What an action was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: i64,
    /// The subject's organisation, so organisation admins see rows about their people.
    pub org: Option<OrgId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    User,
    Organisation,
    Group,
    Token,
    /// A library document; named in the log by id only (its title is content).
    Document,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Organisation => "organisation",
            Self::Group => "group",
            Self::Token => "token",
            Self::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::User,
            Self::Organisation,
            Self::Group,
            Self::Token,
            Self::Document,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl Subject {
    pub fn user(id: UserId, org: OrgId) -> Self {
        Self {
            kind: SubjectKind::User,
            id: id.0,
            org: Some(org),
        }
    }

    pub fn organisation(id: OrgId) -> Self {
        Self {
            kind: SubjectKind::Organisation,
            id: id.0,
            org: Some(id),
        }
    }

    pub fn group(id: crate::ids::GroupId) -> Self {
        Self {
            kind: SubjectKind::Group,
            id: id.0,
            org: None,
        }
    }

    pub fn document(id: i64) -> Self {
        Self {
            kind: SubjectKind::Document,
            id,
            org: None,
        }
    }

    pub fn token(id: TokenId, org: OrgId) -> Self {
        Self {
            kind: SubjectKind::Token,
            id: id.0,
            org: Some(org),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    pub action: &'static str,
    pub subject: Option<Subject>,
    pub address: String,
    pub outcome: Outcome,
    /// Ids, roles, scopes: never titles or other content.
    pub detail: String,
}

impl Entry {
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Self {
            actor,
            action,
            subject: None,
            address: String::new(),
            outcome: Outcome::Success,
            detail: String::new(),
        }
    }

    pub fn subject(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }

    pub fn address(mut self, address: &str) -> Self {
        self.address = address.to_string();
        self
    }

    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    pub subject_org_id: Option<i64>,
    pub address: String,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Row {
    /// The row as hashed: every field but `hash`, as a JSON array (unambiguous whatever
    /// the text holds).
    fn canonical(&self) -> String {
        serde_json::json!([
            self.id,
            self.at,
            self.actor_user_id,
            self.actor_token_id,
            self.actor_org_id,
            self.action,
            self.subject_kind,
            self.subject_id,
            self.subject_org_id,
            self.address,
            self.outcome,
            self.detail,
            self.prev_hash,
        ])
        .to_string()
    }

    fn computed_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }
}

/// The handle every audited operation records through.
#[derive(Clone)]
pub struct AuditLog {
    db: Db,
    head: PathBuf,
    lock: Arc<tokio::sync::Mutex<()>>,
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("head", &self.head)
            .finish()
    }
}

/// Stages `entry` on `conn`, inside the caller's transaction: it commits or rolls back
/// with what it records. Chained by the next [`AuditLog::chain`].
pub async fn stage(conn: &mut sqlx::SqliteConnection, entry: Entry) -> CoreResult<()> {
    sqlx::query(
        "insert into audit_staged (at, actor_user_id, actor_token_id, actor_org_id, action, \
         subject_kind, subject_id, subject_org_id, address, outcome, detail) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(clock::now())
    .bind(entry.actor.user.map(|u| u.0))
    .bind(entry.actor.token.map(|t| t.0))
    .bind(entry.actor.org.map(|o| o.0))
    .bind(entry.action)
    .bind(entry.subject.map(|s| s.kind.as_str()))
    .bind(entry.subject.map(|s| s.id))
    .bind(entry.subject.and_then(|s| s.org).map(|o| o.0))
    .bind(entry.address.chars().take(100).collect::<String>())
    .bind(entry.outcome.as_str())
    .bind(entry.detail.chars().take(500).collect::<String>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl AuditLog {
    /// The log of the database in `data_dir`.
    pub fn new(db: Db, data_dir: &Path) -> Self {
        Self {
            db,
            head: data_dir.join(HEAD_FILE),
            lock: Arc::new(tokio::sync::Mutex::new(())),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Records an event that has no change of its own to commit with: a refused sign-in,
    /// a failed attempt, a request refused as a whole. The row is staged in a small
    /// transaction of its own and the appender woken. This is the one path for such
    /// events; a change stages its row in its own transaction ([`stage`]) instead, so
    /// that neither can commit without the other. A refused change records its failure
    /// here only after its transaction has rolled back (SQLite has one writer: the
    /// change's open transaction would hold this one up).
    pub async fn record_event(&self, entry: Entry) -> CoreResult<()> {
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        stage(&mut tx, entry).await?;
        tx.commit().await?;
        self.chain_soon();
        Ok(())
    }

    /// Links every staged row into the chain, oldest first, and writes the head. Nothing
    /// is written when nothing is staged.
    pub async fn chain(&self) -> CoreResult<()> {
        let _turn = self.lock.lock().await;
        let mut conn = self.db.acquire().await?;
        // Most runs of the appender find nothing: they need not take the write lock.
        let pending: bool = sqlx::query_scalar("select exists (select 1 from audit_staged)")
            .fetch_one(&mut *conn)
            .await?;
        if !pending {
            return Ok(());
        }
        // IMMEDIATE takes the write lock before reading the last hash, so that two
        // appenders (even in two processes) cannot both link to the same row.
        sqlx::query("begin immediate").execute(&mut *conn).await?;
        let chained = chain_staged(&mut conn).await;
        let newest = match chained {
            Ok(newest) => {
                sqlx::query("commit").execute(&mut *conn).await?;
                newest
            }
            Err(err) => {
                let _ = sqlx::query("rollback").execute(&mut *conn).await;
                return Err(err);
            }
        };
        drop(conn);
        match newest {
            Some(row) => write_head(&self.head, row.id, &row.hash).await,
            None => Ok(()),
        }
    }

    /// Wakes the appender ([`AuditLog::run_appender`]) after rows were staged in a
    /// transaction that has committed.
    pub fn chain_soon(&self) {
        self.wake.notify_one();
    }

    /// Chains staged rows whenever [`AuditLog::chain_soon`] asks, and every few seconds
    /// whatever happens (rows staged by another process). Runs for as long as the
    /// server does; a failed run is logged and retried at the next.
    pub async fn run_appender(self) {
        loop {
            if let Err(err) = self.chain().await {
                tracing::error!(%err, "chaining audit rows");
            }
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(5), self.wake.notified()).await;
        }
    }
}

/// The staged rows, linked into the chain in staging order and removed from staging, on
/// a connection inside `BEGIN IMMEDIATE`. The newest chained row, if any.
async fn chain_staged(conn: &mut sqlx::SqliteConnection) -> CoreResult<Option<Row>> {
    #[derive(sqlx::FromRow)]
    struct Staged {
        seq: i64,
        at: i64,
        actor_user_id: Option<i64>,
        actor_token_id: Option<i64>,
        actor_org_id: Option<i64>,
        action: String,
        subject_kind: Option<String>,
        subject_id: Option<i64>,
        subject_org_id: Option<i64>,
        address: String,
        outcome: String,
        detail: String,
    }
    let staged: Vec<Staged> = sqlx::query_as(
        "select seq, at, actor_user_id, actor_token_id, actor_org_id, action, subject_kind, \
         subject_id, subject_org_id, address, outcome, detail from audit_staged order by seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    let Some(last_seq) = staged.last().map(|s| s.seq) else {
        return Ok(None);
    };
    let last: Option<(i64, String)> =
        sqlx::query_as("select id, hash from audit_log order by id desc limit 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (mut id, mut prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
    let mut newest = None;
    for s in staged {
        id += 1;
        let mut row = Row {
            id,
            at: s.at,
            actor_user_id: s.actor_user_id,
            actor_token_id: s.actor_token_id,
            actor_org_id: s.actor_org_id,
            action: s.action,
            subject_kind: s.subject_kind,
            subject_id: s.subject_id,
            subject_org_id: s.subject_org_id,
            address: s.address,
            outcome: s.outcome,
            detail: s.detail,
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.computed_hash();
        insert_chained(conn, &row).await?;
        prev_hash = row.hash.clone();
        newest = Some(row);
    }
    sqlx::query("delete from audit_staged where seq <= $1")
        .bind(last_seq)
        .execute(&mut *conn)
        .await?;
    Ok(newest)
}

async fn insert_chained(conn: &mut sqlx::SqliteConnection, row: &Row) -> CoreResult<()> {
    sqlx::query(
        "insert into audit_log (id, at, actor_user_id, actor_token_id, actor_org_id, action, \
         subject_kind, subject_id, subject_org_id, address, outcome, detail, prev_hash, hash) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(row.id)
    .bind(row.at)
    .bind(row.actor_user_id)
    .bind(row.actor_token_id)
    .bind(row.actor_org_id)
    .bind(&row.action)
    .bind(&row.subject_kind)
    .bind(row.subject_id)
    .bind(row.subject_org_id)
    .bind(&row.address)
    .bind(&row.outcome)
    .bind(&row.detail)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes "<id> <hash>" to the head file durably: a temporary file, fsync, rename, and
/// an fsync of the directory so the rename itself survives a crash.
async fn write_head(path: &Path, id: i64, hash: &str) -> CoreResult<()> {
    let path = path.to_path_buf();
    let text = format!("{id} {hash}\n");
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        let tmp = path.with_extension("head.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })
    .await
    .map_err(|e| CoreError::Internal(format!("head task: {e}")))?
    .map_err(|e| CoreError::Internal(format!("writing {HEAD_FILE}: {e}")))
}

/// What `vaern audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds and the head names a row of the chain.
    Intact { rows: i64 },
    /// The row with this id does not match its hash or does not link to the previous.
    BrokenAt { id: i64 },
    /// The head names a row that is no longer in the chain.
    RowsRemovedFromEnd { head_id: i64, last_id: i64 },
}

/// Checks the whole chain, then the head file (if there is one).
pub async fn verify(db: &Db, data_dir: &Path) -> CoreResult<Verdict> {
    let mut rows = sqlx::query_as::<_, Row>(
        "select id, at, actor_user_id, actor_token_id, actor_org_id, action, subject_kind, \
         subject_id, subject_org_id, address, outcome, detail, prev_hash, hash \
         from audit_log order by id",
    )
    .fetch(db);
    let mut prev_hash = GENESIS.to_string();
    let mut prev_id = 0;
    let mut count = 0;
    let mut chain = std::collections::HashMap::new();
    use futures_util::TryStreamExt;
    while let Some(row) = rows.try_next().await? {
        if row.id != prev_id + 1 || row.prev_hash != prev_hash || row.computed_hash() != row.hash {
            return Ok(Verdict::BrokenAt { id: row.id });
        }
        chain.insert(row.id, row.hash.clone());
        prev_hash = row.hash;
        prev_id = row.id;
        count += 1;
    }
    let head = match std::fs::read_to_string(data_dir.join(HEAD_FILE)) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(CoreError::Internal(format!("reading {HEAD_FILE}: {err}"))),
    };
    if let Some(head) = head {
        let (id, hash) = head
            .trim()
            .split_once(' ')
            .and_then(|(id, hash)| Some((id.parse::<i64>().ok()?, hash.to_string())))
            .ok_or_else(|| CoreError::Internal(format!("{HEAD_FILE} is malformed")))?;
        // A head naming an earlier row is a crash between commit and head write.
        if chain.get(&id) != Some(&hash) {
            return Ok(Verdict::RowsRemovedFromEnd {
                head_id: id,
                last_id: prev_id,
            });
        }
    }
    Ok(Verdict::Intact { rows: count })
}

/// Who may read which rows: admins all; organisation admins the rows whose actor or
/// subject belongs to their organisation; nobody else.
fn readable_org(viewer: &Viewer) -> CoreResult<Option<OrgId>> {
    if crate::policy::require_admin(viewer).is_ok() {
        Ok(None)
    } else if crate::policy::can_manage_org_people(viewer, viewer.org_id) {
        Ok(Some(viewer.org_id))
    } else {
        Err(CoreError::NotFound)
    }
}

/// What the viewer narrows the log to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Filter {
    /// Actor's e-mail address, exact.
    pub actor_email: Option<String>,
    pub action: Option<String>,
    /// Organisation of the actor or the subject.
    pub org: Option<OrgId>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A row as the viewer reads it: people, organisations and groups by name where the
/// viewer may know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ListedRow {
    pub id: i64,
    pub at: i64,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub actor_token_id: Option<i64>,
    pub actor_org_name: Option<String>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// `None` when the subject is hidden from the viewer (or gone).
    pub subject_name: Option<String>,
    pub address: String,
    pub outcome: String,
    pub detail: String,
}

/// The newest rows the viewer may read that match the filter, newest first.
pub async fn list(
    db: &Db,
    viewer: &Viewer,
    filter: &Filter,
    limit: i64,
) -> CoreResult<Vec<ListedRow>> {
    let scope = readable_org(viewer)?;
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "select a.id, a.at, au.name as actor_name, au.email as actor_email, a.actor_token_id, \
         ao.name as actor_org_name, a.action, a.subject_kind, a.subject_id, \
         case a.subject_kind \
           when 'user' then su.name \
           when 'organisation' then so.name \
           when 'token' then 'token #' || a.subject_id \
           when 'group' then sg.name \
           when 'document' then 'document #' || a.subject_id \
         end as subject_name, \
         a.address, a.outcome, a.detail \
         from audit_log a \
         left join users au on au.id = a.actor_user_id \
         left join organisations ao on ao.id = a.actor_org_id \
         left join users su on a.subject_kind = 'user' and su.id = a.subject_id \
         left join organisations so on a.subject_kind = 'organisation' and so.id = a.subject_id \
         left join user_groups sg on a.subject_kind = 'group' and sg.id = a.subject_id \
         where 1 = 1",
    );
    if let Some(org) = scope {
        q.push(" and (a.actor_org_id = ")
            .push_bind(org)
            .push(" or a.subject_org_id = ")
            .push_bind(org)
            .push(")");
    }
    if let Some(email) = filter
        .actor_email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        q.push(" and au.email = ")
            .push_bind(email.trim().to_lowercase());
    }
    if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        q.push(" and a.action = ").push_bind(action.to_string());
    }
    if let Some(org) = filter.org {
        q.push(" and (a.actor_org_id = ")
            .push_bind(org)
            .push(" or a.subject_org_id = ")
            .push_bind(org)
            .push(")");
    }
    if let Some(from) = filter.from {
        q.push(" and a.at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        q.push(" and a.at < ").push_bind(to);
    }
    q.push(" order by a.id desc limit ")
        .push_bind(limit.clamp(1, 100_000));
    let rows = q.build_query_as::<ListedRow>().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|mut row| {
            // A group is named only to those the policy lets see it.
            let hidden_group = row.subject_kind.as_deref() == Some("group")
                && !row
                    .subject_id
                    .is_some_and(|g| crate::policy::can_see_group_members(viewer, GroupId(g)));
            if hidden_group {
                row.subject_name = None;
            }
            row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_form_covers_every_field_but_the_hash() {
        let row = Row {
            id: 1,
            at: 2,
            actor_user_id: Some(3),
            actor_token_id: None,
            actor_org_id: Some(4),
            action: "sign_in".into(),
            subject_kind: Some("user".into()),
            subject_id: Some(3),
            subject_org_id: Some(4),
            address: "127.0.0.1".into(),
            outcome: "success".into(),
            detail: "a|b\"c".into(),
            prev_hash: GENESIS.into(),
            hash: "ignored".into(),
        };
        let mut other = row.clone();
        other.hash = "different".into();
        assert_eq!(row.computed_hash(), other.computed_hash());
        other.detail = "a|b\"d".into();
        assert_ne!(row.computed_hash(), other.computed_hash());
        assert!(!row.canonical().contains("ignored"));
    }

    async fn log() -> (tempfile::TempDir, Db, AuditLog) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let log = AuditLog::new(db.clone(), dir.path());
        (dir, db, log)
    }

    fn entry(detail: &str) -> Entry {
        Entry::new(Actor::nobody(), action::SIGN_IN).detail(detail)
    }

    async fn chained_details(db: &Db) -> Vec<String> {
        sqlx::query_scalar("select detail from audit_log order by id")
            .fetch_all(db)
            .await
            .expect("rows")
    }

    #[tokio::test]
    async fn a_staged_row_commits_and_rolls_back_with_its_transaction() {
        let (dir, db, log) = log().await;
        let mut kept = db.begin().await.expect("begin");
        stage(&mut kept, entry("kept")).await.expect("stage");
        kept.commit().await.expect("commit");
        let mut dropped = db.begin().await.expect("begin");
        stage(&mut dropped, entry("rolled back"))
            .await
            .expect("stage");
        dropped.rollback().await.expect("rollback");
        log.chain().await.expect("chain");
        assert_eq!(chained_details(&db).await, ["kept"]);
        assert_eq!(
            verify(&db, dir.path()).await.expect("verify"),
            Verdict::Intact { rows: 1 }
        );
    }

    #[tokio::test]
    async fn rows_staged_before_a_crash_are_chained_by_the_next_appender_in_order() {
        let (dir, db, log) = log().await;
        log.record_event(entry("first")).await.expect("record");
        log.chain().await.expect("chain");
        // Staged and committed, and then the process dies before its appender ran.
        for detail in ["second", "third"] {
            let mut tx = db.begin().await.expect("begin");
            stage(&mut tx, entry(detail)).await.expect("stage");
            tx.commit().await.expect("commit");
        }
        drop(log);
        let restarted = AuditLog::new(db.clone(), dir.path());
        restarted.chain().await.expect("chain");
        assert_eq!(chained_details(&db).await, ["first", "second", "third"]);
        let staged: i64 = sqlx::query_scalar("select count(*) from audit_staged")
            .fetch_one(&db)
            .await
            .expect("count");
        assert_eq!(staged, 0);
        assert_eq!(
            verify(&db, dir.path()).await.expect("verify"),
            Verdict::Intact { rows: 3 }
        );
        let head = std::fs::read_to_string(dir.path().join(HEAD_FILE)).expect("head");
        assert!(
            head.starts_with("3 "),
            "the head names the newest row: {head}"
        );
    }

    #[tokio::test]
    async fn concurrent_events_and_appenders_form_one_unbroken_chain() {
        let (dir, db, log) = log().await;
        let mut tasks = Vec::new();
        for n in 0..20 {
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                log.record_event(entry(&n.to_string())).await?;
                log.chain().await
            }));
        }
        for task in tasks {
            task.await.expect("task").expect("record and chain");
        }
        assert_eq!(
            verify(&db, dir.path()).await.expect("verify"),
            Verdict::Intact { rows: 20 }
        );
    }

    #[tokio::test]
    async fn an_event_is_staged_at_once_and_chained_by_the_appender() {
        let (dir, db, log) = log().await;
        log.record_event(entry("refused sign-in").failed())
            .await
            .expect("record");
        let staged: Vec<(String, String)> =
            sqlx::query_as("select detail, outcome from audit_staged")
                .fetch_all(&db)
                .await
                .expect("staged");
        assert_eq!(staged, [("refused sign-in".into(), "failure".into())]);
        log.chain().await.expect("chain");
        assert_eq!(chained_details(&db).await, ["refused sign-in"]);
        assert_eq!(
            verify(&db, dir.path()).await.expect("verify"),
            Verdict::Intact { rows: 1 }
        );
    }

    #[tokio::test]
    async fn the_appender_chains_what_a_committed_read_staged_when_woken() {
        let (_dir, db, log) = log().await;
        let appender = tokio::spawn(log.clone().run_appender());
        let mut tx = db.begin().await.expect("begin");
        stage(&mut tx, entry("download")).await.expect("stage");
        tx.commit().await.expect("commit");
        log.chain_soon();
        let mut chained = Vec::new();
        for _ in 0..100 {
            chained = chained_details(&db).await;
            if !chained.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        appender.abort();
        assert_eq!(chained, ["download"]);
    }
}
