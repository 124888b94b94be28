//! Split transactions: a transaction may be divided into lines, each with its own category
//! and amount (a grocery receipt that is part food, part household). The lines sum exactly to
//! the transaction's amount (the service checks it in the transaction that writes them);
//! `transactions.has_splits` marks the transactions whose categories are in their lines.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TransactionSplits {
    Table,
    Id,
    UserId,
    TransactionId,
    BudgetCategoryId,
    Amount,
    Description,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Transactions {
    Table,
    Id,
    HasSplits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TransactionSplits::Table)
                    .col(id(TransactionSplits::Id))
                    .col(owner(TransactionSplits::UserId))
                    .col(ColumnDef::new(TransactionSplits::TransactionId).uuid().not_null())
                    .col(ColumnDef::new(TransactionSplits::BudgetCategoryId).uuid().null())
                    .col(ColumnDef::new(TransactionSplits::Amount).big_integer().not_null())
                    .col(ColumnDef::new(TransactionSplits::Description).string_len(500).null())
                    .col(ColumnDef::new(TransactionSplits::Position).integer().not_null())
                    .col(instant(TransactionSplits::CreatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_transaction_splits_user",
                        TransactionSplits::Table,
                        TransactionSplits::UserId,
                    ))
                    // The lines go with their transaction.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transaction_splits_transaction")
                            .from(TransactionSplits::Table, TransactionSplits::TransactionId)
                            .to(Transactions::Table, Transactions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // As with whole transactions, deleting a category leaves its lines uncategorized.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transaction_splits_budget_category")
                            .from(TransactionSplits::Table, TransactionSplits::BudgetCategoryId)
                            .to(Alias::new("budget_categories"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check((
                        "transaction_splits_amount_check",
                        Expr::col(TransactionSplits::Amount).ne(0),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_transaction_splits_transaction",
                vec![TransactionSplits::TransactionId, TransactionSplits::Position],
            ),
            (
                "idx_transaction_splits_category",
                vec![TransactionSplits::BudgetCategoryId],
            ),
            (
                "idx_transaction_splits_user",
                vec![TransactionSplits::UserId, TransactionSplits::TransactionId],
            ),
        ] {
            manager
                .create_index(index(name, TransactionSplits::Table, cols))
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Transactions::Table)
                    .add_column(
                        ColumnDef::new(Transactions::HasSplits)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A split transaction keeps its amount and becomes uncategorized.
        manager
            .alter_table(
                Table::alter()
                    .table(Transactions::Table)
                    .drop_column(Transactions::HasSplits)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(TransactionSplits::Table).to_owned())
            .await
    }
}
