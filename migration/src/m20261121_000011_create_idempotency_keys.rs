//! `idempotency_keys`: the first response to each (user, Idempotency-Key), replayed to
//! retries of the same request for 24 hours.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum IdempotencyKeys {
    Table,
    Id,
    UserId,
    Key,
    RequestHash,
    Response,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(id(IdempotencyKeys::Id))
                    .col(owner(IdempotencyKeys::UserId))
                    .col(ColumnDef::new(IdempotencyKeys::Key).string_len(255).not_null())
                    .col(ColumnDef::new(IdempotencyKeys::RequestHash).string_len(64).not_null())
                    // NULL while the first request is still running.
                    .col(ColumnDef::new(IdempotencyKeys::Response).text().null())
                    .col(instant(IdempotencyKeys::CreatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_idempotency_keys_user",
                        IdempotencyKeys::Table,
                        IdempotencyKeys::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idempotency_keys_user_key_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::UserId)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_idempotency_keys_created_at",
                IdempotencyKeys::Table,
                [IdempotencyKeys::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}
