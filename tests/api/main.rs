//! One integration-test binary: the real router on a loopback port, on a fresh database
//! per test (a temp SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set).

mod account;
mod accounts;
mod achievements;
mod architecture;
mod auth;
mod batching;
mod bench_seed;
mod budgets;
mod cli;
mod currencies;
mod dashboard;
mod expected;
mod goals;
mod health;
mod helpers;
mod http;
mod idempotency;
mod interchange;
mod introspection;
mod limits;
mod migrations;
mod nodes;
mod observability;
mod ownership;
mod persisted;
mod rate_limits;
mod reports;
mod resilience;
mod schema;
mod splits;
mod subscriptions;
mod tokens;
mod transactions;
mod transfers;
mod web;
