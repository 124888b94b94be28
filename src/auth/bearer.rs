//! The caller a request names with `Authorization: Bearer <token>`, for every entry point:
//! GraphQL over HTTP, the WebSocket's `connection_init`, and plain HTTP downloads.

use axum::http::{HeaderMap, header};

use crate::{auth::TokenService, foundation::identity::RequestAuth};

/// The token of an `Authorization`-style value, "Bearer <token>" (scheme case-insensitive).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller named by `Authorization: Bearer <token>`. A header that is present but not a
/// valid, current token is `Invalid`, never anonymous.
pub fn caller(headers: &HeaderMap, tokens: &TokenService) -> RequestAuth {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return RequestAuth::Anonymous;
    };
    match value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .and_then(|t| tokens.verify(t))
    {
        Some(user) => RequestAuth::User(user),
        None => RequestAuth::Invalid,
    }
}
