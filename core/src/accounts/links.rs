//! One-time account links: an invitation to choose a first password, or a password
//! reset. The link carries a 256-bit random token; only its SHA-256 is stored. A link
//! works once and for 72 hours, and issuing a new one for the same person and purpose
//! ends the earlier ones. Redeeming a link sets the password and ends the person's
//! sessions; it never passes the second factor: the caller still asks for it.

use super::{UserStatus, min_password_len, password, second_factor};
use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::PlatformRole;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a link works.
pub const LIFETIME_SECS: i64 = 72 * 3600;
/// A person asking for a reset themselves gets at most one link in this time.
const SELF_SERVICE_INTERVAL_SECS: i64 = 300;
/// base64url of 32 bytes, without padding.
const TOKEN_LEN: usize = 43;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    Invitation,
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Invitation, Self::PasswordReset]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The path of a link's page; the caller puts the public URL in front.
pub fn path(token: &str) -> String {
    format!("/link/{token}")
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues a link for `user_id` in the caller's transaction, ending earlier unused links
/// of the same purpose, and returns the token (shown or mailed once, never stored).
pub(crate) async fn issue(
    tx: &mut Tx<'_>,
    user_id: UserId,
    purpose: Purpose,
    created_by: Option<UserId>,
) -> CoreResult<String> {
    let token = new_token();
    let now = clock::now();
    sqlx::query(
        "update account_links set used_at = $1 \
         where user_id = $2 and purpose = $3 and used_at is null",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into account_links (token_hash, user_id, purpose, created_by, created_at, \
         expires_at) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(created_by)
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// What a link's page shows before the person chooses a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub purpose: Purpose,
    pub name: String,
    pub email: String,
    pub min_password_len: usize,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: UserId,
    org_id: OrgId,
    purpose: String,
    expires_at: i64,
    used_at: Option<i64>,
    status: String,
    name: String,
    email: String,
    platform_role: String,
    org_requires: bool,
}

/// Finds a usable link. Errors name why it cannot be used (field `link`): `unknown`
/// (never issued, tampered with or cut short), `used`, or `expired`.
async fn usable(db: &Db, token: &str) -> CoreResult<LinkRow> {
    let token = token.trim();
    if token.len() != TOKEN_LEN {
        return Err(CoreError::invalid("link", "unknown"));
    }
    let row = sqlx::query_as::<_, LinkRow>(
        "select l.user_id, u.org_id, l.purpose, l.expires_at, l.used_at, u.status, u.name, \
         u.email, \
         u.platform_role, o.require_second_factor as org_requires \
         from account_links l join users u on u.id = l.user_id \
         join organisations o on o.id = u.org_id where l.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::invalid("link", "unknown"))?;
    if row.used_at.is_some() {
        return Err(CoreError::invalid("link", "used"));
    }
    if row.expires_at <= clock::now() {
        return Err(CoreError::invalid("link", "expired"));
    }
    if row.status == UserStatus::Disabled.as_str() {
        return Err(CoreError::invalid("link", "unknown"));
    }
    Ok(row)
}

fn role_of(row: &LinkRow) -> CoreResult<PlatformRole> {
    PlatformRole::from_stored(&row.platform_role)
}

fn purpose_of(row: &LinkRow) -> CoreResult<Purpose> {
    Purpose::parse(&row.purpose)
        .ok_or_else(|| CoreError::Internal(format!("unknown link purpose {}", row.purpose)))
}

/// Looks a link up for its page.
pub async fn inspect(db: &Db, token: &str) -> CoreResult<LinkInfo> {
    let row = usable(db, token).await?;
    let required = second_factor::required(role_of(&row)?, row.org_requires);
    Ok(LinkInfo {
        purpose: purpose_of(&row)?,
        min_password_len: min_password_len(required),
        name: row.name,
        email: row.email,
    })
}

/// Uses a link: checks and sets the new password, activates an invited account, ends
/// every session of the person, and marks the link used, all or nothing with its audit
/// row.
pub async fn redeem(
    db: &Db,
    audit: &AuditLog,
    token: &str,
    new_password: &str,
    address: &str,
) -> CoreResult<UserId> {
    let row = usable(db, token).await?;
    let required = second_factor::required(role_of(&row)?, row.org_requires);
    let owner = password::Owner {
        email: &row.email,
        name: &row.name,
    };
    let normalised = password::validate_new(new_password, min_password_len(required), owner)?;
    let hash = password::hash(normalised).await?;
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    // Conditional, so that two tabs redeeming one link cannot both succeed.
    let claimed = sqlx::query(
        "update account_links set used_at = $1 \
         where token_hash = $2 and used_at is null and expires_at > $1",
    )
    .bind(now)
    .bind(token_hash(token.trim()))
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(CoreError::invalid("link", "used"));
    }
    let updated = sqlx::query(
        "update users set password_hash = $1, status = 'active', updated_at = $2 \
         where id = $3 and status <> 'disabled'",
    )
    .bind(hash)
    .bind(now)
    .bind(row.user_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(CoreError::invalid("link", "unknown"));
    }
    sqlx::query("delete from user_sessions where user_id = $1")
        .bind(row.user_id)
        .execute(&mut *tx)
        .await?;
    audit::stage(
        &mut tx,
        Entry::new(
            Actor::person(row.user_id, row.org_id),
            action::PASSWORD_SET_BY_LINK,
        )
        .subject(Subject::user(row.user_id, row.org_id))
        .address(address),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(row.user_id)
}

/// Someone asked for a reset link for `email` themselves. Returns the person and the
/// token to mail, or `None` for an unknown, inactive or recently served address; the
/// caller answers the same in every case so that the form reveals no accounts. A link
/// issued commits with its audit row.
pub async fn request_reset(
    db: &Db,
    audit: &AuditLog,
    email: &str,
    address: &str,
) -> CoreResult<Option<(UserId, String)>> {
    let Ok(email) = super::normalise_email(email) else {
        return Ok(None);
    };
    // The check for a recent link and the new one under one write lock: two requests at
    // once issue one link.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let user: Option<(UserId, OrgId)> =
        sqlx::query_as("select id, org_id from users where email = $1 and status = 'active'")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((user_id, org)) = user else {
        return Ok(None);
    };
    let recent: i64 = sqlx::query_scalar(
        "select count(*) from account_links where user_id = $1 and purpose = 'password_reset' \
         and created_by is null and created_at > $2",
    )
    .bind(user_id)
    .bind(clock::now() - SELF_SERVICE_INTERVAL_SECS)
    .fetch_one(&mut *tx)
    .await?;
    if recent > 0 {
        return Ok(None);
    }
    let token = issue(&mut tx, user_id, Purpose::PasswordReset, None).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::nobody(), action::PASSWORD_RESET_REQUEST)
            .subject(Subject::user(user_id, org))
            .address(address),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(Some((user_id, token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), TOKEN_LEN);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(path(&a), format!("/link/{a}"));
    }
}
