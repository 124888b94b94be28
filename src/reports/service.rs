//! Aggregate queries. Sums are CAST to BIGINT because PostgreSQL widens SUM(bigint) to
//! NUMERIC; minor units keep them exact on both backends.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    budgets::service::spent_within_budget,
    db,
    entities::{
        budget_categories, budgets,
        transactions::{self, Column, Entity as Transactions, TransactionType},
    },
    error::{AppError, AppResult},
    ownership,
    periods::{DateRange, Granularity},
    transactions::service::{TransactionFilter, check_filter, condition},
};

const INCOME_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'income' THEN amount ELSE 0 END), 0) AS BIGINT)";
const EXPENSE_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'expense' THEN amount ELSE 0 END), 0) AS BIGINT)";
const EXPENSE_COUNT: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'expense' THEN 1 ELSE 0 END), 0) AS BIGINT)";
const AMOUNT_SUM: &str = "CAST(COALESCE(SUM(amount), 0) AS BIGINT)";

/// Income and expenses of a set of transactions, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: i64,
    pub income: i64,
    pub expenses: i64,
    pub expense_count: i64,
}

impl Totals {
    pub fn net(&self) -> i64 {
        self.income - self.expenses
    }
}

/// One category's (or, with `None`, the uncategorized) sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySum {
    pub category_id: Option<Uuid>,
    pub total: i64,
    pub count: i64,
}

/// One period's income and expenses; `start` is the first day of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodSum {
    pub start: NaiveDate,
    pub income: i64,
    pub expenses: i64,
}

pub fn in_range(range: DateRange) -> TransactionFilter {
    TransactionFilter {
        from: Some(range.start),
        to: Some(range.end),
        ..Default::default()
    }
}

pub async fn totals(db: &DatabaseConnection, user_id: Uuid, filter: &TransactionFilter) -> AppResult<Totals> {
    check_filter(filter)?;
    let row: Option<(i64, i64, i64, i64)> = Transactions::find()
        .select_only()
        .filter(condition(user_id, filter))
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust(INCOME_SUM))
        .expr(Expr::cust(EXPENSE_SUM))
        .expr(Expr::cust(EXPENSE_COUNT))
        .into_tuple()
        .one(db)
        .await?;
    let (count, income, expenses, expense_count) = row.unwrap_or_default();
    Ok(Totals {
        count,
        income,
        expenses,
        expense_count,
    })
}

/// Sums of `kind` transactions per category, largest first.
pub async fn by_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    kind: TransactionType,
) -> AppResult<Vec<CategorySum>> {
    check_filter(filter)?;
    let rows: Vec<(Option<Uuid>, i64, i64)> = Transactions::find()
        .select_only()
        .filter(condition(user_id, filter))
        .filter(Column::Kind.eq(kind))
        .column(Column::BudgetCategoryId)
        .expr(Expr::cust(AMOUNT_SUM))
        .expr(Expr::cust("COUNT(*)"))
        .group_by(Column::BudgetCategoryId)
        .into_tuple()
        .all(db)
        .await?;
    let mut sums: Vec<CategorySum> = rows
        .into_iter()
        .map(|(category_id, total, count)| CategorySum {
            category_id,
            total,
            count,
        })
        .collect();
    sums.sort_by(|a, b| b.total.cmp(&a.total).then(a.category_id.cmp(&b.category_id)));
    Ok(sums)
}

/// Income and expenses per period: for every period in `buckets` (empty ones as zeros), or
/// without buckets for the periods that have transactions, oldest first.
pub async fn by_period(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    granularity: Granularity,
    buckets: Option<&[NaiveDate]>,
) -> AppResult<Vec<PeriodSum>> {
    check_filter(filter)?;
    let bucket = bucket_sql(db.get_database_backend(), granularity);
    let rows: Vec<(String, i64, i64)> = Transactions::find()
        .select_only()
        .filter(condition(user_id, filter))
        .expr(Expr::cust(bucket))
        .expr(Expr::cust(INCOME_SUM))
        .expr(Expr::cust(EXPENSE_SUM))
        .group_by(Expr::cust(bucket))
        .into_tuple()
        .all(db)
        .await?;
    let mut sums = HashMap::new();
    for (start, income, expenses) in rows {
        let start = NaiveDate::parse_from_str(&start, "%Y-%m-%d").map_err(AppError::internal)?;
        sums.insert(start, (income, expenses));
    }
    let mut starts: Vec<NaiveDate> = match buckets {
        Some(buckets) => buckets.to_vec(),
        None => sums.keys().copied().collect(),
    };
    starts.sort_unstable();
    Ok(starts
        .into_iter()
        .map(|start| {
            let (income, expenses) = sums.get(&start).copied().unwrap_or_default();
            PeriodSum {
                start,
                income,
                expenses,
            }
        })
        .collect())
}

/// The first day of each transaction's period, as `YYYY-MM-DD` text, per dialect.
fn bucket_sql(backend: DbBackend, granularity: Granularity) -> &'static str {
    match (backend, granularity) {
        (DbBackend::Postgres, Granularity::Week) => "to_char(date_trunc('week', transaction_date), 'YYYY-MM-DD')",
        (DbBackend::Postgres, Granularity::Month) => "to_char(date_trunc('month', transaction_date), 'YYYY-MM-DD')",
        (DbBackend::Postgres, Granularity::Year) => "to_char(date_trunc('year', transaction_date), 'YYYY-MM-DD')",
        // SQLite: back six days, then forward to the next Monday = the Monday on or before.
        (_, Granularity::Week) => "date(transaction_date, '-6 days', 'weekday 1')",
        (_, Granularity::Month) => "strftime('%Y-%m-01', transaction_date)",
        (_, Granularity::Year) => "strftime('%Y-01-01', transaction_date)",
    }
}

/// The largest expenses in `range`, largest first.
pub async fn top_expenses(
    db: &DatabaseConnection,
    user_id: Uuid,
    range: DateRange,
    limit: u64,
) -> AppResult<Vec<transactions::Model>> {
    let filter = TransactionFilter {
        kind: Some(TransactionType::Expense),
        ..in_range(range)
    };
    Ok(Transactions::find()
        .filter(condition(user_id, &filter))
        .order_by_desc(Column::Amount)
        .order_by_desc(Column::TransactionDate)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The newest transactions.
pub async fn recent(db: &DatabaseConnection, user_id: Uuid, limit: u64) -> AppResult<Vec<transactions::Model>> {
    Ok(ownership::owned::<Transactions>(user_id)
        .order_by_desc(Column::TransactionDate)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// A budget with each category's spending and the uncategorized spending in its range.
pub struct BudgetActuals {
    pub budget: budgets::Model,
    pub categories: Vec<(budget_categories::Model, i64)>,
    pub uncategorized: i64,
}

pub async fn budget_actuals(db: &DatabaseConnection, user_id: Uuid, budget_id: Uuid) -> AppResult<BudgetActuals> {
    let budget = ownership::get::<budgets::Entity>(db, user_id, budget_id).await?;
    let categories = crate::budgets::service::categories_of_budgets(db, user_id, &[budget.id]).await?;
    let ids: Vec<Uuid> = categories.iter().map(|c| c.id).collect();
    let spent = if ids.is_empty() {
        HashMap::new()
    } else {
        crate::budgets::service::spent_by_category(db, user_id, &ids).await?
    };
    let range = DateRange {
        start: budget.start_date,
        end: budget.end_date,
    };
    let filter = TransactionFilter {
        kind: Some(TransactionType::Expense),
        uncategorized: Some(true),
        ..in_range(range)
    };
    let uncategorized = totals(db, user_id, &filter).await?.expenses;
    let categories = categories.into_iter().map(|c| {
        let spent = spent.get(&c.id).copied().unwrap_or(0);
        (c, spent)
    });
    Ok(BudgetActuals {
        budget,
        categories: categories.collect(),
        uncategorized,
    })
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
    let sql = concat!(
        "SELECT \
        (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM budgets WHERE user_id = ? AND start_date <= ? AND end_date >= ?), \
        (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM budgets b \
           JOIN budget_categories c ON c.budget_id = b.id \
           JOIN transactions t ON t.budget_category_id = c.id AND ",
        spent_within_budget!(),
        " WHERE b.user_id = ? AND b.start_date <= ? AND b.end_date >= ?), \
        (SELECT COUNT(*) FROM savings_goals WHERE user_id = ? AND status = 'active'), \
        (SELECT CAST(COALESCE(SUM(current_amount), 0) AS BIGINT) FROM savings_goals WHERE user_id = ?), \
        (SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM achievements WHERE user_id = ?)"
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
        .query_one_raw(db::statement(db.get_database_backend(), sql, values))
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

/// Expenses in `range` larger than three times the average of the other expenses in the same
/// category (which needs at least three others to be meaningful), largest first.
pub async fn unusual_expenses(
    db: &DatabaseConnection,
    user_id: Uuid,
    range: DateRange,
) -> AppResult<Vec<(transactions::Model, i64)>> {
    let sql = "SELECT t.*, s.total AS category_total, s.n AS category_count FROM transactions t \
        JOIN (SELECT budget_category_id, CAST(SUM(amount) AS BIGINT) AS total, COUNT(*) AS n FROM transactions \
              WHERE user_id = ? AND type = 'expense' AND budget_category_id IS NOT NULL GROUP BY budget_category_id) s \
          ON s.budget_category_id = t.budget_category_id \
        WHERE t.user_id = ? AND t.type = 'expense' AND t.transaction_date >= ? AND t.transaction_date <= ? \
          AND s.n >= 4 AND t.amount * (s.n - 1) > 3 * (s.total - t.amount) \
        ORDER BY t.amount DESC, t.id DESC LIMIT 5";
    let values = vec![user_id.into(), user_id.into(), range.start.into(), range.end.into()];
    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), sql, values))
        .await?;
    let mut unusual = Vec::with_capacity(rows.len());
    for row in rows {
        let transaction = <transactions::Model as sea_orm::FromQueryResult>::from_query_result(&row, "")?;
        let total: i64 = row.try_get("", "category_total")?;
        let count: i64 = row.try_get("", "category_count")?;
        let others_average = (total - transaction.amount) / (count - 1).max(1);
        unusual.push((transaction, others_average));
    }
    Ok(unusual)
}
