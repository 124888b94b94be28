//! HS256 access tokens. The decoder pins the algorithm and requires exp, iss, aud and sub.

use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::foundation::entities::users::{self, Role};
use crate::foundation::{
    error::{AppError, AppResult},
    identity::AuthUser,
};

pub const ISSUER: &str = "smartsave";
pub const AUDIENCE: &str = "smartsave-api";
/// Clock skew tolerated between instances, far below jsonwebtoken's 60 s default.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    email: String,
    role: String,
    iat: i64,
    exp: i64,
    iss: String,
    aud: String,
    jti: Uuid,
    /// The session (refresh-token family) the token was issued for; absent in tokens issued
    /// before sessions were listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<Uuid>,
}

/// Issues and verifies access tokens with one secret, and knows how long sessions last.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl TokenService {
    pub fn new(secret: &SecretString, access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let secret = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        TokenService {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
            refresh_ttl,
        }
    }

    /// How long a refresh token (a session between refreshes) stays valid.
    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    /// Lifetime of an access token in seconds (`expiresIn`).
    pub fn access_ttl_secs(&self) -> i64 {
        i64::try_from(self.access_ttl.as_secs()).unwrap_or(i64::MAX)
    }

    /// An access token for `user` in the session `session_id`.
    pub fn issue(&self, user: &users::Model, session_id: Uuid) -> AppResult<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            email: user.email.clone(),
            role: role_name(user.role).to_owned(),
            iat: now,
            exp: now.saturating_add(self.access_ttl_secs()),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            jti: Uuid::now_v7(),
            sid: Some(session_id),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(AppError::internal)
    }

    /// The caller a token names, or `None` for any token that is not ours and current.
    pub fn verify(&self, token: &str) -> Option<AuthUser> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let role = match data.claims.role.as_str() {
            "user" => Role::User,
            "admin" => Role::Admin,
            _ => return None,
        };
        Some(AuthUser {
            id: data.claims.sub,
            email: data.claims.email,
            role,
            expires_at: data.claims.exp,
            session_id: data.claims.sid,
        })
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Admin => "admin",
    }
}
