//! The `Subscription` root: each field is the caller's events of one kind, live.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt, Subscription};
use futures_util::{Stream, StreamExt, future, stream};

use super::{AlertScope, BudgetAlert as Alert, ChangeKind, Event, MilestoneReached, TransactionChange};
use crate::{
    achievements::graphql::Achievement,
    auth::ContextExt,
    budgets::status,
    error::AppError,
    goals::{graphql::GoalMilestone, progress},
    graphql::scalars::DateTime,
    ids,
    money::Money,
    transactions::graphql::Transaction,
};

#[derive(Default)]
pub struct SubscriptionRoot;

/// Live events for the signed-in user, over WebSocket at /graphql/ws (graphql-transport-ws;
/// the access token goes in connection_init). Each subscription ends with UNAUTHENTICATED
/// when the token expires.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// A budget or one of its categories reaching 80 % or 100 % of its amount because of a
    /// new or changed expense.
    async fn budget_alerts(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<BudgetAlert>>> {
        events(ctx, |event| match event {
            Event::BudgetAlert(alert) => Some(BudgetAlert(alert.clone())),
            _ => None,
        })
    }

    /// A savings goal reaching its 25, 50, 75 or 100 % milestone.
    async fn goal_milestone_reached(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<GoalMilestoneReached>>> {
        events(ctx, |event| match event {
            Event::GoalMilestoneReached(reached) => Some(GoalMilestoneReached(reached.clone())),
            _ => None,
        })
    }

    /// A newly unlocked achievement.
    async fn achievement_unlocked(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<Achievement>>> {
        events(ctx, |event| match event {
            Event::AchievementUnlocked(achievement) => Some(Achievement(achievement.clone())),
            _ => None,
        })
    }

    /// A transaction created, updated or deleted (one event per transaction; an import
    /// raises none per row).
    async fn transaction_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<TransactionChanged>>> {
        events(ctx, |event| match event {
            Event::TransactionChanged(change) => Some(TransactionChanged(change.clone())),
            _ => None,
        })
    }
}

/// The caller's events that `pick` keeps, until their access token expires.
fn events<T: Send + 'static>(
    ctx: &Context<'_>,
    pick: fn(&Event) -> Option<T>,
) -> Result<impl Stream<Item = Result<T>> + use<T>> {
    let (state, caller) = ctx.authenticated().extend()?;
    Ok(until_expiry(state.events.subscribe(caller.id), pick, caller.expires_at))
}

// Separate from `events` so the stream's type borrows nothing from the request context.
fn until_expiry<T: Send + 'static>(
    feed: impl Stream<Item = Arc<Event>> + Send + 'static,
    pick: fn(&Event) -> Option<T>,
    expires_at: i64,
) -> impl Stream<Item = Result<T>> {
    let remaining = u64::try_from(expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
    let expired = tokio::time::sleep(std::time::Duration::from_secs(remaining));
    let ended: Result<T> = Err(AppError::Unauthenticated(
        "access token expired; subscribe again with a fresh one",
    ))
    .extend();
    feed.filter_map(move |event| future::ready(pick(&event).map(Ok)))
        .take_until(expired)
        .chain(stream::once(future::ready(ended)))
}

/// Whether an alert is about a whole budget or one of its categories.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BudgetAlertScope")]
pub enum Scope {
    /// The budget as a whole (all its categories).
    Budget,
    /// One category of the budget.
    Category,
}

/// A budget or category that reached a threshold of its amount.
pub struct BudgetAlert(Alert);

/// A budget or category that reached a threshold of its amount.
#[Object]
impl BudgetAlert {
    /// Whether the whole budget or one category reached the threshold.
    async fn scope(&self) -> Scope {
        match self.0.scope {
            AlertScope::Budget => Scope::Budget,
            AlertScope::Category => Scope::Category,
        }
    }
    /// The budget.
    async fn budget_id(&self) -> ID {
        ids::to_id(self.0.budget_id)
    }
    /// The budget's name.
    async fn budget_name(&self) -> &str {
        &self.0.budget_name
    }
    /// The category, for CATEGORY alerts.
    async fn category_id(&self) -> Option<ID> {
        self.0.category_id.map(ids::to_id)
    }
    /// The category's name, for CATEGORY alerts.
    async fn category_name(&self) -> Option<&str> {
        self.0.category_name.as_deref()
    }
    /// The percentage reached: 80 or 100.
    async fn threshold(&self) -> i32 {
        self.0.threshold
    }
    /// Spent against the budget or category after the change.
    async fn spent(&self) -> Money {
        Money::from_db(self.0.spent)
    }
    /// The budget's or category's amount.
    async fn amount(&self) -> Money {
        Money::from_db(self.0.amount)
    }
    /// Spent as a percentage of the amount, two decimals.
    async fn percent_used(&self) -> f64 {
        status::percent_used(self.0.spent, self.0.amount)
    }
    /// The transaction whose creation or change crossed the threshold.
    async fn transaction_id(&self) -> ID {
        ids::to_id(self.0.transaction_id)
    }
    /// When the alert was raised.
    async fn raised_at(&self) -> DateTime {
        DateTime(self.0.raised_at)
    }
}

/// A savings goal that reached a milestone.
pub struct GoalMilestoneReached(MilestoneReached);

/// A savings goal that reached a milestone.
#[Object]
impl GoalMilestoneReached {
    /// The goal.
    async fn goal_id(&self) -> ID {
        ids::to_id(self.0.goal_id)
    }
    /// The goal's name.
    async fn goal_name(&self) -> &str {
        &self.0.goal_name
    }
    /// The milestone reached.
    async fn milestone(&self) -> GoalMilestone {
        GoalMilestone {
            percent: self.0.percent.into(),
            amount: Money::from_db(progress::milestone_amount(self.0.target_amount, self.0.percent)),
            reached: true,
            reached_at: Some(DateTime(self.0.reached_at)),
        }
    }
    /// The goal's balance after the change.
    async fn current_amount(&self) -> Money {
        Money::from_db(self.0.current_amount)
    }
    /// The goal's target.
    async fn target_amount(&self) -> Money {
        Money::from_db(self.0.target_amount)
    }
}

/// What happened to a transaction.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TransactionChangeKind")]
pub enum Kind {
    /// Recorded.
    Created,
    /// Changed.
    Updated,
    /// Deleted.
    Deleted,
}

/// A transaction that was created, updated or deleted.
pub struct TransactionChanged(TransactionChange);

/// A transaction that was created, updated or deleted.
#[Object]
impl TransactionChanged {
    /// What happened.
    async fn kind(&self) -> Kind {
        match self.0.kind {
            ChangeKind::Created => Kind::Created,
            ChangeKind::Updated => Kind::Updated,
            ChangeKind::Deleted => Kind::Deleted,
        }
    }
    /// The transaction's id (also for a deleted one).
    async fn transaction_id(&self) -> ID {
        ids::to_id(self.0.transaction_id)
    }
    /// The transaction as it is now; null when deleted.
    async fn transaction(&self) -> Option<Transaction> {
        self.0.transaction.clone().map(Transaction)
    }
    /// When it happened.
    async fn changed_at(&self) -> DateTime {
        DateTime(self.0.changed_at)
    }
}
