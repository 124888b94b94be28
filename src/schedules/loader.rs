//! schedule -> its closed occurrences, for many schedules in one statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::foundation::entities::schedule_occurrences;
use crate::{foundation::error::AppError, graphql::loaders::Scope, schedules::occurrences};

/// schedule -> the occurrences that have been posted, matched or skipped.
pub struct ClosedOccurrences(pub Scope);

impl Loader<Uuid> for ClosedOccurrences {
    type Value = Vec<schedule_occurrences::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (_, row) in occurrences::closed(&self.0.db, self.0.user_id, keys).await? {
            grouped.entry(row.schedule_id).or_default().push(row);
        }
        Ok(grouped)
    }
}
