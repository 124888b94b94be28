//! Notifications: stored from the events a write raises, listed, counted and marked read.
//! Raising is the one way events leave a write: `raise` stores what deserves a notification
//! (once per dedupe key), then publishes the events and the new notifications to the live
//! feed.

use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Select, TransactionTrait, sea_query::OnConflict,
};
use serde_json::json;
use uuid::Uuid;

use crate::foundation::entities::notifications::{self, Column, Entity as Notifications};
use crate::{
    events::{AlertScope, Event, EventBus, SchedulePosted},
    foundation::{
        db,
        error::AppResult,
        mail,
        money::{Currency, display},
        ownership,
        pagination::{Cursor, Keyset, Page, Paged, SortKey, fetch},
    },
    notifications::{preferences, webhooks},
};

pub const CURSOR_SCOPE: &str = "notifications";
/// Ids one `markNotificationsRead` may name.
pub const MAX_MARKED: usize = 500;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BudgetAlert,
    GoalMilestone,
    Achievement,
    /// The Monday summary of the week before (email only, opt-in).
    WeeklySummary,
    /// The job runner posted a scheduled transaction that fell due.
    SchedulePosted,
    /// A budget category is on course to pass its amount before its period ends.
    ProjectedOverspend,
    /// The service disabled a webhook that kept failing (or answered 410 Gone).
    WebhookDisabled,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::BudgetAlert,
        Kind::GoalMilestone,
        Kind::Achievement,
        Kind::WeeklySummary,
        Kind::SchedulePosted,
        Kind::ProjectedOverspend,
        Kind::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BudgetAlert => "BUDGET_ALERT",
            Kind::GoalMilestone => "GOAL_MILESTONE",
            Kind::Achievement => "ACHIEVEMENT",
            Kind::WeeklySummary => "WEEKLY_SUMMARY",
            Kind::SchedulePosted => "SCHEDULE_POSTED",
            Kind::ProjectedOverspend => "PROJECTED_OVERSPEND",
            Kind::WebhookDisabled => "WEBHOOK_DISABLED",
        }
    }

    pub fn parse(stored: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == stored)
    }
}

/// A notification before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
    pub dedupe_key: String,
}

/// The notification an event deserves, if any.
pub fn draft(event: &Event) -> Option<Draft> {
    match event {
        Event::BudgetAlert(alert) => {
            let currency = Currency::of(&alert.currency);
            let (what, key) = match (alert.scope, &alert.category_name, alert.category_id) {
                (AlertScope::Category, Some(name), Some(id)) => {
                    (format!("{name} in {}", alert.budget_name), id.to_string())
                }
                _ => (alert.budget_name.clone(), "budget".to_owned()),
            };
            let title = if alert.threshold >= 100 {
                format!("{what} is fully spent")
            } else {
                format!("{what} is at {} %", alert.threshold)
            };
            Some(Draft {
                kind: Kind::BudgetAlert,
                body: format!(
                    "{} of {} spent.",
                    display(alert.spent, currency, "en"),
                    display(alert.amount, currency, "en"),
                ),
                title,
                data: json!({
                    "budgetId": alert.budget_id, "budgetName": alert.budget_name, "categoryId": alert.category_id,
                    "categoryName": alert.category_name, "threshold": alert.threshold,
                    "spent": currency.amount(alert.spent).to_string(), "amount": currency.amount(alert.amount).to_string(),
                    "currency": alert.currency, "transactionId": alert.transaction_id,
                }),
                dedupe_key: format!("budget_alert:{}:{key}:{}", alert.budget_id, alert.threshold),
            })
        }
        Event::GoalMilestoneReached(reached) => {
            let currency = Currency::of(&reached.currency);
            Some(Draft {
                kind: Kind::GoalMilestone,
                title: format!("{} is {} % there", reached.goal_name, reached.percent),
                body: format!(
                    "{} of {} saved.",
                    display(reached.current_amount, currency, "en"),
                    display(reached.target_amount, currency, "en"),
                ),
                data: json!({
                    "goalId": reached.goal_id, "goalName": reached.goal_name, "percent": reached.percent,
                    "currentAmount": currency.amount(reached.current_amount).to_string(),
                    "targetAmount": currency.amount(reached.target_amount).to_string(), "currency": reached.currency,
                }),
                dedupe_key: format!("goal_milestone:{}:{}", reached.goal_id, reached.percent),
            })
        }
        Event::AchievementUnlocked(achievement) => Some(Draft {
            kind: Kind::Achievement,
            title: format!("Achievement unlocked: {}", achievement.title),
            body: achievement.description.clone().unwrap_or_default(),
            data: json!({ "achievementId": achievement.id, "type": achievement.kind, "points": achievement.points }),
            dedupe_key: format!("achievement:{}", achievement.kind),
        }),
        Event::SchedulePosted(posted) if posted.automatic => {
            let row = &posted.transaction;
            let currency = Currency::of(&row.currency);
            let direction = if row.kind.is_inflow() { "income" } else { "expense" };
            Some(Draft {
                kind: Kind::SchedulePosted,
                title: format!("{} posted", posted.schedule_name),
                body: format!(
                    "{} {direction} recorded for {}.",
                    display(row.amount, currency, "en"),
                    row.transaction_date
                ),
                data: posted_data(posted),
                dedupe_key: format!("schedule_posted:{}:{}", posted.schedule_id, posted.occurrence_date),
            })
        }
        Event::OverspendProjected(projected) => {
            let currency = Currency::of(&projected.currency);
            Some(Draft {
                kind: Kind::ProjectedOverspend,
                title: format!(
                    "{} in {} may run over by {}",
                    projected.category_name, projected.budget_name, projected.date
                ),
                body: format!(
                    "{} of {} spent; about {} by the end of the period at this pace.",
                    display(projected.spent, currency, "en"),
                    display(projected.amount, currency, "en"),
                    display(projected.projected_spent, currency, "en"),
                ),
                data: json!({
                    "budgetId": projected.budget_id, "budgetName": projected.budget_name,
                    "categoryId": projected.category_id, "categoryName": projected.category_name,
                    "date": projected.date, "amount": currency.amount(projected.amount).to_string(),
                    "spent": currency.amount(projected.spent).to_string(),
                    "projectedSpent": currency.amount(projected.projected_spent).to_string(),
                    "currency": projected.currency,
                }),
                dedupe_key: format!(
                    "projected_overspend:{}:{}",
                    projected.category_id, projected.period_start
                ),
            })
        }
        Event::WebhookDisabled(disabled) => Some(Draft {
            kind: Kind::WebhookDisabled,
            title: "A webhook was turned off".to_owned(),
            body: format!(
                "Deliveries to {} stopped: {}. Fix the receiver, then enable the webhook again.",
                disabled.url, disabled.reason
            ),
            data: json!({ "webhookId": disabled.webhook_id, "url": disabled.url, "reason": disabled.reason }),
            dedupe_key: format!(
                "webhook_disabled:{}:{}",
                disabled.webhook_id,
                disabled.disabled_at.timestamp()
            ),
        }),
        Event::SchedulePosted(_) | Event::TransactionChanged(_) | Event::NotificationAdded(_) => None,
    }
}

/// The ids and figures of a posted occurrence (a notification's `data`, a webhook's `data`).
pub fn posted_data(posted: &SchedulePosted) -> serde_json::Value {
    let row = &posted.transaction;
    json!({
        "scheduleId": posted.schedule_id, "scheduleName": posted.schedule_name, "transactionId": row.id,
        "accountId": row.account_id, "occurrenceDate": posted.occurrence_date, "date": row.transaction_date,
        "amount": Currency::of(&row.currency).amount(row.amount).to_string(), "currency": row.currency,
        "type": row.kind.to_value().to_uppercase(), "automatic": posted.automatic,
    })
}

/// Queues the webhook deliveries `events` make, stores the notifications they deserve (a key
/// already stored is skipped) with the mail the user's preferences ask for, then publishes the events and the notifications shown in
/// the app. The write that raised them has committed, so a failure here is logged, not
/// returned. Events that deserve no notification cost no statement.
pub async fn raise(db: &DatabaseConnection, bus: &EventBus, user_id: Uuid, events: Vec<Event>) {
    if let Err(err) = webhooks::deliveries::enqueue(db, bus, user_id, &events).await {
        tracing::warn!(%user_id, error = %err, "queueing webhook deliveries failed");
    }
    let drafts: Vec<Draft> = events.iter().filter_map(draft).collect();
    let mut added = Vec::new();
    if !drafts.is_empty() {
        match deliver(db, user_id, drafts).await {
            Ok(stored) => added.extend(
                stored
                    .into_iter()
                    .filter(|row| row.in_app)
                    .map(Event::NotificationAdded),
            ),
            Err(err) => tracing::warn!(%user_id, error = %err, "storing notifications failed"),
        }
    }
    bus.publish(user_id, events.into_iter().chain(added)).await;
}

/// Stores each draft, and queues its mail in the same database transaction when the user wants
/// this kind by email and has a verified address (an address nobody proved may be someone
/// else's). The job runner sends it within `MAIL_POLL_INTERVAL`.
pub async fn deliver(
    db: &DatabaseConnection,
    user_id: Uuid,
    drafts: Vec<Draft>,
) -> AppResult<Vec<notifications::Model>> {
    let preferences = preferences::load(db, user_id).await?;
    let user = ownership::account(db, user_id).await?;
    let mut stored = Vec::new();
    for draft in drafts {
        let choice = preferences.of(draft.kind);
        let email = (choice.email && user.email_verified_at.is_some())
            .then(|| {
                mail::compose(
                    "notification",
                    &draft.title,
                    json!({ "title": draft.title, "body": draft.body }),
                )
            })
            .transpose()?;
        let txn = db.begin().await?;
        if let Some(row) = store(&txn, user_id, draft, choice.in_app).await? {
            if let Some(content) = email {
                mail::enqueue(&txn, Some(user_id), "notification", &user.email, Some(content)).await?;
            }
            stored.push(row);
        }
        txn.commit().await?;
    }
    Ok(stored)
}

/// Inserts one notification unless its key is stored; the row, or `None` for a repeat.
async fn store(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    draft: Draft,
    in_app: bool,
) -> AppResult<Option<notifications::Model>> {
    let row = notifications::Model {
        id: Uuid::now_v7(),
        user_id,
        kind: draft.kind.as_str().to_owned(),
        title: draft.title,
        body: draft.body,
        data: draft.data.to_string(),
        dedupe_key: Some(draft.dedupe_key),
        created_at: db::now(),
        read_at: None,
        in_app,
    };
    // `Unchanged` values are inserted too: the model is the row as it is to be stored.
    let inserted = Notifications::insert(row.clone().into_active_model())
        .on_conflict(
            OnConflict::columns([Column::UserId, Column::DedupeKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok((inserted == 1).then_some(row))
}

fn listed(user_id: Uuid, unread_only: bool) -> Select<Notifications> {
    let select = ownership::owned::<Notifications>(user_id).filter(Column::InApp.eq(true));
    if unread_only {
        select.filter(Column::ReadAt.is_null())
    } else {
        select
    }
}

/// A page of the caller's notifications, newest first.
pub async fn list(
    db: &DatabaseConnection,
    user_id: Uuid,
    unread_only: bool,
    page: &Page,
) -> AppResult<Paged<notifications::Model>> {
    let keyset = Keyset {
        scope: CURSOR_SCOPE,
        key: None,
        id: Column::Id,
        descending: true,
    };
    fetch(db, listed(user_id, unread_only), page, keyset, |n| Cursor {
        key: SortKey::Id,
        id: n.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, unread_only: bool) -> AppResult<u64> {
    Ok(listed(user_id, unread_only).count(db).await?)
}

/// Marks the caller's notifications among `ids` (or all of them) read; returns how many were
/// unread. Ids of others' notifications mark nothing.
pub async fn mark_read(db: &DatabaseConnection, user_id: Uuid, ids: Option<&[Uuid]>) -> AppResult<u64> {
    let mut update = Notifications::update_many()
        .col_expr(Column::ReadAt, sea_orm::sea_query::Expr::value(db::now()))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::InApp.eq(true))
        .filter(Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(Column::Id.is_in(ids.iter().copied()));
    }
    Ok(update.exec(db).await?.rows_affected)
}
