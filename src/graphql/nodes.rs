//! Node types (and the transaction type) returned by more than one domain, declared here so
//! that a domain can return one without importing the domain that defines its fields. (Budget
//! categories list their transactions, and transactions name their category: the two types
//! refer to each other, while the domains may only import downward.)

use async_graphql::Enum;

use crate::foundation::entities::transactions::{self, TransactionType as RowType};

/// Money that came in or went out on a day. Its GraphQL fields are defined in
/// `transactions::graphql`.
pub struct Transaction(pub transactions::Model);

/// Money in or money out; a transfer's two legs are neither income nor expense.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TransactionType {
    Income,
    Expense,
    /// The receiving leg of a transfer between two of the user's accounts.
    TransferIn,
    /// The sending leg of a transfer.
    TransferOut,
}

impl From<RowType> for TransactionType {
    fn from(t: RowType) -> Self {
        match t {
            RowType::Income => TransactionType::Income,
            RowType::Expense => TransactionType::Expense,
            RowType::TransferIn => TransactionType::TransferIn,
            RowType::TransferOut => TransactionType::TransferOut,
        }
    }
}

impl From<TransactionType> for RowType {
    fn from(t: TransactionType) -> Self {
        match t {
            TransactionType::Income => RowType::Income,
            TransactionType::Expense => RowType::Expense,
            TransactionType::TransferIn => RowType::TransferIn,
            TransactionType::TransferOut => RowType::TransferOut,
        }
    }
}
