//! Exact money: a `Decimal` with two decimal places, stored as BIGINT minor units.
//!
//! Parsing is strict: more than two significant decimals, exponents, non-finite values and
//! anything beyond ±9,999,999,999.99 are rejected, never rounded. Money never touches f64.

use std::{fmt, str::FromStr};

use rust_decimal::Decimal;

/// Largest magnitude accepted, in minor units: 9,999,999,999.99.
pub const MAX_MINOR: i64 = 999_999_999_999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a value is not a valid amount; the text is shown to API clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal number such as \"12.50\"")]
    NotANumber,
    #[error("must have at most two decimal places")]
    TooPrecise,
    #[error("must be between -9999999999.99 and 9999999999.99")]
    OutOfRange,
}

impl Money {
    pub const ZERO: Money = Money(0);

    /// From minor units (hundredths), as stored in the database.
    pub fn from_minor(minor: i64) -> Result<Self, MoneyError> {
        if minor.abs() > MAX_MINOR {
            Err(MoneyError::OutOfRange)
        } else {
            Ok(Money(minor))
        }
    }

    /// A stored amount or a sum of stored amounts. Sums may exceed the input range, so this
    /// does not check it; every stored amount was validated on the way in.
    pub fn from_db(minor: i64) -> Self {
        Money(minor)
    }

    /// Minor units (hundredths), as stored in the database.
    pub fn minor(self) -> i64 {
        self.0
    }

    pub fn from_decimal(value: Decimal) -> Result<Self, MoneyError> {
        let normalized = value.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let mut scaled = normalized;
        scaled.rescale(2);
        let minor = i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::OutOfRange)?;
        Money::from_minor(minor)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Accepts `-?digits(.digits)?`: what a person or a JSON number writes, nothing looser.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Long inputs cannot be valid and are not worth parsing.
        if s.is_empty() || s.len() > 40 {
            return Err(if s.is_empty() {
                MoneyError::NotANumber
            } else {
                MoneyError::OutOfRange
            });
        }
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) || frac_part.is_some_and(|f| !all_digits(f)) {
            return Err(MoneyError::NotANumber);
        }
        if int_part.trim_start_matches('0').len() > 10 {
            return Err(MoneyError::OutOfRange);
        }
        let value = Decimal::from_str_exact(s).map_err(|_| MoneyError::OutOfRange)?;
        Money::from_decimal(value)
    }
}

impl fmt::Display for Money {
    /// Always two decimals: "12.50", "-0.05", "0.00".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<String, MoneyError> {
        s.parse::<Money>().map(|m| m.to_string())
    }

    #[test]
    fn valid_amounts_round_trip_exactly() {
        for (input, expected) in [
            ("12.50", "12.50"),
            ("12.5", "12.50"),
            ("12", "12.00"),
            ("0", "0.00"),
            ("-0.00", "0.00"),
            ("-3.07", "-3.07"),
            ("0.01", "0.01"),
            ("1.230", "1.23"),
            ("007.10", "7.10"),
            ("9999999999.99", "9999999999.99"),
            ("-9999999999.99", "-9999999999.99"),
        ] {
            assert_eq!(parse(input).as_deref(), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn more_than_two_decimals_is_rejected_not_rounded() {
        assert_eq!(parse("0.001"), Err(MoneyError::TooPrecise));
        assert_eq!(parse("12.345"), Err(MoneyError::TooPrecise));
        assert_eq!(parse("0.0000000000000000000000000001"), Err(MoneyError::TooPrecise));
    }

    #[test]
    fn malformed_values_are_rejected() {
        for input in [
            "", "NaN", "nan", "inf", "Infinity", "-", ".5", "5.", "12,50", "1e3", "1e400", " 1", "1 ", "+1", "0x10",
            "1.2.3", "--1", "١٢",
        ] {
            assert_eq!(parse(input), Err(MoneyError::NotANumber), "input {input:?}");
        }
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for input in [
            "10000000000",
            "10000000000.00",
            "-10000000000",
            "99999999999999999999999999999999999",
            &"9".repeat(100),
        ] {
            assert_eq!(parse(input), Err(MoneyError::OutOfRange), "input {input:?}");
        }
        assert_eq!(Money::from_minor(MAX_MINOR + 1), Err(MoneyError::OutOfRange));
        assert_eq!(Money::from_minor(-MAX_MINOR - 1), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn minor_units_and_decimals_agree() {
        let m: Money = "1234.56".parse().expect("valid");
        assert_eq!(m.minor(), 123_456);
        assert_eq!(Money::from_minor(-5).map(|m| m.to_string()), Ok("-0.05".to_owned()));
        assert_eq!(Money::from_decimal(Decimal::new(1005, 3)), Err(MoneyError::TooPrecise));
    }
}

/// `amount` as a person reading `language` expects it for `currency`: "$1,234.50",
/// "1.234,50 €", "CHF 1,234.50". For messages; the API's Decimal stays a plain string.
pub fn display(amount: Money, currency: &str, language: &str) -> String {
    let comma_decimal = matches!(
        language.split('-').next().unwrap_or_default(),
        "de" | "fr" | "es" | "it" | "nl" | "pt" | "da" | "fi" | "sv" | "nb" | "pl" | "cs" | "tr" | "ru"
    );
    let (group, decimal) = if comma_decimal { ('.', ',') } else { (',', '.') };
    let abs = amount.minor().unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let number = format!("{grouped}{decimal}{:02}", abs % 100);
    let sign = if amount.is_negative() { "-" } else { "" };
    let symbol = match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        "INR" => Some("₹"),
        _ => None,
    };
    match symbol {
        Some(symbol) if comma_decimal => format!("{sign}{number} {symbol}"),
        Some(symbol) => format!("{sign}{symbol}{number}"),
        None => format!("{sign}{currency} {number}"),
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().expect("money")
    }

    #[test]
    fn amounts_are_shown_in_the_users_currency_format() {
        assert_eq!(display(m("1234.5"), "USD", "en"), "$1,234.50");
        assert_eq!(display(m("1234567.89"), "EUR", "de"), "1.234.567,89 €");
        assert_eq!(display(m("-12.3"), "GBP", "en-GB"), "-£12.30");
        assert_eq!(display(m("999"), "CHF", "en"), "CHF 999.00");
        assert_eq!(display(m("0.05"), "EUR", "en"), "€0.05");
    }
}
