//! QIF (Quicken Interchange Format): a `!Type:Bank` (or `Cash`, `CCard`, ...) header, then
//! records of one-letter fields ending with `^`: `D` date, `T` (or `U`) amount, `P` payee,
//! `M` memo, `L` category, `N` check number. Dates are written as the exporting program's
//! locale wants: month first (`11/02/2026`, `11/2'26` with Quicken's apostrophe for 2000 and
//! later) or day first, so the order is the caller's choice; ISO dates read either way.

use chrono::NaiveDate;

use super::{FileError, LineError, Statement, StatementLine, amount, text};

/// Which comes first in a slashed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// 11/02/2026 is November 2 (Quicken US, the default).
    #[default]
    MonthFirst,
    /// 02/11/2026 is November 2.
    DayFirst,
}

/// Reads a QIF file (decoded text) of a bank, cash or card account.
pub fn parse(file: &str, order: DateOrder) -> Result<Statement, FileError> {
    let mut lines = file.lines().map(str::trim_end).filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_default().trim();
    let kind = header
        .strip_prefix("!Type:")
        .ok_or_else(|| FileError::NotThisFormat("QIF", "it does not start with !Type:".into()))?;
    if !["bank", "cash", "ccard", "oth a", "oth l"].contains(&kind.trim().to_ascii_lowercase().as_str()) {
        return Err(FileError::NotThisFormat(
            "QIF",
            format!("!Type:{kind} is not an account of transactions"),
        ));
    }
    let mut statement = Statement::default();
    let mut record: Vec<(char, String)> = Vec::new();
    let mut entry = 0;
    for line in lines {
        if line.starts_with('^') {
            entry += 1;
            match read(entry, &record, order) {
                Ok(line) => statement.lines.push(line),
                Err(message) => statement.errors.push(LineError { entry, message }),
            }
            record.clear();
            continue;
        }
        let mut chars = line.chars();
        if let Some(field) = chars.next() {
            record.push((field, chars.as_str().to_owned()));
        }
    }
    if record.iter().any(|(field, _)| *field == 'D' || *field == 'T') {
        entry += 1;
        statement.errors.push(LineError {
            entry,
            message: "does not end with ^".into(),
        });
    }
    Ok(statement)
}

fn read(entry: usize, record: &[(char, String)], order: DateOrder) -> Result<StatementLine, String> {
    // The first value of each field counts (split lines repeat S/E/$, which are not read).
    let field = |f: char| record.iter().find(|(name, _)| *name == f).map(|(_, v)| v.clone());
    let raw_date = field('D').ok_or("has no D (date)")?;
    let date = date(&raw_date, order).ok_or_else(|| format!("D {raw_date:?} is not a date"))?;
    let raw_amount = field('T').or_else(|| field('U')).ok_or("has no T (amount)")?;
    let amount = amount(&raw_amount).ok_or_else(|| format!("T {raw_amount:?} is not an amount"))?;
    Ok(StatementLine {
        entry,
        date,
        amount,
        payee: text(field('P')),
        description: text(field('M')),
        bank_id: None,
        // "[Savings]" is a transfer to another account, not a category.
        category: text(field('L')).filter(|c| !c.starts_with('[')),
    })
}

/// "11/02/2026", "11/2'26", "11-02-26", "2026-11-02".
fn date(raw: &str, order: DateOrder) -> Option<NaiveDate> {
    let raw = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Some(date);
    }
    let parts: Vec<&str> = raw.split(['/', '\'', '-', '.']).map(str::trim).collect();
    let [a, b, year] = parts.as_slice() else { return None };
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    let (month, day) = match order {
        DateOrder::MonthFirst => (a, b),
        DateOrder::DayFirst => (b, a),
    };
    let year: i32 = year.parse().ok()?;
    // Two-digit years: Quicken writes 'YY for 2000 and later.
    let year = if year < 100 { 2000 + year } else { year };
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundation::bank_files::decode;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_quicken_bank_export_reads_dates_amounts_payees_and_categories() {
        let file = decode(include_bytes!("fixtures/checking.qif"));
        let statement = parse(&file, DateOrder::MonthFirst).expect("qif");
        let lines = &statement.lines;
        assert_eq!(lines.len(), 4, "{:?}", statement.errors);
        assert_eq!(lines[0].date, ymd(2026, 11, 2));
        assert_eq!(lines[0].amount, "-1234.56".parse().expect("decimal"));
        assert_eq!(lines[0].payee.as_deref(), Some("Landlord Müller"));
        assert_eq!(lines[0].category.as_deref(), Some("Housing:Rent"));
        assert_eq!(lines[1].date, ymd(2026, 11, 5), "11/5'26");
        assert_eq!(lines[2].category, None, "a transfer is no category");
        assert_eq!(lines[3].description.as_deref(), Some("Refund"));
        assert_eq!(statement.errors.len(), 1);
        assert_eq!(statement.errors[0].entry, 5);
        assert!(statement.errors[0].message.contains("date"), "{:?}", statement.errors);
    }

    #[test]
    fn day_first_dates_are_the_callers_choice() {
        let file = "!Type:Bank\nD02/11/2026\nT-5.00\nPBakery\n^\n";
        assert_eq!(
            parse(file, DateOrder::DayFirst).expect("qif").lines[0].date,
            ymd(2026, 11, 2)
        );
        assert_eq!(
            parse(file, DateOrder::MonthFirst).expect("qif").lines[0].date,
            ymd(2026, 2, 11)
        );
    }

    #[test]
    fn other_files_are_not_qif() {
        assert!(parse("Date,Amount\n", DateOrder::MonthFirst).is_err());
        assert!(parse("!Type:Invst\nD1/1/26\n^\n", DateOrder::MonthFirst).is_err());
    }
}
