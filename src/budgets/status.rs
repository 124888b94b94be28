//! How far a budget or category is used, from its amount and what was spent against it.

/// ON_TRACK below 80 %, WARNING from 80 % up to 100 %, OVER above 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    OnTrack,
    Warning,
    Over,
}

/// Compared in integer minor units, so the 80 % and 100 % boundaries are exact.
pub fn usage(spent: i64, amount: i64) -> Usage {
    let (spent, amount) = (i128::from(spent), i128::from(amount));
    if spent > amount {
        Usage::Over
    } else if spent * 100 >= amount * 80 {
        Usage::Warning
    } else {
        Usage::OnTrack
    }
}

/// Percent of `amount` spent, rounded to two decimals (a display value, not money).
pub fn percent_used(spent: i64, amount: i64) -> f64 {
    if amount <= 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let percent = spent as f64 * 100.0 / amount as f64;
    (percent * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Amounts in minor units: 10000 is 100.00.
    #[test]
    fn usage_boundaries_are_exact() {
        assert_eq!(usage(0, 10000), Usage::OnTrack);
        assert_eq!(usage(7999, 10000), Usage::OnTrack);
        assert_eq!(usage(8000, 10000), Usage::Warning);
        assert_eq!(usage(10000, 10000), Usage::Warning);
        assert_eq!(usage(10001, 10000), Usage::Over);
    }

    #[test]
    fn percent_is_rounded_for_display() {
        assert_eq!(percent_used(1, 3), 33.33);
        assert_eq!(percent_used(15000, 10000), 150.0);
        assert_eq!(percent_used(5, 0), 0.0);
    }
}
