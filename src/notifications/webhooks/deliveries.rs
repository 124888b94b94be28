//! Webhook messages: made from a write's events, one delivery per subscribed endpoint, sent
//! signed by the job runner and retried on the Standard Webhooks schedule.
//!
//! - A message is stored (`enqueue`) after its write commits, in the same pass that stores the
//!   write's notifications, and this instance's runner is told at once.
//! - `deliver_due` claims each due delivery before sending it (its due time moves past the
//!   request timeout), so two workers or two instances never send one attempt twice.
//! - A 2xx answer succeeds. 410 Gone fails the delivery and disables the webhook at once.
//!   Anything else (another status, a timeout, no connection) is retried after the next wait
//!   of the schedule, with ±10 % jitter, or after `Retry-After` when that is longer (up to a
//!   day); when the schedule is used up the delivery fails and the webhook is disabled. Both
//!   disablings notify the user (`WEBHOOK_DISABLED`).
//! - Deliveries of a disabled webhook wait; enabling it again sends them.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, Query},
};
use serde_json::{Value, json};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::foundation::entities::webhook_deliveries::{self, Column, Entity as Deliveries};
use crate::foundation::entities::webhooks::{self, Entity as Webhooks};
use crate::{
    events::{ChangeKind, Event, EventBus, TransactionChange, WebhookDisabled},
    foundation::{
        db,
        error::{AppError, AppResult},
        money::Currency,
        ownership,
    },
    notifications::{
        preferences,
        service::{self, Kind},
        webhooks::{
            EventType, Status, TEST_EVENT,
            client::{Sender, Signed},
            endpoints, signing,
        },
    },
};

/// Deliveries looked at per run (the next run takes the rest).
const BATCH: u64 = 100;
/// Deliveries in flight at once.
const CONCURRENCY: usize = 8;
/// The longest a `Retry-After` may push a retry.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;
/// Entries a `deliveries` list returns at most.
pub const MAX_LISTED: u64 = 100;

/// One message before it is addressed to endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub event_type: EventType,
    /// The notification kind whose webhook preference applies; none for transaction changes.
    pub kind: Option<Kind>,
    pub data: Value,
}

/// The message an event makes for webhooks, if any.
pub fn message(event: &Event) -> Option<Message> {
    let (event_type, kind, data) = match event {
        Event::TransactionChanged(change) => {
            let event_type = match change.kind {
                ChangeKind::Created => EventType::TransactionCreated,
                ChangeKind::Updated => EventType::TransactionUpdated,
                ChangeKind::Deleted => EventType::TransactionDeleted,
            };
            (event_type, None, transaction_data(change))
        }
        Event::BudgetAlert(_) => (
            EventType::BudgetAlert,
            Some(Kind::BudgetAlert),
            notification_data(event)?,
        ),
        Event::GoalMilestoneReached(_) => (
            EventType::GoalMilestone,
            Some(Kind::GoalMilestone),
            notification_data(event)?,
        ),
        Event::AchievementUnlocked(_) => (
            EventType::AchievementUnlocked,
            Some(Kind::Achievement),
            notification_data(event)?,
        ),
        Event::SchedulePosted(posted) => (
            EventType::SchedulePosted,
            Some(Kind::SchedulePosted),
            service::posted_data(posted),
        ),
        Event::NotificationAdded(_) | Event::OverspendProjected(_) | Event::WebhookDisabled(_) => return None,
    };
    Some(Message { event_type, kind, data })
}

/// A notification's data with its title and body, for the events that are notifications too.
fn notification_data(event: &Event) -> Option<Value> {
    let draft = service::draft(event)?;
    let mut data = draft.data;
    if let Value::Object(fields) = &mut data {
        fields.insert("title".into(), draft.title.into());
        fields.insert("body".into(), draft.body.into());
    }
    Some(data)
}

/// A transaction as the API shows it (amounts as decimal strings); only its id once deleted.
fn transaction_data(change: &TransactionChange) -> Value {
    let Some(row) = &change.transaction else {
        return json!({ "id": change.transaction_id });
    };
    json!({
        "id": row.id, "accountId": row.account_id, "categoryId": row.budget_category_id,
        "amount": Currency::of(&row.currency).amount(row.amount).to_string(), "currency": row.currency,
        "type": row.kind.to_value().to_uppercase(), "date": row.transaction_date, "description": row.description,
        "payee": row.payee, "cleared": row.cleared.to_value().to_uppercase(), "transferId": row.transfer_id,
        "hasSplits": row.has_splits, "createdAt": row.created_at, "updatedAt": row.updated_at,
    })
}

/// The body of a message: the spec's `type`, `timestamp` and `data`.
fn payload(event_type: &str, at: DateTime<Utc>, data: Value) -> String {
    json!({ "type": event_type, "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true), "data": data })
        .to_string()
}

fn new_message_id() -> String {
    format!("msg_{}", Uuid::now_v7().simple())
}

fn pending(webhook: &webhooks::Model, message_id: &str, event_type: &str, body: &str) -> webhook_deliveries::Model {
    let now = db::now();
    webhook_deliveries::Model {
        id: Uuid::now_v7(),
        webhook_id: webhook.id,
        user_id: webhook.user_id,
        message_id: message_id.to_owned(),
        event_type: event_type.to_owned(),
        payload: body.to_owned(),
        status: Status::Pending.as_str().to_owned(),
        attempts: 0,
        next_attempt_at: Some(now),
        last_attempt_at: None,
        response_code: None,
        last_error: None,
        created_at: now,
    }
}

/// Stores a delivery of each of `events`' messages to each of the user's enabled webhooks that
/// subscribes to it (and whose kind the user sends to webhooks), and wakes the runner. Costs
/// one statement when the user has no webhook.
pub async fn enqueue(db: &DatabaseConnection, bus: &EventBus, user_id: Uuid, events: &[Event]) -> AppResult<usize> {
    let messages: Vec<Message> = events.iter().filter_map(message).collect();
    if messages.is_empty() {
        return Ok(0);
    }
    let hooks = ownership::owned::<Webhooks>(user_id)
        .filter(webhooks::Column::Enabled.eq(true))
        .all(db)
        .await?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let preferences = if messages.iter().any(|m| m.kind.is_some()) {
        Some(preferences::load(db, user_id).await?)
    } else {
        None
    };
    let subscriptions: Vec<(&webhooks::Model, Vec<EventType>)> =
        hooks.iter().map(|h| (h, endpoints::subscribed(h))).collect();
    let now = db::now();
    let mut rows = Vec::new();
    for message in messages {
        if let (Some(kind), Some(preferences)) = (message.kind, &preferences)
            && !preferences.of(kind).webhook
        {
            continue;
        }
        let (message_id, event_type) = (new_message_id(), message.event_type.as_str());
        let body = payload(event_type, now, message.data);
        for (hook, _) in subscriptions
            .iter()
            .filter(|(_, types)| types.contains(&message.event_type))
        {
            rows.push(pending(hook, &message_id, event_type, &body).into_active_model());
        }
    }
    let queued = rows.len();
    if queued > 0 {
        Deliveries::insert_many(rows).exec_without_returning(db).await?;
        bus.webhooks_queued();
    }
    Ok(queued)
}

/// Queues a `webhook.test` message to the caller's webhook, whatever it subscribes to.
pub async fn test(
    db: &DatabaseConnection,
    bus: &EventBus,
    user_id: Uuid,
    webhook_id: Uuid,
) -> AppResult<webhook_deliveries::Model> {
    let hook = enabled(db, user_id, webhook_id).await?;
    let data = json!({ "webhookId": hook.id, "message": "A test message from SmartSave." });
    let body = payload(TEST_EVENT, db::now(), data);
    let row = pending(&hook, &new_message_id(), TEST_EVENT, &body);
    Deliveries::insert(row.clone().into_active_model())
        .exec_without_returning(db)
        .await?;
    bus.webhooks_queued();
    Ok(row)
}

/// Queues one of the caller's deliveries again: the same message (id, body) as a new delivery.
pub async fn redeliver(
    db: &DatabaseConnection,
    bus: &EventBus,
    user_id: Uuid,
    delivery_id: Uuid,
) -> AppResult<webhook_deliveries::Model> {
    let original = ownership::get::<Deliveries>(db, user_id, delivery_id).await?;
    let hook = enabled(db, user_id, original.webhook_id).await?;
    let row = pending(&hook, &original.message_id, &original.event_type, &original.payload);
    Deliveries::insert(row.clone().into_active_model())
        .exec_without_returning(db)
        .await?;
    bus.webhooks_queued();
    Ok(row)
}

async fn enabled(db: &impl ConnectionTrait, user_id: Uuid, webhook_id: Uuid) -> AppResult<webhooks::Model> {
    let hook = ownership::get::<Webhooks>(db, user_id, webhook_id).await?;
    if !hook.enabled {
        return Err(AppError::Conflict(
            "the webhook is disabled; enable it (updateWebhook) first".into(),
        ));
    }
    Ok(hook)
}

/// The newest `first` deliveries of the caller's webhook, optionally of one status.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    webhook_id: Uuid,
    first: u64,
    status: Option<Status>,
) -> AppResult<Vec<webhook_deliveries::Model>> {
    let mut select = ownership::owned::<Deliveries>(user_id).filter(Column::WebhookId.eq(webhook_id));
    if let Some(status) = status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    Ok(select
        .order_by_desc(Column::Id)
        .limit(first.clamp(1, MAX_LISTED))
        .all(db)
        .await?)
}

/// What one delivery run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub succeeded: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// Sends every due delivery of an enabled webhook, at most `CONCURRENCY` at once.
pub async fn deliver_due(
    db: &DatabaseConnection,
    bus: &EventBus,
    sender: &Sender,
    schedule: &Arc<[Duration]>,
) -> AppResult<Run> {
    let now = db::now();
    let enabled_hooks = Query::select()
        .column(webhooks::Column::Id)
        .from(Webhooks)
        .and_where(webhooks::Column::Enabled.eq(true))
        .to_owned();
    let due = Deliveries::find()
        .filter(Column::Status.eq(Status::Pending.as_str()))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(Column::WebhookId.in_subquery(enabled_hooks))
        .order_by_asc(Column::NextAttemptAt)
        .limit(BATCH)
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(Run::default());
    }
    let ids: Vec<Uuid> = due.iter().map(|d| d.webhook_id).collect();
    let hooks: HashMap<Uuid, webhooks::Model> = Webhooks::find()
        .filter(webhooks::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let lease = chrono::Duration::from_std(sender.lease()).map_err(AppError::internal)?;
    let mut run = Run::default();
    let mut in_flight = JoinSet::new();
    for delivery in due {
        let Some(hook) = hooks.get(&delivery.webhook_id).cloned() else {
            continue;
        };
        if !claim(db, &delivery, now + lease).await? {
            continue;
        }
        let (task_db, task_sender, task_schedule) = (db.clone(), sender.clone(), Arc::clone(schedule));
        in_flight.spawn(async move { attempt(&task_db, &task_sender, &task_schedule, hook, delivery).await });
        if in_flight.len() >= CONCURRENCY
            && let Some(done) = in_flight.join_next().await
        {
            settle(db, bus, &mut run, done).await;
        }
    }
    while let Some(done) = in_flight.join_next().await {
        settle(db, bus, &mut run, done).await;
    }
    Ok(run)
}

/// Counts an attempt's outcome and tells the user of a webhook it disabled.
async fn settle(
    db: &DatabaseConnection,
    bus: &EventBus,
    run: &mut Run,
    done: Result<AppResult<Outcome>, tokio::task::JoinError>,
) {
    let outcome = match done {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "recording a webhook delivery failed");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "a webhook delivery task failed");
            return;
        }
    };
    match outcome.status {
        Status::Succeeded => run.succeeded += 1,
        Status::Pending => run.retrying += 1,
        Status::Failed => run.failed += 1,
    }
    if let Some((user_id, disabled)) = outcome.disabled {
        tracing::warn!(%user_id, webhook_id = %disabled.webhook_id, reason = %disabled.reason, "webhook disabled");
        service::raise(db, bus, user_id, vec![Event::WebhookDisabled(disabled)]).await;
    }
}

/// Takes `row` for this sender until `until`: true when no one else has (its due time is
/// unchanged).
async fn claim(db: &DatabaseConnection, row: &webhook_deliveries::Model, until: DateTime<Utc>) -> AppResult<bool> {
    let claimed = Deliveries::update_many()
        .col_expr(Column::NextAttemptAt, Expr::value(until))
        .filter(Column::Id.eq(row.id))
        .filter(Column::Status.eq(Status::Pending.as_str()))
        .filter(Column::NextAttemptAt.eq(row.next_attempt_at))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Where an attempt left its delivery.
struct Outcome {
    status: Status,
    /// The webhook this attempt disabled, and whose it is.
    disabled: Option<(Uuid, WebhookDisabled)>,
}

/// Sends one delivery and records the answer.
async fn attempt(
    db: &DatabaseConnection,
    sender: &Sender,
    schedule: &[Duration],
    hook: webhooks::Model,
    delivery: webhook_deliveries::Model,
) -> AppResult<Outcome> {
    let now = db::now();
    let timestamp = now.timestamp();
    let signature = signing::header(
        endpoints::signing_secrets(&hook, now),
        &delivery.message_id,
        timestamp,
        &delivery.payload,
    )?;
    let signed = Signed {
        message_id: &delivery.message_id,
        timestamp,
        signature: &signature,
    };
    let answer = sender.post(&hook.url, signed, delivery.payload.clone()).await;
    let finished = db::now();
    let attempts = delivery.attempts + 1;
    let error = answer.error.clone().unwrap_or_default();
    let (status, next, disable) = if answer.succeeded() {
        (Status::Succeeded, None, None)
    } else if answer.status == Some(410) {
        (Status::Failed, None, Some("the receiver answered 410 Gone".to_owned()))
    } else if delivery.event_type == TEST_EVENT {
        (Status::Failed, None, None)
    } else {
        match retry_at(schedule, attempts, answer.retry_after, finished) {
            Some(at) => (Status::Pending, Some(at), None),
            None => (
                Status::Failed,
                None,
                Some(format!("{attempts} attempts failed, the last with {error}")),
            ),
        }
    };
    Deliveries::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(Column::LastAttemptAt, Expr::value(finished))
        .col_expr(Column::ResponseCode, Expr::value(answer.status.map(i32::from)))
        .col_expr(
            Column::LastError,
            Expr::value(answer.error.map(|e| e.chars().take(500).collect::<String>())),
        )
        .filter(Column::Id.eq(delivery.id))
        .exec(db)
        .await?;
    tracing::info!(
        delivery_id = %delivery.id, webhook_id = %hook.id, event_type = %delivery.event_type,
        attempts, status = status.as_str(), response = ?answer.status, "webhook delivery attempted"
    );
    let mut disabled = None;
    if let Some(reason) = disable {
        let reason: String = reason.chars().take(500).collect();
        if endpoints::disable(db, hook.id, &reason, finished).await? {
            disabled = Some((
                hook.user_id,
                WebhookDisabled {
                    webhook_id: hook.id,
                    url: hook.url,
                    reason,
                    disabled_at: finished,
                },
            ));
        }
    }
    Ok(Outcome { status, disabled })
}

/// When to try again after `attempts` failed ones: the schedule's next wait with ±10 % jitter,
/// or the receiver's `Retry-After` when longer (at most a day); none once the schedule is used
/// up.
fn retry_at(
    schedule: &[Duration],
    attempts: i32,
    retry_after: Option<u64>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts - 1).ok()?;
    let wait = schedule.get(index)?;
    let jittered = wait.mul_f64(0.9 + 0.2 * unit_random());
    let asked = Duration::from_secs(retry_after.unwrap_or(0).min(MAX_RETRY_AFTER_SECS));
    let wait = jittered.max(asked);
    Some(now + chrono::Duration::from_std(wait).ok()?)
}

/// A number in [0, 1).
fn unit_random() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// Deletes finished deliveries older than `days` (the log keeps a month).
pub async fn forget_old(db: &impl ConnectionTrait, days: i64) -> AppResult<u64> {
    let cutoff = db::now() - chrono::Duration::days(days);
    Ok(Deliveries::delete_many()
        .filter(Column::Status.ne(Status::Pending.as_str()))
        .filter(Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_with_jitter_and_honour_retry_after() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        let now = Utc::now();
        for _ in 0..50 {
            let first = (retry_at(&schedule, 1, None, now).expect("retried") - now).num_milliseconds();
            assert!((4_500..=5_500).contains(&first), "{first} ms is not 5 s ± 10 %");
            let second = (retry_at(&schedule, 2, None, now).expect("retried") - now).num_seconds();
            assert!((270..=330).contains(&second), "{second} s is not 300 s ± 10 %");
        }
        let asked = (retry_at(&schedule, 1, Some(120), now).expect("retried") - now).num_seconds();
        assert_eq!(asked, 120, "a longer Retry-After wins");
        let capped = (retry_at(&schedule, 1, Some(10_000_000), now).expect("retried") - now).num_seconds();
        assert_eq!(capped, 86_400, "Retry-After is capped at a day");
        assert_eq!(retry_at(&schedule, 3, None, now), None, "the schedule is used up");
    }
}
