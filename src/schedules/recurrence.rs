//! When a schedule falls due: an RFC 5545 RRULE (parsed and expanded by the `rrule` crate)
//! from a start date, bounded by an end date or a count, with two rules of our own on top:
//!
//! - **Month-end clamping.** RFC 5545 skips a month that lacks the day asked for (the 31st in
//!   February); a bill does not. A monthly day above 28 (given, or taken from the start date)
//!   becomes "that day or the month's last, whichever comes first", written as the RRULE
//!   `BYMONTHDAY=28,..,d;BYSETPOS=-1`; a yearly February 29th likewise falls on the 28th in
//!   other years.
//! - **Weekends.** An occurrence on a Saturday or Sunday is due that day (NONE), the Friday
//!   before (BEFORE) or the Monday after (AFTER). The nominal date stays the occurrence's
//!   identity, so changing the rule never posts one twice.
//!
//! Occurrences are calendar days (in the user's time zone, where "today" is decided).

use chrono::{Datelike, Duration, Month, NaiveDate, NaiveTime, TimeZone, Weekday};
use rrule::{Frequency, RRule, RRuleSet, Tz, Unvalidated};

/// The most occurrences a schedule produces: a daily rule for 27 years.
pub const MAX_OCCURRENCES: usize = 10_000;

/// When an occurrence that falls on a weekend is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeekendRule {
    #[default]
    None,
    Before,
    After,
}

/// One occurrence: the day the rule gives and the day it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    pub nominal: NaiveDate,
    pub due: NaiveDate,
}

/// A checked recurrence.
#[derive(Debug, Clone)]
pub struct Recurrence {
    rules: Vec<RRule<Unvalidated>>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    count: Option<u32>,
    weekend: WeekendRule,
}

/// Noon UTC of a day: recurrences are whole days, and noon keeps every day's instant on it.
fn at_noon(day: NaiveDate) -> chrono::DateTime<Tz> {
    let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN);
    Tz::UTC.from_utc_datetime(&day.and_time(noon))
}

impl Recurrence {
    /// Checks `rule` (an RRULE such as `FREQ=MONTHLY;BYMONTHDAY=-1`, with or without the
    /// `RRULE:` prefix) for a schedule starting on `start`: it repeats daily, weekly, monthly or
    /// yearly, by whole days, and leaves the end to `end` and `count`.
    pub fn new(
        rule: &str,
        start: NaiveDate,
        end: Option<NaiveDate>,
        count: Option<u32>,
        weekend: WeekendRule,
    ) -> Result<Recurrence, String> {
        let text = rule.trim();
        let text = text.strip_prefix("RRULE:").unwrap_or(text);
        if text.is_empty() || text.len() > 500 || text.contains(['\n', '\r']) {
            return Err("must be one RRULE such as \"FREQ=MONTHLY;BYMONTHDAY=1\"".into());
        }
        let parsed: RRule<Unvalidated> = text.parse().map_err(|e| format!("is not a valid RRULE: {e}"))?;
        if !matches!(
            parsed.get_freq(),
            Frequency::Daily | Frequency::Weekly | Frequency::Monthly | Frequency::Yearly
        ) {
            return Err("must repeat DAILY, WEEKLY, MONTHLY or YEARLY".into());
        }
        if parsed.get_count().is_some() || parsed.get_until().is_some() {
            return Err("must not hold COUNT or UNTIL: give count or endDate instead".into());
        }
        if !parsed.get_by_hour().is_empty() || !parsed.get_by_minute().is_empty() || !parsed.get_by_second().is_empty()
        {
            return Err("repeats by whole days: BYHOUR, BYMINUTE and BYSECOND are not allowed".into());
        }
        parsed
            .clone()
            .validate(at_noon(start))
            .map_err(|e| format!("is not a valid RRULE: {e}"))?;
        if end.is_some_and(|end| end < start) {
            return Err("ends before it starts".into());
        }
        Ok(Recurrence {
            rules: clamped(parsed, start),
            start,
            end,
            count,
            weekend,
        })
    }

    /// Every occurrence from the start whose nominal day is on or before `until` (within the
    /// end date and count), oldest first; at most `MAX_OCCURRENCES`.
    pub fn until(&self, until: NaiveDate) -> Vec<Occurrence> {
        let last = self.end.map_or(until, |end| end.min(until));
        let mut set = RRuleSet::new(at_noon(self.start)).limit();
        for rule in &self.rules {
            if let Ok(valid) = rule.clone().validate(at_noon(self.start)) {
                set = set.rrule(valid);
            }
        }
        let cap = self
            .count
            .map_or(MAX_OCCURRENCES, |c| (c as usize).min(MAX_OCCURRENCES));
        let mut days: Vec<NaiveDate> = Vec::new();
        for instant in &set {
            let day = instant.date_naive();
            if day > last || days.len() >= cap {
                break;
            }
            // Several rules (clamped days) can give one day; keep it once.
            if days.last() != Some(&day) {
                days.push(day);
            }
        }
        days.into_iter()
            .map(|nominal| Occurrence {
                nominal,
                due: self.due(nominal),
            })
            .collect()
    }

    /// The occurrences whose nominal day is in `from..=to`.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
        self.until(to).into_iter().filter(|o| o.nominal >= from).collect()
    }

    /// Whether `day` is one of the recurrence's nominal days.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.until(day).last().is_some_and(|o| o.nominal == day)
    }

    fn due(&self, day: NaiveDate) -> NaiveDate {
        let shift = match (self.weekend, day.weekday()) {
            (WeekendRule::Before, Weekday::Sat) => -1,
            (WeekendRule::Before, Weekday::Sun) => -2,
            (WeekendRule::After, Weekday::Sat) => 2,
            (WeekendRule::After, Weekday::Sun) => 1,
            _ => 0,
        };
        day + Duration::days(shift)
    }
}

/// `rule` rewritten so that days past a short month's end fall on its last day (see the
/// module's documentation). Rules with BYDAY, BYSETPOS or year days are left as RFC 5545 says.
fn clamped(rule: RRule<Unvalidated>, start: NaiveDate) -> Vec<RRule<Unvalidated>> {
    let plain = rule.get_by_weekday().is_empty()
        && rule.get_by_set_pos().is_empty()
        && rule.get_by_year_day().is_empty()
        && rule.get_by_week_no().is_empty();
    if !plain {
        return vec![rule];
    }
    match rule.get_freq() {
        Frequency::Monthly => {
            let days: Vec<i8> = if rule.get_by_month_day().is_empty() {
                vec![i8::try_from(start.day()).unwrap_or(1)]
            } else {
                rule.get_by_month_day().to_vec()
            };
            split_late_days(rule, &days)
        }
        Frequency::Yearly if rule.get_by_month().len() <= 1 => {
            let month = rule
                .get_by_month()
                .first()
                .copied()
                .unwrap_or_else(|| u8::try_from(start.month()).unwrap_or(1));
            let days: Vec<i8> = if rule.get_by_month_day().is_empty() {
                vec![i8::try_from(start.day()).unwrap_or(1)]
            } else {
                rule.get_by_month_day().to_vec()
            };
            match Month::try_from(month) {
                Ok(month) => split_late_days(rule.by_month(&[month]), &days),
                Err(_) => vec![rule],
            }
        }
        _ => vec![rule],
    }
}

/// One rule for the days of `days` up to 28 (and counted from the end), and one per later day
/// `d`: the last of the days 28..=d that the month has.
fn split_late_days(rule: RRule<Unvalidated>, days: &[i8]) -> Vec<RRule<Unvalidated>> {
    let (early, late): (Vec<i8>, Vec<i8>) = days.iter().partition(|d| **d <= 28);
    let mut rules = Vec::new();
    if !early.is_empty() {
        rules.push(rule.clone().by_month_day(early));
    }
    for day in late {
        rules.push(rule.clone().by_month_day((28..=day).collect()).by_set_pos(vec![-1]));
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn days(rule: &str, start: &str, until: &str) -> Vec<String> {
        Recurrence::new(rule, d(start), None, None, WeekendRule::None)
            .expect("valid")
            .until(d(until))
            .into_iter()
            .map(|o| o.nominal.to_string())
            .collect()
    }

    #[test]
    fn the_31st_is_the_last_day_of_shorter_months() {
        assert_eq!(
            days("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-01", "2026-05-31"),
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
        );
        // From the start date's day, and in a leap year.
        assert_eq!(
            days("FREQ=MONTHLY", "2028-01-30", "2028-04-30"),
            ["2028-01-30", "2028-02-29", "2028-03-30", "2028-04-30"]
        );
        // The RFC's own "last day" is unchanged.
        assert_eq!(
            days("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-01-15", "2026-03-31"),
            ["2026-01-31", "2026-02-28", "2026-03-31"]
        );
        assert_eq!(
            days("FREQ=MONTHLY;BYMONTHDAY=15,30", "2026-02-01", "2026-03-31"),
            ["2026-02-15", "2026-02-28", "2026-03-15", "2026-03-30"]
        );
        assert_eq!(
            days("FREQ=YEARLY", "2024-02-29", "2028-03-01"),
            ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"]
        );
    }

    #[test]
    fn weekly_rules_interval_count_and_end() {
        // Every other Friday from a Friday.
        assert_eq!(
            days("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "2026-11-06", "2026-12-31"),
            ["2026-11-06", "2026-11-20", "2026-12-04", "2026-12-18"]
        );
        let counted = Recurrence::new("RRULE:FREQ=DAILY", d("2026-11-01"), None, Some(3), WeekendRule::None)
            .expect("valid")
            .until(d("2027-01-01"));
        assert_eq!(counted.len(), 3);
        let ended = Recurrence::new(
            "FREQ=DAILY",
            d("2026-11-01"),
            Some(d("2026-11-04")),
            None,
            WeekendRule::None,
        )
        .expect("valid");
        assert_eq!(ended.until(d("2027-01-01")).len(), 4);
        assert_eq!(ended.between(d("2026-11-03"), d("2026-12-01")).len(), 2);
        assert!(ended.contains(d("2026-11-02")));
        assert!(!ended.contains(d("2026-11-05")));
    }

    #[test]
    fn weekends_move_before_or_after() {
        // 2026-11-01 is a Sunday, 2026-10-31 a Saturday.
        let due = |weekend, start: &str| {
            Recurrence::new("FREQ=MONTHLY", d(start), None, Some(1), weekend)
                .expect("valid")
                .until(d(start))[0]
        };
        assert_eq!(due(WeekendRule::None, "2026-11-01").due, d("2026-11-01"));
        assert_eq!(due(WeekendRule::Before, "2026-11-01").due, d("2026-10-30"));
        assert_eq!(due(WeekendRule::After, "2026-11-01").due, d("2026-11-02"));
        assert_eq!(due(WeekendRule::Before, "2026-10-31").due, d("2026-10-30"));
        assert_eq!(due(WeekendRule::After, "2026-10-31").due, d("2026-11-02"));
        assert_eq!(due(WeekendRule::After, "2026-10-31").nominal, d("2026-10-31"));
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        let check = |rule: &str| Recurrence::new(rule, d("2026-11-01"), None, None, WeekendRule::None).err();
        for rule in [
            "",
            "FREQ=HOURLY",
            "FREQ=MONTHLY;COUNT=3",
            "FREQ=MONTHLY;UNTIL=20270101T000000Z",
            "FREQ=DAILY;BYHOUR=9",
            "FREQ=SOMETIMES",
            "FREQ=MONTHLY;BYMONTHDAY=40",
            "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY",
        ] {
            assert!(check(rule).is_some(), "{rule:?}");
        }
        assert!(
            Recurrence::new(
                "FREQ=DAILY",
                d("2026-11-02"),
                Some(d("2026-11-01")),
                None,
                WeekendRule::None
            )
            .is_err()
        );
    }
}
