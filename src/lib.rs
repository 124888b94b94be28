//! SmartSave: a personal-finance GraphQL API (library half; `main.rs` is a thin CLI).

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod graphql;
pub mod money;
pub mod telemetry;
pub mod users;

pub use app::{AppState, Application};
pub use config::Config;
pub use error::{AppError, AppResult};
