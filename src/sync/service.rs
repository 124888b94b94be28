//! What changed for a user since a sync token, a page at a time, and the pruning of old
//! tombstones. The numbers come from the database triggers of migration 019 (`change_seq`);
//! this module only reads them.
//!
//! Why no change is missed: the token handed out is read before the rows, and one user's
//! writes take their numbers in the order they commit (each holds the user's row lock from its
//! first write to its commit). A write that commits after the token was read has a higher
//! number and comes in the next delta; a page never stops between two rows of one number.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait, Value};
use uuid::Uuid;

use crate::foundation::entities::{
    accounts, budget_categories, budgets, goal_contributions, rules, savings_goals, schedules, transaction_splits,
    transactions,
};
use crate::foundation::{
    db,
    error::{AppError, AppResult},
    ownership::{self, Owned},
};

/// The most objects one page holds (the API asks for 500 unless told otherwise).
pub const MAX_PAGE: u64 = 2_000;
/// How long deletions are remembered; an older token must resync.
pub const TOMBSTONE_DAYS: i64 = 90;

/// The synced tables, in the order `Kind` numbers them.
const TABLES: [&str; 9] = [
    "accounts",
    "budgets",
    "budget_categories",
    "transactions",
    "transaction_splits",
    "savings_goals",
    "goal_contributions",
    "schedules",
    "rules",
];
/// The union's number for a tombstone.
const DELETED: i64 = TABLES.len() as i64;

/// A sync token: the highest change number the client has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token(pub i64);

impl Token {
    const PREFIX: &'static str = "s1.";

    pub fn parse(text: &str) -> Option<Token> {
        text.strip_prefix(Self::PREFIX)?
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Token)
    }

    pub fn text(self) -> String {
        format!("{}{}", Self::PREFIX, self.0)
    }
}

/// A deleted object.
#[derive(Debug, Clone)]
pub struct Tombstone {
    pub typename: String,
    pub id: Uuid,
    pub deleted_at: DateTime<Utc>,
}

/// One page of changes.
#[derive(Debug)]
pub struct Changes {
    pub accounts: Vec<accounts::Model>,
    pub budgets: Vec<budgets::Model>,
    pub categories: Vec<budget_categories::Model>,
    pub transactions: Vec<transactions::Model>,
    /// Split lines with their transaction's currency.
    pub splits: Vec<(transaction_splits::Model, String)>,
    pub goals: Vec<savings_goals::Model>,
    pub contributions: Vec<goal_contributions::Model>,
    pub schedules: Vec<schedules::Model>,
    pub rules: Vec<rules::Model>,
    pub deleted: Vec<Tombstone>,
    pub next: Token,
    pub has_more: bool,
}

/// The changes after `since` (everything, deletions included, without one), at most `limit`
/// objects. Rows read after the numbers may be newer than their number says (PostgreSQL reads
/// each statement afresh); that only sends a change twice, never misses one.
pub async fn changes(db: &DatabaseConnection, user_id: Uuid, since: Option<Token>, limit: u64) -> AppResult<Changes> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let counters = txn
        .query_one_raw(db::statement(
            backend,
            "SELECT change_seq, sync_floor FROM users WHERE id = ?",
            vec![user_id.into()],
        ))
        .await?
        .ok_or(AppError::Unauthenticated("This account no longer exists"))?;
    let (counter, floor): (i64, i64) = (counters.try_get_by_index(0)?, counters.try_get_by_index(1)?);
    let latest = newest_number(backend, counter);
    if let Some(Token(since)) = since
        && since < floor
    {
        return Err(AppError::SyncTokenExpired);
    }
    // Rows written before migration 019 all carried 0 until it numbered them; -1 takes all.
    let after = since.map_or(-1, |t| t.0);
    let mut branches: Vec<String> = TABLES
        .iter()
        .enumerate()
        .map(|(kind, table)| {
            format!(
                "SELECT CAST({kind} AS BIGINT) AS kind, id, change_seq AS seq FROM {table} \
                 WHERE user_id = ? AND change_seq > ?"
            )
        })
        .collect();
    branches.push(format!(
        "SELECT CAST({DELETED} AS BIGINT) AS kind, object_id AS id, seq FROM sync_tombstones WHERE user_id = ? AND seq > ?"
    ));
    let sql = format!("{} ORDER BY seq LIMIT ?", branches.join(" UNION ALL "));
    let mut values: Vec<Value> = Vec::with_capacity(branches.len() * 2 + 1);
    for _ in &branches {
        values.push(user_id.into());
        values.push(after.into());
    }
    // One more than asked, to know whether there is more.
    values.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
    let mut found: Vec<(i64, Uuid, i64)> = Vec::new();
    for row in txn.query_all_raw(db::statement(backend, &sql, values)).await? {
        found.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
        ));
    }
    let has_more = found.len() as u64 > limit;
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let last_seen = found.last().map(|(_, _, seq)| *seq);
    let next = match (has_more, last_seen) {
        (true, Some(seq)) => seq,
        (_, seen) => seen.unwrap_or(after).max(latest),
    };
    let mut ids: HashMap<i64, Vec<Uuid>> = HashMap::new();
    let mut tombstone_seqs = Vec::new();
    for (kind, id, seq) in &found {
        if *kind == DELETED {
            tombstone_seqs.push(*seq);
        } else {
            ids.entry(*kind).or_default().push(*id);
        }
    }
    let mut changes = Changes {
        accounts: load::<accounts::Entity>(&txn, user_id, &ids, 0).await?,
        budgets: load::<budgets::Entity>(&txn, user_id, &ids, 1).await?,
        categories: load::<budget_categories::Entity>(&txn, user_id, &ids, 2).await?,
        transactions: load::<transactions::Entity>(&txn, user_id, &ids, 3).await?,
        splits: Vec::new(),
        goals: load::<savings_goals::Entity>(&txn, user_id, &ids, 5).await?,
        contributions: load::<goal_contributions::Entity>(&txn, user_id, &ids, 6).await?,
        schedules: load::<schedules::Entity>(&txn, user_id, &ids, 7).await?,
        rules: load::<rules::Entity>(&txn, user_id, &ids, 8).await?,
        deleted: tombstones(&txn, backend, user_id, &tombstone_seqs).await?,
        next: Token(next),
        has_more,
    };
    let lines = load::<transaction_splits::Entity>(&txn, user_id, &ids, 4).await?;
    if !lines.is_empty() {
        let mut parents: Vec<Uuid> = lines.iter().map(|l| l.transaction_id).collect();
        parents.sort_unstable();
        parents.dedup();
        let currencies: HashMap<Uuid, String> = ownership::by_ids::<transactions::Entity>(&txn, user_id, &parents)
            .await?
            .into_iter()
            .map(|t| (t.id, t.currency))
            .collect();
        // A line whose transaction is gone went with it: its tombstone follows.
        changes.splits = lines
            .into_iter()
            .filter_map(|line| currencies.get(&line.transaction_id).cloned().map(|c| (line, c)))
            .collect();
    }
    txn.commit().await?;
    Ok(changes)
}

/// The highest number a committed write of the user can have, given the counter on their row:
/// SQLite numbers rows with the counter itself; PostgreSQL numbers a transaction's rows
/// `(counter << 20) + n` (migration 019 says why).
fn newest_number(backend: DbBackend, counter: i64) -> i64 {
    match backend {
        DbBackend::Postgres => (counter << 20) | 0xF_FFFF,
        _ => counter,
    }
}

/// The caller's rows of kind `kind` among the page's ids, in the page's order.
async fn load<E: Owned>(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &HashMap<i64, Vec<Uuid>>,
    kind: i64,
) -> AppResult<Vec<E::Model>> {
    let Some(wanted) = ids.get(&kind) else {
        return Ok(Vec::new());
    };
    let mut rows = ownership::by_ids::<E>(db, user_id, wanted).await?;
    let order: HashMap<Uuid, usize> = wanted.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|row| order.get(&E::id_of(row)).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

async fn tombstones(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    user_id: Uuid,
    seqs: &[i64],
) -> AppResult<Vec<Tombstone>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT typename, object_id, deleted_at FROM sync_tombstones WHERE user_id = ? AND seq IN ({}) ORDER BY seq",
        db::placeholders(seqs.len())
    );
    let mut values: Vec<Value> = vec![user_id.into()];
    values.extend(seqs.iter().map(|s| Value::from(*s)));
    let mut found = Vec::with_capacity(seqs.len());
    for row in db.query_all_raw(db::statement(backend, &sql, values)).await? {
        found.push(Tombstone {
            typename: row.try_get_by_index(0)?,
            id: row.try_get_by_index(1)?,
            deleted_at: row.try_get_by_index(2)?,
        });
    }
    Ok(found)
}

/// Forgets deletions older than `cutoff`, raising each affected user's floor to the newest
/// number forgotten, in one transaction. Returns how many were forgotten.
pub async fn prune_tombstones(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> AppResult<u64> {
    let backend = db.get_database_backend();
    // SQLite compares the text the triggers wrote (RFC 3339, UTC, Z).
    let bound: Value = match backend {
        DbBackend::Postgres => cutoff.into(),
        _ => cutoff.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into(),
    };
    let txn = db.begin().await?;
    txn.execute_raw(db::statement(
        backend,
        "UPDATE users SET sync_floor = (SELECT MAX(t.seq) FROM sync_tombstones t \
           WHERE t.user_id = users.id AND t.deleted_at < ?) \
         WHERE id IN (SELECT user_id FROM sync_tombstones WHERE deleted_at < ?)",
        vec![bound.clone(), bound.clone()],
    ))
    .await?;
    let pruned = txn
        .execute_raw(db::statement(
            backend,
            "DELETE FROM sync_tombstones WHERE deleted_at < ?",
            vec![bound],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_anything_else_is_no_token() {
        assert_eq!(Token::parse(&Token(42).text()), Some(Token(42)));
        for bad in ["", "42", "s1.", "s1.-3", "s1.x", "s2.4"] {
            assert_eq!(Token::parse(bad), None, "{bad}");
        }
    }
}
