//! Budget and category mutations and their inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, ResultExt};

use crate::{
    budgets::{
        categories::{self, CategoryPatch, NewCategory},
        graphql::{Budget, BudgetCategory, BudgetPeriod},
        service::{self, BudgetPatch, NewBudget},
    },
    events::EventBus,
    foundation::{error::AppError, ids, money::Money},
    graphql::{ContextExt, patch, scalars::Date},
};

/// A category of a new budget, or one added later.
#[derive(InputObject)]
pub struct BudgetCategoryInput {
    /// 1 to 100 characters.
    name: String,
    /// Greater than 0.
    amount: Money,
    /// "#RRGGBB".
    color: Option<String>,
    /// Up to 50 characters.
    icon: Option<String>,
}

impl From<BudgetCategoryInput> for NewCategory {
    fn from(c: BudgetCategoryInput) -> Self {
        NewCategory {
            name: c.name,
            amount: c.amount,
            color: c.color,
            icon: c.icon,
        }
    }
}

/// A new budget with its categories, created in one transaction.
#[derive(InputObject)]
pub struct CreateBudgetInput {
    /// 1 to 100 characters.
    name: String,
    /// Greater than 0, with at most the currency's decimals.
    amount: Money,
    /// ISO 4217 code of the budget's amounts, e.g. "EUR"; the caller's currency by default.
    currency: Option<String>,
    /// How often the budget repeats.
    period: BudgetPeriod,
    /// First day covered.
    start_date: Date,
    /// Last day covered; not before startDate.
    end_date: Date,
    /// At least one.
    categories: Vec<BudgetCategoryInput>,
}

/// Budget changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateBudgetInput {
    /// 1 to 100 characters.
    name: Option<String>,
    /// Greater than 0.
    amount: Option<Money>,
    /// How often the budget repeats.
    period: Option<BudgetPeriod>,
    /// First day covered.
    start_date: Option<Date>,
    /// Last day covered; not before startDate.
    end_date: Option<Date>,
}

/// Category changes; omitted fields keep their value, null clears color or icon.
#[derive(InputObject)]
pub struct UpdateBudgetCategoryInput {
    /// 1 to 100 characters.
    name: Option<String>,
    /// Greater than 0.
    amount: Option<Money>,
    /// "#RRGGBB"; null clears it.
    color: MaybeUndefined<String>,
    /// Up to 50 characters; null clears it.
    icon: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct BudgetsMutation;

#[Object]
impl BudgetsMutation {
    /// Creates a budget with its categories (at least one), all or nothing.
    async fn create_budget(&self, ctx: &Context<'_>, input: CreateBudgetInput) -> Result<Budget> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let new = NewBudget {
            name: input.name,
            amount: input.amount,
            currency: input.currency,
            period: input.period.into(),
            start_date: input.start_date.0,
            end_date: input.end_date.0,
            categories: input.categories.into_iter().map(Into::into).collect(),
        };
        service::create(db, events, caller.id, new).await.map(Budget).extend()
    }

    /// Changes a budget; the result must still have endDate >= startDate.
    async fn update_budget(&self, ctx: &Context<'_>, id: ID, input: UpdateBudgetInput) -> Result<Budget> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget")).extend()?;
        let patch = BudgetPatch {
            name: input.name,
            amount: input.amount,
            period: input.period.map(Into::into),
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
        };
        service::update(db, caller.id, id, patch).await.map(Budget).extend()
    }

    /// Deletes a budget and its categories; their transactions stay, uncategorized.
    async fn delete_budget(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget")).extend()?;
        service::delete(db, caller.id, id).await.map(ids::to_id).extend()
    }

    /// Adds a category to one of the caller's budgets.
    async fn add_budget_category(
        &self,
        ctx: &Context<'_>,
        budget_id: ID,
        input: BudgetCategoryInput,
    ) -> Result<BudgetCategory> {
        let (db, caller) = ctx.authenticated().extend()?;
        let budget_id = ids::parse(&budget_id).ok_or(AppError::NotFound("budget")).extend()?;
        categories::add(db, caller.id, budget_id, input.into())
            .await
            .map(BudgetCategory)
            .extend()
    }

    /// Changes a category.
    async fn update_budget_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateBudgetCategoryInput,
    ) -> Result<BudgetCategory> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget category")).extend()?;
        let patch = CategoryPatch {
            name: input.name,
            amount: input.amount,
            color: patch(input.color),
            icon: patch(input.icon),
        };
        categories::update(db, caller.id, id, patch)
            .await
            .map(BudgetCategory)
            .extend()
    }

    /// Deletes a category; its transactions become uncategorized.
    async fn delete_budget_category(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget category")).extend()?;
        categories::delete(db, caller.id, id).await.map(ids::to_id).extend()
    }
}
