//! Input rules shared by the domains, as pure functions returning the cleaned value or the
//! message for `extensions.fields`.

use chrono::NaiveDate;

use crate::foundation::money::{Currency, Money};

/// A display name: trimmed, 1 to `max` characters, no control characters.
pub fn label(raw: &str, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_owned())
}

/// An optional short text: `None` or empty clears it.
pub fn optional_label(raw: Option<String>, max: usize) -> Result<Option<String>, String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => label(value, max).map(Some),
    }
}

/// `amount` in minor units of `currency`: exact, within range, never rounded.
pub fn amount(amount: Money, currency: Currency) -> Result<i64, String> {
    currency.to_minor(amount).map_err(|e| e.to_string())
}

/// Budgets, categories, transactions and goal targets are strictly positive; in minor units
/// of `currency`.
pub fn positive(amount: Money, currency: Currency) -> Result<i64, String> {
    if !amount.is_positive() {
        return Err("must be greater than 0".into());
    }
    self::amount(amount, currency)
}

/// `#RRGGBB`, stored upper-case.
pub fn color(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    let hex = value.strip_prefix('#').unwrap_or_default();
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err("must be a color in #RRGGBB form".into())
    }
}

/// Dates the service accepts: 1900-01-01 to 2199-12-31, which rules out typos like 20266.
pub fn plausible_date(date: NaiveDate) -> Result<NaiveDate, String> {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1);
    let latest = NaiveDate::from_ymd_opt(2199, 12, 31);
    if Some(date) >= earliest && Some(date) <= latest {
        Ok(date)
    } else {
        Err("must be between 1900-01-01 and 2199-12-31".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(label("  Food ", 100).as_deref(), Ok("Food"));
        assert!(label(" ", 100).is_err());
        assert!(label(&"x".repeat(101), 100).is_err());
        assert_eq!(optional_label(Some("  ".into()), 50), Ok(None));
    }

    #[test]
    fn amounts_must_be_positive() {
        assert!(positive("0.01".parse().expect("money"), Currency::USD).is_ok());
        assert!(positive("0".parse().expect("money"), Currency::USD).is_err());
        assert!(positive("-5".parse().expect("money"), Currency::USD).is_err());
    }

    #[test]
    fn colors_are_hex_triplets() {
        assert_eq!(color("#a1b2c3").as_deref(), Ok("#A1B2C3"));
        for bad in ["a1b2c3", "#abc", "#GGGGGG", "#1234567", "red"] {
            assert!(color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_must_be_plausible() {
        assert!(plausible_date(NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")).is_ok());
        assert!(plausible_date(NaiveDate::from_ymd_opt(1899, 12, 31).expect("date")).is_err());
    }
}
