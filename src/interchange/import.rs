//! CSV import. A file is validated whole before anything is written, then written in one
//! database transaction: any bad line means nothing is written.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait};
use uuid::Uuid;

use crate::foundation::entities::{
    budget_categories, budgets,
    transactions::{self, Cleared, Column, Entity as Transactions, TransactionType},
};
use crate::{
    accounts,
    events::EventBus,
    foundation::{
        db,
        error::{AppError, AppResult},
        money::Currency,
        ownership,
    },
    interchange::csv_format::{self, LineError, Row},
};

/// Rows per INSERT: well under PostgreSQL's 65,535 and SQLite's 32,766 bind parameters.
const INSERT_CHUNK: usize = 1_000;
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
    account_id: Option<Uuid>,
    data: &str,
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    let account = accounts::service::named_or_default(db, user_id, account_id, "input.accountId").await?;
    let categories = CategoryIndex::load(db, user_id).await?;
    // The file's amounts are in the account's currency.
    let currency = Currency::of(&account.currency);
    let (rows, mut errors) = csv_format::read(data, currency, |name| categories.knows(name))
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

    let existing = existing_counts(db, user_id, account.id, &resolved).await?;
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
            account_id: Set(account.id),
            budget_category_id: Set(*category_id),
            amount: Set(row.amount),
            currency: Set(currency.code().to_owned()),
            cleared: Set(Cleared::Uncleared),
            payee: Set(None),
            transfer_id: Set(None),
            has_splits: Set(false),
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
            amount: row.amount,
            description: row.description.clone(),
            kind: row.kind,
        }
    }
}

/// How many of each row the account already holds, counted in SQL over the file's dates.
async fn existing_counts(
    db: &DatabaseConnection,
    user_id: Uuid,
    account_id: Uuid,
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
        .filter(Column::AccountId.eq(account_id))
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
