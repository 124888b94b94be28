//! Calendar periods as pure functions: a user's "today", months, ISO weeks (Monday first),
//! and the buckets of a trend, empty ones included.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// The size of a trend bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Week,
    Month,
    Year,
}

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Today in the user's time zone (UTC when the zone is unknown).
pub fn today_in(timezone: &str) -> NaiveDate {
    match timezone.parse::<Tz>() {
        Ok(tz) => Utc::now().with_timezone(&tz).date_naive(),
        Err(_) => Utc::now().date_naive(),
    }
}

/// The calendar month containing `day`.
pub fn month_of(day: NaiveDate) -> DateRange {
    let start = day.with_day(1).unwrap_or(day);
    DateRange {
        start,
        end: next_start(start, Granularity::Month) - Duration::days(1),
    }
}

/// The month before the one starting at `month_start`.
pub fn previous_month(month_start: NaiveDate) -> DateRange {
    month_of(month_start - Duration::days(1))
}

/// The first day of the bucket containing `day`: Monday, the 1st, or January 1st.
pub fn bucket_start(day: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Granularity::Month => day.with_day(1).unwrap_or(day),
        Granularity::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
    }
}

/// The first day of the bucket after the one starting at `start`.
pub fn next_start(start: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Week => start + Duration::days(7),
        Granularity::Month => {
            let (year, month) = if start.month() == 12 {
                (start.year() + 1, 1)
            } else {
                (start.year(), start.month() + 1)
            };
            NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(start)
        }
        Granularity::Year => NaiveDate::from_ymd_opt(start.year() + 1, 1, 1).unwrap_or(start),
    }
}

/// Every bucket start from the one containing `from` to the one containing `to`, at most
/// `limit` of them (`None` when there would be more).
pub fn buckets(from: NaiveDate, to: NaiveDate, granularity: Granularity, limit: usize) -> Option<Vec<NaiveDate>> {
    let mut starts = Vec::new();
    let mut current = bucket_start(from, granularity);
    while current <= to {
        if starts.len() == limit {
            return None;
        }
        starts.push(current);
        current = next_start(current, granularity);
    }
    Some(starts)
}

/// The `count` months ending with the month containing `day`, oldest first.
pub fn trailing_months(day: NaiveDate, count: usize) -> Vec<DateRange> {
    let mut months = vec![month_of(day)];
    while months.len() < count {
        let earliest = months[months.len() - 1].start;
        months.push(previous_month(earliest));
    }
    months.reverse();
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn months_span_their_calendar_days() {
        assert_eq!(
            month_of(day("2026-02-14")),
            DateRange {
                start: day("2026-02-01"),
                end: day("2026-02-28")
            }
        );
        assert_eq!(month_of(day("2028-02-29")).end, day("2028-02-29"));
        assert_eq!(
            month_of(day("2026-12-31")),
            DateRange {
                start: day("2026-12-01"),
                end: day("2026-12-31")
            }
        );
        assert_eq!(
            previous_month(day("2026-01-01")),
            DateRange {
                start: day("2025-12-01"),
                end: day("2025-12-31")
            }
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-21 is a Saturday; its ISO week starts Monday 2026-11-16.
        assert_eq!(bucket_start(day("2026-11-21"), Granularity::Week), day("2026-11-16"));
        assert_eq!(bucket_start(day("2026-11-16"), Granularity::Week), day("2026-11-16"));
        assert_eq!(bucket_start(day("2026-11-22"), Granularity::Week), day("2026-11-16"));
        assert_eq!(bucket_start(day("2026-11-23"), Granularity::Week), day("2026-11-23"));
    }

    #[test]
    fn buckets_include_empty_periods_and_are_bounded() {
        let months = buckets(day("2026-01-15"), day("2026-04-02"), Granularity::Month, 100).expect("few");
        assert_eq!(
            months,
            [
                day("2026-01-01"),
                day("2026-02-01"),
                day("2026-03-01"),
                day("2026-04-01")
            ]
        );
        let years = buckets(day("2024-06-01"), day("2026-01-01"), Granularity::Year, 100).expect("few");
        assert_eq!(years, [day("2024-01-01"), day("2025-01-01"), day("2026-01-01")]);
        assert_eq!(
            buckets(day("2026-11-21"), day("2026-11-23"), Granularity::Week, 10).map(|b| b.len()),
            Some(2)
        );
        assert_eq!(
            buckets(day("2000-01-01"), day("2026-01-01"), Granularity::Week, 100),
            None
        );
    }

    #[test]
    fn trailing_months_end_with_the_given_month() {
        let months = trailing_months(day("2026-02-10"), 3);
        let starts: Vec<_> = months.iter().map(|m| m.start).collect();
        assert_eq!(starts, [day("2025-12-01"), day("2026-01-01"), day("2026-02-01")]);
    }

    #[test]
    fn today_follows_the_time_zone() {
        let utc = today_in("UTC");
        let kiritimati = today_in("Pacific/Kiritimati");
        let samoa = today_in("Pacific/Pago_Pago");
        // UTC+14 and UTC-11 are 25 hours apart: they never share a date with each other.
        assert_ne!(kiritimati, samoa);
        assert!((kiritimati - utc).num_days().abs() <= 1);
        assert_eq!(today_in("Not/AZone"), utc);
    }
}
