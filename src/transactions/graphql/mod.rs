//! Transaction types, filters, queries, mutations and the changes subscription.

mod changes;
mod filters;
mod operations;
mod split;
mod transaction;
mod transfer;

pub use crate::graphql::nodes::{Transaction, TransactionType};
pub use changes::{TransactionChanged, TransactionsSubscription};
pub use filters::{SortDirection, TransactionFilter, TransactionOrder, TransactionOrderField};
pub use operations::{TransactionsMutation, TransactionsQuery};
pub use split::{SplitInput, TransactionSplit};
pub use transaction::ClearedStatus;
pub use transfer::{Transfer, TransfersMutation};
