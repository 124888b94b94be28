//! Totals over a filter: `transactionStats`, and the per-category shares every report uses.

use async_graphql::{Context, Object, Result, ResultExt};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::foundation::entities::transactions::TransactionType as RowType;
use crate::{
    budgets::graphql::BudgetCategory,
    foundation::{
        error::{AppError, AppResult},
        money::{Currency, Money},
        pagination::MAX_PAGE_SIZE,
        periods::Granularity as Bucket,
    },
    graphql::conversion::{MissingRate, missing_rates},
    reports::{
        graphql::{PeriodTotal, periods::checked_buckets},
        service::{self, CategorySum, Totals},
    },
    transactions::filter::TransactionFilter as Filter,
};

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
        BudgetCategory::load(ctx, self.sum.category_id).await
    }
    /// Sum of the category's transactions (split lines in their own categories).
    async fn total(&self) -> Money {
        self.sum.total.amount()
    }
    /// How many transactions.
    async fn count(&self) -> i64 {
        self.sum.count
    }
    /// total / the sum over all categories, as a fraction (0.25 = a quarter), four decimals.
    async fn share(&self) -> f64 {
        ratio(self.sum.total.minor(), self.grand_total)
    }
    /// Rates `total` needed and did not have; the amounts they would have converted into the
    /// reporting currency are left out of it.
    async fn missing_rates(&self) -> Vec<MissingRate> {
        missing_rates([&self.sum.total])
    }
}

pub(super) fn category_totals(sums: Vec<CategorySum>) -> Vec<CategoryTotal> {
    let grand_total = sums.iter().map(|s| s.total.minor()).sum();
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
    pub(super) db: DatabaseConnection,
    pub(super) user_id: Uuid,
    pub(super) filter: Filter,
    pub(super) totals: OnceCell<Totals>,
    /// The caller's reporting currency, which every figure is in.
    pub(super) currency: Currency,
}

impl TransactionStats {
    async fn totals(&self) -> AppResult<&Totals> {
        self.totals
            .get_or_try_init(|| service::totals(&self.db, self.user_id, &self.filter, self.currency))
            .await
    }
}

/// Aggregates over the transactions a filter selects.
#[Object]
impl TransactionStats {
    /// ISO 4217 code of every amount here: the caller's reporting currency.
    async fn currency(&self) -> &str {
        self.currency.code()
    }
    /// How many transactions match.
    async fn count(&self) -> Result<i64> {
        self.totals().await.map(|t| t.count).extend()
    }
    /// Sum of the income.
    async fn total_income(&self) -> Result<Money> {
        self.totals().await.map(|t| t.income.amount()).extend()
    }
    /// Sum of the expenses.
    async fn total_expenses(&self) -> Result<Money> {
        self.totals().await.map(|t| t.expenses.amount()).extend()
    }
    /// totalIncome - totalExpenses.
    async fn net(&self) -> Result<Money> {
        self.totals().await.map(|t| t.net().amount()).extend()
    }
    /// Mean expense, rounded half away from zero to the cent; 0 without expenses.
    async fn average_expense(&self) -> Result<Money> {
        self.totals()
            .await
            .map(|t| self.currency.amount(t.expenses.value.mean(t.expense_count)))
            .extend()
    }
    /// Rates the figures needed and did not have (amounts in another currency than the
    /// reporting currency convert at the rate of their day); the amounts they would have
    /// converted are left out of every figure here.
    async fn missing_rates(&self) -> Result<Vec<MissingRate>> {
        let totals = self.totals().await.extend()?;
        Ok(missing_rates([&totals.income, &totals.expenses]))
    }
    /// Expenses per category, largest first (income per category when the filter's type is
    /// INCOME).
    async fn by_category(&self) -> Result<Vec<CategoryTotal>> {
        let kind = self.filter.kind.unwrap_or(RowType::Expense);
        let sums = service::by_category(&self.db, self.user_id, &self.filter, kind, self.currency)
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
            &self.db,
            self.user_id,
            &self.filter,
            Bucket::Month,
            buckets.as_deref(),
            self.currency,
        )
        .await
        .extend()?;
        Ok(sums.into_iter().map(PeriodTotal::new).collect())
    }
}

/// A count argument between 0 and 100.
pub fn page_limit(n: i32, field: &str) -> AppResult<u64> {
    u64::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_PAGE_SIZE)
        .ok_or_else(|| AppError::invalid(field, "must be between 0 and 100"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_have_four_decimals() {
        assert_eq!(ratio(1, 3), 0.3333);
        assert_eq!(ratio(-50, 200), -0.25);
        assert_eq!(ratio(5, 0), 0.0);
    }
}
