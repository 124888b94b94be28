//! Contributions to a goal, atomic: the balance changes in one conditional UPDATE, with its
//! ledger row, in one transaction, retried on contention.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    Select, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::foundation::entities::{
    goal_contributions::{self, Entity as Contributions},
    goal_milestones,
    savings_goals::{self, Column, Entity as Goals},
};
use crate::{
    events::EventBus,
    foundation::{
        db::{self, Attempt},
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, MAX_MINOR, Money},
        ownership,
        pagination::{Cursor, Keyset, Page, Paged, SortKey},
        validate,
    },
    goals::{progress, service},
};

const NOTE_MAX: usize = 500;
pub const CURSOR_SCOPE: &str = "contributions";

/// Adds `amount` (negative: a withdrawal) to a goal, never below zero. Safe under any
/// concurrency: the balance changes in one conditional UPDATE, retried on contention.
pub async fn contribute(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    goal_id: Uuid,
    amount: Money,
    note: Option<String>,
) -> AppResult<savings_goals::Model> {
    let goal = service::find(db, user_id, goal_id)
        .await?
        .ok_or(AppError::NotFound("savings goal"))?;
    let currency = Currency::of(&goal.currency);
    let mut errors = FieldErrors::default();
    let amount = errors.take("input.amount", validate::amount(amount, currency));
    if amount == Some(0) {
        errors.add("input.amount", "must not be 0");
    }
    let note = errors
        .take("input.note", validate::optional_label(note, NOTE_MAX))
        .flatten();
    errors.finish()?;
    let amount = amount.unwrap_or_default();
    let (goal, reached) = db::retry(|| try_contribute(db, user_id, goal_id, currency, amount, note.clone())).await?;
    service::announce_milestones(db, events, &goal, reached).await;
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(goal)
}

async fn try_contribute(
    db: &DatabaseConnection,
    user_id: Uuid,
    goal_id: Uuid,
    currency: Currency,
    amount: i64,
    note: Option<String>,
) -> Result<(savings_goals::Model, Vec<goal_milestones::Model>), Attempt> {
    let txn = db.begin().await?;
    let balance = Expr::col(Column::CurrentAmount).add(amount);
    let changed = Goals::update_many()
        .col_expr(Column::CurrentAmount, balance.clone())
        .col_expr(Column::UpdatedAt, Expr::value(db::now()))
        .filter(Column::Id.eq(goal_id))
        .filter(Column::UserId.eq(user_id))
        .filter(balance.clone().gte(0))
        .filter(balance.lte(MAX_MINOR))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        let goal = service::find(db, user_id, goal_id)
            .await?
            .ok_or(AppError::NotFound("savings goal"))?;
        let message = if goal.current_amount + amount < 0 {
            "would take the goal below zero".to_owned()
        } else {
            format!("would take the goal beyond {}", currency.amount(MAX_MINOR))
        };
        return Err(AppError::invalid("input.amount", message).into());
    }
    ledger_row(user_id, goal_id, currency, amount, note)
        .insert(&txn)
        .await?;
    let goal = service::find(&txn, user_id, goal_id)
        .await?
        .ok_or(AppError::NotFound("savings goal"))?;
    let status = progress::status(None, goal.status, goal.target_amount, goal.current_amount).unwrap_or(goal.status);
    let goal = if status == goal.status {
        goal
    } else {
        let mut active = goal.into_active_model();
        active.status = Set(status);
        active.update(&txn).await?
    };
    let reached = service::record_milestones(&txn, &goal).await?;
    txn.commit().await?;
    Ok((goal, reached))
}

/// A goal's contributions, newest first.
pub async fn list(
    db: &DatabaseConnection,
    user_id: Uuid,
    goal_id: Uuid,
    page: &Page,
) -> AppResult<Paged<goal_contributions::Model>> {
    let select = Contributions::find()
        .filter(goal_contributions::Column::UserId.eq(user_id))
        .filter(goal_contributions::Column::GoalId.eq(goal_id));
    let keyset = Keyset {
        scope: CURSOR_SCOPE,
        key: None,
        id: goal_contributions::Column::Id,
        descending: true,
    };
    crate::foundation::pagination::fetch(db, select, page, keyset, |c| Cursor {
        key: SortKey::Id,
        id: c.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, goal_id: Uuid) -> AppResult<u64> {
    Ok(contributions_of(user_id, goal_id).count(db).await?)
}

fn contributions_of(user_id: Uuid, goal_id: Uuid) -> Select<Contributions> {
    ownership::owned::<Contributions>(user_id).filter(goal_contributions::Column::GoalId.eq(goal_id))
}

/// The ledger row of one contribution (or withdrawal).
pub(super) fn ledger_row(
    user_id: Uuid,
    goal_id: Uuid,
    currency: Currency,
    amount: i64,
    note: Option<String>,
) -> goal_contributions::ActiveModel {
    goal_contributions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        goal_id: Set(goal_id),
        amount: Set(amount),
        currency: Set(currency.code().to_owned()),
        note: Set(note),
        created_at: Set(db::now()),
    }
}
