//! Local account passwords: argon2id hashes, and the rules a new password must meet.
//!
//! Hashing is deliberately slow (argon2id with the crate's defaults: 19 MiB, 2 passes, as
//! OWASP recommends), so it runs on the blocking pool, never on a runtime thread.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use super::AuthError;
use crate::domain::phrases;

/// Shortest password accepted. Length is what makes a password strong; no composition rules.
pub const MIN_CHARS: usize = 10;
/// Longest password accepted, so that hashing cannot be made arbitrarily expensive.
pub const MAX_CHARS: usize = 256;

/// Refuses a new password that is too short or too long, with a sentence saying which.
pub fn check_new(password: &str) -> Result<(), AuthError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(AuthError::Invalid {
            field: "password",
            why: phrases::PASSWORD_TOO_SHORT.with("min", MIN_CHARS),
        });
    }
    if chars > MAX_CHARS {
        return Err(AuthError::Invalid {
            field: "password",
            why: phrases::PASSWORD_TOO_LONG.with("max", MAX_CHARS),
        });
    }
    Ok(())
}

/// The PHC string (`$argon2id$v=19$...`) of `password` with a fresh random salt.
pub async fn hash(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AuthError::Internal(e.into()))?
}

/// The same, for the command line, which has no runtime to spare.
pub fn hash_blocking(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// True when `password` matches `stored`. With no stored hash (unknown user, account without a
/// password) it still spends the time of one verification, so the answer's timing does not
/// tell whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored_or_dummy = stored.as_deref().unwrap_or_else(|| dummy_hash());
        let matches = match PasswordHash::new(stored_or_dummy) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        };
        matches && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not a password anyone has").expect("argon2 hashes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(stored)).await);
        assert!(!verify("anything".into(), None).await);
    }

    #[test]
    fn short_and_overlong_passwords_are_refused() {
        assert!(check_new("123456789").is_err());
        assert!(check_new("1234567890").is_ok());
        assert!(check_new(&"x".repeat(257)).is_err());
    }
}
