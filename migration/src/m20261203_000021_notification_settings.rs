//! Notification preferences: per kind and channel (in-app, email, webhook), stored only when a
//! user changes them (`settings` is a JSON object of their choices; the rest are defaults).
//! `notifications.in_app` records whether a notification is shown in the app: a notification
//! is stored either way, because it is also the record that it was sent at most once.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, drop_columns, instant, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    Settings,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Notifications {
    Table,
    InApp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationSettings::Table)
                    .col(
                        ColumnDef::new(NotificationSettings::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(NotificationSettings::Settings).text().not_null())
                    .col(instant(NotificationSettings::UpdatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_notification_settings_user",
                        NotificationSettings::Table,
                        NotificationSettings::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        add_columns(
            manager,
            Notifications::Table.into_iden(),
            vec![
                ColumnDef::new(Notifications::InApp)
                    .boolean()
                    .not_null()
                    .default(true)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(manager, Notifications::Table.into_iden(), &[Notifications::InApp]).await?;
        manager
            .drop_table(Table::drop().table(NotificationSettings::Table).to_owned())
            .await
    }
}
