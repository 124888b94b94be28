//! transfer id -> both legs, and transaction id -> split lines: each for many in one
//! statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::foundation::entities::transaction_splits;
use crate::{
    foundation::error::AppError,
    graphql::loaders::Scope,
    transactions::{
        splits,
        transfers::{self, Transfer},
    },
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

/// transaction id -> its split lines, in order.
pub struct SplitLines(pub Scope);

impl Loader<Uuid> for SplitLines {
    type Value = Vec<transaction_splits::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        splits::of_transactions(&self.0.db, self.0.user_id, keys).await
    }
}
