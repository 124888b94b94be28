//! Periods in reports: granularity, date ranges, per-period totals and trends.

use async_graphql::{Enum, SimpleObject};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    foundation::{
        error::{AppError, AppResult},
        money::{Currency, Money},
        periods::{self, Granularity as Bucket},
    },
    graphql::{
        conversion::{MissingRate, missing_rates},
        scalars::Date,
    },
    reports::service::{self, PeriodSum},
    transactions::filter::TransactionFilter as Filter,
};

/// The most periods a trend may span (ten years of weeks).
const MAX_PERIODS: usize = 520;

/// Period size for trends; weeks start on Monday (ISO).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Granularity {
    Week,
    Month,
    Year,
}

impl From<Granularity> for Bucket {
    fn from(g: Granularity) -> Self {
        match g {
            Granularity::Week => Bucket::Week,
            Granularity::Month => Bucket::Month,
            Granularity::Year => Bucket::Year,
        }
    }
}

/// An inclusive range of days.
#[derive(SimpleObject, Clone, Copy)]
#[graphql(name = "DateRange")]
pub struct DateRangeObject {
    /// First day.
    start: Date,
    /// Last day (inclusive).
    end: Date,
}

impl From<periods::DateRange> for DateRangeObject {
    fn from(r: periods::DateRange) -> Self {
        DateRangeObject {
            start: Date(r.start),
            end: Date(r.end),
        }
    }
}

/// Income and expenses of one period.
#[derive(SimpleObject, Clone)]
pub struct PeriodTotal {
    /// First day of the period (a Monday, the 1st, or January 1st).
    period_start: Date,
    /// Income in the period.
    income: Money,
    /// Expenses in the period.
    expenses: Money,
    /// income - expenses.
    net: Money,
    /// Rates these figures needed and did not have; the amounts they would have converted into
    /// the reporting currency are left out.
    missing_rates: Vec<MissingRate>,
}

impl PeriodTotal {
    /// One period's figures.
    pub fn new(p: PeriodSum) -> Self {
        PeriodTotal {
            period_start: Date(p.start),
            income: p.income.amount(),
            expenses: p.expenses.amount(),
            net: p.net().amount(),
            missing_rates: missing_rates([&p.income, &p.expenses]),
        }
    }
}

pub(super) fn checked_buckets(
    from: NaiveDate,
    to: NaiveDate,
    granularity: Bucket,
    field: &str,
) -> AppResult<Vec<NaiveDate>> {
    if to < from {
        return Err(AppError::invalid(field, "must not be before from"));
    }
    periods::buckets(from, to, granularity, MAX_PERIODS)
        .ok_or_else(|| AppError::invalid(field, format!("spans more than {MAX_PERIODS} periods")))
}

/// Income and expenses per period between two days, empty periods included.
pub async fn trend(
    db: &DatabaseConnection,
    user_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    granularity: Bucket,
    currency: Currency,
) -> AppResult<Vec<PeriodTotal>> {
    let buckets = checked_buckets(from, to, granularity, "to")?;
    let filter = Filter {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let sums = service::by_period(db, user_id, &filter, granularity, Some(&buckets), currency).await?;
    Ok(sums.into_iter().map(PeriodTotal::new).collect())
}
