//! Accounts: people, their status and platform role, signing in and changing a password.
//! Sign-in never tells an unknown e-mail from a wrong password, in words or in time.
//! Signing in is two steps when the person has a second factor: the password, then a
//! code (`second_factor`). Each change to an account stages its audit row in its own
//! transaction; a refused attempt, which changes nothing to commit with, is recorded as
//! an event (`AuditLog::record_event`).

pub mod links;
pub mod management;
pub mod password;
pub mod second_factor;
pub mod sessions;
pub mod throttle;

use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::PlatformRole;
use serde::{Deserialize, Serialize};

/// Longest e-mail address accepted (RFC 5321 path limit).
const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Invited,
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }
}

/// The language mail to a person is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailLocale {
    Da,
    En,
}

impl MailLocale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Da => "da",
            Self::En => "en",
        }
    }

    /// Reads the stored form; anything unknown is Danish, the platform's default.
    pub fn parse(s: &str) -> Self {
        if s == "en" { Self::En } else { Self::Da }
    }
}

/// The minimum password length for an account that must (or need not) use a second
/// factor (NIST SP 800-63B).
pub fn min_password_len(second_factor_required: bool) -> usize {
    if second_factor_required {
        password::MIN_LEN_WITH_SECOND_FACTOR
    } else {
        password::MIN_LEN_SINGLE_FACTOR
    }
}

/// Whether the organisation requires a second factor of all its people.
async fn org_requires_second_factor(db: &Db, org_id: OrgId) -> CoreResult<bool> {
    sqlx::query_scalar("select require_second_factor from organisations where id = $1")
        .bind(org_id)
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::invalid("org", "unknown"))
}

/// Trims and lower-cases an e-mail address and checks its shape.
pub fn normalise_email(email: &str) -> CoreResult<String> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(CoreError::invalid("email", "required"));
    }
    let valid_shape = email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.contains('@')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid_shape {
        Ok(email)
    } else {
        Err(CoreError::invalid("email", "malformed"))
    }
}

/// A new account created by an operator or admin, active with the given password.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub org_id: OrgId,
    pub role: PlatformRole,
    pub org_admin: bool,
    pub password: String,
}

/// Creates an active account. `Conflict` if the e-mail is taken.
pub async fn create(db: &Db, new: NewUser) -> CoreResult<UserId> {
    let email = normalise_email(&new.email)?;
    let name = crate::names::validate(&new.name)?;
    let required =
        second_factor::required(new.role, org_requires_second_factor(db, new.org_id).await?);
    let owner = password::Owner {
        email: &email,
        name: &name,
    };
    let password = password::validate_new(&new.password, min_password_len(required), owner)?;
    let hash = password::hash(password).await?;
    let now = clock::now();
    let inserted = sqlx::query_scalar::<_, i64>(
        "insert into users (org_id, email, name, platform_role, org_admin, status, password_hash, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, 'active', $6, $7, $7) \
         on conflict (email) do nothing returning id",
    )
    .bind(new.org_id)
    .bind(&email)
    .bind(&name)
    .bind(new.role.as_str())
    .bind(new.org_admin)
    .bind(hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    inserted
        .map(UserId)
        .ok_or(CoreError::Conflict("email_taken"))
}

/// What a sign-in attempt came to. `Refused` is the one answer for an unknown e-mail, a
/// wrong password and an account that may not sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    /// No second factor is set up or required: the person is signed in.
    SignedIn(UserId),
    /// The password was right; the person must now give a code.
    CodeNeeded(UserId),
    /// The password was right; a second factor is required but not set up yet, so the
    /// person must enrol one before the session starts.
    EnrolmentNeeded(UserId),
    Refused,
    Throttled {
        wait_secs: i64,
    },
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    id: UserId,
    status: String,
    password_hash: Option<String>,
}

/// The step after a proven password: a code, enrolment, or none.
pub async fn next_step(db: &Db, user_id: UserId) -> CoreResult<SignInOutcome> {
    let factor = second_factor::status(db, user_id).await?;
    Ok(if factor.enrolled {
        SignInOutcome::CodeNeeded(user_id)
    } else if factor.required {
        SignInOutcome::EnrolmentNeeded(user_id)
    } else {
        SignInOutcome::SignedIn(user_id)
    })
}

/// The organisation of an account, read in a change's transaction for its audit row.
async fn org_of(tx: &mut Tx<'_>, user_id: UserId) -> CoreResult<OrgId> {
    sqlx::query_scalar("select org_id from users where id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Stages the audit row of a change a person made to their own account.
async fn stage_own(
    tx: &mut Tx<'_>,
    user_id: UserId,
    action: &'static str,
    detail: &str,
    address: &str,
) -> CoreResult<()> {
    let org = org_of(tx, user_id).await?;
    audit::stage(
        tx,
        Entry::new(Actor::person(user_id, org), action)
            .subject(Subject::user(user_id, org))
            .address(address)
            .detail(detail),
    )
    .await
}

/// Checks e-mail and password, applying the throttle for the account and the address.
/// A refused or throttled attempt is recorded in the audit log, naming the account the
/// address belongs to, if any.
pub async fn sign_in(
    db: &Db,
    audit: &AuditLog,
    email: &str,
    password: &str,
    address: &str,
) -> CoreResult<SignInOutcome> {
    let outcome = check_sign_in(db, email, password, address).await?;
    let detail = match outcome {
        SignInOutcome::Refused => "password",
        SignInOutcome::Throttled { .. } => "throttled",
        _ => return Ok(outcome),
    };
    let mut entry = Entry::new(Actor::nobody(), action::SIGN_IN)
        .address(address)
        .failed()
        .detail(detail);
    if let Some((user, org)) = find_by_email(db, email).await? {
        entry = entry.subject(Subject::user(user, org));
    }
    audit.record_event(entry).await?;
    Ok(outcome)
}

async fn check_sign_in(
    db: &Db,
    email: &str,
    password: &str,
    address: &str,
) -> CoreResult<SignInOutcome> {
    // A malformed e-mail cannot name an account; it still goes through the same steps.
    let email = normalise_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let wait_secs = throttle::seconds_to_wait(db, &email, address).await?;
    if wait_secs > 0 {
        return Ok(SignInOutcome::Throttled { wait_secs });
    }
    let row = sqlx::query_as::<_, CredentialRow>(
        "select id, status, password_hash from users where email = $1",
    )
    .bind(&email)
    .fetch_optional(db)
    .await?;
    let too_long = password.chars().count() > password::MAX_LEN;
    let verified = if too_long {
        false
    } else {
        let stored = row.as_ref().and_then(|r| r.password_hash.clone());
        password::verify(password.to_string(), stored).await?
    };
    match row {
        Some(row) if verified && row.status == UserStatus::Active.as_str() => {
            // The throttle is cleared only when the whole sign-in succeeds, so that
            // guessing codes after a known password stays slowed down.
            let next = next_step(db, row.id).await?;
            if matches!(next, SignInOutcome::SignedIn(_)) {
                throttle::record_success(db, &email, address).await?;
            }
            Ok(next)
        }
        _ => {
            throttle::record_failure(db, &email, address).await?;
            Ok(SignInOutcome::Refused)
        }
    }
}

#[derive(sqlx::FromRow)]
struct PasswordRow {
    email: String,
    name: String,
    password_hash: Option<String>,
}

/// Checks a signed-in person's current password before a change to their credentials.
/// Wrong passwords count toward the throttle, as at sign-in.
pub async fn verify_current_password(
    db: &Db,
    user_id: UserId,
    address: &str,
    current: &str,
) -> CoreResult<()> {
    let row = sqlx::query_as::<_, PasswordRow>(
        "select email, name, password_hash from users where id = $1 and status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    if current.is_empty() {
        return Err(CoreError::invalid("current_password", "required"));
    }
    if throttle::seconds_to_wait(db, &row.email, address).await? > 0 {
        return Err(CoreError::invalid("current_password", "throttled"));
    }
    if current.chars().count() > password::MAX_LEN
        || !password::verify(current.to_string(), row.password_hash).await?
    {
        throttle::record_failure(db, &row.email, address).await?;
        return Err(CoreError::invalid("current_password", "wrong"));
    }
    Ok(())
}

/// Ends the person's sessions other than `keep`, with its audit row.
pub async fn end_other_sessions(
    db: &Db,
    audit: &AuditLog,
    user_id: UserId,
    keep: &str,
    address: &str,
) -> CoreResult<u64> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let ended = end_others(&mut tx, user_id, keep).await?;
    stage_own(&mut tx, user_id, action::SESSION_END, "others", address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(ended)
}

/// Ends the person's sessions other than `keep`, in the caller's transaction.
async fn end_others(tx: &mut Tx<'_>, user_id: UserId, keep: &str) -> CoreResult<u64> {
    let done = sqlx::query("delete from user_sessions where user_id = $1 and id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// A change to a signed-in person's own credentials.
#[derive(Debug, Clone, Copy)]
pub struct CredentialChange<'a> {
    pub user_id: UserId,
    /// The session making the change; kept when the others are ended.
    pub session_id: &'a str,
    pub address: &'a str,
    pub current_password: &'a str,
    pub end_other_sessions: bool,
}

/// Changes the signed-in person's own password after checking the current one, and
/// ends their other sessions when asked to. The change commits with its audit row; a
/// wrong current password is recorded as a failed change.
pub async fn change_password(
    db: &Db,
    audit: &AuditLog,
    change: CredentialChange<'_>,
    new: &str,
) -> CoreResult<()> {
    let checked =
        verify_current_password(db, change.user_id, change.address, change.current_password).await;
    if let Err(CoreError::Invalid {
        field: "current_password",
        ..
    }) = checked
    {
        let org = contact(db, change.user_id).await?.org_id;
        audit
            .record_event(
                Entry::new(Actor::person(change.user_id, org), action::PASSWORD_CHANGE)
                    .subject(Subject::user(change.user_id, org))
                    .address(change.address)
                    .failed()
                    .detail("current_password"),
            )
            .await?;
    }
    checked?;
    let row = sqlx::query_as::<_, PasswordRow>(
        "select email, name, password_hash from users where id = $1",
    )
    .bind(change.user_id)
    .fetch_one(db)
    .await?;
    let required = second_factor::status(db, change.user_id).await?.required;
    let owner = password::Owner {
        email: &row.email,
        name: &row.name,
    };
    let normalised = password::validate_new(new, min_password_len(required), owner)?;
    let hash = password::hash(normalised).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("update users set password_hash = $1, updated_at = $2 where id = $3")
        .bind(hash)
        .bind(clock::now())
        .bind(change.user_id)
        .execute(&mut *tx)
        .await?;
    if change.end_other_sessions {
        end_others(&mut tx, change.user_id, change.session_id).await?;
    }
    stage_own(
        &mut tx,
        change.user_id,
        action::PASSWORD_CHANGE,
        "",
        change.address,
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// How to write to a person: address, name and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: String,
    pub name: String,
    pub locale: MailLocale,
    pub org_id: OrgId,
}

pub async fn contact(db: &Db, user_id: UserId) -> CoreResult<Contact> {
    let (email, name, locale, org_id): (String, String, String, OrgId) =
        sqlx::query_as("select email, name, locale, org_id from users where id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?
            .ok_or(CoreError::NotFound)?;
    Ok(Contact {
        email,
        name,
        locale: MailLocale::parse(&locale),
        org_id,
    })
}

/// The account an e-mail address names, if any (for naming the subject of a failed
/// sign-in in the audit log; never shown to the person signing in).
pub async fn find_by_email(db: &Db, email: &str) -> CoreResult<Option<(UserId, OrgId)>> {
    let Ok(email) = normalise_email(email) else {
        return Ok(None);
    };
    Ok(
        sqlx::query_as("select id, org_id from users where email = $1")
            .bind(email)
            .fetch_optional(db)
            .await?,
    )
}

/// Remembers the language a person chose in the interface, for mail sent to them.
pub async fn set_mail_locale(db: &Db, user_id: UserId, locale: MailLocale) -> CoreResult<()> {
    sqlx::query("update users set locale = $1 where id = $2")
        .bind(locale.as_str())
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            normalise_email("  Anne@Aarhus.DK ").unwrap(),
            "anne@aarhus.dk"
        );
        for bad in [
            "",
            "anne",
            "anne@",
            "@aarhus.dk",
            "anne@aarhus",
            "an ne@aarhus.dk",
            "a@b@c.dk",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    const PASSWORD: &str = "a long enough test password";

    async fn person() -> (tempfile::TempDir, Db, AuditLog, UserId) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let audit = AuditLog::new(db.clone(), dir.path());
        let org: OrgId = sqlx::query_scalar("select id from organisations order by id limit 1")
            .fetch_one(&db)
            .await
            .expect("org");
        let user = create(
            &db,
            NewUser {
                email: "mette@aarhus.dk".into(),
                name: "Mette Lund".into(),
                org_id: org,
                role: PlatformRole::Member,
                org_admin: false,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("user");
        (dir, db, audit, user)
    }

    async fn staged(db: &Db) -> Vec<(String, String, String)> {
        sqlx::query_as("select action, outcome, detail from audit_staged order by seq")
            .fetch_all(db)
            .await
            .expect("staged rows")
    }

    fn change<'a>(user_id: UserId, current_password: &'a str) -> CredentialChange<'a> {
        CredentialChange {
            user_id,
            session_id: "",
            address: "10.0.0.1",
            current_password,
            end_other_sessions: false,
        }
    }

    #[tokio::test]
    async fn a_password_change_commits_with_its_audit_row() {
        let (_dir, db, audit, user) = person().await;
        change_password(
            &db,
            &audit,
            change(user, PASSWORD),
            "violet harbour lantern morning",
        )
        .await
        .expect("changed");
        assert_eq!(
            staged(&db).await,
            [("password_change".into(), "success".into(), String::new())]
        );
    }

    #[tokio::test]
    async fn a_refused_password_change_is_recorded_as_a_failure_and_changes_nothing() {
        let (_dir, db, audit, user) = person().await;
        let before: Option<String> =
            sqlx::query_scalar("select password_hash from users where id = $1")
                .bind(user)
                .fetch_one(&db)
                .await
                .expect("hash");
        let refused = change_password(
            &db,
            &audit,
            change(user, "not the password"),
            "violet harbour lantern morning",
        )
        .await;
        assert!(
            matches!(
                refused,
                Err(CoreError::Invalid {
                    field: "current_password",
                    reason: "wrong"
                })
            ),
            "{refused:?}"
        );
        let after: Option<String> =
            sqlx::query_scalar("select password_hash from users where id = $1")
                .bind(user)
                .fetch_one(&db)
                .await
                .expect("hash");
        assert_eq!(before, after);
        assert_eq!(
            staged(&db).await,
            [(
                "password_change".into(),
                "failure".into(),
                "current_password".into()
            )]
        );
    }

    #[test]
    fn accounts_with_a_second_factor_get_the_shorter_minimum() {
        assert_eq!(min_password_len(true), 12);
        assert_eq!(min_password_len(false), 15);
    }
}
