//! Resolving the names a file uses: the caller's open accounts and budget categories.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::foundation::entities::{budget_categories, budgets};
use crate::{
    accounts,
    foundation::{error::AppResult, money::Currency, ownership},
    interchange::csv_format::Place,
};

/// The caller's open accounts by lower-cased name (the oldest of two with one name).
pub struct AccountIndex(HashMap<String, Place>);

impl AccountIndex {
    pub async fn load(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Self> {
        let mut index = HashMap::new();
        for account in accounts::service::list(db, user_id, false).await? {
            index.entry(account.name.to_lowercase()).or_insert(Place {
                account_id: account.id,
                currency: Currency::of(&account.currency),
            });
        }
        Ok(AccountIndex(index))
    }

    pub fn find(&self, name: &str) -> Option<Place> {
        self.0.get(&name.trim().to_lowercase()).copied()
    }
}

/// The caller's categories by lower-cased name, with their budgets' dates.
pub struct CategoryIndex(HashMap<String, Vec<(Uuid, NaiveDate, NaiveDate)>>);

impl CategoryIndex {
    pub async fn load(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Self> {
        let budgets: HashMap<Uuid, budgets::Model> = ownership::owned::<budgets::Entity>(user_id)
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
        let mut index: HashMap<String, Vec<_>> = HashMap::new();
        for category in ownership::owned::<budget_categories::Entity>(user_id).all(db).await? {
            let Some(budget) = budgets.get(&category.budget_id) else {
                continue;
            };
            index.entry(category.name.to_lowercase()).or_default().push((
                category.id,
                budget.start_date,
                budget.end_date,
            ));
        }
        for candidates in index.values_mut() {
            // Newest first: ids are UUIDv7.
            candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        }
        Ok(CategoryIndex(index))
    }

    /// Every category's id.
    pub fn ids(&self) -> std::collections::HashSet<Uuid> {
        self.0.values().flatten().map(|(id, _, _)| *id).collect()
    }

    pub fn knows(&self, name: &str) -> bool {
        self.0.contains_key(&name.trim().to_lowercase())
    }

    /// Same-named categories exist in many budgets (a "Food" per month): take the one whose
    /// budget covers the date, else the newest.
    pub fn resolve(&self, name: &str, date: NaiveDate) -> Option<Uuid> {
        let candidates = self.0.get(&name.trim().to_lowercase())?;
        candidates
            .iter()
            .find(|(_, start, end)| *start <= date && date <= *end)
            .or(candidates.first())
            .map(|(id, _, _)| *id)
    }
}
