//! Authentication: short-lived JWT access tokens, rotating refresh tokens with reuse
//! detection, sessions (register, login, refresh, logout, password change), and reading the
//! caller from a bearer token; the identity lifecycle around them: verified addresses,
//! password reset, the sessions list, two-factor sign-in. Passwords themselves belong to
//! `users`.

pub mod bearer;
pub mod browser;
pub mod graphql;
pub mod jwt;
pub mod liveness;
pub mod recovery;
pub mod refresh_tokens;
pub mod secret;
pub mod service;
pub mod sessions;
pub mod two_factor;
pub mod user_tokens;
pub mod verification;

pub use jwt::TokenService;
