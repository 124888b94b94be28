//! What a budget or one of its categories has spent against its amount, in its currency: the
//! fields both types show (the contract puts them on both).

use crate::{
    budgets::{graphql::BudgetStatus, status},
    foundation::{
        fx::{Converted, Exact},
        money::{Currency, Money},
    },
    graphql::conversion::{self, MissingRate},
};

/// An amount and what was spent against it, exact until shown.
pub(super) struct Spending {
    pub amount: i64,
    pub spent: Converted,
}

impl Spending {
    /// `spent` as loaded, or nothing spent yet in `currency`.
    pub fn new(amount: i64, spent: Option<Converted>, currency: Currency) -> Spending {
        Spending {
            amount,
            spent: spent.unwrap_or_else(|| Converted::zero(currency)),
        }
    }

    pub fn spent(&self) -> Money {
        self.spent.currency.amount(self.spent.minor())
    }

    /// amount - spent, rounded once.
    pub fn remaining(&self) -> Money {
        let remaining = Exact::from_minor(self.amount) - self.spent.value;
        self.spent.currency.amount(remaining.round())
    }

    pub fn percent_used(&self) -> f64 {
        status::percent_used(self.spent.minor(), self.amount)
    }

    pub fn status(&self) -> BudgetStatus {
        status::usage(self.spent.minor(), self.amount).into()
    }

    pub fn missing_rates(&self) -> Vec<MissingRate> {
        conversion::missing_rates([&self.spent])
    }
}
