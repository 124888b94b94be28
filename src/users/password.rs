//! Argon2id hashing (the crate's defaults are OWASP's: m=19 MiB, t=2, p=1), always on the
//! blocking pool so a login storm cannot stall the async workers.

use std::sync::LazyLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};

use crate::foundation::error::{AppError, AppResult};

/// Hashes at once, at most: each takes 19 MiB and a core for tens of milliseconds, so an
/// unbounded login storm would exhaust memory (measured: 946 MB RSS) and starve every other
/// request of CPU. One core is left to everything else (at least one hash runs): with one
/// hash per core, a storm took both cores of a 2-core server and the dashboard's p99 under it
/// grew 2.24x (BENCHMARKS.md, run 12). Extra attempts queue here instead.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
});

/// Verified against when an email is unknown, so the response time does not reveal
/// which emails have accounts.
static DUMMY_HASH: LazyLock<Result<String, String>> =
    LazyLock::new(|| hash_blocking("not-a-real-password-0").map_err(|e| e.to_string()));

pub async fn hash(password: SecretString) -> AppResult<String> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || hash_blocking(password.expose_secret())).await?
}

/// True when `password` matches `stored`. With no stored hash it burns the same time on a
/// dummy hash and returns false.
pub async fn verify(password: SecretString, stored: Option<String>) -> AppResult<bool> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let (hash, is_real) = match stored {
            Some(hash) => (hash, true),
            None => (DUMMY_HASH.clone().map_err(AppError::internal)?, false),
        };
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        let matches = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        Ok(matches && is_real)
    })
    .await?
}

/// Computes the dummy hash up front, so the first unknown-email login is not slower.
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).is_ok()).await;
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_own_password() {
        let hash = hash("Correct1horse".to_owned().into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            verify("Correct1horse".to_owned().into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !verify("Wrong1horse".to_owned().into(), Some(hash))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn unknown_users_never_verify_even_with_the_dummy_password() {
        assert!(
            !verify("not-a-real-password-0".to_owned().into(), None)
                .await
                .expect("verify")
        );
    }

    #[test]
    fn dummy_hash_uses_the_same_parameters_as_real_hashes() {
        let dummy = DUMMY_HASH.clone().expect("dummy hash");
        assert!(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{dummy}");
    }
}
