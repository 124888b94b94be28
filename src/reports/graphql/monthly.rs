//! `monthlyReport`: one calendar month's income, expenses and where the money went.

use async_graphql::{Object, Result, ResultExt};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::foundation::entities::transactions::TransactionType as RowType;
use crate::{
    foundation::{
        money::{Currency, Money},
        periods,
    },
    graphql::conversion::{MissingRate, missing_rates},
    reports::{
        graphql::{CategoryTotal, DateRangeObject, PeriodTotal, page_limit, ratio, totals::category_totals},
        service::{self, PeriodSum, Totals, in_range},
    },
    transactions::graphql::Transaction,
};

/// Income, expenses and where the money went in one calendar month.
pub struct MonthlyReport {
    pub(super) db: DatabaseConnection,
    pub(super) user_id: Uuid,
    pub(super) month: periods::DateRange,
    pub(super) totals: Totals,
    /// The caller's reporting currency, which every figure is in.
    pub(super) currency: Currency,
}

/// Income, expenses and where the money went in one calendar month.
#[Object]
impl MonthlyReport {
    /// The calendar month.
    async fn month(&self) -> DateRangeObject {
        self.month.into()
    }
    /// ISO 4217 code of every amount here: the caller's reporting currency.
    async fn currency(&self) -> &str {
        self.currency.code()
    }
    /// Income in the month.
    async fn income(&self) -> Money {
        self.totals.income.amount()
    }
    /// Expenses in the month.
    async fn expenses(&self) -> Money {
        self.totals.expenses.amount()
    }
    /// income - expenses.
    async fn net(&self) -> Money {
        self.totals.net().amount()
    }
    /// net / income as a fraction, four decimals; 0 without income.
    async fn savings_rate(&self) -> f64 {
        ratio(self.totals.net().minor(), self.totals.income.minor())
    }
    /// Rates the month's figures needed and did not have; the amounts they would have
    /// converted into the reporting currency are left out of every figure here.
    async fn missing_rates(&self) -> Vec<MissingRate> {
        missing_rates([&self.totals.income, &self.totals.expenses])
    }
    /// Expenses per category, largest first.
    async fn by_category(&self) -> Result<Vec<CategoryTotal>> {
        let filter = in_range(self.month);
        let sums = service::by_category(&self.db, self.user_id, &filter, RowType::Expense, self.currency)
            .await
            .extend()?;
        Ok(category_totals(sums))
    }
    /// The month's largest expenses (at most 100).
    #[graphql(complexity = "crate::graphql::complexity::page_cost(Some(first), None, child_complexity)")]
    async fn top_expenses(&self, #[graphql(default = 5)] first: i32) -> Result<Vec<Transaction>> {
        let limit = page_limit(first, "first").extend()?;
        let rows = service::top_expenses(&self.db, self.user_id, self.month, limit)
            .await
            .extend()?;
        Ok(rows.into_iter().map(Transaction).collect())
    }
    /// The month before, for comparison.
    async fn previous_month(&self) -> Result<PeriodTotal> {
        let previous = periods::previous_month(self.month.start);
        let t = service::totals(&self.db, self.user_id, &in_range(previous), self.currency)
            .await
            .extend()?;
        let sum = PeriodSum {
            start: previous.start,
            income: t.income,
            expenses: t.expenses,
        };
        Ok(PeriodTotal::new(sum))
    }
}
