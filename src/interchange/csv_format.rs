//! The CSV file format, as pure functions: reading rows with per-line errors, writing rows,
//! and neutralising cells a spreadsheet would run as formulas.

use chrono::NaiveDate;

use crate::foundation::entities::transactions::TransactionType;
use crate::foundation::{
    csv_table::{self, Limits, Record},
    money::{Currency, Money},
    validate,
};

pub use crate::foundation::csv_table::{FileError, LineError, neutralise};

pub const HEADER: [&str; 5] = ["date", "description", "amount", "type", "category"];
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
pub const MAX_ROWS: usize = 100_000;
const DESCRIPTION_MAX: usize = 500;

/// One valid data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub date: NaiveDate,
    pub description: String,
    /// Minor units of the import's currency.
    pub amount: i64,
    pub kind: TransactionType,
    pub category: Option<String>,
}

/// Reads a whole file: valid rows and every bad line, or why the file cannot be read.
/// Amounts are read in `currency`. `known_category` says whether a category name exists, so
/// a line's message names every
/// bad column at once. Accepts a UTF-8 BOM, CRLF line ends, quoted fields, columns in any
/// order, extra columns (ignored) and blank lines.
pub fn read(
    data: &str,
    currency: Currency,
    known_category: impl Fn(&str) -> bool,
) -> Result<(Vec<Row>, Vec<LineError>), FileError> {
    let limits = Limits {
        max_bytes: MAX_BYTES,
        max_rows: MAX_ROWS,
    };
    let (records, mut errors) = csv_table::read(data, limits, &HEADER, 4)?;
    let mut rows = Vec::with_capacity(records.len());
    for Record { line, cells } in records {
        let mut cells = cells.into_iter();
        let mut next = || cells.next().unwrap_or_default();
        let cells = [next(), next(), next(), next(), next()];
        match row(line, cells, currency, &known_category) {
            Ok(row) => rows.push(row),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    // Unreadable lines and invalid ones, in file order.
    errors.sort_by_key(|e| e.line);
    Ok((rows, errors))
}

/// Validates one line's cells; the message names every bad column.
fn row(
    line: u64,
    [date, description, amount, kind, category]: [String; 5],
    currency: Currency,
    known_category: &impl Fn(&str) -> bool,
) -> Result<Row, String> {
    let mut problems = Vec::new();
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .ok()
        .filter(|_| date.len() == 10)
        .ok_or_else(|| "date: must be YYYY-MM-DD".to_owned())
        .and_then(validate::plausible_date)
        .map_err(|e| problems.push(if e.starts_with("date") { e } else { format!("date: {e}") }))
        .ok();
    let description = validate::label(&description, DESCRIPTION_MAX)
        .map_err(|e| problems.push(format!("description: {e}")))
        .ok();
    let amount = amount
        .parse::<Money>()
        .map_err(|e| e.to_string())
        .and_then(|amount| validate::positive(amount, currency))
        .map_err(|e| problems.push(format!("amount: {e}")))
        .ok();
    let kind = match kind.to_ascii_lowercase().as_str() {
        "income" => Some(TransactionType::Income),
        "expense" => Some(TransactionType::Expense),
        _ => {
            problems.push("type: must be income or expense".into());
            None
        }
    };
    if !category.is_empty() && !known_category(&category) {
        problems.push(format!("category: you have no budget category named {category:?}"));
    }
    match (date, description, amount, kind) {
        (Some(date), Some(description), Some(amount), Some(kind)) if problems.is_empty() => Ok(Row {
            line,
            date,
            description,
            amount,
            kind,
            category: Some(category).filter(|c| !c.is_empty()),
        }),
        _ => Err(problems.join("; ")),
    }
}

/// The file's name for a transaction type.
pub fn kind_name(kind: TransactionType) -> &'static str {
    match kind {
        TransactionType::Income => "income",
        TransactionType::Expense => "expense",
        TransactionType::TransferIn => "transfer_in",
        TransactionType::TransferOut => "transfer_out",
    }
}

/// One exported line's cells, in `HEADER` order.
pub fn cells(
    date: NaiveDate,
    description: &str,
    amount: Money,
    kind: TransactionType,
    category: Option<&str>,
) -> [String; 5] {
    let kind = kind_name(kind);
    [
        date.format("%Y-%m-%d").to_string(),
        neutralise(description),
        amount.to_string(),
        kind.to_owned(),
        category.map(neutralise).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_bom_crlf_extra_columns_and_any_order() {
        let data = "\u{feff}Type,Amount,Date,Description,Notes,Category\r\nexpense,12.50,2026-11-01,\"Coffee, large\",x,Food\r\nINCOME,1000,2026-11-02,\"Salary \"\"Nov\"\"\",,\r\n\r\n";
        let (rows, errors) = read(data, Currency::USD, |_| true).expect("readable");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].description, "Coffee, large");
        assert_eq!(rows[0].amount, 1250);
        assert_eq!(rows[0].category.as_deref(), Some("Food"));
        assert_eq!(rows[0].line, 2, "CRLF files count lines like LF files");
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].kind, TransactionType::Income);
        assert_eq!(rows[1].description, "Salary \"Nov\"");
        assert_eq!(rows[1].category, None);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let data = "date,description,amount,type\n2026-11-01,ok,1.00,expense\n2026-13-01,bad date,1.00,expense\n2026-11-02,,0.001,refund\n2026-11-03,fine,2.00,income\n";
        let (rows, errors) = read(data, Currency::USD, |_| true).expect("readable");
        assert_eq!(rows.len(), 2);
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0],
            LineError {
                line: 3,
                message: "date: must be YYYY-MM-DD".into()
            }
        );
        assert_eq!(errors[1].line, 4);
        assert_eq!(
            errors[1].message,
            "description: must not be empty; amount: must have at most two decimal places; type: must be income or expense"
        );
    }

    #[test]
    fn blank_lines_count_toward_line_numbers() {
        for data in [
            "date,description,amount,type\n2026-11-01,a,1.00,expense\n\n\nx,b,1.00,expense\n",
            "date,description,amount,type\r\n2026-11-01,a,1.00,expense\r\n\r\n\r\nx,b,1.00,expense\r\n",
        ] {
            let (_, errors) = read(data, Currency::USD, |_| true).expect("readable");
            assert_eq!(errors[0].line, 5, "{data:?}");
        }
    }

    #[test]
    fn an_unknown_category_is_reported_with_the_other_problems() {
        let data = "date,description,amount,type,category\n2026-11-03,Trip,1.001,expense,Travel\n2026-11-03,Food,1.00,expense,food\n";
        let (rows, errors) = read(data, Currency::USD, |name| name.eq_ignore_ascii_case("food")).expect("readable");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            errors[0].message,
            "amount: must have at most two decimal places; category: you have no budget category named \"Travel\""
        );
    }

    #[test]
    fn line_numbers_count_physical_lines() {
        let data = "date,description,amount,type,notes\r\n2026-11-01,a,1.00,expense,\"two\r\nlines\"\r\n2026-11-01,x,bad,expense,\r\n";
        let (rows, errors) = read(data, Currency::USD, |_| true).expect("readable");
        assert_eq!(rows[0].line, 2);
        assert_eq!(errors[0].line, 4, "the quoted line break counts");
    }

    #[test]
    fn a_file_without_the_required_columns_or_too_big_is_refused() {
        assert_eq!(
            read("date,amount\n", Currency::USD, |_| true),
            Err(FileError::MissingColumns {
                required: HEADER[..4].to_vec(),
                missing: vec!["description", "type"]
            })
        );
        assert_eq!(
            read(&"x".repeat(MAX_BYTES + 1), Currency::USD, |_| true),
            Err(FileError::TooLarge { max_bytes: MAX_BYTES })
        );
        let many = format!(
            "date,description,amount,type\n{}",
            "2026-11-01,a,1.00,expense\n".repeat(MAX_ROWS + 1)
        );
        assert_eq!(
            read(&many, Currency::USD, |_| true).map(|_| ()),
            Err(FileError::TooManyRows { max_rows: MAX_ROWS })
        );
    }
}
