//! The caller's webhooks: registering one (its secret is shown once), changing, enabling,
//! rotating its secret and deleting it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::foundation::entities::webhooks::{self, Column, Entity as Webhooks};
use crate::{
    foundation::{
        db,
        error::{AppError, AppResult},
        ownership,
    },
    notifications::webhooks::{EventType, client::Sender, signing},
};

/// Webhooks one user may have.
pub const MAX_PER_USER: u64 = 10;
/// How long the secret before a rotation keeps signing, so receivers can switch over.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
const MAX_DESCRIPTION: usize = 200;

/// A webhook's settings as given; `None` keeps a setting when changing one.
#[derive(Debug, Default)]
pub struct Settings {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A webhook with the secret that signs its deliveries (shown only when it is issued).
pub struct Issued {
    pub webhook: webhooks::Model,
    pub secret: String,
}

/// The caller's webhooks, oldest first.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<webhooks::Model>> {
    Ok(ownership::owned::<Webhooks>(user_id)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// The event types a webhook's `events` name, parsed (each known, none twice, at least one).
pub fn subscribed(row: &webhooks::Model) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(&row.events)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| EventType::parse(name))
        .collect()
}

fn checked_events(events: &[String]) -> AppResult<String> {
    if events.is_empty() {
        return Err(AppError::invalid("events", "name at least one event type"));
    }
    let mut names: Vec<&str> = Vec::new();
    for name in events {
        let Some(kind) = EventType::parse(name.trim()) else {
            let known: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
            return Err(AppError::invalid(
                "events",
                format!("unknown event type {name:?}; known: {}", known.join(", ")),
            ));
        };
        if !names.contains(&kind.as_str()) {
            names.push(kind.as_str());
        }
    }
    serde_json::to_string(&names).map_err(AppError::internal)
}

fn checked_description(description: Option<String>) -> AppResult<Option<String>> {
    let description = description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(AppError::invalid("description", "at most 200 characters"));
    }
    Ok(description)
}

/// Registers a webhook; the returned secret is not shown again.
pub async fn create(
    db: &impl ConnectionTrait,
    sender: &Sender,
    user_id: Uuid,
    url: &str,
    events: &[String],
    description: Option<String>,
) -> AppResult<Issued> {
    let url = sender.check_url(url.trim())?.to_string();
    let events = checked_events(events)?;
    let description = checked_description(description)?;
    if ownership::owned::<Webhooks>(user_id).count(db).await? >= MAX_PER_USER {
        return Err(AppError::Conflict(format!(
            "at most {MAX_PER_USER} webhooks; delete one first"
        )));
    }
    let secret = signing::new_secret()?;
    let now = db::now();
    let webhook = webhooks::Model {
        id: Uuid::now_v7(),
        user_id,
        url,
        description,
        events,
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_until: None,
        enabled: true,
        disabled_reason: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    webhook.clone().into_active_model().insert(db).await?;
    Ok(Issued { webhook, secret })
}

/// Changes the caller's webhook; enabling it again clears why it was disabled.
pub async fn update(
    db: &impl ConnectionTrait,
    sender: &Sender,
    user_id: Uuid,
    id: Uuid,
    settings: Settings,
) -> AppResult<webhooks::Model> {
    let row = ownership::get::<Webhooks>(db, user_id, id).await?;
    let mut active = row.into_active_model();
    if let Some(url) = settings.url {
        active.url = Set(sender.check_url(url.trim())?.to_string());
    }
    if let Some(events) = settings.events {
        active.events = Set(checked_events(&events)?);
    }
    if let Some(description) = settings.description {
        active.description = Set(checked_description(description)?);
    }
    if let Some(enabled) = settings.enabled {
        active.enabled = Set(enabled);
        if enabled {
            active.disabled_reason = Set(None);
            active.disabled_at = Set(None);
        }
    }
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Issues a new secret; the old one keeps signing (a second signature) for 24 hours.
pub async fn rotate_secret(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Issued> {
    let row = ownership::get::<Webhooks>(db, user_id, id).await?;
    let secret = signing::new_secret()?;
    let now = db::now();
    let mut active = row.clone().into_active_model();
    active.previous_secret = Set(Some(row.secret));
    active.previous_secret_until = Set(Some(now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS)));
    active.secret = Set(secret.clone());
    active.updated_at = Set(now);
    Ok(Issued {
        webhook: active.update(db).await?,
        secret,
    })
}

/// Deletes the caller's webhook and its delivery log.
pub async fn delete(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Webhooks>(db, user_id, id).await
}

/// The secrets that sign a message at `now`: the current one, and the previous one during a
/// rotation's overlap.
pub fn signing_secrets(row: &webhooks::Model, now: DateTime<Utc>) -> Vec<&str> {
    let mut secrets = vec![row.secret.as_str()];
    if let (Some(previous), Some(until)) = (&row.previous_secret, row.previous_secret_until)
        && until > now
    {
        secrets.push(previous);
    }
    secrets
}

/// Turns a webhook off for `reason`; true when it was on (the caller tells the user).
pub async fn disable(db: &impl ConnectionTrait, id: Uuid, reason: &str, at: DateTime<Utc>) -> AppResult<bool> {
    let changed = Webhooks::update_many()
        .col_expr(Column::Enabled, sea_orm::sea_query::Expr::value(false))
        .col_expr(
            Column::DisabledReason,
            sea_orm::sea_query::Expr::value(reason.to_owned()),
        )
        .col_expr(Column::DisabledAt, sea_orm::sea_query::Expr::value(at))
        .col_expr(Column::UpdatedAt, sea_orm::sea_query::Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::Enabled.eq(true))
        .exec(db)
        .await?;
    Ok(changed.rows_affected == 1)
}
