//! A schedule's occurrences: which are open, and dealing with one (post, skip). Posting is
//! exactly once: the occurrence's row, unique per schedule and date, is written in the same
//! database transaction as its transaction, and a second writer (another request, another
//! server) finds the row and writes nothing.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter, Set,
    TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::foundation::entities::schedule_occurrences::{self, Column, Entity as Occurrences, OccurrenceStatus};
use crate::foundation::entities::schedules;
use crate::foundation::entities::transactions::{self, Cleared};
use crate::{
    budgets::alerts::{Posting, change_events},
    events::{ChangeKind, Event, EventBus, SchedulePosted},
    foundation::{
        db,
        error::{AppError, AppResult},
        ownership,
    },
    notifications::service::raise,
    schedules::{recurrence::Occurrence, service},
};

/// Open occurrences due this many days ago still show in `upcoming` (missed ones).
pub const OVERDUE_DAYS: i64 = 60;

/// An occurrence of a schedule with what has happened to it (`None`: open).
#[derive(Debug, Clone)]
pub struct Dated {
    pub schedule: schedules::Model,
    pub occurrence: Occurrence,
    pub closed: Option<schedule_occurrences::Model>,
}

/// The closed occurrences of `schedule_ids`, by schedule and nominal date: one statement.
pub async fn closed(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    schedule_ids: &[Uuid],
) -> AppResult<HashMap<(Uuid, NaiveDate), schedule_occurrences::Model>> {
    if schedule_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = ownership::owned::<Occurrences>(user_id)
        .filter(Column::ScheduleId.is_in(schedule_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| ((row.schedule_id, row.occurrence_date), row))
        .collect())
}

/// Every occurrence of `schedules` due between `from` and `to` (inclusive), with what has
/// happened to it, by due date. Weekend rules move a due date by up to two days, so nominal
/// dates two days either side are looked at.
pub async fn due_between(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    schedules: &[schedules::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Dated>> {
    let ids: Vec<Uuid> = schedules.iter().map(|s| s.id).collect();
    let closed = closed(db, user_id, &ids).await?;
    let margin = chrono::Duration::days(2);
    let mut dated = Vec::new();
    for schedule in schedules {
        for occurrence in service::recurrence(schedule)?.between(from - margin, to + margin) {
            if (from..=to).contains(&occurrence.due) {
                dated.push(Dated {
                    schedule: schedule.clone(),
                    closed: closed.get(&(schedule.id, occurrence.nominal)).cloned(),
                    occurrence,
                });
            }
        }
    }
    dated.sort_by_key(|d| (d.occurrence.due, d.schedule.id));
    Ok(dated)
}

/// The caller's open occurrences due from `today` through `days` days (today included), and
/// the missed ones of the last `OVERDUE_DAYS` days, by due date.
pub async fn upcoming(db: &impl ConnectionTrait, user_id: Uuid, today: NaiveDate, days: i64) -> AppResult<Vec<Dated>> {
    let schedules = service::list(db, user_id).await?;
    let from = today - chrono::Duration::days(OVERDUE_DAYS);
    let to = today + chrono::Duration::days(days - 1);
    let dated = due_between(db, user_id, &schedules, from, to).await?;
    Ok(dated.into_iter().filter(|d| d.closed.is_none()).collect())
}

/// Occurrence `date` (nominal) of the caller's schedule `schedule_id`, as it stands.
pub async fn one(db: &impl ConnectionTrait, user_id: Uuid, schedule_id: Uuid, date: NaiveDate) -> AppResult<Dated> {
    let schedule = ownership::get::<schedules::Entity>(db, user_id, schedule_id).await?;
    let occurrence = service::recurrence(&schedule)?
        .until(date)
        .into_iter()
        .find(|o| o.nominal == date)
        .ok_or_else(|| AppError::invalid("date", "is not one of the schedule's occurrences"))?;
    let closed = closed(db, user_id, &[schedule.id]).await?.remove(&(schedule.id, date));
    Ok(Dated {
        schedule,
        occurrence,
        closed,
    })
}

/// Skips an open occurrence: it is not posted, and no transaction matches it.
pub async fn skip(db: &DatabaseConnection, user_id: Uuid, schedule_id: Uuid, date: NaiveDate) -> AppResult<Dated> {
    let mut dated = one(db, user_id, schedule_id, date).await?;
    if dated.closed.is_some() {
        return Err(AppError::Conflict("the occurrence has been dealt with already".into()));
    }
    let row = record(db, &dated.schedule, date, OccurrenceStatus::Skipped, None).await?;
    dated.closed = Some(row.ok_or_else(|| AppError::Conflict("the occurrence has been dealt with already".into()))?);
    Ok(dated)
}

/// Posts an open occurrence now (the caller's `postOccurrence`); CONFLICT once dealt with.
pub async fn post_now(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    schedule_id: Uuid,
    date: NaiveDate,
) -> AppResult<Dated> {
    let mut dated = one(db, user_id, schedule_id, date).await?;
    if dated.closed.is_some() {
        return Err(AppError::Conflict("the occurrence has been dealt with already".into()));
    }
    let posted = post(db, events, &dated.schedule, dated.occurrence, false).await?;
    dated.closed = Some(posted.ok_or_else(|| AppError::Conflict("the occurrence has been dealt with already".into()))?);
    Ok(dated)
}

/// Writes the occurrence's row; `None` when it had one already.
async fn record(
    db: &impl ConnectionTrait,
    schedule: &schedules::Model,
    date: NaiveDate,
    status: OccurrenceStatus,
    transaction_id: Option<Uuid>,
) -> AppResult<Option<schedule_occurrences::Model>> {
    let row = schedule_occurrences::Model {
        id: Uuid::now_v7(),
        user_id: schedule.user_id,
        schedule_id: schedule.id,
        occurrence_date: date,
        status,
        transaction_id,
        created_at: db::now(),
    };
    let active = schedule_occurrences::ActiveModel {
        id: Set(row.id),
        user_id: Set(row.user_id),
        schedule_id: Set(row.schedule_id),
        occurrence_date: Set(row.occurrence_date),
        status: Set(row.status),
        transaction_id: Set(row.transaction_id),
        created_at: Set(row.created_at),
    };
    let on_conflict = OnConflict::columns([Column::ScheduleId, Column::OccurrenceDate])
        .do_nothing()
        .to_owned();
    let written = Occurrences::insert(active)
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?;
    Ok((written == 1).then_some(row))
}

/// Posts `occurrence` of `schedule` as a transaction dated its due day, exactly once: the
/// transaction and the occurrence's row commit together, or (when the row exists already,
/// written by anyone) neither does. Announces the new transaction and the posting (`automatic`
/// when the job runner posted it because it fell due).
pub async fn post(
    db: &DatabaseConnection,
    events: &EventBus,
    schedule: &schedules::Model,
    occurrence: Occurrence,
    automatic: bool,
) -> AppResult<Option<schedule_occurrences::Model>> {
    let now = db::now();
    let txn = db.begin().await?;
    let transaction = transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(schedule.user_id),
        account_id: Set(schedule.account_id),
        budget_category_id: Set(schedule.budget_category_id),
        amount: Set(schedule.amount),
        currency: Set(schedule.currency.clone()),
        cleared: Set(Cleared::Uncleared),
        payee: Set(schedule.payee.clone()),
        transfer_id: Set(None),
        has_splits: Set(false),
        description: Set(schedule.description.clone()),
        transaction_date: Set(occurrence.due),
        kind: Set(schedule.kind),
        search_text: NotSet,
        import_batch_id: NotSet,
        matched_batch_id: NotSet,
        import_id: NotSet,
        edited_fields: NotSet,
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let Some(row) = record(
        &txn,
        schedule,
        occurrence.nominal,
        OccurrenceStatus::Posted,
        Some(transaction.id),
    )
    .await?
    else {
        txn.rollback().await?;
        return Ok(None);
    };
    txn.commit().await?;
    tracing::info!(user_id = %schedule.user_id, schedule_id = %schedule.id, date = %occurrence.nominal, "scheduled transaction posted");
    let after = Posting {
        row: &transaction,
        splits: &[],
    };
    // The new transaction, its alerts and the posting, raised together (one pass over the
    // user's webhooks).
    let mut raised = change_events(
        db,
        schedule.user_id,
        ChangeKind::Created,
        None,
        Some(after),
        transaction.id,
    )
    .await;
    raised.push(Event::SchedulePosted(SchedulePosted {
        schedule_id: schedule.id,
        schedule_name: schedule.payee.clone().unwrap_or_else(|| schedule.description.clone()),
        occurrence_date: occurrence.nominal,
        transaction: transaction.clone(),
        automatic,
    }));
    raise(db, events, schedule.user_id, raised).await;
    crate::achievements::service::after_event(db, events, schedule.user_id).await;
    Ok(Some(row))
}

/// Reopens the occurrences a deleted transaction had matched (posted ones stay posted: the
/// transaction was deleted on purpose, and is not posted again).
pub async fn unmatch(db: &impl ConnectionTrait, user_id: Uuid, transaction_id: Uuid) -> AppResult<()> {
    unmatch_all(db, user_id, &[transaction_id]).await
}

/// `unmatch` for several deleted transactions in one statement.
pub async fn unmatch_all(db: &impl ConnectionTrait, user_id: Uuid, transaction_ids: &[Uuid]) -> AppResult<()> {
    Occurrences::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::TransactionId.is_in(transaction_ids.iter().copied()))
        .filter(Column::Status.eq(OccurrenceStatus::Matched))
        .exec(db)
        .await?;
    Ok(())
}
