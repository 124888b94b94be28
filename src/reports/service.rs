//! Aggregate queries. Sums are CAST to BIGINT because PostgreSQL widens SUM(bigint) to
//! NUMERIC; minor units keep them exact on both backends.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use crate::foundation::entities::{
    budget_categories, budgets,
    transactions::{self, Column, Entity as Transactions, TransactionType},
};
use crate::{
    foundation::{
        error::{AppError, AppResult},
        ownership,
        periods::{DateRange, Granularity},
    },
    transactions::filter::{TransactionFilter, check_filter, condition},
};

const INCOME_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'income' THEN amount ELSE 0 END), 0) AS BIGINT)";
const EXPENSE_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'expense' THEN amount ELSE 0 END), 0) AS BIGINT)";
const EXPENSE_COUNT: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'expense' THEN 1 ELSE 0 END), 0) AS BIGINT)";
/// Transfers are neither income nor expense, so they are not counted either.
const COUNT: &str = "CAST(COALESCE(SUM(CASE WHEN type IN ('income', 'expense') THEN 1 ELSE 0 END), 0) AS BIGINT)";
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
        .expr(Expr::cust(COUNT))
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

/// A budget with each category's spending and the uncategorized spending in its range.
pub struct BudgetActuals {
    pub budget: budgets::Model,
    pub categories: Vec<(budget_categories::Model, i64)>,
    pub uncategorized: i64,
}

pub async fn budget_actuals(db: &DatabaseConnection, user_id: Uuid, budget_id: Uuid) -> AppResult<BudgetActuals> {
    let budget = ownership::get::<budgets::Entity>(db, user_id, budget_id).await?;
    let categories = crate::budgets::categories::of_budgets(db, user_id, &[budget.id]).await?;
    let ids: Vec<Uuid> = categories.iter().map(|c| c.id).collect();
    let spent = if ids.is_empty() {
        HashMap::new()
    } else {
        crate::budgets::spending::by_category(db, user_id, &ids).await?
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
