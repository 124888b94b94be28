//! `webhook_deliveries` rows: one message to one webhook, as signed, with its retry state.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub user_id: Uuid,
    /// The `webhook-id` header: the same for every endpoint and redelivery of one message.
    pub message_id: String,
    pub event_type: String,
    /// The JSON body exactly as sent and signed.
    pub payload: String,
    /// PENDING, SUCCEEDED or FAILED (`notifications::webhooks::Status`).
    pub status: String,
    pub attempts: i32,
    /// When to try next; none once it succeeded or failed for good.
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_attempt_at: Option<DateTimeUtc>,
    /// The HTTP status of the last attempt; none when it got no response.
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
