//! Database connection and migrations, for SQLite and PostgreSQL alike.

use std::{future::Future, time::Duration};

use chrono::{DateTime, SubsecRound, Utc};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait, Order, QueryOrder,
    Select, SqlErr, Statement, Value,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use secrecy::ExposeSecret;

use uuid::Uuid;

use crate::foundation::{
    config::Config,
    error::{AppError, AppResult},
};

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
        // sqlx pings a connection when it goes back to the pool (and drops it if the ping
        // fails); pinging it again on the way out cost every statement one more round trip
        // (BENCHMARKS.md, run 13). Only a connection idle this long is pinged before use; one
        // that died meanwhile fails its statement as SERVICE_UNAVAILABLE and is dropped.
        .test_before_acquire_if_idle_for(config.database_ping_idle_after)
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

/// `LIKE` pattern matching values that contain `search` lower-cased, with `%`, `_` and `\`
/// in it taken literally. Compare it with a lower-cased column.
pub fn contains_lowercase(search: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = search
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// The current instant at the precision PostgreSQL keeps (microseconds), so a value reads
/// back identical on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Where a read of whole rows runs: a connection runs it at once; a request's combined
/// reads (`graphql::combined`) join it to the other reads the request makes meanwhile, so a
/// page's list and its neighbours' share one statement.
pub trait Reads: Sync {
    /// Every row of `select` (an entity's `find()`, every column), in `order`.
    fn ordered<E>(
        &self,
        select: Select<E>,
        order: Vec<(E::Column, Order)>,
    ) -> impl Future<Output = AppResult<Vec<E::Model>>> + Send
    where
        E: EntityTrait,
        E::Model: Send + Sync;
}

impl<C: ConnectionTrait> Reads for C {
    async fn ordered<E>(&self, select: Select<E>, order: Vec<(E::Column, Order)>) -> AppResult<Vec<E::Model>>
    where
        E: EntityTrait,
        E::Model: Send + Sync,
    {
        let select = order
            .into_iter()
            .fold(select, |select, (column, order)| select.order_by(column, order));
        Ok(select.all(self).await?)
    }
}

/// A raw statement written with `?` placeholders, renumbered to `$1, $2, ...` for
/// PostgreSQL. For the few aggregate and window queries the query builder cannot express
/// clearly; the SQL itself is portable between the two backends.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut numbered = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                numbered.push_str(&format!("${n}"));
            } else {
                numbered.push(c);
            }
        }
        numbered
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `?, ?, ?` for an IN list of `n` values.
pub fn placeholders(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// True for errors worth retrying a whole transaction for: SQLite's busy/locked, and
/// PostgreSQL's serialization failure (40001) and deadlock (40P01).
pub fn is_retryable(err: &DbErr) -> bool {
    let text = err.to_string();
    [
        "database is locked",
        "database table is locked",
        "SQLITE_BUSY",
        "40001",
        "40P01",
        "could not serialize",
        "deadlock detected",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// Why one try of a transaction failed: a database error (maybe worth retrying) or a final
/// answer for the client.
pub enum Attempt {
    Db(DbErr),
    Final(AppError),
}

impl From<DbErr> for Attempt {
    fn from(err: DbErr) -> Self {
        Attempt::Db(err)
    }
}

impl From<AppError> for Attempt {
    fn from(err: AppError) -> Self {
        Attempt::Final(err)
    }
}

const MAX_ATTEMPTS: u32 = 8;

/// Runs a transaction until it commits, fails for good, or `MAX_ATTEMPTS` tries pass.
/// Busy (SQLite) and serialization or deadlock (PostgreSQL) failures are retried after a
/// short, growing, jittered pause, so contention never surfaces as a 500.
pub async fn retry<T, F, Fut>(mut attempt: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Attempt>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(Attempt::Final(err)) => return Err(err),
            Err(Attempt::Db(err)) if tries < MAX_ATTEMPTS && is_retryable(&err) => {
                let jitter = u64::from(Uuid::now_v7().as_bytes()[15] % 10);
                tokio::time::sleep(Duration::from_millis(u64::from(tries) * 10 + jitter)).await;
            }
            Err(Attempt::Db(err)) => return Err(err.into()),
        }
    }
}
