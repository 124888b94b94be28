//! One error type for the whole service, mapped to the contract's `extensions.code`.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, RuntimeErr};
use serde::Serialize;

/// A problem with one input field, reported in `extensions.fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The password was right; sign-in needs the account's two-factor code (`otp`) too.
    #[error("A two-factor code is required")]
    TwoFactorRequired,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input")]
    BadUserInput(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable")]
    ServiceUnavailable,
    /// A delta-sync token older than the deletions the server remembers: sync from scratch.
    #[error("this sync token is too old: sync again without `since`")]
    SyncTokenExpired,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::TwoFactorRequired => "TWO_FACTOR_REQUIRED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadUserInput(_) => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            AppError::SyncTokenExpired => "SYNC_TOKEN_EXPIRED",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Anything unexpected; the detail goes to the log, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    /// A response body for this error raised outside a resolver, with the same message and
    /// extensions (code, fields, retryAfter) a resolver's error would carry.
    pub fn json_body(&self) -> serde_json::Value {
        let error = self.extend();
        let extensions = error
            .extensions
            .and_then(|e| serde_json::to_value(e).ok())
            .unwrap_or_default();
        serde_json::json!({ "errors": [{ "message": error.message, "extensions": extensions }] })
    }
}

/// Collects every invalid field of an input before failing, so clients fix them in one go.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Records `result`'s error under `field` and returns its value, if any.
    pub fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    /// How many problems were recorded so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::BadUserInput(self.0))
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::ServiceUnavailable
            }
            // A pooled connection handed out without a ping (see `db::options`) may turn out
            // dead only when the statement is written: the database went away, not our fault.
            DbErr::Exec(RuntimeErr::SqlxError(ref sqlx)) | DbErr::Query(RuntimeErr::SqlxError(ref sqlx))
                if matches!(**sqlx, sqlx::Error::Io(_)) =>
            {
                tracing::warn!(error = %err, "database connection lost");
                AppError::ServiceUnavailable
            }
            other => AppError::internal(other),
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        AppError::internal(err)
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            AppError::Internal(detail) => {
                // The span of the HTTP request carries the request id.
                tracing::error!(detail = %detail, "internal error");
                "Internal server error".to_owned()
            }
            AppError::BadUserInput(fields) => match fields.as_slice() {
                [one] => format!("Invalid input: {} {}", one.field, one.message),
                _ => format!("Invalid input in {} fields", fields.len()),
            },
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                AppError::BadUserInput(fields) => {
                    let fields = fields
                        .iter()
                        .map(|f| async_graphql::Value::from_json(serde_json::json!(f)).unwrap_or_default())
                        .collect::<Vec<_>>();
                    ext.set("fields", fields);
                }
                AppError::RateLimited { retry_after_secs } => ext.set("retryAfter", *retry_after_secs),
                _ => {}
            }
        })
    }
}
