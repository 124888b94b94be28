//! `budgetReport`: a budget's plan against its actual spending.

use async_graphql::SimpleObject;

use crate::{
    budgets::{
        graphql::{Budget, BudgetCategory},
        status,
    },
    foundation::money::{Currency, Money},
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
}

impl From<BudgetActuals> for BudgetReport {
    fn from(actuals: BudgetActuals) -> Self {
        let currency = Currency::of(&actuals.budget.currency);
        let actual: i64 = actuals.categories.iter().map(|(_, spent)| spent).sum();
        let budgeted = actuals.budget.amount;
        let categories = actuals
            .categories
            .into_iter()
            .map(|(category, spent)| BudgetCategoryReport {
                budgeted: currency.amount(category.amount),
                actual: currency.amount(spent),
                variance: currency.amount(category.amount - spent),
                percent_used: status::percent_used(spent, category.amount),
                category: BudgetCategory(category),
            })
            .collect();
        BudgetReport {
            budget: Budget(actuals.budget),
            budgeted: currency.amount(budgeted),
            actual: currency.amount(actual),
            variance: currency.amount(budgeted - actual),
            categories,
            uncategorized_spending: currency.amount(actuals.uncategorized),
        }
    }
}
