//! Categorisation rules and import batches.
//!
//! A rule's conditions and actions are JSON text (their shape is `rules::engine`'s), read whole
//! whenever rules run. Every statement file imported into an account is an `import_batches`
//! row; the transactions it created carry its id, and a hand-entered transaction it matched
//! carries it in `matched_batch_id`, so `revertImport` can undo exactly that batch.
//! `import_id` is the key duplicates are found by (the bank's own id of the entry, or
//! amount:date:occurrence as YNAB's `import_id`). `edited_fields` lists the fields a person
//! set by hand, which rules leave alone. The two batch columns have no foreign key: SQLite
//! cannot add one to an existing table; the service keeps them consistent.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, drop_columns, id, index, instant, owner, owner_fk};
use crate::m20261121_000005_create_transactions::Transactions;
use crate::m20261202_000013_accounts::Accounts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rules {
    Table,
    Id,
    UserId,
    Name,
    Priority,
    Conditions,
    Actions,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImportBatches {
    Table,
    Id,
    UserId,
    AccountId,
    Format,
    FileName,
    FileHash,
    Imported,
    Duplicates,
    Matched,
    Errors,
    CreatedAt,
    RevertedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Imported {
    ImportBatchId,
    MatchedBatchId,
    ImportId,
    EditedFields,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rules::Table)
                    .col(id(Rules::Id))
                    .col(owner(Rules::UserId))
                    .col(ColumnDef::new(Rules::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Rules::Priority).integer().not_null().default(0))
                    .col(ColumnDef::new(Rules::Conditions).text().not_null())
                    .col(ColumnDef::new(Rules::Actions).text().not_null())
                    .col(ColumnDef::new(Rules::Enabled).boolean().not_null().default(true))
                    .col(instant(Rules::CreatedAt))
                    .col(instant(Rules::UpdatedAt))
                    .foreign_key(&mut owner_fk("fk_rules_user", Rules::Table, Rules::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_rules_user", Rules::Table, [Rules::UserId]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportBatches::Table)
                    .col(id(ImportBatches::Id))
                    .col(owner(ImportBatches::UserId))
                    .col(ColumnDef::new(ImportBatches::AccountId).uuid().not_null())
                    .col(ColumnDef::new(ImportBatches::Format).string_len(16).not_null())
                    .col(ColumnDef::new(ImportBatches::FileName).string_len(255).null())
                    .col(ColumnDef::new(ImportBatches::FileHash).string_len(64).not_null())
                    .col(ColumnDef::new(ImportBatches::Imported).integer().not_null())
                    .col(ColumnDef::new(ImportBatches::Duplicates).integer().not_null())
                    .col(ColumnDef::new(ImportBatches::Matched).integer().not_null())
                    .col(ColumnDef::new(ImportBatches::Errors).integer().not_null())
                    .col(instant(ImportBatches::CreatedAt))
                    .col(
                        ColumnDef::new(ImportBatches::RevertedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut owner_fk(
                        "fk_import_batches_user",
                        ImportBatches::Table,
                        ImportBatches::UserId,
                    ))
                    // A deleted account's transactions go with it, and so does its history.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_batches_account")
                            .from(ImportBatches::Table, ImportBatches::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One standing batch per file and account, even when two imports of it race; a
        // reverted batch no longer counts, so the file can come in again. Partial indexes are
        // the same SQL on both databases (sea-query has no builder for them).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_import_batches_live_file ON import_batches (account_id, file_hash) \
                 WHERE reverted_at IS NULL",
            )
            .await?;
        manager
            .create_index(index(
                "idx_import_batches_user_created",
                ImportBatches::Table,
                [ImportBatches::UserId, ImportBatches::CreatedAt],
            ))
            .await?;
        add_columns(
            manager,
            Transactions::Table.into_iden(),
            vec![
                ColumnDef::new(Imported::ImportBatchId).uuid().null().take(),
                ColumnDef::new(Imported::MatchedBatchId).uuid().null().take(),
                ColumnDef::new(Imported::ImportId).string_len(120).null().take(),
                ColumnDef::new(Imported::EditedFields)
                    .string_len(200)
                    .not_null()
                    .default("")
                    .take(),
            ],
        )
        .await?;
        // Unique: two imports racing with the same entries cannot both write them (rows
        // without an import_id are NULL, which both databases let repeat).
        manager
            .create_index(
                index(
                    "idx_transactions_account_import_id",
                    Transactions::Table,
                    [Alias::new("account_id"), Alias::new("import_id")],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_transactions_import_batch",
                Transactions::Table,
                [Imported::ImportBatchId],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_transactions_matched_batch",
                Transactions::Table,
                [Imported::MatchedBatchId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_transactions_account_import_id",
            "idx_transactions_import_batch",
            "idx_transactions_matched_batch",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Transactions::Table).to_owned())
                .await?;
        }
        drop_columns(
            manager,
            Transactions::Table.into_iden(),
            &[
                Imported::ImportBatchId,
                Imported::MatchedBatchId,
                Imported::ImportId,
                Imported::EditedFields,
            ],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(ImportBatches::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Rules::Table).to_owned()).await
    }
}
