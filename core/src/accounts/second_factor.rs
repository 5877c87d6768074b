//! The second factor: TOTP codes (RFC 6238, 30-second steps, one step of clock skew
//! either way) and ten single-use recovery codes. A TOTP code is accepted once: the
//! step it matched is stored, and only a later step is accepted after it. Wrong codes
//! count toward the same per-account throttle as wrong passwords.

use super::throttle;
use crate::audit::{Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::policy::PlatformRole;
use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// The issuer authenticator apps show next to the account.
pub const ISSUER: &str = "Værn";
/// How many recovery codes a person gets at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;
const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
/// Letters and digits that cannot be mistaken for each other when copied by hand.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_LEN: usize = 10;

/// Admins, analysts and coordinators must use a second factor; members must when their
/// organisation requires it (DESIGN §3 A).
pub fn required(role: PlatformRole, org_requires: bool) -> bool {
    role != PlatformRole::Member || org_requires
}

/// A fresh 160-bit secret, base32 as authenticator apps expect it.
pub fn new_secret() -> String {
    match Secret::generate_secret().to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => unreachable!("to_encoded returns the encoded form"),
    }
}

fn totp(secret: &str, account: &str) -> CoreResult<TOTP> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|_| CoreError::invalid("secret", "malformed"))?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECS,
        bytes,
        Some(ISSUER.to_string()),
        account.replace(':', ""),
    )
    .map_err(|_| CoreError::invalid("secret", "malformed"))
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &str, email: &str) -> CoreResult<String> {
    Ok(totp(secret, email)?.get_url())
}

/// The URI as a QR code in SVG, rendered on the server so the page needs no script.
pub fn qr_svg(uri: &str) -> CoreResult<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| CoreError::Internal(format!("qr code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// The code for `secret` at `unix_secs`; for tests and the demo printout.
pub fn code_at(secret: &str, unix_secs: i64) -> CoreResult<String> {
    Ok(totp(secret, "")?.generate(unix_secs.max(0) as u64))
}

/// What a person typed into the code field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Totp(String),
    Recovery(String),
}

/// Reads a typed code, ignoring spaces and dashes: six digits are a TOTP code, ten
/// letters and digits a recovery code; anything else is `malformed`.
pub fn parse_code(input: &str) -> CoreResult<Code> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase();
    if compact.is_empty() {
        return Err(CoreError::invalid("code", "required"));
    }
    if compact.len() == DIGITS && compact.chars().all(|c| c.is_ascii_digit()) {
        return Ok(Code::Totp(compact));
    }
    if compact.len() == RECOVERY_LEN && compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(Code::Recovery(compact));
    }
    Err(CoreError::invalid("code", "malformed"))
}

/// The time step within one step of `now` whose code is `code`, if any.
fn matching_step(totp: &TOTP, code: &str, now: i64) -> Option<i64> {
    let current = now / STEP_SECS as i64;
    (current - 1..=current + 1).find(|step| {
        let expected = totp.generate((step * STEP_SECS as i64).max(0) as u64);
        constant_time_eq(expected.as_bytes(), code.as_bytes())
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn recovery_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

fn new_recovery_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_LEN)
        .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
        .collect()
}

/// A recovery code as shown: two groups of five.
fn display_recovery_code(code: &str) -> String {
    format!(
        "{}-{}",
        &code[..RECOVERY_LEN / 2],
        &code[RECOVERY_LEN / 2..]
    )
}

/// Replaces the user's recovery codes with fresh ones and returns them for showing once.
async fn replace_recovery_codes(
    tx: &mut sqlx::SqliteConnection,
    user_id: UserId,
) -> CoreResult<Vec<String>> {
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let mut shown = Vec::with_capacity(RECOVERY_CODE_COUNT);
    for _ in 0..RECOVERY_CODE_COUNT {
        let code = new_recovery_code();
        sqlx::query("insert into recovery_codes (user_id, code_hash) values ($1, $2)")
            .bind(user_id)
            .bind(recovery_hash(&code))
            .execute(&mut *tx)
            .await?;
        shown.push(display_recovery_code(&code));
    }
    Ok(shown)
}

/// Where a person stands with the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub enrolled: bool,
    pub required: bool,
    pub recovery_codes_left: i64,
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    platform_role: String,
    org_requires: bool,
    enrolled: bool,
    codes_left: i64,
}

pub async fn status(db: &Db, user_id: UserId) -> CoreResult<Status> {
    let row = sqlx::query_as::<_, StatusRow>(
        "select u.platform_role, o.require_second_factor as org_requires, \
         u.totp_secret is not null as enrolled, \
         (select count(*) from recovery_codes r where r.user_id = u.id and r.used_at is null) \
         as codes_left \
         from users u join organisations o on o.id = u.org_id where u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    let role = PlatformRole::from_stored(&row.platform_role)?;
    Ok(Status {
        enrolled: row.enrolled,
        required: required(role, row.org_requires),
        recovery_codes_left: row.codes_left,
    })
}

/// An enrolment: the secret the person's authenticator app was shown, and a code from
/// the app to prove it has it.
#[derive(Debug, Clone, Copy)]
pub struct Enrolment<'a> {
    pub user_id: UserId,
    pub secret: &'a str,
    pub code: &'a str,
    /// The session to keep when the person's other sessions are to end with it.
    pub keep_only: Option<&'a str>,
}

/// Stores the secret as the user's second factor once the code proves the authenticator
/// has it, and returns fresh recovery codes to show once. Replaces any earlier factor.
pub async fn enrol(
    db: &Db,
    audit: &AuditLog,
    enrolment: Enrolment<'_>,
    address: &str,
) -> CoreResult<Vec<String>> {
    let Enrolment {
        user_id,
        secret,
        code,
        keep_only,
    } = enrolment;
    let Code::Totp(code) = parse_code(code)? else {
        return Err(CoreError::invalid("code", "malformed"));
    };
    let step = matching_step(&totp(secret, "")?, &code, clock::now())
        .ok_or(CoreError::invalid("code", "wrong"))?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let updated = sqlx::query(
        "update users set totp_secret = $1, totp_last_step = $2, updated_at = $3 \
         where id = $4 and status <> 'disabled'",
    )
    .bind(secret)
    .bind(step)
    .bind(clock::now())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(CoreError::NotFound);
    }
    let codes = replace_recovery_codes(&mut tx, user_id).await?;
    super::stage_own(&mut tx, user_id, action::SECOND_FACTOR_ENROL, "", address).await?;
    if let Some(keep) = keep_only {
        super::end_others(&mut tx, user_id, keep).await?;
    }
    tx.commit().await?;
    audit.chain_soon();
    Ok(codes)
}

/// Sets a known secret without a code, for the demo accounts whose secrets are
/// published; no code has been used yet.
pub(crate) async fn install(db: &Db, user_id: UserId, secret: &str) -> CoreResult<()> {
    totp(secret, "")?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("update users set totp_secret = $1, totp_last_step = null where id = $2")
        .bind(secret)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    replace_recovery_codes(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// New recovery codes for an enrolled user; the old ones stop working.
pub async fn renew_recovery_codes(
    db: &Db,
    audit: &AuditLog,
    user_id: UserId,
    address: &str,
) -> CoreResult<Vec<String>> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let enrolled: Option<bool> =
        sqlx::query_scalar("select totp_secret is not null from users where id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    if enrolled != Some(true) {
        return Err(CoreError::invalid("code", "not_enrolled"));
    }
    let codes = replace_recovery_codes(&mut tx, user_id).await?;
    super::stage_own(&mut tx, user_id, action::RECOVERY_CODES_RENEW, "", address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(codes)
}

/// Removes the user's second factor and recovery codes, in the caller's transaction.
/// Callers decide who may: the person (only when not required, see `turn_off`) or an
/// admin resetting it.
pub(crate) async fn remove(tx: &mut Tx<'_>, user_id: UserId) -> CoreResult<()> {
    sqlx::query(
        "update users set totp_secret = null, totp_last_step = null, updated_at = $1 \
         where id = $2",
    )
    .bind(clock::now())
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The person turns their own second factor off; refused while it is required. With
/// `keep_only`, their other sessions end with it.
pub async fn turn_off(
    db: &Db,
    audit: &AuditLog,
    user_id: UserId,
    keep_only: Option<&str>,
    address: &str,
) -> CoreResult<()> {
    if status(db, user_id).await?.required {
        return Err(CoreError::invalid("second_factor", "required"));
    }
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    remove(&mut tx, user_id).await?;
    super::stage_own(&mut tx, user_id, action::SECOND_FACTOR_OFF, "", address).await?;
    if let Some(keep) = keep_only {
        super::end_others(&mut tx, user_id, keep).await?;
    }
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// What checking a sign-in code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeOutcome {
    Accepted,
    Refused,
    Throttled { wait_secs: i64 },
}

#[derive(sqlx::FromRow)]
struct FactorRow {
    email: String,
    totp_secret: Option<String>,
    totp_last_step: Option<i64>,
}

/// Checks the second step of a sign-in: a TOTP code not used before, or an unused
/// recovery code (which is then used up). Wrong codes count toward the throttle of the
/// account and the address; a malformed code is an `Invalid` error and counts nothing.
/// A refused or throttled code is recorded in the audit log as a failed sign-in.
pub async fn verify_sign_in_code(
    db: &Db,
    audit: &AuditLog,
    user_id: UserId,
    input: &str,
    address: &str,
) -> CoreResult<CodeOutcome> {
    let outcome = check_sign_in_code(db, user_id, input, address).await?;
    let detail = match outcome {
        CodeOutcome::Accepted => return Ok(outcome),
        CodeOutcome::Refused => "code",
        CodeOutcome::Throttled { .. } => "throttled",
    };
    let org = super::contact(db, user_id).await?.org_id;
    audit
        .record_event(
            Entry::new(Actor::nobody(), action::SIGN_IN)
                .subject(Subject::user(user_id, org))
                .address(address)
                .failed()
                .detail(detail),
        )
        .await?;
    Ok(outcome)
}

async fn check_sign_in_code(
    db: &Db,
    user_id: UserId,
    input: &str,
    address: &str,
) -> CoreResult<CodeOutcome> {
    let row = sqlx::query_as::<_, FactorRow>(
        "select email, totp_secret, totp_last_step from users \
         where id = $1 and status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(CodeOutcome::Refused);
    };
    let wait_secs = throttle::seconds_to_wait(db, &row.email, address).await?;
    if wait_secs > 0 {
        return Ok(CodeOutcome::Throttled { wait_secs });
    }
    let accepted = match (parse_code(input)?, row.totp_secret) {
        (Code::Totp(code), Some(secret)) => {
            match matching_step(&totp(&secret, "")?, &code, clock::now()) {
                Some(step) if row.totp_last_step.is_none_or(|last| step > last) => {
                    // Conditional, so two requests racing with one code cannot both win.
                    sqlx::query(
                        "update users set totp_last_step = $1 where id = $2 \
                         and (totp_last_step is null or totp_last_step < $1)",
                    )
                    .bind(step)
                    .bind(user_id)
                    .execute(db)
                    .await?
                    .rows_affected()
                        == 1
                }
                _ => false,
            }
        }
        (Code::Recovery(code), Some(_)) => {
            sqlx::query(
                "update recovery_codes set used_at = $1 \
                 where user_id = $2 and code_hash = $3 and used_at is null",
            )
            .bind(clock::now())
            .bind(user_id)
            .bind(recovery_hash(&code))
            .execute(db)
            .await?
            .rows_affected()
                == 1
        }
        (_, None) => false,
    };
    if accepted {
        throttle::record_success(db, &row.email, address).await?;
        Ok(CodeOutcome::Accepted)
    } else {
        throttle::record_failure(db, &row.email, address).await?;
        Ok(CodeOutcome::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_without_spaces_or_dashes() {
        assert_eq!(
            parse_code(" 123 456 ").unwrap(),
            Code::Totp("123456".into())
        );
        assert_eq!(
            parse_code("ABCDE-fghjk").unwrap(),
            Code::Recovery("abcdefghjk".into())
        );
        for (bad, reason) in [
            ("", "required"),
            ("   ", "required"),
            ("12345", "malformed"),
            ("1234567", "malformed"),
            ("12345a", "malformed"),
            ("abcde-fghj", "malformed"),
            ("abcde/fghjk", "malformed"),
        ] {
            assert!(
                matches!(parse_code(bad), Err(CoreError::Invalid { field: "code", reason: r }) if r == reason),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_code_matches_its_own_step_and_one_either_side_only() {
        let secret = new_secret();
        let totp = totp(&secret, "").unwrap();
        let now = 1_800_000_000;
        let step = now / 30;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&totp, &code, now), Some(step));
        assert_eq!(matching_step(&totp, &code, now + 30), Some(step));
        assert_eq!(matching_step(&totp, &code, now - 30), Some(step));
        assert_eq!(matching_step(&totp, &code, now + 60), None);
        assert_eq!(matching_step(&totp, "000000x", now), None);
    }

    #[test]
    fn recovery_codes_are_ten_unambiguous_characters_shown_in_two_groups() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 10);
        assert!(code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
        let shown = display_recovery_code(&code);
        assert_eq!(parse_code(&shown).unwrap(), Code::Recovery(code));
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_account_and_the_qr_code_is_svg() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "anne@aarhus.dk").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/V%C3%A6rn:anne%40aarhus.dk?secret="),
            "{uri}"
        );
        assert!(uri.contains("issuer=V%C3%A6rn"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg"), "{}", &svg[..80.min(svg.len())]);
    }

    #[test]
    fn only_members_of_organisations_without_the_requirement_may_go_without() {
        assert!(!required(PlatformRole::Member, false));
        assert!(required(PlatformRole::Member, true));
        for role in [
            PlatformRole::Admin,
            PlatformRole::Analyst,
            PlatformRole::Coordinator,
        ] {
            assert!(required(role, false));
        }
    }
}
