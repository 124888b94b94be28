//! Import and export. An import is validated whole before anything is written, then written
//! in one database transaction: any bad line means nothing is written.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    db,
    entities::{
        budget_categories, budgets,
        transactions::{self, Column, Entity as Transactions, TransactionType},
    },
    error::{AppError, AppResult},
    events::EventBus,
    money::Money,
    ownership,
    pagination::{Direction, Keyset, Page, Paged, SortKey},
    transactions::service::{TransactionFilter, condition, filtered},
    transfer::csv_format::{self, LineError, Row},
};

/// Rows per INSERT: well under PostgreSQL's 65,535 and SQLite's 32,766 bind parameters.
const INSERT_CHUNK: usize = 1_000;
/// Rows per page when exporting.
pub const EXPORT_PAGE: u64 = 1_000;
/// The most rows a single GraphQL export returns; the streamed download has no limit.
pub const EXPORT_MAX_ROWS: u64 = 50_000;
/// The most line errors reported for one file.
const MAX_REPORTED_ERRORS: usize = 1_000;

#[derive(Debug, Default)]
pub struct ImportOutcome {
    pub imported: usize,
    pub skipped_duplicates: usize,
    pub errors: Vec<LineError>,
    pub dry_run: bool,
}

/// Validates the file, matches categories by name, skips rows already present, and (unless
/// `dry_run`) writes the rest in one transaction.
pub async fn import_csv(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    data: &str,
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    let categories = CategoryIndex::load(db, user_id).await?;
    let (rows, mut errors) = csv_format::read(data, |name| categories.knows(name))
        .map_err(|e| AppError::invalid("input.data", e.to_string()))?;
    let resolved: Vec<(Row, Option<Uuid>)> = rows
        .into_iter()
        .map(|row| {
            let category_id = row
                .category
                .as_deref()
                .and_then(|name| categories.resolve(name, row.date));
            (row, category_id)
        })
        .collect();
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.truncate(MAX_REPORTED_ERRORS);
        return Ok(ImportOutcome {
            errors,
            dry_run,
            ..ImportOutcome::default()
        });
    }

    let existing = existing_counts(db, user_id, &resolved).await?;
    let mut seen: HashMap<Key, usize> = HashMap::new();
    let mut fresh = Vec::with_capacity(resolved.len());
    for (row, category_id) in resolved {
        // The n-th copy of a row in the file is a duplicate when the account already holds n.
        let key = Key::of(&row);
        let occurrence = seen.entry(key.clone()).and_modify(|n| *n += 1).or_insert(1);
        if *occurrence > existing.get(&key).copied().unwrap_or(0) {
            fresh.push((row, category_id));
        }
    }
    let outcome = ImportOutcome {
        imported: fresh.len(),
        skipped_duplicates: seen.values().sum::<usize>() - fresh.len(),
        errors: Vec::new(),
        dry_run,
    };
    if dry_run || fresh.is_empty() {
        return Ok(outcome);
    }

    let now = db::now();
    let txn = db.begin().await?;
    for chunk in fresh.chunks(INSERT_CHUNK) {
        let models = chunk.iter().map(|(row, category_id)| transactions::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            budget_category_id: Set(*category_id),
            amount: Set(row.amount.minor()),
            // insert_many skips before_save, so the search text is set here.
            search_text: Set(transactions::search_text(&row.description)),
            description: Set(row.description.clone()),
            transaction_date: Set(row.date),
            kind: Set(row.kind),
            created_at: Set(now),
            updated_at: Set(now),
        });
        Transactions::insert_many(models).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    tracing::info!(%user_id, imported = outcome.imported, skipped = outcome.skipped_duplicates, "transactions imported");
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(outcome)
}

/// What makes two rows the same transaction for de-duplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    date: NaiveDate,
    amount: i64,
    description: String,
    kind: TransactionType,
}

impl Key {
    fn of(row: &Row) -> Self {
        Key {
            date: row.date,
            amount: row.amount.minor(),
            description: row.description.clone(),
            kind: row.kind,
        }
    }
}

/// How many of each row the account already holds, counted in SQL over the file's dates.
async fn existing_counts(
    db: &DatabaseConnection,
    user_id: Uuid,
    rows: &[(Row, Option<Uuid>)],
) -> AppResult<HashMap<Key, usize>> {
    let (Some(first), Some(last)) = (
        rows.iter().map(|(r, _)| r.date).min(),
        rows.iter().map(|(r, _)| r.date).max(),
    ) else {
        return Ok(HashMap::new());
    };
    let counts: Vec<(NaiveDate, i64, String, TransactionType, i64)> = ownership::owned::<Transactions>(user_id)
        .select_only()
        .columns([
            Column::TransactionDate,
            Column::Amount,
            Column::Description,
            Column::Kind,
        ])
        .expr(sea_orm::sea_query::Expr::cust("COUNT(*)"))
        .filter(Column::TransactionDate.between(first, last))
        .group_by(Column::TransactionDate)
        .group_by(Column::Amount)
        .group_by(Column::Description)
        .group_by(Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(date, amount, description, kind, n)| {
            (
                Key {
                    date,
                    amount,
                    description,
                    kind,
                },
                usize::try_from(n).unwrap_or(0),
            )
        })
        .collect())
}

/// The caller's categories by lower-cased name, with their budgets' dates.
struct CategoryIndex(HashMap<String, Vec<(Uuid, NaiveDate, NaiveDate)>>);

impl CategoryIndex {
    async fn load(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Self> {
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

    fn knows(&self, name: &str) -> bool {
        self.0.contains_key(&name.trim().to_lowercase())
    }

    /// Same-named categories exist in many budgets (a "Food" per month): take the one whose
    /// budget covers the date, else the newest.
    fn resolve(&self, name: &str, date: NaiveDate) -> Option<Uuid> {
        let candidates = self.0.get(&name.trim().to_lowercase())?;
        candidates
            .iter()
            .find(|(_, start, end)| *start <= date && date <= *end)
            .or(candidates.first())
            .map(|(id, _, _)| *id)
    }
}

/// One page of matching transactions in export order (oldest first), with category names.
pub async fn export_page(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    after: Option<crate::pagination::Cursor>,
) -> AppResult<(Paged<transactions::Model>, HashMap<Uuid, String>)> {
    let page = Page {
        limit: EXPORT_PAGE,
        direction: Direction::Forward,
        cursor: after,
    };
    let keyset = Keyset {
        scope: "export",
        key: Some(Column::TransactionDate),
        id: Column::Id,
        descending: false,
    };
    let rows = crate::pagination::fetch(db, filtered(user_id, filter)?, &page, keyset, |t| {
        crate::pagination::Cursor {
            key: SortKey::Date(t.transaction_date),
            id: t.id,
        }
    })
    .await?;
    let ids: Vec<Uuid> = rows.items.iter().filter_map(|(_, t)| t.budget_category_id).collect();
    let names = if ids.is_empty() {
        HashMap::new()
    } else {
        crate::budgets::service::categories_by_ids(db, user_id, &ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    };
    Ok((rows, names))
}

/// CSV text for `rows`, with the header when `header` is set.
pub fn csv_text(rows: &Paged<transactions::Model>, names: &HashMap<Uuid, String>, header: bool) -> AppResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    if header {
        writer.write_record(csv_format::HEADER).map_err(AppError::internal)?;
    }
    for (_, t) in &rows.items {
        let category = t.budget_category_id.and_then(|id| names.get(&id)).map(String::as_str);
        writer
            .write_record(csv_format::cells(
                t.transaction_date,
                &t.description,
                Money::from_db(t.amount),
                t.kind,
                category,
            ))
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

#[derive(Debug, Clone, Copy)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// Every matching transaction as one CSV or JSON document (at most `EXPORT_MAX_ROWS`).
pub async fn export(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    format: ExportFormat,
) -> AppResult<String> {
    let total = Transactions::find()
        .filter(condition(user_id, filter))
        .count(db)
        .await?;
    if total > EXPORT_MAX_ROWS {
        return Err(AppError::invalid(
            "filter",
            format!(
                "matches {total} transactions; export at most {EXPORT_MAX_ROWS} at once, or download /export/transactions.csv"
            ),
        ));
    }
    let mut csv = Vec::new();
    let mut json_rows = Vec::new();
    let mut after = None;
    loop {
        let (page, names) = export_page(db, user_id, filter, after).await?;
        match format {
            ExportFormat::Csv => csv.extend(csv_text(&page, &names, csv.is_empty())?),
            ExportFormat::Json => json_rows.extend(page.items.iter().map(|(_, t)| {
                let kind = if t.kind == TransactionType::Income { "income" } else { "expense" };
                let category = t.budget_category_id.and_then(|id| names.get(&id));
                json!({ "date": t.transaction_date, "description": t.description, "amount": Money::from_db(t.amount).to_string(), "type": kind, "category": category })
            })),
        }
        if !page.has_next_page {
            break;
        }
        after = page.items.last().map(|(_, t)| crate::pagination::Cursor {
            key: SortKey::Date(t.transaction_date),
            id: t.id,
        });
    }
    match format {
        ExportFormat::Csv if csv.is_empty() => Ok(csv_format::HEADER.join(",") + "\n"),
        ExportFormat::Csv => String::from_utf8(csv).map_err(AppError::internal),
        ExportFormat::Json => serde_json::to_string(&json_rows).map_err(AppError::internal),
    }
}
