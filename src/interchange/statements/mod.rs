//! Importing a bank's statement file (OFX/QFX, QIF, CAMT.053, a mapped CSV) into one account as
//! an import batch. The same file twice is a no-op (its SHA-256); entries already imported are
//! duplicates (`plan`); an entry confirming a hand-entered transaction is linked to it instead
//! of repeated; the caller's rules file the new ones. Everything a batch writes is written in
//! one database transaction, and `revert` takes exactly that back.

pub mod batches;
pub mod plan;

use std::collections::HashMap;

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait, TryIntoModel,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::foundation::entities::import_batches::{self, ImportFormat};
use crate::foundation::entities::transactions::{self, Cleared, Column, Entity as Transactions, TransactionType};
use crate::{
    accounts,
    events::EventBus,
    foundation::{
        bank_files::{self, FileError, Statement, camt, csv_mapped, ofx, qif},
        db,
        error::{AppError, AppResult},
        money::Currency,
        ownership,
    },
    interchange::{csv_format::MAX_BYTES, names::CategoryIndex},
    rules::{self, edited::Edited, engine::Candidate},
};
use plan::{Entry, Fate, HandEntered, Unreadable};

/// Rows per INSERT: well under both databases' bind-parameter limits.
const INSERT_CHUNK: usize = 500;
/// import_ids per `IN` list when looking for duplicates.
const LOOKUP_CHUNK: usize = 500;
/// The widest window for matching hand-entered transactions.
pub const MAX_WINDOW_DAYS: i64 = 31;

/// How to read the file.
pub enum Source {
    Ofx,
    Qif(qif::DateOrder),
    Camt053,
    Csv(Box<csv_mapped::CsvMapping>),
}

impl Source {
    fn format(&self) -> ImportFormat {
        match self {
            Source::Ofx => ImportFormat::Ofx,
            Source::Qif(_) => ImportFormat::Qif,
            Source::Camt053 => ImportFormat::Camt053,
            Source::Csv(_) => ImportFormat::Csv,
        }
    }

    fn parse(&self, text: &str) -> Result<Statement, FileError> {
        match self {
            Source::Ofx => ofx::parse(text),
            Source::Qif(order) => qif::parse(text, *order),
            Source::Camt053 => camt::parse(text),
            Source::Csv(mapping) => csv_mapped::parse(text, mapping),
        }
    }
}

pub struct StatementImport<'a> {
    /// The default account when omitted.
    pub account_id: Option<Uuid>,
    pub source: Source,
    pub bytes: &'a [u8],
    pub file_name: Option<String>,
    pub dry_run: bool,
    /// How many days apart an entry and a hand-entered transaction may be and still match.
    pub window_days: i64,
}

/// What became of one entry.
#[derive(Debug, Clone)]
pub enum RowOutcome {
    /// A new transaction (its id; none in a dry run): `entry` with the rules' payee and
    /// description applied, its category, and the rule that filed it (the one that set its
    /// category, else its payee or description).
    New {
        entry: Entry,
        transaction_id: Option<Uuid>,
        category_id: Option<Uuid>,
        rule_id: Option<Uuid>,
    },
    Duplicate {
        entry: Entry,
        of: Option<Uuid>,
    },
    Matched {
        entry: Entry,
        transaction_id: Uuid,
    },
    Error(Unreadable),
}

pub struct ImportedStatement {
    /// The batch written (or, for a file already imported, the earlier one); none in a dry run.
    pub batch: Option<import_batches::Model>,
    pub already_imported: bool,
    /// Every entry in file order (empty when the file was already imported).
    pub rows: Vec<RowOutcome>,
    pub dry_run: bool,
    /// The account's: what the rows' amounts are in.
    pub currency: Currency,
}

impl ImportedStatement {
    /// A file the account already holds: nothing done.
    fn already(batch: Option<import_batches::Model>, dry_run: bool, currency: Currency) -> Self {
        ImportedStatement {
            batch,
            already_imported: true,
            rows: Vec::new(),
            dry_run,
            currency,
        }
    }
}

pub async fn import(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    request: StatementImport<'_>,
) -> AppResult<ImportedStatement> {
    if request.bytes.len() > MAX_BYTES {
        return Err(AppError::invalid("input.data", "is larger than 8 MB"));
    }
    if !(0..=MAX_WINDOW_DAYS).contains(&request.window_days) {
        return Err(AppError::invalid(
            "input.matchWindowDays",
            format!("must be between 0 and {MAX_WINDOW_DAYS}"),
        ));
    }
    let account = accounts::service::named_or_default(db, user_id, request.account_id, "input.accountId").await?;
    let currency = Currency::of(&account.currency);
    let file_hash = format!("{:x}", Sha256::digest(request.bytes));
    if let Some(earlier) = batches::live_with_hash(db, user_id, account.id, &file_hash).await? {
        return Ok(ImportedStatement::already(Some(earlier), request.dry_run, currency));
    }
    let statement = request
        .source
        .parse(&bank_files::decode(request.bytes))
        .map_err(|e| AppError::invalid("input.data", e.to_string()))?;
    if let Some(stated) = statement.currency.as_deref()
        && !stated.eq_ignore_ascii_case(currency.code())
    {
        return Err(AppError::invalid(
            "input.accountId",
            format!("the file is in {stated}; this account is in {}", currency.code()),
        ));
    }
    let (entries, errors) = plan::read(&statement, currency);
    let imported = stored_import_ids(db, user_id, account.id, &entries).await?;
    let hand_entered = hand_entered(db, user_id, account.id, &entries, request.window_days).await?;
    let fates = plan::decide(&entries, &imported, &hand_entered, request.window_days);

    let categories = CategoryIndex::load(db, user_id).await?;
    let rules = rules::service::load(db, user_id).await?;
    let category_ids = categories.ids();
    let mut rows: Vec<RowOutcome> = entries
        .into_iter()
        .zip(fates)
        .map(|(entry, fate)| match fate {
            Fate::Duplicate(of) => RowOutcome::Duplicate { entry, of },
            Fate::Matched(transaction_id) => RowOutcome::Matched { entry, transaction_id },
            Fate::New => {
                let mut entry = entry;
                // A category the file names (Quicken's own) comes first; rules fill the rest.
                let named = entry
                    .category
                    .as_deref()
                    .and_then(|n| categories.resolve(n, entry.date));
                let ruled = rules::apply::permitted(
                    rules.apply(&Candidate {
                        payee: entry.payee.as_deref(),
                        description: &entry.description,
                        amount: entry.amount,
                        currency: currency.code(),
                        kind: entry.kind,
                        account_id: account.id,
                    }),
                    &Edited::default(),
                    false,
                    false,
                    &category_ids,
                );
                let rule_id = ruled
                    .category
                    .map(|(_, rule)| rule)
                    .or(ruled.payee.as_ref().map(|(_, rule)| *rule))
                    .or(ruled.description.as_ref().map(|(_, rule)| *rule));
                if let Some((payee, _)) = ruled.payee {
                    entry.payee = Some(payee);
                }
                if let Some((description, _)) = ruled.description {
                    entry.description = description;
                }
                RowOutcome::New {
                    category_id: named.or(ruled.category.map(|(c, _)| c)),
                    entry,
                    transaction_id: (!request.dry_run).then(Uuid::now_v7),
                    rule_id,
                }
            }
        })
        .collect();
    rows.extend(errors.into_iter().map(RowOutcome::Error));
    rows.sort_by_key(|row| match row {
        RowOutcome::New { entry, .. } | RowOutcome::Duplicate { entry, .. } | RowOutcome::Matched { entry, .. } => {
            entry.entry
        }
        RowOutcome::Error(e) => e.entry,
    });
    if request.dry_run {
        return Ok(ImportedStatement {
            batch: None,
            already_imported: false,
            rows,
            dry_run: true,
            currency,
        });
    }
    let (batch, written) = match write(db, user_id, &account, &request, file_hash.clone(), &rows).await {
        // Another import of this file committed first: this one is the no-op it would have
        // been a moment later.
        Err(e) if db::is_unique_violation(&e, "idx_import_batches_live_file", "import_batches.file_hash") => {
            let earlier = batches::live_with_hash(db, user_id, account.id, &file_hash).await?;
            return Ok(ImportedStatement::already(earlier, false, currency));
        }
        written => written,
    }
    .map_err(|err| match err {
        e if db::is_unique_violation(&e, "idx_transactions_account_import_id", "import_id") => AppError::Conflict(
            "another import wrote some of these entries at the same moment; import the file again to see what is left"
                .into(),
        ),
        other => AppError::from(other),
    })?;
    // Committed: recognising scheduled payments among them is logged when it fails, not undone.
    if let Err(err) = crate::schedules::matching::link(db, user_id, &written).await {
        tracing::warn!(%user_id, error = %err, "matching imported transactions to schedules failed");
    }
    tracing::info!(%user_id, batch = %batch.id, imported = batch.imported, duplicates = batch.duplicates,
        matched = batch.matched, errors = batch.errors, "statement imported");
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(ImportedStatement {
        batch: Some(batch),
        already_imported: false,
        rows,
        dry_run: false,
        currency,
    })
}

/// Writes the batch, its new transactions and its links to hand-entered ones; returns the
/// batch and the transactions as written.
async fn write(
    db: &DatabaseConnection,
    user_id: Uuid,
    account: &crate::foundation::entities::accounts::Model,
    request: &StatementImport<'_>,
    file_hash: String,
    rows: &[RowOutcome],
) -> Result<(import_batches::Model, Vec<transactions::Model>), DbErr> {
    let count =
        |wanted: fn(&RowOutcome) -> bool| i32::try_from(rows.iter().filter(|r| wanted(r)).count()).unwrap_or(i32::MAX);
    let now = db::now();
    let txn = db.begin().await?;
    let batch = import_batches::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        account_id: Set(account.id),
        format: Set(request.source.format()),
        file_name: Set(request.file_name.clone()),
        file_hash: Set(file_hash),
        imported: Set(count(|r| matches!(r, RowOutcome::New { .. }))),
        duplicates: Set(count(|r| matches!(r, RowOutcome::Duplicate { .. }))),
        matched: Set(count(|r| matches!(r, RowOutcome::Matched { .. }))),
        errors: Set(count(|r| matches!(r, RowOutcome::Error(_)))),
        created_at: Set(now),
        reverted_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let fresh: Vec<transactions::ActiveModel> = rows
        .iter()
        .filter_map(|row| match row {
            RowOutcome::New {
                entry,
                transaction_id: Some(id),
                category_id,
                ..
            } => Some(transactions::ActiveModel {
                id: Set(*id),
                user_id: Set(user_id),
                account_id: Set(account.id),
                budget_category_id: Set(*category_id),
                amount: Set(entry.amount),
                currency: Set(account.currency.clone()),
                description: Set(entry.description.clone()),
                search_text: Set(transactions::search_text(&entry.description)),
                transaction_date: Set(entry.date),
                kind: Set(entry.kind),
                // The bank has it: that is what cleared means.
                cleared: Set(Cleared::Cleared),
                payee: Set(entry.payee.clone()),
                transfer_id: Set(None),
                has_splits: Set(false),
                import_batch_id: Set(Some(batch.id)),
                matched_batch_id: Set(None),
                import_id: Set(Some(entry.import_id.clone())),
                edited_fields: Set(String::new()),
                created_at: Set(now),
                updated_at: Set(now),
            }),
            _ => None,
        })
        .collect();
    for chunk in fresh.chunks(INSERT_CHUNK) {
        Transactions::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for row in rows {
        if let RowOutcome::Matched { entry, transaction_id } = row {
            Transactions::update_many()
                .set(transactions::ActiveModel {
                    import_id: Set(Some(entry.import_id.clone())),
                    matched_batch_id: Set(Some(batch.id)),
                    ..Default::default()
                })
                .filter(Column::UserId.eq(user_id))
                .filter(Column::Id.eq(*transaction_id))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    let written = fresh
        .into_iter()
        .map(TryIntoModel::try_into_model)
        .collect::<Result<_, _>>()?;
    Ok((batch, written))
}

/// The stored transactions of the account among the entries' import ids.
async fn stored_import_ids(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    account_id: Uuid,
    entries: &[Entry],
) -> AppResult<HashMap<String, Uuid>> {
    let mut found = HashMap::new();
    let ids: Vec<&str> = entries.iter().map(|e| e.import_id.as_str()).collect();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(Uuid, Option<String>)> = ownership::owned::<Transactions>(user_id)
            .select_only()
            .columns([Column::Id, Column::ImportId])
            .filter(Column::AccountId.eq(account_id))
            .filter(Column::ImportId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().filter_map(|(id, key)| key.map(|k| (k, id))));
    }
    Ok(found)
}

/// The account's income and expenses that no import has claimed, within the window of the
/// entries' dates.
async fn hand_entered(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    account_id: Uuid,
    entries: &[Entry],
    window_days: i64,
) -> AppResult<Vec<HandEntered>> {
    let (Some(first), Some(last)) = (
        entries.iter().map(|e| e.date).min(),
        entries.iter().map(|e| e.date).max(),
    ) else {
        return Ok(Vec::new());
    };
    let window = Duration::days(window_days);
    let rows: Vec<(Uuid, chrono::NaiveDate, i64, TransactionType)> = ownership::owned::<Transactions>(user_id)
        .select_only()
        .columns([Column::Id, Column::TransactionDate, Column::Amount, Column::Kind])
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ImportId.is_null())
        .filter(Column::Kind.is_in([TransactionType::Income, TransactionType::Expense]))
        .filter(Column::TransactionDate.between(first - window, last + window))
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, date, amount, kind)| HandEntered { id, date, amount, kind })
        .collect())
}
