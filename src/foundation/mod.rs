//! The foundation every layer above builds on: errors, exact money, ids, dates and periods,
//! input rules, configuration, the database and its entities, pagination, ownership checks,
//! the caller's identity, the money model's shared SQL, logging, metrics and the rate limiter.
//! Nothing here imports a domain, the API surface or the application.

pub mod bank_files;
pub mod config;
pub mod csv_table;
pub mod db;
pub mod entities;
pub mod error;
pub mod fx;
pub mod identity;
pub mod ids;
pub mod ledger;
pub mod mail;
pub mod metrics;
pub mod money;
pub mod ownership;
pub mod pagination;
pub mod periods;
pub mod rate_limit;
pub mod sized_lru;
pub mod telemetry;
pub mod validate;
