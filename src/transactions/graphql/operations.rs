//! Transaction queries and mutations, and the mutations' inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, ResultExt};

use crate::{
    events::EventBus,
    foundation::{error::AppError, ids, money::Money, pagination::PageArgs},
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        nodes::Transaction,
        scalars::Date,
    },
    transactions::{
        filter,
        graphql::{ClearedStatus, SplitInput, TransactionFilter, TransactionOrder, TransactionType},
        service::{self, NewTransaction, Ordering, TransactionPatch},
    },
};

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
    /// One of the caller's open accounts; the default account when omitted. The amount is
    /// in the account's currency.
    account_id: Option<ID>,
    /// Whether the bank has confirmed it (default UNCLEARED).
    cleared: Option<ClearedStatus>,
    /// Who was paid or paid you; up to 200 characters.
    payee: Option<String>,
    /// Divide it between categories: 2 to 50 lines summing exactly to `amount` (then without
    /// `categoryId`).
    splits: Option<Vec<SplitInput>>,
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
    /// Move it to another open account of the same currency.
    account_id: Option<ID>,
    /// Whether the bank has confirmed it.
    cleared: Option<ClearedStatus>,
    /// Who was paid or paid you; null removes it.
    payee: MaybeUndefined<String>,
    /// New lines (2 to 50, summing exactly to the amount); an empty list ends the split. A
    /// categoryId or clearCategory without splits also ends it.
    splits: Option<Vec<SplitInput>>,
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
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, last, child_complexity)")]
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
        let (db, caller) = ctx.authenticated().extend()?;
        let ordering: Ordering = order_by.map(Into::into).unwrap_or_default();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(ordering.scope())
        .extend()?;
        let filter: filter::TransactionFilter = filter.unwrap_or_default().into();
        let rows = service::list(db, caller.id, &filter, ordering, &page).await.extend()?;
        let (db, user_id) = (db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { service::count(&db, user_id, &filter).await })
        });
        Ok(connection(rows, total, Transaction))
    }

    /// One of the caller's transactions; null for any other id.
    async fn transaction(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Transaction>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(db, caller.id, id)
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
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let new = NewTransaction {
            amount: input.amount,
            description: input.description,
            transaction_date: input.transaction_date.0,
            kind: input.kind.into(),
            category_id: category_id(input.category_id),
            account_id: input.account_id.as_ref().map(ids::parse_or_nil),
            cleared: input.cleared.map(Into::into),
            payee: input.payee,
            splits: input.splits.unwrap_or_default().into_iter().map(Into::into).collect(),
        };
        service::create(db, events, caller.id, new)
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
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("transaction")).extend()?;
        let patch = TransactionPatch {
            amount: input.amount,
            description: input.description,
            transaction_date: input.transaction_date.map(|d| d.0),
            kind: input.kind.map(Into::into),
            category_id: category_id(input.category_id),
            clear_category: input.clear_category.unwrap_or(false),
            account_id: input.account_id.as_ref().map(ids::parse_or_nil),
            cleared: input.cleared.map(Into::into),
            payee: match input.payee {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(payee) => Some(Some(payee)),
            },
            splits: input.splits.map(|lines| lines.into_iter().map(Into::into).collect()),
        };
        service::update(db, events, caller.id, id, patch)
            .await
            .map(Transaction)
            .extend()
    }

    /// Deletes a transaction.
    async fn delete_transaction(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("transaction")).extend()?;
        service::delete(db, events, caller.id, id)
            .await
            .map(ids::to_id)
            .extend()
    }
}
