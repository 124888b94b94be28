//! Live budget alerts: the `budgetAlerts` subscription and its `BudgetAlert` type.

use async_graphql::{Context, Enum, ID, Object, Result, Subscription};
use futures_util::Stream;

use crate::{
    budgets::status,
    events::{AlertScope, BudgetAlert as Alert, Event, graphql::feed},
    foundation::{
        ids,
        money::{Currency, Money},
    },
    graphql::scalars::DateTime,
};

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
        Currency::of(&self.0.currency).amount(self.0.spent)
    }
    /// ISO 4217 code of spent and amount (the budget's currency).
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The budget's or category's amount.
    async fn amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount)
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

#[derive(Default)]
pub struct BudgetsSubscription;

#[Subscription]
impl BudgetsSubscription {
    /// A budget or one of its categories reaching 80 % or 100 % of its amount because of a
    /// new or changed expense.
    async fn budget_alerts(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<BudgetAlert>>> {
        feed(ctx, |event| match event {
            Event::BudgetAlert(alert) => Some(BudgetAlert(alert.clone())),
            _ => None,
        })
    }
}
