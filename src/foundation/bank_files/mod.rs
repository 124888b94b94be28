//! Reading the statement files banks hand out: OFX/QFX (1.x SGML and 2.x XML), QIF,
//! ISO 20022 CAMT.053 and a bank's own CSV through a column mapping, into one shape,
//! `StatementLine`. Files arrive as bytes in whatever
//! encoding the bank chose; `decode` turns them into text (a UTF-8 BOM is dropped, and a file
//! that is not UTF-8 is read as Windows-1252, what older bank exports use).
//!
//! The parsers only read: an entry they cannot read is a `LineError` naming it, the rest still
//! come through, and which currency, account and duplicates apply is the importer's business.

pub mod camt;
pub mod csv_mapped;
pub mod ofx;
pub mod qif;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One entry of a statement. `amount` is signed: negative money left the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// Its position in the file (1-based, counting entries), for error messages and for
    /// telling apart identical entries of one day.
    pub entry: usize,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub payee: Option<String>,
    pub description: Option<String>,
    /// The bank's own id of the entry (OFX FITID, CAMT AcctSvcrRef), when it gives one.
    pub bank_id: Option<String>,
    /// A category the file names (QIF `L`).
    pub category: Option<String>,
}

/// An entry that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub entry: usize,
    pub message: String,
}

/// What a statement file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    /// ISO 4217, when the file says (OFX CURDEF, CAMT Ccy).
    pub currency: Option<String>,
    /// The bank's account id, when the file says (OFX ACCTID, CAMT IBAN).
    pub account: Option<String>,
    pub lines: Vec<StatementLine>,
    pub errors: Vec<LineError>,
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("is not a {0} file: {1}")]
    NotThisFormat(&'static str, String),
}

/// The text of a file: UTF-8 (a BOM dropped), or else Windows-1252.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// A decimal as banks write it, guessing the convention: "-1234.56", "1,234.56",
/// "1.234,56", "-12,5", "+3". With both marks, the last one is the decimal separator; a comma
/// alone is one too, unless three digits follow it after at most three ("1,234").
pub fn amount(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let decimal_comma = match (text.rfind('.'), text.rfind(',')) {
        (Some(dot), Some(comma)) => comma > dot,
        (None, Some(comma)) => {
            !(text.len() - comma == 4 && text[..comma].trim_start_matches(['-', '+', '\u{2212}']).len() <= 3)
        }
        _ => false,
    };
    amount_in(text, decimal_comma)
}

/// A decimal in a known convention: the other mark (a thousands separator), spaces and
/// apostrophes dropped; a Unicode minus read as one; no exponents.
pub fn amount_in(text: &str, decimal_comma: bool) -> Option<Decimal> {
    let (thousands, point) = if decimal_comma { ('.', ',') } else { (',', '.') };
    let normal: String = text
        .trim()
        .chars()
        .filter(|c| *c != thousands && !c.is_whitespace() && *c != '\u{a0}' && *c != '\'')
        .map(|c| match c {
            c if c == point => '.',
            '\u{2212}' => '-',
            c => c,
        })
        .collect();
    let normal = normal.strip_prefix('+').unwrap_or(&normal);
    if normal.is_empty() || normal.contains(['e', 'E']) {
        return None;
    }
    normal.parse().ok()
}

/// Drops empty values and trims the others.
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_either_convention() {
        for (text, expected) in [
            ("-1234.56", "-1234.56"),
            ("1,234.56", "1234.56"),
            ("1.234,56", "1234.56"),
            ("-12,5", "-12.5"),
            ("+3", "3"),
            ("1,234", "1234"),
            ("12 345,00", "12345.00"),
            ("\u{2212}7.10", "-7.10"),
        ] {
            assert_eq!(amount(text), Some(expected.parse().expect("decimal")), "{text}");
        }
        for bad in ["", "abc", "1e5", "--1"] {
            assert_eq!(amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn files_decode_from_utf8_with_or_without_a_bom_and_else_from_windows_1252() {
        assert_eq!(decode("Café".as_bytes()), "Café");
        assert_eq!(decode(b"\xEF\xBB\xBFCaf\xC3\xA9"), "Café");
        assert_eq!(decode(b"Caf\xE9 \x80"), "Café €");
    }
}
