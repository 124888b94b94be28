//! The forecast: each account's balance day by day from today, the lowest point, the first day
//! below zero, what is safe to spend until the next income, and each budget category's
//! projected spending to the end of its period. The method (README "Forecast"):
//!
//! - Start from each account's balance at the end of today.
//! - Add, on its day, every transaction already recorded for a later day, and every open
//!   occurrence of the account's schedules (manual ones too); an open one due today or missed
//!   in the last 60 days counts tomorrow.
//! - Take away, every day, the account's expected day-to-day spend: the median of its daily
//!   discretionary expenses over the last 90 days (today included; quiet days count as 0;
//!   transactions posted for or matched to a schedule are not discretionary).
//! - The total is the sum of the accounts in the reporting currency at today's rates (on-budget
//!   accounts unless accounts are named); its low point and first day below zero follow.
//! - Safe to spend: the lowest total, without the day-to-day spend, from today to the day before
//!   the next scheduled income (or the horizon), never below zero.

mod categories;
pub mod math;

pub use categories::{CategoryForecast, project as categories_of};

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::foundation::entities::accounts;
use crate::foundation::entities::transactions::TransactionType;
use crate::{
    accounts::service::balances_as_of,
    foundation::{
        db,
        error::{AppError, AppResult},
        fx::{Converted, Exact, Rates},
        ledger::signed_amount,
        money::Currency,
    },
    rates::service::{Needs, rates_for},
    schedules::{
        occurrences::{self, Dated, OVERDUE_DAYS},
        service as schedules,
    },
};

/// The most days a forecast looks ahead.
pub const MAX_DAYS: i64 = 365;
/// The days whose spending makes the expected day-to-day spend.
pub const TRAILING_DAYS: i64 = 90;

/// One account's projection.
#[derive(Debug, Clone)]
pub struct AccountForecast {
    pub account: accounts::Model,
    /// The expected day-to-day spend, in minor units of the account's currency.
    pub daily_spend: i64,
    /// The balance at the end of each day, today first.
    pub series: Vec<(NaiveDate, i64)>,
}

/// The whole forecast.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub today: NaiveDate,
    pub currency: Currency,
    pub accounts: Vec<AccountForecast>,
    /// The accounts' total at the end of each day, in the reporting currency.
    pub total: Vec<(NaiveDate, Converted)>,
    /// The lowest total without the day-to-day spend, until the next income.
    pub safe_to_spend: Converted,
    pub next_income: Option<NaiveDate>,
    pub categories: Vec<CategoryForecast>,
}

/// The forecast for `days` days from `today`, of `account_ids` (the caller's open accounts) or
/// of every open on-budget account, in `reporting`.
pub async fn forecast(
    db: &DatabaseConnection,
    user_id: Uuid,
    today: NaiveDate,
    days: i64,
    account_ids: Option<&[Uuid]>,
    reporting: Currency,
) -> AppResult<Forecast> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::invalid("days", format!("must be between 1 and {MAX_DAYS}")));
    }
    let chosen: Vec<(accounts::Model, i64)> = balances_as_of(db, user_id, account_ids, today)
        .await?
        .into_iter()
        .filter(|(a, _)| !a.archived && (account_ids.is_some() || a.on_budget))
        .collect();
    if let Some(ids) = account_ids
        && ids.iter().any(|id| !chosen.iter().any(|(a, _)| a.id == *id))
    {
        return Err(AppError::invalid("accountIds", "must name open accounts of yours"));
    }
    let ids: Vec<Uuid> = chosen.iter().map(|(a, _)| a.id).collect();
    let horizon = today + Duration::days(days);
    let (recorded, spend) = movements(db, user_id, &ids, today, horizon).await?;
    let schedules = schedules::in_accounts(db, user_id, &ids).await?;
    let open: Vec<Dated> =
        occurrences::due_between(db, user_id, &schedules, today - Duration::days(OVERDUE_DAYS), horizon)
            .await?
            .into_iter()
            .filter(|d| d.closed.is_none())
            .collect();
    let scheduled = scheduled_moves(&open, today);

    let mut needs = Needs::default();
    for (account, _) in &chosen {
        needs.add(Currency::of(&account.currency), reporting, today);
    }
    let rates = rates_for(db, user_id, &needs).await?;
    let mut forecasts = Vec::with_capacity(chosen.len());
    let mut fixed_only = Vec::with_capacity(chosen.len());
    for (account, balance) in chosen {
        let mut moves = recorded.get(&account.id).cloned().unwrap_or_default();
        for (day, amount) in scheduled.get(&account.id).into_iter().flatten() {
            *moves.entry(*day).or_default() += amount;
        }
        let trailing = spend.get(&account.id).cloned().unwrap_or_default();
        let daily_spend = math::median_daily(&trailing, today - Duration::days(TRAILING_DAYS - 1), today);
        fixed_only.push((account.clone(), math::project(today, balance, days, &moves, 0)));
        forecasts.push(AccountForecast {
            series: math::project(today, balance, days, &moves, daily_spend),
            daily_spend,
            account,
        });
    }
    let total = totals(
        forecasts.iter().map(|f| (&f.account, &f.series)),
        &rates,
        reporting,
        today,
    );
    let next_income = open
        .iter()
        .filter(|d| d.schedule.kind == TransactionType::Income && d.occurrence.due > today)
        .map(|d| d.occurrence.due)
        .min();
    let until = next_income.map_or(horizon, |d| d - Duration::days(1));
    let without_spend = totals(fixed_only.iter().map(|(a, s)| (a, s)), &rates, reporting, today);
    let mut safe_to_spend = without_spend
        .into_iter()
        .filter(|(day, _)| *day <= until)
        .min_by(|a, b| a.1.value.cmp(&b.1.value))
        .map_or_else(|| Converted::zero(reporting), |(_, v)| v);
    if safe_to_spend.value < Exact::default() {
        safe_to_spend.value = Exact::default();
    }
    let categories = categories::project(db, user_id, today).await?;
    Ok(Forecast {
        today,
        currency: reporting,
        accounts: forecasts,
        total,
        safe_to_spend,
        next_income,
        categories,
    })
}

/// Per account: what recorded transactions move on each day after today (signed), and the
/// discretionary expenses of each of the trailing days. One statement.
#[allow(clippy::type_complexity)]
async fn movements(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    accounts: &[Uuid],
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<(
    HashMap<Uuid, BTreeMap<NaiveDate, i64>>,
    HashMap<Uuid, BTreeMap<NaiveDate, i64>>,
)> {
    let (mut recorded, mut spend) = (HashMap::new(), HashMap::new());
    if accounts.is_empty() {
        return Ok((recorded, spend));
    }
    let list = db::placeholders(accounts.len());
    let sql = format!(
        "SELECT 'recorded', t.account_id, t.transaction_date, CAST(SUM({signed}) AS BIGINT) FROM transactions t \
           WHERE t.user_id = ? AND t.account_id IN ({list}) AND t.transaction_date > ? AND t.transaction_date <= ? \
           GROUP BY t.account_id, t.transaction_date \
         UNION ALL \
         SELECT 'spend', t.account_id, t.transaction_date, CAST(SUM(t.amount) AS BIGINT) FROM transactions t \
           WHERE t.user_id = ? AND t.account_id IN ({list}) AND t.type = 'expense' \
             AND t.transaction_date >= ? AND t.transaction_date <= ? \
             AND NOT EXISTS (SELECT 1 FROM schedule_occurrences o WHERE o.transaction_id = t.id) \
           GROUP BY t.account_id, t.transaction_date",
        signed = signed_amount!(),
    );
    let first_trailing = today - Duration::days(TRAILING_DAYS - 1);
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (from, to) in [(today, horizon), (first_trailing, today)] {
        values.push(user_id.into());
        values.extend(accounts.iter().map(|id| sea_orm::Value::from(*id)));
        values.extend([from.into(), to.into()]);
    }
    for row in db
        .query_all_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?
    {
        let kind: String = row.try_get_by_index(0)?;
        let target = if kind == "recorded" { &mut recorded } else { &mut spend };
        target
            .entry(row.try_get_by_index::<Uuid>(1)?)
            .or_insert_with(BTreeMap::new)
            .insert(row.try_get_by_index::<NaiveDate>(2)?, row.try_get_by_index::<i64>(3)?);
    }
    Ok((recorded, spend))
}

/// Per account, what its open occurrences move on each day (one due today or missed: tomorrow).
fn scheduled_moves(open: &[Dated], today: NaiveDate) -> HashMap<Uuid, BTreeMap<NaiveDate, i64>> {
    let mut moves: HashMap<Uuid, BTreeMap<NaiveDate, i64>> = HashMap::new();
    for dated in open {
        let day = dated.occurrence.due.max(today + Duration::days(1));
        let amount = if dated.schedule.kind == TransactionType::Income {
            dated.schedule.amount
        } else {
            -dated.schedule.amount
        };
        *moves
            .entry(dated.schedule.account_id)
            .or_default()
            .entry(day)
            .or_default() += amount;
    }
    moves
}

/// The accounts' balances summed per day in `target`, each at `today`'s rate.
fn totals<'a>(
    series: impl Iterator<Item = (&'a accounts::Model, &'a Vec<(NaiveDate, i64)>)>,
    rates: &Rates,
    target: Currency,
    today: NaiveDate,
) -> Vec<(NaiveDate, Converted)> {
    let mut days: BTreeMap<NaiveDate, Converted> = BTreeMap::new();
    for (account, balances) in series {
        let currency = Currency::of(&account.currency);
        for (day, balance) in balances {
            days.entry(*day)
                .or_insert_with(|| Converted::zero(target))
                .add(rates, *balance, currency, today);
        }
    }
    days.into_iter().collect()
}
