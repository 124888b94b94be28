//! The CSV file format, as pure functions: reading rows with per-line errors, writing rows,
//! and neutralising cells a spreadsheet would run as formulas.
//!
//! Columns: `date,description,amount,type` (required), then `category`, `account`, `currency`,
//! `payee`, `cleared`, `splits` and `transfer`, which an export always writes and an import
//! reads when present, so an export imports back whole: into the accounts it names, split
//! lines as JSON (`[{"category":"Food","amount":"62.40"}]`), and the two legs of a transfer
//! linked by a shared `transfer` reference.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::foundation::entities::transactions::{Cleared, TransactionType};
use crate::foundation::{
    csv_table::{self, Limits, Record},
    money::{Currency, Money},
    validate,
};

pub use crate::foundation::csv_table::{FileError, LineError, neutralise};

pub const HEADER: [&str; 11] = [
    "date",
    "description",
    "amount",
    "type",
    "category",
    "account",
    "currency",
    "payee",
    "cleared",
    "splits",
    "transfer",
];
/// The columns every file must have.
const REQUIRED: usize = 4;
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
pub const MAX_ROWS: usize = 100_000;
const DESCRIPTION_MAX: usize = 500;
const PAYEE_MAX: usize = 200;

/// The account a row's money is in, and that account's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    pub account_id: Uuid,
    pub currency: Currency,
}

/// One line of a split, as the file gives it (the amount in minor units of the row's currency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitLine {
    pub category: Option<String>,
    pub amount: i64,
    pub description: Option<String>,
}

/// A split line in the `splits` cell's JSON.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitCell {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub amount: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One valid data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub date: NaiveDate,
    pub description: String,
    /// Minor units of the row's account's currency.
    pub amount: i64,
    pub kind: TransactionType,
    pub category: Option<String>,
    pub place: Place,
    pub payee: Option<String>,
    pub cleared: Cleared,
    pub splits: Vec<SplitLine>,
    /// The reference the two legs of a transfer share.
    pub transfer: Option<String>,
}

/// What rows are checked against: the account a row without `account` goes to, the caller's
/// open accounts by name, and their category names.
pub struct Checks<'a> {
    pub default: Place,
    pub account: &'a (dyn Fn(&str) -> Option<Place> + Sync),
    pub known_category: &'a (dyn Fn(&str) -> bool + Sync),
}

/// Reads a whole file: valid rows and every bad line, or why the file cannot be read.
/// Accepts a UTF-8 BOM, CRLF line ends, quoted fields, columns in any order, extra columns
/// (ignored) and blank lines.
pub fn read(data: &str, checks: &Checks<'_>) -> Result<(Vec<Row>, Vec<LineError>), FileError> {
    let limits = Limits {
        max_bytes: MAX_BYTES,
        max_rows: MAX_ROWS,
    };
    let (records, mut errors) = csv_table::read(data, limits, &HEADER, REQUIRED)?;
    let mut rows = Vec::with_capacity(records.len());
    for Record { line, cells } in records {
        match row(line, cells, checks) {
            Ok(row) => rows.push(row),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    // Unreadable lines and invalid ones, in file order.
    errors.sort_by_key(|e| e.line);
    Ok((rows, errors))
}

/// Validates one line's cells (in `HEADER` order); the message names every bad column.
fn row(line: u64, cells: Vec<String>, checks: &Checks<'_>) -> Result<Row, String> {
    let mut cells = cells.into_iter();
    let mut next = || cells.next().unwrap_or_default();
    let [
        date,
        description,
        amount,
        kind,
        category,
        account,
        currency,
        payee,
        cleared,
        splits,
        transfer,
    ] = std::array::from_fn(|_| next());
    let mut problems = Vec::new();
    let mut check = |column: &str, result: Result<(), String>| {
        if let Err(e) = result {
            problems.push(format!("{column}: {e}"));
        }
    };
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .ok()
        .filter(|_| date.len() == 10)
        .ok_or_else(|| "must be YYYY-MM-DD".to_owned())
        .and_then(validate::plausible_date);
    let description = validate::label(&description, DESCRIPTION_MAX);
    let place = if account.is_empty() {
        Ok(checks.default)
    } else {
        (checks.account)(&account).ok_or_else(|| format!("you have no open account named {account:?}"))
    };
    let currency_of = place.as_ref().ok().map(|p| p.currency);
    let amount = amount
        .parse::<Money>()
        .map_err(|e| e.to_string())
        .and_then(|amount| currency_of.map_or(Ok(0), |c| validate::positive(amount, c)));
    let kind = match kind.to_ascii_lowercase().as_str() {
        "income" => Ok(TransactionType::Income),
        "expense" => Ok(TransactionType::Expense),
        "transfer_in" => Ok(TransactionType::TransferIn),
        "transfer_out" => Ok(TransactionType::TransferOut),
        _ => Err("must be income, expense, transfer_in or transfer_out".to_owned()),
    };
    let is_transfer = kind.as_ref().is_ok_and(|k| k.is_transfer());
    check("date", date.as_ref().map(|_| ()).map_err(Clone::clone));
    check("description", description.as_ref().map(|_| ()).map_err(Clone::clone));
    check("amount", amount.as_ref().map(|_| ()).map_err(Clone::clone));
    check("type", kind.as_ref().map(|_| ()).map_err(Clone::clone));
    if !category.is_empty() && !(checks.known_category)(&category) {
        check(
            "category",
            Err(format!("you have no budget category named {category:?}")),
        );
    } else if !category.is_empty() && is_transfer {
        check("category", Err("a transfer has no category".into()));
    }
    check("account", place.as_ref().map(|_| ()).map_err(Clone::clone));
    if let (false, Some(expected)) = (currency.is_empty(), currency_of) {
        check(
            "currency",
            match Currency::parse(&currency) {
                Ok(given) if given == expected => Ok(()),
                Ok(given) => Err(format!("{given} is not the account's currency ({expected})")),
                Err(e) => Err(e),
            },
        );
    }
    let payee = validate::optional_label(Some(payee), PAYEE_MAX);
    check("payee", payee.as_ref().map(|_| ()).map_err(Clone::clone));
    let cleared = match cleared.to_ascii_lowercase().as_str() {
        "" | "uncleared" => Ok(Cleared::Uncleared),
        "cleared" => Ok(Cleared::Cleared),
        "reconciled" => Ok(Cleared::Reconciled),
        _ => Err("must be uncleared, cleared or reconciled".to_owned()),
    };
    check("cleared", cleared.as_ref().map(|_| ()).map_err(Clone::clone));
    let split_lines = match (splits.is_empty(), currency_of) {
        (true, _) | (false, None) => Ok(Vec::new()),
        (false, Some(currency)) => split_lines(&splits, currency, checks).and_then(|lines| {
            if is_transfer {
                return Err("a transfer has no categories to split between".into());
            }
            if !category.is_empty() {
                return Err("cannot be combined with category".into());
            }
            let sum: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
            match amount {
                Ok(total) if sum != i128::from(total) => Err(format!(
                    "the lines sum to {}, not the amount {}",
                    i64::try_from(sum).map_or_else(|_| sum.to_string(), |s| currency.amount(s).to_string()),
                    currency.amount(total)
                )),
                _ => Ok(lines),
            }
        }),
    };
    check("splits", split_lines.as_ref().map(|_| ()).map_err(Clone::clone));
    match (is_transfer, transfer.is_empty()) {
        (true, true) => check(
            "transfer",
            Err("a transfer leg needs the reference its other leg shares".into()),
        ),
        (false, false) if kind.is_ok() => check(
            "transfer",
            Err("only transfer_in and transfer_out rows are transfers".into()),
        ),
        _ => {}
    }
    match (date, description, amount, kind, place, payee, cleared, split_lines) {
        (Ok(date), Ok(description), Ok(amount), Ok(kind), Ok(place), Ok(payee), Ok(cleared), Ok(splits))
            if problems.is_empty() =>
        {
            Ok(Row {
                line,
                date,
                description,
                amount,
                kind,
                category: Some(category).filter(|c| !c.is_empty()),
                place,
                payee,
                cleared,
                splits,
                transfer: Some(transfer).filter(|t| !t.is_empty()),
            })
        }
        _ => Err(problems.join("; ")),
    }
}

/// The `splits` cell: 2 to 50 lines of the caller's categories (or none), amounts in
/// `currency`, never 0.
fn split_lines(cell: &str, currency: Currency, checks: &Checks<'_>) -> Result<Vec<SplitLine>, String> {
    let parsed: Vec<SplitCell> = serde_json::from_str(cell)
        .map_err(|_| "must be a JSON list of {\"category\", \"amount\", \"description\"} lines".to_owned())?;
    if !(2..=50).contains(&parsed.len()) {
        return Err("must have 2 to 50 lines".into());
    }
    parsed
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let amount = line
                .amount
                .parse::<Money>()
                .map_err(|e| e.to_string())
                .and_then(|a| validate::amount(a, currency))
                .and_then(|a| if a == 0 { Err("must not be 0".into()) } else { Ok(a) })
                .map_err(|e| format!("line {}: amount {e}", i + 1))?;
            let category = line.category.filter(|c| !c.trim().is_empty());
            if let Some(name) = &category
                && !(checks.known_category)(name)
            {
                return Err(format!("line {}: you have no budget category named {name:?}", i + 1));
            }
            let description = validate::optional_label(line.description, DESCRIPTION_MAX)
                .map_err(|e| format!("line {}: description {e}", i + 1))?;
            Ok(SplitLine {
                category,
                amount,
                description,
            })
        })
        .collect()
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

/// The file's name for a cleared state.
pub fn cleared_name(cleared: Cleared) -> &'static str {
    match cleared {
        Cleared::Uncleared => "uncleared",
        Cleared::Cleared => "cleared",
        Cleared::Reconciled => "reconciled",
    }
}

/// One transaction as the file writes it: every column of `HEADER`.
pub struct Line<'a> {
    pub date: NaiveDate,
    pub description: &'a str,
    pub amount: Money,
    pub kind: TransactionType,
    pub category: Option<&'a str>,
    pub account: &'a str,
    pub currency: &'a str,
    pub payee: Option<&'a str>,
    pub cleared: Cleared,
    /// The `splits` cell's JSON, or empty.
    pub splits: String,
    pub transfer: Option<Uuid>,
}

/// One exported line's cells, in `HEADER` order.
pub fn cells(line: &Line<'_>) -> [String; 11] {
    [
        line.date.format("%Y-%m-%d").to_string(),
        neutralise(line.description),
        line.amount.to_string(),
        kind_name(line.kind).to_owned(),
        line.category.map(neutralise).unwrap_or_default(),
        neutralise(line.account),
        line.currency.to_owned(),
        line.payee.map(neutralise).unwrap_or_default(),
        cleared_name(line.cleared).to_owned(),
        line.splits.clone(),
        line.transfer.map(|t| t.to_string()).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `data` into a USD default account; `Euro` names a EUR account.
    fn read_in_usd(data: &str, known: impl Fn(&str) -> bool + Sync) -> Result<(Vec<Row>, Vec<LineError>), FileError> {
        let default = Place {
            account_id: Uuid::nil(),
            currency: Currency::USD,
        };
        let euro = Place {
            account_id: Uuid::max(),
            currency: Currency::parse("EUR").expect("EUR"),
        };
        let account = move |name: &str| name.eq_ignore_ascii_case("euro").then_some(euro);
        read(
            data,
            &Checks {
                default,
                account: &account,
                known_category: &known,
            },
        )
    }

    #[test]
    fn accounts_currencies_payees_cleared_states_splits_and_transfers_are_read() {
        let data = "date,description,amount,type,category,account,currency,payee,cleared,splits,transfer\n\
            2026-11-01,Receipt,100.00,expense,,Euro,EUR,Market,cleared,\"[{\"\"category\"\":\"\"Food\"\",\"\"amount\"\":\"\"62.40\"\"},{\"\"amount\"\":\"\"37.60\"\",\"\"description\"\":\"\"Soap\"\"}]\",\n\
            2026-11-02,Move,10.00,transfer_out,,,USD,,reconciled,,t1\n\
            2026-11-02,Move,9.00,transfer_in,,euro,,,,,t1\n";
        let (rows, errors) = read_in_usd(data, |name| name == "Food").expect("readable");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].place.account_id, Uuid::max());
        assert_eq!(
            (rows[0].payee.as_deref(), rows[0].cleared),
            (Some("Market"), Cleared::Cleared)
        );
        assert_eq!(
            rows[0].splits,
            [
                SplitLine {
                    category: Some("Food".into()),
                    amount: 6240,
                    description: None
                },
                SplitLine {
                    category: None,
                    amount: 3760,
                    description: Some("Soap".into())
                }
            ]
        );
        assert_eq!(
            (rows[1].kind, rows[1].transfer.as_deref(), rows[1].place.account_id),
            (TransactionType::TransferOut, Some("t1"), Uuid::nil())
        );
        assert_eq!(
            (rows[2].kind, rows[2].place.account_id),
            (TransactionType::TransferIn, Uuid::max())
        );
    }

    #[test]
    fn bad_accounts_currencies_splits_and_transfers_are_named() {
        let data = "date,description,amount,type,category,account,currency,splits,transfer\n\
            2026-11-01,a,1.00,expense,,Nowhere,,,\n\
            2026-11-01,b,1.00,expense,,Euro,USD,,\n\
            2026-11-01,c,1.00,expense,Food,,,\"[{\"\"amount\"\":\"\"0.40\"\"},{\"\"amount\"\":\"\"0.50\"\"}]\",\n\
            2026-11-01,d,1.00,expense,,,,\"[{\"\"amount\"\":\"\"0.40\"\"},{\"\"amount\"\":\"\"0.50\"\"}]\",\n\
            2026-11-01,e,1.00,transfer_in,Food,,,,\n\
            2026-11-01,f,1.00,income,,,,,t9\n\
            2026-11-01,g,1.00,expense,,,,not json,\n";
        let (rows, errors) = read_in_usd(data, |name| name == "Food").expect("readable");
        assert!(rows.is_empty());
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "account: you have no open account named \"Nowhere\"",
                "currency: USD is not the account's currency (EUR)",
                "splits: cannot be combined with category",
                "splits: the lines sum to 0.90, not the amount 1.00",
                "category: a transfer has no category; transfer: a transfer leg needs the reference its other leg shares",
                "transfer: only transfer_in and transfer_out rows are transfers",
                "splits: must be a JSON list of {\"category\", \"amount\", \"description\"} lines",
            ]
        );
    }

    #[test]
    fn reads_quotes_bom_crlf_extra_columns_and_any_order() {
        let data = "\u{feff}Type,Amount,Date,Description,Notes,Category\r\nexpense,12.50,2026-11-01,\"Coffee, large\",x,Food\r\nINCOME,1000,2026-11-02,\"Salary \"\"Nov\"\"\",,\r\n\r\n";
        let (rows, errors) = read_in_usd(data, |_| true).expect("readable");
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
        let (rows, errors) = read_in_usd(data, |_| true).expect("readable");
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
            "description: must not be empty; amount: must have at most two decimal places; type: must be income, expense, transfer_in or transfer_out"
        );
    }

    #[test]
    fn blank_lines_count_toward_line_numbers() {
        for data in [
            "date,description,amount,type\n2026-11-01,a,1.00,expense\n\n\nx,b,1.00,expense\n",
            "date,description,amount,type\r\n2026-11-01,a,1.00,expense\r\n\r\n\r\nx,b,1.00,expense\r\n",
        ] {
            let (_, errors) = read_in_usd(data, |_| true).expect("readable");
            assert_eq!(errors[0].line, 5, "{data:?}");
        }
    }

    #[test]
    fn an_unknown_category_is_reported_with_the_other_problems() {
        let data = "date,description,amount,type,category\n2026-11-03,Trip,1.001,expense,Travel\n2026-11-03,Food,1.00,expense,food\n";
        let (rows, errors) = read_in_usd(data, |name| name.eq_ignore_ascii_case("food")).expect("readable");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            errors[0].message,
            "amount: must have at most two decimal places; category: you have no budget category named \"Travel\""
        );
    }

    #[test]
    fn line_numbers_count_physical_lines() {
        let data = "date,description,amount,type,notes\r\n2026-11-01,a,1.00,expense,\"two\r\nlines\"\r\n2026-11-01,x,bad,expense,\r\n";
        let (rows, errors) = read_in_usd(data, |_| true).expect("readable");
        assert_eq!(rows[0].line, 2);
        assert_eq!(errors[0].line, 4, "the quoted line break counts");
    }

    #[test]
    fn a_file_without_the_required_columns_or_too_big_is_refused() {
        assert_eq!(
            read_in_usd("date,amount\n", |_| true),
            Err(FileError::MissingColumns {
                required: HEADER[..4].to_vec(),
                missing: vec!["description", "type"]
            })
        );
        assert_eq!(
            read_in_usd(&"x".repeat(MAX_BYTES + 1), |_| true),
            Err(FileError::TooLarge { max_bytes: MAX_BYTES })
        );
        let many = format!(
            "date,description,amount,type\n{}",
            "2026-11-01,a,1.00,expense\n".repeat(MAX_ROWS + 1)
        );
        assert_eq!(
            read_in_usd(&many, |_| true).map(|_| ()),
            Err(FileError::TooManyRows { max_rows: MAX_ROWS })
        );
    }
}
