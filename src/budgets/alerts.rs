//! Budget alerts: which 80 % / 100 % thresholds a transaction's creation or change made its
//! categories (each split line's own), and their budgets, reach.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::foundation::entities::transaction_splits;
use crate::foundation::entities::transactions::{self, TransactionType};
use crate::{
    events::{AlertScope, BudgetAlert},
    foundation::{
        db,
        error::AppResult,
        ledger::{self, spent_within_budget},
    },
};

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

/// A transaction as written: its row and, when it is split, its lines.
#[derive(Clone, Copy)]
pub struct Posting<'a> {
    pub row: &'a transactions::Model,
    pub splits: &'a [transaction_splits::Model],
}

impl Posting<'_> {
    /// What this transaction spends per category: its lines when it is an expense, else none.
    fn spending(&self) -> Vec<(Uuid, i64)> {
        if self.row.kind != TransactionType::Expense {
            return Vec::new();
        }
        ledger::lines_of(self.row, self.splits)
            .into_iter()
            .filter_map(|(category, amount)| category.map(|c| (c, amount)))
            .collect()
    }

    /// What it spends in the categories `within` selects, counted only when its date is in
    /// `range` (the budget's).
    fn spent_in(&self, range: (NaiveDate, NaiveDate), within: impl Fn(Uuid) -> bool) -> i64 {
        if !(range.0..=range.1).contains(&self.row.transaction_date) {
            return 0;
        }
        self.spending()
            .into_iter()
            .filter(|(category, _)| within(*category))
            .map(|(_, amount)| amount)
            .sum()
    }
}

/// A category's budget and what both have spent, as committed.
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
/// changed) raised, in every category its lines spend in and in those categories' budgets.
/// Reads one statement, and only for a categorized expense.
pub async fn raised_by(
    db: &DatabaseConnection,
    user_id: Uuid,
    before: Option<Posting<'_>>,
    after: Posting<'_>,
) -> AppResult<Vec<BudgetAlert>> {
    let spending = after.spending();
    if spending.is_empty() {
        return Ok(Vec::new());
    }
    let mut involved: Vec<Uuid> = spending.iter().map(|(c, _)| *c).collect();
    involved.extend(before.iter().flat_map(|b| b.spending()).map(|(c, _)| c));
    involved.sort_unstable();
    involved.dedup();
    let standings = standings(db, user_id, &involved).await?;
    let budget_of = |category: Uuid| standings.get(&category).map(|s| s.budget_id);
    // What the change added to a set of categories of one budget: now minus before.
    let added = |range, within: &dyn Fn(Uuid) -> bool| {
        after.spent_in(range, within) - before.map_or(0, |b| b.spent_in(range, within))
    };

    let now = db::now();
    let alert = |standing: &Standing, category: Option<Uuid>, threshold, spent, amount| BudgetAlert {
        scope: if category.is_some() {
            AlertScope::Category
        } else {
            AlertScope::Budget
        },
        budget_id: standing.budget_id,
        budget_name: standing.budget_name.clone(),
        category_id: category,
        category_name: category.map(|_| standing.category_name.clone()),
        threshold,
        spent,
        amount,
        currency: standing.currency.clone(),
        transaction_id: after.row.id,
        raised_at: now,
    };
    let mut alerts = Vec::new();
    let mut budgets_done = Vec::new();
    let mut categories_done = Vec::new();
    for (category, _) in &spending {
        let Some(standing) = standings.get(category) else {
            continue;
        };
        let range = (standing.start, standing.end);
        if categories_done.contains(category) || after.spent_in(range, |c| c == *category) == 0 {
            continue;
        }
        categories_done.push(*category);
        let category_before = standing.category_spent - added(range, &|c| c == *category);
        alerts.extend(
            reached(category_before, standing.category_spent, standing.category_amount).map(|t| {
                alert(
                    standing,
                    Some(*category),
                    t,
                    standing.category_spent,
                    standing.category_amount,
                )
            }),
        );
    }
    for (category, _) in &spending {
        let Some(standing) = standings.get(category) else {
            continue;
        };
        if budgets_done.contains(&standing.budget_id) {
            continue;
        }
        budgets_done.push(standing.budget_id);
        let range = (standing.start, standing.end);
        let in_budget = |c: Uuid| budget_of(c) == Some(standing.budget_id);
        if after.spent_in(range, in_budget) == 0 {
            continue;
        }
        let budget_before = standing.budget_spent - added(range, &in_budget);
        alerts.extend(
            reached(budget_before, standing.budget_spent, standing.budget_amount)
                .map(|t| alert(standing, None, t, standing.budget_spent, standing.budget_amount)),
        );
    }
    Ok(alerts)
}

/// Each of `categories` (the caller's) with its budget and what both have spent, in one
/// statement.
async fn standings(db: &DatabaseConnection, user_id: Uuid, categories: &[Uuid]) -> AppResult<HashMap<Uuid, Standing>> {
    let backend = db.get_database_backend();
    let lines = ledger::category_lines_sql(backend);
    let sql = format!(
        "SELECT c.id, b.id, b.name, b.amount, b.start_date, b.end_date, c.name, c.amount, \
         CAST(COALESCE((SELECT SUM(t.amount) FROM {lines} t \
           WHERE t.user_id = c.user_id AND t.budget_category_id = c.id AND {spent}), 0) AS BIGINT), \
         CAST(COALESCE((SELECT SUM(t.amount) FROM {lines} t \
           JOIN budget_categories bc ON bc.id = t.budget_category_id \
           WHERE t.user_id = b.user_id AND bc.budget_id = b.id AND {spent}), 0) AS BIGINT), b.currency \
         FROM budget_categories c JOIN budgets b ON b.id = c.budget_id \
         WHERE c.user_id = ? AND c.id IN ({})",
        db::placeholders(categories.len()),
        spent = spent_within_budget!(),
    );
    let mut values = vec![user_id.into()];
    values.extend(categories.iter().map(|id| sea_orm::Value::from(*id)));
    let rows = db.query_all_raw(db::statement(backend, &sql, values)).await?;
    let mut standings = HashMap::with_capacity(rows.len());
    for row in rows {
        standings.insert(
            row.try_get_by_index::<Uuid>(0)?,
            Standing {
                budget_id: row.try_get_by_index(1)?,
                budget_name: row.try_get_by_index(2)?,
                budget_amount: row.try_get_by_index(3)?,
                start: row.try_get_by_index(4)?,
                end: row.try_get_by_index(5)?,
                category_name: row.try_get_by_index(6)?,
                category_amount: row.try_get_by_index(7)?,
                category_spent: row.try_get_by_index(8)?,
                budget_spent: row.try_get_by_index(9)?,
                currency: row.try_get_by_index(10)?,
            },
        );
    }
    Ok(standings)
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
