//! Per-request DataLoaders, created by the HTTP handler for an authenticated caller and
//! scoped to them: a loader in schema data would share its cache between users.

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use tokio::sync::OnceCell;

use crate::{
    budgets::loader::{BudgetById, BudgetSpent, CategoriesOfBudget, CategoryById, CategorySpent},
    entities::users,
    error::AppResult,
    goals::loader::MilestonesOfGoal,
    transactions::loader::CategoryTransactions,
};

/// The caller every loader query is scoped to.
#[derive(Clone)]
pub struct Scope {
    pub db: DatabaseConnection,
    pub user_id: Uuid,
}

pub struct Loaders {
    scope: Scope,
    /// The caller's own row, read at most once per request (time zone, currency).
    caller: OnceCell<users::Model>,
    pub budget: DataLoader<BudgetById>,
    pub category: DataLoader<CategoryById>,
    pub categories_of_budget: DataLoader<CategoriesOfBudget>,
    pub budget_spent: DataLoader<BudgetSpent>,
    pub category_spent: DataLoader<CategorySpent>,
    pub category_transactions: DataLoader<CategoryTransactions>,
    pub milestones: DataLoader<MilestonesOfGoal>,
}

impl Loaders {
    pub fn new(db: DatabaseConnection, user_id: Uuid) -> Self {
        let scope = Scope { db, user_id };
        Loaders {
            scope: scope.clone(),
            caller: OnceCell::new(),
            budget: DataLoader::new(BudgetById(scope.clone()), tokio::spawn),
            category: DataLoader::new(CategoryById(scope.clone()), tokio::spawn),
            categories_of_budget: DataLoader::new(CategoriesOfBudget(scope.clone()), tokio::spawn),
            budget_spent: DataLoader::new(BudgetSpent(scope.clone()), tokio::spawn),
            category_spent: DataLoader::new(CategorySpent(scope.clone()), tokio::spawn),
            category_transactions: DataLoader::new(CategoryTransactions(scope.clone()), tokio::spawn),
            milestones: DataLoader::new(MilestonesOfGoal(scope), tokio::spawn),
        }
    }

    /// The caller's account, loaded on first use.
    pub async fn caller(&self) -> AppResult<&users::Model> {
        self.caller
            .get_or_try_init(|| crate::users::service::get(&self.scope.db, self.scope.user_id))
            .await
    }

    /// Today in the caller's time zone.
    pub async fn today(&self) -> AppResult<chrono::NaiveDate> {
        Ok(crate::periods::today_in(&self.caller().await?.timezone))
    }
}
