//! The dashboard's own statements: the month's standing in one statement, the budgets
//! overlapping the month, the newest transactions and the unusual expenses.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::foundation::entities::budgets;
use crate::foundation::entities::transactions::{self, Column, Entity as Transactions};
use crate::{
    foundation::{
        db,
        error::AppResult,
        fx::Converted,
        ledger::{category_lines_sql, spent_within_budget},
        money::Currency,
        ownership,
        periods::DateRange,
    },
    rates::convert::{self, Group, currency_literal, foreign_day_sql},
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

/// The dashboard's figures beyond income and expenses, converted into the reporting currency.
#[derive(Debug, Clone)]
pub struct Standing {
    /// The amounts of the budgets overlapping the month, each at the rate of its first day.
    pub budgeted: Converted,
    /// What those budgets spent, each expense at the rate of its day.
    pub spent_in_budgets: Converted,
    pub active_goals: i64,
    /// What every goal holds, at the rate of `as_of`.
    pub total_saved: Converted,
    pub achievement_points: i64,
}

/// The month's standing in one statement (and one more for exchange rates when some of it is
/// in another currency than `target`); goals are valued on `as_of`.
pub async fn standing(
    db: &DatabaseConnection,
    user_id: Uuid,
    range: DateRange,
    target: Currency,
    as_of: NaiveDate,
) -> AppResult<Standing> {
    let backend = db.get_database_backend();
    let literal = currency_literal(target);
    let budget_day = foreign_day_sql("currency", &literal, "start_date");
    let spent_day = foreign_day_sql("t.currency", &literal, "t.transaction_date");
    // One row per figure, currency and day: (figure, currency, day, value).
    let sql = format!(
        "SELECT 'budgeted', currency, {budget_day}, CAST(SUM(amount) AS BIGINT) FROM budgets \
           WHERE user_id = ? AND start_date <= ? AND end_date >= ? GROUP BY currency, {budget_day} \
         UNION ALL SELECT 'spent', t.currency, {spent_day}, CAST(SUM(t.amount) AS BIGINT) FROM budgets b \
           JOIN budget_categories c ON c.budget_id = b.id \
           JOIN {lines} t ON t.user_id = b.user_id AND t.budget_category_id = c.id AND {spent} \
           WHERE b.user_id = ? AND b.start_date <= ? AND b.end_date >= ? GROUP BY t.currency, {spent_day} \
         UNION ALL SELECT 'saved', currency, NULL, CAST(SUM(current_amount) AS BIGINT) FROM savings_goals \
           WHERE user_id = ? GROUP BY currency \
         UNION ALL SELECT 'goals', NULL, NULL, COUNT(*) FROM savings_goals WHERE user_id = ? AND status = 'active' \
         UNION ALL SELECT 'points', NULL, NULL, CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM achievements \
           WHERE user_id = ?",
        lines = category_lines_sql(backend),
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
    let (mut active_goals, mut achievement_points, mut groups) = (0, 0, Vec::new());
    for row in db.query_all_raw(db::statement(backend, &sql, values)).await? {
        let figure: String = row.try_get_by_index(0)?;
        let value: i64 = row.try_get_by_index(3)?;
        let currency = || -> Result<Currency, sea_orm::DbErr> { Ok(Currency::of(&row.try_get_by_index::<String>(1)?)) };
        let day: Option<NaiveDate> = row.try_get_by_index(2)?;
        let (key, currency, day) = match figure.as_str() {
            "goals" => {
                active_goals = value;
                continue;
            }
            "points" => {
                achievement_points = value;
                continue;
            }
            "saved" => (2, currency()?, Some(as_of)),
            "spent" => (1, currency()?, day),
            _ => (0, currency()?, day),
        };
        groups.push(Group {
            key,
            target,
            currency,
            day,
            sums: [value],
        });
    }
    let mut figures = convert::figures(db, user_id, groups).await?;
    let mut figure = |key: u8| {
        figures
            .remove(&key)
            .map_or_else(|| Converted::zero(target), |[value]| value)
    };
    Ok(Standing {
        budgeted: figure(0),
        spent_in_budgets: figure(1),
        active_goals,
        total_saved: figure(2),
        achievement_points,
    })
}

/// An expense (or one line of a split expense) far above its category's usual.
#[derive(Debug, Clone)]
pub struct Unusual {
    pub category_id: Uuid,
    pub description: String,
    /// Minor units of `currency`, the category's.
    pub amount: i64,
    pub currency: Currency,
    /// The mean of the category's other expenses, in minor units.
    pub others_average: i64,
}

/// Expenses in `range` larger than three times the average of the other expenses in the same
/// category (which needs at least three others to be meaningful), largest first. Split lines
/// count in their own categories; expenses compare with others in the category's currency.
pub async fn unusual_expenses(db: &DatabaseConnection, user_id: Uuid, range: DateRange) -> AppResult<Vec<Unusual>> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT t.budget_category_id, p.description, t.amount, s.total, s.n, t.currency FROM {lines} t \
        JOIN transactions p ON p.id = t.id \
        JOIN (SELECT l.budget_category_id, l.currency, CAST(SUM(l.amount) AS BIGINT) AS total, COUNT(*) AS n \
              FROM {lines} l JOIN budget_categories c ON c.id = l.budget_category_id AND c.currency = l.currency \
              WHERE l.user_id = ? AND l.type = 'expense' GROUP BY l.budget_category_id, l.currency) s \
          ON s.budget_category_id = t.budget_category_id AND s.currency = t.currency \
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
        let currency: String = row.try_get_by_index(5)?;
        unusual.push(Unusual {
            category_id: row.try_get_by_index(0)?,
            description: row.try_get_by_index(1)?,
            amount,
            currency: Currency::of(&currency),
            others_average: (total - amount) / (count - 1).max(1),
        });
    }
    Ok(unusual)
}
