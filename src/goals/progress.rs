//! Goal arithmetic as pure functions: progress, projections, milestones and status.

use chrono::{Duration, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::foundation::entities::savings_goals::GoalStatus;

/// The milestones every goal has, in percent of its target.
pub const MILESTONES: [i16; 4] = [25, 50, 75, 100];

/// Average days per month (365.2425 / 12), for monthly contribution targets.
const DAYS_PER_MONTH: Decimal = Decimal::from_parts(30_436_875, 0, 0, false, 6);

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// current / target in percent, two decimals, at most 100.
    pub percent_complete: f64,
    /// Minor units still to save, never negative.
    pub remaining: i64,
    pub days_remaining: Option<i64>,
    /// Minor units per month to reach the target by its date, rounded up to the cent.
    pub required_monthly: Option<i64>,
    pub projected_completion: Option<NaiveDate>,
    pub on_track: Option<bool>,
}

/// Progress of a goal with `current` of `target` saved (minor units), started on
/// `started`, seen on `today`.
pub fn progress(
    target: i64,
    current: i64,
    target_date: Option<NaiveDate>,
    started: NaiveDate,
    today: NaiveDate,
) -> Progress {
    let remaining = (target - current).max(0);
    #[allow(clippy::cast_precision_loss)]
    let percent = if target > 0 {
        (current as f64 * 100.0 / target as f64).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let days_remaining = target_date.map(|d| (d - today).num_days().max(0));
    let required_monthly = days_remaining.map(|days| monthly_need(remaining, days));
    let projected_completion = projection(remaining, current, started, today);
    let on_track = match (target_date, projected_completion) {
        (None, _) => None,
        (Some(_), _) if remaining == 0 => Some(true),
        (Some(due), Some(projected)) => Some(projected <= due),
        (Some(_), None) => None,
    };
    Progress {
        percent_complete: (percent * 100.0).round() / 100.0,
        remaining,
        days_remaining,
        required_monthly,
        projected_completion,
        on_track,
    }
}

/// What to put aside each month to close `remaining` in `days`; all of it when less than
/// a month is left.
fn monthly_need(remaining: i64, days: i64) -> i64 {
    if remaining == 0 {
        return 0;
    }
    let months = (Decimal::from(days) / DAYS_PER_MONTH).max(Decimal::ONE);
    let per_month = (Decimal::from(remaining) / months).round_dp_with_strategy(0, RoundingStrategy::AwayFromZero);
    i64::try_from(per_month).unwrap_or(remaining)
}

/// When the goal completes if saving continues at the average daily pace since it started.
fn projection(remaining: i64, current: i64, started: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    if remaining == 0 || current <= 0 {
        return None;
    }
    let elapsed = (today - started).num_days().max(1);
    // days = remaining / (current / elapsed), rounded up, in exact integer arithmetic.
    let days = (i128::from(remaining) * i128::from(elapsed) + i128::from(current) - 1) / i128::from(current);
    today.checked_add_signed(Duration::days(i64::try_from(days).ok()?))
}

/// The amount (minor units) that reaches `percent` of `target`, rounded up to the cent.
pub fn milestone_amount(target: i64, percent: i16) -> i64 {
    ((i128::from(target) * i128::from(percent) + 99) / 100)
        .try_into()
        .unwrap_or(i64::MAX)
}

/// The milestones that `current` of `target` has reached.
pub fn reached(target: i64, current: i64) -> impl Iterator<Item = i16> {
    MILESTONES
        .into_iter()
        .filter(move |p| current >= milestone_amount(target, *p))
}

/// A goal's status after a change: COMPLETED exactly when the target is reached (paused or
/// not: reaching the target completes it); otherwise PAUSED if paused, else ACTIVE. Asking
/// for COMPLETED before the target is reached is an error.
pub fn status(
    requested: Option<GoalStatus>,
    previous: GoalStatus,
    target: i64,
    current: i64,
) -> Result<GoalStatus, String> {
    let done = current >= target;
    if requested == Some(GoalStatus::Completed) && !done {
        return Err("can only be COMPLETED once the current amount reaches the target".into());
    }
    Ok(match requested.unwrap_or(previous) {
        _ if done => GoalStatus::Completed,
        GoalStatus::Paused => GoalStatus::Paused,
        _ => GoalStatus::Active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn progress_without_a_target_date() {
        let p = progress(100_000, 25_000, None, day("2026-01-01"), day("2026-01-11"));
        assert_eq!(p.percent_complete, 25.0);
        assert_eq!(p.remaining, 75_000);
        assert_eq!(p.days_remaining, None);
        assert_eq!(p.required_monthly, None);
        // 250.00 in 10 days is 25.00 a day; 750.00 more takes 30 days.
        assert_eq!(p.projected_completion, Some(day("2026-02-10")));
        assert_eq!(p.on_track, None);
    }

    #[test]
    fn progress_toward_a_target_date() {
        let p = progress(
            120_000,
            0,
            Some(day("2027-01-01")),
            day("2026-01-01"),
            day("2026-01-01"),
        );
        assert_eq!(p.days_remaining, Some(365));
        // 365 days = 11.992 months; 1200.00 / 11.992 = 100.0658 -> 100.07, rounded up.
        assert_eq!(p.required_monthly, Some(10_007));
        assert_eq!(p.projected_completion, None, "no pace without savings");
        assert_eq!(p.on_track, None);

        let behind = progress(
            120_000,
            10_000,
            Some(day("2026-03-01")),
            day("2026-01-01"),
            day("2026-02-01"),
        );
        assert_eq!(behind.on_track, Some(false));
        let ahead = progress(
            120_000,
            100_000,
            Some(day("2026-12-01")),
            day("2026-01-01"),
            day("2026-02-01"),
        );
        assert_eq!(ahead.on_track, Some(true));
    }

    #[test]
    fn overdue_goals_need_everything_now() {
        let p = progress(
            50_000,
            20_000,
            Some(day("2026-01-01")),
            day("2025-06-01"),
            day("2026-02-01"),
        );
        assert_eq!(p.days_remaining, Some(0));
        assert_eq!(p.required_monthly, Some(30_000));
    }

    #[test]
    fn completed_goals_are_done() {
        let p = progress(
            50_000,
            60_000,
            Some(day("2026-12-01")),
            day("2026-01-01"),
            day("2026-02-01"),
        );
        assert_eq!(p.percent_complete, 100.0);
        assert_eq!(p.remaining, 0);
        assert_eq!(p.required_monthly, Some(0));
        assert_eq!(p.projected_completion, None);
        assert_eq!(p.on_track, Some(true));
    }

    #[test]
    fn milestones_round_up_and_are_reached_in_order() {
        assert_eq!(milestone_amount(3_333, 25), 834);
        assert_eq!(milestone_amount(100_000, 100), 100_000);
        assert_eq!(reached(100_000, 49_999).collect::<Vec<_>>(), vec![25]);
        assert_eq!(reached(100_000, 50_000).collect::<Vec<_>>(), vec![25, 50]);
        assert_eq!(reached(100_000, 100_000).collect::<Vec<_>>(), vec![25, 50, 75, 100]);
        assert_eq!(reached(100_000, 0).count(), 0);
    }

    #[test]
    fn status_follows_the_target_and_pausing_only_below_it() {
        use GoalStatus::*;
        assert_eq!(status(None, Active, 100, 100), Ok(Completed));
        assert_eq!(status(None, Completed, 100, 99), Ok(Active));
        assert_eq!(status(None, Paused, 100, 99), Ok(Paused));
        assert_eq!(
            status(None, Paused, 100, 100),
            Ok(Completed),
            "reaching the target completes a paused goal"
        );
        assert_eq!(status(Some(Active), Paused, 100, 100), Ok(Completed));
        assert_eq!(status(Some(Paused), Active, 100, 10), Ok(Paused));
        assert_eq!(status(Some(Paused), Active, 100, 100), Ok(Completed));
        assert!(status(Some(Completed), Active, 100, 10).is_err());
        assert_eq!(status(Some(Completed), Active, 100, 100), Ok(Completed));
    }
}
