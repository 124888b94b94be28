//! Random bearer secrets (refresh tokens, mailed tokens, recovery codes) and the one-way
//! hash that is all the database ever stores of them. SHA-256 suffices: a 256-bit random
//! token cannot be guessed, so the slow password hash would buy nothing.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::foundation::error::{AppError, AppResult};

/// Hex SHA-256 of `secret`.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `n` random bytes.
pub fn random_bytes<const N: usize>() -> AppResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    Ok(bytes)
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn generate() -> AppResult<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_random_bits_and_hashes_are_hex_sha256() {
        let a = generate().expect("token");
        let b = generate().expect("token");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        let h = hash(&a);
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(h, a);
    }
}
