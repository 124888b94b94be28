//! Batched loads for nested budget fields: one statement per field per request, whatever
//! the number of parents.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::foundation::entities::{budget_categories, budgets};
use crate::{
    budgets::{categories, spending},
    foundation::error::AppError,
    graphql::loaders::{ById, Scope},
};

/// category -> budget.
pub type BudgetById = ById<budgets::Entity>;
/// transaction -> category.
pub type CategoryById = ById<budget_categories::Entity>;
/// budget -> categories.
pub struct CategoriesOfBudget(pub Scope);
/// budget -> spent (minor units).
pub struct BudgetSpent(pub Scope);
/// category -> spent (minor units).
pub struct CategorySpent(pub Scope);

impl Loader<Uuid> for CategoriesOfBudget {
    type Value = Vec<budget_categories::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for category in categories::of_budgets(&self.0.db, self.0.user_id, keys).await? {
            grouped.entry(category.budget_id).or_default().push(category);
        }
        Ok(grouped)
    }
}

impl Loader<Uuid> for BudgetSpent {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        with_zeros(keys, spending::by_budget(&self.0.db, self.0.user_id, keys).await?)
    }
}

impl Loader<Uuid> for CategorySpent {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        with_zeros(keys, spending::by_category(&self.0.db, self.0.user_id, keys).await?)
    }
}

/// Nothing spent is 0, not a missing value.
fn with_zeros(keys: &[Uuid], mut sums: HashMap<Uuid, i64>) -> Result<HashMap<Uuid, i64>, AppError> {
    for key in keys {
        sums.entry(*key).or_insert(0);
    }
    Ok(sums)
}
