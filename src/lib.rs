//! SmartSave: a personal-finance GraphQL API (library half; `main.rs` is a thin CLI).

pub mod achievements;
pub mod app;
pub mod auth;
pub mod bench_seed;
pub mod budgets;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod entities;
pub mod error;
pub mod events;
pub mod goals;
pub mod graphql;
pub mod idempotency;
pub mod ids;
pub mod metrics;
pub mod money;
pub mod ownership;
pub mod pagination;
pub mod periods;
pub mod rate_limit;
pub mod reports;
pub mod telemetry;
pub mod transactions;
pub mod transfer;
pub mod users;
pub mod validate;
pub mod web;

pub use app::{AppState, Application};
pub use config::Config;
pub use error::{AppError, AppResult};
