//! A bank's own CSV export, read through a column mapping the user gives once per bank:
//! which columns hold the date, the amount (one signed column, or separate debit and credit
//! columns), the payee, the description and a category; the date format; the decimal
//! convention ("1,234.56" or "1.234,56"); the sign convention (card statements list spending
//! as positive); the delimiter (detected from the header when not given); and how many
//! preamble lines come before the header, as many banks print the account and period there.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{FileError, LineError, Statement, StatementLine, amount_in, text};

/// How to read one bank's CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    /// Header of the date column.
    pub date: String,
    /// chrono format of its dates, e.g. "%d.%m.%Y" or "%m/%d/%Y".
    pub date_format: String,
    /// Header of a signed amount column; or else `debit` and `credit`.
    pub amount: Option<String>,
    /// Money out (as a positive number, or a negative one: the sign is ignored).
    pub debit: Option<String>,
    /// Money in.
    pub credit: Option<String>,
    pub payee: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    /// "1.234,56": the comma is the decimal separator.
    pub decimal_comma: bool,
    /// Positive amounts are money out (card statements).
    pub positive_is_out: bool,
    /// `;`, `,`, tab or `|`; None: whichever of them the header line has most of.
    pub delimiter: Option<u8>,
    /// Lines before the header.
    pub skip_lines: usize,
}

impl CsvMapping {
    fn columns(&self) -> Vec<&str> {
        let optional = [
            &self.amount,
            &self.debit,
            &self.credit,
            &self.payee,
            &self.description,
            &self.category,
        ];
        std::iter::once(self.date.as_str())
            .chain(optional.into_iter().flatten().map(String::as_str))
            .collect()
    }
}

/// Reads `file` (decoded text) with `mapping`. A missing mapped column, or a mapping with
/// neither an amount nor a debit or credit column, makes the whole file unreadable.
pub fn parse(file: &str, mapping: &CsvMapping) -> Result<Statement, FileError> {
    let not_csv = |why: String| FileError::NotThisFormat("CSV", why);
    if mapping.amount.is_none() && mapping.debit.is_none() && mapping.credit.is_none() {
        return Err(not_csv("the mapping names no amount, debit or credit column".into()));
    }
    let body: String = file
        .strip_prefix('\u{feff}')
        .unwrap_or(file)
        .lines()
        .skip(mapping.skip_lines)
        .collect::<Vec<_>>()
        .join("\n");
    let delimiter = mapping
        .delimiter
        .unwrap_or_else(|| detect(body.lines().next().unwrap_or_default()));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let headers = reader.headers().map_err(|e| not_csv(e.to_string()))?.clone();
    let at = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name.trim()));
    let missing: Vec<&str> = mapping.columns().into_iter().filter(|c| at(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(not_csv(format!("its header has no column {}", missing.join(", "))));
    }
    let column = |name: &Option<String>| name.as_deref().and_then(at);
    let (date_at, amount_at, debit_at, credit_at) = (
        at(&mapping.date),
        column(&mapping.amount),
        column(&mapping.debit),
        column(&mapping.credit),
    );
    let (payee_at, description_at, category_at) = (
        column(&mapping.payee),
        column(&mapping.description),
        column(&mapping.category),
    );

    let mut statement = Statement::default();
    for (index, record) in reader.records().enumerate() {
        let entry = index + 1;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                statement.errors.push(LineError {
                    entry,
                    message: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or_default().to_owned();
        if record.iter().all(str::is_empty) {
            continue;
        }
        let read = || -> Result<StatementLine, String> {
            let raw_date = cell(date_at);
            let date = NaiveDate::parse_from_str(&raw_date, &mapping.date_format).map_err(|_| {
                format!(
                    "{} {raw_date:?} is not a date like {}",
                    mapping.date, mapping.date_format
                )
            })?;
            let number = |raw: String, name: &str| -> Result<Option<Decimal>, String> {
                if raw.trim().is_empty() {
                    return Ok(None);
                }
                amount_in(&raw, mapping.decimal_comma)
                    .map(Some)
                    .ok_or_else(|| format!("{name} {raw:?} is not an amount"))
            };
            let amount = match amount_at {
                Some(_) => {
                    number(cell(amount_at), mapping.amount.as_deref().unwrap_or_default())?.ok_or("has no amount")?
                }
                None => {
                    let debit = number(cell(debit_at), mapping.debit.as_deref().unwrap_or_default())?;
                    let credit = number(cell(credit_at), mapping.credit.as_deref().unwrap_or_default())?;
                    if debit.is_none() && credit.is_none() {
                        return Err("has neither a debit nor a credit".into());
                    }
                    credit.unwrap_or_default().abs() - debit.unwrap_or_default().abs()
                }
            };
            Ok(StatementLine {
                entry,
                date,
                amount: if mapping.positive_is_out { -amount } else { amount },
                payee: text(Some(cell(payee_at))),
                description: text(Some(cell(description_at))),
                bank_id: None,
                category: text(Some(cell(category_at))),
            })
        };
        match read() {
            Ok(line) => statement.lines.push(line),
            Err(message) => statement.errors.push(LineError { entry, message }),
        }
    }
    Ok(statement)
}

/// The candidate the header line holds most of.
fn detect(header: &str) -> u8 {
    [b';', b',', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundation::bank_files::decode;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn german() -> CsvMapping {
        CsvMapping {
            date: "Buchungstag".into(),
            date_format: "%d.%m.%Y".into(),
            amount: Some("Betrag".into()),
            debit: None,
            credit: None,
            payee: Some("Beguenstigter/Zahlungspflichtiger".into()),
            description: Some("Verwendungszweck".into()),
            category: None,
            decimal_comma: true,
            positive_is_out: false,
            delimiter: None,
            skip_lines: 4,
        }
    }

    #[test]
    fn a_german_export_in_windows_1252_with_a_preamble_and_decimal_commas() {
        let file = decode(include_bytes!("fixtures/sparkasse.csv"));
        let statement = parse(&file, &german()).expect("csv");
        assert_eq!(statement.lines.len(), 3, "{:?}", statement.errors);
        assert_eq!(statement.lines[0].amount, dec("-1234.56"));
        assert_eq!(
            statement.lines[0].date,
            NaiveDate::from_ymd_opt(2026, 11, 2).expect("date")
        );
        assert_eq!(statement.lines[0].payee.as_deref(), Some("Hausverwaltung Müller"));
        assert_eq!(statement.lines[1].amount, dec("2500.00"));
        assert_eq!(statement.lines[2].description.as_deref(), Some("Kaffee; zum Mitnehmen"));
        assert_eq!(statement.errors.len(), 1);
        assert_eq!(statement.errors[0].entry, 4);
        assert!(
            statement.errors[0].message.contains("Buchungstag"),
            "{:?}",
            statement.errors
        );
    }

    #[test]
    fn debit_and_credit_columns_and_card_sign_conventions() {
        let file = "Date,Description,Debit,Credit\n11/02/2026,Groceries,\"1,234.50\",\n11/03/2026,Refund,,20.00\n";
        let mapping = CsvMapping {
            date: "Date".into(),
            date_format: "%m/%d/%Y".into(),
            amount: None,
            debit: Some("Debit".into()),
            credit: Some("Credit".into()),
            payee: None,
            description: Some("Description".into()),
            category: None,
            decimal_comma: false,
            positive_is_out: false,
            delimiter: None,
            skip_lines: 0,
        };
        let statement = parse(file, &mapping).expect("csv");
        let amounts: Vec<Decimal> = statement.lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, [dec("-1234.50"), dec("20.00")]);

        let card = "Posted,Amount,Merchant\n2026-11-04,23.99,AMAZON MKTPL*2K4\n2026-11-05,-10.00,Refund\n";
        let mapping = CsvMapping {
            date: "Posted".into(),
            date_format: "%Y-%m-%d".into(),
            amount: Some("Amount".into()),
            debit: None,
            credit: None,
            payee: Some("Merchant".into()),
            description: None,
            category: None,
            decimal_comma: false,
            positive_is_out: true,
            delimiter: None,
            skip_lines: 0,
        };
        let statement = parse(card, &mapping).expect("csv");
        let amounts: Vec<Decimal> = statement.lines.iter().map(|l| l.amount).collect();
        assert_eq!(
            amounts,
            [dec("-23.99"), dec("10.00")],
            "spending on a card is money out"
        );
    }

    #[test]
    fn a_mapping_naming_a_column_the_file_lacks_is_refused() {
        let mut mapping = german();
        mapping.skip_lines = 0;
        let err = parse("Datum;Betrag\n01.11.2026;1,00\n", &mapping).expect_err("no Buchungstag");
        assert!(err.to_string().contains("Buchungstag"), "{err}");
    }
}
