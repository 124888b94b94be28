//! The `Transfer` type and its mutations. A transfer is named by either of its legs' ids.

use async_graphql::{Context, ID, InputObject, Object, Result, ResultExt};

use crate::{
    events::EventBus,
    foundation::{error::AppError, ids, money::Money},
    graphql::{ContextExt, nodes::Transaction, scalars::Date},
    transactions::transfers::{self, LegPatch, NewTransfer, Transfer as Legs, TransferPatch},
};

/// Money moved between two of the caller's accounts: a TRANSFER_OUT transaction in the
/// sending account and a TRANSFER_IN transaction in the receiving one. Neither income nor
/// expense: it counts in account balances and net worth, never in budgets, stats or reports.
pub struct Transfer(pub Legs);

/// Money moved between two of the caller's accounts: a TRANSFER_OUT transaction in the
/// sending account and a TRANSFER_IN transaction in the receiving one. Neither income nor
/// expense: it counts in account balances and net worth, never in budgets, stats or reports.
#[Object]
impl Transfer {
    /// The sending leg (TRANSFER_OUT); its amount is what left, in its account's currency.
    async fn from(&self) -> Transaction {
        Transaction(self.0.from.clone())
    }
    /// The receiving leg (TRANSFER_IN); its amount is what arrived, in its account's currency.
    async fn to(&self) -> Transaction {
        Transaction(self.0.to.clone())
    }
    /// The day of both legs.
    async fn transaction_date(&self) -> Date {
        Date(self.0.from.transaction_date)
    }
    /// The description of both legs.
    async fn description(&self) -> &str {
        &self.0.from.description
    }
}

/// A new transfer.
#[derive(InputObject)]
pub struct CreateTransferInput {
    /// One of the caller's open accounts: the money leaves it.
    from_account_id: ID,
    /// Another of the caller's open accounts: the money arrives there.
    to_account_id: ID,
    /// What leaves, in the sending account's currency; greater than 0.
    amount: Money,
    /// What arrives, in the receiving account's currency: required when the currencies
    /// differ; when they are the same it may be omitted and must otherwise equal amount.
    to_amount: Option<Money>,
    /// The day of both legs.
    date: Date,
    /// 1 to 500 characters; default "Transfer".
    description: Option<String>,
}

/// Transfer changes; omitted fields keep their value (an amount only while its account's
/// currency stays the same).
#[derive(InputObject)]
pub struct UpdateTransferInput {
    /// Another open account to send from.
    from_account_id: Option<ID>,
    /// Another open account to receive in.
    to_account_id: Option<ID>,
    /// What leaves; in one currency, both legs.
    amount: Option<Money>,
    /// What arrives; in one currency, both legs.
    to_amount: Option<Money>,
    /// The day of both legs.
    date: Option<Date>,
    /// The description of both legs.
    description: Option<String>,
}

const DEFAULT_DESCRIPTION: &str = "Transfer";

#[derive(Default)]
pub struct TransfersMutation;

#[Object]
impl TransfersMutation {
    /// Moves money between two of the caller's accounts: both legs are written in one
    /// database transaction.
    async fn create_transfer(&self, ctx: &Context<'_>, input: CreateTransferInput) -> Result<Transfer> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let new = NewTransfer {
            from_account_id: ids::parse_or_nil(&input.from_account_id),
            to_account_id: ids::parse_or_nil(&input.to_account_id),
            amount: input.amount,
            to_amount: input.to_amount,
            date: input.date.0,
            description: input.description.unwrap_or_else(|| DEFAULT_DESCRIPTION.into()),
        };
        transfers::create(db, events, caller.id, new)
            .await
            .map(Transfer)
            .extend()
    }

    /// Changes the transfer that transaction `id` (either leg) belongs to, both legs at once.
    /// `deleteTransaction` on either leg deletes the transfer.
    async fn update_transfer(&self, ctx: &Context<'_>, id: ID, input: UpdateTransferInput) -> Result<Transfer> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("transfer")).extend()?;
        let patch = TransferPatch {
            from_account_id: input.from_account_id.as_ref().map(ids::parse_or_nil),
            to_account_id: input.to_account_id.as_ref().map(ids::parse_or_nil),
            amount: input.amount,
            to_amount: input.to_amount,
            date: input.date.map(|d| d.0),
            description: input.description,
        };
        transfers::update(db, events, caller.id, id, patch, LegPatch::default())
            .await
            .map(Transfer)
            .extend()
    }
}
