//! The `Achievement` type, the `achievements` query and the `achievementUnlocked` subscription.

use async_graphql::{Context, ID, Json, Object, Result, ResultExt, Subscription};
use futures_util::Stream;

use crate::foundation::entities::achievements as rows;
use crate::{
    achievements::service,
    events::{Event, graphql::feed},
    foundation::ids,
    graphql::{ContextExt, scalars::DateTime},
};

/// A badge the user has unlocked.
pub struct Achievement(pub(crate) rows::Model);

/// A badge the user has unlocked.
#[Object]
impl Achievement {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// Machine name, e.g. FIRST_BUDGET; unique per user.
    #[graphql(name = "type")]
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// Display title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What it was awarded for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Points it is worth.
    async fn points(&self) -> i32 {
        self.0.points
    }
    /// When it was unlocked.
    async fn unlocked_at(&self) -> DateTime {
        DateTime(self.0.unlocked_at)
    }
    /// The rule's metric, threshold and the value that met it.
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.metadata.clone())
    }
}

#[derive(Default)]
pub struct AchievementsQuery;

#[Object]
impl AchievementsQuery {
    /// The caller's achievements, in the order they were unlocked.
    async fn achievements(&self, ctx: &Context<'_>) -> Result<Vec<Achievement>> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::list(db, caller.id)
            .await
            .map(|rows| rows.into_iter().map(Achievement).collect())
            .extend()
    }
}

#[derive(Default)]
pub struct AchievementsSubscription;

#[Subscription]
impl AchievementsSubscription {
    /// A newly unlocked achievement.
    async fn achievement_unlocked(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<Achievement>>> {
        feed(ctx, |event| match event {
            Event::AchievementUnlocked(achievement) => Some(Achievement(achievement.clone())),
            _ => None,
        })
    }
}
