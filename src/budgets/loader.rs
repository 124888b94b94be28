//! Batched loads for nested budget fields: one statement per field per request, whatever
//! the number of parents.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::foundation::entities::{budget_categories, budgets};
use crate::{
    budgets::{categories, spending},
    foundation::{error::AppError, fx::Converted},
    graphql::loaders::{ById, Scope},
};

/// category -> budget.
pub type BudgetById = ById<budgets::Entity>;
/// transaction -> category.
pub type CategoryById = ById<budget_categories::Entity>;
/// budget -> categories.
pub struct CategoriesOfBudget(pub Scope);
/// budget -> spent, in the budget's currency (absent: nothing spent).
pub struct BudgetSpent(pub Scope);
/// category -> spent, in its budget's currency (absent: nothing spent).
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
    type Value = Converted;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        spending::by_budget(&self.0.db, self.0.user_id, keys).await
    }
}

impl Loader<Uuid> for CategorySpent {
    type Value = Converted;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        spending::by_category(&self.0.db, self.0.user_id, keys).await
    }
}
