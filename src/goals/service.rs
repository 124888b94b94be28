//! Savings goal reads and writes, scoped by the caller's user id, and the milestones a
//! goal's balance reaches (contributions themselves are in `contributions`).

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Select, Set, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::foundation::entities::{
    goal_milestones::{self, Entity as Milestones},
    savings_goals::{self, Column, Entity as Goals, GoalStatus},
};
use crate::{
    events::{Event, EventBus, MilestoneReached},
    foundation::{
        db::{self, Reads},
        error::{AppResult, FieldErrors},
        money::{Currency, Money},
        ownership,
        pagination::{Cursor, Keyset, Page, Paged, SortKey},
        validate,
    },
    goals::{contributions, progress},
};

const NAME_MAX: usize = 100;
pub const CURSOR_SCOPE: &str = "goals";

pub struct NewGoal {
    pub name: String,
    pub target: Money,
    /// ISO 4217 code; the caller's currency when omitted.
    pub currency: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub initial: Option<Money>,
}

/// Goal changes; `None` keeps a value, `Some(None)` clears the target date.
#[derive(Default)]
pub struct GoalPatch {
    pub name: Option<String>,
    pub target: Option<Money>,
    pub target_date: Option<Option<NaiveDate>>,
    pub status: Option<GoalStatus>,
}

pub async fn create(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    new: NewGoal,
) -> AppResult<savings_goals::Model> {
    let mut errors = FieldErrors::default();
    let currency = match &new.currency {
        Some(code) => errors.take("input.currency", Currency::parse(code)),
        None => Some(Currency::of(&ownership::account(db, user_id).await?.currency)),
    };
    let currency = currency.unwrap_or(Currency::USD);
    let name = errors.take("input.name", validate::label(&new.name, NAME_MAX));
    let target = errors.take("input.targetAmount", validate::positive(new.target, currency));
    if let Some(date) = new.target_date {
        errors.take("input.targetDate", not_past(date));
    }
    let initial = new.initial.unwrap_or(Money::ZERO);
    let initial = if initial.is_negative() {
        errors.add("input.initialAmount", "must not be negative");
        0
    } else {
        errors
            .take("input.initialAmount", validate::amount(initial, currency))
            .unwrap_or_default()
    };
    errors.finish()?;
    let target = target.unwrap_or_default();
    let now = db::now();
    let goal = savings_goals::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.unwrap_or_default()),
        target_amount: Set(target),
        current_amount: Set(initial),
        currency: Set(currency.code().to_owned()),
        target_date: Set(new.target_date),
        status: Set(if initial >= target {
            GoalStatus::Completed
        } else {
            GoalStatus::Active
        }),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db.begin().await?;
    let goal = goal.insert(&txn).await?;
    if initial > 0 {
        contributions::ledger_row(user_id, goal.id, currency, initial, Some("Initial amount".into()))
            .insert(&txn)
            .await?;
    }
    let reached = record_milestones(&txn, &goal).await?;
    txn.commit().await?;
    announce_milestones(db, events, &goal, reached).await;
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(goal)
}

pub async fn update(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    id: Uuid,
    patch: GoalPatch,
) -> AppResult<savings_goals::Model> {
    let goal = ownership::get::<Goals>(db, user_id, id).await?;
    let mut errors = FieldErrors::default();
    let currency = Currency::of(&goal.currency);
    let target = patch
        .target
        .and_then(|v| errors.take("input.targetAmount", validate::positive(v, currency)));
    let target = target.unwrap_or(goal.target_amount);
    let status = errors.take(
        "input.status",
        progress::status(patch.status, goal.status, target, goal.current_amount),
    );
    if let Some(Some(date)) = patch.target_date {
        errors.take("input.targetDate", not_past(date));
    }
    let mut active = goal.into_active_model();
    if let Some(name) = patch
        .name
        .and_then(|v| errors.take("input.name", validate::label(&v, NAME_MAX)))
    {
        active.name = Set(name);
    }
    errors.finish()?;
    if let Some(date) = patch.target_date {
        active.target_date = Set(date);
    }
    active.target_amount = Set(target);
    if let Some(status) = status {
        active.status = Set(status);
    }
    active.updated_at = Set(db::now());
    let txn = db.begin().await?;
    let goal = active.update(&txn).await?;
    let reached = record_milestones(&txn, &goal).await?;
    txn.commit().await?;
    announce_milestones(db, events, &goal, reached).await;
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(goal)
}

pub async fn delete(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Goals>(db, user_id, id).await
}

pub async fn find(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Option<savings_goals::Model>> {
    ownership::find::<Goals>(db, user_id, id).await
}

fn filtered(user_id: Uuid, status: Option<GoalStatus>) -> Select<Goals> {
    let select = ownership::owned::<Goals>(user_id);
    match status {
        Some(status) => select.filter(Column::Status.eq(status)),
        None => select,
    }
}

/// Newest first.
pub async fn list(
    db: &impl Reads,
    user_id: Uuid,
    status: Option<GoalStatus>,
    page: &Page,
) -> AppResult<Paged<savings_goals::Model>> {
    let keyset = Keyset {
        scope: CURSOR_SCOPE,
        key: None,
        id: Column::Id,
        descending: true,
    };
    crate::foundation::pagination::fetch(db, filtered(user_id, status), page, keyset, |g| Cursor {
        key: SortKey::Id,
        id: g.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, status: Option<GoalStatus>) -> AppResult<u64> {
    Ok(filtered(user_id, status).count(db).await?)
}

/// Reached milestones of each of `goal_ids` (one statement, for loaders).
pub async fn milestones_of(
    db: &DatabaseConnection,
    user_id: Uuid,
    goal_ids: &[Uuid],
) -> AppResult<Vec<goal_milestones::Model>> {
    Ok(ownership::owned::<Milestones>(user_id)
        .filter(goal_milestones::Column::GoalId.is_in(goal_ids.iter().copied()))
        .order_by_asc(goal_milestones::Column::Percent)
        .all(db)
        .await?)
}

/// Records the milestones `goal` has reached and not recorded before, and returns those; the
/// first crossing keeps its time (a racing writer that recorded one first returns it, not us).
pub(super) async fn record_milestones(
    db: &impl ConnectionTrait,
    goal: &savings_goals::Model,
) -> AppResult<Vec<goal_milestones::Model>> {
    let now = db::now();
    let rows: Vec<_> = progress::reached(goal.target_amount, goal.current_amount)
        .map(|percent| goal_milestones::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(goal.user_id),
            goal_id: Set(goal.id),
            percent: Set(percent),
            reached_at: Set(now),
        })
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let on_conflict = OnConflict::columns([goal_milestones::Column::GoalId, goal_milestones::Column::Percent])
        .do_nothing()
        .to_owned();
    Ok(Milestones::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_with_returning(db)
        .await?)
}

/// Raises a milestone event for each milestone the write that committed `goal` recorded.
pub(super) async fn announce_milestones(
    db: &DatabaseConnection,
    events: &EventBus,
    goal: &savings_goals::Model,
    reached: Vec<goal_milestones::Model>,
) {
    let raised = reached.into_iter().map(|milestone| {
        Event::GoalMilestoneReached(MilestoneReached {
            goal_id: goal.id,
            goal_name: goal.name.clone(),
            percent: milestone.percent,
            current_amount: goal.current_amount,
            target_amount: goal.target_amount,
            currency: goal.currency.clone(),
            reached_at: milestone.reached_at,
        })
    });
    crate::notifications::service::raise(db, events, goal.user_id, raised.collect()).await;
}

/// Target dates in the past would make every projection meaningless.
fn not_past(date: NaiveDate) -> Result<NaiveDate, String> {
    let date = validate::plausible_date(date)?;
    if date < chrono::Utc::now().date_naive() {
        Err("must not be in the past".into())
    } else {
        Ok(date)
    }
}
