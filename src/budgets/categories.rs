//! Budget category reads and writes, scoped by the caller's user id.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::foundation::entities::budget_categories::{self, Entity as Categories};
use crate::{
    budgets::service::NAME_MAX,
    foundation::{
        db,
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, Money},
        ownership, validate,
    },
};

const ICON_MAX: usize = 50;
/// The most categories one budget may have.
pub const MAX_PER_BUDGET: usize = 50;

pub struct NewCategory {
    pub name: String,
    pub amount: Money,
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// Category changes; `None` keeps a value, `Some(None)` clears color or icon.
#[derive(Default)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub amount: Option<Money>,
    pub color: Option<Option<String>>,
    pub icon: Option<Option<String>>,
}

pub async fn add(
    db: &DatabaseConnection,
    user_id: Uuid,
    budget_id: Uuid,
    new: NewCategory,
) -> AppResult<budget_categories::Model> {
    let budget = super::service::find(db, user_id, budget_id)
        .await?
        .ok_or(AppError::NotFound("budget"))?;
    let mut errors = FieldErrors::default();
    let row = row(
        user_id,
        budget_id,
        Currency::of(&budget.currency),
        new,
        "input",
        &mut errors,
    );
    let existing = Categories::find()
        .filter(budget_categories::Column::BudgetId.eq(budget_id))
        .count(db)
        .await?;
    if usize::try_from(existing).unwrap_or(usize::MAX) >= MAX_PER_BUDGET {
        errors.add("budgetId", format!("already has {MAX_PER_BUDGET} categories"));
    }
    errors.finish()?;
    let row = row.ok_or_else(|| AppError::internal("validated category missing"))?;
    Ok(row.insert(db).await?)
}

pub async fn update(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    patch: CategoryPatch,
) -> AppResult<budget_categories::Model> {
    let category = find(db, user_id, id)
        .await?
        .ok_or(AppError::NotFound("budget category"))?;
    let mut errors = FieldErrors::default();
    // A category's amounts are in its budget's currency.
    let currency = Currency::of(&category.currency);
    let mut active = category.into_active_model();
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
pub async fn delete(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Categories>(db, user_id, id).await
}

pub async fn find(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Option<budget_categories::Model>> {
    ownership::find::<Categories>(db, user_id, id).await
}

/// The caller's categories among `ids` (one statement, for loaders).
pub async fn by_ids(db: &DatabaseConnection, user_id: Uuid, ids: &[Uuid]) -> AppResult<Vec<budget_categories::Model>> {
    ownership::by_ids::<Categories>(db, user_id, ids).await
}

/// The categories of each of `budget_ids`, oldest first (one statement, for loaders).
pub async fn of_budgets(
    db: &DatabaseConnection,
    user_id: Uuid,
    budget_ids: &[Uuid],
) -> AppResult<Vec<budget_categories::Model>> {
    Ok(ownership::owned::<Categories>(user_id)
        .filter(budget_categories::Column::BudgetId.is_in(budget_ids.iter().copied()))
        .order_by_asc(budget_categories::Column::Id)
        .all(db)
        .await?)
}

/// A validated new category row, or `None` with its problems recorded under `prefix`.
pub(super) fn row(
    user_id: Uuid,
    budget_id: Uuid,
    currency: Currency,
    new: NewCategory,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<budget_categories::ActiveModel> {
    let name = errors.take(&format!("{prefix}.name"), validate::label(&new.name, NAME_MAX));
    let amount = errors.take(&format!("{prefix}.amount"), validate::positive(new.amount, currency));
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
        amount: Set(amount?),
        currency: Set(currency.code().to_owned()),
        color: Set(color?),
        icon: Set(icon?),
        created_at: Set(now),
        updated_at: Set(now),
    })
}
