//! `exchange_rates` rows: one unit of `base` is worth `rate` units of `quote` on `rate_date`.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_rates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// ISO 4217 code converted from.
    pub base: String,
    /// ISO 4217 code converted to.
    pub quote: String,
    pub rate_date: Date,
    /// An exact positive decimal, as text ("1.0845").
    pub rate: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
