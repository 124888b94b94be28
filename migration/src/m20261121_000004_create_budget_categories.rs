//! `budget_categories`: the lines of a budget. They carry `user_id` too, so ownership is
//! one indexed predicate and the table co-locates with its user when distributed.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, money, owner, owner_fk};
use crate::m20261121_000003_create_budgets::Budgets;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum BudgetCategories {
    Table,
    Id,
    UserId,
    BudgetId,
    Name,
    Amount,
    Color,
    Icon,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BudgetCategories::Table)
                    .col(id(BudgetCategories::Id))
                    .col(owner(BudgetCategories::UserId))
                    .col(ColumnDef::new(BudgetCategories::BudgetId).uuid().not_null())
                    .col(ColumnDef::new(BudgetCategories::Name).string_len(255).not_null())
                    .col(money(BudgetCategories::Amount))
                    .col(ColumnDef::new(BudgetCategories::Color).string_len(7).null())
                    .col(ColumnDef::new(BudgetCategories::Icon).string_len(50).null())
                    .col(instant(BudgetCategories::CreatedAt))
                    .col(instant(BudgetCategories::UpdatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_budget_categories_user",
                        BudgetCategories::Table,
                        BudgetCategories::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budget_categories_budget")
                            .from(BudgetCategories::Table, BudgetCategories::BudgetId)
                            .to(Budgets::Table, Budgets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "budget_categories_amount_check",
                        Expr::col(BudgetCategories::Amount).gt(0),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_budget_categories_budget_id",
                BudgetCategories::Table,
                [BudgetCategories::BudgetId, BudgetCategories::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_budget_categories_user_id",
                BudgetCategories::Table,
                [BudgetCategories::UserId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BudgetCategories::Table).to_owned())
            .await
    }
}
