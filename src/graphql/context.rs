//! What a resolver reads from its context: the shared services the schema was built with,
//! the caller the edge decoded, and the caller's per-request loaders.

use std::any::{Any, type_name};

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::{
    foundation::{
        error::{AppError, AppResult},
        identity::{AuthUser, RequestAuth},
    },
    graphql::{combined::CombinedReads, loaders::Loaders},
};

pub trait ContextExt {
    /// A service the schema was built with (the database, the event bus, the token issuer).
    fn shared<T: Any + Send + Sync>(&self) -> AppResult<&T>;
    /// The database connection pool.
    fn db(&self) -> AppResult<&DatabaseConnection> {
        self.shared::<DatabaseConnection>()
    }
    /// The caller, or UNAUTHENTICATED. Every non-public resolver calls this first.
    fn auth_user(&self) -> AppResult<&AuthUser>;
    /// The caller's per-request DataLoaders.
    fn loaders(&self) -> AppResult<&Loaders>;
    /// The caller's reads of whole rows, combined with the request's other reads into one
    /// statement where they run side by side (`graphql::combined`).
    fn reads(&self) -> AppResult<CombinedReads> {
        Ok(CombinedReads::of(self.loaders()?))
    }
    /// The database and the caller, for the common case.
    fn authenticated(&self) -> AppResult<(&DatabaseConnection, &AuthUser)> {
        let caller = self.auth_user()?;
        Ok((self.db()?, caller))
    }
}

impl ContextExt for Context<'_> {
    fn shared<T: Any + Send + Sync>(&self) -> AppResult<&T> {
        self.data::<T>()
            .map_err(|_| AppError::internal(format!("{} missing from schema data", type_name::<T>())))
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
