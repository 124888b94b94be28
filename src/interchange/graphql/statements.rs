//! importStatement, importBatches, importBatch and revertImport.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, ResultExt, SimpleObject, Upload};
use axum::body::Bytes;

use crate::foundation::entities::import_batches as batch_rows;
use crate::{
    accounts::graphql::Account,
    events::EventBus,
    foundation::{
        bank_files::csv_mapped::CsvMapping,
        error::AppError,
        ids,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        files::uploaded,
        nodes::{Transaction, TransactionType},
        scalars::{Date, DateTime},
    },
    interchange::statements::{
        self, RowOutcome, Source, StatementImport,
        batches::{self, Reverted},
    },
};

/// The statement file formats `importStatement` reads.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::foundation::entities::import_batches::ImportFormat")]
pub enum StatementFormat {
    /// OFX or QFX, 1.x (SGML) or 2.x (XML).
    Ofx,
    /// Quicken Interchange Format.
    Qif,
    /// ISO 20022 bank-to-customer statement (camt.053) XML.
    #[graphql(name = "CAMT053")]
    Camt053,
    /// A bank's own CSV, read through `csv` columns.
    Csv,
}

/// How a QIF file writes its dates.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::foundation::bank_files::qif::DateOrder")]
pub enum QifDateOrder {
    /// 11/02/2026 is November 2 (Quicken US).
    MonthFirst,
    /// 02/11/2026 is November 2.
    DayFirst,
}

/// Which columns of a bank's CSV hold what (by their header), and how its numbers and dates
/// are written.
#[derive(InputObject)]
pub struct CsvColumnsInput {
    /// The date column.
    date: String,
    /// Its format in chrono's syntax: "%d.%m.%Y", "%m/%d/%Y", "%Y-%m-%d".
    date_format: String,
    /// A signed amount column; or else debit and credit.
    amount: Option<String>,
    /// Money out (its sign is ignored).
    debit: Option<String>,
    /// Money in.
    credit: Option<String>,
    /// The payee column.
    payee: Option<String>,
    /// The memo column.
    description: Option<String>,
    /// A column naming one of the caller's categories.
    category: Option<String>,
    /// "1.234,56": the comma is the decimal separator (false by default).
    decimal_comma: Option<bool>,
    /// Positive amounts are money out, as on card statements (false by default).
    positive_is_out: Option<bool>,
    /// One of `;` `,` tab `|`; by default whichever the header line has most of.
    delimiter: Option<String>,
    /// Lines before the header (0 by default).
    skip_lines: Option<i32>,
}

/// A statement file to import into one account.
#[derive(InputObject)]
pub struct ImportStatementInput {
    /// The file's format.
    format: StatementFormat,
    /// The file's text (at most 8 MB): UTF-8, with or without a BOM. Give this or `file`.
    data: Option<String>,
    /// The file itself, sent by the GraphQL multipart request spec (at most 8 MB): its bytes
    /// as the bank wrote them (UTF-8, a BOM, or Windows-1252). Give this or `data`.
    file: Option<Upload>,
    /// One of the caller's open accounts; the default account when omitted. The file's
    /// amounts are in its currency (a file stating another currency is refused).
    account_id: Option<ID>,
    /// The file's name, kept with the batch (an uploaded file's own name by default).
    file_name: Option<String>,
    /// Report what each entry would become and write nothing.
    dry_run: Option<bool>,
    /// How many days apart an entry and a transaction entered by hand (same account, type and
    /// amount) may be for the entry to confirm it instead of adding a second one: 0 (same day
    /// only) to 31; 3 by default.
    match_window_days: Option<i32>,
    /// QIF only: MONTH_FIRST by default.
    qif_date_order: Option<QifDateOrder>,
    /// CSV only: which columns hold what.
    csv: Option<CsvColumnsInput>,
}

/// What became of one entry of a statement.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportRowStatus {
    /// A new transaction (or, in a dry run, would be).
    New,
    /// Confirms a transaction entered by hand, which is linked to it instead of repeated.
    Matched,
    /// Already imported (the bank's id, or amount, date and occurrence, are in the account).
    Duplicate,
    /// Could not be read; nothing was written for it.
    Error,
}

/// One entry of a statement and what became of it.
#[derive(SimpleObject)]
pub struct ImportRow {
    /// Its position among the file's entries (1-based).
    entry: i32,
    /// What became of it.
    status: ImportRowStatus,
    /// Its date (null for an ERROR).
    date: Option<Date>,
    /// Its amount in the account's currency, positive (null for an ERROR).
    amount: Option<Money>,
    /// INCOME or EXPENSE (null for an ERROR).
    #[graphql(name = "type")]
    kind: Option<TransactionType>,
    /// The payee, after rules.
    payee: Option<String>,
    /// The description, after rules.
    description: Option<String>,
    /// Why it could not be read (ERROR only).
    message: Option<String>,
    /// The transaction created (NEW, not in a dry run), confirmed (MATCHED) or duplicated
    /// (DUPLICATE, when it is stored).
    transaction_id: Option<ID>,
    /// The category it is filed under (NEW).
    category_id: Option<ID>,
    /// The rule that filed it (NEW; the rule that set its category, else its payee or
    /// description).
    rule_id: Option<ID>,
}

impl ImportRow {
    fn new(row: RowOutcome, currency: Currency) -> Self {
        let blank = |entry: usize, status| ImportRow {
            entry: i32::try_from(entry).unwrap_or(i32::MAX),
            status,
            date: None,
            amount: None,
            kind: None,
            payee: None,
            description: None,
            message: None,
            transaction_id: None,
            category_id: None,
            rule_id: None,
        };
        let read = |entry: &statements::plan::Entry, status| ImportRow {
            date: Some(Date(entry.date)),
            amount: Some(currency.amount(entry.amount)),
            kind: Some(TransactionType::from(entry.kind)),
            payee: entry.payee.clone(),
            description: Some(entry.description.clone()),
            ..blank(entry.entry, status)
        };
        match row {
            RowOutcome::Error(unreadable) => ImportRow {
                message: Some(unreadable.message),
                ..blank(unreadable.entry, ImportRowStatus::Error)
            },
            RowOutcome::Duplicate { entry, of } => ImportRow {
                transaction_id: of.map(ids::to_id),
                ..read(&entry, ImportRowStatus::Duplicate)
            },
            RowOutcome::Matched { entry, transaction_id } => ImportRow {
                transaction_id: Some(ids::to_id(transaction_id)),
                ..read(&entry, ImportRowStatus::Matched)
            },
            RowOutcome::New {
                entry,
                transaction_id,
                category_id,
                rule_id,
            } => ImportRow {
                transaction_id: transaction_id.map(ids::to_id),
                category_id: category_id.map(ids::to_id),
                rule_id: rule_id.map(ids::to_id),
                ..read(&entry, ImportRowStatus::New)
            },
        }
    }
}

/// One statement file imported into one account.
pub struct ImportBatch(pub batch_rows::Model);

/// One statement file imported into one account: what it added, and what it found already
/// there.
#[Object]
impl ImportBatch {
    /// The batch's id; `revertImport` takes it.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// The account it was imported into.
    async fn account(&self, ctx: &Context<'_>) -> Result<Account> {
        Account::load(ctx, self.0.account_id).await
    }
    /// The file's format.
    async fn format(&self) -> StatementFormat {
        self.0.format.into()
    }
    /// The file's name, when the import gave one.
    async fn file_name(&self) -> Option<&str> {
        self.0.file_name.as_deref()
    }
    /// SHA-256 of the file (hex): importing the same file into the account again does nothing
    /// while this batch stands.
    async fn file_hash(&self) -> &str {
        &self.0.file_hash
    }
    /// When it was imported.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it was reverted; null while it stands.
    async fn reverted_at(&self) -> Option<DateTime> {
        self.0.reverted_at.map(DateTime)
    }
    /// Transactions it created.
    async fn imported(&self) -> i32 {
        self.0.imported
    }
    /// Entries already in the account.
    async fn duplicates(&self) -> i32 {
        self.0.duplicates
    }
    /// Entries that confirmed a transaction entered by hand.
    async fn matched(&self) -> i32 {
        self.0.matched
    }
    /// Entries that could not be read.
    async fn errors(&self) -> i32 {
        self.0.errors
    }
}

/// What `importStatement` did, or with dryRun would do.
#[derive(SimpleObject)]
pub struct ImportStatementResult {
    /// True when nothing was written.
    dry_run: bool,
    /// The file was imported into this account before (and not reverted): nothing was done,
    /// and `batch` is that import.
    already_imported: bool,
    /// The batch written (or the earlier one); null in a dry run.
    batch: Option<ImportBatch>,
    /// Every entry in file order (empty when already imported).
    rows: Vec<ImportRow>,
}

/// What `revertImport` did.
#[derive(SimpleObject)]
pub struct RevertImportResult {
    /// The batch, now with `revertedAt`.
    batch: ImportBatch,
    /// Transactions it had created, now deleted.
    removed: i32,
    /// Hand-entered transactions it had confirmed, now unlinked (they stay as they are).
    unlinked: i32,
    /// Transactions it had created that someone edited since: kept.
    kept: Vec<Transaction>,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn source(input: &mut ImportStatementInput) -> Result<Source, AppError> {
    Ok(match input.format {
        StatementFormat::Ofx => Source::Ofx,
        StatementFormat::Camt053 => Source::Camt053,
        StatementFormat::Qif => Source::Qif(input.qif_date_order.map(Into::into).unwrap_or_default()),
        StatementFormat::Csv => {
            let columns = input
                .csv
                .take()
                .ok_or_else(|| AppError::invalid("input.csv", "is needed for CSV: which columns hold what"))?;
            let delimiter = match columns.delimiter.as_deref() {
                None => None,
                Some(";") => Some(b';'),
                Some(",") => Some(b','),
                Some("\t") => Some(b'\t'),
                Some("|") => Some(b'|'),
                Some(_) => return Err(AppError::invalid("input.csv.delimiter", "must be one of ; , tab |")),
            };
            let skip_lines = usize::try_from(columns.skip_lines.unwrap_or(0))
                .ok()
                .filter(|n| *n <= 100)
                .ok_or_else(|| AppError::invalid("input.csv.skipLines", "must be between 0 and 100"))?;
            Source::Csv(Box::new(CsvMapping {
                date: columns.date,
                date_format: columns.date_format,
                amount: columns.amount,
                debit: columns.debit,
                credit: columns.credit,
                payee: columns.payee,
                description: columns.description,
                category: columns.category,
                decimal_comma: columns.decimal_comma.unwrap_or(false),
                positive_is_out: columns.positive_is_out.unwrap_or(false),
                delimiter,
                skip_lines,
            }))
        }
    })
}

#[derive(Default)]
pub struct StatementsQuery;

#[Object]
impl StatementsQuery {
    /// The caller's imports, newest first (at most 200), of one account or all.
    async fn import_batches(&self, ctx: &Context<'_>, account_id: Option<ID>) -> Result<Vec<ImportBatch>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let account_id = account_id.as_ref().map(ids::parse_or_nil);
        let rows = batches::list(db, caller.id, account_id).await.extend()?;
        Ok(rows.into_iter().map(ImportBatch).collect())
    }

    /// One of the caller's imports; null for any other id.
    async fn import_batch(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ImportBatch>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        batches::find(db, caller.id, id)
            .await
            .map(|b| b.map(ImportBatch))
            .extend()
    }
}

#[derive(Default)]
pub struct StatementsMutation;

#[Object]
impl StatementsMutation {
    /// Imports a bank statement (OFX/QFX, QIF, CAMT.053 or a mapped CSV) into one account as
    /// a batch: entries already imported are skipped, entries confirming a transaction
    /// entered by hand are linked to it, the caller's rules file the new ones, and unreadable
    /// entries are reported. The same file twice does nothing. Written in one database
    /// transaction; `revertImport` takes it back.
    async fn import_statement(
        &self,
        ctx: &Context<'_>,
        mut input: ImportStatementInput,
    ) -> Result<ImportStatementResult> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let source = source(&mut input).extend()?;
        let (bytes, uploaded_name) = match (input.data.take(), &input.file) {
            (Some(data), None) => (Bytes::from(data), None),
            (None, Some(upload)) => {
                let file = uploaded(ctx, upload, "input.file").extend()?;
                (file.bytes, Some(file.name))
            }
            (None, None) => {
                return Err(AppError::invalid(
                    "input",
                    "needs data (the file's text) or file (an upload)",
                ))
                .extend();
            }
            (Some(_), Some(_)) => return Err(AppError::invalid("input", "give data or file, not both")).extend(),
        };
        let request = StatementImport {
            account_id: input.account_id.as_ref().map(ids::parse_or_nil),
            source,
            bytes: &bytes,
            file_name: input.file_name.or(uploaded_name),
            dry_run: input.dry_run.unwrap_or(false),
            window_days: i64::from(input.match_window_days.unwrap_or(3)),
        };
        let imported = statements::import(db, events, caller.id, request).await.extend()?;
        Ok(ImportStatementResult {
            dry_run: imported.dry_run,
            already_imported: imported.already_imported,
            batch: imported.batch.map(ImportBatch),
            rows: imported
                .rows
                .into_iter()
                .map(|row| ImportRow::new(row, imported.currency))
                .collect(),
        })
    }

    /// Takes an import back in one database transaction: deletes the transactions it created
    /// (those edited since are kept and listed) and unlinks the ones it confirmed.
    async fn revert_import(&self, ctx: &Context<'_>, id: ID) -> Result<RevertImportResult> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("import batch")).extend()?;
        let Reverted {
            batch,
            removed,
            kept,
            unlinked,
        } = batches::revert(db, caller.id, id).await.extend()?;
        Ok(RevertImportResult {
            batch: ImportBatch(batch),
            removed: count(removed),
            unlinked: count(unlinked),
            kept: kept.into_iter().map(Transaction).collect(),
        })
    }
}
