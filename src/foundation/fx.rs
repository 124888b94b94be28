//! Conversion between currencies, exactly. A figure in a target currency (a total in the
//! reporting currency, a budget's spending in the budget's) adds each amount converted at the
//! rate in force on its date (the pair's latest rate on or before that day) and rounds once, at
//! the end, half to even, to the target's minor unit. A rate that is needed and missing is never
//! guessed: the amount is left out of the figure and named (`MissingRate`, `unconverted`).
//!
//! Values are kept in [`Exact`] units, 10^-14 of the target's minor unit, in an i128. A direct
//! rate (from -> to) lands on that grid exactly, since rates have at most 10 decimals and minor
//! units differ by at most 4 decimals. The opposite pair's rate (to -> from) is used by division,
//! rounded half to even on the grid: exact to 10^-14 of a minor unit before the final rounding.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    fmt,
    iter::Sum,
    ops::{Add, AddAssign, Neg, Sub},
};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::foundation::money::{Currency, Money};

/// Most decimals a rate may have.
pub const RATE_DECIMALS: u32 = 10;
/// Digits of an [`Exact`] value below the minor unit.
const PRECISION: u32 = 14;

/// An exchange rate: one unit of the base currency in units of the quote currency. Positive,
/// at most 10 decimals, from 0.000001 to 1,000,000, which keeps every conversion of every
/// storable amount exact within an i128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(Decimal);

impl Rate {
    /// A rate as a client or a file wrote it: digits with an optional decimal point, nothing
    /// looser (no exponent, sign, or grouping).
    pub fn parse(raw: &str) -> Result<Rate, String> {
        let raw = raw.trim();
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (raw.contains('.') && fraction.is_empty()) {
            return Err("must be a decimal number such as \"1.0845\"".into());
        }
        if fraction.trim_end_matches('0').len() > RATE_DECIMALS as usize {
            return Err(format!("must have at most {RATE_DECIMALS} decimal places"));
        }
        if whole.trim_start_matches('0').len() > 7 {
            return Err("must be at most 1000000".into());
        }
        let value = Decimal::from_str_exact(raw)
            .map_err(|_| "must be a decimal number such as \"1.0845\"".to_owned())?
            .normalize();
        let (min, max) = (Decimal::new(1, 6), Decimal::new(1_000_000, 0));
        if value < min || value > max {
            return Err("must be between 0.000001 and 1000000".into());
        }
        Ok(Rate(value))
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// (mantissa, scale): the rate is mantissa / 10^scale, scale <= 10.
    fn parts(self) -> (i128, u32) {
        (self.0.mantissa(), self.0.scale())
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A value in some target currency's minor units, times 10^14.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Exact(i128);

impl Exact {
    /// Whole minor units.
    pub fn from_minor(minor: i64) -> Exact {
        Exact(i128::from(minor) * pow10(PRECISION))
    }

    /// Rounded half to even to whole minor units (the one rounding of a figure).
    pub fn round(self) -> i64 {
        let unit = pow10(PRECISION);
        let (quotient, remainder) = (self.0.div_euclid(unit), self.0.rem_euclid(unit));
        let up = match (2 * remainder).cmp(&unit) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => quotient % 2 != 0,
        };
        let rounded = if up { quotient + 1 } else { quotient };
        i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
    }

    /// `self × n`, exactly.
    pub fn times(self, n: i64) -> Exact {
        Exact(self.0.saturating_mul(i128::from(n)))
    }

    /// `self / n` rounded once, half to even, to whole minor units (n > 0).
    pub fn divide_round(self, n: i64) -> i64 {
        let rounded = divide_half_even(self.0, pow10(PRECISION).saturating_mul(i128::from(n.max(1))));
        i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
    }

    /// `self / count`, rounded half away from zero to whole minor units; 0 when `count` is 0.
    pub fn mean(self, count: i64) -> i64 {
        if count <= 0 {
            return 0;
        }
        let denominator = i128::from(count) * pow10(PRECISION);
        let (numerator, negative) = (self.0.saturating_abs(), self.0 < 0);
        let rounded = (numerator + denominator / 2) / denominator;
        let rounded = if negative { -rounded } else { rounded };
        i64::try_from(rounded).unwrap_or(if negative { i64::MIN } else { i64::MAX })
    }
}

// Saturating: an i128 at 10^-14 of a minor unit holds 1.7 * 10^24 minor units, a trillion
// times the largest storable amount, so a figure never comes near it.
impl Add for Exact {
    type Output = Exact;
    fn add(self, other: Exact) -> Exact {
        Exact(self.0.saturating_add(other.0))
    }
}

impl AddAssign for Exact {
    fn add_assign(&mut self, other: Exact) {
        *self = *self + other;
    }
}

impl Sub for Exact {
    type Output = Exact;
    fn sub(self, other: Exact) -> Exact {
        Exact(self.0.saturating_sub(other.0))
    }
}

impl Neg for Exact {
    type Output = Exact;
    fn neg(self) -> Exact {
        Exact(self.0.saturating_neg())
    }
}

impl Sum for Exact {
    fn sum<I: Iterator<Item = Exact>>(iter: I) -> Exact {
        iter.fold(Exact::default(), Add::add)
    }
}

fn pow10(n: u32) -> i128 {
    10_i128.pow(n)
}

/// `minor` units of a currency with `from_exponent` decimals, times `rate`, as an exact value
/// in minor units of a currency with `to_exponent` decimals.
fn times(minor: i64, rate: Rate, from_exponent: u32, to_exponent: u32) -> Exact {
    let (mantissa, scale) = rate.parts();
    // minor * mantissa / 10^scale * 10^(to - from), on the 10^-PRECISION grid. The shift is never
    // negative: a rate has at most 10 decimals and an exponent is at most 4.
    let shift = (PRECISION + to_exponent).saturating_sub(scale + from_exponent);
    Exact(i128::from(minor).saturating_mul(mantissa).saturating_mul(pow10(shift)))
}

/// `minor` units divided by `rate` (the opposite pair's rate), rounded half to even on the grid.
fn divided(minor: i64, rate: Rate, from_exponent: u32, to_exponent: u32) -> Exact {
    let (mantissa, scale) = rate.parts();
    // minor * 10^(PRECISION + to - from) * 10^scale / mantissa, in two steps to stay in range.
    let numerator = i128::from(minor).saturating_mul(pow10((PRECISION + to_exponent).saturating_sub(from_exponent)));
    let (quotient, remainder) = (numerator / mantissa, numerator % mantissa);
    let whole = quotient.saturating_mul(pow10(scale));
    Exact(whole.saturating_add(divide_half_even(remainder * pow10(scale), mantissa)))
}

fn divide_half_even(numerator: i128, denominator: i128) -> i128 {
    let (quotient, remainder) = (numerator.div_euclid(denominator), numerator.rem_euclid(denominator));
    match (2 * remainder).cmp(&denominator) {
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Less => quotient,
        std::cmp::Ordering::Equal if quotient % 2 != 0 => quotient + 1,
        std::cmp::Ordering::Equal => quotient,
    }
}

/// A rate a figure needed and did not have: `base` to `quote` on `date` (or the opposite pair).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MissingRate {
    pub base: Currency,
    pub quote: Currency,
    pub date: NaiveDate,
}

/// Which rate converts an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    Direct(Rate),
    Inverse(Rate),
}

/// Some of a user's rates, by pair, each pair's oldest first.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    pairs: HashMap<(Currency, Currency), Vec<(NaiveDate, Rate)>>,
}

impl Rates {
    pub fn insert(&mut self, base: Currency, quote: Currency, date: NaiveDate, rate: Rate) {
        let list = self.pairs.entry((base, quote)).or_default();
        match list.binary_search_by_key(&date, |(d, _)| *d) {
            Ok(i) => list[i] = (date, rate),
            Err(i) => list.insert(i, (date, rate)),
        }
    }

    /// The pair's latest rate on or before `date`, with its day.
    fn latest(&self, base: Currency, quote: Currency, date: NaiveDate) -> Option<(NaiveDate, Rate)> {
        let list = self.pairs.get(&(base, quote))?;
        let after = list.partition_point(|(d, _)| *d <= date);
        after.checked_sub(1).map(|i| list[i])
    }

    /// The rate in force on `date` from `from` to `to`: the pair's latest on or before it, or the
    /// opposite pair's when that one is more recent (a same-day tie goes to the pair itself).
    fn in_force(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<Applied> {
        match (self.latest(from, to, date), self.latest(to, from, date)) {
            (Some((d, rate)), Some((e, _))) if d >= e => Some(Applied::Direct(rate)),
            (_, Some((_, rate))) => Some(Applied::Inverse(rate)),
            (Some((_, rate)), None) => Some(Applied::Direct(rate)),
            (None, None) => None,
        }
    }

    /// `minor` units of `from` on `date` in `to`, exactly; `None` without a rate in force.
    pub fn convert(&self, minor: i64, from: Currency, to: Currency, date: NaiveDate) -> Option<Exact> {
        if from == to {
            return Some(Exact::from_minor(minor));
        }
        Some(match self.in_force(from, to, date)? {
            Applied::Direct(rate) => times(minor, rate, from.exponent(), to.exponent()),
            Applied::Inverse(rate) => divided(minor, rate, from.exponent(), to.exponent()),
        })
    }
}

/// A figure in one target currency: the exact sum of what could be converted, the rates that
/// were missing, and what was left out for lack of them (minor units per currency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub currency: Currency,
    pub value: Exact,
    pub missing: BTreeSet<MissingRate>,
    pub unconverted: BTreeMap<Currency, i64>,
}

impl Converted {
    pub fn zero(currency: Currency) -> Converted {
        Converted {
            currency,
            value: Exact::default(),
            missing: BTreeSet::new(),
            unconverted: BTreeMap::new(),
        }
    }

    /// Whole minor units already in the target currency.
    pub fn of_minor(minor: i64, currency: Currency) -> Converted {
        Converted {
            value: Exact::from_minor(minor),
            ..Converted::zero(currency)
        }
    }

    /// Adds `minor` units of `from` dated `date`, converted, or records the missing rate.
    pub fn add(&mut self, rates: &Rates, minor: i64, from: Currency, date: NaiveDate) {
        match rates.convert(minor, from, self.currency, date) {
            Some(value) => self.value += value,
            None => {
                self.missing.insert(MissingRate {
                    base: from,
                    quote: self.currency,
                    date,
                });
                let left_out = self.unconverted.entry(from).or_default();
                *left_out = left_out.saturating_add(minor);
            }
        }
    }

    /// Adds another figure in the same currency, with what it misses.
    pub fn absorb(&mut self, other: &Converted) {
        self.value += other.value;
        self.missing.extend(other.missing.iter().copied());
        for (currency, minor) in &other.unconverted {
            let left_out = self.unconverted.entry(*currency).or_default();
            *left_out = left_out.saturating_add(*minor);
        }
    }

    /// The figure, rounded once, half to even, to whole minor units.
    pub fn minor(&self) -> i64 {
        self.value.round()
    }

    /// The figure as an amount with exactly its currency's decimals.
    pub fn amount(&self) -> Money {
        self.currency.amount(self.minor())
    }

    /// `minor` (whole units of this currency) minus the figure, rounded once.
    pub fn subtracted_from(&self, minor: i64) -> Money {
        self.currency.amount((Exact::from_minor(minor) - self.value).round())
    }

    /// `self - other`, exactly, missing what either misses.
    pub fn minus(&self, other: &Converted) -> Converted {
        let mut difference = self.clone();
        difference.value = self.value - other.value;
        difference.missing.extend(other.missing.iter().copied());
        for (currency, minor) in &other.unconverted {
            let left_out = difference.unconverted.entry(*currency).or_default();
            *left_out = left_out.saturating_sub(*minor);
        }
        difference
    }

    /// Whether every amount could be converted.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Currency {
        Currency::parse(code).expect("currency")
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn rate(s: &str) -> Rate {
        Rate::parse(s).expect("rate")
    }

    #[test]
    fn rates_are_exact_decimals_within_bounds() {
        assert_eq!(rate("1.0845").to_string(), "1.0845");
        assert_eq!(rate("0150.50").to_string(), "150.5");
        assert_eq!(rate("0.0000010000").decimal(), Decimal::new(1, 6));
        for bad in [
            "",
            "-1",
            "1e3",
            "1,5",
            "1.",
            ".5",
            "0",
            "0.0000000001",
            "1000000.1",
            "0.00000000001",
            "abc",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
        assert!(Rate::parse("1000000").is_ok());
        assert!(Rate::parse("0.000001").is_ok());
    }

    #[test]
    fn a_direct_rate_converts_exactly_across_decimals() {
        let mut rates = Rates::default();
        rates.insert(c("EUR"), c("USD"), d("2026-11-01"), rate("1.0845"));
        rates.insert(c("JPY"), c("USD"), d("2026-11-01"), rate("0.0066"));
        rates.insert(c("KWD"), c("JPY"), d("2026-11-01"), rate("487.123"));
        // 10.01 EUR * 1.0845 = 10.855845 USD.
        let value = rates.convert(1001, c("EUR"), c("USD"), d("2026-11-05")).expect("rate");
        assert_eq!(value, Exact(108_558_450_000_000_000));
        assert_eq!(value.round(), 1086);
        // 1500 JPY * 0.0066 = 9.90 USD.
        assert_eq!(
            rates
                .convert(1500, c("JPY"), c("USD"), d("2026-11-05"))
                .map(Exact::round),
            Some(990)
        );
        // 1.250 KWD * 487.123 = 608.90375 JPY -> 609.
        assert_eq!(
            rates
                .convert(1250, c("KWD"), c("JPY"), d("2026-11-05"))
                .map(Exact::round),
            Some(609)
        );
        // Before the first rate there is none.
        assert_eq!(rates.convert(1001, c("EUR"), c("USD"), d("2026-10-31")), None);
    }

    #[test]
    fn the_latest_rate_on_or_before_the_day_applies() {
        let mut rates = Rates::default();
        rates.insert(c("EUR"), c("USD"), d("2026-11-01"), rate("1.1"));
        rates.insert(c("EUR"), c("USD"), d("2026-11-10"), rate("1.2"));
        let usd = |day| rates.convert(100, c("EUR"), c("USD"), d(day)).map(Exact::round);
        assert_eq!(usd("2026-11-01"), Some(110));
        assert_eq!(usd("2026-11-09"), Some(110));
        assert_eq!(usd("2026-11-10"), Some(120));
        assert_eq!(usd("2027-01-01"), Some(120));
    }

    #[test]
    fn the_opposite_pair_divides_and_the_more_recent_rate_wins() {
        let mut rates = Rates::default();
        rates.insert(c("EUR"), c("USD"), d("2026-11-01"), rate("1.25"));
        // 10.00 USD / 1.25 = 8.00 EUR, exactly.
        assert_eq!(
            rates
                .convert(1000, c("USD"), c("EUR"), d("2026-11-02"))
                .map(Exact::round),
            Some(800)
        );
        // 1.00 USD / 3 = 0.333... EUR.
        rates.insert(c("EUR"), c("USD"), d("2026-11-03"), rate("3"));
        assert_eq!(
            rates.convert(100, c("USD"), c("EUR"), d("2026-11-03")),
            Some(Exact(3_333_333_333_333_333))
        );
        // A newer direct rate takes over; the same day, the direct one.
        rates.insert(c("USD"), c("EUR"), d("2026-11-03"), rate("0.5"));
        assert_eq!(
            rates
                .convert(100, c("USD"), c("EUR"), d("2026-11-03"))
                .map(Exact::round),
            Some(50)
        );
        rates.insert(c("EUR"), c("USD"), d("2026-11-04"), rate("4"));
        assert_eq!(
            rates
                .convert(100, c("USD"), c("EUR"), d("2026-11-04"))
                .map(Exact::round),
            Some(25)
        );
    }

    #[test]
    fn a_figure_rounds_once_half_to_even_at_the_end() {
        let mut rates = Rates::default();
        rates.insert(c("EUR"), c("USD"), d("2026-11-01"), rate("1.005"));
        let mut total = Converted::zero(c("USD"));
        // Each 1.00 EUR is 1.005 USD: rounded one by one, 1.00 + 1.00 = 2.00 (or 1.01 + 1.01);
        // summed first, 2.01 exactly.
        total.add(&rates, 100, c("EUR"), d("2026-11-02"));
        total.add(&rates, 100, c("EUR"), d("2026-11-03"));
        assert_eq!(total.minor(), 201);
        // Ties go to even.
        assert_eq!(Exact(25 * pow10(PRECISION - 1)).round(), 2);
        assert_eq!(Exact(35 * pow10(PRECISION - 1)).round(), 4);
        assert_eq!(Exact(-25 * pow10(PRECISION - 1)).round(), -2);
        assert_eq!(Exact(-35 * pow10(PRECISION - 1)).round(), -4);
        assert_eq!(Exact(26 * pow10(PRECISION - 1)).round(), 3);
    }

    #[test]
    fn means_round_half_away_from_zero() {
        assert_eq!(Exact::from_minor(1000).mean(3), 333);
        assert_eq!(Exact::from_minor(1001).mean(2), 501);
        assert_eq!(Exact::from_minor(-1001).mean(2), -501);
        assert_eq!(Exact::from_minor(5).mean(0), 0);
    }

    #[test]
    fn a_missing_rate_is_named_and_its_amount_left_out() {
        let rates = Rates::default();
        let mut total = Converted::of_minor(500, c("USD"));
        total.add(&rates, 1000, c("EUR"), d("2026-11-02"));
        total.add(&rates, 250, c("EUR"), d("2026-11-02"));
        total.add(&rates, 700, c("USD"), d("2026-11-02"));
        assert_eq!(total.minor(), 1200);
        assert_eq!(
            total.missing.iter().copied().collect::<Vec<_>>(),
            [MissingRate {
                base: c("EUR"),
                quote: c("USD"),
                date: d("2026-11-02")
            }]
        );
        assert_eq!(total.unconverted.get(&c("EUR")), Some(&1250));
        assert!(!total.is_complete());
    }

    #[test]
    fn extreme_amounts_and_rates_stay_exact() {
        let mut rates = Rates::default();
        rates.insert(c("KWD"), c("JPY"), d("2026-11-01"), rate("1000000"));
        rates.insert(c("JPY"), c("CLF"), d("2026-11-01"), rate("0.0000010001"));
        let max = crate::foundation::money::MAX_MINOR;
        // 999,999,999.999 KWD * 1,000,000 = 999,999,999,999,000 JPY.
        assert_eq!(
            rates
                .convert(max, c("KWD"), c("JPY"), d("2026-11-01"))
                .map(Exact::round),
            Some(999_999_999_999_000)
        );
        // And back through the opposite pair: 999,999.999999 KWD, rounded to 1,000,000.000.
        assert_eq!(
            rates
                .convert(max, c("JPY"), c("KWD"), d("2026-11-01"))
                .map(Exact::round),
            Some(1_000_000_000)
        );
        assert!(rates.convert(max, c("JPY"), c("CLF"), d("2026-11-01")).is_some());
        assert!(rates.convert(-max, c("CLF"), c("JPY"), d("2026-11-01")).is_some());
    }
}
