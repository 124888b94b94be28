//! Aggregate queries. Sums are CAST to BIGINT because PostgreSQL widens SUM(bigint) to
//! NUMERIC; minor units keep them exact on both backends. Every figure is in one target
//! currency: rows are grouped by currency (and, away from the target, by day) and converted
//! with the caller's rates (`rates::convert`), rounding once per figure.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryResult,
    QuerySelect,
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
        fx::Converted,
        ledger::category_lines,
        money::Currency,
        ownership,
        periods::{DateRange, Granularity},
    },
    rates::convert::{self, Group, currency_literal, foreign_day_sql},
    transactions::filter::{Rows, TransactionFilter, check_filter, condition, condition_on, selects_categories},
};

const INCOME_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'income' THEN amount ELSE 0 END), 0) AS BIGINT)";
const EXPENSE_SUM: &str = "CAST(COALESCE(SUM(CASE WHEN type = 'expense' THEN amount ELSE 0 END), 0) AS BIGINT)";
const AMOUNT_SUM: &str = "CAST(COALESCE(SUM(amount), 0) AS BIGINT)";

/// Income and expenses of a set of transactions, converted into one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub count: i64,
    pub income: Converted,
    pub expenses: Converted,
    pub expense_count: i64,
}

impl Totals {
    /// Income minus expenses, from the exact figures (rounded once, when shown).
    pub fn net(&self) -> Converted {
        self.income.minus(&self.expenses)
    }
}

/// One category's (or, with `None`, the uncategorized) sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySum {
    pub category_id: Option<Uuid>,
    pub total: Converted,
    pub count: i64,
}

/// One period's income and expenses; `start` is the first day of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSum {
    pub start: NaiveDate,
    pub income: Converted,
    pub expenses: Converted,
}

impl PeriodSum {
    pub fn net(&self) -> Converted {
        self.income.minus(&self.expenses)
    }
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

/// Adds the currency grouping to `select` (its last two columns): amounts in `target` group by
/// currency alone, others by currency and day.
fn group_by_currency(select: &mut SelectStatement, target: Currency) {
    let day = foreign_day_sql("currency", &currency_literal(target), "transaction_date");
    select
        .expr(Expr::cust("currency"))
        .expr(Expr::cust(day.clone()))
        .add_group_by([Expr::cust("currency"), Expr::cust(day)]);
}

/// The currency and day of a row grouped by [`group_by_currency`], at `at` and `at + 1`.
fn currency_and_day(row: &QueryResult, at: usize) -> Result<(Currency, Option<NaiveDate>), sea_orm::DbErr> {
    let currency: String = row.try_get_by_index(at)?;
    Ok((Currency::of(&currency), row.try_get_by_index(at + 1)?))
}

pub async fn totals(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    target: Currency,
) -> AppResult<Totals> {
    check_filter(filter)?;
    let (mut select, rows) = source(filter);
    select
        .cond_where(condition_on(user_id, filter, rows))
        .expr(Expr::cust(counted(rows, "'income', 'expense'")))
        .expr(Expr::cust(counted(rows, "'expense'")))
        .expr(Expr::cust(INCOME_SUM))
        .expr(Expr::cust(EXPENSE_SUM));
    group_by_currency(&mut select, target);
    let (mut count, mut expense_count, mut groups) = (0, 0, Vec::new());
    for row in db.query_all(&select).await? {
        count += row.try_get_by_index::<i64>(0)?;
        expense_count += row.try_get_by_index::<i64>(1)?;
        let (currency, day) = currency_and_day(&row, 4)?;
        groups.push(Group {
            key: (),
            target,
            currency,
            day,
            sums: [row.try_get_by_index(2)?, row.try_get_by_index(3)?],
        });
    }
    let [income, expenses] = convert::figures(db, user_id, groups)
        .await?
        .remove(&())
        .unwrap_or_else(|| [Converted::zero(target), Converted::zero(target)]);
    Ok(Totals {
        count,
        income,
        expenses,
        expense_count,
    })
}

/// Sums of `kind` transactions per category, largest first; a split transaction's lines count
/// in their own categories.
pub async fn by_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    kind: TransactionType,
    target: Currency,
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
    group_by_currency(&mut select, target);
    let mut counts: HashMap<Option<Uuid>, i64> = HashMap::new();
    let mut groups = Vec::new();
    for row in db.query_all(&select).await? {
        let category_id: Option<Uuid> = row.try_get_by_index(0)?;
        *counts.entry(category_id).or_default() += row.try_get_by_index::<i64>(2)?;
        let (currency, day) = currency_and_day(&row, 3)?;
        groups.push(Group {
            key: category_id,
            target,
            currency,
            day,
            sums: [row.try_get_by_index(1)?],
        });
    }
    let mut sums: Vec<CategorySum> = convert::figures(db, user_id, groups)
        .await?
        .into_iter()
        .map(|(category_id, [total])| CategorySum {
            category_id,
            count: counts.get(&category_id).copied().unwrap_or_default(),
            total,
        })
        .collect();
    sums.sort_by(|a, b| {
        b.total
            .value
            .cmp(&a.total.value)
            .then(a.category_id.cmp(&b.category_id))
    });
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
    target: Currency,
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
    group_by_currency(&mut select, target);
    let mut groups = Vec::new();
    for row in db.query_all(&select).await? {
        let start: String = row.try_get_by_index(0)?;
        let start = NaiveDate::parse_from_str(&start, "%Y-%m-%d").map_err(AppError::internal)?;
        let (currency, day) = currency_and_day(&row, 3)?;
        groups.push(Group {
            key: start,
            target,
            currency,
            day,
            sums: [row.try_get_by_index(1)?, row.try_get_by_index(2)?],
        });
    }
    let mut sums = convert::figures(db, user_id, groups).await?;
    let mut starts: Vec<NaiveDate> = match buckets {
        Some(buckets) => buckets.to_vec(),
        None => sums.keys().copied().collect(),
    };
    starts.sort_unstable();
    Ok(starts
        .into_iter()
        .map(|start| {
            let [income, expenses] = sums
                .remove(&start)
                .unwrap_or_else(|| [Converted::zero(target), Converted::zero(target)]);
            PeriodSum {
                start,
                income,
                expenses,
            }
        })
        .collect())
}

/// The first day of each transaction's period, as `YYYY-MM-DD` text, per dialect.
pub(super) fn bucket_sql(backend: DbBackend, granularity: Granularity) -> &'static str {
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

/// A budget with each category's spending and the uncategorized spending in its range, in
/// the budget's currency.
pub struct BudgetActuals {
    pub budget: budgets::Model,
    pub categories: Vec<(budget_categories::Model, Converted)>,
    pub uncategorized: Converted,
}

pub async fn budget_actuals(db: &DatabaseConnection, user_id: Uuid, budget_id: Uuid) -> AppResult<BudgetActuals> {
    let budget = ownership::get::<budgets::Entity>(db, user_id, budget_id).await?;
    let currency = Currency::of(&budget.currency);
    let categories = crate::budgets::categories::of_budgets(db, user_id, &[budget.id]).await?;
    let ids: Vec<Uuid> = categories.iter().map(|c| c.id).collect();
    let mut spent = crate::budgets::spending::by_category(db, user_id, &ids).await?;
    let range = DateRange {
        start: budget.start_date,
        end: budget.end_date,
    };
    let filter = TransactionFilter {
        kind: Some(TransactionType::Expense),
        uncategorized: Some(true),
        ..in_range(range)
    };
    let uncategorized = totals(db, user_id, &filter, currency).await?.expenses;
    let categories = categories.into_iter().map(|c| {
        let spent = spent.remove(&c.id).unwrap_or_else(|| Converted::zero(currency));
        (c, spent)
    });
    Ok(BudgetActuals {
        budget,
        categories: categories.collect(),
        uncategorized,
    })
}
