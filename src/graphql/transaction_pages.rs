//! parent -> transactions(first, after), newest first, for many parents in one statement: a
//! window function numbers each parent's rows, so one query returns every parent's page. The
//! parents are budget categories (`BudgetCategory.transactions`) and accounts
//! (`Account.transactions`).

use std::{collections::HashMap, marker::PhantomData};

use async_graphql::{Context, ErrorExtensions, Result, dataloader::Loader};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

use crate::foundation::entities::transactions;
use crate::{
    foundation::{
        db,
        error::AppError,
        pagination::{Cursor, PageArgs, Paged, Position, SortKey, TRANSACTIONS_BY_DATE},
    },
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        loaders::Scope,
        nodes::Transaction,
    },
};

/// The body of a `transactions(first, after)` field on a parent: the parent's page, batched
/// with every other parent's in the response.
pub async fn page_field<P: PageParent>(
    ctx: &Context<'_>,
    parent_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Conn<Transaction>> {
    let page = PageArgs {
        first,
        after,
        ..Default::default()
    }
    .validate(TRANSACTIONS_BY_DATE)
    .map_err(|e| e.extend())?;
    let key = PageKey {
        parent_id,
        limit: page.limit,
        after: page.cursor,
    };
    let loaded = ctx
        .loaders()
        .map_err(|e| e.extend())?
        .get(TransactionPages::<P>::new)
        .load_one(key)
        .await
        .map_err(|e| e.extend())?
        .unwrap_or_default();
    Ok(connection(loaded.page, TotalCount::Known(loaded.total), Transaction))
}

/// What a page of transactions hangs from.
pub trait PageParent: Send + Sync + 'static {
    /// How many times the statement of [`PageParent::rows`] takes the caller's id and the
    /// parent ids, in that order.
    const BINDINGS: usize;
    /// A statement giving the caller's transactions under the parents in `IN ({parents})`:
    /// every column of `transactions` plus the parent's id as `parent_id`, a transaction once
    /// per parent.
    fn rows(parents: &str) -> String;
}

/// Transactions by their budget category; a split transaction under each of its lines'
/// categories.
pub struct ByCategory;
impl PageParent for ByCategory {
    const BINDINGS: usize = 2;
    fn rows(parents: &str) -> String {
        format!(
            "SELECT t.*, t.budget_category_id AS parent_id FROM transactions t \
               WHERE t.user_id = ? AND t.budget_category_id IN ({parents}) \
             UNION ALL \
             SELECT DISTINCT t.*, s.budget_category_id AS parent_id FROM transaction_splits s \
               JOIN transactions t ON t.id = s.transaction_id \
               WHERE s.user_id = ? AND s.budget_category_id IN ({parents})"
        )
    }
}

/// Transactions by their account.
pub struct ByAccount;
impl PageParent for ByAccount {
    const BINDINGS: usize = 1;
    fn rows(parents: &str) -> String {
        format!(
            "SELECT t.*, t.account_id AS parent_id FROM transactions t \
             WHERE t.user_id = ? AND t.account_id IN ({parents})"
        )
    }
}

/// One parent's page request: newest first, `limit` rows after `after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub parent_id: Uuid,
    pub limit: u64,
    pub after: Option<Cursor>,
}

/// One parent's page and its total number of transactions.
#[derive(Debug, Clone)]
pub struct Page {
    pub page: Paged<transactions::Model>,
    pub total: u64,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            page: Paged {
                items: Vec::new(),
                has_previous_page: false,
                has_next_page: false,
            },
            total: 0,
        }
    }
}

/// The loader of pages of transactions by parent `P`.
pub struct TransactionPages<P>(Scope, PhantomData<fn() -> P>);

impl<P> TransactionPages<P> {
    /// For `loaders.get(TransactionPages::<P>::new)`.
    pub fn new(scope: Scope) -> Self {
        TransactionPages(scope, PhantomData)
    }
}

impl<P: PageParent> Loader<PageKey> for TransactionPages<P> {
    type Value = Page;
    type Error = AppError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        // Parents asked for the same page shape share one statement (the usual case: a nested
        // `transactions(first: N)` under every category or account).
        let mut shapes: HashMap<(u64, Option<Cursor>), Vec<Uuid>> = HashMap::new();
        for key in keys {
            shapes
                .entry((key.limit, key.after.clone()))
                .or_default()
                .push(key.parent_id);
        }
        let mut pages = HashMap::new();
        for ((limit, after), parents) in shapes {
            let mut loaded = self.load_shape(&parents, limit, after.as_ref()).await?;
            for parent_id in parents {
                let mut page = loaded.remove(&parent_id).unwrap_or_default();
                page.page.has_previous_page = after.is_some();
                pages.insert(
                    PageKey {
                        parent_id,
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

impl<P: PageParent> TransactionPages<P> {
    async fn load_shape(
        &self,
        parents: &[Uuid],
        limit: u64,
        after: Option<&Cursor>,
    ) -> Result<HashMap<Uuid, Page>, AppError> {
        let mut values = self.scoped(parents);
        let rows = P::rows(&db::placeholders(parents.len()));
        // The total is counted before the cursor narrows the rows; the row number after.
        let mut sql = format!(
            "SELECT * FROM ( \
               SELECT counted.*, ROW_NUMBER() OVER ( \
                 PARTITION BY counted.parent_id ORDER BY counted.transaction_date DESC, counted.id DESC) AS page_row \
               FROM ( \
                 SELECT r.*, COUNT(*) OVER (PARTITION BY r.parent_id) AS parent_total FROM ({rows}) r \
               ) counted"
        );
        if let Some(Cursor {
            key: SortKey::Date(date),
            id,
        }) = after
        {
            sql.push_str(" WHERE counted.transaction_date < ? OR (counted.transaction_date = ? AND counted.id < ?)");
            values.extend([Value::from(*date), Value::from(*date), Value::from(*id)]);
        }
        sql.push_str(" ) ranked WHERE page_row <= ? ORDER BY parent_id, page_row");
        values.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());

        let rows = self
            .0
            .db
            .query_all_raw(db::statement(self.0.db.get_database_backend(), &sql, values))
            .await?;
        let mut pages: HashMap<Uuid, Page> = HashMap::new();
        for row in rows {
            let transaction = transactions::Model::from_query_result(&row, "")?;
            let total: i64 = row.try_get("", "parent_total")?;
            let parent_id: Uuid = row.try_get("", "parent_id")?;
            let page = pages.entry(parent_id).or_default();
            page.total = u64::try_from(total).unwrap_or_default();
            if page.page.items.len() as u64 == limit {
                page.page.has_next_page = true;
            } else {
                let position = Position {
                    scope: TRANSACTIONS_BY_DATE,
                    cursor: Cursor {
                        key: SortKey::Date(transaction.transaction_date),
                        id: transaction.id,
                    },
                };
                page.page.items.push((position, transaction));
            }
        }
        if after.is_some() {
            // Past the cursor a parent may have no rows left to carry its total.
            for (parent_id, total) in self.totals(parents).await? {
                pages.entry(parent_id).or_default().total = total;
            }
        }
        Ok(pages)
    }

    async fn totals(&self, parents: &[Uuid]) -> Result<Vec<(Uuid, u64)>, AppError> {
        let rows = P::rows(&db::placeholders(parents.len()));
        let sql = format!("SELECT r.parent_id, COUNT(*) FROM ({rows}) r GROUP BY r.parent_id");
        let statement = db::statement(self.0.db.get_database_backend(), &sql, self.scoped(parents));
        let rows = self.0.db.query_all_raw(statement).await?;
        let count = |row: &sea_orm::QueryResult| -> Result<(Uuid, u64), sea_orm::DbErr> {
            Ok((
                row.try_get_by_index(0)?,
                u64::try_from(row.try_get_by_index::<i64>(1)?).unwrap_or_default(),
            ))
        };
        Ok(rows.iter().map(count).collect::<Result<_, _>>()?)
    }

    /// The caller's id followed by the parent ids, for each `user_id = ? AND ... IN (...)`
    /// of `P::rows`.
    fn scoped(&self, parents: &[Uuid]) -> Vec<Value> {
        let mut values: Vec<Value> = Vec::with_capacity(P::BINDINGS * (parents.len() + 1));
        for _ in 0..P::BINDINGS {
            values.push(self.0.user_id.into());
            values.extend(parents.iter().map(|id| Value::from(*id)));
        }
        values
    }
}
