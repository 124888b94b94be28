//! category -> transactions(first, after), for many categories in one statement: a window
//! function numbers each category's rows, so one query returns every category's page.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

use crate::foundation::entities::transactions;
use crate::{
    foundation::{
        db,
        error::AppError,
        pagination::{Cursor, Paged, SortKey, TRANSACTIONS_BY_DATE},
    },
    graphql::loaders::Scope,
};

/// One category's page request: newest first, `limit` rows after `after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CategoryPageKey {
    pub category_id: Uuid,
    pub limit: u64,
    pub after: Option<Cursor>,
}

/// One category's page and its total number of transactions.
#[derive(Debug, Clone)]
pub struct CategoryPage {
    pub page: Paged<transactions::Model>,
    pub total: u64,
}

impl Default for CategoryPage {
    fn default() -> Self {
        CategoryPage {
            page: Paged {
                items: Vec::new(),
                has_previous_page: false,
                has_next_page: false,
            },
            total: 0,
        }
    }
}

pub struct CategoryTransactions(pub Scope);

impl Loader<CategoryPageKey> for CategoryTransactions {
    type Value = CategoryPage;
    type Error = AppError;

    async fn load(&self, keys: &[CategoryPageKey]) -> Result<HashMap<CategoryPageKey, Self::Value>, Self::Error> {
        // Categories asked for the same page shape share one statement (the usual case: a
        // nested `transactions(first: N)` under every category).
        let mut shapes: HashMap<(u64, Option<Cursor>), Vec<Uuid>> = HashMap::new();
        for key in keys {
            shapes
                .entry((key.limit, key.after.clone()))
                .or_default()
                .push(key.category_id);
        }
        let mut pages = HashMap::new();
        for ((limit, after), categories) in shapes {
            let mut loaded = self.load_shape(&categories, limit, after.as_ref()).await?;
            for category_id in categories {
                let mut page = loaded.remove(&category_id).unwrap_or_default();
                page.page.has_previous_page = after.is_some();
                pages.insert(
                    CategoryPageKey {
                        category_id,
                        limit,
                        after: after.clone(),
                    },
                    page,
                );
            }
        }
        Ok(pages)
    }
}

impl CategoryTransactions {
    async fn load_shape(
        &self,
        categories: &[Uuid],
        limit: u64,
        after: Option<&Cursor>,
    ) -> Result<HashMap<Uuid, CategoryPage>, AppError> {
        let mut values = self.scoped(categories);
        // The total is counted before the cursor narrows the rows; the row number after.
        let mut sql = format!(
            "SELECT * FROM ( \
               SELECT counted.*, ROW_NUMBER() OVER ( \
                 PARTITION BY counted.budget_category_id ORDER BY counted.transaction_date DESC, counted.id DESC) AS page_row \
               FROM ( \
                 SELECT t.*, COUNT(*) OVER (PARTITION BY t.budget_category_id) AS category_total \
                 FROM transactions t WHERE t.user_id = ? AND t.budget_category_id IN ({}) \
               ) counted",
            db::placeholders(categories.len())
        );
        if let Some(Cursor {
            key: SortKey::Date(date),
            id,
        }) = after
        {
            sql.push_str(" WHERE counted.transaction_date < ? OR (counted.transaction_date = ? AND counted.id < ?)");
            values.extend([Value::from(*date), Value::from(*date), Value::from(*id)]);
        }
        sql.push_str(" ) ranked WHERE page_row <= ? ORDER BY budget_category_id, page_row");
        values.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());

        let rows = self
            .0
            .db
            .query_all_raw(db::statement(self.0.db.get_database_backend(), &sql, values))
            .await?;
        let mut pages: HashMap<Uuid, CategoryPage> = HashMap::new();
        for row in rows {
            let transaction = transactions::Model::from_query_result(&row, "")?;
            let total: i64 = row.try_get("", "category_total")?;
            let Some(category_id) = transaction.budget_category_id else {
                continue;
            };
            let page = pages.entry(category_id).or_default();
            page.total = u64::try_from(total).unwrap_or_default();
            if page.page.items.len() as u64 == limit {
                page.page.has_next_page = true;
            } else {
                let cursor = Cursor {
                    key: SortKey::Date(transaction.transaction_date),
                    id: transaction.id,
                };
                page.page.items.push((cursor.encode(TRANSACTIONS_BY_DATE), transaction));
            }
        }
        if after.is_some() {
            // Past the cursor a category may have no rows left to carry its total.
            for (category_id, total) in self.totals(categories).await? {
                pages.entry(category_id).or_default().total = total;
            }
        }
        Ok(pages)
    }

    async fn totals(&self, categories: &[Uuid]) -> Result<Vec<(Uuid, u64)>, AppError> {
        let sql = format!(
            "SELECT budget_category_id, COUNT(*) FROM transactions \
             WHERE user_id = ? AND budget_category_id IN ({}) GROUP BY budget_category_id",
            db::placeholders(categories.len())
        );
        let statement = db::statement(self.0.db.get_database_backend(), &sql, self.scoped(categories));
        let rows = self.0.db.query_all_raw(statement).await?;
        let count = |row: &sea_orm::QueryResult| -> Result<(Uuid, u64), sea_orm::DbErr> {
            Ok((
                row.try_get_by_index(0)?,
                u64::try_from(row.try_get_by_index::<i64>(1)?).unwrap_or_default(),
            ))
        };
        Ok(rows.iter().map(count).collect::<Result<_, _>>()?)
    }

    /// The caller's id followed by the category ids, for `user_id = ? AND ... IN (...)`.
    fn scoped(&self, categories: &[Uuid]) -> Vec<Value> {
        let mut values: Vec<Value> = vec![self.0.user_id.into()];
        values.extend(categories.iter().map(|id| Value::from(*id)));
        values
    }
}
