//! How lists of transactions are filtered and ordered.

use async_graphql::{Enum, ID, InputObject};

use crate::{
    foundation::{ids, money::Money},
    graphql::scalars::Date,
    transactions::{
        filter,
        graphql::{ClearedStatus, TransactionType},
        service::{OrderField, Ordering},
    },
};

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
    /// Only this category's (a split transaction when one of its lines is; its totals count
    /// only those lines).
    category_id: Option<ID>,
    /// Only those in this budget's categories (split lines as with categoryId).
    budget_id: Option<ID>,
    /// true: only uncategorized; false: only categorized (split lines as with categoryId).
    uncategorized: Option<bool>,
    /// Case-insensitive substring of the description.
    search: Option<String>,
    /// Amount at least this.
    min_amount: Option<Money>,
    /// Amount at most this.
    max_amount: Option<Money>,
    /// Only this account's.
    account_id: Option<ID>,
    /// Only those in this cleared state.
    cleared: Option<ClearedStatus>,
}

impl From<TransactionFilter> for filter::TransactionFilter {
    fn from(f: TransactionFilter) -> Self {
        filter::TransactionFilter {
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            kind: f.kind.map(Into::into),
            category_id: f.category_id.as_ref().map(ids::parse_or_nil),
            budget_id: f.budget_id.as_ref().map(ids::parse_or_nil),
            uncategorized: f.uncategorized,
            search: f.search,
            min_amount: f.min_amount,
            max_amount: f.max_amount,
            account_id: f.account_id.as_ref().map(ids::parse_or_nil),
            cleared: f.cleared.map(Into::into),
        }
    }
}
