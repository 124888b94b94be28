//! `budgets`: a spending plan over a date range.

use sea_orm_migration::prelude::*;

use crate::columns::{date, id, index, instant, money, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Budgets {
    Table,
    Id,
    UserId,
    Name,
    Amount,
    Period,
    StartDate,
    EndDate,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Budgets::Table)
                    .col(id(Budgets::Id))
                    .col(owner(Budgets::UserId))
                    .col(ColumnDef::new(Budgets::Name).string_len(255).not_null())
                    .col(money(Budgets::Amount))
                    .col(ColumnDef::new(Budgets::Period).string_len(16).not_null())
                    .col(date(Budgets::StartDate))
                    .col(date(Budgets::EndDate))
                    .col(instant(Budgets::CreatedAt))
                    .col(instant(Budgets::UpdatedAt))
                    .foreign_key(&mut owner_fk("fk_budgets_user", Budgets::Table, Budgets::UserId))
                    .check(("budgets_amount_check", Expr::col(Budgets::Amount).gt(0)))
                    .check((
                        "budgets_period_check",
                        Expr::col(Budgets::Period).is_in(["weekly", "monthly", "yearly"]),
                    ))
                    .check((
                        "budgets_date_range_check",
                        Expr::col(Budgets::EndDate).gte(Expr::col(Budgets::StartDate)),
                    ))
                    .to_owned(),
            )
            .await?;
        // The seed's idx_budgets_user_id / _period / _date_range, led by user_id because
        // every query is scoped to one user; (user_id, id) also serves keyset pagination.
        for (name, cols) in [
            ("idx_budgets_user_id", vec![Budgets::UserId, Budgets::Id]),
            ("idx_budgets_period", vec![Budgets::UserId, Budgets::Period]),
            (
                "idx_budgets_date_range",
                vec![Budgets::UserId, Budgets::StartDate, Budgets::EndDate],
            ),
        ] {
            manager.create_index(index(name, Budgets::Table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Budgets::Table).to_owned()).await
    }
}
