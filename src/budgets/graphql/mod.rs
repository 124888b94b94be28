//! Budget and category types, queries, mutations and the alerts subscription.

mod alerts;
mod budget;
mod category;
mod mutations;
mod queries;
mod spending;
mod written;

pub use alerts::{BudgetAlert, BudgetsSubscription};
pub use budget::{Budget, BudgetPeriod, BudgetStatus};
pub use category::BudgetCategory;
pub use mutations::BudgetsMutation;
pub use queries::BudgetsQuery;
