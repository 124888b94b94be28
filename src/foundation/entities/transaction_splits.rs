//! `transaction_splits` rows: the lines of a split transaction.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "transaction_splits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub transaction_id: Uuid,
    pub budget_category_id: Option<Uuid>,
    /// Minor units of the transaction's currency, in the transaction's direction (a negative
    /// line, such as a refund on a receipt, goes against it); never 0.
    pub amount: i64,
    pub description: Option<String>,
    /// The line's place in its transaction, from 0.
    pub position: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
