//! Exact money. An amount belongs to an ISO 4217 currency and is stored as BIGINT minor units
//! of it (JPY 0 decimals, USD and EUR 2, KWD and BHD 3); the API's `Decimal` is a string with
//! exactly the currency's decimals ("1500", "12.50", "1.250").
//!
//! Parsing is strict: exponents, non-finite values, more decimals than the currency has, and
//! anything beyond 999,999,999,999 minor units are rejected, never rounded. Money never touches
//! f64; the only rounding is the one a conversion between currencies does at its end (`fx`).

use std::{fmt, str::FromStr};

use rust_decimal::Decimal;

/// Largest magnitude accepted, in minor units of any currency: 9,999,999,999.99 USD,
/// 999,999,999,999 JPY.
pub const MAX_MINOR: i64 = 999_999_999_999;
/// The most decimals any currency has (CLF, UYW); inputs with more are refused unparsed.
const MAX_DECIMALS: u32 = 4;

/// An ISO 4217 currency with minor units, and their number (the exponent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    pub const USD: Currency = Currency {
        code: *b"USD",
        exponent: 2,
    };

    /// A code a client sent: an ISO 4217 currency that has minor units ("JPY", "EUR"; not a
    /// metal or "XXX"), upper-cased.
    pub fn parse(raw: &str) -> Result<Currency, String> {
        let code = raw.trim().to_ascii_uppercase();
        let known = iso_currency::Currency::from_code(&code).and_then(|c| c.exponent());
        match (code.as_bytes(), known) {
            (&[a, b, c], Some(exponent)) => Ok(Currency {
                code: [a, b, c],
                exponent: u8::try_from(exponent).unwrap_or(2),
            }),
            _ => Err("must be an ISO 4217 currency code such as \"USD\", \"EUR\" or \"JPY\"".into()),
        }
    }

    /// A stored code. Every code written since currencies became exact was checked by `parse`;
    /// older rows may hold any three letters, which read with two decimals as they were written.
    pub fn of(stored: &str) -> Currency {
        Currency::parse(stored).unwrap_or_else(|_| {
            let mut code = *b"XXX";
            for (slot, byte) in code.iter_mut().zip(stored.bytes()) {
                *slot = byte.to_ascii_uppercase();
            }
            Currency { code, exponent: 2 }
        })
    }

    /// The ISO 4217 code, e.g. "EUR".
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Decimals of the minor unit: 0 for JPY, 2 for EUR, 3 for KWD.
    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }

    /// `amount` in minor units of this currency, exactly: more decimals than the currency has
    /// are an error, never rounded.
    pub fn to_minor(&self, amount: Money) -> Result<i64, MoneyError> {
        let normalized = amount.0.normalize();
        if normalized.scale() > self.exponent() {
            return Err(MoneyError::TooPrecise {
                decimals: self.exponent(),
            });
        }
        let mut scaled = normalized;
        scaled.rescale(self.exponent());
        let minor = i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::OutOfRange)?;
        if minor.abs() > MAX_MINOR {
            return Err(MoneyError::OutOfRange);
        }
        Ok(minor)
    }

    /// `minor` units of `from` as minor units of this currency, for an amount whose currency
    /// changes code but not value (a user's reporting currency); `None` when this currency
    /// has too few decimals to hold it exactly.
    pub fn rescale_from(&self, minor: i64, from: Currency) -> Option<i64> {
        let amount = from.amount(minor);
        self.to_minor(amount).ok()
    }

    /// Minor units (a stored amount or a sum of them) as an amount with exactly this
    /// currency's decimals.
    pub fn amount(&self, minor: i64) -> Money {
        Money(Decimal::new(minor, self.exponent()))
    }
}

/// The ISO 4217 codes whose minor unit has `exponent` decimals (other than two).
fn codes_with_exponent(exponent: u32) -> &'static [String] {
    static BY_EXPONENT: std::sync::OnceLock<Vec<(u32, Vec<String>)>> = std::sync::OnceLock::new();
    let all = BY_EXPONENT.get_or_init(|| {
        let mut by_exponent: Vec<(u32, Vec<String>)> = (0..=MAX_DECIMALS).map(|e| (e, Vec::new())).collect();
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                for c in b'A'..=b'Z' {
                    let code = String::from_utf8_lossy(&[a, b, c]).into_owned();
                    if let Ok(currency) = Currency::parse(&code)
                        && let Some((_, codes)) = by_exponent.iter_mut().find(|(e, _)| *e == currency.exponent())
                    {
                        codes.push(code);
                    }
                }
            }
        }
        by_exponent
    });
    all.iter()
        .find(|(e, _)| *e == exponent)
        .map_or(&[], |(_, codes)| codes.as_slice())
}

/// SQL for `amount_column` (minor units of the currency in `currency_column`) in ten-thousandths,
/// the finest scale of any currency, so amounts of different currencies compare exactly with
/// one bound (`Money::ten_thousandths`).
pub fn ten_thousandths_sql(amount_column: &str, currency_column: &str) -> String {
    let mut sql = format!("{amount_column} * CASE");
    for exponent in (0..=MAX_DECIMALS).filter(|e| *e != 2) {
        let codes = codes_with_exponent(exponent);
        if codes.is_empty() {
            continue;
        }
        let list = codes.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
        sql.push_str(&format!(
            " WHEN {currency_column} IN ({list}) THEN {}",
            10_i64.pow(MAX_DECIMALS - exponent)
        ));
    }
    sql.push_str(&format!(" ELSE {} END", 10_i64.pow(MAX_DECIMALS - 2)));
    sql
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An exact amount: as a client wrote it, or formatted with its currency's decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// Why a value is not a valid amount; the text is shown to API clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal number such as \"12.50\"")]
    NotANumber,
    #[error("{}", too_precise(*decimals))]
    TooPrecise { decimals: u32 },
    #[error("must be between -999999999999 and 999999999999 minor units (9999999999.99 with two decimals)")]
    OutOfRange,
}

fn too_precise(decimals: u32) -> String {
    match decimals {
        0 => "must be a whole number (the currency has no minor unit)".into(),
        1 => "must have at most one decimal place".into(),
        2 => "must have at most two decimal places".into(),
        3 => "must have at most three decimal places".into(),
        n => format!("must have at most {n} decimal places"),
    }
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// The exact value.
    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// The value in ten-thousandths, exactly (any parsed amount has at most four decimals):
    /// the bound `ten_thousandths_sql` compares with.
    pub fn ten_thousandths(self) -> i64 {
        let mut scaled = self.0;
        scaled.rescale(MAX_DECIMALS);
        i64::try_from(scaled.mantissa()).unwrap_or(if self.is_negative() { i64::MIN } else { i64::MAX })
    }

    pub fn is_positive(self) -> bool {
        self.0.is_sign_positive() && !self.0.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }
}

/// A decimal read from a file (a bank statement); `Currency::to_minor` still refuses more
/// decimals than the currency has.
impl From<Decimal> for Money {
    fn from(value: Decimal) -> Self {
        Money(value)
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
        if int_part.trim_start_matches('0').len() > 12 {
            return Err(MoneyError::OutOfRange);
        }
        let value = Decimal::from_str_exact(s).map_err(|_| MoneyError::OutOfRange)?;
        if value.normalize().scale() > MAX_DECIMALS {
            return Err(MoneyError::TooPrecise { decimals: MAX_DECIMALS });
        }
        Ok(Money(value))
    }
}

impl fmt::Display for Money {
    /// The decimals it carries: a currency's `amount` prints exactly that currency's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_zero() {
            // No "-0.00".
            return write!(f, "{}", Decimal::new(0, self.0.scale()));
        }
        write!(f, "{}", self.0)
    }
}

/// `amount` (minor units of `currency`) as a person reading `language` expects it: "$1,234.50",
/// "1.234,50 €", "CHF 1,234.50", "¥1,500". For messages; the API's Decimal stays a plain string.
pub fn display(minor: i64, currency: Currency, language: &str) -> String {
    let comma_decimal = matches!(
        language.split('-').next().unwrap_or_default(),
        "de" | "fr" | "es" | "it" | "nl" | "pt" | "da" | "fi" | "sv" | "nb" | "pl" | "cs" | "tr" | "ru"
    );
    let (group, decimal) = if comma_decimal { ('.', ',') } else { (',', '.') };
    let text = currency.amount(minor.abs()).to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let number = if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped}{decimal}{fraction}")
    };
    let sign = if minor < 0 { "-" } else { "" };
    let symbol = match currency.code() {
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
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).expect("known currency")
    }

    /// Parses `s` and formats it back through `currency`'s minor units.
    fn round_trip(s: &str, currency: &str) -> Result<String, MoneyError> {
        let currency = cur(currency);
        let money: Money = s.parse()?;
        currency.to_minor(money).map(|minor| currency.amount(minor).to_string())
    }

    #[test]
    fn amounts_round_trip_with_exactly_the_currencys_decimals() {
        for (input, currency, expected) in [
            ("12.50", "USD", "12.50"),
            ("12.5", "EUR", "12.50"),
            ("12", "USD", "12.00"),
            ("0", "USD", "0.00"),
            ("-0.00", "USD", "0.00"),
            ("-3.07", "USD", "-3.07"),
            ("1.230", "USD", "1.23"),
            ("007.10", "USD", "7.10"),
            ("9999999999.99", "USD", "9999999999.99"),
            ("1500", "JPY", "1500"),
            ("1500.0", "JPY", "1500"),
            ("999999999999", "JPY", "999999999999"),
            ("1.25", "KWD", "1.250"),
            ("0.001", "BHD", "0.001"),
            ("-12.345", "KWD", "-12.345"),
        ] {
            assert_eq!(
                round_trip(input, currency).as_deref(),
                Ok(expected),
                "{input} {currency}"
            );
        }
    }

    #[test]
    fn more_decimals_than_the_currency_has_are_rejected_not_rounded() {
        assert_eq!(round_trip("0.001", "USD"), Err(MoneyError::TooPrecise { decimals: 2 }));
        assert_eq!(round_trip("1500.5", "JPY"), Err(MoneyError::TooPrecise { decimals: 0 }));
        assert_eq!(round_trip("1.2345", "KWD"), Err(MoneyError::TooPrecise { decimals: 3 }));
        assert_eq!("0.00001".parse::<Money>(), Err(MoneyError::TooPrecise { decimals: 4 }));
        assert_eq!(
            MoneyError::TooPrecise { decimals: 2 }.to_string(),
            "must have at most two decimal places"
        );
    }

    #[test]
    fn malformed_values_are_rejected() {
        for input in [
            "", "NaN", "nan", "inf", "Infinity", "-", ".5", "5.", "12,50", "1e3", "1e400", " 1", "1 ", "+1", "0x10",
            "1.2.3", "--1", "١٢",
        ] {
            assert_eq!(input.parse::<Money>(), Err(MoneyError::NotANumber), "input {input:?}");
        }
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for (input, currency) in [
            ("10000000000", "USD"),
            ("10000000000.00", "USD"),
            ("-10000000000", "USD"),
            ("1000000000000", "JPY"),
            ("1000000000", "KWD"),
        ] {
            assert_eq!(
                round_trip(input, currency),
                Err(MoneyError::OutOfRange),
                "{input} {currency}"
            );
        }
        for input in ["99999999999999999999999999999999999", &"9".repeat(100)] {
            assert_eq!(input.parse::<Money>(), Err(MoneyError::OutOfRange), "{input}");
        }
    }

    #[test]
    fn currencies_are_iso_4217_codes_with_minor_units() {
        assert_eq!(cur("jpy").exponent(), 0);
        assert_eq!(cur("KWD").exponent(), 3);
        assert_eq!(cur(" eur ").code(), "EUR");
        for bad in ["XYZ", "XAU", "XXX", "EURO", "", "US"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        // A code stored before the check keeps reading, with two decimals.
        assert_eq!(Currency::of("ABC").code(), "ABC");
        assert_eq!(Currency::of("ABC").exponent(), 2);
        assert_eq!(Currency::of("BHD").exponent(), 3);
    }

    #[test]
    fn bounds_compare_across_currencies_in_ten_thousandths() {
        let bound: Money = "12.5".parse().expect("money");
        assert_eq!(bound.ten_thousandths(), 125_000);
        let sql = ten_thousandths_sql("t.amount", "t.currency");
        assert!(sql.starts_with("t.amount * CASE WHEN t.currency IN ("), "{sql}");
        assert!(
            sql.contains("'JPY'") && sql.contains("'KWD'") && sql.ends_with("ELSE 100 END"),
            "{sql}"
        );
    }

    #[test]
    fn amounts_are_shown_in_the_users_currency_format() {
        assert_eq!(display(123_450, cur("USD"), "en"), "$1,234.50");
        assert_eq!(display(123_456_789, cur("EUR"), "de"), "1.234.567,89 €");
        assert_eq!(display(-1230, cur("GBP"), "en-GB"), "-£12.30");
        assert_eq!(display(99_900, cur("CHF"), "en"), "CHF 999.00");
        assert_eq!(display(5, cur("EUR"), "en"), "€0.05");
        assert_eq!(display(1_500_000, cur("JPY"), "en"), "¥1,500,000");
        assert_eq!(display(1250, cur("KWD"), "en"), "KWD 1.250");
    }
}
