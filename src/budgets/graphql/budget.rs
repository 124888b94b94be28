//! The `Budget` type: a plan with its categories and what they have spent.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt};

use crate::foundation::entities::budgets as rows;
use crate::{
    budgets::{
        graphql::{BudgetCategory, spending::Spending},
        loader::{BudgetSpent, CategoriesOfBudget},
        status::Usage,
    },
    foundation::{
        error::AppError,
        ids,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        conversion::MissingRate,
        scalars::{Date, DateTime},
    },
};

/// How often a budget repeats.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum BudgetPeriod {
    Weekly,
    Monthly,
    Yearly,
}

impl From<rows::BudgetPeriod> for BudgetPeriod {
    fn from(p: rows::BudgetPeriod) -> Self {
        match p {
            rows::BudgetPeriod::Weekly => BudgetPeriod::Weekly,
            rows::BudgetPeriod::Monthly => BudgetPeriod::Monthly,
            rows::BudgetPeriod::Yearly => BudgetPeriod::Yearly,
        }
    }
}

impl From<BudgetPeriod> for rows::BudgetPeriod {
    fn from(p: BudgetPeriod) -> Self {
        match p {
            BudgetPeriod::Weekly => rows::BudgetPeriod::Weekly,
            BudgetPeriod::Monthly => rows::BudgetPeriod::Monthly,
            BudgetPeriod::Yearly => rows::BudgetPeriod::Yearly,
        }
    }
}

/// How much of its amount a budget has used: WARNING from 80 %, OVER above 100 %.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum BudgetStatus {
    OnTrack,
    Warning,
    Over,
}

impl From<Usage> for BudgetStatus {
    fn from(u: Usage) -> Self {
        match u {
            Usage::OnTrack => BudgetStatus::OnTrack,
            Usage::Warning => BudgetStatus::Warning,
            Usage::Over => BudgetStatus::Over,
        }
    }
}

/// A spending plan over a date range, split into categories.
pub struct Budget(pub rows::Model);

/// A spending plan over a date range, split into categories.
#[Object]
impl Budget {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The total planned.
    async fn amount(&self) -> Money {
        self.money(self.0.amount)
    }
    /// ISO 4217 code of every amount of the budget.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// How often the budget repeats.
    async fn period(&self) -> BudgetPeriod {
        self.0.period.into()
    }
    /// First day covered.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    /// Last day covered (inclusive).
    async fn end_date(&self) -> Date {
        Date(self.0.end_date)
    }
    /// The budget's categories, oldest first.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<BudgetCategory>> {
        let loaded = ctx
            .loaders()
            .extend()?
            .get(CategoriesOfBudget)
            .load_one(self.0.id)
            .await
            .extend()?;
        Ok(loaded.unwrap_or_default().into_iter().map(BudgetCategory).collect())
    }
    /// Expenses in its categories dated within [startDate, endDate], split lines
    /// in their own categories; amounts in other currencies converted at the rate of their day.
    async fn spent(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.spending(ctx).await.extend()?.spent())
    }
    /// amount - spent; negative when over.
    async fn remaining(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.spending(ctx).await.extend()?.remaining())
    }
    /// spent / amount in percent, two decimals.
    async fn percent_used(&self, ctx: &Context<'_>) -> Result<f64> {
        Ok(self.spending(ctx).await.extend()?.percent_used())
    }
    /// ON_TRACK, WARNING from 80 % used, OVER above 100 %.
    async fn status(&self, ctx: &Context<'_>) -> Result<BudgetStatus> {
        Ok(self.spending(ctx).await.extend()?.status())
    }
    /// Rates `spent` needed and did not have; the amounts they would have converted are left
    /// out of it. Empty when everything is in the budget's currency or has a rate.
    async fn missing_rates(&self, ctx: &Context<'_>) -> Result<Vec<MissingRate>> {
        Ok(self.spending(ctx).await.extend()?.missing_rates())
    }
    /// When the budget was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the budget last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

impl Budget {
    /// Minor units of this budget's currency as its amount.
    fn money(&self, minor: i64) -> Money {
        Currency::of(&self.0.currency).amount(minor)
    }

    async fn spending(&self, ctx: &Context<'_>) -> Result<Spending, AppError> {
        let spent = ctx.loaders()?.get(BudgetSpent).load_one(self.0.id).await?;
        Ok(Spending::new(self.0.amount, spent, Currency::of(&self.0.currency)))
    }
}
