//! A request's reads of whole rows, combined into one statement. Sibling fields (the
//! dashboard's `me`, `budgets` and `savingsGoals`) each read a few rows with a statement of
//! their own; each statement cost ~0.1 ms of our CPU and ~0.05 ms of PostgreSQL's, as much
//! as writing the rows (BENCHMARKS.md, run 16). Read through [`CombinedReads`], the reads a
//! request starts before the executor next waits run as one statement:
//!
//! ```sql
//! SELECT v.column1 AS "__part", x0."__present" AS "p0", x0."id" AS "p0_id", ...
//! FROM (VALUES (0), (1)) v
//! LEFT JOIN (SELECT 1 AS "__present", s.* FROM (<read 0>) s) x0 ON v.column1 = 0
//! LEFT JOIN (SELECT 1 AS "__present", s.* FROM (<read 1>) s) x1 ON v.column1 = 1
//! ORDER BY "__part", <read 0's order>, <read 1's order>
//! ```
//!
//! Joins rather than a UNION, because each column keeps its own read's type (PostgreSQL
//! types a UNION's NULL-only column as text and then refuses the uuid below it); the
//! prefixes keep equal column names apart, and SeaORM decodes a model under a prefix. A read
//! alone in its batch runs as it is.

use std::{
    collections::HashMap,
    fmt::Write,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering as Sequence},
    },
};

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, IdenStatic, Iterable, Order, QueryOrder, QueryResult,
    QueryTrait, Select, Statement, Value,
};

use crate::{
    foundation::{
        db::Reads,
        error::{AppError, AppResult},
    },
    graphql::loaders::{Loaders, Scope},
};

/// The request's combined reads ([`Reads`]); `ctx.reads()` gives them.
#[derive(Clone)]
pub struct CombinedReads(Arc<DataLoader<ReadBatch>>);

impl CombinedReads {
    pub fn of(loaders: &Loaders) -> Self {
        CombinedReads(loaders.get(ReadBatch::new))
    }
}

impl Reads for CombinedReads {
    async fn ordered<E>(&self, select: Select<E>, order: Vec<(E::Column, Order)>) -> AppResult<Vec<E::Model>>
    where
        E: EntityTrait,
        E::Model: Send + Sync,
    {
        let batch = self.0.loader();
        let order_names = order
            .iter()
            .map(|(column, order)| (column.as_str(), order.clone()))
            .collect();
        let select = order
            .into_iter()
            .fold(select, |select, (column, order)| select.order_by(column, order));
        let read = Read {
            statement: select.build(batch.scope.db.get_database_backend()),
            columns: E::Column::iter().map(|column| column.as_str()).collect(),
            order: order_names,
        };
        let id = batch.queue(read);
        let rows = self
            .0
            .load_one(id)
            .await?
            .ok_or_else(|| AppError::internal("a combined read lost its rows"))?;
        rows.rows
            .iter()
            .map(|row| E::Model::from_query_result(row, &rows.prefix).map_err(AppError::from))
            .collect()
    }
}

/// One read queued for the next statement.
struct Read {
    /// Its statement on its own, ordered, with its values.
    statement: Statement,
    /// The columns it selects, by name.
    columns: Vec<&'static str>,
    /// Its order, repeated outside the join (which keeps no order of its own).
    order: Vec<(&'static str, Order)>,
}

/// A queued read, in the order reads were queued: a document's reads combine into the same
/// statement text every time, which the connection's statement cache then holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReadId(u64);

/// One read's rows, its columns named `{prefix}{column}`.
#[derive(Clone)]
pub struct ReadRows {
    prefix: String,
    rows: Arc<Vec<QueryResult>>,
}

/// The loader behind [`CombinedReads`]: a batch is every read queued before it runs.
pub struct ReadBatch {
    scope: Scope,
    queued: Mutex<HashMap<ReadId, Read>>,
    next: AtomicU64,
}

impl ReadBatch {
    /// For `loaders.get(ReadBatch::new)`.
    pub fn new(scope: Scope) -> Self {
        ReadBatch {
            scope,
            queued: Mutex::default(),
            next: AtomicU64::new(0),
        }
    }

    fn queue(&self, read: Read) -> ReadId {
        let id = ReadId(self.next.fetch_add(1, Sequence::Relaxed));
        self.queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, read);
        id
    }
}

impl Loader<ReadId> for ReadBatch {
    type Value = ReadRows;
    type Error = AppError;

    async fn load(&self, ids: &[ReadId]) -> Result<HashMap<ReadId, ReadRows>, AppError> {
        let mut queued: Vec<(ReadId, Read)> = {
            let mut queued = self.queued.lock().unwrap_or_else(PoisonError::into_inner);
            ids.iter().filter_map(|id| Some((*id, queued.remove(id)?))).collect()
        };
        queued.sort_by_key(|(id, _)| *id);
        let (ids, reads): (Vec<ReadId>, Vec<Read>) = queued.into_iter().unzip();
        let db = &self.scope.db;
        let parts = reads.len();
        let (statement, prefixes) = match <[Read; 1]>::try_from(reads) {
            Ok([read]) => (read.statement, vec![String::new()]),
            Err(reads) => (
                combined(db.get_database_backend(), reads),
                (0..parts).map(|part| format!("p{part}_")).collect(),
            ),
        };
        let mut parted: Vec<Vec<QueryResult>> = (0..parts).map(|_| Vec::new()).collect();
        // Alone, a read's rows are its own; combined, each row names its read, and a read
        // without rows still gives its read one row, of NULLs (no `p{part}` marker).
        let markers: Vec<String> = (0..parts).map(|part| format!("p{part}")).collect();
        for row in db.query_all_raw(statement).await? {
            let part = if parts == 1 {
                0
            } else {
                let part: i32 = row.try_get("", "__part")?;
                let part = usize::try_from(part).unwrap_or(usize::MAX);
                let Some(marker) = markers.get(part) else {
                    return Err(AppError::internal("a combined read's row names no read"));
                };
                if row.try_get::<Option<i32>>("", marker)?.is_none() {
                    continue;
                }
                part
            };
            parted[part].push(row);
        }
        Ok(ids
            .into_iter()
            .zip(prefixes)
            .zip(parted)
            .map(|((id, prefix), rows)| {
                let rows = ReadRows {
                    prefix,
                    rows: Arc::new(rows),
                };
                (id, rows)
            })
            .collect())
    }
}

/// The one statement of several reads (see the module's documentation).
fn combined(backend: DbBackend, reads: Vec<Read>) -> Statement {
    let parts: Vec<String> = (0..reads.len()).map(|part| format!("({part})")).collect();
    let mut select = String::from("SELECT v.column1 AS \"__part\"");
    let mut from = format!(" FROM (VALUES {}) v", parts.join(", "));
    let mut order_by = String::from(" ORDER BY \"__part\"");
    let mut values: Vec<Value> = Vec::new();
    // Writing to a String cannot fail.
    for (part, read) in reads.into_iter().enumerate() {
        let _ = write!(select, ", x{part}.\"__present\" AS \"p{part}\"");
        for column in &read.columns {
            let _ = write!(select, ", x{part}.\"{column}\" AS \"p{part}_{column}\"");
        }
        let _ = write!(
            from,
            " LEFT JOIN (SELECT 1 AS \"__present\", s.* FROM ({}) s) x{part} ON v.column1 = {part}",
            renumbered(backend, &read.statement.sql, values.len())
        );
        for (column, order) in &read.order {
            let direction = if matches!(order, Order::Desc) { "DESC" } else { "ASC" };
            let _ = write!(order_by, ", \"p{part}_{column}\" {direction}");
        }
        values.extend(read.statement.values.into_iter().flat_map(|v| v.0));
    }
    Statement::from_sql_and_values(backend, format!("{select}{from}{order_by}"), values)
}

/// PostgreSQL numbers its placeholders (`$1`): a read's move up by the values before it.
/// SQLite's (`?`) are positional already. The query builder writes every value as a
/// placeholder, so a `$` followed by digits is never inside a literal.
fn renumbered(backend: DbBackend, sql: &str, before: usize) -> String {
    if backend != DbBackend::Postgres || before == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..=dollar]);
        rest = &rest[dollar + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + before).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_move_up_by_the_values_before_them() {
        let sql = r#"SELECT "a" FROM "t" WHERE "b" = $1 AND "c" IN ($2, $10) LIMIT $3"#;
        assert_eq!(
            renumbered(DbBackend::Postgres, sql, 4),
            r#"SELECT "a" FROM "t" WHERE "b" = $5 AND "c" IN ($6, $14) LIMIT $7"#
        );
        assert_eq!(renumbered(DbBackend::Postgres, sql, 0), sql);
        assert_eq!(renumbered(DbBackend::Sqlite, "x = ? AND y = ?", 3), "x = ? AND y = ?");
    }
}
