//! The job that posts what is due: every open occurrence of every `autoPost` schedule whose
//! due day has come in its owner's time zone, oldest first, each exactly once. Nothing is
//! skipped: a server that was down for three months posts the three months it missed. Any
//! number of servers may run it at once: an occurrence's row is unique, so the second writer
//! of one finds it and writes nothing (`occurrences::post`).

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::foundation::entities::schedule_occurrences::{Column as OccurrenceColumn, Entity as Occurrences};
use crate::foundation::entities::schedules::{Column, Entity as Schedules};
use crate::foundation::entities::users;
use crate::{
    events::EventBus,
    foundation::{error::AppResult, periods},
    schedules::{occurrences, service},
};

/// Schedules looked at per statement.
const PAGE: u64 = 500;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Occurrences this run posted.
    pub posted: usize,
    /// Occurrences another writer posted first.
    pub lost: usize,
}

/// Posts every due occurrence of every `autoPost` schedule.
pub async fn post_due(db: &DatabaseConnection, events: &EventBus) -> AppResult<Run> {
    let mut run = Run::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut page = Schedules::find()
            .filter(Column::AutoPost.eq(true))
            .order_by_asc(Column::Id)
            .limit(PAGE);
        if let Some(after) = after {
            page = page.filter(Column::Id.gt(after));
        }
        let schedules = page.all(db).await?;
        let Some(last) = schedules.last() else { break };
        after = Some(last.id);
        let ids: Vec<Uuid> = schedules.iter().map(|s| s.id).collect();
        let owners: Vec<Uuid> = schedules.iter().map(|s| s.user_id).collect();
        // Each owner's time zone decides when their day has come.
        let zones: HashMap<Uuid, String> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Timezone)
            .filter(users::Column::Id.is_in(owners))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let closed: HashSet<(Uuid, chrono::NaiveDate)> = Occurrences::find()
            .select_only()
            .column(OccurrenceColumn::ScheduleId)
            .column(OccurrenceColumn::OccurrenceDate)
            .filter(OccurrenceColumn::ScheduleId.is_in(ids))
            .into_tuple::<(Uuid, chrono::NaiveDate)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        for schedule in &schedules {
            let Some(zone) = zones.get(&schedule.user_id) else {
                continue;
            };
            let today = periods::today_in(zone);
            // A weekend rule may make an occurrence due up to two days before its date.
            let due: Vec<_> = service::recurrence(schedule)?
                .until(today + Duration::days(2))
                .into_iter()
                .filter(|o| o.due <= today && !closed.contains(&(schedule.id, o.nominal)))
                .collect();
            for occurrence in due {
                match occurrences::post(db, events, schedule, occurrence, true).await? {
                    Some(_) => run.posted += 1,
                    None => run.lost += 1,
                }
            }
        }
        if (schedules.len() as u64) < PAGE {
            break;
        }
    }
    Ok(run)
}
