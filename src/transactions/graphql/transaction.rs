//! The `Transaction` node's fields and its type enum.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt};

use crate::foundation::entities::transactions::Cleared as RowCleared;
use crate::{
    accounts::graphql::Account,
    budgets::graphql::BudgetCategory,
    foundation::{
        ids,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        nodes::{Transaction, TransactionType},
        scalars::{Date, DateTime},
    },
    transactions::{
        graphql::{TransactionSplit, Transfer},
        loader::{SplitLines, TransferLegs},
    },
};

/// Whether a transaction has shown up on the bank's side (reconciled: and was checked against
/// a statement).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ClearedStatus {
    Uncleared,
    Cleared,
    Reconciled,
}

impl From<RowCleared> for ClearedStatus {
    fn from(c: RowCleared) -> Self {
        match c {
            RowCleared::Uncleared => ClearedStatus::Uncleared,
            RowCleared::Cleared => ClearedStatus::Cleared,
            RowCleared::Reconciled => ClearedStatus::Reconciled,
        }
    }
}

impl From<ClearedStatus> for RowCleared {
    fn from(c: ClearedStatus) -> Self {
        match c {
            ClearedStatus::Uncleared => RowCleared::Uncleared,
            ClearedStatus::Cleared => RowCleared::Cleared,
            ClearedStatus::Reconciled => RowCleared::Reconciled,
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
    /// Income, expense, or one leg of a transfer.
    #[graphql(name = "type")]
    async fn kind(&self) -> TransactionType {
        self.0.kind.into()
    }
    /// The account it is in.
    async fn account(&self, ctx: &Context<'_>) -> Result<Account> {
        Account::load(ctx, self.0.account_id).await
    }
    /// Whether it has cleared at the bank.
    async fn cleared(&self) -> ClearedStatus {
        self.0.cleared.into()
    }
    /// Who was paid, or who paid; up to 200 characters.
    async fn payee(&self) -> Option<&str> {
        self.0.payee.as_deref()
    }
    /// For a TRANSFER_IN or TRANSFER_OUT leg, the transfer with both legs; null otherwise.
    async fn transfer(&self, ctx: &Context<'_>) -> Result<Option<Transfer>> {
        let Some(transfer_id) = self.0.transfer_id else {
            return Ok(None);
        };
        let loaded = ctx
            .loaders()
            .extend()?
            .get(TransferLegs)
            .load_one(transfer_id)
            .await
            .extend()?;
        Ok(loaded.map(Transfer))
    }
    /// The budget category, or null when uncategorized or split (see `splits`).
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        BudgetCategory::load(ctx, self.0.budget_category_id).await
    }
    /// The lines of a split transaction, each with its own category, summing exactly to
    /// `amount`; empty when the transaction is not split.
    async fn splits(&self, ctx: &Context<'_>) -> Result<Vec<TransactionSplit>> {
        if !self.0.has_splits {
            return Ok(Vec::new());
        }
        let loaded = ctx
            .loaders()
            .extend()?
            .get(SplitLines)
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default();
        let currency = Currency::of(&self.0.currency);
        Ok(loaded
            .into_iter()
            .map(|row| TransactionSplit { row, currency })
            .collect())
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
