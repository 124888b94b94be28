//! `transactions.search_text`: the description lower-cased by the application, so
//! case-insensitive search behaves the same on PostgreSQL and SQLite (whose LOWER() folds
//! only ASCII letters).

use sea_orm_migration::prelude::*;

use crate::m20261121_000005_create_transactions::Transactions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchText {
    SearchText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Transactions::Table)
                    .add_column(ColumnDef::new(SearchText::SearchText).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        // Rows written before this migration: LOWER() is exact for ASCII, and the next update
        // of a row refreshes it from Rust.
        manager
            .get_connection()
            .execute_unprepared("UPDATE transactions SET search_text = LOWER(description)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Transactions::Table)
                    .drop_column(SearchText::SearchText)
                    .to_owned(),
            )
            .await
    }
}
