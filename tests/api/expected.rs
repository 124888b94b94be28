//! Expected figures computed independently of the service: a deterministic generator and
//! exact integer arithmetic for the report and dashboard tests.

use chrono::NaiveDate;

/// A deterministic pseudo-random sequence (Knuth's MMIX LCG).
pub struct Lcg(pub u64);

impl Lcg {
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Cents as the API prints a Decimal: two decimals, "-0.05" for minus five cents.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// `part / whole` rounded half away from zero to four decimals, in exact integers; 0 when
/// `whole` is 0.
pub fn ratio(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    let (mut n, mut d) = (i128::from(part) * 10_000, i128::from(whole));
    if d < 0 {
        (n, d) = (-n, -d);
    }
    let rounded = if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    };
    rounded as f64 / 10_000.0
}

/// Digits below a minor unit kept by exact expected figures.
pub const SCALE: u32 = 16;

/// `minor` units of a currency with `from_exponent` decimals times `rate` (an exact decimal
/// string), in minor units of a currency with `to_exponent` decimals times 10^SCALE, exactly;
/// `None` without a rate.
pub fn exact(minor: i64, from_exponent: u32, rate: Option<&str>, to_exponent: u32) -> Option<i128> {
    let rate = rate?;
    let (whole, fraction) = rate.split_once('.').unwrap_or((rate, ""));
    let mantissa: i128 = format!("{whole}{fraction}").parse().expect("digits");
    let decimals = fraction.len() as u32;
    Some(i128::from(minor) * mantissa * 10_i128.pow(SCALE + to_exponent - from_exponent - decimals))
}

/// An exact figure (times 10^SCALE) rounded once, half to even, to whole minor units.
pub fn cents(exact: i128) -> i64 {
    let unit = 10_i128.pow(SCALE);
    let (q, r) = (exact.div_euclid(unit), exact.rem_euclid(unit));
    let up = 2 * r > unit || (2 * r == unit && q % 2 != 0);
    i64::try_from(if up { q + 1 } else { q }).expect("fits")
}

/// A Decimal string of `minor` units with `exponent` decimals.
pub fn decimal(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let unit = 10_i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        minor.abs() / unit,
        minor.abs() % unit,
        width = exponent as usize
    )
}
