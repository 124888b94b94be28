//! Recognising what really happened: a transaction the user enters or imports that fits an open
//! occurrence of a schedule (same account and type, amount within the schedule's tolerance,
//! date within its window of the due date) is linked to it, which closes the occurrence, so it
//! is not counted twice in `upcoming` or the forecast, nor posted. As Actual matches: the
//! occurrence due that very day first, then one still to come (the bill paid early, nearest
//! first), then a missed one (paid late, oldest first); each transaction closes at most one
//! occurrence and each occurrence takes at most one transaction.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};
use uuid::Uuid;

use crate::foundation::entities::schedule_occurrences::{self, Column, Entity as Occurrences, OccurrenceStatus};
use crate::foundation::entities::{schedules, transactions};
use crate::{
    foundation::{db, error::AppResult},
    schedules::{occurrences, service},
};

/// An open occurrence a transaction could be.
#[derive(Debug, Clone)]
struct Candidate {
    schedule: schedules::Model,
    nominal: NaiveDate,
    due: NaiveDate,
}

/// How well `transaction` fits `candidate`: `None` when it does not; lower is better. The
/// second part orders within a class: days early (nearest first), or days late as a negative
/// number (the oldest missed occurrence first).
fn fit(candidate: &Candidate, transaction: &transactions::Model) -> Option<(u8, i64, Uuid)> {
    let schedule = &candidate.schedule;
    if schedule.account_id != transaction.account_id
        || schedule.kind != transaction.kind
        || (schedule.amount - transaction.amount).abs() > schedule.amount_tolerance
    {
        return None;
    }
    let early_by = (candidate.due - transaction.transaction_date).num_days();
    if early_by.abs() > i64::from(schedule.match_window_days) {
        return None;
    }
    Some(match early_by {
        0 => (0, 0, schedule.id),
        // Paid before it was due: the nearest occurrence.
        days if days > 0 => (1, days, schedule.id),
        // Paid late: the oldest missed occurrence (the most negative).
        days => (2, days, schedule.id),
    })
}

/// Links each of `new` (the caller's transactions, just written) to the open occurrence it
/// fits best, if any; returns how many were linked. Transfers and split transactions are not
/// matched. One statement when the caller has no schedule in those accounts.
pub async fn link(db: &impl ConnectionTrait, user_id: Uuid, new: &[transactions::Model]) -> AppResult<usize> {
    let new: Vec<&transactions::Model> = new
        .iter()
        .filter(|t| !t.kind.is_transfer() && !t.has_splits && t.transfer_id.is_none())
        .collect();
    let mut accounts: Vec<Uuid> = new.iter().map(|t| t.account_id).collect();
    accounts.sort_unstable();
    accounts.dedup();
    if accounts.is_empty() {
        return Ok(0);
    }
    let schedules = service::in_accounts(db, user_id, &accounts).await?;
    if schedules.is_empty() {
        return Ok(0);
    }
    let (Some(first), Some(last)) = (
        new.iter().map(|t| t.transaction_date).min(),
        new.iter().map(|t| t.transaction_date).max(),
    ) else {
        return Ok(0);
    };
    let widest = Duration::days(i64::from(
        schedules.iter().map(|s| s.match_window_days).max().unwrap_or(0),
    ));
    let open: Vec<Candidate> = occurrences::due_between(db, user_id, &schedules, first - widest, last + widest)
        .await?
        .into_iter()
        .filter(|d| d.closed.is_none())
        .map(|d| Candidate {
            schedule: d.schedule,
            nominal: d.occurrence.nominal,
            due: d.occurrence.due,
        })
        .collect();
    let mut links = Vec::new();
    let mut taken: HashSet<(Uuid, NaiveDate)> = HashSet::new();
    let mut ordered = new;
    ordered.sort_by_key(|t| (t.transaction_date, t.id));
    for transaction in ordered {
        let best = open
            .iter()
            .enumerate()
            .filter(|(_, c)| !taken.contains(&(c.schedule.id, c.nominal)))
            .filter_map(|(i, c)| fit(c, transaction).map(|rank| (rank, i)))
            .min_by_key(|(rank, _)| *rank);
        if let Some((_, i)) = best {
            let candidate = &open[i];
            taken.insert((candidate.schedule.id, candidate.nominal));
            links.push(schedule_occurrences::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                schedule_id: Set(candidate.schedule.id),
                occurrence_date: Set(candidate.nominal),
                status: Set(OccurrenceStatus::Matched),
                transaction_id: Set(Some(transaction.id)),
                created_at: Set(db::now()),
            });
        }
    }
    let linked = links.len();
    if linked > 0 {
        // A racing writer may have closed one of them meanwhile: its row stands.
        let on_conflict = OnConflict::columns([Column::ScheduleId, Column::OccurrenceDate])
            .do_nothing()
            .to_owned();
        Occurrences::insert_many(links)
            .on_conflict(on_conflict)
            .exec_without_returning(db)
            .await?;
    }
    Ok(linked)
}
