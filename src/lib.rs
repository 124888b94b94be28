//! SmartSave: a personal-finance GraphQL API (library half; `main.rs` is a thin CLI).
//!
//! The modules form layers, and a module imports only from layers below it (see
//! ARCHITECTURE.md):
//!
//! 1. foundation: `foundation` (errors, money, config, database, entities, ...) and
//!    `graphql` (the GraphQL building blocks every domain uses);
//! 2. domains, each using only those listed before it: `rates`, `accounts`, `users`, `auth`,
//!    `events`, `notifications`, `achievements`, `budgets`, `schedules`, `rules`, `transactions`, `goals`, `reports`,
//!    `dashboard`, `interchange`, `sync`, `admin`;
//! 3. the API surface: `api` (schema roots, GraphQL over HTTP and WebSocket, GraphiQL,
//!    hardening, rate limits and idempotency at the edge);
//! 4. the application: `app` (wiring, start-up, shutdown) and `main.rs`.

pub mod foundation;
pub mod graphql;

pub mod accounts;
pub mod achievements;
pub mod admin;
pub mod auth;
pub mod budgets;
pub mod dashboard;
pub mod events;
pub mod goals;
pub mod interchange;
pub mod notifications;
pub mod rates;
pub mod reports;
pub mod rules;
pub mod schedules;
pub mod sync;
pub mod transactions;
pub mod users;

pub mod api;

pub mod app;

pub use app::Application;
pub use foundation::{
    config::Config,
    error::{AppError, AppResult},
};
