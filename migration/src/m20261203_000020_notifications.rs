//! In-app notifications: what happened that a user should hear of (a budget past 80 % or
//! 100 %, a goal milestone, an achievement), kept until they read it. `dedupe_key` makes
//! "at most one per budget and threshold" a unique index rather than a promise: two servers
//! raising the same alert at once still store one.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    Data,
    DedupeKey,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(id(Notifications::Id))
                    .col(owner(Notifications::UserId))
                    .col(ColumnDef::new(Notifications::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Notifications::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Notifications::Body).text().not_null())
                    .col(ColumnDef::new(Notifications::Data).text().not_null())
                    .col(ColumnDef::new(Notifications::DedupeKey).string_len(200).null())
                    .col(instant(Notifications::CreatedAt))
                    .col(ColumnDef::new(Notifications::ReadAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut owner_fk(
                        "fk_notifications_user",
                        Notifications::Table,
                        Notifications::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_notifications_user_dedupe",
                    Notifications::Table,
                    [Notifications::UserId, Notifications::DedupeKey],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_notifications_user_unread",
                Notifications::Table,
                [Notifications::UserId, Notifications::ReadAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
