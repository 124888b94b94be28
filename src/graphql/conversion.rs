//! What a figure converted into one currency reports about itself: the rates it needed and did
//! not have, and the amounts it left out for lack of them (`foundation::fx`).

use async_graphql::SimpleObject;

use crate::{
    foundation::fx::Converted,
    graphql::scalars::{Date, MoneyAmount},
};

/// A rate a converted figure needed and did not have: no rate of `base` to `quote` (nor of
/// `quote` to `base`) on or before `date`. The amounts it would have converted are left out.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct MissingRate {
    /// ISO 4217 code of the amounts left out.
    pub base: String,
    /// ISO 4217 code of the figure.
    pub quote: String,
    /// The day a rate was needed for.
    pub date: Date,
}

/// The rates `figures` missed, each once, by pair and day.
pub fn missing_rates<'a>(figures: impl IntoIterator<Item = &'a Converted>) -> Vec<MissingRate> {
    let mut all = std::collections::BTreeSet::new();
    for figure in figures {
        all.extend(figure.missing.iter().copied());
    }
    all.into_iter()
        .map(|m| MissingRate {
            base: m.base.code().to_owned(),
            quote: m.quote.code().to_owned(),
            date: Date(m.date),
        })
        .collect()
}

/// What `figures` left out, per currency, in that currency.
pub fn unconverted<'a>(figures: impl IntoIterator<Item = &'a Converted>) -> Vec<MoneyAmount> {
    let mut all: std::collections::BTreeMap<_, i64> = std::collections::BTreeMap::new();
    for figure in figures {
        for (currency, minor) in &figure.unconverted {
            let sum = all.entry(*currency).or_default();
            *sum = sum.saturating_add(*minor);
        }
    }
    all.into_iter()
        .map(|(currency, minor)| MoneyAmount::new(minor, currency))
        .collect()
}
