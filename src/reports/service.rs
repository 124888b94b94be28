//! Aggregate queries. Sums are CAST to BIGINT because PostgreSQL widens SUM(bigint) to
//! NUMERIC; minor units keep them exact on both backends.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use crate::foundation::entities::{
    budget_categories, budgets,
    transactions::{self, Column, Entity as Transactions, TransactionType},
};
use crate::{
    foundation::{
        error::{AppError, AppResult},
        ledger::category_lines,
        ownership,
        periods::{DateRange, Granularity},
    },
    transactions::filter::{Rows, TransactionFilter, check_filter, condition, condition_on, selects_categories},
};

const INCOME_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'income' THEN amount ELSE 0 END), 0) AS BIGINT)";
const EXPENSE_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'expense' THEN amount ELSE 0 END), 0) AS BIGINT)";
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

/// The rows a filter's aggregate sums: whole transactions, or category lines when the filter
/// selects by category (a split transaction then counts only its lines in that category).
fn source(filter: &TransactionFilter) -> (SelectStatement, Rows) {
    let mut select = Query::select();
    if selects_categories(filter) {
        select.from_subquery(category_lines(), transactions::Entity);
        (select, Rows::Lines)
    } else {
        select.from(transactions::Entity);
        (select, Rows::Transactions)
    }
}

/// How many income and expense transactions (a split transaction's lines count once).
fn counted(rows: Rows, kinds: &str) -> String {
    match rows {
        Rows::Transactions => {
            format!("CAST(COALESCE(SUM(CASE WHEN type IN ({kinds}) THEN 1 ELSE 0 END), 0) AS BIGINT)")
        }
        Rows::Lines => format!("CAST(COUNT(DISTINCT CASE WHEN type IN ({kinds}) THEN id END) AS BIGINT)"),
    }
}

pub async fn totals(db: &DatabaseConnection, user_id: Uuid, filter: &TransactionFilter) -> AppResult<Totals> {
    check_filter(filter)?;
    let (mut select, rows) = source(filter);
    select
        .cond_where(condition_on(user_id, filter, rows))
        .expr(Expr::cust(counted(rows, "'income', 'expense'")))
        .expr(Expr::cust(INCOME_SUM))
        .expr(Expr::cust(EXPENSE_SUM))
        .expr(Expr::cust(counted(rows, "'expense'")));
    let row = db.query_one(&select).await?;
    let get = |i| row.as_ref().map_or(Ok(0), |r| r.try_get_by_index::<i64>(i));
    Ok(Totals {
        count: get(0)?,
        income: get(1)?,
        expenses: get(2)?,
        expense_count: get(3)?,
    })
}

/// Sums of `kind` transactions per category, largest first; a split transaction's lines count
/// in their own categories.
pub async fn by_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    kind: TransactionType,
) -> AppResult<Vec<CategorySum>> {
    check_filter(filter)?;
    let mut select = Query::select();
    select
        .from_subquery(category_lines(), transactions::Entity)
        .cond_where(condition_on(user_id, filter, Rows::Lines))
        .and_where(Column::Kind.eq(kind))
        .column(Column::BudgetCategoryId)
        .expr(Expr::cust(AMOUNT_SUM))
        .expr(Expr::cust("CAST(COUNT(DISTINCT id) AS BIGINT)"))
        .group_by_col(Column::BudgetCategoryId);
    let rows = db.query_all(&select).await?;
    let mut sums = rows
        .iter()
        .map(|row| {
            Ok(CategorySum {
                category_id: row.try_get_by_index(0)?,
                total: row.try_get_by_index(1)?,
                count: row.try_get_by_index(2)?,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
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
    let (mut select, rows) = source(filter);
    select
        .cond_where(condition_on(user_id, filter, rows))
        .expr(Expr::cust(bucket))
        .expr(Expr::cust(INCOME_SUM))
        .expr(Expr::cust(EXPENSE_SUM))
        .add_group_by([Expr::cust(bucket)]);
    let mut sums = HashMap::new();
    for row in db.query_all(&select).await? {
        let start: String = row.try_get_by_index(0)?;
        let start = NaiveDate::parse_from_str(&start, "%Y-%m-%d").map_err(AppError::internal)?;
        sums.insert(
            start,
            (row.try_get_by_index::<i64>(1)?, row.try_get_by_index::<i64>(2)?),
        );
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
