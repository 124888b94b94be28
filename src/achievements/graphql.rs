//! The `Achievement` type and the `achievements` query.

use async_graphql::{Context, ID, Json, Object, Result, ResultExt};

use crate::{achievements::service, auth::ContextExt, entities::achievements as rows, graphql::scalars::DateTime, ids};

/// A badge the user has unlocked.
pub struct Achievement(pub(crate) rows::Model);

/// A badge the user has unlocked.
#[Object]
impl Achievement {
    /// Stable identifier.
    async fn id(&self) -> ID {
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
        let (state, caller) = ctx.authenticated().extend()?;
        service::list(&state.db, caller.id)
            .await
            .map(|rows| rows.into_iter().map(Achievement).collect())
            .extend()
    }
}
