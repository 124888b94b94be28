//! The `ExchangeRate` type, its query and its mutations.

use async_graphql::{Context, ID, InputObject, Object, Result, ResultExt, SimpleObject};

use crate::foundation::entities::exchange_rates;
use crate::{
    foundation::{error::AppError, ids},
    graphql::{
        ContextExt,
        files::ImportRowError,
        scalars::{Date, DateTime},
    },
    rates::service::{self, NewRate, RateFilter},
};

/// What one unit of `base` was worth in `quote` on `date`. Figures that add amounts of
/// several currencies convert each amount at the rate of its day: the pair's latest rate on or
/// before it (or the opposite pair's, divided, when that one is more recent).
pub struct ExchangeRate(pub exchange_rates::Model);

/// What one unit of `base` was worth in `quote` on `date`. Figures that add amounts of
/// several currencies convert each amount at the rate of its day: the pair's latest rate on or
/// before it (or the opposite pair's, divided, when that one is more recent).
#[Object]
impl ExchangeRate {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// ISO 4217 code converted from.
    async fn base(&self) -> &str {
        &self.0.base
    }
    /// ISO 4217 code converted to.
    async fn quote(&self) -> &str {
        &self.0.quote
    }
    /// The day the rate applies from (until the pair's next rate).
    async fn date(&self) -> Date {
        Date(self.0.rate_date)
    }
    /// Units of `quote` per unit of `base`, an exact decimal as it was set ("1.0845").
    async fn rate(&self) -> &str {
        &self.0.rate
    }
    /// When the rate was first set.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the rate last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A pair's rate on a day.
#[derive(InputObject)]
pub struct SetExchangeRateInput {
    /// ISO 4217 code converted from ("EUR").
    base: String,
    /// ISO 4217 code converted to ("USD"), not base.
    quote: String,
    /// The day the rate applies from.
    date: Date,
    /// Units of quote per unit of base: an exact decimal string from "0.000001" to "1000000"
    /// with at most 10 decimals ("1.0845"); never rounded.
    rate: String,
}

/// A file of exchange rates.
#[derive(InputObject)]
pub struct ImportExchangeRatesInput {
    /// CSV text, at most 4 MB and 50,000 rows, with the header date,base,quote,rate (any
    /// order and case; other columns ignored).
    data: String,
    /// Validate and report, write nothing.
    dry_run: Option<bool>,
}

/// What an import of exchange rates did (or, with dryRun, would do).
#[derive(SimpleObject)]
pub struct ExchangeRateImportResult {
    /// Rates for pairs and days that had none.
    imported: i64,
    /// Rates that replaced a pair's rate on a day.
    updated: i64,
    /// Every bad line; any error means nothing was written.
    errors: Vec<ImportRowError>,
    /// Whether this was a dry run.
    dry_run: bool,
}

#[derive(Default)]
pub struct RatesQuery;

#[Object]
impl RatesQuery {
    /// The caller's exchange rates, newest day first (at most 1,000), optionally of one base
    /// or quote currency and between two days (inclusive).
    async fn exchange_rates(
        &self,
        ctx: &Context<'_>,
        base: Option<String>,
        quote: Option<String>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<ExchangeRate>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let filter = RateFilter {
            base,
            quote,
            from: from.map(|d| d.0),
            to: to.map(|d| d.0),
        };
        let rows = service::list(db, caller.id, &filter).await.extend()?;
        Ok(rows.into_iter().map(ExchangeRate).collect())
    }
}

#[derive(Default)]
pub struct RatesMutation;

#[Object]
impl RatesMutation {
    /// Sets a pair's rate on a day, replacing the day's rate if it had one.
    async fn set_exchange_rate(&self, ctx: &Context<'_>, input: SetExchangeRateInput) -> Result<ExchangeRate> {
        let (db, caller) = ctx.authenticated().extend()?;
        let new = NewRate {
            base: input.base,
            quote: input.quote,
            date: input.date.0,
            rate: input.rate,
        };
        service::set(db, caller.id, new).await.map(ExchangeRate).extend()
    }

    /// Deletes one of the caller's rates.
    async fn delete_exchange_rate(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("exchange rate")).extend()?;
        service::delete(db, caller.id, id).await.map(ids::to_id).extend()
    }

    /// Imports rates from CSV (date,base,quote,rate), all or nothing; a day a pair already has
    /// is replaced.
    async fn import_exchange_rates(
        &self,
        ctx: &Context<'_>,
        input: ImportExchangeRatesInput,
    ) -> Result<ExchangeRateImportResult> {
        let (db, caller) = ctx.authenticated().extend()?;
        let outcome = service::import_csv(db, caller.id, &input.data, input.dry_run.unwrap_or(false))
            .await
            .extend()?;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        Ok(ExchangeRateImportResult {
            imported: count(outcome.imported),
            updated: count(outcome.updated),
            errors: outcome.errors.into_iter().map(ImportRowError::from).collect(),
            dry_run: outcome.dry_run,
        })
    }
}
