//! The forecast's arithmetic, as pure functions over days and minor units.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use crate::foundation::fx::Exact;

/// The balance at the end of each day from `start` (whose balance is `opening`) through
/// `days` days after it: each day adds what is recorded or scheduled on it (`moves`, signed)
/// and takes away the expected day-to-day spend.
pub fn project(
    start: NaiveDate,
    opening: i64,
    days: i64,
    moves: &BTreeMap<NaiveDate, i64>,
    daily_spend: i64,
) -> Vec<(NaiveDate, i64)> {
    let mut balance = opening;
    let mut series = vec![(start, opening)];
    for offset in 1..=days {
        let day = start + Duration::days(offset);
        balance = balance
            .saturating_add(moves.get(&day).copied().unwrap_or(0))
            .saturating_sub(daily_spend);
        series.push((day, balance));
    }
    series
}

/// The lowest balance of a series and its first day.
pub fn low_point<T: Ord + Copy>(series: &[(NaiveDate, T)]) -> Option<(NaiveDate, T)> {
    series.iter().copied().min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
}

/// The first day a series is below zero.
pub fn first_below_zero<T: Ord + Copy + Default>(series: &[(NaiveDate, T)]) -> Option<NaiveDate> {
    series
        .iter()
        .find(|(_, balance)| *balance < T::default())
        .map(|(day, _)| *day)
}

/// The median of the daily amounts from `from` to `to` (inclusive; a day without any is 0):
/// the middle day, or the mean of the two middle days rounded half to even.
pub fn median_daily(by_day: &BTreeMap<NaiveDate, i64>, from: NaiveDate, to: NaiveDate) -> i64 {
    let mut values: Vec<i64> = std::iter::successors(Some(from), |d| Some(*d + Duration::days(1)))
        .take_while(|d| *d <= to)
        .map(|d| by_day.get(&d).copied().unwrap_or(0))
        .collect();
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        return values[n / 2];
    }
    let sum = i128::from(values[n / 2 - 1]) + i128::from(values[n / 2]);
    let (half, odd) = (sum.div_euclid(2), sum.rem_euclid(2) == 1);
    // A half: to the even neighbour.
    let rounded = if odd && half % 2 != 0 { half + 1 } else { half };
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// A category's projection to the end of its budget's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryProjection {
    /// What it will have spent by the period's end, rounded once.
    pub spent: i64,
    /// Its amount less that, rounded once.
    pub remaining: i64,
    /// The first day its spending is projected above its amount (today when it already is).
    pub overspend: Option<NaiveDate>,
}

/// Projects a category: `spent` so far, plus its scheduled expenses (`scheduled`, by due day),
/// plus its pace (`pace_total` spent over the last `pace_days` days, spread evenly) for each day
/// from tomorrow to `end`. Exact throughout; `spent` is rounded once at the end.
pub fn project_category(
    amount: i64,
    spent: Exact,
    scheduled: &BTreeMap<NaiveDate, Exact>,
    pace_total: Exact,
    pace_days: i64,
    today: NaiveDate,
    end: NaiveDate,
) -> CategoryProjection {
    let pace_days = pace_days.max(1);
    let limit = Exact::from_minor(amount);
    // Everything scaled by pace_days, so the pace needs no division until the end.
    let mut overspend = (spent > limit).then_some(today);
    let mut fixed = spent;
    let mut day = today;
    let mut elapsed = 0_i64;
    while day < end {
        day += Duration::days(1);
        elapsed += 1;
        fixed += scheduled.get(&day).copied().unwrap_or_default();
        if overspend.is_none() && fixed.times(pace_days) + pace_total.times(elapsed) > limit.times(pace_days) {
            overspend = Some(day);
        }
    }
    let total = fixed.times(pace_days) + pace_total.times(elapsed);
    CategoryProjection {
        spent: total.divide_round(pace_days),
        remaining: (limit.times(pace_days) - total).divide_round(pace_days),
        overspend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_projection_adds_moves_and_takes_the_daily_spend() {
        let moves = BTreeMap::from([(d("2026-11-03"), -50_000), (d("2026-11-04"), 300_000)]);
        let series = project(d("2026-11-01"), 100_000, 4, &moves, 1_000);
        assert_eq!(
            series,
            [
                (d("2026-11-01"), 100_000),
                (d("2026-11-02"), 99_000),
                (d("2026-11-03"), 48_000),
                (d("2026-11-04"), 347_000),
                (d("2026-11-05"), 346_000),
            ]
        );
        assert_eq!(low_point(&series), Some((d("2026-11-03"), 48_000)));
        assert_eq!(first_below_zero(&series), None);
        let short = project(d("2026-11-01"), 500, 2, &BTreeMap::new(), 300);
        assert_eq!(first_below_zero(&short), Some(d("2026-11-03")));
    }

    #[test]
    fn the_median_counts_quiet_days_and_rounds_a_half_to_even() {
        let by_day = BTreeMap::from([(d("2026-11-01"), 10), (d("2026-11-02"), 3), (d("2026-11-04"), 8)]);
        // 0, 3, 8, 10 -> (3 + 8) / 2 = 5.5 -> 6.
        assert_eq!(median_daily(&by_day, d("2026-11-01"), d("2026-11-04")), 6);
        // 3, 10 -> 6.5 -> 6.
        assert_eq!(median_daily(&by_day, d("2026-11-01"), d("2026-11-02")), 6);
        // 0, 3, 10 -> 3.
        assert_eq!(median_daily(&by_day, d("2026-11-01"), d("2026-11-03")), 3);
    }

    #[test]
    fn a_category_overspends_on_the_day_its_pace_and_bills_pass_its_amount() {
        // 100.00 planned, 40.00 spent; 30.00 due on the 5th; 9.00 in the last 90 days is 0.10 a day.
        let scheduled = BTreeMap::from([(d("2026-11-05"), Exact::from_minor(3_000))]);
        let p = project_category(
            10_000,
            Exact::from_minor(4_000),
            &scheduled,
            Exact::from_minor(900),
            90,
            d("2026-11-01"),
            d("2026-11-30"),
        );
        // 40 + 30 + 29 x 0.10 = 72.90.
        assert_eq!(
            p,
            CategoryProjection {
                spent: 7_290,
                remaining: 2_710,
                overspend: None
            }
        );
        let tight = project_category(
            7_000,
            Exact::from_minor(4_000),
            &scheduled,
            Exact::from_minor(900),
            90,
            d("2026-11-01"),
            d("2026-11-30"),
        );
        // 40 + 0.4 (4 days) + 30 = 70.40 > 70.00 on the 5th.
        assert_eq!(tight.overspend, Some(d("2026-11-05")));
        let already = project_category(
            1_000,
            Exact::from_minor(2_000),
            &BTreeMap::new(),
            Exact::default(),
            90,
            d("2026-11-01"),
            d("2026-11-30"),
        );
        assert_eq!(already.overspend, Some(d("2026-11-01")));
    }
}
