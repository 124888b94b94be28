//! Report types and queries: transactionStats, monthlyReport, categoryReport, trendReport,
//! budgetReport. Fields compute lazily, so a client pays only for what it selects.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::{AuthUser, ContextExt},
    budgets::{
        graphql::{Budget, BudgetCategory},
        status,
    },
    entities::transactions::TransactionType as RowType,
    error::{AppError, AppResult},
    graphql::scalars::Date,
    ids,
    money::Money,
    periods::{self, Granularity as Bucket},
    reports::service::{self, CategorySum, PeriodSum, Totals, in_range},
    transactions::{
        graphql::{Transaction, TransactionFilter, TransactionType},
        service::TransactionFilter as Filter,
    },
};

/// The most periods a trend may span (ten years of weeks).
const MAX_PERIODS: usize = 520;

/// Period size for trends; weeks start on Monday (ISO).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Granularity {
    Week,
    Month,
    Year,
}

impl From<Granularity> for Bucket {
    fn from(g: Granularity) -> Self {
        match g {
            Granularity::Week => Bucket::Week,
            Granularity::Month => Bucket::Month,
            Granularity::Year => Bucket::Year,
        }
    }
}

/// An inclusive range of days.
#[derive(SimpleObject, Clone, Copy)]
#[graphql(name = "DateRange")]
pub struct DateRangeObject {
    /// First day.
    start: Date,
    /// Last day (inclusive).
    end: Date,
}

impl From<periods::DateRange> for DateRangeObject {
    fn from(r: periods::DateRange) -> Self {
        DateRangeObject {
            start: Date(r.start),
            end: Date(r.end),
        }
    }
}

/// Income and expenses of one period.
#[derive(SimpleObject, Clone)]
pub struct PeriodTotal {
    /// First day of the period (a Monday, the 1st, or January 1st).
    period_start: Date,
    /// Income in the period.
    income: Money,
    /// Expenses in the period.
    expenses: Money,
    /// income - expenses.
    net: Money,
}

impl From<PeriodSum> for PeriodTotal {
    fn from(p: PeriodSum) -> Self {
        PeriodTotal {
            period_start: Date(p.start),
            income: Money::from_db(p.income),
            expenses: Money::from_db(p.expenses),
            net: Money::from_db(p.income - p.expenses),
        }
    }
}

/// One category's share of a total; `category` is null for uncategorized transactions.
pub struct CategoryTotal {
    sum: CategorySum,
    grand_total: i64,
}

/// One category's share of a total; `category` is null for uncategorized transactions.
#[Object]
impl CategoryTotal {
    /// The category, or null for the uncategorized transactions.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        let Some(id) = self.sum.category_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .extend()?
            .category
            .load_one(id)
            .await
            .extend()?
            .map(BudgetCategory))
    }
    /// Sum of the category's transactions.
    async fn total(&self) -> Money {
        Money::from_db(self.sum.total)
    }
    /// How many transactions.
    async fn count(&self) -> i64 {
        self.sum.count
    }
    /// total / the sum over all categories, as a fraction (0.25 = a quarter), four decimals.
    async fn share(&self) -> f64 {
        ratio(self.sum.total, self.grand_total)
    }
}

fn category_totals(sums: Vec<CategorySum>) -> Vec<CategoryTotal> {
    let grand_total = sums.iter().map(|s| s.total).sum();
    sums.into_iter().map(|sum| CategoryTotal { sum, grand_total }).collect()
}

/// `part / whole` rounded to four decimals; 0 when `whole` is 0.
pub fn ratio(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let r = part as f64 / whole as f64;
    (r * 10_000.0).round() / 10_000.0
}

/// Aggregates over the transactions a filter selects.
pub struct TransactionStats {
    state: AppState,
    user_id: Uuid,
    filter: Filter,
    totals: OnceCell<Totals>,
}

impl TransactionStats {
    async fn totals(&self) -> AppResult<&Totals> {
        self.totals
            .get_or_try_init(|| service::totals(&self.state.db, self.user_id, &self.filter))
            .await
    }
}

/// Aggregates over the transactions a filter selects.
#[Object]
impl TransactionStats {
    /// How many transactions match.
    async fn count(&self) -> Result<i64> {
        self.totals().await.map(|t| t.count).extend()
    }
    /// Sum of the income.
    async fn total_income(&self) -> Result<Money> {
        self.totals().await.map(|t| Money::from_db(t.income)).extend()
    }
    /// Sum of the expenses.
    async fn total_expenses(&self) -> Result<Money> {
        self.totals().await.map(|t| Money::from_db(t.expenses)).extend()
    }
    /// totalIncome - totalExpenses.
    async fn net(&self) -> Result<Money> {
        self.totals().await.map(|t| Money::from_db(t.net())).extend()
    }
    /// Mean expense, rounded half away from zero to the cent; 0 without expenses.
    async fn average_expense(&self) -> Result<Money> {
        self.totals()
            .await
            .map(|t| Money::from_db(mean(t.expenses, t.expense_count)))
            .extend()
    }
    /// Expenses per category, largest first (income per category when the filter's type is
    /// INCOME).
    async fn by_category(&self) -> Result<Vec<CategoryTotal>> {
        let kind = self.filter.kind.unwrap_or(RowType::Expense);
        let sums = service::by_category(&self.state.db, self.user_id, &self.filter, kind)
            .await
            .extend()?;
        Ok(category_totals(sums))
    }
    /// Income and expenses per calendar month: every month from `from` to `to` (empty ones
    /// as zeros) when both are given, otherwise the months that have transactions.
    async fn by_month(&self) -> Result<Vec<PeriodTotal>> {
        let buckets = match (self.filter.from, self.filter.to) {
            (Some(from), Some(to)) => Some(checked_buckets(from, to, Bucket::Month, "filter.to").extend()?),
            _ => None,
        };
        let sums = service::by_period(
            &self.state.db,
            self.user_id,
            &self.filter,
            Bucket::Month,
            buckets.as_deref(),
        )
        .await
        .extend()?;
        Ok(sums.into_iter().map(Into::into).collect())
    }
}

/// Rounded half away from zero to a whole minor unit.
fn mean(sum: i64, count: i64) -> i64 {
    if count == 0 {
        return 0;
    }
    let mean =
        (Decimal::from(sum) / Decimal::from(count)).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(mean).unwrap_or_default()
}

fn checked_buckets(from: NaiveDate, to: NaiveDate, granularity: Bucket, field: &str) -> AppResult<Vec<NaiveDate>> {
    if to < from {
        return Err(AppError::invalid(field, "must not be before from"));
    }
    periods::buckets(from, to, granularity, MAX_PERIODS)
        .ok_or_else(|| AppError::invalid(field, format!("spans more than {MAX_PERIODS} periods")))
}

/// Income, expenses and where the money went in one calendar month.
pub struct MonthlyReport {
    state: AppState,
    user_id: Uuid,
    month: periods::DateRange,
    totals: Totals,
}

/// Income, expenses and where the money went in one calendar month.
#[Object]
impl MonthlyReport {
    /// The calendar month.
    async fn month(&self) -> DateRangeObject {
        self.month.into()
    }
    /// Income in the month.
    async fn income(&self) -> Money {
        Money::from_db(self.totals.income)
    }
    /// Expenses in the month.
    async fn expenses(&self) -> Money {
        Money::from_db(self.totals.expenses)
    }
    /// income - expenses.
    async fn net(&self) -> Money {
        Money::from_db(self.totals.net())
    }
    /// net / income as a fraction, four decimals; 0 without income.
    async fn savings_rate(&self) -> f64 {
        ratio(self.totals.net(), self.totals.income)
    }
    /// Expenses per category, largest first.
    async fn by_category(&self) -> Result<Vec<CategoryTotal>> {
        let sums = service::by_category(&self.state.db, self.user_id, &in_range(self.month), RowType::Expense)
            .await
            .extend()?;
        Ok(category_totals(sums))
    }
    /// The month's largest expenses (at most 100).
    #[graphql(complexity = "crate::graphql::limits::page_cost(Some(first), None, child_complexity)")]
    async fn top_expenses(&self, #[graphql(default = 5)] first: i32) -> Result<Vec<Transaction>> {
        let limit = page_limit(first, "first").extend()?;
        let rows = service::top_expenses(&self.state.db, self.user_id, self.month, limit)
            .await
            .extend()?;
        Ok(rows.into_iter().map(Transaction).collect())
    }
    /// The month before, for comparison.
    async fn previous_month(&self) -> Result<PeriodTotal> {
        let previous = periods::previous_month(self.month.start);
        let t = service::totals(&self.state.db, self.user_id, &in_range(previous))
            .await
            .extend()?;
        Ok(PeriodSum {
            start: previous.start,
            income: t.income,
            expenses: t.expenses,
        }
        .into())
    }
}

/// A count argument between 0 and 100.
pub fn page_limit(n: i32, field: &str) -> AppResult<u64> {
    u64::try_from(n)
        .ok()
        .filter(|n| *n <= crate::pagination::MAX_PAGE_SIZE)
        .ok_or_else(|| AppError::invalid(field, "must be between 0 and 100"))
}

/// One category's plan against its actual spending.
#[derive(SimpleObject)]
pub struct BudgetCategoryReport {
    /// The category.
    category: BudgetCategory,
    /// The category's amount.
    budgeted: Money,
    /// Expenses in the category within the budget's dates.
    actual: Money,
    /// budgeted - actual; negative when over.
    variance: Money,
    /// actual / budgeted in percent, two decimals.
    percent_used: f64,
}

/// A budget's plan against its actual spending.
#[derive(SimpleObject)]
pub struct BudgetReport {
    /// The budget.
    budget: Budget,
    /// The budget's amount.
    budgeted: Money,
    /// Expenses in its categories within its dates.
    actual: Money,
    /// budgeted - actual; negative when over.
    variance: Money,
    /// Per category.
    categories: Vec<BudgetCategoryReport>,
    /// Expenses within the budget's dates that have no category.
    uncategorized_spending: Money,
}

#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// Totals, average expense, and breakdowns by category and month for a filter.
    async fn transaction_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<TransactionFilter>,
    ) -> Result<TransactionStats> {
        let (state, caller) = ctx.authenticated().extend()?;
        let filter: Filter = filter.unwrap_or_default().into();
        crate::transactions::service::check_filter(&filter).extend()?;
        Ok(TransactionStats {
            state: state.clone(),
            user_id: caller.id,
            filter,
            totals: OnceCell::new(),
        })
    }

    /// The calendar month containing `month` (any day of it).
    async fn monthly_report(&self, ctx: &Context<'_>, month: Date) -> Result<MonthlyReport> {
        let (state, caller) = ctx.authenticated().extend()?;
        let month = periods::month_of(month.0);
        let totals = service::totals(&state.db, caller.id, &in_range(month)).await.extend()?;
        Ok(MonthlyReport {
            state: state.clone(),
            user_id: caller.id,
            month,
            totals,
        })
    }

    /// Totals per category of one transaction type between two days (inclusive), with each
    /// category's share; uncategorized transactions have category null.
    async fn category_report(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(name = "type", default_with = "Some(TransactionType::Expense)")] kind: Option<TransactionType>,
    ) -> Result<Vec<CategoryTotal>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let filter = Filter {
            from: Some(from.0),
            to: Some(to.0),
            ..Default::default()
        };
        let kind = kind.map(RowType::from).unwrap_or(RowType::Expense);
        let sums = service::by_category(&state.db, caller.id, &filter, kind)
            .await
            .extend()?;
        Ok(category_totals(sums))
    }

    /// Income and expenses per week (Monday first), month or year between two days, with
    /// empty periods as zeros.
    async fn trend_report(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default_with = "Some(Granularity::Month)")] granularity: Option<Granularity>,
    ) -> Result<Vec<PeriodTotal>> {
        let (state, caller) = ctx.authenticated().extend()?;
        trend(
            state,
            caller,
            from.0,
            to.0,
            granularity.unwrap_or(Granularity::Month).into(),
        )
        .await
        .extend()
    }

    /// A budget's plan against actual spending, per category, with uncategorized spending in
    /// its dates.
    async fn budget_report(&self, ctx: &Context<'_>, budget_id: ID) -> Result<BudgetReport> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&budget_id).ok_or(AppError::NotFound("budget")).extend()?;
        let actuals = service::budget_actuals(&state.db, caller.id, id).await.extend()?;
        let actual: i64 = actuals.categories.iter().map(|(_, spent)| spent).sum();
        let budgeted = actuals.budget.amount;
        let categories = actuals
            .categories
            .into_iter()
            .map(|(category, spent)| BudgetCategoryReport {
                budgeted: Money::from_db(category.amount),
                actual: Money::from_db(spent),
                variance: Money::from_db(category.amount - spent),
                percent_used: status::percent_used(spent, category.amount),
                category: BudgetCategory(category),
            })
            .collect();
        Ok(BudgetReport {
            budget: Budget(actuals.budget),
            budgeted: Money::from_db(budgeted),
            actual: Money::from_db(actual),
            variance: Money::from_db(budgeted - actual),
            categories,
            uncategorized_spending: Money::from_db(actuals.uncategorized),
        })
    }
}

/// Income and expenses per period between two days, empty periods included.
pub async fn trend(
    state: &AppState,
    caller: &AuthUser,
    from: NaiveDate,
    to: NaiveDate,
    granularity: Bucket,
) -> AppResult<Vec<PeriodTotal>> {
    let buckets = checked_buckets(from, to, granularity, "to")?;
    let filter = Filter {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let sums = service::by_period(&state.db, caller.id, &filter, granularity, Some(&buckets)).await?;
    Ok(sums.into_iter().map(Into::into).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_round_half_away_from_zero() {
        assert_eq!(mean(1000, 3), 333);
        assert_eq!(mean(1001, 2), 501);
        assert_eq!(mean(5, 0), 0);
    }

    #[test]
    fn ratios_have_four_decimals() {
        assert_eq!(ratio(1, 3), 0.3333);
        assert_eq!(ratio(-50, 200), -0.25);
        assert_eq!(ratio(5, 0), 0.0);
    }
}
