//! Live transaction changes: the `transactionChanged` subscription and its type.

use async_graphql::{Context, Enum, ID, Object, Result, Subscription};
use futures_util::Stream;

use crate::{
    events::{ChangeKind, Event, TransactionChange, graphql::feed},
    foundation::ids,
    graphql::{nodes::Transaction, scalars::DateTime},
};

/// What happened to a transaction.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TransactionChangeKind")]
pub enum Kind {
    /// Recorded.
    Created,
    /// Changed.
    Updated,
    /// Deleted.
    Deleted,
}

/// A transaction that was created, updated or deleted.
pub struct TransactionChanged(TransactionChange);

/// A transaction that was created, updated or deleted.
#[Object]
impl TransactionChanged {
    /// What happened.
    async fn kind(&self) -> Kind {
        match self.0.kind {
            ChangeKind::Created => Kind::Created,
            ChangeKind::Updated => Kind::Updated,
            ChangeKind::Deleted => Kind::Deleted,
        }
    }
    /// The transaction's id (also for a deleted one).
    async fn transaction_id(&self) -> ID {
        ids::to_id(self.0.transaction_id)
    }
    /// The transaction as it is now; null when deleted.
    async fn transaction(&self) -> Option<Transaction> {
        self.0.transaction.clone().map(Transaction)
    }
    /// When it happened.
    async fn changed_at(&self) -> DateTime {
        DateTime(self.0.changed_at)
    }
}

#[derive(Default)]
pub struct TransactionsSubscription;

#[Subscription]
impl TransactionsSubscription {
    /// A transaction created, updated or deleted (one event per transaction; an import
    /// raises none per row).
    async fn transaction_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<TransactionChanged>>> {
        feed(ctx, |event| match event {
            Event::TransactionChanged(change) => Some(TransactionChanged(change.clone())),
            _ => None,
        })
    }
}
