//! Live milestones: the `goalMilestoneReached` subscription and its type.

use async_graphql::{Context, ID, Object, Result, Subscription};
use futures_util::Stream;

use crate::{
    events::{Event, MilestoneReached, graphql::feed},
    foundation::{
        ids,
        money::{Currency, Money},
    },
    goals::{graphql::GoalMilestone, progress},
    graphql::scalars::DateTime,
};

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
            amount: Currency::of(&self.0.currency)
                .amount(progress::milestone_amount(self.0.target_amount, self.0.percent)),
            reached: true,
            reached_at: Some(DateTime(self.0.reached_at)),
        }
    }
    /// The goal's balance after the change.
    async fn current_amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.current_amount)
    }
    /// ISO 4217 code of the amounts (the goal's currency).
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The goal's target.
    async fn target_amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.target_amount)
    }
}

#[derive(Default)]
pub struct GoalsSubscription;

#[Subscription]
impl GoalsSubscription {
    /// A savings goal reaching its 25, 50, 75 or 100 % milestone.
    async fn goal_milestone_reached(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<GoalMilestoneReached>>> {
        feed(ctx, |event| match event {
            Event::GoalMilestoneReached(reached) => Some(GoalMilestoneReached(reached.clone())),
            _ => None,
        })
    }
}
