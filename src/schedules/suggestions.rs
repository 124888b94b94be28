//! Recurring transactions found in history: a payee (or, without one, a description with its
//! numbers and punctuation left out) paid or paying from one account, at least three times, for
//! amounts within 5 % of their median, at a regular weekly, fortnightly, monthly or yearly
//! interval. Each becomes a proposed schedule starting at its next occurrence.
//!
//! Transfers, split transactions and transactions already posted for or matched to a schedule
//! are left out, as are groups an existing schedule of the account already covers.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::foundation::entities::schedule_occurrences::{self, Entity as Occurrences};
use crate::foundation::entities::transactions::{self, Column, Entity as Transactions, TransactionType};
use crate::{
    foundation::{error::AppResult, ownership},
    schedules::service,
};

/// Fewest occurrences that make a pattern.
const MIN_OCCURRENCES: usize = 3;
/// How far (in hundredths of a percent) an amount may be from the group's median.
const TOLERANCE_BASIS_POINTS: i64 = 500;
/// How much history is looked at.
const HISTORY_DAYS: i64 = 800;

/// How often a pattern repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Weekly,
    Fortnightly,
    Monthly,
    Yearly,
}

/// A proposed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Stable while the pattern stays: a hash of its account, type and name.
    pub id: String,
    /// The payee or description it was grouped by, normalised.
    pub name: String,
    pub account_id: Uuid,
    pub kind: TransactionType,
    pub payee: Option<String>,
    pub description: String,
    pub category_id: Option<Uuid>,
    pub currency: String,
    /// The latest amount, in minor units.
    pub amount: i64,
    /// 5 % of it: how far a real payment may differ and still match.
    pub amount_tolerance: i64,
    pub frequency: Frequency,
    pub rule: String,
    /// The occurrence after the latest transaction.
    pub next: NaiveDate,
    /// The transactions the pattern was found in, oldest first.
    pub evidence: Vec<transactions::Model>,
}

/// The name a transaction (or schedule) is grouped by: its payee, or its description without
/// digits and punctuation ("Netflix 11/2026" and "NETFLIX 12/2026" are one).
fn name_of(payee: Option<&str>, description: &str) -> String {
    let source = payee.filter(|p| !p.trim().is_empty()).unwrap_or(description);
    source
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphabetic() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The frequency every gap between `dates` (oldest first) fits, if one does.
fn frequency(dates: &[NaiveDate]) -> Option<Frequency> {
    let gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    let all = |range: std::ops::RangeInclusive<i64>| !gaps.is_empty() && gaps.iter().all(|g| range.contains(g));
    if all(6..=8) {
        Some(Frequency::Weekly)
    } else if all(13..=15) {
        Some(Frequency::Fortnightly)
    } else if all(27..=34) {
        Some(Frequency::Monthly)
    } else if all(358..=372) {
        Some(Frequency::Yearly)
    } else {
        None
    }
}

/// The rule of `frequency` anchored on the latest date, and the occurrence after it.
fn rule_and_next(frequency: Frequency, dates: &[NaiveDate]) -> (String, NaiveDate) {
    let last = *dates.last().unwrap_or(&NaiveDate::MIN);
    let weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][last.weekday().num_days_from_monday() as usize];
    match frequency {
        Frequency::Weekly => (format!("FREQ=WEEKLY;BYDAY={weekday}"), last + Duration::days(7)),
        Frequency::Fortnightly => (
            format!("FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"),
            last + Duration::days(14),
        ),
        Frequency::Monthly => {
            // Paid on each month's last day: say so, rather than a day some months lack.
            let month_end = |d: &NaiveDate| (*d + Duration::days(1)).day() == 1;
            let day = if dates.iter().all(month_end) {
                -1
            } else {
                i64::from(last.day())
            };
            let next = crate::schedules::recurrence::Recurrence::new(
                &format!("FREQ=MONTHLY;BYMONTHDAY={day}"),
                last,
                None,
                Some(2),
                crate::schedules::recurrence::WeekendRule::None,
            )
            .ok()
            .and_then(|r| r.until(last + Duration::days(62)).get(1).map(|o| o.nominal))
            .unwrap_or(last + Duration::days(30));
            (format!("FREQ=MONTHLY;BYMONTHDAY={day}"), next)
        }
        Frequency::Yearly => (
            "FREQ=YEARLY".to_owned(),
            last.with_year(last.year() + 1).unwrap_or(last + Duration::days(365)),
        ),
    }
}

fn median(sorted: &[i64]) -> i64 {
    match sorted.len() {
        0 => 0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// The patterns in `history` (one user's transactions, any order).
pub fn detect(history: Vec<transactions::Model>) -> Vec<Suggestion> {
    let mut groups: BTreeMap<(Uuid, bool, String), Vec<transactions::Model>> = BTreeMap::new();
    for t in history {
        if t.kind.is_transfer() || t.has_splits {
            continue;
        }
        let name = name_of(t.payee.as_deref(), &t.description);
        if !name.is_empty() {
            groups
                .entry((t.account_id, t.kind == TransactionType::Income, name))
                .or_default()
                .push(t);
        }
    }
    let mut found = Vec::new();
    for ((account_id, _, name), mut members) in groups {
        members.sort_by_key(|t| (t.transaction_date, t.id));
        let mut amounts: Vec<i64> = members.iter().map(|t| t.amount).collect();
        amounts.sort_unstable();
        let middle = median(&amounts);
        let near = |amount: i64| (amount - middle).abs() * 10_000 <= middle * TOLERANCE_BASIS_POINTS;
        let evidence: Vec<transactions::Model> = members.into_iter().filter(|t| near(t.amount)).collect();
        if evidence.len() < MIN_OCCURRENCES {
            continue;
        }
        let dates: Vec<NaiveDate> = evidence.iter().map(|t| t.transaction_date).collect();
        let Some(frequency) = frequency(&dates) else { continue };
        let (rule, next) = rule_and_next(frequency, &dates);
        let Some(latest) = evidence.last().cloned() else {
            continue;
        };
        let id = Sha256::digest(format!("{account_id}:{:?}:{name}", latest.kind).as_bytes())
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        found.push(Suggestion {
            id,
            name,
            account_id,
            kind: latest.kind,
            payee: latest.payee.clone(),
            description: latest.description.clone(),
            category_id: latest.budget_category_id,
            currency: latest.currency.clone(),
            amount: latest.amount,
            amount_tolerance: latest.amount * TOLERANCE_BASIS_POINTS / 10_000,
            frequency,
            rule,
            next,
            evidence,
        });
    }
    found.sort_by(|a, b| a.next.cmp(&b.next).then(a.id.cmp(&b.id)));
    found
}

/// The caller's suggestions as of `today`: patterns in the last two years of history, less
/// those an existing schedule already covers.
pub async fn for_user(db: &impl ConnectionTrait, user_id: Uuid, today: NaiveDate) -> AppResult<Vec<Suggestion>> {
    let scheduled: HashSet<Uuid> = ownership::owned::<Occurrences>(user_id)
        .select_only()
        .column(schedule_occurrences::Column::TransactionId)
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let history = ownership::owned::<Transactions>(user_id)
        .filter(Column::TransactionDate.gte(today - Duration::days(HISTORY_DAYS)))
        .filter(Column::Kind.is_in([TransactionType::Income, TransactionType::Expense]))
        .order_by_asc(Column::TransactionDate)
        .all(db)
        .await?
        .into_iter()
        .filter(|t| !scheduled.contains(&t.id));
    let schedules = service::list(db, user_id).await?;
    Ok(detect(history.collect())
        .into_iter()
        .filter(|s| {
            !schedules.iter().any(|existing| {
                existing.account_id == s.account_id
                    && existing.kind == s.kind
                    && (existing.amount - s.amount).abs() <= existing.amount_tolerance.max(s.amount_tolerance)
                    && name_of(existing.payee.as_deref(), &existing.description) == s.name
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(date: &str, amount: i64, description: &str, payee: Option<&str>) -> transactions::Model {
        let now = chrono::Utc::now();
        transactions::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::nil(),
            account_id: Uuid::nil(),
            budget_category_id: None,
            amount,
            currency: "USD".into(),
            description: description.into(),
            transaction_date: NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date"),
            kind: TransactionType::Expense,
            cleared: transactions::Cleared::Uncleared,
            payee: payee.map(Into::into),
            transfer_id: None,
            has_splits: false,
            search_text: String::new(),
            import_batch_id: None,
            matched_batch_id: None,
            import_id: None,
            edited_fields: String::new(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn monthly_payments_of_one_payee_within_five_percent_are_a_pattern() {
        let found = detect(vec![
            tx("2026-08-03", 1599, "NETFLIX 08/2026", None),
            tx("2026-09-03", 1599, "Netflix 09/2026", None),
            tx("2026-10-04", 1649, "netflix #10", None),
            tx("2026-11-03", 1649, "Netflix 11", None),
            // Far from the median: not part of it.
            tx("2026-11-20", 4999, "Netflix gift card", None),
        ]);
        assert_eq!(found.len(), 1);
        let s = &found[0];
        assert_eq!(s.frequency, Frequency::Monthly);
        assert_eq!(s.rule, "FREQ=MONTHLY;BYMONTHDAY=3");
        assert_eq!(s.next, NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"));
        assert_eq!((s.amount, s.amount_tolerance), (1649, 82));
        assert_eq!(s.evidence.len(), 4);
    }

    #[test]
    fn weekly_fortnightly_yearly_and_month_end_patterns() {
        let weekly = detect(vec![
            tx("2026-11-02", 3000, "Cleaner", None),
            tx("2026-11-09", 3000, "Cleaner", None),
            tx("2026-11-16", 3000, "Cleaner", None),
        ]);
        assert_eq!(
            (weekly[0].frequency, weekly[0].rule.as_str()),
            (Frequency::Weekly, "FREQ=WEEKLY;BYDAY=MO")
        );
        let fortnightly = detect(vec![
            tx("2026-10-02", 250_000, "Pay", Some("Employer")),
            tx("2026-10-16", 250_000, "Pay", Some("Employer")),
            tx("2026-10-30", 250_000, "Pay", Some("Employer")),
        ]);
        assert_eq!(fortnightly[0].rule, "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR");
        let yearly = detect(vec![
            tx("2024-03-01", 9900, "Domain", None),
            tx("2025-03-01", 9900, "Domain", None),
            tx("2026-03-02", 9900, "Domain", None),
        ]);
        assert_eq!(yearly[0].frequency, Frequency::Yearly);
        let month_end = detect(vec![
            tx("2026-08-31", 120_000, "Rent", None),
            tx("2026-09-30", 120_000, "Rent", None),
            tx("2026-10-31", 120_000, "Rent", None),
        ]);
        assert_eq!(month_end[0].rule, "FREQ=MONTHLY;BYMONTHDAY=-1");
        assert_eq!(month_end[0].next, NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"));
    }

    #[test]
    fn irregular_or_too_few_payments_are_no_pattern() {
        assert!(
            detect(vec![
                tx("2026-11-01", 500, "Lunch", None),
                tx("2026-12-01", 500, "Lunch", None)
            ])
            .is_empty()
        );
        assert!(
            detect(vec![
                tx("2026-11-01", 500, "Lunch", None),
                tx("2026-11-05", 500, "Lunch", None),
                tx("2026-11-20", 500, "Lunch", None),
            ])
            .is_empty()
        );
    }
}
