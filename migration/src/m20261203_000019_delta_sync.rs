//! Delta sync: every synced row carries `change_seq`, the value of its owner's counter
//! (`users.change_seq`) when it was last written, and every deleted row leaves a tombstone
//! stamped the same way. Database triggers do the stamping, so no write can forget it:
//!
//! - PostgreSQL: a BEFORE INSERT OR UPDATE trigger numbers the row: a transaction's first write
//!   of a user advances the owner's counter with `UPDATE users ... RETURNING`, and its rows are
//!   numbered `(counter << 20) + n`. That UPDATE holds the owner's row lock until the
//!   transaction ends, so one user's transactions take their numbers in the order they commit:
//!   a reader that has seen number n has seen every number below it.
//! - SQLite: AFTER triggers do the same in two statements (SQLite cannot change NEW); SQLite
//!   runs one writer at a time, which gives the same order.
//!
//! A tombstone is written only while the owner exists: deleting a user deletes everything,
//! tombstones included (their foreign key cascades). `users.sync_floor` is the highest number whose tombstone has been
//! pruned; a sync token below it may have missed a deletion and is refused.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

use crate::columns::{add_columns, drop_columns};
use crate::m20261121_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SyncColumns {
    ChangeSeq,
    SyncFloor,
}

/// Each synced table and the API type its rows are.
pub const SYNCED: [(&str, &str); 9] = [
    ("accounts", "Account"),
    ("budgets", "Budget"),
    ("budget_categories", "BudgetCategory"),
    ("transactions", "Transaction"),
    ("transaction_splits", "TransactionSplit"),
    ("savings_goals", "SavingsGoal"),
    ("goal_contributions", "GoalContribution"),
    ("schedules", "Schedule"),
    ("rules", "Rule"),
];

const TOMBSTONES: &str = "CREATE TABLE sync_tombstones (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    typename varchar(32) NOT NULL,
    object_id uuid NOT NULL,
    deleted_at timestamp with time zone NOT NULL,
    PRIMARY KEY (user_id, seq)
)";

/// PostgreSQL numbers a transaction's writes `(counter << 20) + n`: the first write of a user
/// in a transaction advances the user's counter (taking the row lock), the rest count on in a
/// transaction-local setting. Advancing the counter on every row would rewrite the user's row
/// once per row, and PostgreSQL's version chains make that quadratic in one transaction (a
/// 50,000-row import took minutes). A transaction that writes 2^20 rows takes a new number.
const POSTGRES_FUNCTIONS: [&str; 3] = [
    "CREATE OR REPLACE FUNCTION smartsave_next_seq(owner uuid) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    setting text := 'smartsave.s' || replace(owner::text, '-', '');
    last text := current_setting(setting, true);
    stamped bigint;
BEGIN
    IF last IS NULL OR last = '' OR (last::bigint & 1048575) = 1048575 THEN
        UPDATE users SET change_seq = change_seq + 1 WHERE id = owner RETURNING change_seq INTO stamped;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        stamped := stamped << 20;
    ELSE
        stamped := last::bigint + 1;
    END IF;
    PERFORM set_config(setting, stamped::text, true);
    RETURN stamped;
END $$",
    "CREATE OR REPLACE FUNCTION smartsave_sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := smartsave_next_seq(NEW.user_id);
    RETURN NEW;
END $$",
    "CREATE OR REPLACE FUNCTION smartsave_sync_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stamped bigint := smartsave_next_seq(OLD.user_id);
BEGIN
    IF stamped IS NOT NULL THEN
        INSERT INTO sync_tombstones (user_id, seq, typename, object_id, deleted_at)
        VALUES (OLD.user_id, stamped, TG_ARGV[0], OLD.id, now());
    END IF;
    RETURN OLD;
END $$",
];

fn postgres_triggers(table: &str, typename: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER sync_stamp_{table} BEFORE INSERT OR UPDATE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION smartsave_sync_stamp()"
        ),
        format!(
            "CREATE TRIGGER sync_tombstone_{table} AFTER DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION smartsave_sync_tombstone('{typename}')"
        ),
    ]
}

fn sqlite_triggers(table: &str, typename: &str) -> Vec<String> {
    let stamp = format!(
        "UPDATE users SET change_seq = change_seq + 1 WHERE id = NEW.user_id; \
         UPDATE {table} SET change_seq = (SELECT change_seq FROM users WHERE id = NEW.user_id) WHERE id = NEW.id;"
    );
    vec![
        format!("CREATE TRIGGER sync_stamp_insert_{table} AFTER INSERT ON {table} BEGIN {stamp} END"),
        // The stamp's own UPDATE changes change_seq, so it does not stamp again.
        format!(
            "CREATE TRIGGER sync_stamp_update_{table} AFTER UPDATE ON {table} \
             WHEN NEW.change_seq IS OLD.change_seq BEGIN {stamp} END"
        ),
        format!(
            "CREATE TRIGGER sync_tombstone_{table} AFTER DELETE ON {table} \
             WHEN EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id) BEGIN \
             UPDATE users SET change_seq = change_seq + 1 WHERE id = OLD.user_id; \
             INSERT INTO sync_tombstones (user_id, seq, typename, object_id, deleted_at) \
             VALUES (OLD.user_id, (SELECT change_seq FROM users WHERE id = OLD.user_id), '{typename}', OLD.id, \
                     strftime('%Y-%m-%dT%H:%M:%fZ', 'now')); \
             END"
        ),
    ]
}

fn drop_triggers(backend: DbBackend, table: &str) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![
            format!("DROP TRIGGER IF EXISTS sync_stamp_{table} ON {table}"),
            format!("DROP TRIGGER IF EXISTS sync_tombstone_{table} ON {table}"),
        ],
        _ => vec![
            format!("DROP TRIGGER IF EXISTS sync_stamp_insert_{table}"),
            format!("DROP TRIGGER IF EXISTS sync_stamp_update_{table}"),
            format!("DROP TRIGGER IF EXISTS sync_tombstone_{table}"),
        ],
    }
}

fn change_seq() -> ColumnDef {
    ColumnDef::new(SyncColumns::ChangeSeq)
        .big_integer()
        .not_null()
        .default(0)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        add_columns(
            manager,
            Users::Table.into_iden(),
            vec![
                change_seq(),
                ColumnDef::new(SyncColumns::SyncFloor)
                    .big_integer()
                    .not_null()
                    .default(0)
                    .take(),
            ],
        )
        .await?;
        db.execute_unprepared(TOMBSTONES).await?;
        db.execute_unprepared("CREATE INDEX idx_sync_tombstones_deleted_at ON sync_tombstones (deleted_at)")
            .await?;
        if backend == DbBackend::Postgres {
            for function in POSTGRES_FUNCTIONS {
                db.execute_unprepared(function).await?;
            }
        }
        for (table, typename) in SYNCED {
            add_columns(manager, Alias::new(table).into_iden(), vec![change_seq()]).await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{table}_user_change_seq ON {table} (user_id, change_seq)"
            ))
            .await?;
            let triggers = match backend {
                DbBackend::Postgres => postgres_triggers(table, typename),
                _ => sqlite_triggers(table, typename),
            };
            for trigger in triggers {
                db.execute_unprepared(&trigger).await?;
            }
            // Existing rows take their numbers from the triggers, one each.
            db.execute_unprepared(&format!("UPDATE {table} SET change_seq = change_seq"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for (table, _) in SYNCED {
            for statement in drop_triggers(backend, table) {
                db.execute_unprepared(&statement).await?;
            }
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS idx_{table}_user_change_seq"))
                .await?;
            drop_columns(manager, Alias::new(table).into_iden(), &[SyncColumns::ChangeSeq]).await?;
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS smartsave_sync_stamp()")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS smartsave_sync_tombstone()")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS smartsave_next_seq(uuid)")
                .await?;
        }
        db.execute_unprepared("DROP TABLE sync_tombstones").await?;
        drop_columns(
            manager,
            Users::Table.into_iden(),
            &[SyncColumns::ChangeSeq, SyncColumns::SyncFloor],
        )
        .await
    }
}
