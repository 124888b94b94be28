//! The dashboard's own statements: the month's standing in one statement, the budgets
//! overlapping the month, the newest transactions and the unusual expenses.

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::foundation::entities::budgets;
use crate::foundation::entities::transactions::{self, Column, Entity as Transactions};
use crate::foundation::{
    db,
    error::{AppError, AppResult},
    ledger::{category_lines_sql, spent_within_budget},
    ownership,
    periods::DateRange,
};

/// The newest transactions.
pub async fn recent(db: &DatabaseConnection, user_id: Uuid, limit: u64) -> AppResult<Vec<transactions::Model>> {
    Ok(ownership::owned::<Transactions>(user_id)
        .order_by_desc(Column::TransactionDate)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Budgets whose date range overlaps `range`, oldest first (at most 100).
pub async fn budgets_overlapping(
    db: &DatabaseConnection,
    user_id: Uuid,
    range: DateRange,
) -> AppResult<Vec<budgets::Model>> {
    Ok(ownership::owned::<budgets::Entity>(user_id)
        .filter(budgets::Column::StartDate.lte(range.end))
        .filter(budgets::Column::EndDate.gte(range.start))
        .order_by_asc(budgets::Column::Id)
        .limit(100)
        .all(db)
        .await?)
}

/// The dashboard's figures beyond income and expenses, in one statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub budgeted: i64,
    pub spent_in_budgets: i64,
    pub active_goals: i64,
    pub total_saved: i64,
    pub achievement_points: i64,
}

pub async fn standing(db: &DatabaseConnection, user_id: Uuid, range: DateRange) -> AppResult<Standing> {
    let sql = format!(
        "SELECT \
        (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM budgets WHERE user_id = ? AND start_date <= ? AND end_date >= ?), \
        (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM budgets b \
           JOIN budget_categories c ON c.budget_id = b.id \
           JOIN {lines} t ON t.user_id = b.user_id AND t.budget_category_id = c.id AND {spent} \
           WHERE b.user_id = ? AND b.start_date <= ? AND b.end_date >= ?), \
        (SELECT COUNT(*) FROM savings_goals WHERE user_id = ? AND status = 'active'), \
        (SELECT CAST(COALESCE(SUM(current_amount), 0) AS BIGINT) FROM savings_goals WHERE user_id = ?), \
        (SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM achievements WHERE user_id = ?)",
        lines = category_lines_sql(db.get_database_backend()),
        spent = spent_within_budget!(),
    );
    let (user, start, end) = (
        sea_orm::Value::from(user_id),
        sea_orm::Value::from(range.start),
        sea_orm::Value::from(range.end),
    );
    let values = vec![
        user.clone(),
        end.clone(),
        start.clone(),
        user.clone(),
        end,
        start,
        user.clone(),
        user.clone(),
        user,
    ];
    let row = db
        .query_one_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?
        .ok_or_else(|| AppError::internal("standing query returned no row"))?;
    let get = |i| row.try_get_by_index::<i64>(i);
    Ok(Standing {
        budgeted: get(0)?,
        spent_in_budgets: get(1)?,
        active_goals: get(2)?,
        total_saved: get(3)?,
        achievement_points: get(4)?,
    })
}

/// An expense (or one line of a split expense) far above its category's usual.
#[derive(Debug, Clone)]
pub struct Unusual {
    pub category_id: Uuid,
    pub description: String,
    pub amount: i64,
    /// The mean of the category's other expenses, in minor units.
    pub others_average: i64,
}

/// Expenses in `range` larger than three times the average of the other expenses in the same
/// category (which needs at least three others to be meaningful), largest first. Split lines
/// count in their own categories.
pub async fn unusual_expenses(db: &DatabaseConnection, user_id: Uuid, range: DateRange) -> AppResult<Vec<Unusual>> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT t.budget_category_id, p.description, t.amount, s.total, s.n FROM {lines} t \
        JOIN transactions p ON p.id = t.id \
        JOIN (SELECT budget_category_id, CAST(SUM(amount) AS BIGINT) AS total, COUNT(*) AS n FROM {lines} l \
              WHERE user_id = ? AND type = 'expense' AND budget_category_id IS NOT NULL GROUP BY budget_category_id) s \
          ON s.budget_category_id = t.budget_category_id \
        WHERE t.user_id = ? AND t.type = 'expense' AND t.transaction_date >= ? AND t.transaction_date <= ? \
          AND s.n >= 4 AND t.amount * (s.n - 1) > 3 * (s.total - t.amount) \
        ORDER BY t.amount DESC, t.id DESC LIMIT 5",
        lines = category_lines_sql(backend),
    );
    let values = vec![user_id.into(), user_id.into(), range.start.into(), range.end.into()];
    let rows = db.query_all_raw(db::statement(backend, &sql, values)).await?;
    let mut unusual = Vec::with_capacity(rows.len());
    for row in rows {
        let amount: i64 = row.try_get_by_index(2)?;
        let total: i64 = row.try_get_by_index(3)?;
        let count: i64 = row.try_get_by_index(4)?;
        unusual.push(Unusual {
            category_id: row.try_get_by_index(0)?,
            description: row.try_get_by_index(1)?,
            amount,
            others_average: (total - amount) / (count - 1).max(1),
        });
    }
    Ok(unusual)
}
