//! Transaction types, queries and mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, ResultExt};

use crate::{
    auth::ContextExt,
    budgets::graphql::BudgetCategory,
    entities::transactions::{self as rows, TransactionType as RowType},
    error::AppError,
    graphql::{
        connection::{Conn, TotalCount, connection},
        scalars::{Date, DateTime},
    },
    ids,
    money::Money,
    pagination::PageArgs,
    transactions::service::{self, NewTransaction, OrderField, Ordering, TransactionPatch},
};

/// Money in or money out.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TransactionType {
    Income,
    Expense,
}

impl From<RowType> for TransactionType {
    fn from(t: RowType) -> Self {
        match t {
            RowType::Income => TransactionType::Income,
            RowType::Expense => TransactionType::Expense,
        }
    }
}

impl From<TransactionType> for RowType {
    fn from(t: TransactionType) -> Self {
        match t {
            TransactionType::Income => RowType::Income,
            TransactionType::Expense => RowType::Expense,
        }
    }
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SortDirection {
    Asc,
    Desc,
}

/// What transactions can be sorted by; ties are broken by id.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TransactionOrderField {
    TransactionDate,
    Amount,
    CreatedAt,
}

/// A sort order for transactions. Default: TRANSACTION_DATE DESC.
#[derive(InputObject)]
pub struct TransactionOrder {
    /// The sort key.
    field: TransactionOrderField,
    /// Ascending or descending.
    direction: SortDirection,
}

impl From<TransactionOrder> for Ordering {
    fn from(o: TransactionOrder) -> Self {
        let field = match o.field {
            TransactionOrderField::TransactionDate => OrderField::TransactionDate,
            TransactionOrderField::Amount => OrderField::Amount,
            TransactionOrderField::CreatedAt => OrderField::CreatedAt,
        };
        Ordering {
            field,
            descending: o.direction == SortDirection::Desc,
        }
    }
}

/// Which transactions to include; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct TransactionFilter {
    /// On or after this day.
    from: Option<Date>,
    /// On or before this day.
    to: Option<Date>,
    /// Only income or only expenses.
    #[graphql(name = "type")]
    kind: Option<TransactionType>,
    /// Only this category's.
    category_id: Option<ID>,
    /// Only those in this budget's categories.
    budget_id: Option<ID>,
    /// true: only uncategorized; false: only categorized.
    uncategorized: Option<bool>,
    /// Case-insensitive substring of the description.
    search: Option<String>,
    /// Amount at least this.
    min_amount: Option<Money>,
    /// Amount at most this.
    max_amount: Option<Money>,
}

impl From<TransactionFilter> for service::TransactionFilter {
    fn from(f: TransactionFilter) -> Self {
        service::TransactionFilter {
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            kind: f.kind.map(Into::into),
            category_id: f.category_id.as_ref().map(ids::parse_or_nil),
            budget_id: f.budget_id.as_ref().map(ids::parse_or_nil),
            uncategorized: f.uncategorized,
            search: f.search,
            min_amount: f.min_amount,
            max_amount: f.max_amount,
        }
    }
}

/// Money that came in or went out on a day.
pub struct Transaction(pub rows::Model);

/// Money that came in or went out on a day.
#[Object]
impl Transaction {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// Always positive; `type` says the direction.
    async fn amount(&self) -> Money {
        Money::from_db(self.0.amount)
    }
    /// 1 to 500 characters.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The day it happened.
    async fn transaction_date(&self) -> Date {
        Date(self.0.transaction_date)
    }
    /// Income or expense.
    #[graphql(name = "type")]
    async fn kind(&self) -> TransactionType {
        self.0.kind.into()
    }
    /// The budget category, or null when uncategorized.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        let Some(category_id) = self.0.budget_category_id else {
            return Ok(None);
        };
        let category = ctx.loaders().extend()?.category.load_one(category_id).await.extend()?;
        Ok(category.map(BudgetCategory))
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A new transaction.
#[derive(InputObject)]
pub struct CreateTransactionInput {
    /// Greater than 0.
    amount: Money,
    /// 1 to 500 characters.
    description: String,
    /// The day it happened.
    transaction_date: Date,
    /// Income or expense.
    #[graphql(name = "type")]
    kind: TransactionType,
    /// One of the caller's budget categories.
    category_id: Option<ID>,
}

/// Transaction changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateTransactionInput {
    /// Greater than 0.
    amount: Option<Money>,
    /// 1 to 500 characters.
    description: Option<String>,
    /// The day it happened.
    transaction_date: Option<Date>,
    /// Income or expense.
    #[graphql(name = "type")]
    kind: Option<TransactionType>,
    /// Move it to one of the caller's categories.
    category_id: Option<ID>,
    /// true makes it uncategorized.
    clear_category: Option<bool>,
}

/// A category id that names no category of the caller is a field error, like any unknown id.
fn category_id(id: Option<ID>) -> Option<uuid::Uuid> {
    id.as_ref().map(ids::parse_or_nil)
}

#[derive(Default)]
pub struct TransactionsQuery;

#[Object]
impl TransactionsQuery {
    /// The caller's transactions, filtered and ordered (default: newest first).
    #[allow(clippy::too_many_arguments)] // the contract's arguments
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<TransactionFilter>,
        order_by: Option<TransactionOrder>,
    ) -> Result<Conn<Transaction>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let ordering: Ordering = order_by.map(Into::into).unwrap_or_default();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(ordering.scope())
        .extend()?;
        let filter: service::TransactionFilter = filter.unwrap_or_default().into();
        let rows = service::list(&state.db, caller.id, &filter, ordering, &page)
            .await
            .extend()?;
        let (db, user_id) = (state.db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { service::count(&db, user_id, &filter).await })
        });
        Ok(connection(rows, total, Transaction))
    }

    /// One of the caller's transactions; null for any other id.
    async fn transaction(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Transaction>> {
        let (state, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(&state.db, caller.id, id)
            .await
            .map(|t| t.map(Transaction))
            .extend()
    }
}

#[derive(Default)]
pub struct TransactionsMutation;

#[Object]
impl TransactionsMutation {
    /// Records a transaction.
    async fn create_transaction(&self, ctx: &Context<'_>, input: CreateTransactionInput) -> Result<Transaction> {
        let (state, caller) = ctx.authenticated().extend()?;
        let new = NewTransaction {
            amount: input.amount,
            description: input.description,
            transaction_date: input.transaction_date.0,
            kind: input.kind.into(),
            category_id: category_id(input.category_id),
        };
        service::create(&state.db, &state.events, caller.id, new)
            .await
            .map(Transaction)
            .extend()
    }

    /// Changes a transaction; clearCategory makes it uncategorized.
    async fn update_transaction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateTransactionInput,
    ) -> Result<Transaction> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("transaction")).extend()?;
        let patch = TransactionPatch {
            amount: input.amount,
            description: input.description,
            transaction_date: input.transaction_date.map(|d| d.0),
            kind: input.kind.map(Into::into),
            category_id: category_id(input.category_id),
            clear_category: input.clear_category.unwrap_or(false),
        };
        service::update(&state.db, &state.events, caller.id, id, patch)
            .await
            .map(Transaction)
            .extend()
    }

    /// Deletes a transaction.
    async fn delete_transaction(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (state, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("transaction")).extend()?;
        service::delete(&state.db, &state.events, caller.id, id)
            .await
            .map(ids::to_id)
            .extend()
    }
}
