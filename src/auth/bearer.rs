//! The caller a request names with `Authorization: Bearer <token>`, for every entry point:
//! GraphQL over HTTP, the WebSocket's `connection_init`, and plain HTTP downloads.

use axum::http::{HeaderMap, header};

use crate::{
    auth::{TokenService, liveness::Liveness},
    foundation::identity::{AuthUser, RequestAuth},
};

/// The token of an `Authorization`-style value, "Bearer <token>" (scheme case-insensitive).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller a token names, if it is ours, current, and its account and session still stand.
pub fn verify(token: &str, tokens: &TokenService, liveness: &Liveness) -> Option<AuthUser> {
    tokens.verify(token).filter(|user| liveness.is_live(user))
}

/// The caller named by `Authorization: Bearer <token>`. A header that is present but not a
/// valid, current token of a live session is `Invalid`, never anonymous.
pub fn caller(headers: &HeaderMap, tokens: &TokenService, liveness: &Liveness) -> RequestAuth {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return RequestAuth::Anonymous;
    };
    match value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .and_then(|token| verify(token, tokens, liveness))
    {
        Some(user) => RequestAuth::User(user),
        None => RequestAuth::Invalid,
    }
}
