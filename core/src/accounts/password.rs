//! Passwords: the rules a new password must meet (NIST SP 800-63B: length, not
//! composition; not a common password; not built from the person's own e-mail or
//! name), and Argon2id hashing with the OWASP parameters. Hashing is CPU-bound,
//! so callers run it on a blocking thread through the async wrappers here.

use crate::error::{CoreError, CoreResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// Longest password accepted, in characters; longer input is refused before hashing so
/// that it cannot be used to burn CPU.
pub const MAX_LEN: usize = 1024;
/// Shortest password for accounts that must use a second factor.
pub const MIN_LEN_WITH_SECOND_FACTOR: usize = 12;
/// Shortest password for accounts that sign in with a password alone.
pub const MIN_LEN_SINGLE_FACTOR: usize = 15;

fn argon2() -> Argon2<'static> {
    // OWASP: Argon2id, m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("BUG: constant Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// NFKC-normalised form, so that the same password typed on another keyboard matches.
pub fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

/// Django's list of 19,640 common passwords (BSD-3-Clause; source and licence in
/// `core/data/common-passwords.LICENSE`), lower-case, one per line.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Parts of a name shorter than this are too common to forbid (e.g. "Bo", "Ida").
const MIN_NAME_PART_LEN: usize = 4;

/// Who the password is for: a password may not contain their e-mail's local part or any
/// part of their name of 4 or more characters.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub email: &'a str,
    pub name: &'a str,
}

/// Checks a new password against the rules and returns its normalised form; `min_len`
/// depends on the account's second-factor requirement. The error's reason names the
/// rule that failed.
pub fn validate_new(password: &str, min_len: usize, owner: Owner<'_>) -> CoreResult<String> {
    let normalised = normalise(password);
    let len = normalised.chars().count();
    if len > MAX_LEN {
        return Err(CoreError::invalid("password", "too_long"));
    }
    if len < min_len {
        return Err(CoreError::invalid(
            "password",
            if min_len >= MIN_LEN_SINGLE_FACTOR {
                "too_short_15"
            } else {
                "too_short_12"
            },
        ));
    }
    let lower = normalised.to_lowercase();
    if COMMON.contains(lower.trim()) {
        return Err(CoreError::invalid("password", "common"));
    }
    let local_part = owner.email.split('@').next().unwrap_or_default().trim();
    if !local_part.is_empty() && lower.contains(&normalise(local_part).to_lowercase()) {
        return Err(CoreError::invalid("password", "contains_email"));
    }
    let name = normalise(owner.name).to_lowercase();
    let name_used = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| part.chars().count() >= MIN_NAME_PART_LEN)
        .any(|part| lower.contains(part));
    if name_used {
        return Err(CoreError::invalid("password", "contains_name"));
    }
    Ok(normalised)
}

fn hash_blocking(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("argon2 hash: {e}")))
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the e-mail is unknown so that a
/// failed sign-in costs the same time either way.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking("dummy password that nobody has").expect("BUG: hashing a constant")
});

/// Hashes an already validated (normalised) password.
pub async fn hash(password: String) -> CoreResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| CoreError::Internal(format!("hash task: {e}")))?
}

/// Verifies a typed password against a stored hash; with `None`, verifies against a
/// dummy hash and returns false.
pub async fn verify(password: String, stored: Option<String>) -> CoreResult<bool> {
    tokio::task::spawn_blocking(move || {
        let normalised = normalise(&password);
        match stored {
            Some(stored) => verify_blocking(&normalised, &stored),
            None => {
                verify_blocking(&normalised, &DUMMY_HASH);
                false
            }
        }
    })
    .await
    .map_err(|e| CoreError::Internal(format!("verify task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hashed = hash("correct horse battery staple".into()).await.unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("correct horse battery staple".into(), Some(hashed.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("correct horse battery stapler".into(), Some(hashed))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything at all here".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn passwords_typed_in_another_unicode_form_still_match() {
        let composed = "sikker adgangskode æøå ﬁ";
        let hashed = hash(validate_new(composed, 12, NOBODY).unwrap())
            .await
            .unwrap();
        assert!(
            verify("sikker adgangskode æøå fi".into(), Some(hashed))
                .await
                .unwrap()
        );
    }

    const NOBODY: Owner<'static> = Owner {
        email: "nobody@example.dk",
        name: "",
    };

    fn reason(password: &str, min_len: usize, owner: Owner<'_>) -> Option<&'static str> {
        match validate_new(password, min_len, owner) {
            Ok(_) => None,
            Err(CoreError::Invalid { reason, .. }) => Some(reason),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(COMMON.len() > 19_000);
        assert_eq!(reason("1q2w3e4r5t6y7u8i", 12, NOBODY), Some("common"));
        assert_eq!(reason("123456789987654321", 12, NOBODY), Some("common"));
        assert_eq!(reason("QwertyQwerty", 12, NOBODY), Some("common"));
        assert_eq!(reason("violet harbour lantern", 12, NOBODY), None);
    }

    #[test]
    fn passwords_built_from_the_owners_email_or_name_are_refused() {
        let owner = Owner {
            email: "mette.lund@aarhus.dk",
            name: "Mette Bo Lundgaard",
        };
        assert_eq!(
            reason("xx-Mette.Lund-2026!", 12, owner),
            Some("contains_email")
        );
        assert_eq!(
            reason("violet METTE harbour", 12, owner),
            Some("contains_name")
        );
        assert_eq!(
            reason("lundgaard violet harbour", 12, owner),
            Some("contains_name")
        );
        // "Bo" is shorter than four characters, so it may appear.
        assert_eq!(reason("violet bo harbour lantern", 12, owner), None);
    }

    #[test]
    fn short_and_overlong_passwords_are_refused_with_the_reason() {
        assert!(matches!(
            validate_new("fourteen chars", 15, NOBODY),
            Err(CoreError::Invalid {
                field: "password",
                reason: "too_short_15"
            })
        ));
        assert!(validate_new("fifteen chars!!", 15, NOBODY).is_ok());
        assert!(matches!(
            validate_new("elevenchars", 12, NOBODY),
            Err(CoreError::Invalid {
                field: "password",
                reason: "too_short_12"
            })
        ));
        let long = "x".repeat(MAX_LEN + 1);
        assert!(matches!(
            validate_new(&long, 12, NOBODY),
            Err(CoreError::Invalid {
                field: "password",
                reason: "too_long"
            })
        ));
        assert!(validate_new(&"x".repeat(MAX_LEN), 12, NOBODY).is_ok());
    }
}
