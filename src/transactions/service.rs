//! Transaction reads and writes, scoped by the caller's user id.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait,
    QueryFilter, Select, Set,
    sea_query::{LikeExpr, Query},
};
use uuid::Uuid;

use crate::{
    budgets, db,
    entities::{
        budget_categories,
        transactions::{self, Column, Entity as Transactions, TransactionType},
    },
    error::{AppResult, FieldErrors},
    events::{ChangeKind, Event, EventBus, TransactionChange},
    money::Money,
    ownership,
    pagination::{Cursor, Keyset, Page, Paged, SortKey},
    validate,
};

const DESCRIPTION_MAX: usize = 500;
const SEARCH_MAX: usize = 100;
/// Cursor scopes, one per ordering, so a cursor cannot be replayed under another order.
pub const DATE_SCOPE: &str = "transactions:date";
const AMOUNT_SCOPE: &str = "transactions:amount";
const CREATED_SCOPE: &str = "transactions:created";

pub struct NewTransaction {
    pub amount: Money,
    pub description: String,
    pub transaction_date: NaiveDate,
    pub kind: TransactionType,
    pub category_id: Option<Uuid>,
}

/// Transaction changes; `None` keeps a value.
#[derive(Default)]
pub struct TransactionPatch {
    pub amount: Option<Money>,
    pub description: Option<String>,
    pub transaction_date: Option<NaiveDate>,
    pub kind: Option<TransactionType>,
    pub category_id: Option<Uuid>,
    pub clear_category: bool,
}

/// Which transactions a list, count or aggregate covers. All fields combine with AND.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<TransactionType>,
    pub category_id: Option<Uuid>,
    pub budget_id: Option<Uuid>,
    pub uncategorized: Option<bool>,
    pub search: Option<String>,
    pub min_amount: Option<Money>,
    pub max_amount: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderField {
    #[default]
    TransactionDate,
    Amount,
    CreatedAt,
}

#[derive(Debug, Clone, Copy)]
pub struct Ordering {
    pub field: OrderField,
    pub descending: bool,
}

impl Default for Ordering {
    /// Newest first.
    fn default() -> Self {
        Ordering {
            field: OrderField::TransactionDate,
            descending: true,
        }
    }
}

impl Ordering {
    pub fn scope(self) -> &'static str {
        match self.field {
            OrderField::TransactionDate => DATE_SCOPE,
            OrderField::Amount => AMOUNT_SCOPE,
            OrderField::CreatedAt => CREATED_SCOPE,
        }
    }
}

pub async fn create(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    new: NewTransaction,
) -> AppResult<transactions::Model> {
    let mut errors = FieldErrors::default();
    let amount = errors.take("input.amount", validate::positive(new.amount));
    let description = errors.take("input.description", validate::label(&new.description, DESCRIPTION_MAX));
    errors.take("input.transactionDate", validate::plausible_date(new.transaction_date));
    if let Some(category_id) = new.category_id {
        check_category(db, user_id, category_id, &mut errors).await?;
    }
    errors.finish()?;
    let now = db::now();
    let row = transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        budget_category_id: Set(new.category_id),
        amount: Set(amount.map(Money::minor).unwrap_or_default()),
        description: Set(description.unwrap_or_default()),
        transaction_date: Set(new.transaction_date),
        kind: Set(new.kind),
        search_text: NotSet,
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    announce(db, events, user_id, ChangeKind::Created, None, Some(&row), row.id).await;
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(row)
}

pub async fn update(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    id: Uuid,
    patch: TransactionPatch,
) -> AppResult<transactions::Model> {
    let before = ownership::get::<Transactions>(db, user_id, id).await?;
    let mut errors = FieldErrors::default();
    let mut active = before.clone().into_active_model();
    if let Some(amount) = patch
        .amount
        .and_then(|v| errors.take("input.amount", validate::positive(v)))
    {
        active.amount = Set(amount.minor());
    }
    if let Some(text) = patch
        .description
        .and_then(|v| errors.take("input.description", validate::label(&v, DESCRIPTION_MAX)))
    {
        active.description = Set(text);
    }
    if let Some(date) = patch
        .transaction_date
        .and_then(|v| errors.take("input.transactionDate", validate::plausible_date(v)))
    {
        active.transaction_date = Set(date);
    }
    if let Some(kind) = patch.kind {
        active.kind = Set(kind);
    }
    match (patch.category_id, patch.clear_category) {
        (Some(_), true) => errors.add("input.clearCategory", "cannot be combined with categoryId"),
        (Some(category_id), false) => {
            if check_category(db, user_id, category_id, &mut errors).await? {
                active.budget_category_id = Set(Some(category_id));
            }
        }
        (None, true) => active.budget_category_id = Set(None),
        (None, false) => {}
    }
    errors.finish()?;
    active.updated_at = Set(db::now());
    let after = active.update(db).await?;
    announce(
        db,
        events,
        user_id,
        ChangeKind::Updated,
        Some(&before),
        Some(&after),
        id,
    )
    .await;
    Ok(after)
}

pub async fn delete(db: &DatabaseConnection, events: &EventBus, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    let deleted = ownership::delete::<Transactions>(db, user_id, id).await?;
    announce(db, events, user_id, ChangeKind::Deleted, None, None, deleted).await;
    Ok(deleted)
}

/// Raises the change and the budget alerts it caused (their statement is skipped when nobody
/// can be listening). The write has committed, so an alert that cannot be computed is logged,
/// not returned.
async fn announce(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    kind: ChangeKind,
    before: Option<&transactions::Model>,
    after: Option<&transactions::Model>,
    id: Uuid,
) {
    if !events.may_have_listeners(user_id) {
        return;
    }
    let mut raised = vec![TransactionChange::event(kind, id, after.cloned())];
    if let Some(after) = after {
        match budgets::alerts::raised_by(db, user_id, before, after).await {
            Ok(alerts) => raised.extend(alerts.into_iter().map(Event::BudgetAlert)),
            Err(err) => tracing::warn!(%user_id, error = %err, "budget alert check failed"),
        }
    }
    events.publish(user_id, raised).await;
}

pub async fn find(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Option<transactions::Model>> {
    ownership::find::<Transactions>(db, user_id, id).await
}

pub async fn list(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    ordering: Ordering,
    page: &Page,
) -> AppResult<Paged<transactions::Model>> {
    let (key, cursor_key): (Column, fn(&transactions::Model) -> SortKey) = match ordering.field {
        OrderField::TransactionDate => (Column::TransactionDate, |t| SortKey::Date(t.transaction_date)),
        OrderField::Amount => (Column::Amount, |t| SortKey::Amount(t.amount)),
        OrderField::CreatedAt => (Column::CreatedAt, |t| SortKey::Instant(t.created_at)),
    };
    let keyset = Keyset {
        scope: ordering.scope(),
        key: Some(key),
        id: Column::Id,
        descending: ordering.descending,
    };
    let select = filtered(user_id, filter)?;
    crate::pagination::fetch(db, select, page, keyset, |t| Cursor {
        key: cursor_key(t),
        id: t.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, filter: &TransactionFilter) -> AppResult<u64> {
    Ok(filtered(user_id, filter)?.count(db).await?)
}

/// Checks a filter's own consistency, before any query.
pub fn check_filter(filter: &TransactionFilter) -> AppResult<()> {
    let mut errors = FieldErrors::default();
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to < from
    {
        errors.add("filter.to", "must not be before filter.from");
    }
    if let (Some(min), Some(max)) = (filter.min_amount, filter.max_amount)
        && max < min
    {
        errors.add("filter.maxAmount", "must not be less than filter.minAmount");
    }
    if filter.search.as_deref().is_some_and(|s| s.chars().count() > SEARCH_MAX) {
        errors.add("filter.search", format!("must be at most {SEARCH_MAX} characters"));
    }
    errors.finish()
}

/// The caller's transactions matching `filter`.
pub fn filtered(user_id: Uuid, filter: &TransactionFilter) -> AppResult<Select<Transactions>> {
    check_filter(filter)?;
    // `condition` carries the user_id predicate, so aggregates can reuse it.
    Ok(Transactions::find().filter(condition(user_id, filter)))
}

/// The WHERE clause of `filter`, always scoped to `user_id`.
pub fn condition(user_id: Uuid, filter: &TransactionFilter) -> Condition {
    let mut all = Condition::all().add(Column::UserId.eq(user_id));
    if let Some(from) = filter.from {
        all = all.add(Column::TransactionDate.gte(from));
    }
    if let Some(to) = filter.to {
        all = all.add(Column::TransactionDate.lte(to));
    }
    if let Some(kind) = filter.kind {
        all = all.add(Column::Kind.eq(kind));
    }
    if let Some(category_id) = filter.category_id {
        all = all.add(Column::BudgetCategoryId.eq(category_id));
    }
    if let Some(budget_id) = filter.budget_id {
        let categories = Query::select()
            .column(budget_categories::Column::Id)
            .from(budget_categories::Entity)
            .and_where(budget_categories::Column::BudgetId.eq(budget_id))
            .and_where(budget_categories::Column::UserId.eq(user_id))
            .to_owned();
        all = all.add(Column::BudgetCategoryId.in_subquery(categories));
    }
    match filter.uncategorized {
        Some(true) => all = all.add(Column::BudgetCategoryId.is_null()),
        Some(false) => all = all.add(Column::BudgetCategoryId.is_not_null()),
        None => {}
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
        all = all.add(Column::SearchText.like(pattern));
    }
    if let Some(min) = filter.min_amount {
        all = all.add(Column::Amount.gte(min.minor()));
    }
    if let Some(max) = filter.max_amount {
        all = all.add(Column::Amount.lte(max.minor()));
    }
    all
}

/// Records a field error unless `category_id` is one of the caller's categories. Another
/// user's category gets the same answer as one that does not exist.
async fn check_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    category_id: Uuid,
    errors: &mut FieldErrors,
) -> AppResult<bool> {
    let exists = budgets::service::find_category(db, user_id, category_id)
        .await?
        .is_some();
    if !exists {
        errors.add("input.categoryId", "is not one of your budget categories");
    }
    Ok(exists)
}
