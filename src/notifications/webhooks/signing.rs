//! Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256>` of
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the bytes behind a `whsec_` secret.
//! During a rotation's overlap the header carries one signature per live secret, separated by
//! spaces, so a receiver holding either secret verifies.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::foundation::error::{AppError, AppResult};

const PREFIX: &str = "whsec_";
/// Key bytes of a new secret (the spec asks for 24 to 64).
const KEY_BYTES: usize = 32;

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> AppResult<String> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| AppError::internal(format!("random webhook secret: {e}")))?;
    Ok(format!("{PREFIX}{}", STANDARD.encode(key)))
}

/// `v1,<signature>` of one message with one secret.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> AppResult<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
        .map_err(|e| AppError::internal(format!("webhook secret is not base64: {e}")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(AppError::internal)?;
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: a signature per secret, space-separated.
pub fn header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    message_id: &str,
    timestamp: i64,
    body: &str,
) -> AppResult<String> {
    let signatures = secrets
        .into_iter()
        .map(|secret| sign(secret, message_id, timestamp, body))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (and its reference libraries).
    #[test]
    fn signs_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body).expect("signs");
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_carry_32_random_bytes() {
        let (a, b) = (new_secret().expect("secret"), new_secret().expect("secret"));
        assert_ne!(a, b);
        let key = STANDARD
            .decode(a.strip_prefix(PREFIX).expect("prefixed"))
            .expect("base64");
        assert_eq!(key.len(), KEY_BYTES);
    }
}
