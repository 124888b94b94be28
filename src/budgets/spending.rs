//! What budgets and categories have spent, in minor units, by the one rule of
//! `foundation::ledger`: one statement for any number of them.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::foundation::{
    db,
    error::AppResult,
    ledger::{category_lines_sql, spent_within_budget},
};

/// Expenses in each category dated within its budget's range (split lines in their own
/// categories), in minor units.
pub async fn by_category(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    let sql = format!(
        "SELECT c.id, CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) \
         FROM budget_categories c \
         JOIN budgets b ON b.id = c.budget_id \
         JOIN {} t ON t.user_id = c.user_id AND t.budget_category_id = c.id AND {} \
         WHERE c.user_id = ? AND c.id IN ({}) GROUP BY c.id",
        category_lines_sql(db.get_database_backend()),
        spent_within_budget!(),
        db::placeholders(ids.len())
    );
    sums(db, &sql, user_id, ids).await
}

/// Expenses in each budget's categories dated within its range (split lines in their own
/// categories), in minor units.
pub async fn by_budget(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    let sql = format!(
        "SELECT b.id, CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) \
         FROM budgets b \
         JOIN budget_categories c ON c.budget_id = b.id \
         JOIN {} t ON t.user_id = b.user_id AND t.budget_category_id = c.id AND {} \
         WHERE b.user_id = ? AND b.id IN ({}) GROUP BY b.id",
        category_lines_sql(db.get_database_backend()),
        spent_within_budget!(),
        db::placeholders(ids.len())
    );
    sums(db, &sql, user_id, ids).await
}

async fn sums(db: &DatabaseConnection, sql: &str, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    let mut values = vec![user_id.into()];
    values.extend(ids.iter().map(|id| (*id).into()));
    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), sql, values))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get_by_index::<Uuid>(0)?, row.try_get_by_index::<i64>(1)?)))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}
