//! The `BudgetCategory` type: one line of a budget, its spending and its transactions.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::foundation::entities::budget_categories;
use crate::{
    budgets::{
        graphql::{Budget, spending::Spending},
        loader::{BudgetById, CategoryById, CategorySpent},
    },
    foundation::{
        error::AppError,
        ids,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        connection::Conn,
        conversion::MissingRate,
        nodes::Transaction,
        scalars::DateTime,
        transaction_pages::{ByCategory, page_field},
    },
};

/// One line of a budget.
pub struct BudgetCategory(pub budget_categories::Model);

/// One line of a budget.
#[Object]
impl BudgetCategory {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The amount planned for this category.
    async fn amount(&self) -> Money {
        self.money(self.0.amount)
    }
    /// ISO 4217 code of every amount of the category (its budget's).
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// "#RRGGBB".
    async fn color(&self) -> Option<&str> {
        self.0.color.as_deref()
    }
    /// An icon name for the client, up to 50 characters.
    async fn icon(&self) -> Option<&str> {
        self.0.icon.as_deref()
    }
    /// The budget this category belongs to.
    async fn budget(&self, ctx: &Context<'_>) -> Result<Budget> {
        let budget = ctx
            .loaders()
            .extend()?
            .get(BudgetById::new)
            .load_one(self.0.budget_id)
            .await
            .extend()?;
        budget.map(Budget).ok_or(AppError::NotFound("budget")).extend()
    }
    /// Expenses in this category dated within its budget's range, split lines
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
    /// Rates `spent` needed and did not have; the amounts they would have converted are left
    /// out of it. Empty when everything is in the budget's currency or has a rate.
    async fn missing_rates(&self, ctx: &Context<'_>) -> Result<Vec<MissingRate>> {
        Ok(self.spending(ctx).await.extend()?.missing_rates())
    }
    /// The category's transactions, newest first (all dates, not only the budget's range).
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, None, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Transaction>> {
        page_field::<ByCategory>(ctx, self.0.id, first, after).await
    }
    /// When the category was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

impl BudgetCategory {
    /// Minor units of this category's currency as its amount.
    fn money(&self, minor: i64) -> Money {
        Currency::of(&self.0.currency).amount(minor)
    }

    /// The caller's category `id`, if any, through the request's loader: one statement for
    /// every category a response names.
    pub async fn load(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<BudgetCategory>> {
        let Some(id) = id else { return Ok(None) };
        let category = ctx
            .loaders()
            .extend()?
            .get(CategoryById::new)
            .load_one(id)
            .await
            .extend()?;
        Ok(category.map(BudgetCategory))
    }

    async fn spending(&self, ctx: &Context<'_>) -> Result<Spending, AppError> {
        let spent = ctx.loaders()?.get(CategorySpent).load_one(self.0.id).await?;
        Ok(Spending::new(self.0.amount, spent, Currency::of(&self.0.currency)))
    }
}
