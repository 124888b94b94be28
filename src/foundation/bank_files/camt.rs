//! ISO 20022 CAMT.053 (bank-to-customer statement), what European banks export: one `<Ntry>`
//! per booked entry, with `Amt` (unsigned, its currency as `Ccy`), `CdtDbtInd` (CRDT or DBIT),
//! `BookgDt`, `AcctSvcrRef` (the bank's reference) and, in its details, the other party
//! (`Cdtr` of a debit, `Dbtr` of a credit) and the remittance text (`Ustrd`). Entries still
//! pending (`Sts` PDNG) are left out: their amount or date may change. Any version
//! (camt.053.001.02 to .13) reads: names are matched without their namespace.

use chrono::NaiveDate;
use quick_xml::{events::Event, reader::Reader};
use rust_decimal::Decimal;

use super::{FileError, LineError, Statement, StatementLine, amount, text};

#[derive(Default)]
struct Entry {
    amount: Option<String>,
    debit: Option<bool>,
    status: Option<String>,
    booked: Option<String>,
    reference: Option<String>,
    creditor: Option<String>,
    debtor: Option<String>,
    remittance: Vec<String>,
}

/// Reads a CAMT.053 file (decoded text).
pub fn parse(file: &str) -> Result<Statement, FileError> {
    let not_camt = |why: String| FileError::NotThisFormat("CAMT.053", why);
    let mut reader = Reader::from_str(file);
    let mut path: Vec<String> = Vec::new();
    let mut statement = Statement::default();
    let mut entry: Option<Entry> = None;
    let mut entries = 0;
    let mut value = String::new();
    let mut seen_statement = false;
    loop {
        let event = reader.read_event().map_err(|e| not_camt(e.to_string()))?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if name == "Ntry" {
                    entries += 1;
                    entry = Some(Entry::default());
                }
                if name == "Stmt" {
                    seen_statement = true;
                }
                path.push(name);
                value.clear();
            }
            Event::Text(text) => value.push_str(&text.xml10_content()),
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(c)) => value.push(c),
                _ => value.push_str(match &*reference {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::End(_) => {
                let Some(name) = path.pop() else {
                    return Err(not_camt("an end tag without its start".into()));
                };
                let parent = path.last().map(String::as_str).unwrap_or_default();
                let content = value.trim().to_owned();
                value.clear();
                match (&mut entry, name.as_str(), parent) {
                    (Some(_), "Ntry", _) => {
                        let Some(done) = entry.take() else { continue };
                        if done.status.as_deref().is_some_and(|s| s != "BOOK") {
                            continue;
                        }
                        match line(entries, done) {
                            Ok(line) => statement.lines.push(line),
                            Err(message) => statement.errors.push(LineError {
                                entry: entries,
                                message,
                            }),
                        }
                    }
                    (Some(e), "Amt", "Ntry") => e.amount = Some(content),
                    (Some(e), "CdtDbtInd", "Ntry") => e.debit = Some(content == "DBIT"),
                    // camt.053.001.02 writes <Sts>BOOK</Sts>, later versions <Sts><Cd>BOOK</Cd></Sts>.
                    (Some(e), "Sts", "Ntry") if !content.is_empty() => e.status = Some(content),
                    (Some(e), "Cd", "Sts") => e.status = Some(content),
                    (Some(e), "Dt" | "DtTm", "BookgDt") => e.booked = Some(content),
                    (Some(e), "AcctSvcrRef", "Ntry") => e.reference = Some(content),
                    (Some(e), "Nm", _) if path.iter().any(|p| p == "Cdtr") => {
                        e.creditor.get_or_insert(content);
                    }
                    (Some(e), "Nm", _) if path.iter().any(|p| p == "Dbtr") => {
                        e.debtor.get_or_insert(content);
                    }
                    (Some(e), "Ustrd", _) | (Some(e), "AddtlNtryInf", "Ntry") => e.remittance.push(content),
                    (None, "Ccy", "Acct") => statement.currency = text(Some(content)),
                    (None, "IBAN", "Id") => statement.account = text(Some(content)),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_statement {
        return Err(not_camt("it has no <Stmt>".into()));
    }
    Ok(statement)
}

fn line(entry: usize, e: Entry) -> Result<StatementLine, String> {
    let raw = e.amount.ok_or("has no Amt")?;
    let value: Decimal = amount(&raw)
        .filter(|a| !a.is_sign_negative())
        .ok_or_else(|| format!("Amt {raw:?} is not an amount"))?;
    let debit = e.debit.ok_or("has no CdtDbtInd")?;
    let booked = e.booked.ok_or("has no BookgDt")?;
    let date = booked
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| format!("BookgDt {booked:?} is not a date"))?;
    let payee = if debit { e.creditor } else { e.debtor };
    Ok(StatementLine {
        entry,
        date,
        amount: if debit { -value } else { value },
        payee: text(payee),
        description: text(Some(e.remittance.join(" "))),
        bank_id: text(e.reference),
        category: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundation::bank_files::decode;

    #[test]
    fn a_camt_053_statement_reads_booked_entries_with_their_other_party() {
        let file = decode(include_bytes!("fixtures/statement.camt053.xml"));
        let statement = parse(&file).expect("camt");
        assert_eq!(statement.currency.as_deref(), Some("EUR"));
        assert_eq!(statement.account.as_deref(), Some("DE89370400440532013000"));
        assert!(statement.errors.is_empty(), "{:?}", statement.errors);
        let lines = &statement.lines;
        assert_eq!(lines.len(), 2, "the pending entry is left out");
        assert_eq!(lines[0].amount, "-1234.56".parse().expect("decimal"));
        assert_eq!(lines[0].date, NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"));
        assert_eq!(lines[0].payee.as_deref(), Some("Hausverwaltung Müller & Söhne"));
        assert_eq!(lines[0].description.as_deref(), Some("Miete November"));
        assert_eq!(lines[0].bank_id.as_deref(), Some("2026110200001"));
        assert_eq!(lines[1].amount, "2500.00".parse().expect("decimal"));
        assert_eq!(
            lines[1].payee.as_deref(),
            Some("ACME GmbH"),
            "a credit's other party is the debtor"
        );
        assert_eq!(lines[1].entry, 3);
    }

    #[test]
    fn other_files_are_not_camt() {
        assert!(parse("<OFX></OFX>").is_err());
        assert!(parse("Date,Amount").is_err());
    }
}
