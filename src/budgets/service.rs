//! Budget and category reads and writes. Every query is scoped by the caller's user id, so
//! another user's id behaves exactly like an unknown one.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Select, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    db,
    entities::{
        budget_categories::{self, Entity as Categories},
        budgets::{self, BudgetPeriod, Entity as Budgets},
    },
    error::{AppError, AppResult, FieldErrors},
    events::EventBus,
    money::Money,
    ownership,
    pagination::{Cursor, Keyset, Page, Paged, SortKey},
    validate,
};

const NAME_MAX: usize = 100;
const ICON_MAX: usize = 50;
const MAX_CATEGORIES: usize = 50;
pub const CURSOR_SCOPE: &str = "budgets";

pub struct NewCategory {
    pub name: String,
    pub amount: Money,
    pub color: Option<String>,
    pub icon: Option<String>,
}

pub struct NewBudget {
    pub name: String,
    pub amount: Money,
    pub period: BudgetPeriod,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub categories: Vec<NewCategory>,
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

/// Category changes; `None` keeps a value, `Some(None)` clears color or icon.
#[derive(Default)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub amount: Option<Money>,
    pub color: Option<Option<String>>,
    pub icon: Option<Option<String>>,
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
    let name = errors.take("input.name", validate::label(&new.name, NAME_MAX));
    let amount = errors.take("input.amount", validate::positive(new.amount));
    check_dates(new.start_date, new.end_date, &mut errors);
    if new.categories.is_empty() {
        errors.add("input.categories", "must contain at least one category");
    }
    if new.categories.len() > MAX_CATEGORIES {
        errors.add(
            "input.categories",
            format!("must contain at most {MAX_CATEGORIES} categories"),
        );
    }
    let now = db::now();
    let budget_id = Uuid::now_v7();
    let categories: Vec<_> = new
        .categories
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| category_row(user_id, budget_id, c, &format!("input.categories.{i}"), &mut errors))
        .collect();
    errors.finish()?;

    let budget = budgets::ActiveModel {
        id: Set(budget_id),
        user_id: Set(user_id),
        name: Set(name.unwrap_or_default()),
        amount: Set(amount.map(Money::minor).unwrap_or_default()),
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
    let mut active = budget.into_active_model();
    if let Some(name) = patch
        .name
        .and_then(|v| errors.take("input.name", validate::label(&v, NAME_MAX)))
    {
        active.name = Set(name);
    }
    if let Some(amount) = patch
        .amount
        .and_then(|v| errors.take("input.amount", validate::positive(v)))
    {
        active.amount = Set(amount.minor());
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
    db: &DatabaseConnection,
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
    crate::pagination::fetch(db, filtered(user_id, filter), page, keyset, |b| Cursor {
        key: SortKey::Id,
        id: b.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, filter: &BudgetFilter) -> AppResult<u64> {
    Ok(filtered(user_id, filter).count(db).await?)
}

pub async fn add_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    budget_id: Uuid,
    new: NewCategory,
) -> AppResult<budget_categories::Model> {
    find(db, user_id, budget_id)
        .await?
        .ok_or(AppError::NotFound("budget"))?;
    let mut errors = FieldErrors::default();
    let row = category_row(user_id, budget_id, new, "input", &mut errors);
    let existing = Categories::find()
        .filter(budget_categories::Column::BudgetId.eq(budget_id))
        .count(db)
        .await?;
    if usize::try_from(existing).unwrap_or(usize::MAX) >= MAX_CATEGORIES {
        errors.add("budgetId", format!("already has {MAX_CATEGORIES} categories"));
    }
    errors.finish()?;
    let row = row.ok_or_else(|| AppError::internal("validated category missing"))?;
    Ok(row.insert(db).await?)
}

pub async fn update_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    patch: CategoryPatch,
) -> AppResult<budget_categories::Model> {
    let category = find_category(db, user_id, id)
        .await?
        .ok_or(AppError::NotFound("budget category"))?;
    let mut errors = FieldErrors::default();
    let mut active = category.into_active_model();
    if let Some(name) = patch
        .name
        .and_then(|v| errors.take("input.name", validate::label(&v, NAME_MAX)))
    {
        active.name = Set(name);
    }
    if let Some(amount) = patch
        .amount
        .and_then(|v| errors.take("input.amount", validate::positive(v)))
    {
        active.amount = Set(amount.minor());
    }
    if let Some(color) = patch.color {
        let color = color.map(|c| validate::color(&c)).transpose();
        if let Some(color) = errors.take("input.color", color) {
            active.color = Set(color);
        }
    }
    if let Some(icon) = patch
        .icon
        .and_then(|v| errors.take("input.icon", validate::optional_label(v, ICON_MAX)))
    {
        active.icon = Set(icon);
    }
    errors.finish()?;
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Deletes a category; its transactions stay, uncategorized.
pub async fn delete_category(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Categories>(db, user_id, id).await
}

pub async fn find_category(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> AppResult<Option<budget_categories::Model>> {
    ownership::find::<Categories>(db, user_id, id).await
}

/// The caller's budgets among `ids` (one statement, for loaders).
pub async fn budgets_by_ids(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<Vec<budgets::Model>> {
    ownership::by_ids::<Budgets>(db, user_id, ids).await
}

/// The caller's categories among `ids` (one statement, for loaders).
pub async fn categories_by_ids(
    db: &DatabaseConnection,
    user_id: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<budget_categories::Model>> {
    ownership::by_ids::<Categories>(db, user_id, ids).await
}

/// The categories of each of `budget_ids`, oldest first (one statement, for loaders).
pub async fn categories_of_budgets(
    db: &DatabaseConnection,
    user_id: Uuid,
    budget_ids: &[Uuid],
) -> AppResult<Vec<budget_categories::Model>> {
    use sea_orm::QueryOrder;
    Ok(ownership::owned::<Categories>(user_id)
        .filter(budget_categories::Column::BudgetId.is_in(budget_ids.iter().copied()))
        .order_by_asc(budget_categories::Column::Id)
        .all(db)
        .await?)
}

/// What counts as spent against budget `b`: transaction `t` is an expense dated within the
/// budget's range. A macro, so every statement that sums spending embeds the same text.
macro_rules! spent_within_budget {
    () => {
        "t.type = 'expense' AND t.transaction_date >= b.start_date AND t.transaction_date <= b.end_date"
    };
}
pub(crate) use spent_within_budget;

/// Expenses in each category dated within its budget's range, in minor units.
pub async fn spent_by_category(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    let sql = format!(
        "SELECT c.id, CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) \
         FROM budget_categories c \
         JOIN budgets b ON b.id = c.budget_id \
         JOIN transactions t ON t.budget_category_id = c.id AND {} \
         WHERE c.user_id = ? AND c.id IN ({}) GROUP BY c.id",
        spent_within_budget!(),
        db::placeholders(ids.len())
    );
    sums(db, &sql, user_id, ids).await
}

/// Expenses in each budget's categories dated within its range, in minor units.
pub async fn spent_by_budget(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    let sql = format!(
        "SELECT b.id, CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) \
         FROM budgets b \
         JOIN budget_categories c ON c.budget_id = b.id \
         JOIN transactions t ON t.budget_category_id = c.id AND {} \
         WHERE b.user_id = ? AND b.id IN ({}) GROUP BY b.id",
        spent_within_budget!(),
        db::placeholders(ids.len())
    );
    sums(db, &sql, user_id, ids).await
}

async fn sums(db: &DatabaseConnection, sql: &str, user_id: Uuid, ids: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    let mut values = vec![user_id.into()];
    values.extend(ids.iter().map(|id| (*id).into()));
    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), sql, values))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get_by_index::<Uuid>(0)?, row.try_get_by_index::<i64>(1)?)))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

fn check_dates(start: NaiveDate, end: NaiveDate, errors: &mut FieldErrors) {
    errors.take("input.startDate", validate::plausible_date(start));
    errors.take("input.endDate", validate::plausible_date(end));
    if end < start {
        errors.add("input.endDate", "must not be before startDate");
    }
}

fn category_row(
    user_id: Uuid,
    budget_id: Uuid,
    new: NewCategory,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<budget_categories::ActiveModel> {
    let name = errors.take(&format!("{prefix}.name"), validate::label(&new.name, NAME_MAX));
    let amount = errors.take(&format!("{prefix}.amount"), validate::positive(new.amount));
    let color = errors.take(
        &format!("{prefix}.color"),
        new.color.map(|c| validate::color(&c)).transpose(),
    );
    let icon = errors.take(&format!("{prefix}.icon"), validate::optional_label(new.icon, ICON_MAX));
    let now = db::now();
    Some(budget_categories::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        budget_id: Set(budget_id),
        name: Set(name?),
        amount: Set(amount?.minor()),
        color: Set(color?),
        icon: Set(icon?),
        created_at: Set(now),
        updated_at: Set(now),
    })
}
