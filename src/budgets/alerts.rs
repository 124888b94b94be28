//! Budget alerts: which 80 % / 100 % thresholds a transaction's creation or change made its
//! category, and the category's budget, reach.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::foundation::entities::transactions::{self, TransactionType};
use crate::{
    events::{AlertScope, BudgetAlert},
    foundation::{db, error::AppResult},
};

use crate::foundation::ledger::spent_within_budget;

/// Percentages of a budget's or category's amount that raise an alert when reached.
pub const THRESHOLDS: [i32; 2] = [80, 100];

/// The thresholds that spending going from `before` to `after` (minor units) reached:
/// crossed upwards, exactly at the boundary included. Spending that falls raises nothing.
pub fn reached(before: i64, after: i64, amount: i64) -> impl Iterator<Item = i32> {
    let (before, after, amount) = (i128::from(before), i128::from(after), i128::from(amount));
    THRESHOLDS
        .into_iter()
        .filter(move |&t| amount > 0 && before * 100 < amount * i128::from(t) && after * 100 >= amount * i128::from(t))
}

/// The category a transaction now counts against, its budget, and what both have spent.
struct Standing {
    budget_id: Uuid,
    budget_name: String,
    budget_amount: i64,
    start: NaiveDate,
    end: NaiveDate,
    category_name: String,
    category_amount: i64,
    category_spent: i64,
    budget_spent: i64,
    currency: String,
}

/// The alerts `after` (the transaction as committed; `before`, its previous state when it was
/// changed) raised. Reads one row, and only for a categorized expense.
pub async fn raised_by(
    db: &DatabaseConnection,
    user_id: Uuid,
    before: Option<&transactions::Model>,
    after: &transactions::Model,
) -> AppResult<Vec<BudgetAlert>> {
    let Some(category_id) = after
        .budget_category_id
        .filter(|_| after.kind == TransactionType::Expense)
    else {
        return Ok(Vec::new());
    };
    let Some(standing) = standing(db, user_id, category_id).await? else {
        return Ok(Vec::new());
    };
    let in_range = |t: &transactions::Model| {
        t.kind == TransactionType::Expense && (standing.start..=standing.end).contains(&t.transaction_date)
    };
    if !in_range(after) {
        return Ok(Vec::new());
    }
    // What the previous state contributed to this category and to this budget.
    let before = before.filter(|t| in_range(t));
    let before_in_category = before.filter(|t| t.budget_category_id == Some(category_id));
    let before_in_budget = match before.and_then(|t| t.budget_category_id) {
        Some(id) if id == category_id => before,
        Some(id) => budget_of(db, user_id, id)
            .await?
            .filter(|budget| *budget == standing.budget_id)
            .and(before),
        None => None,
    };
    let category_before = standing.category_spent - after.amount + before_in_category.map_or(0, |t| t.amount);
    let budget_before = standing.budget_spent - after.amount + before_in_budget.map_or(0, |t| t.amount);

    let now = db::now();
    let alert = |scope, threshold, spent, amount| BudgetAlert {
        scope,
        budget_id: standing.budget_id,
        budget_name: standing.budget_name.clone(),
        category_id: (scope == AlertScope::Category).then_some(category_id),
        category_name: (scope == AlertScope::Category).then(|| standing.category_name.clone()),
        threshold,
        spent,
        amount,
        currency: standing.currency.clone(),
        transaction_id: after.id,
        raised_at: now,
    };
    let category = reached(category_before, standing.category_spent, standing.category_amount).map(|t| {
        alert(
            AlertScope::Category,
            t,
            standing.category_spent,
            standing.category_amount,
        )
    });
    let budget = reached(budget_before, standing.budget_spent, standing.budget_amount)
        .map(|t| alert(AlertScope::Budget, t, standing.budget_spent, standing.budget_amount));
    Ok(category.chain(budget).collect())
}

async fn standing(db: &DatabaseConnection, user_id: Uuid, category_id: Uuid) -> AppResult<Option<Standing>> {
    const SQL: &str = concat!(
        "SELECT b.id, b.name, b.amount, b.start_date, b.end_date, c.name, c.amount, \
         CAST(COALESCE((SELECT SUM(t.amount) FROM transactions t \
           WHERE t.budget_category_id = c.id AND ",
        spent_within_budget!(),
        "), 0) AS BIGINT), \
         CAST(COALESCE((SELECT SUM(t.amount) FROM transactions t \
           JOIN budget_categories bc ON bc.id = t.budget_category_id \
           WHERE bc.budget_id = b.id AND ",
        spent_within_budget!(),
        "), 0) AS BIGINT), b.currency \
         FROM budget_categories c JOIN budgets b ON b.id = c.budget_id \
         WHERE c.user_id = ? AND c.id = ?"
    );
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(db::statement(backend, SQL, vec![user_id.into(), category_id.into()]))
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Standing {
        budget_id: row.try_get_by_index(0)?,
        budget_name: row.try_get_by_index(1)?,
        budget_amount: row.try_get_by_index(2)?,
        start: row.try_get_by_index(3)?,
        end: row.try_get_by_index(4)?,
        category_name: row.try_get_by_index(5)?,
        category_amount: row.try_get_by_index(6)?,
        category_spent: row.try_get_by_index(7)?,
        budget_spent: row.try_get_by_index(8)?,
        currency: row.try_get_by_index(9)?,
    }))
}

async fn budget_of(db: &DatabaseConnection, user_id: Uuid, category_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(super::categories::find(db, user_id, category_id)
        .await?
        .map(|category| category.budget_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Amounts in minor units: 10000 is 100.00.
    #[test]
    fn a_threshold_is_raised_once_when_reached_from_below() {
        assert_eq!(reached(7999, 8000, 10000).collect::<Vec<_>>(), [80]);
        assert_eq!(reached(8000, 9000, 10000).count(), 0, "already past 80 %");
        assert_eq!(reached(9000, 10000, 10000).collect::<Vec<_>>(), [100]);
        assert_eq!(reached(0, 12000, 10000).collect::<Vec<_>>(), [80, 100], "both at once");
        assert_eq!(
            reached(12000, 5000, 10000).count(),
            0,
            "falling spending raises nothing"
        );
        assert_eq!(reached(0, 100, 0).count(), 0, "a zero amount has no percentages");
    }

    #[test]
    fn boundaries_are_exact_in_minor_units() {
        // 80 % of 0.03 is 0.024: 0.02 has not reached it, 0.03 has.
        assert_eq!(reached(0, 2, 3).count(), 0);
        assert_eq!(reached(2, 3, 3).collect::<Vec<_>>(), [80, 100]);
        assert_eq!(reached(i64::MAX - 1, i64::MAX, i64::MAX).collect::<Vec<_>>(), [100]);
    }
}
