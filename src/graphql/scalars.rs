//! The contract's custom scalars: Decimal (exact money), Date and DateTime.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use chrono::{NaiveDate, SecondsFormat, Utc};

use crate::foundation::money::{Currency, Money};

/// Exact money amount, a string with exactly its currency's decimals: "1234.50" (USD),
/// "1500" (JPY), "1.250" (KWD). Input accepts a string or a JSON number; more decimals than the
/// amount's currency has, NaN, exponents, or more than 999,999,999,999 minor units are
/// BAD_USER_INPUT, never rounded.
#[Scalar(name = "Decimal")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s.parse().map_err(InputValueError::custom),
            // A JSON number arrives as its shortest decimal form, e.g. 12.5 -> "12.5".
            Value::Number(n) => n.to_string().parse().map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// An amount with its currency, for figures that could be in more than one (balances, net
/// worth, converted totals).
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
#[graphql(name = "Money")]
pub struct MoneyAmount {
    /// The amount, with exactly the currency's decimals.
    pub amount: Money,
    /// ISO 4217 code.
    pub currency: String,
}

impl MoneyAmount {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        MoneyAmount {
            amount: currency.amount(minor),
            currency: currency.code().to_owned(),
        }
    }
}

/// Calendar date, ISO 8601: "2026-11-21".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// Calendar date, ISO 8601: "2026-11-21".
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("must be a date in YYYY-MM-DD form")),
            Value::String(_) => Err(InputValueError::custom("must be a date in YYYY-MM-DD form")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        // Display is ISO 8601 (YYYY-MM-DD) without parsing a format string per value.
        Value::String(self.0.to_string())
    }
}

/// Instant, RFC 3339 in UTC: "2026-11-21T10:30:00Z".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl DateTime {
    /// How the scalar writes it.
    pub fn text(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// Instant, RFC 3339 in UTC: "2026-11-21T10:30:00Z".
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| DateTime(t.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom("must be an RFC 3339 instant")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a JSON value as the scalar and formats it in `currency`'s minor units.
    fn money(v: serde_json::Value, currency: &str) -> Option<String> {
        let currency = crate::foundation::money::Currency::parse(currency).ok()?;
        let parsed = Money::parse(Value::from_json(v).ok()?).ok()?;
        currency
            .to_minor(parsed)
            .ok()
            .map(|minor| currency.amount(minor).to_string())
    }

    #[test]
    fn decimal_accepts_strings_and_json_numbers_exactly() {
        assert_eq!(money(serde_json::json!("12.50"), "USD").as_deref(), Some("12.50"));
        assert_eq!(money(serde_json::json!(12.5), "USD").as_deref(), Some("12.50"));
        assert_eq!(money(serde_json::json!(7), "USD").as_deref(), Some("7.00"));
        assert_eq!(money(serde_json::json!(0.1), "USD").as_deref(), Some("0.10"));
        assert_eq!(money(serde_json::json!(1500), "JPY").as_deref(), Some("1500"));
        assert_eq!(money(serde_json::json!("1.25"), "KWD").as_deref(), Some("1.250"));
        assert_eq!(money(serde_json::json!(0.001), "USD"), None);
        assert_eq!(money(serde_json::json!(1e300), "USD"), None);
        assert_eq!(money(serde_json::json!(true), "USD"), None);
        assert_eq!(money(serde_json::json!("NaN"), "USD"), None);
    }

    #[test]
    fn dates_are_strict_iso() {
        let parse = |s: &str| Date::parse(Value::String(s.into())).ok();
        assert_eq!(
            parse("2026-11-21").map(|d| d.to_value()),
            Some(Value::String("2026-11-21".into()))
        );
        for bad in ["2026-2-1", "2026-02-30", "21/11/2026", "2026-11-21T00:00:00Z", ""] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn instants_print_in_utc_with_z() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-21T11:30:00+01:00")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(DateTime(t).to_value(), Value::String("2026-11-21T10:30:00Z".into()));
    }
}
