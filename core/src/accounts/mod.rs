//! Accounts: people, their status and platform role, signing in and changing a password.
//! Sign-in never tells an unknown e-mail from a wrong password, in words or in time.

pub mod password;
pub mod sessions;
pub mod throttle;

use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::PlatformRole;
use serde::{Deserialize, Serialize};

/// Longest e-mail address accepted (RFC 5321 path limit).
const MAX_EMAIL_LEN: usize = 254;
const MAX_NAME_LEN: usize = 200;

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

/// Admins, analysts and coordinators must use a second factor (DESIGN §3 A), which also
/// sets their shorter minimum password length.
pub fn requires_second_factor(role: PlatformRole) -> bool {
    role != PlatformRole::Member
}

/// The minimum password length for an account with this role.
pub fn min_password_len(role: PlatformRole) -> usize {
    if requires_second_factor(role) {
        password::MIN_LEN_WITH_SECOND_FACTOR
    } else {
        password::MIN_LEN_SINGLE_FACTOR
    }
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

fn validate_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CoreError::invalid("name", "required"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(CoreError::invalid("name", "too_long"));
    }
    Ok(name.to_string())
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
    let name = validate_name(&new.name)?;
    let password = password::validate_new(&new.password, min_password_len(new.role))?;
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
    SignedIn(UserId),
    Refused,
    Throttled { wait_secs: i64 },
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    id: UserId,
    status: String,
    password_hash: Option<String>,
}

/// Checks e-mail and password, applying the throttle for the account and the address.
pub async fn sign_in(
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
            throttle::record_success(db, &email, address).await?;
            Ok(SignInOutcome::SignedIn(row.id))
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
    platform_role: String,
    password_hash: Option<String>,
}

/// Changes the signed-in user's own password after checking the current one, and ends
/// the user's other sessions. Wrong current passwords count towards the throttle.
pub async fn change_password(
    db: &Db,
    user_id: UserId,
    keep_session: &str,
    address: &str,
    current: &str,
    new: &str,
) -> CoreResult<()> {
    let row = sqlx::query_as::<_, PasswordRow>(
        "select email, platform_role, password_hash from users where id = $1 and status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    let role = PlatformRole::parse(&row.platform_role)
        .ok_or_else(|| CoreError::Internal(format!("unknown role {}", row.platform_role)))?;
    if throttle::seconds_to_wait(db, &row.email, address).await? > 0 {
        return Err(CoreError::invalid("current_password", "throttled"));
    }
    if current.chars().count() > password::MAX_LEN
        || !password::verify(current.to_string(), row.password_hash).await?
    {
        throttle::record_failure(db, &row.email, address).await?;
        return Err(CoreError::invalid("current_password", "wrong"));
    }
    let normalised = password::validate_new(new, min_password_len(role))?;
    let hash = password::hash(normalised).await?;
    let mut tx = db.begin().await?;
    sqlx::query("update users set password_hash = $1, updated_at = $2 where id = $3")
        .bind(hash)
        .bind(clock::now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from user_sessions where user_id = $1 and id <> $2")
        .bind(user_id)
        .bind(keep_session)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
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

    #[test]
    fn roles_with_a_second_factor_get_the_shorter_minimum() {
        assert_eq!(min_password_len(PlatformRole::Admin), 12);
        assert_eq!(min_password_len(PlatformRole::Analyst), 12);
        assert_eq!(min_password_len(PlatformRole::Coordinator), 12);
        assert_eq!(min_password_len(PlatformRole::Member), 15);
    }
}
