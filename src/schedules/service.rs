//! Schedule reads and writes, scoped by the caller's user id. A schedule is in one open account
//! of the caller's and in its currency, and carries a checked recurrence.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::foundation::entities::schedules::{self, Column, Entity as Schedules, WeekendRule};
use crate::foundation::entities::transactions::TransactionType;
use crate::{
    accounts, budgets,
    foundation::{
        db,
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, Money},
        ownership, periods, validate,
    },
    schedules::recurrence::{self, Recurrence},
};

const DESCRIPTION_MAX: usize = 500;
const PAYEE_MAX: usize = 200;
/// How far from its due date a real transaction may match an occurrence, at most.
const WINDOW_MAX: i32 = 31;

pub struct NewSchedule {
    /// The caller's default account when omitted.
    pub account_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub payee: Option<String>,
    pub description: String,
    pub amount: Money,
    pub kind: TransactionType,
    pub rule: String,
    /// Today in the caller's time zone when omitted.
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub count: Option<i32>,
    pub weekend_rule: WeekendRule,
    pub auto_post: bool,
    pub amount_tolerance: Option<Money>,
    pub match_window_days: Option<i32>,
}

/// Schedule changes; `None` keeps a value, `Some(None)` clears an optional one.
#[derive(Default)]
pub struct SchedulePatch {
    pub account_id: Option<Uuid>,
    pub category_id: Option<Option<Uuid>>,
    pub payee: Option<Option<String>>,
    pub description: Option<String>,
    pub amount: Option<Money>,
    pub kind: Option<TransactionType>,
    pub rule: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub count: Option<Option<i32>>,
    pub weekend_rule: Option<WeekendRule>,
    pub auto_post: Option<bool>,
    pub amount_tolerance: Option<Money>,
    pub match_window_days: Option<i32>,
}

/// A stored schedule's recurrence.
pub fn recurrence(schedule: &schedules::Model) -> AppResult<Recurrence> {
    Recurrence::new(
        &schedule.rule,
        schedule.start_date,
        schedule.end_date,
        schedule.max_occurrences.and_then(|c| u32::try_from(c).ok()),
        weekend(schedule.weekend_rule),
    )
    .map_err(|e| AppError::internal(format!("stored schedule {}: rule {e}", schedule.id)))
}

fn weekend(rule: WeekendRule) -> recurrence::WeekendRule {
    match rule {
        WeekendRule::None => recurrence::WeekendRule::None,
        WeekendRule::Before => recurrence::WeekendRule::Before,
        WeekendRule::After => recurrence::WeekendRule::After,
    }
}

pub async fn create(db: &DatabaseConnection, user_id: Uuid, new: NewSchedule) -> AppResult<schedules::Model> {
    let account = accounts::service::named_or_default(db, user_id, new.account_id, "input.accountId").await?;
    let user = ownership::account(db, user_id).await?;
    let currency = Currency::of(&account.currency);
    let start = new.start_date.unwrap_or_else(|| periods::today_in(&user.timezone));
    let now = db::now();
    let mut row = schedules::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        account_id: Set(account.id),
        budget_category_id: Set(None),
        payee: Set(None),
        description: Set(String::new()),
        amount: Set(0),
        currency: Set(currency.code().to_owned()),
        kind: Set(new.kind),
        rule: Set(new.rule.clone()),
        start_date: Set(start),
        end_date: Set(new.end_date),
        max_occurrences: Set(new.count),
        weekend_rule: Set(new.weekend_rule),
        auto_post: Set(new.auto_post),
        amount_tolerance: Set(0),
        match_window_days: Set(3),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let patch = SchedulePatch {
        category_id: Some(new.category_id),
        payee: Some(new.payee),
        description: Some(new.description),
        amount: Some(new.amount),
        amount_tolerance: Some(new.amount_tolerance.unwrap_or(Money::ZERO)),
        match_window_days: new.match_window_days,
        ..Default::default()
    };
    apply(db, user_id, &mut row, patch, currency).await?;
    Ok(row.insert(db).await?)
}

pub async fn update(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    patch: SchedulePatch,
) -> AppResult<schedules::Model> {
    let schedule = ownership::get::<Schedules>(db, user_id, id).await?;
    let currency = Currency::of(&schedule.currency);
    let mut row = schedule.clone().into_active_model();
    if let Some(account_id) = patch.account_id.filter(|a| *a != schedule.account_id) {
        let account = accounts::service::writable(db, user_id, account_id, "input.accountId").await?;
        if account.currency != schedule.currency {
            return Err(AppError::invalid(
                "input.accountId",
                format!("is in {}, not {}", account.currency, schedule.currency),
            ));
        }
        row.account_id = Set(account.id);
    }
    if let Some(kind) = patch.kind {
        row.kind = Set(kind);
    }
    if let Some(rule) = &patch.rule {
        row.rule = Set(rule.clone());
    }
    if let Some(start) = patch.start_date {
        row.start_date = Set(start);
    }
    if let Some(end) = patch.end_date {
        row.end_date = Set(end);
    }
    if let Some(count) = patch.count {
        row.max_occurrences = Set(count);
    }
    if let Some(rule) = patch.weekend_rule {
        row.weekend_rule = Set(rule);
    }
    if let Some(auto_post) = patch.auto_post {
        row.auto_post = Set(auto_post);
    }
    apply(db, user_id, &mut row, patch, currency).await?;
    row.updated_at = Set(db::now());
    Ok(row.update(db).await?)
}

/// Checks and sets the fields every write validates alike; the recurrence is checked as the
/// row now stands.
async fn apply(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    row: &mut schedules::ActiveModel,
    patch: SchedulePatch,
    currency: Currency,
) -> AppResult<()> {
    let mut errors = FieldErrors::default();
    if let Some(description) = patch
        .description
        .and_then(|d| errors.take("input.description", validate::label(&d, DESCRIPTION_MAX)))
    {
        row.description = Set(description);
    }
    if let Some(payee) = patch
        .payee
        .and_then(|p| errors.take("input.payee", validate::optional_label(p, PAYEE_MAX)))
    {
        row.payee = Set(payee);
    }
    if let Some(amount) = patch
        .amount
        .and_then(|a| errors.take("input.amount", validate::positive(a, currency)))
    {
        row.amount = Set(amount);
    }
    if let Some(tolerance) = patch.amount_tolerance {
        match validate::amount(tolerance, currency) {
            Ok(minor) if minor >= 0 => row.amount_tolerance = Set(minor),
            Ok(_) => errors.add("input.amountTolerance", "must not be negative"),
            Err(e) => errors.add("input.amountTolerance", e),
        }
    }
    if let Some(days) = patch.match_window_days {
        if (0..=WINDOW_MAX).contains(&days) {
            row.match_window_days = Set(days);
        } else {
            errors.add("input.matchWindowDays", format!("must be between 0 and {WINDOW_MAX}"));
        }
    }
    if let Some(category) = patch.category_id {
        match category {
            Some(id) if budgets::categories::find(db, user_id, id).await?.is_none() => {
                errors.add("input.categoryId", "is not one of your budget categories");
            }
            _ => row.budget_category_id = Set(category),
        }
    }
    if row.kind.as_ref().is_transfer() {
        errors.add("input.type", "must be INCOME or EXPENSE");
    }
    if row.max_occurrences.as_ref().is_some_and(|c| !(1..=10_000).contains(&c)) {
        errors.add("input.count", "must be between 1 and 10000");
    }
    errors.take("input.startDate", validate::plausible_date(*row.start_date.as_ref()));
    let count = row.max_occurrences.as_ref().and_then(|c| u32::try_from(c).ok());
    if let Err(e) = Recurrence::new(
        row.rule.as_ref(),
        *row.start_date.as_ref(),
        *row.end_date.as_ref(),
        count,
        weekend(*row.weekend_rule.as_ref()),
    ) {
        let field = if e.starts_with("ends") {
            "input.endDate"
        } else {
            "input.rule"
        };
        errors.add(field, e);
    }
    errors.finish()
}

pub async fn delete(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Schedules>(db, user_id, id).await
}

pub async fn find(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Option<schedules::Model>> {
    ownership::find::<Schedules>(db, user_id, id).await
}

/// The caller's schedules, oldest first.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<schedules::Model>> {
    Ok(ownership::owned::<Schedules>(user_id)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// The caller's schedules in `accounts`.
pub async fn in_accounts(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    accounts: &[Uuid],
) -> AppResult<Vec<schedules::Model>> {
    Ok(ownership::owned::<Schedules>(user_id)
        .filter(Column::AccountId.is_in(accounts.iter().copied()))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}
