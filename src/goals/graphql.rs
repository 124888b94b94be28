//! Savings goal types, queries and mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, ResultExt, SimpleObject};

use crate::{
    auth::ContextExt,
    entities::{
        goal_contributions,
        savings_goals::{self as rows, GoalStatus as RowStatus},
    },
    error::AppError,
    goals::{
        progress::{self, MILESTONES},
        service::{self, GoalPatch, NewGoal},
    },
    graphql::{
        connection::{Conn, TotalCount, connection},
        patch,
        scalars::{Date, DateTime},
    },
    ids,
    money::Money,
    pagination::PageArgs,
};

/// Where a goal stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum GoalStatus {
    Active,
    Completed,
    Paused,
}

impl From<RowStatus> for GoalStatus {
    fn from(s: RowStatus) -> Self {
        match s {
            RowStatus::Active => GoalStatus::Active,
            RowStatus::Completed => GoalStatus::Completed,
            RowStatus::Paused => GoalStatus::Paused,
        }
    }
}

impl From<GoalStatus> for RowStatus {
    fn from(s: GoalStatus) -> Self {
        match s {
            GoalStatus::Active => RowStatus::Active,
            GoalStatus::Completed => RowStatus::Completed,
            GoalStatus::Paused => RowStatus::Paused,
        }
    }
}

/// How far a goal is and where it is heading.
#[derive(SimpleObject)]
pub struct GoalProgress {
    /// currentAmount / targetAmount in percent, two decimals, at most 100.
    percent_complete: f64,
    /// What is still to save; 0 once reached.
    remaining_amount: Money,
    /// Days until targetDate (0 when past); null without a target date.
    days_remaining: Option<i64>,
    /// Monthly saving that reaches the target by targetDate; null without one.
    required_monthly_contribution: Option<Money>,
    /// When the target is reached at the average pace so far; null without savings yet.
    projected_completion_date: Option<Date>,
    /// Whether the projection meets targetDate; null without a target date or a pace.
    on_track: Option<bool>,
}

/// 25, 50, 75 or 100 % of a goal's target.
#[derive(SimpleObject)]
pub struct GoalMilestone {
    /// 25, 50, 75 or 100.
    pub(crate) percent: i32,
    /// The amount that reaches it (rounded up to the cent).
    pub(crate) amount: Money,
    /// Whether the goal has ever reached it.
    pub(crate) reached: bool,
    /// When the goal first reached it.
    pub(crate) reached_at: Option<DateTime>,
}

/// Money put toward (or, when negative, taken from) a goal.
pub struct GoalContribution(goal_contributions::Model);

/// Money put toward (or, when negative, taken from) a goal.
#[Object]
impl GoalContribution {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// Negative for a withdrawal.
    async fn amount(&self) -> Money {
        Money::from_db(self.0.amount)
    }
    /// Up to 500 characters.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// Something the user is saving for.
pub struct SavingsGoal(pub rows::Model);

/// Something the user is saving for.
#[Object]
impl SavingsGoal {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The amount to save.
    async fn target_amount(&self) -> Money {
        Money::from_db(self.0.target_amount)
    }
    /// Saved so far; never negative.
    async fn current_amount(&self) -> Money {
        Money::from_db(self.0.current_amount)
    }
    /// When the user wants to reach the target.
    async fn target_date(&self) -> Option<Date> {
        self.0.target_date.map(Date)
    }
    /// ACTIVE, COMPLETED once the target is reached, or PAUSED.
    async fn status(&self) -> GoalStatus {
        self.0.status.into()
    }
    /// Percent done, what is left, and projections (days counted in the user's time zone).
    async fn progress(&self, ctx: &Context<'_>) -> Result<GoalProgress> {
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let g = &self.0;
        let p = progress::progress(
            g.target_amount,
            g.current_amount,
            g.target_date,
            g.created_at.date_naive(),
            today,
        );
        Ok(GoalProgress {
            percent_complete: p.percent_complete,
            remaining_amount: Money::from_db(p.remaining),
            days_remaining: p.days_remaining,
            required_monthly_contribution: p.required_monthly.map(Money::from_db),
            projected_completion_date: p.projected_completion.map(Date),
            on_track: p.on_track,
        })
    }
    /// The 25/50/75/100 % milestones and when each was first reached.
    async fn milestones(&self, ctx: &Context<'_>) -> Result<Vec<GoalMilestone>> {
        let reached = ctx
            .loaders()
            .extend()?
            .milestones
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default();
        Ok(MILESTONES
            .iter()
            .map(|&percent| {
                let reached_at = reached
                    .iter()
                    .find(|m| m.percent == percent)
                    .map(|m| DateTime(m.reached_at));
                GoalMilestone {
                    percent: percent.into(),
                    amount: Money::from_db(progress::milestone_amount(self.0.target_amount, percent)),
                    reached: reached_at.is_some(),
                    reached_at,
                }
            })
            .collect())
    }
    /// Contributions and withdrawals, newest first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, None, child_complexity)")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<GoalContribution>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(service::CONTRIBUTION_SCOPE)
        .extend()?;
        let rows = service::contributions(&state.db, caller.id, self.0.id, &page)
            .await
            .extend()?;
        let (db, user_id, goal_id) = (state.db.clone(), caller.id, self.0.id);
        let total = TotalCount::deferred(move || {
            let db = db.clone();
            Box::pin(async move { service::count_contributions(&db, user_id, goal_id).await })
        });
        Ok(connection(rows, total, GoalContribution))
    }
    /// When the goal was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the goal last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A new savings goal.
#[derive(InputObject)]
pub struct CreateSavingsGoalInput {
    /// 1 to 100 characters.
    name: String,
    /// Greater than 0.
    target_amount: Money,
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
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, None, child_complexity)")]
    async fn savings_goals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<GoalStatus>,
    ) -> Result<Conn<SavingsGoal>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(service::CURSOR_SCOPE)
        .extend()?;
        let status = status.map(RowStatus::from);
        let rows = service::list(&state.db, caller.id, status, &page).await.extend()?;
        let (db, user_id) = (state.db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let db = db.clone();
            Box::pin(async move { service::count(&db, user_id, status).await })
        });
        Ok(connection(rows, total, SavingsGoal))
    }

    /// One of the caller's goals; null for any other id.
    async fn savings_goal(&self, ctx: &Context<'_>, id: ID) -> Result<Option<SavingsGoal>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(&state.db, caller.id, id)
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
        let (state, caller) = ctx.authenticated().extend()?;
        let new = NewGoal {
            name: input.name,
            target: input.target_amount,
            target_date: input.target_date.map(|d| d.0),
            initial: input.initial_amount,
        };
        service::create(&state.db, &state.events, caller.id, new)
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
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("savings goal")).extend()?;
        let patch = GoalPatch {
            name: input.name,
            target: input.target_amount,
            target_date: patch(input.target_date).map(|d| d.map(|d| d.0)),
            status: input.status.map(Into::into),
        };
        service::update(&state.db, &state.events, caller.id, id, patch)
            .await
            .map(SavingsGoal)
            .extend()
    }

    /// Deletes a goal with its contributions.
    async fn delete_savings_goal(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("savings goal")).extend()?;
        service::delete(&state.db, caller.id, id).await.map(ids::to_id).extend()
    }

    /// Adds to (or, with a negative amount, withdraws from) a goal, atomically; reaching the
    /// target sets COMPLETED.
    async fn contribute_to_goal(&self, ctx: &Context<'_>, input: ContributeInput) -> Result<SavingsGoal> {
        let (state, caller) = ctx.authenticated().extend()?;
        let goal_id = ids::parse(&input.goal_id)
            .ok_or(AppError::NotFound("savings goal"))
            .extend()?;
        service::contribute(&state.db, &state.events, caller.id, goal_id, input.amount, input.note)
            .await
            .map(SavingsGoal)
            .extend()
    }
}
