//! Budget alerts: which 80 % / 100 % thresholds a transaction's creation or change made its
//! categories (each split line's own), and their budgets, reach.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::foundation::entities::transaction_splits;
use crate::foundation::entities::transactions::{self, TransactionType};
use crate::{
    events::{AlertScope, BudgetAlert, ChangeKind, Event, EventBus, TransactionChange},
    foundation::{
        db,
        error::AppResult,
        fx::{Converted, Exact, Rates},
        ledger::{self, spent_within_budget},
        money::Currency,
    },
    rates::{
        convert::{self, Group, foreign_day_sql},
        service::Needs,
    },
};

/// Percentages of a budget's or category's amount that raise an alert when reached.
pub const THRESHOLDS: [i32; 2] = [80, 100];

/// The thresholds that spending going from `before` to `after` (minor units, as shown)
/// reached: crossed upwards, exactly at the boundary included. Spending that falls raises
/// nothing.
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

    /// What it spends in the categories `within` selects, in `budget`'s currency, counted only
    /// when its date is in the budget's range. An amount without a rate counts nothing, as in
    /// the budget's own figure.
    fn spent_in(&self, budget: &Standing, rates: &Rates, within: impl Fn(Uuid) -> bool) -> Exact {
        if !(budget.start..=budget.end).contains(&self.row.transaction_date) {
            return Exact::default();
        }
        let currency = Currency::of(&self.row.currency);
        self.spending()
            .into_iter()
            .filter(|(category, _)| within(*category))
            .filter_map(|(_, amount)| rates.convert(amount, currency, budget.currency, self.row.transaction_date))
            .sum()
    }
}

/// Raises a transaction's change and the budget alerts it caused.
pub async fn announce_change(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    kind: ChangeKind,
    before: Option<Posting<'_>>,
    after: Option<Posting<'_>>,
    id: Uuid,
) {
    let raised = change_events(db, user_id, kind, before, after, id).await;
    crate::notifications::service::raise(db, events, user_id, raised).await;
}

/// A transaction's change (for live listeners and webhooks) and the budget alerts it caused
/// (also stored as notifications), for a caller that raises them with events of its own. The
/// write has committed, so an alert that cannot be computed is logged, not returned.
pub async fn change_events(
    db: &DatabaseConnection,
    user_id: Uuid,
    kind: ChangeKind,
    before: Option<Posting<'_>>,
    after: Option<Posting<'_>>,
    id: Uuid,
) -> Vec<Event> {
    let mut raised = vec![TransactionChange::event(kind, id, after.map(|a| a.row.clone()))];
    if let Some(after) = after {
        match raised_by(db, user_id, before, after).await {
            Ok(alerts) => raised.extend(alerts.into_iter().map(Event::BudgetAlert)),
            Err(err) => tracing::warn!(%user_id, error = %err, "budget alert check failed"),
        }
    }
    raised
}

/// A category's budget and what both have spent, as committed, in the budget's currency.
struct Standing {
    budget_id: Uuid,
    budget_name: String,
    budget_amount: i64,
    start: NaiveDate,
    end: NaiveDate,
    category_name: String,
    category_amount: i64,
    category_spent: Converted,
    budget_spent: Converted,
    currency: Currency,
}

/// The alerts `after` (the transaction as committed; `before`, its previous state when it was
/// changed) raised, in every category its lines spend in and in those categories' budgets.
/// Reads one statement (and the exchange rates, when some spending is in another currency),
/// and only for a categorized expense.
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
    let (mut standings, groups) = standings(db, user_id, &involved).await?;
    // The postings' own amounts are converted too; the old state's may need rates the
    // committed spending does not.
    let mut needs = Needs::default();
    for standing in standings.values() {
        for posting in before.iter().chain([&after]) {
            needs.add(
                Currency::of(&posting.row.currency),
                standing.currency,
                posting.row.transaction_date,
            );
        }
    }
    let (figures, rates) = convert::figures_and_rates(db, user_id, groups, needs).await?;
    for ((category, whole_budget), [spent]) in figures {
        if let Some(standing) = standings.get_mut(&category) {
            if whole_budget {
                standing.budget_spent = spent;
            } else {
                standing.category_spent = spent;
            }
        }
    }
    let budget_of = |category: Uuid| standings.get(&category).map(|s| s.budget_id);
    // What the change added to a set of categories of one budget: now minus before.
    let added = |standing: &Standing, within: &dyn Fn(Uuid) -> bool| {
        after.spent_in(standing, &rates, within)
            - before.map_or(Exact::default(), |b| b.spent_in(standing, &rates, within))
    };

    let now = db::now();
    let alert = |standing: &Standing, category: Option<Uuid>, threshold, spent: &Converted, amount| BudgetAlert {
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
        spent: spent.minor(),
        amount,
        currency: standing.currency.code().to_owned(),
        transaction_id: after.row.id,
        raised_at: now,
    };
    let mut alerts = Vec::new();
    let mut categories_done = Vec::new();
    for (category, _) in &spending {
        let Some(standing) = standings.get(category) else {
            continue;
        };
        let in_category = |c: Uuid| c == *category;
        if categories_done.contains(category) || after.spent_in(standing, &rates, in_category) == Exact::default() {
            continue;
        }
        categories_done.push(*category);
        // Compared as shown (rounded once), so an alert and the category's status agree.
        let before_spent = (standing.category_spent.value - added(standing, &in_category)).round();
        alerts.extend(
            reached(before_spent, standing.category_spent.minor(), standing.category_amount).map(|t| {
                alert(
                    standing,
                    Some(*category),
                    t,
                    &standing.category_spent,
                    standing.category_amount,
                )
            }),
        );
    }
    let mut budgets_done = Vec::new();
    for (category, _) in &spending {
        let Some(standing) = standings.get(category) else {
            continue;
        };
        if budgets_done.contains(&standing.budget_id) {
            continue;
        }
        budgets_done.push(standing.budget_id);
        let in_budget = |c: Uuid| budget_of(c) == Some(standing.budget_id);
        if after.spent_in(standing, &rates, in_budget) == Exact::default() {
            continue;
        }
        let before_spent = (standing.budget_spent.value - added(standing, &in_budget)).round();
        alerts.extend(
            reached(before_spent, standing.budget_spent.minor(), standing.budget_amount)
                .map(|t| alert(standing, None, t, &standing.budget_spent, standing.budget_amount)),
        );
    }
    Ok(alerts)
}

/// Spending of a category (`false`) or of its whole budget (`true`), by currency and day.
type SpendingGroup = Group<(Uuid, bool), 1>;

/// Each of `categories` (the caller's) with its budget, and what both have spent, still to be
/// converted into the budget's currency: one statement.
async fn standings(
    db: &DatabaseConnection,
    user_id: Uuid,
    categories: &[Uuid],
) -> AppResult<(HashMap<Uuid, Standing>, Vec<SpendingGroup>)> {
    let backend = db.get_database_backend();
    let lines = ledger::category_lines_sql(backend);
    let day = foreign_day_sql("t.currency", "b.currency", "t.transaction_date");
    let columns = "c.id, b.id, b.name, b.amount, b.start_date, b.end_date, c.name, c.amount, b.currency";
    // Per category: its spending, then its budget's, by currency (and day away from the
    // budget's currency); a row with no spending when there is none.
    let sql = format!(
        "SELECT {columns}, 'category', t.currency, {day}, CAST(SUM(t.amount) AS BIGINT) \
         FROM budget_categories c JOIN budgets b ON b.id = c.budget_id \
         LEFT JOIN {lines} t ON t.user_id = c.user_id AND t.budget_category_id = c.id AND {spent} \
         WHERE c.user_id = ? AND c.id IN ({list}) GROUP BY {columns}, t.currency, {day} \
         UNION ALL \
         SELECT {columns}, 'budget', t.currency, {day}, CAST(SUM(t.amount) AS BIGINT) \
         FROM budget_categories c JOIN budgets b ON b.id = c.budget_id \
         JOIN budget_categories bc ON bc.budget_id = b.id \
         LEFT JOIN {lines} t ON t.user_id = c.user_id AND t.budget_category_id = bc.id AND {spent} \
         WHERE c.user_id = ? AND c.id IN ({list}) GROUP BY {columns}, t.currency, {day}",
        list = db::placeholders(categories.len()),
        spent = spent_within_budget!(),
    );
    let mut values = Vec::with_capacity(2 * (categories.len() + 1));
    for _ in 0..2 {
        values.push(sea_orm::Value::from(user_id));
        values.extend(categories.iter().map(|id| sea_orm::Value::from(*id)));
    }
    let mut standings = HashMap::with_capacity(categories.len());
    let mut groups = Vec::new();
    for row in db.query_all_raw(db::statement(backend, &sql, values)).await? {
        let category: Uuid = row.try_get_by_index(0)?;
        let target = Currency::of(&row.try_get_by_index::<String>(8)?);
        if let std::collections::hash_map::Entry::Vacant(entry) = standings.entry(category) {
            entry.insert(Standing {
                budget_id: row.try_get_by_index(1)?,
                budget_name: row.try_get_by_index(2)?,
                budget_amount: row.try_get_by_index(3)?,
                start: row.try_get_by_index(4)?,
                end: row.try_get_by_index(5)?,
                category_name: row.try_get_by_index(6)?,
                category_amount: row.try_get_by_index(7)?,
                category_spent: Converted::zero(target),
                budget_spent: Converted::zero(target),
                currency: target,
            });
        }
        let scope: String = row.try_get_by_index(9)?;
        let Some(currency) = row.try_get_by_index::<Option<String>>(10)? else {
            continue;
        };
        groups.push(Group {
            key: (category, scope == "budget"),
            target,
            currency: Currency::of(&currency),
            day: row.try_get_by_index(11)?,
            sums: [row.try_get_by_index::<Option<i64>>(12)?.unwrap_or_default()],
        });
    }
    Ok((standings, groups))
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
