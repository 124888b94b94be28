//! Exchange rates, per user: on `rate_date`, one unit of `base` was worth `rate` units of
//! `quote`. The rate is an exact decimal, kept as its text (SQLite has no exact decimal type;
//! the service parses it with rust_decimal). One rate per pair and day.

use sea_orm_migration::prelude::*;

use crate::columns::{date, id, instant, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExchangeRates {
    Table,
    Id,
    UserId,
    Base,
    Quote,
    RateDate,
    Rate,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExchangeRates::Table)
                    .col(id(ExchangeRates::Id))
                    .col(owner(ExchangeRates::UserId))
                    .col(ColumnDef::new(ExchangeRates::Base).string_len(3).not_null())
                    .col(ColumnDef::new(ExchangeRates::Quote).string_len(3).not_null())
                    .col(date(ExchangeRates::RateDate))
                    .col(ColumnDef::new(ExchangeRates::Rate).string_len(40).not_null())
                    .col(instant(ExchangeRates::CreatedAt))
                    .col(instant(ExchangeRates::UpdatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_exchange_rates_user",
                        ExchangeRates::Table,
                        ExchangeRates::UserId,
                    ))
                    .check((
                        "exchange_rates_pair_check",
                        Expr::col(ExchangeRates::Base).ne(Expr::col(ExchangeRates::Quote)),
                    ))
                    .to_owned(),
            )
            .await?;
        // The lookup "latest rate of a pair on or before a day" walks this index backwards.
        manager
            .create_index(
                Index::create()
                    .name("exchange_rates_user_pair_date_key")
                    .table(ExchangeRates::Table)
                    .col(ExchangeRates::UserId)
                    .col(ExchangeRates::Base)
                    .col(ExchangeRates::Quote)
                    .col(ExchangeRates::RateDate)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ExchangeRates::Table).to_owned())
            .await
    }
}
