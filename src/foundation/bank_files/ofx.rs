//! OFX and QFX (Quicken's OFX): version 1.x is SGML, whose leaf elements have no end tags
//! (`<TRNAMT>-12.34` then the next tag), version 2.x is XML. Both are read by one tokenizer:
//! a leaf's value is the text after its start tag, up to the next tag, so end tags are
//! optional. Each `<STMTTRN>` aggregate is an entry: DTPOSTED (its first eight digits, the
//! bank's day), TRNAMT (signed), NAME or PAYEE/NAME, MEMO and FITID.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{FileError, LineError, Statement, StatementLine, amount, text};

/// Reads an OFX or QFX file (decoded text).
pub fn parse(file: &str) -> Result<Statement, FileError> {
    let upper = file.to_ascii_uppercase();
    let start = upper
        .find("<OFX>")
        .ok_or_else(|| FileError::NotThisFormat("OFX", "it has no <OFX> element".into()))?;
    let mut statement = Statement::default();
    let mut entry: Option<HashMap<String, String>> = None;
    let mut entries = 0;
    let mut open: Option<String> = None;
    for token in Tokens::new(&file[start..]) {
        match token {
            Token::Start(tag) if tag == "STMTTRN" => {
                entries += 1;
                entry = Some(HashMap::new());
                open = None;
            }
            Token::End(tag) if tag == "STMTTRN" => {
                if let Some(fields) = entry.take() {
                    match line(entries, &fields) {
                        Ok(line) => statement.lines.push(line),
                        Err(message) => statement.errors.push(LineError {
                            entry: entries,
                            message,
                        }),
                    }
                }
                open = None;
            }
            Token::Start(tag) => open = Some(tag),
            Token::End(_) => open = None,
            Token::Text(value) => {
                let Some(tag) = open.take() else { continue };
                let value = unescape(value.trim());
                match (&mut entry, tag.as_str()) {
                    // PAYEE/NAME and NAME both name the payee; the first one read stays.
                    (Some(fields), _) => {
                        fields.entry(tag).or_insert(value);
                    }
                    (None, "CURDEF") => statement.currency = text(Some(value.to_ascii_uppercase())),
                    (None, "ACCTID") => statement.account = text(Some(value)),
                    _ => {}
                }
            }
        }
    }
    if entries == 0 && !upper.contains("<STMTRS>") && !upper.contains("<CCSTMTRS>") {
        return Err(FileError::NotThisFormat(
            "OFX",
            "it holds no bank or card statement".into(),
        ));
    }
    Ok(statement)
}

fn line(entry: usize, fields: &HashMap<String, String>) -> Result<StatementLine, String> {
    let posted = fields.get("DTPOSTED").ok_or("has no DTPOSTED")?;
    let date = posted
        .get(..8)
        .and_then(|day| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .ok_or_else(|| format!("DTPOSTED {posted:?} is not a date"))?;
    let raw = fields.get("TRNAMT").ok_or("has no TRNAMT")?;
    let amount = amount(raw).ok_or_else(|| format!("TRNAMT {raw:?} is not an amount"))?;
    Ok(StatementLine {
        entry,
        date,
        amount,
        payee: text(fields.get("NAME").cloned()),
        description: text(fields.get("MEMO").cloned()),
        bank_id: text(fields.get("FITID").cloned()),
        category: None,
    })
}

fn unescape(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Start(String),
    End(String),
    Text(&'a str),
}

/// Tags (upper-cased names) and the text between them.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens { rest: text }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            if let Some(after) = self.rest.strip_prefix('<') {
                let close = after.find('>')?;
                let tag = &after[..close];
                self.rest = &after[close + 1..];
                // Processing instructions, comments and declarations carry no data.
                if tag.starts_with(['?', '!']) {
                    continue;
                }
                let tag = tag.trim_end_matches('/');
                let name = |t: &str| t.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                return Some(match tag.strip_prefix('/') {
                    Some(end) => Token::End(name(end)),
                    None => Token::Start(name(tag)),
                });
            }
            let end = self.rest.find('<').unwrap_or(self.rest.len());
            let (value, rest) = self.rest.split_at(end);
            self.rest = rest;
            if !value.trim().is_empty() {
                return Some(Token::Text(value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::foundation::bank_files::decode;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn an_ofx_1_sgml_file_in_windows_1252_reads_every_entry() {
        let file = decode(include_bytes!("fixtures/checking-1.02-sgml.ofx"));
        let statement = parse(&file).expect("ofx");
        assert_eq!(statement.currency.as_deref(), Some("USD"));
        assert_eq!(statement.account.as_deref(), Some("000123456789"));
        assert!(statement.errors.is_empty(), "{:?}", statement.errors);
        let lines = &statement.lines;
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].date, NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"));
        assert_eq!(lines[0].amount, dec("-4.75"));
        assert_eq!(lines[0].payee.as_deref(), Some("Café Olé"));
        assert_eq!(lines[0].bank_id.as_deref(), Some("20261102-001"));
        assert_eq!(lines[1].amount, dec("2500.00"));
        assert_eq!(lines[1].description.as_deref(), Some("Salary & bonus"));
        // Two identical coffees on one day stay two entries.
        assert_eq!((lines[2].date, lines[2].amount), (lines[3].date, lines[3].amount));
        assert_ne!(lines[2].entry, lines[3].entry);
    }

    #[test]
    fn an_ofx_2_xml_credit_card_file_reads_payee_aggregates() {
        let file = decode(include_bytes!("fixtures/card-2.2-xml.qfx"));
        let statement = parse(&file).expect("ofx");
        assert_eq!(statement.currency.as_deref(), Some("EUR"));
        assert_eq!(statement.account.as_deref(), Some("4111XXXXXXXX1111"));
        assert_eq!(statement.lines.len(), 2);
        assert_eq!(statement.lines[0].payee.as_deref(), Some("AMAZON MKTPL*2K4"));
        assert_eq!(statement.lines[0].amount, dec("-23.99"));
        assert_eq!(statement.lines[1].payee.as_deref(), Some("Refund shop"));
        assert_eq!(statement.lines[1].amount, dec("10.00"));
        // The one entry with a broken amount is reported, the others still read.
        assert_eq!(statement.errors.len(), 1);
        assert_eq!(statement.errors[0].entry, 2);
        assert!(statement.errors[0].message.contains("TRNAMT"), "{:?}", statement.errors);
    }

    #[test]
    fn other_files_are_not_ofx() {
        assert!(parse("Date,Amount\n2026-01-01,1").is_err());
        assert!(parse("<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>").is_err());
    }
}
