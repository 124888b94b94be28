//! What budgets and categories have spent, in their budget's currency, by the one rule of
//! `foundation::ledger`: one statement for any number of them (and one more for the exchange
//! rates when some spending is in another currency).

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::{
    foundation::{
        db,
        error::AppResult,
        fx::Converted,
        ledger::{category_lines_sql, spent_within_budget},
    },
    rates::convert::{self, Group, foreign_day_sql},
};

/// Expenses in each category dated within its budget's range (split lines in their own
/// categories), converted into the budget's currency.
pub async fn by_category(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Converted>> {
    spent(db, user_id, ids, "c.id", "c.id").await
}

/// Expenses in each budget's categories dated within its range (split lines in their own
/// categories), converted into the budget's currency.
pub async fn by_budget(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Converted>> {
    spent(db, user_id, ids, "b.id", "b.id").await
}

/// Spending grouped by `key` (a category's or a budget's id), for the keys `ids` in `filter`.
async fn spent(
    db: &DatabaseConnection,
    user_id: Uuid,
    ids: &[Uuid],
    key: &str,
    filter: &str,
) -> AppResult<HashMap<Uuid, Converted>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let day = foreign_day_sql("t.currency", "b.currency", "t.transaction_date");
    let sql = format!(
        "SELECT {key}, b.currency, t.currency, {day}, CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) \
         FROM budgets b \
         JOIN budget_categories c ON c.budget_id = b.id \
         JOIN {lines} t ON t.user_id = b.user_id AND t.budget_category_id = c.id AND {spent} \
         WHERE b.user_id = ? AND {filter} IN ({list}) GROUP BY {key}, b.currency, t.currency, {day}",
        lines = category_lines_sql(backend),
        spent = spent_within_budget!(),
        list = db::placeholders(ids.len()),
    );
    let mut values = vec![user_id.into()];
    values.extend(ids.iter().map(|id| sea_orm::Value::from(*id)));
    let groups = db
        .query_all_raw(db::statement(backend, &sql, values))
        .await?
        .iter()
        .map(Group::of_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(convert::figures(db, user_id, groups)
        .await?
        .into_iter()
        .map(|(key, [spent])| (key, spent))
        .collect())
}
