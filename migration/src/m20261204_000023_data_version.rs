//! The per-user data version the read cache keys on: `users.change_seq`, which delta sync
//! already advances inside every write transaction of the nine synced tables (migration 019),
//! now also advances when a user's exchange rates, achievements, goal milestones or schedule
//! occurrences are written, and when their own row changes (profile, settings, role,
//! verification; not the counters, and not `last_active_at`, which every sign-in touches and
//! no cached read shows). Triggers do it, so no write path can forget it, and it happens in
//! the write's own transaction: a reader that sees the new version sees the new data.
//!
//! - PostgreSQL: the tables call `smartsave_next_seq` (one counter step per transaction and
//!   user, like delta sync); the users trigger compares the rows as JSON minus the excluded
//!   columns, so a column added later is covered without touching it.
//! - SQLite: one `UPDATE users` per written row (these tables see few writes); the users
//!   trigger compares the columns that exist when this migration runs, listed from
//!   `pragma_table_info`: a later migration adding a column to `users` must recreate it
//!   (`sqlite_user_trigger`).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// User-owned tables outside delta sync whose rows cached reads show.
pub const VERSIONED: [&str; 4] = [
    "exchange_rates",
    "achievements",
    "goal_milestones",
    "schedule_occurrences",
];

/// Columns of `users` whose change leaves the cached reads as they were.
const UNVERSIONED_USER_COLUMNS: [&str; 3] = ["change_seq", "sync_floor", "last_active_at"];

const POSTGRES_TABLE_FUNCTION: &str = "CREATE OR REPLACE FUNCTION smartsave_data_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM smartsave_next_seq(OLD.user_id);
    ELSE
        PERFORM smartsave_next_seq(NEW.user_id);
    END IF;
    RETURN NULL;
END $$";

const POSTGRES_USER_FUNCTION: &str = "CREATE OR REPLACE FUNCTION smartsave_user_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.change_seq = OLD.change_seq
       AND (to_jsonb(OLD) - ARRAY['change_seq', 'sync_floor', 'last_active_at'])
           IS DISTINCT FROM (to_jsonb(NEW) - ARRAY['change_seq', 'sync_floor', 'last_active_at']) THEN
        NEW.change_seq := NEW.change_seq + 1;
    END IF;
    RETURN NEW;
END $$";

fn create(backend: DbBackend, table: &str) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![format!(
            "CREATE TRIGGER data_changed_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION smartsave_data_changed()"
        )],
        _ => ["INSERT", "UPDATE", "DELETE"]
            .into_iter()
            .map(|op| {
                let row = if op == "DELETE" { "OLD" } else { "NEW" };
                format!(
                    "CREATE TRIGGER data_changed_{op}_{table} AFTER {op} ON {table} BEGIN \
                     UPDATE users SET change_seq = change_seq + 1 WHERE id = {row}.user_id; END",
                    op = op.to_lowercase()
                )
            })
            .collect(),
    }
}

fn drop(backend: DbBackend, table: &str) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![format!("DROP TRIGGER IF EXISTS data_changed_{table} ON {table}")],
        _ => ["insert", "update", "delete"]
            .into_iter()
            .map(|op| format!("DROP TRIGGER IF EXISTS data_changed_{op}_{table}"))
            .collect(),
    }
}

/// SQLite's trigger on `users`, comparing `columns` (every column but the unversioned ones).
pub fn sqlite_user_trigger(columns: &[String]) -> String {
    let changed = columns
        .iter()
        .filter(|c| !UNVERSIONED_USER_COLUMNS.contains(&c.as_str()))
        .map(|c| format!("NEW.\"{c}\" IS NOT OLD.\"{c}\""))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        "CREATE TRIGGER user_changed AFTER UPDATE ON users \
         WHEN NEW.change_seq IS OLD.change_seq AND ({changed}) BEGIN \
         UPDATE users SET change_seq = change_seq + 1 WHERE id = NEW.id; END"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        if backend == DbBackend::Postgres {
            db.execute_unprepared(POSTGRES_TABLE_FUNCTION).await?;
            db.execute_unprepared(POSTGRES_USER_FUNCTION).await?;
            db.execute_unprepared(
                "CREATE TRIGGER user_changed BEFORE UPDATE ON users \
                 FOR EACH ROW EXECUTE FUNCTION smartsave_user_changed()",
            )
            .await?;
        } else {
            let columns: Vec<String> = db
                .query_all_raw(sea_orm::Statement::from_string(
                    backend,
                    "SELECT name FROM pragma_table_info('users')",
                ))
                .await?
                .into_iter()
                .map(|row| row.try_get_by_index::<String>(0))
                .collect::<Result<_, _>>()?;
            db.execute_unprepared(&sqlite_user_trigger(&columns)).await?;
        }
        for table in VERSIONED {
            for statement in create(backend, table) {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for table in VERSIONED {
            for statement in drop(backend, table) {
                db.execute_unprepared(&statement).await?;
            }
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS user_changed ON users")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS smartsave_user_changed()")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS smartsave_data_changed()")
                .await?;
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS user_changed").await?;
        }
        Ok(())
    }
}
