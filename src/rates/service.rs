//! Exchange-rate reads and writes, scoped by the caller's user id, and the one statement that
//! loads the rates a set of conversions needs.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::foundation::entities::exchange_rates::{self, Column, Entity as ExchangeRates};
use crate::foundation::{
    csv_table::{self, Limits, LineError, Record},
    db,
    error::{AppError, AppResult, FieldErrors},
    fx::{Rate, Rates},
    money::Currency,
    ownership, validate,
};

/// Rates in one import: ten years of daily rates for a dozen pairs.
const IMPORT_MAX_ROWS: usize = 50_000;
const IMPORT_MAX_BYTES: usize = 4 * 1024 * 1024;
const IMPORT_COLUMNS: [&str; 4] = ["date", "base", "quote", "rate"];
/// Most rates one `exchangeRates` query returns.
pub const LIST_MAX: u64 = 1_000;

/// A rate as given: one `base` is worth `rate` `quote` on `date`.
pub struct NewRate {
    pub base: String,
    pub quote: String,
    pub date: NaiveDate,
    pub rate: String,
}

/// A checked rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CheckedRate {
    base: Currency,
    quote: Currency,
    date: NaiveDate,
    rate: Rate,
}

/// Which rates a list covers; all fields combine with AND.
#[derive(Debug, Clone, Default)]
pub struct RateFilter {
    pub base: Option<String>,
    pub quote: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct ImportOutcome {
    pub imported: usize,
    pub updated: usize,
    pub errors: Vec<LineError>,
    pub dry_run: bool,
}

/// Checks a rate's fields: two different ISO 4217 codes, a plausible day, a rate within
/// bounds. Problems are recorded as `{prefix}{field}`.
fn check(new: &NewRate, prefix: &str, errors: &mut FieldErrors) -> Option<CheckedRate> {
    check_fields(&new.base, &new.quote, Some(new.date), &new.rate, prefix, errors)
}

/// [`check`] of separate cells; `date` is `None` when it was already found unreadable.
fn check_fields(
    base: &str,
    quote: &str,
    date: Option<NaiveDate>,
    rate: &str,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<CheckedRate> {
    let base = errors.take(&format!("{prefix}base"), Currency::parse(base));
    let quote = errors.take(&format!("{prefix}quote"), Currency::parse(quote));
    if base.is_some() && base == quote {
        errors.add(format!("{prefix}quote"), "must differ from base");
    }
    let date = date.and_then(|date| errors.take(&format!("{prefix}date"), validate::plausible_date(date)));
    let rate = errors.take(&format!("{prefix}rate"), Rate::parse(rate));
    match (base, quote, date, rate) {
        (Some(base), Some(quote), Some(date), Some(rate)) if base != quote => Some(CheckedRate {
            base,
            quote,
            date,
            rate,
        }),
        _ => None,
    }
}

/// Sets the rate of a pair on a day: a new one, or the day's rate replaced.
pub async fn set(db: &DatabaseConnection, user_id: Uuid, new: NewRate) -> AppResult<exchange_rates::Model> {
    let mut errors = FieldErrors::default();
    let checked = check(&new, "input.", &mut errors);
    errors.finish()?;
    let checked = checked.ok_or_else(|| AppError::internal("rate unchecked without an error"))?;
    let txn = db.begin().await?;
    let (row, _) = upsert(&txn, user_id, checked).await?;
    txn.commit().await?;
    Ok(row)
}

/// Writes one checked rate; `true` when it replaced the day's rate.
async fn upsert(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    rate: CheckedRate,
) -> AppResult<(exchange_rates::Model, bool)> {
    let now = db::now();
    let existing = ownership::owned::<ExchangeRates>(user_id)
        .filter(Column::Base.eq(rate.base.code()))
        .filter(Column::Quote.eq(rate.quote.code()))
        .filter(Column::RateDate.eq(rate.date))
        .one(db)
        .await?;
    if let Some(existing) = existing {
        let mut active = existing.into_active_model();
        active.rate = Set(rate.rate.to_string());
        active.updated_at = Set(now);
        return Ok((active.update(db).await?, true));
    }
    let row = exchange_rates::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        base: Set(rate.base.code().to_owned()),
        quote: Set(rate.quote.code().to_owned()),
        rate_date: Set(rate.date),
        rate: Set(rate.rate.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok((row.insert(db).await?, false))
}

pub async fn delete(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<ExchangeRates>(db, user_id, id).await
}

/// The caller's rates matching `filter`, newest day first, then by pair; at most `LIST_MAX`.
pub async fn list(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &RateFilter,
) -> AppResult<Vec<exchange_rates::Model>> {
    let mut errors = FieldErrors::default();
    let base = filter
        .base
        .as_deref()
        .and_then(|code| errors.take("base", Currency::parse(code)));
    let quote = filter
        .quote
        .as_deref()
        .and_then(|code| errors.take("quote", Currency::parse(code)));
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to < from
    {
        errors.add("to", "must not be before from");
    }
    errors.finish()?;
    let mut select = ownership::owned::<ExchangeRates>(user_id);
    if let Some(base) = base {
        select = select.filter(Column::Base.eq(base.code()));
    }
    if let Some(quote) = quote {
        select = select.filter(Column::Quote.eq(quote.code()));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::RateDate.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::RateDate.lte(to));
    }
    Ok(select
        .order_by_desc(Column::RateDate)
        .order_by_asc(Column::Base)
        .order_by_asc(Column::Quote)
        .limit(LIST_MAX)
        .all(db)
        .await?)
}

/// Imports a CSV file with the header `date,base,quote,rate` (any order and case; extra columns
/// ignored): all or nothing, every bad line reported. A day a pair already has is replaced,
/// and within the file the last line for a pair and day wins.
pub async fn import_csv(db: &DatabaseConnection, user_id: Uuid, data: &str, dry_run: bool) -> AppResult<ImportOutcome> {
    let limits = Limits {
        max_bytes: IMPORT_MAX_BYTES,
        max_rows: IMPORT_MAX_ROWS,
    };
    let (records, mut errors) = csv_table::read(data, limits, &IMPORT_COLUMNS, 4)
        .map_err(|e| AppError::invalid("input.data", e.to_string()))?;
    let mut rates: BTreeMap<(Currency, Currency, NaiveDate), CheckedRate> = BTreeMap::new();
    for Record { line, cells } in records {
        let mut problems = FieldErrors::default();
        let date = NaiveDate::parse_from_str(&cells[0], "%Y-%m-%d")
            .ok()
            .filter(|_| cells[0].len() == 10)
            .ok_or_else(|| "must be YYYY-MM-DD".to_owned());
        let date = problems.take("date", date);
        let checked = check_fields(&cells[1], &cells[2], date, &cells[3], "", &mut problems);
        match (checked, problems.finish()) {
            (Some(rate), Ok(())) => {
                rates.insert((rate.base, rate.quote, rate.date), rate);
            }
            (_, Err(AppError::BadUserInput(fields))) => errors.push(LineError {
                line,
                message: fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            (_, result) => result?,
        }
    }
    errors.sort_by_key(|e| e.line);
    let mut outcome = ImportOutcome {
        dry_run,
        ..Default::default()
    };
    if !errors.is_empty() {
        outcome.errors = errors;
        return Ok(outcome);
    }
    let txn = db.begin().await?;
    for rate in rates.into_values() {
        let (_, replaced) = upsert(&txn, user_id, rate).await?;
        if replaced {
            outcome.updated += 1;
        } else {
            outcome.imported += 1;
        }
    }
    // A dry run does the same writes and throws them away, so its counts are the real ones.
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(outcome)
}

/// What a set of conversions needs: amounts of `from` into `to`, dated within a range.
#[derive(Debug, Default)]
pub struct Needs(HashMap<(Currency, Currency), (NaiveDate, NaiveDate)>);

impl Needs {
    /// An amount of `from` dated `date` is to be converted into `to`.
    pub fn add(&mut self, from: Currency, to: Currency, date: NaiveDate) {
        if from == to {
            return;
        }
        self.0
            .entry((from, to))
            .and_modify(|(first, last)| {
                *first = (*first).min(date);
                *last = (*last).max(date);
            })
            .or_insert((date, date));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The caller's rates that `needs` can use, in one statement (none when nothing needs
/// converting): for each pair and its opposite, every rate within the dates needed, and the
/// latest one before the first of them.
pub async fn rates_for(db: &impl ConnectionTrait, user_id: Uuid, needs: &Needs) -> AppResult<Rates> {
    let mut rates = Rates::default();
    if needs.is_empty() {
        return Ok(rates);
    }
    let mut clauses = Vec::new();
    let mut values: Vec<sea_orm::Value> = vec![user_id.into()];
    for ((from, to), (first, last)) in &needs.0 {
        for (base, quote) in [(from, to), (to, from)] {
            clauses.push(
                "(r.base = ? AND r.quote = ? AND r.rate_date <= ? AND r.rate_date >= COALESCE(( \
                   SELECT MAX(p.rate_date) FROM exchange_rates p WHERE p.user_id = r.user_id \
                   AND p.base = r.base AND p.quote = r.quote AND p.rate_date <= ?), ?))",
            );
            values.extend([
                base.code().into(),
                quote.code().into(),
                (*last).into(),
                (*first).into(),
                (*first).into(),
            ]);
        }
    }
    let sql = format!(
        "SELECT r.base, r.quote, r.rate_date, r.rate FROM exchange_rates r WHERE r.user_id = ? AND ({})",
        clauses.join(" OR ")
    );
    let backend = db.get_database_backend();
    for row in db.query_all_raw(db::statement(backend, &sql, values)).await? {
        let (base, quote): (String, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        let date: NaiveDate = row.try_get_by_index(2)?;
        let rate: String = row.try_get_by_index(3)?;
        let rate = Rate::parse(&rate).map_err(|e| AppError::internal(format!("stored rate {rate:?}: {e}")))?;
        rates.insert(Currency::of(&base), Currency::of(&quote), date, rate);
    }
    Ok(rates)
}
