//! Webhook types, queries and mutations.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, Result, ResultExt, SimpleObject,
};

use crate::foundation::entities::{webhook_deliveries, webhooks as rows};
use crate::{
    events::EventBus,
    foundation::{error::AppError, ids},
    graphql::{ContextExt, patch, scalars::DateTime},
    notifications::webhooks::{
        EventType, Status,
        client::Sender,
        deliveries::{self, MAX_LISTED},
        endpoints::{self, Issued, Settings},
    },
};

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::notifications::webhooks::Status")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its first attempt or a retry (`nextAttemptAt`).
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Given up: the retry schedule ran out, the receiver answered 410 Gone, or a test failed.
    Failed,
}

pub struct Webhook(pub rows::Model);

/// An endpoint of the caller's that is told what happens, signed per Standard Webhooks.
#[Object]
impl Webhook {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The caller's note.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The event types it receives (`transaction.created`, `budget.alert`, ...).
    async fn events(&self) -> Vec<&'static str> {
        endpoints::subscribed(&self.0)
            .into_iter()
            .map(EventType::as_str)
            .collect()
    }
    /// False once the caller or the service turned it off; nothing is sent meanwhile.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why the service turned it off (410 Gone, or failures through the retry schedule).
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// When the service turned it off.
    async fn disabled_at(&self) -> Option<DateTime> {
        self.0.disabled_at.map(DateTime)
    }
    /// Until when the secret before the last rotation still signs (a second signature).
    async fn previous_secret_expires_at(&self) -> Option<DateTime> {
        self.0.previous_secret_until.map(DateTime)
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// The newest deliveries (at most 100), optionally of one status.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        status: Option<WebhookDeliveryStatus>,
    ) -> Result<Vec<WebhookDelivery>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let first = u64::try_from(first)
            .ok()
            .filter(|n| (1..=MAX_LISTED).contains(n))
            .ok_or_else(|| AppError::invalid("first", format!("between 1 and {MAX_LISTED}")))
            .extend()?;
        let rows = deliveries::list(db, caller.id, self.0.id, first, status.map(Into::into))
            .await
            .extend()?;
        Ok(rows.into_iter().map(WebhookDelivery).collect())
    }
}

pub struct WebhookDelivery(pub webhook_deliveries::Model);

/// One message to one webhook: what was sent and how the receiver answered.
#[Object]
impl WebhookDelivery {
    /// Stable identifier (for `redeliverWebhook`).
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// The `webhook-id` header: the same for every webhook and redelivery of one message.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
    /// The payload's `type`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Where it stands.
    async fn status(&self) -> Result<WebhookDeliveryStatus> {
        Status::parse(&self.0.status)
            .map(Into::into)
            .ok_or_else(|| AppError::internal(format!("delivery {}: status {}", self.0.id, self.0.status)))
            .extend()
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The HTTP status of the last attempt; null when it got no answer.
    async fn response_code(&self) -> Option<i32> {
        self.0.response_code
    }
    /// What went wrong in the last attempt.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When it is tried next, while pending.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        self.0
            .next_attempt_at
            .filter(|_| self.0.status == Status::Pending.as_str())
            .map(DateTime)
    }
    /// When it was last tried.
    async fn last_attempt_at(&self) -> Option<DateTime> {
        self.0.last_attempt_at.map(DateTime)
    }
    /// When the message was queued.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The body exactly as sent (`type`, `timestamp`, `data`).
    async fn payload(&self) -> Result<Json<serde_json::Value>> {
        serde_json::from_str(&self.0.payload)
            .map(Json)
            .map_err(|e| AppError::internal(format!("delivery {}: payload {e}", self.0.id)))
            .extend()
    }
}

/// A webhook and its signing secret, shown only now.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct IssuedWebhookSecret {
    /// `whsec_` and the base64 of the key: verify each delivery's `webhook-signature` with it.
    secret: String,
    #[graphql(skip)]
    row: rows::Model,
}

#[ComplexObject]
impl IssuedWebhookSecret {
    /// The webhook the secret signs for.
    async fn webhook(&self) -> Webhook {
        Webhook(self.row.clone())
    }
}

impl From<Issued> for IssuedWebhookSecret {
    fn from(issued: Issued) -> Self {
        IssuedWebhookSecret {
            secret: issued.secret,
            row: issued.webhook,
        }
    }
}

/// Changes to a webhook; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// A new address (the same checks as `createWebhook`).
    url: Option<String>,
    /// A new list of event types (at least one).
    events: Option<Vec<String>>,
    /// Null clears it.
    description: MaybeUndefined<String>,
    /// True turns it on again after the service disabled it (its waiting deliveries go out).
    enabled: Option<bool>,
}

fn webhook_id(id: &ID) -> Result<uuid::Uuid> {
    ids::parse(id).ok_or(AppError::NotFound("webhook")).extend()
}

#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// The caller's webhooks, oldest first.
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<Webhook>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let rows = endpoints::list(db, caller.id).await.extend()?;
        Ok(rows.into_iter().map(Webhook).collect())
    }

    /// The event types a webhook can receive.
    async fn webhook_event_types(&self) -> Vec<&'static str> {
        EventType::ALL.iter().map(|e| e.as_str()).collect()
    }
}

#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Registers an endpoint for `events` (see `webhookEventTypes`); returns its signing
    /// secret, which is not shown again. At most 10 per user. Unless the server allows it,
    /// the URL may not point at a loopback, private or link-local address.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        url: String,
        events: Vec<String>,
        description: Option<String>,
    ) -> Result<IssuedWebhookSecret> {
        let (db, caller) = ctx.authenticated().extend()?;
        let sender = ctx.shared::<Sender>().extend()?;
        let issued = endpoints::create(db, sender, caller.id, &url, &events, description)
            .await
            .extend()?;
        Ok(issued.into())
    }

    /// Changes the caller's webhook; `enabled: true` turns it on again.
    async fn update_webhook(&self, ctx: &Context<'_>, id: ID, input: UpdateWebhookInput) -> Result<Webhook> {
        let (db, caller) = ctx.authenticated().extend()?;
        let sender = ctx.shared::<Sender>().extend()?;
        let settings = Settings {
            url: input.url,
            events: input.events,
            description: patch(input.description),
            enabled: input.enabled,
        };
        let row = endpoints::update(db, sender, caller.id, webhook_id(&id)?, settings)
            .await
            .extend()?;
        Ok(Webhook(row))
    }

    /// Issues a new signing secret (shown only now). For 24 hours deliveries carry a
    /// signature with the old secret too, so the receiver can switch without missing any.
    async fn rotate_webhook_secret(&self, ctx: &Context<'_>, id: ID) -> Result<IssuedWebhookSecret> {
        let (db, caller) = ctx.authenticated().extend()?;
        let issued = endpoints::rotate_secret(db, caller.id, webhook_id(&id)?)
            .await
            .extend()?;
        Ok(issued.into())
    }

    /// Deletes the caller's webhook and its delivery log; returns its id.
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        endpoints::delete(db, caller.id, webhook_id(&id)?)
            .await
            .map(ids::to_id)
            .extend()
    }

    /// Sends a `webhook.test` message to the webhook at once (tried once, not retried);
    /// its outcome shows in `deliveries`.
    async fn test_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookDelivery> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let row = deliveries::test(db, events, caller.id, webhook_id(&id)?)
            .await
            .extend()?;
        Ok(WebhookDelivery(row))
    }

    /// Sends a delivery's message again (same `webhook-id` and body) as a new delivery.
    async fn redeliver_webhook(&self, ctx: &Context<'_>, delivery_id: ID) -> Result<WebhookDelivery> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let id = ids::parse(&delivery_id)
            .ok_or(AppError::NotFound("webhook delivery"))
            .extend()?;
        let row = deliveries::redeliver(db, events, caller.id, id).await.extend()?;
        Ok(WebhookDelivery(row))
    }
}
