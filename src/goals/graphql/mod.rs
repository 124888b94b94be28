//! Savings goal types, queries, mutations and the milestones subscription.

mod goal;
mod milestones;
mod operations;
mod written;

pub use goal::{GoalContribution, GoalMilestone, GoalProgress, GoalStatus, SavingsGoal};
pub use milestones::{GoalMilestoneReached, GoalsSubscription};
pub use operations::{GoalsMutation, GoalsQuery};
