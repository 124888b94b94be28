//! account -> balance, and (account, day) -> balance at the end of the day, for many
//! accounts in one statement (per day asked for).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
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

/// (account, day) -> its balance at the end of that day (minor units).
pub struct AccountBalancesAsOf(pub Scope);

impl Loader<(Uuid, NaiveDate)> for AccountBalancesAsOf {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[(Uuid, NaiveDate)]) -> Result<HashMap<(Uuid, NaiveDate), Self::Value>, Self::Error> {
        let mut by_day: HashMap<NaiveDate, Vec<Uuid>> = HashMap::new();
        for (account, day) in keys {
            by_day.entry(*day).or_default().push(*account);
        }
        let mut balances = HashMap::with_capacity(keys.len());
        for (day, accounts) in by_day {
            for (account, balance) in service::balances_as_of(&self.0.db, self.0.user_id, Some(&accounts), day).await? {
                balances.insert((account.id, day), balance);
            }
        }
        Ok(balances)
    }
}
