//! The `SavingsGoal` type with its progress, milestones and contributions.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt, SimpleObject};

use crate::foundation::entities::{
    goal_contributions,
    savings_goals::{self as rows, GoalStatus as RowStatus},
};
use crate::{
    foundation::{
        ids,
        money::{Currency, Money},
        pagination::PageArgs,
    },
    goals::{
        contributions,
        loader::MilestonesOfGoal,
        progress::{self, MILESTONES},
    },
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        scalars::{Date, DateTime},
    },
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
    pub(super) percent: i32,
    /// The amount that reaches it (rounded up to the cent).
    pub(super) amount: Money,
    /// Whether the goal has ever reached it.
    pub(super) reached: bool,
    /// When the goal first reached it.
    pub(super) reached_at: Option<DateTime>,
}

/// Money put toward (or, when negative, taken from) a goal.
pub struct GoalContribution(pub goal_contributions::Model);

/// Money put toward (or, when negative, taken from) a goal.
#[Object]
impl GoalContribution {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// Negative for a withdrawal.
    async fn amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount)
    }
    /// ISO 4217 code of the amount (the goal's currency).
    async fn currency(&self) -> &str {
        &self.0.currency
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
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The amount to save.
    async fn target_amount(&self) -> Money {
        self.money(self.0.target_amount)
    }
    /// ISO 4217 code of every amount of the goal.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Saved so far; never negative.
    async fn current_amount(&self) -> Money {
        self.money(self.0.current_amount)
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
            remaining_amount: self.money(p.remaining),
            days_remaining: p.days_remaining,
            required_monthly_contribution: p.required_monthly.map(|m| self.money(m)),
            projected_completion_date: p.projected_completion.map(Date),
            on_track: p.on_track,
        })
    }
    /// The 25/50/75/100 % milestones and when each was first reached.
    async fn milestones(&self, ctx: &Context<'_>) -> Result<Vec<GoalMilestone>> {
        let reached = ctx
            .loaders()
            .extend()?
            .get(MilestonesOfGoal)
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
                    amount: self.money(progress::milestone_amount(self.0.target_amount, percent)),
                    reached: reached_at.is_some(),
                    reached_at,
                }
            })
            .collect())
    }
    /// Contributions and withdrawals, newest first.
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, None, child_complexity)")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<GoalContribution>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(contributions::CURSOR_SCOPE)
        .extend()?;
        let rows = contributions::list(db, caller.id, self.0.id, &page).await.extend()?;
        let (db, user_id, goal_id) = (db.clone(), caller.id, self.0.id);
        let total = TotalCount::deferred(move || {
            let db = db.clone();
            Box::pin(async move { contributions::count(&db, user_id, goal_id).await })
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

impl SavingsGoal {
    /// Minor units of the goal's currency as an amount.
    fn money(&self, minor: i64) -> Money {
        Currency::of(&self.0.currency).amount(minor)
    }
}
