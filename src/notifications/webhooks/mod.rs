//! Webhooks: the user's own tools told what happened, per the Standard Webhooks
//! specification. A write's events become messages (`deliveries::enqueue`), one delivery per
//! subscribed endpoint, which the job runner sends signed (`deliveries::deliver_due`), retrying
//! on the spec's schedule and disabling an endpoint that answers 410 Gone or fails through the
//! whole schedule. See README "Webhooks".

pub mod client;
pub mod deliveries;
pub mod endpoints;
pub mod graphql;
pub mod signing;

/// What a webhook can subscribe to; `as_str` is the payload's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    TransactionCreated,
    TransactionUpdated,
    TransactionDeleted,
    BudgetAlert,
    GoalMilestone,
    AchievementUnlocked,
    SchedulePosted,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::TransactionCreated,
        EventType::TransactionUpdated,
        EventType::TransactionDeleted,
        EventType::BudgetAlert,
        EventType::GoalMilestone,
        EventType::AchievementUnlocked,
        EventType::SchedulePosted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TransactionCreated => "transaction.created",
            EventType::TransactionUpdated => "transaction.updated",
            EventType::TransactionDeleted => "transaction.deleted",
            EventType::BudgetAlert => "budget.alert",
            EventType::GoalMilestone => "goal.milestone",
            EventType::AchievementUnlocked => "achievement.unlocked",
            EventType::SchedulePosted => "schedule.posted",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// The `type` of the message `testWebhook` sends (to any webhook, whatever it subscribes to).
pub const TEST_EVENT: &str = "webhook.test";

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Given up: the retry schedule ran out, the receiver answered 410, or a test failed.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
        }
    }

    pub fn parse(stored: &str) -> Option<Status> {
        [Status::Pending, Status::Succeeded, Status::Failed]
            .into_iter()
            .find(|s| s.as_str() == stored)
    }
}
