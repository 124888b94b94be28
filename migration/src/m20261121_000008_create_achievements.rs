//! `achievements`: badges a user has unlocked; at most one of each type per user.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Achievements {
    Table,
    Id,
    UserId,
    Type,
    Title,
    Description,
    Points,
    UnlockedAt,
    Metadata,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Achievements::Table)
                    .col(id(Achievements::Id))
                    .col(owner(Achievements::UserId))
                    .col(ColumnDef::new(Achievements::Type).string_len(50).not_null())
                    .col(ColumnDef::new(Achievements::Title).string_len(255).not_null())
                    .col(ColumnDef::new(Achievements::Description).text().null())
                    .col(ColumnDef::new(Achievements::Points).integer().not_null().default(0))
                    .col(instant(Achievements::UnlockedAt))
                    .col(ColumnDef::new(Achievements::Metadata).json_binary().not_null())
                    .foreign_key(&mut owner_fk(
                        "fk_achievements_user",
                        Achievements::Table,
                        Achievements::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        // Unlocking is idempotent: the unique key makes a second unlock a no-op. It also
        // serves the seed's idx_achievements_user_id (its leading column).
        manager
            .create_index(
                Index::create()
                    .name("achievements_user_type_key")
                    .table(Achievements::Table)
                    .col(Achievements::UserId)
                    .col(Achievements::Type)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_achievements_type",
                Achievements::Table,
                [Achievements::Type],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Achievements::Table).to_owned())
            .await
    }
}
