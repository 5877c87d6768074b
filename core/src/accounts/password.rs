//! Passwords: the rules a new password must meet (NIST SP 800-63B: length, not
//! composition), and Argon2id hashing with the OWASP parameters. Hashing is CPU-bound,
//! so callers run it on a blocking thread through the async wrappers here.

use crate::error::{CoreError, CoreResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
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

/// Checks a new password against the rules; `min_len` depends on the account's
/// second-factor requirement.
pub fn validate_new(password: &str, min_len: usize) -> CoreResult<String> {
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
        let hashed = hash(validate_new(composed, 12).unwrap()).await.unwrap();
        assert!(
            verify("sikker adgangskode æøå fi".into(), Some(hashed))
                .await
                .unwrap()
        );
    }

    #[test]
    fn short_and_overlong_passwords_are_refused_with_the_reason() {
        assert!(matches!(
            validate_new("fourteen chars", 15),
            Err(CoreError::Invalid {
                field: "password",
                reason: "too_short_15"
            })
        ));
        assert!(validate_new("fifteen chars!!", 15).is_ok());
        assert!(matches!(
            validate_new("elevenchars", 12),
            Err(CoreError::Invalid {
                field: "password",
                reason: "too_short_12"
            })
        ));
        let long = "x".repeat(MAX_LEN + 1);
        assert!(matches!(
            validate_new(&long, 12),
            Err(CoreError::Invalid {
                field: "password",
                reason: "too_long"
            })
        ));
        assert!(validate_new(&"x".repeat(MAX_LEN), 12).is_ok());
    }
}
