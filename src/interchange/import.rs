//! CSV import. A file is validated whole before anything is written, then written in one
//! database transaction: any bad line means nothing is written. Rows go into the accounts they
//! name (or the import's), split lines with their transaction, transfer legs as pairs.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter, QuerySelect, Set, TransactionTrait};
use uuid::Uuid;

use crate::foundation::entities::{
    transaction_splits,
    transactions::{self, Column, Entity as Transactions, TransactionType},
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
    interchange::{
        csv_format::{self, Checks, LineError, Place, Row},
        names::{AccountIndex, CategoryIndex},
    },
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

/// Validates the file, matches accounts and categories by name, pairs transfer legs, skips
/// rows already present, and (unless `dry_run`) writes the rest in one transaction.
pub async fn import_csv(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    account_id: Option<Uuid>,
    data: &str,
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    let default = accounts::service::named_or_default(db, user_id, account_id, "input.accountId").await?;
    let places = AccountIndex::load(db, user_id).await?;
    let categories = CategoryIndex::load(db, user_id).await?;
    let checks = Checks {
        default: Place {
            account_id: default.id,
            currency: Currency::of(&default.currency),
        },
        account: &|name| places.find(name),
        known_category: &|name| categories.knows(name),
    };
    let (rows, mut errors) =
        csv_format::read(data, &checks).map_err(|e| AppError::invalid("input.data", e.to_string()))?;
    errors.extend(unpaired_legs(&rows));
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.truncate(MAX_REPORTED_ERRORS);
        return Ok(ImportOutcome {
            errors,
            dry_run,
            ..ImportOutcome::default()
        });
    }

    let existing = existing_counts(db, user_id, &rows).await?;
    let mut seen: HashMap<Key, usize> = HashMap::new();
    // The n-th copy of a row in the file is a duplicate when its account already holds n.
    let mut is_new = |row: &Row| {
        let key = Key::of(row);
        let occurrence = seen.entry(key.clone()).and_modify(|n| *n += 1).or_insert(1);
        *occurrence > existing.get(&key).copied().unwrap_or(0)
    };
    let total = rows.len();
    let mut fresh = Vec::with_capacity(total);
    let mut legs: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for row in rows {
        match &row.transfer {
            Some(reference) => legs.entry(reference.clone()).or_default().push(row),
            None => {
                if is_new(&row) {
                    fresh.push(planned(row, None, &categories));
                }
            }
        }
    }
    // A transfer is a duplicate when both its legs are.
    for pair in legs.into_values() {
        // Both legs are counted (not short-circuited): each consumes its copy of a row.
        let new: Vec<bool> = pair.iter().map(&mut is_new).collect();
        if new.contains(&true) {
            let transfer_id = Some(Uuid::now_v7());
            fresh.extend(pair.into_iter().map(|leg| planned(leg, transfer_id, &categories)));
        }
    }
    let outcome = ImportOutcome {
        imported: fresh.len(),
        skipped_duplicates: total - fresh.len(),
        errors: Vec::new(),
        dry_run,
    };
    if dry_run || fresh.is_empty() {
        return Ok(outcome);
    }
    write(db, user_id, &fresh).await?;
    tracing::info!(%user_id, imported = outcome.imported, skipped = outcome.skipped_duplicates, "transactions imported");
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(outcome)
}

/// A row ready to write: its id, its category (or its split lines' categories), its transfer.
struct Planned {
    id: Uuid,
    row: Row,
    category_id: Option<Uuid>,
    splits: Vec<(Option<Uuid>, i64, Option<String>)>,
    transfer_id: Option<Uuid>,
}

fn planned(row: Row, transfer_id: Option<Uuid>, categories: &CategoryIndex) -> Planned {
    let resolve = |name: &Option<String>| name.as_deref().and_then(|n| categories.resolve(n, row.date));
    Planned {
        id: Uuid::now_v7(),
        category_id: resolve(&row.category),
        splits: row
            .splits
            .iter()
            .map(|line| (resolve(&line.category), line.amount, line.description.clone()))
            .collect(),
        row,
        transfer_id,
    }
}

/// Writes the rows and their split lines in one database transaction, then recognises the
/// scheduled ones among them.
async fn write(db: &DatabaseConnection, user_id: Uuid, fresh: &[Planned]) -> AppResult<()> {
    let now = db::now();
    let txn = db.begin().await?;
    for chunk in fresh.chunks(INSERT_CHUNK) {
        let models = chunk.iter().map(|p| transactions::ActiveModel {
            id: Set(p.id),
            user_id: Set(user_id),
            account_id: Set(p.row.place.account_id),
            budget_category_id: Set(p.category_id),
            amount: Set(p.row.amount),
            currency: Set(p.row.place.currency.code().to_owned()),
            cleared: Set(p.row.cleared),
            payee: Set(p.row.payee.clone()),
            transfer_id: Set(p.transfer_id),
            has_splits: Set(!p.splits.is_empty()),
            // insert_many skips before_save, so the search text is set here.
            search_text: Set(transactions::search_text(&p.row.description)),
            import_batch_id: NotSet,
            matched_batch_id: NotSet,
            import_id: NotSet,
            edited_fields: NotSet,
            description: Set(p.row.description.clone()),
            transaction_date: Set(p.row.date),
            kind: Set(p.row.kind),
            created_at: Set(now),
            updated_at: Set(now),
        });
        Transactions::insert_many(models).exec_without_returning(&txn).await?;
    }
    let lines: Vec<transaction_splits::ActiveModel> = fresh
        .iter()
        .flat_map(|p| {
            (0_i32..)
                .zip(&p.splits)
                .map(
                    move |(position, (category, amount, description))| transaction_splits::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        user_id: Set(user_id),
                        transaction_id: Set(p.id),
                        budget_category_id: Set(*category),
                        amount: Set(*amount),
                        description: Set(description.clone()),
                        position: Set(position),
                        created_at: Set(now),
                    },
                )
        })
        .collect();
    for chunk in lines.chunks(INSERT_CHUNK) {
        transaction_splits::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    let written: Vec<transactions::Model> = fresh
        .iter()
        .filter(|p| p.transfer_id.is_none() && p.splits.is_empty())
        .map(|p| transactions::Model {
            id: p.id,
            user_id,
            account_id: p.row.place.account_id,
            budget_category_id: p.category_id,
            amount: p.row.amount,
            currency: p.row.place.currency.code().to_owned(),
            description: p.row.description.clone(),
            transaction_date: p.row.date,
            kind: p.row.kind,
            cleared: p.row.cleared,
            payee: p.row.payee.clone(),
            transfer_id: None,
            has_splits: false,
            search_text: String::new(),
            import_batch_id: None,
            matched_batch_id: None,
            import_id: None,
            edited_fields: String::new(),
            created_at: now,
            updated_at: now,
        })
        .collect();
    // Committed: a failure to recognise scheduled rows is logged, not a failed import.
    if let Err(err) = crate::schedules::matching::link(db, user_id, &written).await {
        tracing::warn!(%user_id, error = %err, "matching imported transactions to schedules failed");
    }
    Ok(())
}

/// Transfer legs whose reference does not name exactly one `transfer_out` and one
/// `transfer_in` row, in two different accounts, on one day.
fn unpaired_legs(rows: &[Row]) -> Vec<LineError> {
    let mut by_reference: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in rows {
        if let Some(reference) = &row.transfer {
            by_reference.entry(reference).or_default().push(row);
        }
    }
    let mut errors = Vec::new();
    for (reference, legs) in by_reference {
        let problem = match legs.as_slice() {
            [a, b] if a.kind == b.kind => Some("needs one transfer_out and one transfer_in row"),
            [a, b] if a.place.account_id == b.place.account_id => Some("moves money between two different accounts"),
            [a, b] if a.date != b.date => Some("has both legs on one day"),
            [_, _] => None,
            _ => Some("needs one transfer_out and one transfer_in row"),
        };
        if let Some(problem) = problem {
            errors.extend(legs.iter().map(|leg| LineError {
                line: leg.line,
                message: format!("transfer: {reference:?} {problem}"),
            }));
        }
    }
    errors
}

/// What makes two rows the same transaction for de-duplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    account_id: Uuid,
    date: NaiveDate,
    amount: i64,
    description: String,
    kind: TransactionType,
}

impl Key {
    fn of(row: &Row) -> Self {
        Key {
            account_id: row.place.account_id,
            date: row.date,
            amount: row.amount,
            description: row.description.clone(),
            kind: row.kind,
        }
    }
}

/// How many of each row the accounts already hold, counted in SQL over the file's dates.
async fn existing_counts(db: &DatabaseConnection, user_id: Uuid, rows: &[Row]) -> AppResult<HashMap<Key, usize>> {
    let (Some(first), Some(last)) = (rows.iter().map(|r| r.date).min(), rows.iter().map(|r| r.date).max()) else {
        return Ok(HashMap::new());
    };
    let mut accounts: Vec<Uuid> = rows.iter().map(|r| r.place.account_id).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let counts: Vec<(Uuid, NaiveDate, i64, String, TransactionType, i64)> = ownership::owned::<Transactions>(user_id)
        .select_only()
        .columns([
            Column::AccountId,
            Column::TransactionDate,
            Column::Amount,
            Column::Description,
            Column::Kind,
        ])
        .expr(sea_orm::sea_query::Expr::cust("COUNT(*)"))
        .filter(Column::AccountId.is_in(accounts))
        .filter(Column::TransactionDate.between(first, last))
        .group_by(Column::AccountId)
        .group_by(Column::TransactionDate)
        .group_by(Column::Amount)
        .group_by(Column::Description)
        .group_by(Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(account_id, date, amount, description, kind, n)| {
            (
                Key {
                    account_id,
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
