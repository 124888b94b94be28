//! The `Transaction` node's fields and its type enum.

use async_graphql::{Context, Enum, ID, Object, Result};

use crate::foundation::entities::transactions::TransactionType as RowType;
use crate::{
    budgets::graphql::BudgetCategory,
    foundation::{
        ids,
        money::{Currency, Money},
    },
    graphql::{
        nodes::Transaction,
        scalars::{Date, DateTime},
    },
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

/// Money that came in or went out on a day.
#[Object]
impl Transaction {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// Always positive; `type` says the direction.
    async fn amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount)
    }
    /// ISO 4217 code of the amount.
    async fn currency(&self) -> &str {
        &self.0.currency
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
        BudgetCategory::load(ctx, self.0.budget_category_id).await
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
