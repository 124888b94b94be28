//! `transactions`: income and expenses. Deleting a category leaves its transactions
//! uncategorized (SET NULL) rather than losing financial history.

use sea_orm_migration::prelude::*;

use crate::columns::{date, id, index, instant, money, owner, owner_fk};
use crate::m20261121_000004_create_budget_categories::BudgetCategories;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Transactions {
    Table,
    Id,
    UserId,
    BudgetCategoryId,
    Amount,
    Description,
    TransactionDate,
    Type,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Transactions::Table)
                    .col(id(Transactions::Id))
                    .col(owner(Transactions::UserId))
                    .col(ColumnDef::new(Transactions::BudgetCategoryId).uuid().null())
                    .col(money(Transactions::Amount))
                    .col(ColumnDef::new(Transactions::Description).text().not_null())
                    .col(date(Transactions::TransactionDate))
                    .col(ColumnDef::new(Transactions::Type).string_len(16).not_null())
                    .col(instant(Transactions::CreatedAt))
                    .col(instant(Transactions::UpdatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_transactions_user",
                        Transactions::Table,
                        Transactions::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transactions_budget_category")
                            .from(Transactions::Table, Transactions::BudgetCategoryId)
                            .to(BudgetCategories::Table, BudgetCategories::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check(("transactions_amount_check", Expr::col(Transactions::Amount).gt(0)))
                    .check((
                        "transactions_type_check",
                        Expr::col(Transactions::Type).is_in(["income", "expense"]),
                    ))
                    .to_owned(),
            )
            .await?;
        // Access paths: a user's transactions by date (lists, periods, reports); a category's
        // transactions by date (budget spending, nested connections); by type within a user
        // (income/expense totals). They replace the seed's single-column indexes.
        for (name, cols) in [
            (
                "idx_transactions_user_date",
                vec![Transactions::UserId, Transactions::TransactionDate, Transactions::Id],
            ),
            (
                "idx_transactions_category",
                vec![
                    Transactions::BudgetCategoryId,
                    Transactions::TransactionDate,
                    Transactions::Id,
                ],
            ),
            (
                "idx_transactions_user_type",
                vec![Transactions::UserId, Transactions::Type, Transactions::TransactionDate],
            ),
        ] {
            manager.create_index(index(name, Transactions::Table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Transactions::Table).to_owned())
            .await
    }
}
