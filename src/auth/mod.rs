//! Authentication: short-lived JWT access tokens, rotating refresh tokens with reuse
//! detection, sessions (register, login, refresh, logout, password change), and reading the
//! caller from a bearer token. Passwords themselves belong to `users`.

pub mod bearer;
pub mod graphql;
pub mod jwt;
pub mod refresh_tokens;
pub mod service;

pub use jwt::TokenService;
