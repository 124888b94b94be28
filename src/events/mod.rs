//! Real-time events: what a committed write raises, delivered to its owner's subscriptions
//! (`budgetAlerts`, `goalMilestoneReached`, `achievementUnlocked`, `transactionChanged`).
//!
//! Events are raised after the write commits and never fail it: a subscriber that is not
//! connected misses them, as with any live feed; the data itself is always in the queries.

pub mod bus;
pub mod graphql;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::foundation::entities::{achievements, notifications, transactions};

pub use bus::EventBus;

/// One event for one user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum Event {
    BudgetAlert(BudgetAlert),
    GoalMilestoneReached(MilestoneReached),
    AchievementUnlocked(achievements::Model),
    TransactionChanged(TransactionChange),
    /// A notification stored for the user (`notifications`).
    NotificationAdded(notifications::Model),
    /// An occurrence of a schedule was posted as a transaction.
    SchedulePosted(SchedulePosted),
    /// A budget category is on course to pass its amount before its period ends.
    OverspendProjected(OverspendProjected),
    /// The service disabled one of the user's webhooks.
    WebhookDisabled(WebhookDisabled),
}

impl Event {
    /// The event kind, as a metrics label.
    pub fn name(&self) -> &'static str {
        match self {
            Event::BudgetAlert(_) => "budget_alert",
            Event::GoalMilestoneReached(_) => "goal_milestone_reached",
            Event::AchievementUnlocked(_) => "achievement_unlocked",
            Event::TransactionChanged(_) => "transaction_changed",
            Event::NotificationAdded(_) => "notification_added",
            Event::SchedulePosted(_) => "schedule_posted",
            Event::OverspendProjected(_) => "overspend_projected",
            Event::WebhookDisabled(_) => "webhook_disabled",
        }
    }
}

/// Whether an alert is about a whole budget or one of its categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertScope {
    Budget,
    Category,
}

/// A budget or category whose spending reached `threshold` % of its amount because of
/// `transaction_id`. Amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetAlert {
    pub scope: AlertScope,
    pub budget_id: Uuid,
    pub budget_name: String,
    pub category_id: Option<Uuid>,
    pub category_name: Option<String>,
    pub threshold: i32,
    pub spent: i64,
    pub amount: i64,
    /// ISO 4217 code of `spent` and `amount` (the budget's).
    #[serde(default = "usd")]
    pub currency: String,
    pub transaction_id: Uuid,
    pub raised_at: DateTime<Utc>,
}

/// A savings goal that reached one of its 25/50/75/100 % milestones. Amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneReached {
    pub goal_id: Uuid,
    pub goal_name: String,
    pub percent: i16,
    pub current_amount: i64,
    pub target_amount: i64,
    /// ISO 4217 code of the amounts (the goal's).
    #[serde(default = "usd")]
    pub currency: String,
    pub reached_at: DateTime<Utc>,
}

/// What happened to a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// A created, updated or deleted transaction; `transaction` is its new state (none when deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionChange {
    pub kind: ChangeKind,
    pub transaction_id: Uuid,
    pub transaction: Option<transactions::Model>,
    pub changed_at: DateTime<Utc>,
}

impl TransactionChange {
    pub fn event(kind: ChangeKind, transaction_id: Uuid, transaction: Option<transactions::Model>) -> Event {
        Event::TransactionChanged(TransactionChange {
            kind,
            transaction_id,
            transaction,
            changed_at: crate::foundation::db::now(),
        })
    }
}

/// A schedule's occurrence posted as `transaction`: by the job runner when it fell due
/// (`automatic`), or by its owner (`postOccurrence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulePosted {
    pub schedule_id: Uuid,
    pub schedule_name: String,
    /// The occurrence's date in the schedule (the transaction is dated its due day).
    pub occurrence_date: chrono::NaiveDate,
    pub transaction: transactions::Model,
    pub automatic: bool,
}

/// A category projected to pass its amount on `date`, before its budget's period ends (see
/// the forecast). Amounts in minor units of `currency` (the budget's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverspendProjected {
    pub budget_id: Uuid,
    pub budget_name: String,
    pub category_id: Uuid,
    pub category_name: String,
    pub period_start: chrono::NaiveDate,
    pub date: chrono::NaiveDate,
    pub amount: i64,
    pub spent: i64,
    pub projected_spent: i64,
    pub currency: String,
}

/// A webhook the service turned off: its receiver answered 410 Gone, or a delivery failed
/// through the whole retry schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDisabled {
    pub webhook_id: Uuid,
    pub url: String,
    pub reason: String,
    pub disabled_at: DateTime<Utc>,
}

/// What an event written before currencies were recorded in it is in.
fn usd() -> String {
    "USD".to_owned()
}
