//! Net worth: what every account holds on a day (assets) and what is owed (credit cards and
//! loans, negative while owed), converted into one currency at that day's rates; and the same
//! at the end of each week or month of a range.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::foundation::entities::accounts;
use crate::{
    accounts::service::balances_as_of,
    foundation::{
        db,
        error::{AppError, AppResult},
        fx::Converted,
        ledger::signed_amount,
        money::Currency,
        ownership,
        periods::{self, Granularity},
    },
    rates::convert::{self, Group},
    reports::service::bucket_sql,
};

/// The most points a history may have (ten years of weeks).
pub const MAX_POINTS: usize = 520;

/// Net worth at the end of `date`, in one currency.
#[derive(Debug, Clone)]
pub struct NetWorth {
    pub date: NaiveDate,
    /// Accounts that hold money (checking, savings, cash, investments).
    pub assets: Converted,
    /// Credit cards and loans: negative while money is owed.
    pub liabilities: Converted,
}

impl NetWorth {
    /// assets + liabilities, exactly.
    pub fn total(&self) -> Converted {
        let mut total = self.assets.clone();
        total.absorb(&self.liabilities);
        total
    }
}

/// Which side of net worth an account is on, and what it holds on a day.
fn group(
    point: usize,
    account: &accounts::Model,
    balance: i64,
    date: NaiveDate,
    target: Currency,
) -> Group<(usize, bool), 1> {
    let currency = Currency::of(&account.currency);
    Group {
        key: (point, account.kind.is_liability()),
        target,
        currency,
        day: (currency != target).then_some(date),
        sums: [balance],
    }
}

/// The figures of `points` days from their groups: one conversion, one statement for rates.
async fn figures(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    days: &[NaiveDate],
    groups: Vec<Group<(usize, bool), 1>>,
    target: Currency,
) -> AppResult<Vec<NetWorth>> {
    let mut figures = convert::figures(db, user_id, groups).await?;
    let mut side = |point: usize, liability: bool| {
        figures
            .remove(&(point, liability))
            .map_or_else(|| Converted::zero(target), |[value]| value)
    };
    Ok(days
        .iter()
        .enumerate()
        .map(|(point, date)| NetWorth {
            date: *date,
            assets: side(point, false),
            liabilities: side(point, true),
        })
        .collect())
}

/// Net worth at the end of `on`: every account (archived ones too: their money is still
/// there), in `target`, each balance at `on`'s rate.
pub async fn on(db: &DatabaseConnection, user_id: Uuid, on: NaiveDate, target: Currency) -> AppResult<NetWorth> {
    let groups = balances_as_of(db, user_id, None, on)
        .await?
        .into_iter()
        .map(|(account, balance)| group(0, &account, balance, on, target))
        .collect();
    let mut points = figures(db, user_id, &[on], groups, target).await?;
    points
        .pop()
        .ok_or_else(|| AppError::internal("net worth without its point"))
}

/// The days a history reports: the last day of each period from `from`'s to `to`'s, the last
/// one cut at `to`.
pub fn points(from: NaiveDate, to: NaiveDate, granularity: Granularity) -> AppResult<Vec<NaiveDate>> {
    if to < from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    let starts = periods::buckets(from, to, granularity, MAX_POINTS)
        .ok_or_else(|| AppError::invalid("to", format!("spans more than {MAX_POINTS} periods")))?;
    Ok(starts
        .into_iter()
        .map(|start| (periods::next_start(start, granularity) - Duration::days(1)).min(to))
        .collect())
}

/// Net worth at each of `points(from, to, granularity)`, in `target`: two statements (the
/// accounts, and their transactions summed per period) and one for exchange rates.
pub async fn history(
    db: &DatabaseConnection,
    user_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
    target: Currency,
) -> AppResult<Vec<NetWorth>> {
    let days = points(from, to, granularity)?;
    let accounts = ownership::owned::<accounts::Entity>(user_id).all(db).await?;
    let backend = db.get_database_backend();
    let bucket = bucket_sql(backend, granularity);
    let sql = format!(
        "SELECT t.account_id, {bucket}, CAST(SUM({signed}) AS BIGINT) FROM transactions t \
         WHERE t.user_id = ? AND t.transaction_date <= ? GROUP BY t.account_id, {bucket}",
        signed = signed_amount!(),
    );
    // Per account, what moved in each period (by its first day), oldest first.
    let mut moved: HashMap<Uuid, Vec<(NaiveDate, i64)>> = HashMap::new();
    for row in db
        .query_all_raw(db::statement(backend, &sql, vec![user_id.into(), to.into()]))
        .await?
    {
        let start: String = row.try_get_by_index(1)?;
        let start = NaiveDate::parse_from_str(&start, "%Y-%m-%d").map_err(AppError::internal)?;
        moved
            .entry(row.try_get_by_index(0)?)
            .or_default()
            .push((start, row.try_get_by_index(2)?));
    }
    let mut groups = Vec::with_capacity(accounts.len() * days.len());
    for account in &accounts {
        let mut periods = moved.remove(&account.id).unwrap_or_default();
        periods.sort_unstable();
        let (mut counted, mut balance) = (0, 0_i64);
        for (point, day) in days.iter().enumerate() {
            // Every period that starts on or before this point's day ends by it (a point is a
            // period's last day), so its movements are in the balance.
            while counted < periods.len() && periods[counted].0 <= *day {
                balance = balance.saturating_add(periods[counted].1);
                counted += 1;
            }
            let opening = if account.opening_date <= *day {
                account.opening_balance
            } else {
                0
            };
            groups.push(group(point, account, balance.saturating_add(opening), *day, target));
        }
    }
    figures(db, user_id, &days, groups, target).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn points_are_the_last_days_of_each_period_cut_at_the_end() {
        assert_eq!(
            points(d("2026-01-15"), d("2026-03-10"), Granularity::Month).expect("points"),
            [d("2026-01-31"), d("2026-02-28"), d("2026-03-10")]
        );
        // ISO weeks end on Sunday.
        assert_eq!(
            points(d("2026-11-04"), d("2026-11-17"), Granularity::Week).expect("points"),
            [d("2026-11-08"), d("2026-11-15"), d("2026-11-17")]
        );
        assert!(points(d("2026-02-01"), d("2026-01-01"), Granularity::Month).is_err());
        assert!(points(d("2000-01-01"), d("2026-01-01"), Granularity::Week).is_err());
    }
}
