//! Notification types, queries, mutations and the `notificationAdded` subscription.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, ResultExt, SimpleObject, Subscription};
use futures_util::Stream;

use crate::foundation::entities::notifications as rows;
use crate::{
    events::{Event, graphql::feed},
    foundation::{error::AppError, ids, pagination::PageArgs},
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        scalars::DateTime,
    },
    notifications::{
        preferences::{self, Change, Preference},
        service::{self, CURSOR_SCOPE, Kind, MAX_MARKED},
    },
};

/// What a notification is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::notifications::service::Kind")]
pub enum NotificationKind {
    /// A budget or one of its categories reached 80 % or 100 % of its amount.
    BudgetAlert,
    /// A savings goal reached 25, 50, 75 or 100 %.
    GoalMilestone,
    /// An achievement was unlocked.
    Achievement,
    /// The Monday summary of the week before (by email; opt-in).
    WeeklySummary,
    /// The job runner posted a scheduled transaction that fell due.
    SchedulePosted,
    /// A budget category is on course to pass its amount before its period ends (checked
    /// daily; once per category and period).
    ProjectedOverspend,
    /// The service turned off a webhook whose receiver kept failing or answered 410 Gone.
    WebhookDisabled,
}

/// Where one kind of notification goes.
#[derive(SimpleObject)]
pub struct NotificationPreference {
    /// The kind.
    kind: NotificationKind,
    /// Listed in `notifications` and sent to `notificationAdded`.
    in_app: bool,
    /// Mailed to the account's address once it is verified.
    email: bool,
    /// Sent to the user's webhooks.
    webhook: bool,
}

impl From<Preference> for NotificationPreference {
    fn from(p: Preference) -> Self {
        NotificationPreference {
            kind: p.kind.into(),
            in_app: p.in_app,
            email: p.email,
            webhook: p.webhook,
        }
    }
}

/// A change to where one kind goes; omitted channels keep their setting.
#[derive(InputObject)]
pub struct NotificationPreferenceInput {
    /// The kind.
    kind: NotificationKind,
    /// In the app.
    in_app: Option<bool>,
    /// By email.
    email: Option<bool>,
    /// To webhooks.
    webhook: Option<bool>,
}

pub struct Notification(pub rows::Model);

/// Something that happened that the user should hear of, kept until read.
#[Object]
impl Notification {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// What it is about.
    async fn kind(&self) -> Result<NotificationKind> {
        Kind::parse(&self.0.kind)
            .map(NotificationKind::from)
            .ok_or_else(|| AppError::internal(format!("notification {}: unknown kind {}", self.0.id, self.0.kind)))
            .extend()
    }
    /// One line to show.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The detail.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When it happened.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the user marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime> {
        self.0.read_at.map(DateTime)
    }
    /// The ids and figures of what happened (budgetId, categoryId, threshold, spent, amount,
    /// currency; goalId, percent; achievementId, type): amounts as decimal strings.
    async fn data(&self) -> Result<Json<serde_json::Value>> {
        serde_json::from_str(&self.0.data)
            .map(Json)
            .map_err(|e| AppError::internal(format!("notification {}: data {e}", self.0.id)))
            .extend()
    }
}

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The caller's notifications, newest first; only unread ones with unreadOnly.
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, None, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> Result<Conn<Notification>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(CURSOR_SCOPE)
        .extend()?;
        let rows = service::list(db, caller.id, unread_only, &page).await.extend()?;
        let (db, user_id) = (db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let db = db.clone();
            Box::pin(async move { service::count(&db, user_id, unread_only).await })
        });
        Ok(connection(rows, total, Notification))
    }

    /// Where each kind of notification goes for the caller. Defaults: every kind in the app and
    /// to webhooks, budget alerts also by email, the weekly summary nowhere until chosen.
    async fn notification_preferences(&self, ctx: &Context<'_>) -> Result<Vec<NotificationPreference>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let preferences = preferences::load(db, caller.id).await.extend()?;
        Ok(preferences.all().iter().copied().map(Into::into).collect())
    }

    /// How many of the caller's notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let (db, caller) = ctx.authenticated().extend()?;
        let n = service::count(db, caller.id, true).await.extend()?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Changes where kinds of notification go; returns every kind's setting.
    async fn update_notification_preferences(
        &self,
        ctx: &Context<'_>,
        input: Vec<NotificationPreferenceInput>,
    ) -> Result<Vec<NotificationPreference>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let changes: Vec<Change> = input
            .into_iter()
            .map(|p| Change {
                kind: p.kind.into(),
                in_app: p.in_app,
                email: p.email,
                webhook: p.webhook,
            })
            .collect();
        let preferences = preferences::update(db, caller.id, &changes).await.extend()?;
        Ok(preferences.all().iter().copied().map(Into::into).collect())
    }

    /// Marks notifications read: those in `ids` (at most 500), or every one with `all: true`.
    /// Returns how many were unread; ids that are not the caller's mark nothing.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Option<Vec<ID>>, all: Option<bool>) -> Result<i32> {
        let (db, caller) = ctx.authenticated().extend()?;
        let marked = match (ids, all.unwrap_or(false)) {
            (None, true) => service::mark_read(db, caller.id, None).await,
            (Some(ids), false) if ids.len() <= MAX_MARKED => {
                let ids: Vec<uuid::Uuid> = ids.iter().filter_map(ids::parse).collect();
                service::mark_read(db, caller.id, Some(&ids)).await
            }
            (Some(_), false) => Err(AppError::invalid("ids", format!("at most {MAX_MARKED} ids"))),
            _ => Err(AppError::invalid("ids", "give ids, or all: true")),
        }
        .extend()?;
        Ok(i32::try_from(marked).unwrap_or(i32::MAX))
    }
}

#[derive(Default)]
pub struct NotificationsSubscription;

#[Subscription]
impl NotificationsSubscription {
    /// Each new notification of the caller, as it is stored.
    async fn notification_added(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<Notification>>> {
        feed(ctx, |event| match event {
            Event::NotificationAdded(row) => Some(Notification(row.clone())),
            _ => None,
        })
    }
}
