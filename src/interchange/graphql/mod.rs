//! importTransactions and exportTransactions; statement imports in `statements`.

mod statements;

pub use statements::{StatementsMutation, StatementsQuery};

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, ResultExt, SimpleObject};

use crate::{
    events::EventBus,
    foundation::ids,
    graphql::{ContextExt, files::ImportRowError},
    interchange::{
        export::{self, ExportFormat as Format},
        import,
    },
    transactions::{filter::check_filter, graphql::TransactionFilter},
};

/// File formats that can be imported.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportFormat {
    Csv,
}

/// File formats that can be exported.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// A file of transactions to import.
#[derive(InputObject)]
pub struct ImportTransactionsInput {
    /// The file's format.
    format: ImportFormat,
    /// The file's text, at most 8 MB and 100,000 rows; header: date,description,amount,type and
    /// optionally category,account,currency,payee,cleared,splits,transfer (an export's columns).
    data: String,
    /// Validate and report, write nothing.
    dry_run: Option<bool>,
    /// The open account rows without an `account` column go into (the default account when
    /// omitted); amounts are in their account's currency and duplicates are looked for there.
    account_id: Option<ID>,
}

/// What an import did (or, with dryRun, would do).
#[derive(SimpleObject)]
pub struct ImportResult {
    /// Rows written (or that would be); 0 when there are errors.
    imported: i64,
    /// Rows identical (date, amount, description, type) to ones already in the account.
    skipped_duplicates: i64,
    /// Every bad line; any error means nothing was written.
    errors: Vec<ImportRowError>,
    /// Whether this was a dry run.
    dry_run: bool,
}

#[derive(Default)]
pub struct InterchangeQuery;

#[Object]
impl InterchangeQuery {
    /// The matching transactions (at most 50,000) as CSV (header
    /// date,description,amount,type,category,account,currency,payee,cleared,splits,transfer) or
    /// JSON, oldest first; importTransactions reads either CSV back whole. Cells that start with
    /// = + - @ or a tab are prefixed with ' so spreadsheets do not run them as formulas.
    async fn export_transactions(
        &self,
        ctx: &Context<'_>,
        filter: Option<TransactionFilter>,
        format: ExportFormat,
    ) -> Result<String> {
        let (db, caller) = ctx.authenticated().extend()?;
        let filter = filter.unwrap_or_default().into();
        check_filter(&filter).extend()?;
        let format = match format {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Json => Format::Json,
        };
        export::export(db, caller.id, &filter, format).await.extend()
    }
}

#[derive(Default)]
pub struct InterchangeMutation;

#[Object]
impl InterchangeMutation {
    /// Imports a CSV file, all or nothing: every line is validated first, categories are
    /// matched by name, rows already in the account are skipped, and the rest is written in
    /// one transaction.
    async fn import_transactions(&self, ctx: &Context<'_>, input: ImportTransactionsInput) -> Result<ImportResult> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let ImportFormat::Csv = input.format;
        let outcome = import::import_csv(
            db,
            events,
            caller.id,
            input.account_id.as_ref().map(ids::parse_or_nil),
            &input.data,
            input.dry_run.unwrap_or(false),
        )
        .await
        .extend()?;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        Ok(ImportResult {
            imported: count(outcome.imported),
            skipped_duplicates: count(outcome.skipped_duplicates),
            errors: outcome.errors.into_iter().map(ImportRowError::from).collect(),
            dry_run: outcome.dry_run,
        })
    }
}
