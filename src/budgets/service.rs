//! Budget reads and writes (categories are in `categories`, spending in `spending`). Every query is scoped by the caller's user id, so
//! another user's id behaves exactly like an unknown one.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Select, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::foundation::entities::budget_categories::Entity as Categories;
use crate::foundation::entities::budgets::{self, BudgetPeriod, Entity as Budgets};
use crate::{
    budgets::categories,
    events::EventBus,
    foundation::{
        db::{self, Reads},
        error::{AppResult, FieldErrors},
        money::{Currency, Money},
        ownership,
        pagination::{Cursor, Keyset, Page, Paged, SortKey},
        validate,
    },
};

pub(super) const NAME_MAX: usize = 100;
pub const CURSOR_SCOPE: &str = "budgets";

pub struct NewBudget {
    pub name: String,
    pub amount: Money,
    /// ISO 4217 code; the caller's currency when omitted.
    pub currency: Option<String>,
    pub period: BudgetPeriod,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub categories: Vec<categories::NewCategory>,
}

/// Budget changes; `None` keeps a value.
#[derive(Default)]
pub struct BudgetPatch {
    pub name: Option<String>,
    pub amount: Option<Money>,
    pub period: Option<BudgetPeriod>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

/// Which budgets a list shows.
#[derive(Debug, Clone, Default)]
pub struct BudgetFilter {
    /// Budgets whose date range contains this day.
    pub active_on: Option<NaiveDate>,
    pub period: Option<BudgetPeriod>,
}

pub async fn create(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    new: NewBudget,
) -> AppResult<budgets::Model> {
    let mut errors = FieldErrors::default();
    let currency = match &new.currency {
        Some(code) => errors.take("input.currency", Currency::parse(code)),
        None => Some(Currency::of(&ownership::account(db, user_id).await?.currency)),
    };
    let currency = currency.unwrap_or(Currency::USD);
    let name = errors.take("input.name", validate::label(&new.name, NAME_MAX));
    let amount = errors.take("input.amount", validate::positive(new.amount, currency));
    check_dates(new.start_date, new.end_date, &mut errors);
    if new.categories.is_empty() {
        errors.add("input.categories", "must contain at least one category");
    }
    if new.categories.len() > categories::MAX_PER_BUDGET {
        errors.add(
            "input.categories",
            format!("must contain at most {} categories", categories::MAX_PER_BUDGET),
        );
    }
    let now = db::now();
    let budget_id = Uuid::now_v7();
    let categories: Vec<_> = new
        .categories
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let prefix = format!("input.categories.{i}");
            categories::row(user_id, budget_id, currency, c, &prefix, &mut errors)
        })
        .collect();
    errors.finish()?;

    let budget = budgets::ActiveModel {
        id: Set(budget_id),
        user_id: Set(user_id),
        name: Set(name.unwrap_or_default()),
        amount: Set(amount.unwrap_or_default()),
        currency: Set(currency.code().to_owned()),
        period: Set(new.period),
        start_date: Set(new.start_date),
        end_date: Set(new.end_date),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db.begin().await?;
    let budget = budget.insert(&txn).await?;
    Categories::insert_many(categories).exec(&txn).await?;
    txn.commit().await?;
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(budget)
}

pub async fn update(db: &DatabaseConnection, user_id: Uuid, id: Uuid, patch: BudgetPatch) -> AppResult<budgets::Model> {
    let budget = ownership::get::<Budgets>(db, user_id, id).await?;
    let mut errors = FieldErrors::default();
    let start = patch.start_date.unwrap_or(budget.start_date);
    let end = patch.end_date.unwrap_or(budget.end_date);
    check_dates(start, end, &mut errors);
    let currency = Currency::of(&budget.currency);
    let mut active = budget.into_active_model();
    if let Some(name) = patch
        .name
        .and_then(|v| errors.take("input.name", validate::label(&v, NAME_MAX)))
    {
        active.name = Set(name);
    }
    if let Some(amount) = patch
        .amount
        .and_then(|v| errors.take("input.amount", validate::positive(v, currency)))
    {
        active.amount = Set(amount);
    }
    errors.finish()?;
    if let Some(period) = patch.period {
        active.period = Set(period);
    }
    active.start_date = Set(start);
    active.end_date = Set(end);
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Deletes a budget and its categories; their transactions stay, uncategorized.
pub async fn delete(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Budgets>(db, user_id, id).await
}

pub async fn find(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Option<budgets::Model>> {
    ownership::find::<Budgets>(db, user_id, id).await
}

fn filtered(user_id: Uuid, filter: &BudgetFilter) -> Select<Budgets> {
    let mut select = ownership::owned::<Budgets>(user_id);
    if let Some(day) = filter.active_on {
        select = select
            .filter(budgets::Column::StartDate.lte(day))
            .filter(budgets::Column::EndDate.gte(day));
    }
    if let Some(period) = filter.period {
        select = select.filter(budgets::Column::Period.eq(period));
    }
    select
}

/// Newest first.
pub async fn list(
    db: &impl Reads,
    user_id: Uuid,
    filter: &BudgetFilter,
    page: &Page,
) -> AppResult<Paged<budgets::Model>> {
    let keyset = Keyset {
        scope: CURSOR_SCOPE,
        key: None,
        id: budgets::Column::Id,
        descending: true,
    };
    crate::foundation::pagination::fetch(db, filtered(user_id, filter), page, keyset, |b| Cursor {
        key: SortKey::Id,
        id: b.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, filter: &BudgetFilter) -> AppResult<u64> {
    Ok(filtered(user_id, filter).count(db).await?)
}

fn check_dates(start: NaiveDate, end: NaiveDate, errors: &mut FieldErrors) {
    errors.take("input.startDate", validate::plausible_date(start));
    errors.take("input.endDate", validate::plausible_date(end));
    if end < start {
        errors.add("input.endDate", "must not be before startDate");
    }
}
