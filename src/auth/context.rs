//! The caller of a request, decoded once by the HTTP handler and read by resolvers.

use async_graphql::Context;
use uuid::Uuid;

use crate::{
    app::AppState,
    entities::users::Role,
    error::{AppError, AppResult},
    graphql::loaders::Loaders,
};

/// An authenticated caller, from a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// When the access token expires (seconds since the epoch); ends long-lived subscriptions.
    pub expires_at: i64,
}

/// What the request's `Authorization` header said.
#[derive(Debug, Clone)]
pub enum RequestAuth {
    /// No header: only public operations (register, login, refresh) are allowed.
    Anonymous,
    User(AuthUser),
    /// A header was sent but is not a valid, current token. Never read as anonymous.
    Invalid,
}

/// The token of an `Authorization`-style value, "Bearer <token>" (scheme case-insensitive).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub trait ContextExt {
    /// Shared services (database, token issuer, configuration).
    fn state(&self) -> AppResult<&AppState>;
    /// The caller, or UNAUTHENTICATED. Every non-public resolver calls this first.
    fn auth_user(&self) -> AppResult<&AuthUser>;
    /// The caller's per-request DataLoaders.
    fn loaders(&self) -> AppResult<&Loaders>;
    /// Both of the above, for the common case.
    fn authenticated(&self) -> AppResult<(&AppState, &AuthUser)> {
        Ok((self.state()?, self.auth_user()?))
    }
}

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data::<AppState>()
            .map_err(|_| AppError::internal("AppState missing from schema data"))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.auth_user()?;
        self.data::<Loaders>()
            .map_err(|_| AppError::internal("Loaders missing from request data"))
    }

    fn auth_user(&self) -> AppResult<&AuthUser> {
        match self.data::<RequestAuth>() {
            Ok(RequestAuth::User(user)) => Ok(user),
            Ok(RequestAuth::Invalid) => Err(AppError::Unauthenticated("Invalid or expired access token")),
            Ok(RequestAuth::Anonymous) | Err(_) => Err(AppError::Unauthenticated("Authentication required")),
        }
    }
}
