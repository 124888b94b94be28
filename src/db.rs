//! Database connection and migrations, for SQLite and PostgreSQL alike.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr, SqlErr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use secrecy::ExposeSecret;

use crate::config::Config;

/// Opens the pool with bounded waits, so a dead database fails requests fast.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_with(options(config.database_url.expose_secret(), config)).await
}

/// Pool options derived from the configuration; tests adjust them (search path) before connecting.
pub fn options(url: &str, config: &Config) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(config.database_max_connections)
        .min_connections(0)
        .acquire_timeout(config.database_acquire_timeout)
        .connect_timeout(config.database_acquire_timeout)
        .idle_timeout(Duration::from_secs(300))
        .sqlx_logging(false)
        // WAL lets readers proceed while one writer commits; the busy timeout queues writers
        // instead of failing them.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    options
}

pub async fn connect_with(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// True when `err` violates the unique index `name`. PostgreSQL reports the index name;
/// SQLite reports the columns as `table.column`, given here as `sqlite_columns`.
pub fn is_unique_violation(err: &DbErr, name: &str, sqlite_columns: &str) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(msg)) if msg.contains(name) || msg.contains(sqlite_columns))
}

/// The current instant at the precision PostgreSQL keeps (microseconds), so a value reads
/// back identical on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
