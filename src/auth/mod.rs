//! Authentication: argon2id passwords, short-lived JWT access tokens, rotating refresh
//! tokens with reuse detection, and the per-request caller identity.

pub mod context;
pub mod graphql;
pub mod jwt;
pub mod password;
pub mod refresh_tokens;
pub mod service;

pub use context::{AuthUser, ContextExt, RequestAuth};
pub use jwt::TokenService;
