//! goal -> reached milestones, for many goals in one statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::foundation::entities::goal_milestones;
use crate::{foundation::error::AppError, goals::service, graphql::loaders::Scope};

pub struct MilestonesOfGoal(pub Scope);

impl Loader<Uuid> for MilestonesOfGoal {
    type Value = Vec<goal_milestones::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for milestone in service::milestones_of(&self.0.db, self.0.user_id, keys).await? {
            grouped.entry(milestone.goal_id).or_default().push(milestone);
        }
        Ok(grouped)
    }
}
