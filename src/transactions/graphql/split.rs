//! The lines of a split transaction: the `TransactionSplit` type and its input.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::foundation::entities::transaction_splits;
use crate::{
    budgets::graphql::BudgetCategory,
    foundation::{
        ids,
        money::{Currency, Money},
    },
    transactions::splits::NewSplit,
};

/// One line of a split transaction, in the transaction's currency.
pub struct TransactionSplit {
    pub row: transaction_splits::Model,
    pub currency: Currency,
}

/// One line of a split transaction, in the transaction's currency.
#[Object]
impl TransactionSplit {
    /// Stable identifier (a new one whenever the lines are replaced).
    async fn id(&self) -> ID {
        ids::to_id(self.row.id)
    }
    /// The transaction it is a line of.
    async fn transaction_id(&self) -> ID {
        ids::to_id(self.row.transaction_id)
    }
    /// The line's budget category, or null when the line is uncategorized.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        BudgetCategory::load(ctx, self.row.budget_category_id).await
    }
    /// In the transaction's direction; a negative line (a refund on a receipt) goes against it.
    async fn amount(&self) -> Money {
        self.currency.amount(self.row.amount)
    }
    /// A note for this line; up to 500 characters.
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }
}

/// One line of a split: its category, its share of the amount and a note.
#[derive(InputObject)]
pub struct SplitInput {
    /// One of the caller's budget categories; omitted for an uncategorized line.
    category_id: Option<ID>,
    /// Not 0, in the transaction's currency; the lines sum exactly to the transaction's
    /// amount. Negative for a line that goes against the transaction (a refund on a receipt).
    amount: Money,
    /// Up to 500 characters.
    description: Option<String>,
}

impl From<SplitInput> for NewSplit {
    fn from(input: SplitInput) -> Self {
        NewSplit {
            category_id: input.category_id.as_ref().map(ids::parse_or_nil),
            amount: input.amount,
            description: input.description,
        }
    }
}
