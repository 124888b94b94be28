//! Budget category reads and writes, scoped by the caller's user id.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, Value,
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
    graphql::transaction_pages::{ByCategory, Page, PageParent, PageRow, RankedRow, page_rows, ranked},
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

/// A category with its first page of transactions, as a written `budgets` answer
/// (`budgets::graphql::written`) reads them: only the columns it writes.
pub struct CategoryWithTransactions {
    pub id: Uuid,
    pub budget_id: Uuid,
    pub name: String,
    pub amount: i64,
    pub currency: String,
    pub color: Option<String>,
    pub icon: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Empty unless a page size was asked for.
    pub transactions: Page<PageRow>,
}

/// The caller's categories of `budget_ids`, oldest first as `of_budgets` lists them, each with
/// its first `page_limit` transactions newest first as `BudgetCategory.transactions` pages
/// them, and their total when `counted` (0 otherwise): one statement, the categories' rows and
/// their transactions' rows as two branches of a UNION (a join of the two let PostgreSQL's
/// planner re-rank every page for each category when it misjudged how few categories there
/// are). The rows come unordered and are put in order here: sorting ~200 wide rows in the
/// statement was ~12 % of it (`pgbench -M prepared`).
pub async fn with_transactions(
    db: &DatabaseConnection,
    user_id: Uuid,
    budget_ids: &[Uuid],
    page_limit: Option<u64>,
    counted: bool,
) -> AppResult<Vec<CategoryWithTransactions>> {
    let budgets_in = db::placeholders(budget_ids.len());
    let of_budgets = |values: &mut Vec<Value>| {
        values.push(user_id.into());
        values.extend(budget_ids.iter().map(|id| Value::from(*id)));
    };
    let mut values = Vec::new();
    let mut sql = String::from(
        "SELECT c.id AS category_id, 0 AS row_kind, c.budget_id, c.name, c.amount, c.currency, c.color, c.icon, c.created_at",
    );
    if page_limit.is_some() {
        for column in PageRow::COLUMNS {
            sql.push_str(&format!(", NULL AS {column}"));
        }
    }
    sql.push_str(&format!(
        " FROM budget_categories c WHERE c.user_id = ? AND c.budget_id IN ({budgets_in})"
    ));
    of_budgets(&mut values);
    if let Some(limit) = page_limit {
        let parents =
            format!("SELECT pc.id FROM budget_categories pc WHERE pc.user_id = ? AND pc.budget_id IN ({budgets_in})");
        sql.push_str(" UNION ALL SELECT p.parent_id, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
        for column in PageRow::COLUMNS {
            sql.push_str(&format!(", p.{column}"));
        }
        sql.push_str(&format!(
            " FROM ({}) p",
            ranked::<ByCategory>(&parents, PageRow::transaction_columns(), false, counted)
        ));
        for _ in 0..ByCategory::BINDINGS {
            values.push(user_id.into());
            of_budgets(&mut values);
        }
        values.push(page_rows(limit).into());
    }

    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?;
    let mut categories: Vec<CategoryWithTransactions> = Vec::new();
    let mut transactions: Vec<(Uuid, RankedRow)> = Vec::new();
    for row in rows {
        let category_id: Uuid = row.try_get_by_index(0)?;
        let row_kind: i32 = row.try_get_by_index(1)?;
        if row_kind == 0 {
            categories.push(CategoryWithTransactions {
                id: category_id,
                budget_id: row.try_get_by_index(2)?,
                name: row.try_get_by_index(3)?,
                amount: row.try_get_by_index(4)?,
                currency: row.try_get_by_index(5)?,
                color: row.try_get_by_index(6)?,
                icon: row.try_get_by_index(7)?,
                created_at: row.try_get_by_index(8)?,
                transactions: Page::default(),
            });
        } else {
            transactions.push((category_id, PageRow::decode(&row, 9)?));
        }
    }
    categories.sort_by_key(|category| category.id);
    if let Some(limit) = page_limit {
        transactions.sort_unstable_by_key(|(category_id, ranked)| (*category_id, ranked.page_row));
        for (category_id, ranked) in transactions {
            if let Ok(at) = categories.binary_search_by_key(&category_id, |category| category.id) {
                ranked.into_page(&mut categories[at].transactions, limit);
            }
        }
    }
    Ok(categories)
}
