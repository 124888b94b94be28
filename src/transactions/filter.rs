//! Which transactions a list, count, aggregate or export covers: one filter, checked once,
//! turned into one WHERE clause that always carries the caller's `user_id`.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, Select,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use crate::foundation::entities::budget_categories;
use crate::foundation::entities::transaction_splits;
use crate::foundation::entities::transactions::{Cleared, Column, Entity as Transactions, TransactionType};
use crate::foundation::{
    db,
    error::{AppResult, FieldErrors},
    money::{self, Money},
};

const SEARCH_MAX: usize = 100;

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
    pub account_id: Option<Uuid>,
    pub cleared: Option<Cleared>,
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

/// What a filter's rows are: whole transactions (lists, counts, exports) or category lines
/// (`foundation::ledger::category_lines`, aliased `transactions`: what is summed per category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Transactions,
    Lines,
}

/// Whether `filter` selects by category, so that an aggregate must sum category lines (a
/// split transaction's part in a category) rather than whole transactions.
pub fn selects_categories(filter: &TransactionFilter) -> bool {
    filter.category_id.is_some() || filter.budget_id.is_some() || filter.uncategorized.is_some()
}

/// The WHERE clause of `filter` over whole transactions, always scoped to `user_id`. A split
/// transaction matches a category criterion when any of its lines does.
pub fn condition(user_id: Uuid, filter: &TransactionFilter) -> Condition {
    condition_on(user_id, filter, Rows::Transactions)
}

/// The WHERE clause of `filter` over `rows`, always scoped to `user_id`.
pub fn condition_on(user_id: Uuid, filter: &TransactionFilter, rows: Rows) -> Condition {
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
    if let Some(account_id) = filter.account_id {
        all = all.add(Column::AccountId.eq(account_id));
    }
    if let Some(cleared) = filter.cleared {
        all = all.add(Column::Cleared.eq(cleared));
    }
    // Category criteria: on a line, its own category; on a transaction, its category or, when
    // split, any of its lines' (`split_line` gives the lines' predicate).
    let mut categorized = |own: Condition, split_line: Condition| {
        all = match rows {
            Rows::Lines => all.clone().add(own),
            Rows::Transactions => {
                let lines = Query::select()
                    .column(transaction_splits::Column::TransactionId)
                    .from(transaction_splits::Entity)
                    .and_where(transaction_splits::Column::UserId.eq(user_id))
                    .cond_where(split_line)
                    .to_owned();
                let whole = Condition::all().add(Column::HasSplits.eq(false)).add(own);
                all.clone()
                    .add(Condition::any().add(whole).add(Column::Id.in_subquery(lines)))
            }
        };
    };
    if let Some(category_id) = filter.category_id {
        categorized(
            Condition::all().add(Column::BudgetCategoryId.eq(category_id)),
            Condition::all().add(transaction_splits::Column::BudgetCategoryId.eq(category_id)),
        );
    }
    if let Some(budget_id) = filter.budget_id {
        let categories = || {
            Query::select()
                .column(budget_categories::Column::Id)
                .from(budget_categories::Entity)
                .and_where(budget_categories::Column::BudgetId.eq(budget_id))
                .and_where(budget_categories::Column::UserId.eq(user_id))
                .to_owned()
        };
        categorized(
            Condition::all().add(Column::BudgetCategoryId.in_subquery(categories())),
            Condition::all().add(transaction_splits::Column::BudgetCategoryId.in_subquery(categories())),
        );
    }
    match filter.uncategorized {
        Some(true) => categorized(
            Condition::all().add(Column::BudgetCategoryId.is_null()),
            Condition::all().add(transaction_splits::Column::BudgetCategoryId.is_null()),
        ),
        Some(false) => categorized(
            Condition::all().add(Column::BudgetCategoryId.is_not_null()),
            Condition::all().add(transaction_splits::Column::BudgetCategoryId.is_not_null()),
        ),
        None => {}
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        all = all.add(Column::SearchText.like(db::contains_lowercase(search)));
    }
    // Bounds are values, compared with each transaction in its own currency's minor units. The
    // bound is an integer computed here, written into the SQL as a literal.
    let scaled = || money::ten_thousandths_sql("transactions.amount", "transactions.currency");
    if let Some(min) = filter.min_amount {
        all = all.add(Expr::cust(format!("{} >= {}", scaled(), min.ten_thousandths())));
    }
    if let Some(max) = filter.max_amount {
        all = all.add(Expr::cust(format!("{} <= {}", scaled(), max.ten_thousandths())));
    }
    all
}
