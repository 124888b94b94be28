//! What each entry of a statement becomes, before anything is written: a new transaction, a
//! duplicate of one already imported, a match for one entered by hand, or an error.
//!
//! Duplicates are found by `import_id`: the bank's own id of the entry when it gives one (OFX
//! FITID, CAMT AcctSvcrRef), otherwise `amount:date:occurrence` as YNAB's `import_id` does,
//! so the second of two identical coffees on one day is `-350:2026-11-03:2` and stays a
//! second transaction, while the same file's overlap with an earlier one is found again.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::foundation::entities::transactions::TransactionType;
use crate::foundation::{
    bank_files::{Statement, StatementLine},
    money::{Currency, Money},
    validate,
};

const DESCRIPTION_MAX: usize = 500;
const PAYEE_MAX: usize = 200;
/// Said of an entry with neither a payee nor a description.
const NO_DESCRIPTION: &str = "(no description)";

/// An entry read into the account's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub entry: usize,
    pub date: NaiveDate,
    /// Minor units, positive; `kind` gives the direction.
    pub amount: i64,
    pub kind: TransactionType,
    pub payee: Option<String>,
    pub description: String,
    pub import_id: String,
    /// A category the file names.
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    New,
    /// Already in the account (or earlier in this file): the transaction it duplicates, when
    /// it is stored.
    Duplicate(Option<Uuid>),
    /// The hand-entered transaction this entry confirms.
    Matched(Uuid),
}

/// An entry that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub entry: usize,
    pub message: String,
}

/// A transaction entered by hand (no import has claimed it) that an entry may confirm.
#[derive(Debug, Clone, Copy)]
pub struct HandEntered {
    pub id: Uuid,
    pub date: NaiveDate,
    pub amount: i64,
    pub kind: TransactionType,
}

/// Reads the statement's entries in `currency`; unreadable ones are reported, not dropped.
pub fn read(statement: &Statement, currency: Currency) -> (Vec<Entry>, Vec<Unreadable>) {
    let mut errors: Vec<Unreadable> = statement
        .errors
        .iter()
        .map(|e| Unreadable {
            entry: e.entry,
            message: e.message.clone(),
        })
        .collect();
    let mut entries = Vec::with_capacity(statement.lines.len());
    let mut occurrences: HashMap<(i64, NaiveDate), usize> = HashMap::new();
    for line in &statement.lines {
        match entry(line, currency, &mut occurrences) {
            Ok(entry) => entries.push(entry),
            Err(message) => errors.push(Unreadable {
                entry: line.entry,
                message,
            }),
        }
    }
    errors.sort_by_key(|e| e.entry);
    (entries, errors)
}

fn entry(
    line: &StatementLine,
    currency: Currency,
    occurrences: &mut HashMap<(i64, NaiveDate), usize>,
) -> Result<Entry, String> {
    let signed = validate::amount(Money::from(line.amount), currency).map_err(|e| format!("amount: {e}"))?;
    if signed == 0 {
        return Err("amount: 0 moves no money".into());
    }
    validate::plausible_date(line.date).map_err(|e| format!("date: {e}"))?;
    let import_id = match &line.bank_id {
        Some(id) => format!("bank:{id}"),
        None => {
            let n = occurrences.entry((signed, line.date)).or_insert(0);
            *n += 1;
            format!("{signed}:{}:{n}", line.date)
        }
    };
    let payee = line.payee.as_deref().map(|p| clip(p, PAYEE_MAX));
    let description = line
        .description
        .as_deref()
        .or(payee.as_deref())
        .map_or_else(|| NO_DESCRIPTION.to_owned(), |d| clip(d, DESCRIPTION_MAX));
    Ok(Entry {
        entry: line.entry,
        date: line.date,
        amount: signed.saturating_abs(),
        kind: if signed < 0 {
            TransactionType::Expense
        } else {
            TransactionType::Income
        },
        payee,
        description,
        import_id,
        category: line.category.clone(),
    })
}

/// The first `max` characters: a bank's memo line is no reason to refuse a file.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Decides each entry's fate: a duplicate when its `import_id` is stored (`imported`) or came
/// earlier in the file; else matched to the closest hand-entered transaction of the same type
/// and amount within `window_days` (each one matched once; the older on a tie); else new.
pub fn decide(
    entries: &[Entry],
    imported: &HashMap<String, Uuid>,
    hand_entered: &[HandEntered],
    window_days: i64,
) -> Vec<Fate> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut taken: HashSet<Uuid> = HashSet::new();
    entries
        .iter()
        .map(|e| {
            if let Some(id) = imported.get(&e.import_id) {
                return Fate::Duplicate(Some(*id));
            }
            if !seen.insert(&e.import_id) {
                return Fate::Duplicate(None);
            }
            let closest = hand_entered
                .iter()
                .filter(|h| h.kind == e.kind && h.amount == e.amount && !taken.contains(&h.id))
                .map(|h| ((h.date - e.date).num_days().abs(), h.id))
                .filter(|(days, _)| *days <= window_days)
                .min();
            match closest {
                Some((_, id)) => {
                    taken.insert(id);
                    Fate::Matched(id)
                }
                None => Fate::New,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    fn line(entry: usize, date: &str, amount: &str, bank_id: Option<&str>) -> StatementLine {
        StatementLine {
            entry,
            date: date.parse().expect("date"),
            amount: amount.parse::<Decimal>().expect("amount"),
            payee: Some("Corner Café".into()),
            description: None,
            bank_id: bank_id.map(str::to_owned),
            category: None,
        }
    }

    fn statement(lines: Vec<StatementLine>) -> Statement {
        Statement {
            lines,
            ..Statement::default()
        }
    }

    #[test]
    fn identical_entries_of_one_day_get_their_own_occurrence_and_bank_ids_win() {
        let usd = Currency::parse("USD").expect("usd");
        let (entries, errors) = read(
            &statement(vec![
                line(1, "2026-11-03", "-3.50", None),
                line(2, "2026-11-03", "-3.50", None),
                line(3, "2026-11-03", "-3.50", Some("FIT-9")),
                line(4, "2026-11-04", "-3.50", None),
                line(5, "2026-11-04", "1200", None),
                line(6, "2026-11-04", "-0.001", None),
                line(7, "2026-11-04", "0.00", None),
            ]),
            usd,
        );
        let ids: Vec<&str> = entries.iter().map(|e| e.import_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "-350:2026-11-03:1",
                "-350:2026-11-03:2",
                "bank:FIT-9",
                "-350:2026-11-04:1",
                "120000:2026-11-04:1"
            ]
        );
        assert_eq!(entries[0].kind, TransactionType::Expense);
        assert_eq!((entries[4].kind, entries[4].amount), (TransactionType::Income, 120_000));
        assert_eq!(
            entries[0].description, "Corner Café",
            "the payee stands in for a missing memo"
        );
        assert_eq!(errors.iter().map(|e| e.entry).collect::<Vec<_>>(), [6, 7]);
    }

    #[test]
    fn stored_and_repeated_ids_are_duplicates_and_matches_take_the_closest_day_once() {
        let usd = Currency::parse("USD").expect("usd");
        let (entries, _) = read(
            &statement(vec![
                line(1, "2026-11-10", "-20.00", Some("A")),
                line(2, "2026-11-10", "-20.00", Some("A")),
                line(3, "2026-11-10", "-45.00", None),
                line(4, "2026-11-10", "-45.00", None),
                line(5, "2026-11-10", "-45.00", None),
                line(6, "2026-11-10", "-99.00", None),
            ]),
            usd,
        );
        let stored = Uuid::now_v7();
        let (near, far, other_day) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let hand = |id, date: &str, amount| HandEntered {
            id,
            date: date.parse().expect("date"),
            amount,
            kind: TransactionType::Expense,
        };
        let hand_entered = [
            hand(far, "2026-11-13", 4_500),
            hand(near, "2026-11-09", 4_500),
            hand(other_day, "2026-11-14", 9_900),
        ];
        let imported = HashMap::from([("bank:A".to_owned(), stored)]);
        let fates = decide(&entries, &imported, &hand_entered, 3);
        assert_eq!(
            fates,
            [
                Fate::Duplicate(Some(stored)),
                Fate::Duplicate(Some(stored)),
                Fate::Matched(near),
                Fate::Matched(far),
                Fate::New,
                Fate::New,
            ]
        );
        // A window of 0 matches on the same day only.
        let strict = decide(&entries, &HashMap::new(), &hand_entered, 0);
        assert_eq!(strict[2], Fate::New);
        assert_eq!(strict[1], Fate::Duplicate(None), "the file's own repeat of a bank id");
    }
}
