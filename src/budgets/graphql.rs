//! Budget and category types, queries and mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, ResultExt};

use crate::{
    auth::ContextExt,
    budgets::{
        service::{self, BudgetFilter, BudgetPatch, CategoryPatch, NewBudget, NewCategory},
        status::{self, Usage},
    },
    entities::{budget_categories, budgets as rows},
    error::AppError,
    graphql::{
        connection::{Conn, TotalCount, connection},
        patch,
        scalars::{Date, DateTime},
    },
    ids,
    money::Money,
    pagination::PageArgs,
    transactions::{graphql::Transaction, loader::CategoryPageKey},
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
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The total planned.
    async fn amount(&self) -> Money {
        Money::from_db(self.0.amount)
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
            .categories_of_budget
            .load_one(self.0.id)
            .await
            .extend()?;
        Ok(loaded.unwrap_or_default().into_iter().map(BudgetCategory).collect())
    }
    /// Expenses in its categories dated within [startDate, endDate].
    async fn spent(&self, ctx: &Context<'_>) -> Result<Money> {
        self.spent_minor(ctx).await.map(Money::from_db).extend()
    }
    /// amount - spent; negative when over budget.
    async fn remaining(&self, ctx: &Context<'_>) -> Result<Money> {
        self.spent_minor(ctx)
            .await
            .map(|spent| Money::from_db(self.0.amount - spent))
            .extend()
    }
    /// spent / amount in percent, two decimals.
    async fn percent_used(&self, ctx: &Context<'_>) -> Result<f64> {
        self.spent_minor(ctx)
            .await
            .map(|spent| status::percent_used(spent, self.0.amount))
            .extend()
    }
    /// ON_TRACK, WARNING from 80 % used, OVER above 100 %.
    async fn status(&self, ctx: &Context<'_>) -> Result<BudgetStatus> {
        self.spent_minor(ctx)
            .await
            .map(|spent| status::usage(spent, self.0.amount).into())
            .extend()
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
    async fn spent_minor(&self, ctx: &Context<'_>) -> Result<i64, AppError> {
        Ok(ctx.loaders()?.budget_spent.load_one(self.0.id).await?.unwrap_or(0))
    }
}

/// One line of a budget.
pub struct BudgetCategory(pub budget_categories::Model);

/// One line of a budget.
#[Object]
impl BudgetCategory {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The amount planned for this category.
    async fn amount(&self) -> Money {
        Money::from_db(self.0.amount)
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
            .budget
            .load_one(self.0.budget_id)
            .await
            .extend()?;
        budget.map(Budget).ok_or(AppError::NotFound("budget")).extend()
    }
    /// Expenses in this category dated within its budget's range.
    async fn spent(&self, ctx: &Context<'_>) -> Result<Money> {
        self.spent_minor(ctx).await.map(Money::from_db).extend()
    }
    /// amount - spent; negative when over.
    async fn remaining(&self, ctx: &Context<'_>) -> Result<Money> {
        self.spent_minor(ctx)
            .await
            .map(|spent| Money::from_db(self.0.amount - spent))
            .extend()
    }
    /// spent / amount in percent, two decimals.
    async fn percent_used(&self, ctx: &Context<'_>) -> Result<f64> {
        self.spent_minor(ctx)
            .await
            .map(|spent| status::percent_used(spent, self.0.amount))
            .extend()
    }
    /// The category's transactions, newest first (all dates, not only the budget's range).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, None, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Transaction>> {
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(crate::transactions::service::DATE_SCOPE)
        .extend()?;
        let key = CategoryPageKey {
            category_id: self.0.id,
            limit: page.limit,
            after: page.cursor,
        };
        let loaded = ctx
            .loaders()
            .extend()?
            .category_transactions
            .load_one(key)
            .await
            .extend()?
            .unwrap_or_default();
        Ok(connection(loaded.page, TotalCount::Known(loaded.total), Transaction))
    }
    /// When the category was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

impl BudgetCategory {
    async fn spent_minor(&self, ctx: &Context<'_>) -> Result<i64, AppError> {
        Ok(ctx.loaders()?.category_spent.load_one(self.0.id).await?.unwrap_or(0))
    }
}

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
    /// Greater than 0.
    amount: Money,
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
pub struct BudgetsQuery;

#[Object]
impl BudgetsQuery {
    /// The caller's budgets, newest first; optionally only those active on a day or of a period.
    #[allow(clippy::too_many_arguments)] // the contract's arguments
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn budgets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        active_on: Option<Date>,
        period: Option<BudgetPeriod>,
    ) -> Result<Conn<Budget>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(service::CURSOR_SCOPE)
        .extend()?;
        let filter = BudgetFilter {
            active_on: active_on.map(|d| d.0),
            period: period.map(Into::into),
        };
        let rows = service::list(&state.db, caller.id, &filter, &page).await.extend()?;
        let (db, user_id) = (state.db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { service::count(&db, user_id, &filter).await })
        });
        Ok(connection(rows, total, Budget))
    }

    /// One of the caller's budgets; null for any other id.
    async fn budget(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Budget>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(&state.db, caller.id, id)
            .await
            .map(|b| b.map(Budget))
            .extend()
    }

    /// One of the caller's categories; null for any other id.
    async fn budget_category(&self, ctx: &Context<'_>, id: ID) -> Result<Option<BudgetCategory>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find_category(&state.db, caller.id, id)
            .await
            .map(|c| c.map(BudgetCategory))
            .extend()
    }
}

#[derive(Default)]
pub struct BudgetsMutation;

#[Object]
impl BudgetsMutation {
    /// Creates a budget with its categories (at least one), all or nothing.
    async fn create_budget(&self, ctx: &Context<'_>, input: CreateBudgetInput) -> Result<Budget> {
        let (state, caller) = ctx.authenticated().extend()?;
        let new = NewBudget {
            name: input.name,
            amount: input.amount,
            period: input.period.into(),
            start_date: input.start_date.0,
            end_date: input.end_date.0,
            categories: input.categories.into_iter().map(Into::into).collect(),
        };
        service::create(&state.db, &state.events, caller.id, new)
            .await
            .map(Budget)
            .extend()
    }

    /// Changes a budget; the result must still have endDate >= startDate.
    async fn update_budget(&self, ctx: &Context<'_>, id: ID, input: UpdateBudgetInput) -> Result<Budget> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget")).extend()?;
        let patch = BudgetPatch {
            name: input.name,
            amount: input.amount,
            period: input.period.map(Into::into),
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
        };
        service::update(&state.db, caller.id, id, patch)
            .await
            .map(Budget)
            .extend()
    }

    /// Deletes a budget and its categories; their transactions stay, uncategorized.
    async fn delete_budget(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget")).extend()?;
        service::delete(&state.db, caller.id, id).await.map(ids::to_id).extend()
    }

    /// Adds a category to one of the caller's budgets.
    async fn add_budget_category(
        &self,
        ctx: &Context<'_>,
        budget_id: ID,
        input: BudgetCategoryInput,
    ) -> Result<BudgetCategory> {
        let (state, caller) = ctx.authenticated().extend()?;
        let budget_id = ids::parse(&budget_id).ok_or(AppError::NotFound("budget")).extend()?;
        service::add_category(&state.db, caller.id, budget_id, input.into())
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
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget category")).extend()?;
        let patch = CategoryPatch {
            name: input.name,
            amount: input.amount,
            color: patch(input.color),
            icon: patch(input.icon),
        };
        service::update_category(&state.db, caller.id, id, patch)
            .await
            .map(BudgetCategory)
            .extend()
    }

    /// Deletes a category; its transactions become uncategorized.
    async fn delete_budget_category(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("budget category")).extend()?;
        service::delete_category(&state.db, caller.id, id)
            .await
            .map(ids::to_id)
            .extend()
    }
}
