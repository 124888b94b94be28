//! Webhooks: endpoints a user registers to be told what happened, and the delivery log.
//!
//! `webhooks.events` is a JSON array of event types (`transaction.created`, ...). The signing
//! secret is kept as issued (`whsec_...`): the service must sign with it, so it cannot be
//! hashed; `previous_secret` keeps signing until `previous_secret_until` after a rotation.
//!
//! `webhook_deliveries` is one message to one endpoint: its payload as signed, its state and
//! its retry schedule. `message_id` is shared by every endpoint that received the message and
//! by a redelivery, so a receiver can drop duplicates. Due deliveries are found by
//! `(status, next_attempt_at)`; a webhook's log is listed by `(webhook_id, id)`.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    UserId,
    Url,
    Description,
    Events,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    Enabled,
    DisabledReason,
    DisabledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    UserId,
    MessageId,
    EventType,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastAttemptAt,
    ResponseCode,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(id(Webhooks::Id))
                    .col(owner(Webhooks::UserId))
                    .col(ColumnDef::new(Webhooks::Url).string_len(2048).not_null())
                    .col(ColumnDef::new(Webhooks::Description).string_len(200).null())
                    .col(ColumnDef::new(Webhooks::Events).text().not_null())
                    .col(ColumnDef::new(Webhooks::Secret).string_len(100).not_null())
                    .col(ColumnDef::new(Webhooks::PreviousSecret).string_len(100).null())
                    .col(
                        ColumnDef::new(Webhooks::PreviousSecretUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Webhooks::Enabled).boolean().not_null().default(true))
                    .col(ColumnDef::new(Webhooks::DisabledReason).string_len(500).null())
                    .col(ColumnDef::new(Webhooks::DisabledAt).timestamp_with_time_zone().null())
                    .col(instant(Webhooks::CreatedAt))
                    .col(instant(Webhooks::UpdatedAt))
                    .foreign_key(&mut owner_fk("fk_webhooks_user", Webhooks::Table, Webhooks::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_webhooks_user", Webhooks::Table, [Webhooks::UserId]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id(WebhookDeliveries::Id))
                    .col(ColumnDef::new(WebhookDeliveries::WebhookId).uuid().not_null())
                    .col(owner(WebhookDeliveries::UserId))
                    .col(ColumnDef::new(WebhookDeliveries::MessageId).string_len(64).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::EventType).string_len(64).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Payload).text().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::ResponseCode).integer().null())
                    .col(ColumnDef::new(WebhookDeliveries::LastError).string_len(500).null())
                    .col(instant(WebhookDeliveries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut owner_fk(
                        "fk_webhook_deliveries_user",
                        WebhookDeliveries::Table,
                        WebhookDeliveries::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_webhook_deliveries_log",
                WebhookDeliveries::Table,
                [WebhookDeliveries::WebhookId, WebhookDeliveries::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_webhook_deliveries_due",
                WebhookDeliveries::Table,
                [WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}
