//! Savings goal queries and mutations, and the mutations' inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, ResultExt};

use crate::foundation::entities::savings_goals::GoalStatus as RowStatus;
use crate::{
    events::EventBus,
    foundation::{error::AppError, ids, money::Money, pagination::PageArgs},
    goals::{
        contributions,
        graphql::{GoalStatus, SavingsGoal, written},
        service::{self, GoalPatch, NewGoal},
    },
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        patch,
        scalars::Date,
        written::Written,
    },
};

/// A new savings goal.
#[derive(InputObject)]
pub struct CreateSavingsGoalInput {
    /// 1 to 100 characters.
    name: String,
    /// Greater than 0, with at most the currency's decimals.
    target_amount: Money,
    /// ISO 4217 code of the goal's amounts; the caller's currency by default.
    currency: Option<String>,
    /// Today or later.
    target_date: Option<Date>,
    /// Already saved; recorded as the first contribution.
    initial_amount: Option<Money>,
}

/// Goal changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateSavingsGoalInput {
    /// 1 to 100 characters.
    name: Option<String>,
    /// Greater than 0.
    target_amount: Option<Money>,
    /// Today or later; null clears it.
    target_date: MaybeUndefined<Date>,
    /// ACTIVE or PAUSED; COMPLETED only once the target is reached.
    status: Option<GoalStatus>,
}

/// Money toward a goal.
#[derive(InputObject)]
pub struct ContributeInput {
    /// One of the caller's goals.
    goal_id: ID,
    /// Not 0; negative withdraws, but never below zero.
    amount: Money,
    /// Up to 500 characters.
    note: Option<String>,
}

#[derive(Default)]
pub struct GoalsQuery;

#[Object]
impl GoalsQuery {
    /// The caller's goals, newest first, optionally of one status.
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, None, child_complexity)")]
    async fn savings_goals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<GoalStatus>,
    ) -> Result<Written<Conn<SavingsGoal>>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(service::CURSOR_SCOPE)
        .extend()?;
        let status = status.map(RowStatus::from);
        let plan = written::plan(ctx);
        let rows = service::list(&ctx.reads().extend()?, caller.id, status, &page)
            .await
            .extend()?;
        if let Some(plan) = plan {
            let json = written::write(db, caller.id, status, &plan, rows).await.extend()?;
            return Ok(Written::Json(json));
        }
        let (db, user_id) = (db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let db = db.clone();
            Box::pin(async move { service::count(&db, user_id, status).await })
        });
        Ok(Written::Resolved(connection(rows, total, SavingsGoal)))
    }

    /// One of the caller's goals; null for any other id.
    async fn savings_goal(&self, ctx: &Context<'_>, id: ID) -> Result<Option<SavingsGoal>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(db, caller.id, id)
            .await
            .map(|g| g.map(SavingsGoal))
            .extend()
    }
}

#[derive(Default)]
pub struct GoalsMutation;

#[Object]
impl GoalsMutation {
    /// Creates a goal; an initial amount counts as its first contribution.
    async fn create_savings_goal(&self, ctx: &Context<'_>, input: CreateSavingsGoalInput) -> Result<SavingsGoal> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let new = NewGoal {
            name: input.name,
            target: input.target_amount,
            currency: input.currency,
            target_date: input.target_date.map(|d| d.0),
            initial: input.initial_amount,
        };
        service::create(db, events, caller.id, new)
            .await
            .map(SavingsGoal)
            .extend()
    }

    /// Changes a goal; its status follows the target unless paused.
    async fn update_savings_goal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSavingsGoalInput,
    ) -> Result<SavingsGoal> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("savings goal")).extend()?;
        let patch = GoalPatch {
            name: input.name,
            target: input.target_amount,
            target_date: patch(input.target_date).map(|d| d.map(|d| d.0)),
            status: input.status.map(Into::into),
        };
        service::update(db, events, caller.id, id, patch)
            .await
            .map(SavingsGoal)
            .extend()
    }

    /// Deletes a goal with its contributions.
    async fn delete_savings_goal(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("savings goal")).extend()?;
        service::delete(db, caller.id, id).await.map(ids::to_id).extend()
    }

    /// Adds to (or, with a negative amount, withdraws from) a goal, atomically; reaching the
    /// target sets COMPLETED.
    async fn contribute_to_goal(&self, ctx: &Context<'_>, input: ContributeInput) -> Result<SavingsGoal> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let goal_id = ids::parse(&input.goal_id)
            .ok_or(AppError::NotFound("savings goal"))
            .extend()?;
        contributions::contribute(db, events, caller.id, goal_id, input.amount, input.note)
            .await
            .map(SavingsGoal)
            .extend()
    }
}
