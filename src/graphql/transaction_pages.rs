//! parent -> transactions(first, after), newest first, for many parents in one statement: a
//! window function numbers each parent's rows, so one query returns every parent's page. The
//! parents are budget categories (`BudgetCategory.transactions`) and accounts
//! (`Account.transactions`).

use std::{collections::HashMap, marker::PhantomData, sync::LazyLock};

use async_graphql::{Context, ErrorExtensions, Result, dataloader::Loader};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, FromQueryResult, QueryResult, Value};
use uuid::Uuid;

use crate::foundation::entities::transactions;
use crate::{
    foundation::{
        db,
        error::AppError,
        money::Currency,
        pagination::{Cursor, PageArgs, Paged, Position, SortKey, TRANSACTIONS_BY_DATE},
    },
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        loaders::Scope,
        nodes::{Transaction, TransactionType},
        written::{JsonOut, Planned, Selection},
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

/// Every column of `transactions t`, for [`PageParent::rows`] and [`ranked`].
pub const EVERY_COLUMN: &str = "t.*";

/// What a page of transactions hangs from.
pub trait PageParent: Send + Sync + 'static {
    /// How many times the statement of [`PageParent::rows`] takes the caller's id and the
    /// parent ids, in that order.
    const BINDINGS: usize;
    /// A statement giving the caller's transactions under the parents in `IN ({parents})`:
    /// `columns` of `transactions t` (such as [`EVERY_COLUMN`]) plus the parent's id as
    /// `parent_id`, a transaction once per parent.
    fn rows(parents: &str, columns: &str) -> String;
}

/// Transactions by their budget category; a split transaction under each of its lines'
/// categories.
pub struct ByCategory;
impl PageParent for ByCategory {
    const BINDINGS: usize = 2;
    fn rows(parents: &str, columns: &str) -> String {
        format!(
            "SELECT {columns}, t.budget_category_id AS parent_id FROM transactions t \
               WHERE t.user_id = ? AND t.budget_category_id IN ({parents}) \
             UNION ALL \
             SELECT DISTINCT {columns}, s.budget_category_id AS parent_id FROM transaction_splits s \
               JOIN transactions t ON t.id = s.transaction_id \
               WHERE s.user_id = ? AND s.budget_category_id IN ({parents})"
        )
    }
}

/// Transactions by their account.
pub struct ByAccount;
impl PageParent for ByAccount {
    const BINDINGS: usize = 1;
    fn rows(parents: &str, columns: &str) -> String {
        format!(
            "SELECT {columns}, t.account_id AS parent_id FROM transactions t \
             WHERE t.user_id = ? AND t.account_id IN ({parents})"
        )
    }
}

/// The rows of every parent in `parents` (a list of placeholders or a subquery giving ids),
/// with `columns` of `transactions t`, ranked newest first, each with its parent's total
/// (when `counted`; NULL otherwise) and its `page_row` within the parent; binds `P`'s values
/// for `parents`, then (with `after`) a cursor's date, date and id, then the number of rows to
/// keep per parent (`page_rows`).
pub fn ranked<P: PageParent>(parents: &str, columns: &str, after: bool, counted: bool) -> String {
    let rows = P::rows(parents, columns);
    // Counting keeps every parent's rows in the window's buffer: ~10 % of the dashboard's
    // categories statement (`pgbench -M prepared`), for a figure few selections ask for.
    let total = if counted {
        "COUNT(*) OVER (PARTITION BY r.parent_id) AS parent_total"
    } else {
        "CAST(NULL AS BIGINT) AS parent_total"
    };
    let row_number = |of: &str| {
        format!(
            "ROW_NUMBER() OVER (PARTITION BY {of}.parent_id ORDER BY {of}.transaction_date DESC, {of}.id DESC) AS page_row"
        )
    };
    let numbered = if after {
        // The total counts the parent's rows before the cursor narrows them, the row number after.
        format!(
            "SELECT counted.*, {} FROM (SELECT r.*, {total} FROM ({rows}) r) counted \
             WHERE counted.transaction_date < ? OR (counted.transaction_date = ? AND counted.id < ?)",
            row_number("counted")
        )
    } else {
        // Without a cursor both windows see the same rows: one sort serves both (~5 % of the
        // dashboard's largest statement in `pgbench -M prepared`).
        format!("SELECT r.*, {total}, {} FROM ({rows}) r", row_number("r"))
    };
    format!("SELECT * FROM ({numbered}) ranked WHERE page_row <= ?")
}

/// Rows to fetch per parent for a page of `limit`: one more tells whether a next page exists.
pub fn page_rows(limit: u64) -> i64 {
    i64::try_from(limit + 1).unwrap_or(i64::MAX)
}

/// One parent's page request: newest first, `limit` rows after `after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub parent_id: Uuid,
    pub limit: u64,
    pub after: Option<Cursor>,
}

/// One parent's page and its total number of transactions: full rows for the executor, or
/// [`PageRow`]s for a written answer.
#[derive(Debug, Clone)]
pub struct Page<M = transactions::Model> {
    pub page: Paged<M>,
    pub total: u64,
}

impl<M> Default for Page<M> {
    fn default() -> Self {
        Page {
            page: Paged::default(),
            total: 0,
        }
    }
}

impl<M> Page<M> {
    /// Takes one of the parent's rows as [`ranked`] numbers them: into the page while
    /// `page_row` is within `limit`; the one past it only says that a next page exists.
    pub fn take(&mut self, page_row: u64, limit: u64, parent_total: u64, position: Position, row: M) {
        self.total = parent_total;
        if page_row > limit {
            self.page.has_next_page = true;
        } else {
            self.page.items.push((position, row));
        }
    }
}

/// A transaction's place in the date ordering every list of transactions by date shares.
fn by_date(date: NaiveDate, id: Uuid) -> Position {
    Position {
        scope: TRANSACTIONS_BY_DATE,
        cursor: Cursor {
            key: SortKey::Date(date),
            id,
        },
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
            for (parent_id, page) in self.pages(&parents, limit, after.as_ref()).await? {
                let key = PageKey {
                    parent_id,
                    limit,
                    after: after.clone(),
                };
                pages.insert(key, page);
            }
        }
        Ok(pages)
    }
}

impl<P: PageParent> TransactionPages<P> {
    /// Each parent's page of `limit` rows after `after`, in one statement (two past a cursor);
    /// every parent has one, empty when it has no transactions.
    async fn pages(
        &self,
        parents: &[Uuid],
        limit: u64,
        after: Option<&Cursor>,
    ) -> Result<HashMap<Uuid, Page>, AppError> {
        let mut pages = self.load_shape(parents, limit, after).await?;
        for parent_id in parents {
            pages.entry(*parent_id).or_default().page.has_previous_page = after.is_some();
        }
        Ok(pages)
    }

    async fn load_shape(
        &self,
        parents: &[Uuid],
        limit: u64,
        after: Option<&Cursor>,
    ) -> Result<HashMap<Uuid, Page>, AppError> {
        let mut values = self.scoped(parents);
        let after = match after {
            Some(Cursor {
                key: SortKey::Date(date),
                id,
            }) => Some((*date, *id)),
            _ => None,
        };
        let mut sql = ranked::<P>(&db::placeholders(parents.len()), EVERY_COLUMN, after.is_some(), true);
        if let Some((date, id)) = after {
            values.extend([Value::from(date), Value::from(date), Value::from(id)]);
        }
        sql.push_str(" ORDER BY parent_id, page_row");
        values.push(page_rows(limit).into());

        let rows = self
            .0
            .db
            .query_all_raw(db::statement(self.0.db.get_database_backend(), &sql, values))
            .await?;
        let mut pages: HashMap<Uuid, Page> = HashMap::new();
        for row in rows {
            let transaction = transactions::Model::from_query_result(&row, "")?;
            let total: i64 = row.try_get("", "parent_total")?;
            let page_row: i64 = row.try_get("", "page_row")?;
            let parent_id: Uuid = row.try_get("", "parent_id")?;
            let position = by_date(transaction.transaction_date, transaction.id);
            pages.entry(parent_id).or_default().take(
                u64::try_from(page_row).unwrap_or_default(),
                limit,
                u64::try_from(total).unwrap_or_default(),
                position,
                transaction,
            );
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
        let rows = P::rows(&db::placeholders(parents.len()), "t.id");
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

/// A `Transaction` field an answer written to JSON (`graphql::written`) can write from a
/// [`PageRow`]; the others (account, category, transfer, splits, cleared) leave the selection
/// to the executor.
pub enum TransactionField {
    Id,
    Amount,
    Currency,
    Description,
    TransactionDate,
    Type,
    Payee,
    CreatedAt,
    UpdatedAt,
}

/// Plans one field of a `Transaction` selection.
pub fn plan_transaction(field: Planned<'_>) -> Option<TransactionField> {
    Some(match field.name() {
        "id" => TransactionField::Id,
        "amount" => TransactionField::Amount,
        "currency" => TransactionField::Currency,
        "description" => TransactionField::Description,
        "transactionDate" => TransactionField::TransactionDate,
        "type" => TransactionField::Type,
        "payee" => TransactionField::Payee,
        "createdAt" => TransactionField::CreatedAt,
        "updatedAt" => TransactionField::UpdatedAt,
        _ => return None,
    })
}

/// The columns of a transaction a written answer reads: what [`TransactionField`] writes, not
/// every column of the table (a page is ~200 rows; decoding the other dozen columns, mostly
/// NULL, was a tenth of a nested read's CPU).
pub struct PageRow {
    pub id: Uuid,
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub transaction_date: NaiveDate,
    pub kind: transactions::TransactionType,
    pub payee: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// A ranked row (see [`ranked`]) as read by [`PageRow::decode`].
pub struct RankedRow {
    pub row: PageRow,
    /// 0 when the statement did not count.
    pub parent_total: u64,
    pub page_row: u64,
}

impl RankedRow {
    /// Adds it to its parent's `page` of `limit` rows.
    pub fn into_page(self, page: &mut Page<PageRow>, limit: u64) {
        let position = by_date(self.row.transaction_date, self.row.id);
        page.take(self.page_row, limit, self.parent_total, position, self.row);
    }
}

impl PageRow {
    /// The columns [`PageRow::decode`] reads, in order, from a [`ranked`] relation.
    pub const COLUMNS: [&'static str; 11] = [
        "id",
        "amount",
        "currency",
        "description",
        "transaction_date",
        "type",
        "payee",
        "created_at",
        "updated_at",
        "parent_total",
        "page_row",
    ];

    /// The columns of `transactions t` a [`ranked`] relation needs for [`PageRow::COLUMNS`]
    /// (all but the two it computes): sorting the window over these instead of every column
    /// took ~4 % off the dashboard's categories statement (`pgbench -M prepared`).
    pub fn transaction_columns() -> &'static str {
        static LISTED: LazyLock<String> = LazyLock::new(|| {
            let stored = &PageRow::COLUMNS[..PageRow::COLUMNS.len() - 2];
            stored
                .iter()
                .map(|column| format!("t.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        &LISTED
    }

    /// Reads [`PageRow::COLUMNS`] from `row`, starting at column `at`, by position.
    pub fn decode(row: &QueryResult, at: usize) -> Result<RankedRow, DbErr> {
        let kind: String = row.try_get_by_index(at + 5)?;
        let page_row = PageRow {
            id: row.try_get_by_index(at)?,
            amount: row.try_get_by_index(at + 1)?,
            currency: row.try_get_by_index(at + 2)?,
            description: row.try_get_by_index(at + 3)?,
            transaction_date: row.try_get_by_index(at + 4)?,
            kind: transactions::TransactionType::try_from_value(&kind)?,
            payee: row.try_get_by_index(at + 6)?,
            created_at: row.try_get_by_index(at + 7)?,
            updated_at: row.try_get_by_index(at + 8)?,
        };
        Ok(RankedRow {
            row: page_row,
            parent_total: u64::try_from(row.try_get_by_index::<Option<i64>>(at + 9)?.unwrap_or_default())
                .unwrap_or_default(),
            page_row: u64::try_from(row.try_get_by_index::<i64>(at + 10)?).unwrap_or_default(),
        })
    }
}

/// Writes `row` as the planned `Transaction`, exactly as `transactions::graphql` resolves it.
pub fn write_transaction(out: &mut JsonOut, selection: &Selection<TransactionField>, row: &PageRow) {
    out.object(selection, |out, field| match field {
        TransactionField::Id => out.id(row.id),
        TransactionField::Amount => out.quoted(Currency::of(&row.currency).amount(row.amount)),
        TransactionField::Currency => out.string(&row.currency),
        TransactionField::Description => out.string(&row.description),
        TransactionField::TransactionDate => out.quoted(row.transaction_date),
        TransactionField::Type => out.enumeration(TransactionType::from(row.kind)),
        TransactionField::Payee => out.opt_string(row.payee.as_deref()),
        TransactionField::CreatedAt => out.instant(row.created_at),
        TransactionField::UpdatedAt => out.instant(row.updated_at),
    });
}
