//! `budgetReport`: a budget's plan against its actual spending.

use async_graphql::SimpleObject;

use crate::{
    budgets::{
        graphql::{Budget, BudgetCategory},
        status,
    },
    foundation::{
        fx::Converted,
        money::{Currency, Money},
    },
    graphql::conversion::{MissingRate, missing_rates},
    reports::service::BudgetActuals,
};

/// One category's plan against its actual spending.
#[derive(SimpleObject)]
pub struct BudgetCategoryReport {
    /// The category.
    category: BudgetCategory,
    /// The category's amount.
    budgeted: Money,
    /// Expenses in the category within the budget's dates.
    actual: Money,
    /// budgeted - actual; negative when over.
    variance: Money,
    /// actual / budgeted in percent, two decimals.
    percent_used: f64,
}

/// A budget's plan against its actual spending.
#[derive(SimpleObject)]
pub struct BudgetReport {
    /// The budget.
    budget: Budget,
    /// The budget's amount.
    budgeted: Money,
    /// Expenses in its categories within its dates.
    actual: Money,
    /// budgeted - actual; negative when over.
    variance: Money,
    /// Per category.
    categories: Vec<BudgetCategoryReport>,
    /// Expenses within the budget's dates that have no category.
    uncategorized_spending: Money,
    /// Rates these figures needed and did not have (amounts in other currencies than the
    /// budget's are converted at the rate of their day); those amounts are left out.
    missing_rates: Vec<MissingRate>,
}

impl From<BudgetActuals> for BudgetReport {
    fn from(actuals: BudgetActuals) -> Self {
        let currency = Currency::of(&actuals.budget.currency);
        let mut actual = Converted::zero(currency);
        for (_, spent) in &actuals.categories {
            actual.absorb(spent);
        }
        let missing_rates = missing_rates(
            actuals
                .categories
                .iter()
                .map(|(_, spent)| spent)
                .chain([&actuals.uncategorized]),
        );
        let budgeted = actuals.budget.amount;
        let categories = actuals
            .categories
            .into_iter()
            .map(|(category, spent)| BudgetCategoryReport {
                budgeted: currency.amount(category.amount),
                actual: spent.amount(),
                variance: spent.subtracted_from(category.amount),
                percent_used: status::percent_used(spent.minor(), category.amount),
                category: BudgetCategory(category),
            })
            .collect();
        BudgetReport {
            budget: Budget(actuals.budget),
            budgeted: currency.amount(budgeted),
            actual: actual.amount(),
            variance: actual.subtracted_from(budgeted),
            categories,
            uncategorized_spending: actuals.uncategorized.amount(),
            missing_rates,
        }
    }
}
