//! Browser sessions as the platform sees them: one `user_sessions` row per signed-in
//! browser, checked on every request for idle expiry, absolute expiry and the user's
//! status, so that ending a row (sign-out, disabling a user) ends the session at once.

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupRole, PlatformRole, Viewer};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// How long a session lives without requests, and at most.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

impl SessionLimits {
    /// `last_seen_at` is written at most this often, so that reading pages does not
    /// turn into a write per request.
    fn touch_interval(&self) -> i64 {
        (self.idle_secs / 4).clamp(0, 60)
    }
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle_secs: 3600,
            absolute_secs: 12 * 3600,
        }
    }
}

/// The signed-in person behind a request: the policy's `Viewer` plus what the shell shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub session_id: String,
    pub viewer: Viewer,
    pub name: String,
    pub email: String,
    pub org_name: String,
    /// The person must use a second factor (by role or by organisation).
    pub second_factor_required: bool,
}

/// A fresh random session row id (256 bits, hex).
fn new_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Starts a session for a user who has just proved who they are; the sign-in's audit
/// row commits with it.
pub async fn start(
    db: &Db,
    audit: &AuditLog,
    user_id: UserId,
    user_agent: &str,
    address: &str,
) -> CoreResult<String> {
    let id = new_id();
    let now = clock::now();
    let user_agent: String = user_agent.chars().take(300).collect();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "insert into user_sessions (id, user_id, created_at, last_seen_at, user_agent, address) \
         values ($1, $2, $3, $3, $4, $5)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(now)
    .bind(user_agent)
    .bind(address)
    .execute(&mut *tx)
    .await?;
    let org = super::org_of(&mut tx, user_id).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::person(user_id, org), action::SIGN_IN)
            .subject(Subject::user(user_id, org))
            .address(address),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: UserId,
    created_at: i64,
    last_seen_at: i64,
    org_id: OrgId,
    name: String,
    email: String,
    platform_role: String,
    org_admin: bool,
    status: String,
    org_name: String,
    org_requires: bool,
}

/// Resumes a session: `None` if it was ended, has expired (the row is then deleted) or
/// its user is no longer active.
pub async fn resume(db: &Db, id: &str, limits: SessionLimits) -> CoreResult<Option<SignedIn>> {
    let row = sqlx::query_as::<_, SessionRow>(
        "select s.user_id, s.created_at, s.last_seen_at, u.org_id, u.name, u.email, \
         u.platform_role, u.org_admin, u.status, o.name as org_name, \
         o.require_second_factor as org_requires \
         from user_sessions s join users u on u.id = s.user_id \
         join organisations o on o.id = u.org_id where s.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let now = clock::now();
    let expired = now - row.last_seen_at >= limits.idle_secs
        || now - row.created_at >= limits.absolute_secs
        || row.status != "active";
    if expired {
        end(db, id).await?;
        return Ok(None);
    }
    if now - row.last_seen_at >= limits.touch_interval() {
        sqlx::query("update user_sessions set last_seen_at = $1 where id = $2")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?;
    }
    let role = PlatformRole::from_stored(&row.platform_role)?;
    let groups = memberships(db, row.user_id).await?;
    Ok(Some(SignedIn {
        session_id: id.to_string(),
        viewer: Viewer::user(row.user_id, row.org_id, role, row.org_admin, groups),
        name: row.name,
        email: row.email,
        org_name: row.org_name,
        second_factor_required: super::second_factor::required(role, row.org_requires),
    }))
}

/// Whether a session is still live (not ended, not expired, its user active), without
/// counting as activity: a long-lived stream asks this, and must not keep the session
/// from expiring when idle.
pub async fn is_live(db: &Db, id: &str, limits: SessionLimits) -> CoreResult<bool> {
    let now = clock::now();
    let live: Option<i64> = sqlx::query_scalar(
        "select 1 from user_sessions s join users u on u.id = s.user_id \
         where s.id = $1 and u.status = 'active' and s.last_seen_at > $2 and s.created_at > $3",
    )
    .bind(id)
    .bind(now - limits.idle_secs)
    .bind(now - limits.absolute_secs)
    .fetch_optional(db)
    .await?;
    Ok(live.is_some())
}

/// The policy's view of an active user, without a session (for the command line).
pub async fn load_viewer(db: &Db, user_id: UserId) -> CoreResult<Viewer> {
    let row: (OrgId, String, bool) = sqlx::query_as(
        "select org_id, platform_role, org_admin from users where id = $1 and status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    let role = PlatformRole::from_stored(&row.1)?;
    Ok(Viewer::user(
        user_id,
        row.0,
        role,
        row.2,
        memberships(db, user_id).await?,
    ))
}

/// Deletes the rows of sessions that have expired, so they do not pile up.
pub async fn delete_expired(db: &Db, limits: SessionLimits) -> CoreResult<u64> {
    let now = clock::now();
    let done =
        sqlx::query("delete from user_sessions where last_seen_at <= $1 or created_at <= $2")
            .bind(now - limits.idle_secs)
            .bind(now - limits.absolute_secs)
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

async fn memberships(db: &Db, user_id: UserId) -> CoreResult<Vec<(GroupId, GroupRole)>> {
    let rows: Vec<(GroupId, String)> = sqlx::query_as(
        "select m.group_id, m.role from group_members m join user_groups g on g.id = m.group_id \
         where m.user_id = $1 and g.archived_at is null",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(group, role)| GroupRole::from_stored(&role).map(|role| (group, role)))
        .collect()
}

/// The signed-in person signs out: their session ends, with its audit row.
pub async fn sign_out(
    db: &Db,
    audit: &AuditLog,
    signed_in: &SignedIn,
    address: &str,
) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("delete from user_sessions where id = $1")
        .bind(&signed_in.session_id)
        .execute(&mut *tx)
        .await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(&signed_in.viewer), action::SIGN_OUT).address(address),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Ends one session without an audit row: an expired one, or the one a browser had
/// before it signs in again.
pub async fn end(db: &Db, id: &str) -> CoreResult<()> {
    sqlx::query("delete from user_sessions where id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// One of a person's sessions as their account page lists it. `handle` names the
/// session in forms without revealing its id, which is a bearer secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub handle: String,
    /// Browser and system, read from the User-Agent, e.g. "Chrome · Linux".
    pub device: String,
    pub address: String,
    pub started_at: i64,
    pub last_seen_at: i64,
    /// The session the list is shown in.
    pub current: bool,
}

fn handle_of(id: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(id.as_bytes())[..16])
}

/// "Browser · system" from a User-Agent; empty when nothing is recognised.
pub fn device_of(user_agent: &str) -> String {
    let Some(parsed) = woothee::parser::Parser::new().parse(user_agent) else {
        return String::new();
    };
    [parsed.name, parsed.os]
        .into_iter()
        .filter(|part| !part.is_empty() && *part != woothee::woothee::VALUE_UNKNOWN)
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The person's live sessions, newest first.
pub async fn list_for_user(
    db: &Db,
    user_id: UserId,
    current_session: &str,
    limits: SessionLimits,
) -> CoreResult<Vec<SessionInfo>> {
    let now = clock::now();
    let rows: Vec<(String, i64, i64, String, String)> = sqlx::query_as(
        "select id, created_at, last_seen_at, user_agent, address from user_sessions \
         where user_id = $1 and last_seen_at > $2 and created_at > $3 \
         order by created_at desc, id",
    )
    .bind(user_id)
    .bind(now - limits.idle_secs)
    .bind(now - limits.absolute_secs)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, started_at, last_seen_at, user_agent, address)| SessionInfo {
                handle: handle_of(&id),
                device: device_of(&user_agent),
                address,
                started_at,
                last_seen_at,
                current: id == current_session,
            },
        )
        .collect())
}

/// Ends one of the person's own sessions, named by its handle, with its audit row. A
/// handle that is not one of theirs is `NotFound`, like one that never existed.
pub async fn end_by_handle(
    db: &Db,
    audit: &AuditLog,
    user_id: UserId,
    handle: &str,
    address: &str,
) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let ids: Vec<String> = sqlx::query_scalar("select id from user_sessions where user_id = $1")
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
    let id = ids
        .into_iter()
        .find(|id| handle_of(id) == handle)
        .ok_or(CoreError::NotFound)?;
    sqlx::query("delete from user_sessions where id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    super::stage_own(&mut tx, user_id, action::SESSION_END, "one", address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(device_of(chrome), "Chrome · Linux");
        assert_eq!(device_of(""), "");
    }

    #[test]
    fn handles_are_stable_and_do_not_reveal_the_id() {
        let id = new_id();
        assert_eq!(handle_of(&id), handle_of(&id));
        assert_eq!(handle_of(&id).len(), 32);
        assert!(!id.contains(&handle_of(&id)));
    }
}
