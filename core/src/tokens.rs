//! API tokens: how machines of an organisation (its SIEM, the analysis centre's
//! publisher) authenticate on the machine routes.
//!
//! A token's secret (`vaern_` and 256 random bits in base64url) is shown once, when it is
//! created; only its SHA-256 is stored (the secret is high-entropy, so a slow hash buys
//! nothing). A token acts as `Viewer::api_token(org)` with its scopes, until it expires
//! or is revoked; both take effect on the next request, because every request looks the
//! token up again. Creating and revoking are audited, and so is use, at most once an
//! hour per token. Who may create and revoke which tokens is `policy::tokens`.

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, TokenId, UserId};
use crate::orgs::{self, Organisation};
use crate::policy::{self, OrgKind, Scope, TokenGrant, Viewer};
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Every secret starts with this, so that a leaked one is recognisable (secret scanners)
/// and a malformed one is refused without a database query.
pub const SECRET_PREFIX: &str = "vaern_";
/// base64url of 32 bytes, without padding.
const SECRET_BODY_LEN: usize = 43;
/// Longest token name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// `last_used_at` is written at most this often per token.
const LAST_USED_EVERY_SECS: i64 = 60;
/// Use is recorded in the audit log at most this often per token.
const AUDIT_USE_EVERY_SECS: i64 = 3600;

/// Who manages tokens: a signed-in viewer (checked by the policy), or the operator at the
/// command line, who holds the database anyway.
#[derive(Debug, Clone, Copy)]
pub enum Manager<'a> {
    Viewer(&'a Viewer),
    Operator,
}

impl Manager<'_> {
    fn actor(self) -> Actor {
        match self {
            Self::Viewer(viewer) => Actor::of(viewer),
            Self::Operator => Actor::nobody(),
        }
    }

    fn user(self) -> Option<UserId> {
        match self {
            Self::Viewer(viewer) => viewer.user_id,
            Self::Operator => None,
        }
    }

    /// `NotFound` for a viewer who manages no tokens anywhere, before anything about its
    /// input is answered.
    fn require_some(self) -> CoreResult<()> {
        match self {
            Self::Viewer(viewer) if !policy::can_manage_tokens(viewer, viewer.org_id) => {
                Err(CoreError::NotFound)
            }
            _ => Ok(()),
        }
    }
}

/// What a new token is asked for with, as typed in a form or on the command line.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// Organisation code (`751`, `soc`).
    pub org: String,
    /// Scope names; an entry may hold several separated by spaces or commas.
    pub scopes: Vec<String>,
    /// Last day the token works (in Copenhagen), `YYYY-MM-DD`; empty or `None`: no expiry.
    pub expires: Option<String>,
    /// What the token is for; optional.
    pub name: String,
}

/// A token just created: the only time its secret is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: TokenId,
    pub secret: String,
    pub org: Organisation,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<i64>,
}

/// A token as the list shows it; never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub org_id: OrgId,
    pub org_code: String,
    pub org_name: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl TokenInfo {
    /// Neither revoked nor expired at `now`.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// An authenticated token: whom it acts as and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPrincipal {
    pub id: TokenId,
    /// `Viewer::api_token(org)`: a member of its organisation with no groups.
    pub viewer: Viewer,
    pub org: Organisation,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<i64>,
}

impl TokenPrincipal {
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// `Forbidden` unless the token carries `scope`.
    pub fn require_scope(&self, scope: Scope) -> CoreResult<()> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Could this be a secret we issued? Checked before any query.
fn is_well_formed(secret: &str) -> bool {
    secret.strip_prefix(SECRET_PREFIX).is_some_and(|body| {
        body.len() == SECRET_BODY_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Scope names from their stored (space-separated) form; names this version does not
/// know grant nothing.
fn stored_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

fn store_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_scopes(input: &[String]) -> CoreResult<Vec<Scope>> {
    input
        .iter()
        .flat_map(|entry| entry.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|name| !name.is_empty())
        .map(|name| {
            Scope::parse(&name.to_ascii_lowercase()).ok_or(CoreError::invalid("scopes", "unknown"))
        })
        .collect()
}

/// The last day a token works, `YYYY-MM-DD`, as the unix time it stops working: the
/// following midnight in Copenhagen. A day before today (in Copenhagen) is refused.
fn parse_expiry(input: Option<&str>, now: i64) -> CoreResult<Option<i64>> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let malformed = || CoreError::invalid("expires", "malformed");
    let date = clock::parse_date(text).ok_or_else(malformed)?;
    let today = clock::copenhagen_date(now)
        .ok_or_else(|| CoreError::Internal("clock out of range".into()))?;
    if date < today {
        return Err(CoreError::invalid("expires", "past"));
    }
    Ok(Some(clock::copenhagen_day_end(date).ok_or_else(malformed)?))
}

fn parse_name(input: &str) -> CoreResult<String> {
    let name = input.trim();
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(CoreError::invalid("name", "too_long_100"));
    }
    Ok(name.to_string())
}

/// A token asked for and checked, ready to be inserted.
pub(crate) struct Checked {
    name: String,
    org: Organisation,
    scopes: Vec<Scope>,
    expires_at: Option<i64>,
}

/// Checks what a new token is asked for with. Bad input is a per-field `Invalid`
/// (`org`, `scopes`, `expires`, `name`); an organisation whose tokens the viewer does
/// not manage is `NotFound`.
pub(crate) async fn check(db: &Db, manager: Manager<'_>, new: NewToken) -> CoreResult<Checked> {
    manager.require_some()?;
    let name = parse_name(&new.name)?;
    let org = match orgs::find_by_code(db, &new.org).await {
        Ok(org) => org,
        Err(CoreError::NotFound) => return Err(CoreError::invalid("org", "unknown")),
        Err(other) => return Err(other),
    };
    let kind = OrgKind::parse(&org.kind)
        .ok_or_else(|| CoreError::Internal(format!("organisation kind {:?}", org.kind)))?;
    let scopes = parse_scopes(&new.scopes)?;
    let grant = match manager {
        Manager::Viewer(viewer) => policy::require_grant(viewer, org.id, kind, &scopes)?,
        Manager::Operator => TokenGrant::for_operator(org.id, kind, &scopes)?,
    };
    let expires_at = parse_expiry(new.expires.as_deref(), clock::now())?;
    Ok(Checked {
        name,
        scopes: grant.scopes().to_vec(),
        org,
        expires_at,
    })
}

/// Inserts a checked token and stages its audit row, in the caller's transaction.
pub(crate) async fn insert(
    tx: &mut Tx<'_>,
    manager: Manager<'_>,
    address: &str,
    checked: Checked,
) -> CoreResult<Created> {
    let secret = new_secret();
    let id: TokenId = sqlx::query_scalar(
        "insert into api_tokens (org_id, name, scopes, secret_hash, created_by, created_at, \
         expires_at) values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(checked.org.id)
    .bind(&checked.name)
    .bind(store_scopes(&checked.scopes))
    .bind(secret_hash(&secret))
    .bind(manager.user())
    .bind(clock::now())
    .bind(checked.expires_at)
    .fetch_one(&mut **tx)
    .await?;
    let mut detail = format!("scopes={}", store_scopes(&checked.scopes));
    if let Some(at) = checked.expires_at {
        detail.push_str(&format!(" expires_at={at}"));
    }
    audit::stage(
        tx,
        Entry::new(manager.actor(), action::TOKEN_CREATE)
            .subject(Subject::token(id, checked.org.id))
            .address(address)
            .detail(detail),
    )
    .await?;
    Ok(Created {
        id,
        secret,
        org: checked.org,
        scopes: checked.scopes,
        expires_at: checked.expires_at,
    })
}

/// Creates a token and returns its secret, which is not kept. Bad input is a per-field
/// `Invalid` (`org`, `scopes`, `expires`, `name`); an organisation whose tokens the
/// viewer does not manage is `NotFound`. The token and its audit row commit together.
pub async fn create(
    db: &Db,
    audit: &AuditLog,
    manager: Manager<'_>,
    address: &str,
    new: NewToken,
) -> CoreResult<Created> {
    let checked = check(db, manager, new).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let created = insert(&mut tx, manager, address, checked).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(created)
}

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: TokenId,
    org_id: OrgId,
    org_code: String,
    org_name: String,
    name: String,
    scopes: String,
    created_at: i64,
    created_by: Option<String>,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl From<InfoRow> for TokenInfo {
    fn from(row: InfoRow) -> Self {
        Self {
            id: row.id,
            org_id: row.org_id,
            org_code: row.org_code,
            org_name: row.org_name,
            name: row.name,
            scopes: stored_scopes(&row.scopes),
            created_at: row.created_at,
            created_by: row.created_by,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// The tokens the manager sees, newest first: every token for admins and the operator,
/// the organisation's own for organisation admins; `NotFound` for anyone else.
pub async fn list(db: &Db, manager: Manager<'_>) -> CoreResult<Vec<TokenInfo>> {
    manager.require_some()?;
    let only_org = match manager {
        Manager::Viewer(viewer) if policy::require_admin(viewer).is_err() => Some(viewer.org_id),
        _ => None,
    };
    let rows = sqlx::query_as::<_, InfoRow>(
        "select t.id, t.org_id, o.code as org_code, o.name as org_name, t.name, t.scopes, \
         t.created_at, u.name as created_by, t.expires_at, t.revoked_at, t.last_used_at \
         from api_tokens t \
         join organisations o on o.id = t.org_id \
         left join users u on u.id = t.created_by \
         where ($1 is null or t.org_id = $1) \
         order by t.id desc",
    )
    .bind(only_org)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(TokenInfo::from).collect())
}

/// Revokes a token; from the next request on it is refused. Revoking a revoked token
/// changes nothing. A token the viewer does not see is `NotFound`; one it sees but could
/// not have granted is `Forbidden`.
pub async fn revoke(
    db: &Db,
    audit: &AuditLog,
    manager: Manager<'_>,
    address: &str,
    id: TokenId,
) -> CoreResult<()> {
    manager.require_some()?;
    // Read, check and write under the write lock: the row checked is the row revoked.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    revoke_in(&mut tx, manager, address, id).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Revokes a token and stages its audit row (when it was not revoked already), in the
/// caller's transaction.
pub(crate) async fn revoke_in(
    tx: &mut Tx<'_>,
    manager: Manager<'_>,
    address: &str,
    id: TokenId,
) -> CoreResult<()> {
    let (org_id, scopes): (OrgId, String) =
        sqlx::query_as("select org_id, scopes from api_tokens where id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(CoreError::NotFound)?;
    if let Manager::Viewer(viewer) = manager {
        policy::require_revoke_token(viewer, org_id, &stored_scopes(&scopes))?;
    }
    let done =
        sqlx::query("update api_tokens set revoked_at = $1 where id = $2 and revoked_at is null")
            .bind(clock::now())
            .bind(id)
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() == 1 {
        audit::stage(
            tx,
            Entry::new(manager.actor(), action::TOKEN_REVOKE)
                .subject(Subject::token(id, org_id))
                .address(address),
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    id: TokenId,
    org_id: OrgId,
    org_code: String,
    org_name: String,
    org_kind: String,
    scopes: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    last_audited_use_at: Option<i64>,
}

/// Is a use noted at `at` older than `every` seconds at `now` (or was there none)?
fn is_due(at: Option<i64>, now: i64, every: i64) -> bool {
    at.is_none_or(|at| at <= now - every)
}

/// The token behind a presented secret, if it is ours, not revoked and not expired.
/// Notes the use: `last_used_at` at most once a minute, the audit log at most once an
/// hour per token (from `address`).
pub async fn authenticate(
    db: &Db,
    audit: &AuditLog,
    secret: &str,
    address: &str,
) -> CoreResult<Option<TokenPrincipal>> {
    if !is_well_formed(secret) {
        return Ok(None);
    }
    let now = clock::now();
    let Some(row) = sqlx::query_as::<_, AuthRow>(
        "select t.id, t.org_id, o.code as org_code, o.name as org_name, o.kind as org_kind, \
         t.scopes, t.expires_at, t.revoked_at, t.last_used_at, t.last_audited_use_at \
         from api_tokens t join organisations o on o.id = t.org_id \
         where t.secret_hash = $1",
    )
    .bind(secret_hash(secret))
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| now >= at) {
        return Ok(None);
    }
    // Most requests write nothing: the times just read decide whether a write is due,
    // and the conditional updates keep concurrent requests from writing twice.
    if is_due(row.last_used_at, now, LAST_USED_EVERY_SECS) {
        sqlx::query(
            "update api_tokens set last_used_at = $1 \
             where id = $2 and (last_used_at is null or last_used_at <= $3)",
        )
        .bind(now)
        .bind(row.id)
        .bind(now - LAST_USED_EVERY_SECS)
        .execute(db)
        .await?;
    }
    if is_due(row.last_audited_use_at, now, AUDIT_USE_EVERY_SECS) {
        // The claim and the row it stands for commit together: a use is never marked
        // audited without its row, and concurrent requests claim it once.
        let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
        let claimed = sqlx::query(
            "update api_tokens set last_audited_use_at = $1 \
             where id = $2 and (last_audited_use_at is null or last_audited_use_at <= $3)",
        )
        .bind(now)
        .bind(row.id)
        .bind(now - AUDIT_USE_EVERY_SECS)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if claimed {
            audit::stage(
                &mut tx,
                Entry::new(Actor::token(row.id, row.org_id), action::TOKEN_USE)
                    .subject(Subject::token(row.id, row.org_id))
                    .address(address),
            )
            .await?;
            tx.commit().await?;
            audit.chain_soon();
        }
    }
    Ok(Some(TokenPrincipal {
        id: row.id,
        viewer: Viewer::api_token(row.org_id),
        org: Organisation {
            id: row.org_id,
            code: row.org_code,
            name: row.org_name,
            kind: row.org_kind,
        },
        scopes: stored_scopes(&row.scopes),
        expires_at: row.expires_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PlatformRole;

    /// 2025-03-10 12:00:00 UTC.
    const NOON: i64 = 1_741_608_000;

    async fn backend() -> (tempfile::TempDir, Db, AuditLog) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let audit = AuditLog::new(db.clone(), dir.path());
        (dir, db, audit)
    }

    fn request(org: &str, scopes: &[&str]) -> NewToken {
        NewToken {
            org: org.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..NewToken::default()
        }
    }

    #[test]
    fn secrets_are_prefixed_base64url_and_recognised() {
        let secret = new_secret();
        assert!(secret.starts_with("vaern_"));
        assert!(is_well_formed(&secret), "{secret}");
        assert_ne!(secret, new_secret());
        assert!(!is_well_formed(&secret[1..]));
        assert!(!is_well_formed(&format!("{secret}x")));
        assert!(!is_well_formed(&secret.replace('_', "+")));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn expiry_is_the_end_of_the_given_day_and_never_in_the_past() {
        assert_eq!(parse_expiry(None, NOON).ok(), Some(None));
        assert_eq!(parse_expiry(Some(" "), NOON).ok(), Some(None));
        // The whole of today is still allowed: the token stops at the next midnight in
        // Copenhagen (23:00 UTC in winter).
        assert_eq!(
            parse_expiry(Some("2025-03-10"), NOON).ok(),
            Some(Some(1_741_647_600))
        );
        assert!(matches!(
            parse_expiry(Some("2025-03-09"), NOON),
            Err(CoreError::Invalid {
                field: "expires",
                reason: "past"
            })
        ));
        for bad in [
            "2025-02-30",
            "10-03-2025x",
            "2025/03/10",
            "tomorrow",
            "2025-13-01",
            "-1-1-1",
        ] {
            assert!(
                matches!(
                    parse_expiry(Some(bad), NOON),
                    Err(CoreError::Invalid {
                        field: "expires",
                        reason: "malformed"
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn scopes_are_read_from_spaces_commas_and_repeats() {
        let got = parse_scopes(&["taxii:read, stix:write".into(), "TAXII:READ".into()]);
        assert_eq!(
            got.ok(),
            Some(vec![Scope::TaxiiRead, Scope::StixWrite, Scope::TaxiiRead])
        );
        assert!(matches!(
            parse_scopes(&["taxii:read admin".into()]),
            Err(CoreError::Invalid {
                field: "scopes",
                reason: "unknown"
            })
        ));
    }

    #[tokio::test]
    async fn a_created_token_authenticates_until_revoked() {
        let (_dir, db, audit) = backend().await;
        let created = create(
            &db,
            &audit,
            Manager::Operator,
            "",
            request("soc", &["stix:write"]),
        )
        .await
        .expect("created");
        let principal = authenticate(&db, &audit, &created.secret, "192.0.2.1")
            .await
            .expect("query")
            .expect("valid");
        assert_eq!(principal.id, created.id);
        assert_eq!(principal.org.code, "soc");
        assert_eq!(principal.viewer, Viewer::api_token(created.org.id));
        assert!(principal.has_scope(Scope::StixWrite));
        assert!(matches!(
            principal.require_scope(Scope::TaxiiRead),
            Err(CoreError::Forbidden)
        ));
        let listed = list(&db, Manager::Operator).await.expect("list");
        assert!(listed[0].last_used_at.is_some());

        revoke(&db, &audit, Manager::Operator, "", created.id)
            .await
            .expect("revoked");
        assert_eq!(
            authenticate(&db, &audit, &created.secret, "")
                .await
                .expect("query"),
            None
        );
        // Use is audited once (an hour), creation and revocation once each.
        audit.chain().await.expect("chain");
        let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by id")
            .fetch_all(&db)
            .await
            .expect("audit rows");
        assert_eq!(actions, ["token_create", "token_use", "token_revoke"]);
    }

    #[tokio::test]
    async fn an_organisation_admin_manages_only_its_own_taxii_read_tokens() {
        let (_dir, db, audit) = backend().await;
        let aarhus = orgs::find_by_code(&db, "751").await.expect("seeded");
        let user = crate::accounts::create(
            &db,
            crate::accounts::NewUser {
                email: "it@aarhus.test".into(),
                name: "Org Admin".into(),
                org_id: aarhus.id,
                role: PlatformRole::Member,
                org_admin: true,
                password: "a long enough test password".into(),
            },
        )
        .await
        .expect("user");
        let viewer = Viewer::user(user, aarhus.id, PlatformRole::Member, true, vec![]);
        let own = create(
            &db,
            &audit,
            Manager::Viewer(&viewer),
            "",
            request("751", &["taxii:read"]),
        )
        .await
        .expect("own organisation");
        assert!(matches!(
            create(
                &db,
                &audit,
                Manager::Viewer(&viewer),
                "",
                request("101", &["taxii:read"])
            )
            .await,
            Err(CoreError::NotFound)
        ));
        let elsewhere = create(
            &db,
            &audit,
            Manager::Operator,
            "",
            request("101", &["taxii:read"]),
        )
        .await
        .expect("operator");
        let listed = list(&db, Manager::Viewer(&viewer)).await.expect("list");
        assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), [own.id]);
        assert!(matches!(
            revoke(&db, &audit, Manager::Viewer(&viewer), "", elsewhere.id).await,
            Err(CoreError::NotFound)
        ));
        let member = Viewer::user(UserId(2), aarhus.id, PlatformRole::Member, false, vec![]);
        assert!(matches!(
            list(&db, Manager::Viewer(&member)).await,
            Err(CoreError::NotFound)
        ));
    }

    #[tokio::test]
    async fn use_is_written_at_most_once_a_minute_and_audited_at_most_once_an_hour() {
        let (_dir, db, audit) = backend().await;
        let created = create(
            &db,
            &audit,
            Manager::Operator,
            "",
            request("kl", &["taxii:read"]),
        )
        .await
        .expect("created");
        let set = |column: &'static str, at: i64| {
            let db = db.clone();
            async move {
                sqlx::query(&format!(
                    "update api_tokens set {column} = $1 where id = $2"
                ))
                .bind(at)
                .bind(created.id)
                .execute(&db)
                .await
                .expect("set");
            }
        };
        let last_used = || async {
            sqlx::query_scalar::<_, Option<i64>>(
                "select last_used_at from api_tokens where id = $1",
            )
            .bind(created.id)
            .fetch_one(&db)
            .await
            .expect("read")
        };
        // Staged rows count: they commit with the claim of the use.
        let uses = || async {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from audit_staged where action = 'token_use'",
            )
            .fetch_one(&db)
            .await
            .expect("count")
        };
        let use_it = || async {
            authenticate(&db, &audit, &created.secret, "")
                .await
                .expect("query")
                .expect("valid");
        };
        let now = clock::now();
        use_it().await;
        assert_eq!(uses().await, 1);
        set("last_used_at", now - 30).await;
        use_it().await;
        assert_eq!(
            last_used().await,
            Some(now - 30),
            "not again within the minute"
        );
        set("last_used_at", now - 61).await;
        use_it().await;
        assert!(last_used().await >= Some(now), "again after a minute");
        assert_eq!(uses().await, 1, "one audit row within the hour");
        set("last_audited_use_at", now - 3601).await;
        use_it().await;
        assert_eq!(uses().await, 2, "again after an hour");
    }

    #[tokio::test]
    async fn an_expired_token_is_refused() {
        let (_dir, db, audit) = backend().await;
        let created = create(
            &db,
            &audit,
            Manager::Operator,
            "",
            request("kl", &["taxii:read"]),
        )
        .await
        .expect("created");
        sqlx::query("update api_tokens set expires_at = $1 where id = $2")
            .bind(clock::now())
            .bind(created.id)
            .execute(&db)
            .await
            .expect("expired");
        assert_eq!(
            authenticate(&db, &audit, &created.secret, "")
                .await
                .expect("query"),
            None
        );
    }
}
