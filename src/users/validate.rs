//! Rules for account fields, as pure functions: each returns the cleaned value or the
//! message shown in `extensions.fields`.

use std::str::FromStr;

use email_address::EmailAddress;

use crate::foundation::money::{Currency, Money};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
const NAME_MAX_CHARS: usize = 100;

/// Trimmed and lower-cased, so one mailbox is one account whatever the capitalisation.
pub fn email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let domain_ok = email
        .rsplit_once('@')
        .is_some_and(|(_, d)| d.contains('.') && !d.starts_with('[') && !d.ends_with('.'));
    if email.len() > 254 || !domain_ok || !EmailAddress::is_valid(&email) {
        return Err("must be a valid email address".into());
    }
    Ok(email)
}

/// At least 8 characters with an upper-case letter, a lower-case letter and a digit.
pub fn password(raw: &str) -> Result<(), String> {
    let chars = raw.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!("must be at least {PASSWORD_MIN_CHARS} characters"));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!("must be at most {PASSWORD_MAX_CHARS} characters"));
    }
    let mut missing = Vec::new();
    if !raw.chars().any(char::is_uppercase) {
        missing.push("an upper-case letter");
    }
    if !raw.chars().any(char::is_lowercase) {
        missing.push("a lower-case letter");
    }
    if !raw.chars().any(|c| c.is_ascii_digit()) {
        missing.push("a digit");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("must contain {}", missing.join(", ")))
    }
}

/// A person's first or last name: trimmed, 1 to 100 characters, no control characters.
pub fn name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("must be at most {NAME_MAX_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name.to_owned())
}

/// ISO 4217 code such as "USD", upper-cased.
pub fn currency(raw: &str) -> Result<Currency, String> {
    Currency::parse(raw)
}

/// BCP 47 language tag such as "en" or "pt-BR".
pub fn language(raw: &str) -> Result<String, String> {
    let tag = raw.trim();
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && tag.len() <= 35 {
        Ok(tag.to_owned())
    } else {
        Err("must be a language tag such as \"en\" or \"pt-BR\"".into())
    }
}

/// IANA time zone such as "Europe/Berlin"; periods like "this month" follow it.
pub fn timezone(raw: &str) -> Result<String, String> {
    chrono_tz::Tz::from_str(raw.trim())
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "must be an IANA time zone such as \"Europe/Berlin\"".into())
}

/// Income and savings targets cannot be negative; in minor units of `currency`.
pub fn non_negative(amount: Money, currency: Currency) -> Result<i64, String> {
    if amount.is_negative() {
        return Err("must not be negative".into());
    }
    currency.to_minor(amount).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            email("  Ada.Lovelace@Example.COM ").as_deref(),
            Ok("ada.lovelace@example.com")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada example@x.com",
            "ada@@x.com",
            "ada@x.com.",
            &format!("{}@x.com", "a".repeat(250)),
        ] {
            assert!(email(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn passwords_need_length_upper_lower_and_digit() {
        assert_eq!(password("Abcdefg1"), Ok(()));
        assert_eq!(password("Abcde1"), Err("must be at least 8 characters".into()));
        assert_eq!(password("abcdefg1"), Err("must contain an upper-case letter".into()));
        assert_eq!(password("ABCDEFG1"), Err("must contain a lower-case letter".into()));
        assert_eq!(password("Abcdefgh"), Err("must contain a digit".into()));
        assert_eq!(
            password("abcdefgh"),
            Err("must contain an upper-case letter, a digit".into())
        );
        assert!(password(&format!("Aa1{}", "x".repeat(200))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Ada ").as_deref(), Ok("Ada"));
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(101)).is_err());
        assert!(name("Ada\u{0}").is_err());
    }

    #[test]
    fn preferences_are_checked() {
        assert_eq!(currency("eur").map(|c| c.code().to_owned()).as_deref(), Ok("EUR"));
        assert!(currency("XYZ").is_err(), "not an ISO 4217 code");
        assert!(currency("EURO").is_err());
        assert!(currency("E1R").is_err());
        assert_eq!(language("pt-BR").as_deref(), Ok("pt-BR"));
        assert!(language("english!").is_err());
        assert!(language("e").is_err());
        assert_eq!(timezone("Europe/Berlin").as_deref(), Ok("Europe/Berlin"));
        assert!(timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn financial_amounts_cannot_be_negative() {
        assert!(non_negative("-1.00".parse().expect("money"), Currency::USD).is_err());
        assert!(non_negative("0".parse().expect("money"), Currency::USD).is_ok());
    }
}
