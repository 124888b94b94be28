//! account -> balance, for many accounts in one statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::{
    accounts::service::{self, Balance},
    foundation::error::AppError,
    graphql::loaders::Scope,
};

/// account -> balance and cleared balance (minor units).
pub struct AccountBalances(pub Scope);

impl Loader<Uuid> for AccountBalances {
    type Value = Balance;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::balances(&self.0.db, self.0.user_id, keys).await
    }
}
