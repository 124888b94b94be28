//! transfer id -> both legs, for many transfer legs in one statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::{
    foundation::error::AppError,
    graphql::loaders::Scope,
    transactions::transfers::{self, Transfer},
};

/// transfer id -> its two legs.
pub struct TransferLegs(pub Scope);

impl Loader<Uuid> for TransferLegs {
    type Value = Transfer;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let legs = transfers::legs_of(&self.0.db, self.0.user_id, keys).await?;
        Ok(transfers::pairs(legs))
    }
}
