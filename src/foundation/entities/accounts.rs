//! `accounts` rows.

use sea_orm::entity::prelude::*;

/// What an account holds; loans and credit cards are liabilities (negative when owed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountKind {
    #[sea_orm(string_value = "checking")]
    Checking,
    #[sea_orm(string_value = "savings")]
    Savings,
    #[sea_orm(string_value = "credit_card")]
    CreditCard,
    #[sea_orm(string_value = "cash")]
    Cash,
    #[sea_orm(string_value = "loan")]
    Loan,
    #[sea_orm(string_value = "investment")]
    Investment,
}

impl AccountKind {
    /// Credit cards and loans: what they hold is owed.
    pub fn is_liability(self) -> bool {
        matches!(self, AccountKind::CreditCard | AccountKind::Loan)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub kind: AccountKind,
    /// ISO 4217 code of the account and of every transaction in it.
    pub currency: String,
    /// Minor units; negative for a debt.
    pub opening_balance: i64,
    pub opening_date: Date,
    pub on_budget: bool,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
