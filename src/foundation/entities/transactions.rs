//! `transactions` rows.

use sea_orm::{ActiveValue, entity::prelude::*};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TransactionType {
    #[sea_orm(string_value = "income")]
    Income,
    #[sea_orm(string_value = "expense")]
    Expense,
    /// The receiving leg of a transfer between two of the user's accounts.
    #[sea_orm(string_value = "transfer_in")]
    TransferIn,
    /// The sending leg of a transfer.
    #[sea_orm(string_value = "transfer_out")]
    TransferOut,
}

impl TransactionType {
    /// Money into the account (income, or a transfer's receiving leg).
    pub fn is_inflow(self) -> bool {
        matches!(self, TransactionType::Income | TransactionType::TransferIn)
    }

    /// A leg of a transfer: neither income nor expense.
    pub fn is_transfer(self) -> bool {
        matches!(self, TransactionType::TransferIn | TransactionType::TransferOut)
    }
}

/// Whether a transaction has shown up on the bank's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Cleared {
    #[sea_orm(string_value = "uncleared")]
    Uncleared,
    #[sea_orm(string_value = "cleared")]
    Cleared,
    #[sea_orm(string_value = "reconciled")]
    Reconciled,
}

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "transactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub budget_category_id: Option<Uuid>,
    /// Minor units, always positive; `type` gives the direction.
    pub amount: i64,
    /// ISO 4217 code; the amounts are minor units of it.
    pub currency: String,
    pub description: String,
    pub transaction_date: Date,
    #[sea_orm(column_name = "type")]
    pub kind: TransactionType,
    pub cleared: Cleared,
    /// Who was paid or paid; up to 200 characters.
    pub payee: Option<String>,
    /// Both legs of a transfer carry the same id.
    pub transfer_id: Option<Uuid>,
    /// The transaction's categories are in its `transaction_splits` lines (it has none of
    /// its own).
    pub has_splits: bool,
    /// `description` lower-cased in Rust (Unicode-aware), for case-insensitive search that
    /// works alike on both backends. Kept in sync by `before_save`.
    pub search_text: String,
    /// The import batch that created it.
    pub import_batch_id: Option<Uuid>,
    /// The import batch whose row matched it (a hand-entered transaction the bank confirmed).
    pub matched_batch_id: Option<Uuid>,
    /// What duplicates are found by: the bank's id of the entry, or amount:date:occurrence.
    pub import_id: Option<String>,
    /// The fields a person set by hand, comma-separated (`Edited`); rules leave them alone.
    pub edited_fields: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// What `search_text` holds for a description.
pub fn search_text(description: &str) -> String {
    description.to_lowercase()
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if let ActiveValue::Set(description) = &self.description {
            self.search_text = ActiveValue::Set(search_text(description));
        }
        Ok(self)
    }
}
