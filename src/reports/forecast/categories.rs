//! Each budget category of the current period, projected to the period's end: what it has
//! spent, plus its schedules' open expenses due by then (a missed one counts tomorrow), plus its
//! pace (its discretionary spending of the last 90 days, spread evenly over them) for each day
//! left; the first day that sum passes the category's amount is its projected overspend date.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::foundation::entities::transactions::TransactionType;
use crate::foundation::entities::{budget_categories, budgets};
use crate::{
    budgets::{categories, spending},
    foundation::{
        db,
        error::AppResult,
        fx::{Converted, Exact},
        ledger::category_lines_sql,
        money::Currency,
        ownership,
    },
    rates::{
        convert::{self, Group, foreign_day_sql},
        service::{Needs, rates_for},
    },
    reports::forecast::{TRAILING_DAYS, math},
    schedules::{
        occurrences::{self, OVERDUE_DAYS},
        service as schedules,
    },
};

/// One category's projection, in its budget's currency.
#[derive(Debug, Clone)]
pub struct CategoryForecast {
    pub category: budget_categories::Model,
    pub budget: budgets::Model,
    pub spent: Converted,
    pub projected_spent: i64,
    pub projected_remaining: i64,
    pub overspend: Option<NaiveDate>,
}

/// The categories of the budgets whose period includes `today`, projected.
pub async fn project(db: &DatabaseConnection, user_id: Uuid, today: NaiveDate) -> AppResult<Vec<CategoryForecast>> {
    let active = ownership::owned::<budgets::Entity>(user_id)
        .filter(budgets::Column::StartDate.lte(today))
        .filter(budgets::Column::EndDate.gte(today))
        .order_by_asc(budgets::Column::Id)
        .all(db)
        .await?;
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let budget_ids: Vec<Uuid> = active.iter().map(|b| b.id).collect();
    let categories = categories::of_budgets(db, user_id, &budget_ids).await?;
    let ids: Vec<Uuid> = categories.iter().map(|c| c.id).collect();
    let mut spent = spending::by_category(db, user_id, &ids).await?;
    let mut pace = pace(db, user_id, &ids, today).await?;
    let last_day = active.iter().map(|b| b.end_date).max().unwrap_or(today);
    let scheduled = scheduled(db, user_id, &categories, &active, today, last_day).await?;
    let mut projected = Vec::with_capacity(categories.len());
    for category in categories {
        let Some(budget) = active.iter().find(|b| b.id == category.budget_id).cloned() else {
            continue;
        };
        let currency = Currency::of(&budget.currency);
        let spent = spent.remove(&category.id).unwrap_or_else(|| Converted::zero(currency));
        let pace_total = pace.remove(&category.id).unwrap_or_default();
        let bills = scheduled.get(&category.id).cloned().unwrap_or_default();
        let p = math::project_category(
            category.amount,
            spent.value,
            &bills,
            pace_total,
            TRAILING_DAYS,
            today,
            budget.end_date,
        );
        projected.push(CategoryForecast {
            projected_spent: p.spent,
            projected_remaining: p.remaining,
            overspend: p.overspend,
            spent,
            category,
            budget,
        });
    }
    Ok(projected)
}

/// Each category's discretionary spending of the trailing days (split lines in their own
/// categories, scheduled transactions left out), in its budget's currency: one statement.
async fn pace(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, Exact>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let day = foreign_day_sql("t.currency", "c.currency", "t.transaction_date");
    let sql = format!(
        "SELECT c.id, c.currency, t.currency, {day}, CAST(SUM(t.amount) AS BIGINT) \
         FROM budget_categories c JOIN {lines} t ON t.user_id = c.user_id AND t.budget_category_id = c.id \
         WHERE c.user_id = ? AND c.id IN ({list}) AND t.type = 'expense' \
           AND t.transaction_date >= ? AND t.transaction_date <= ? \
           AND NOT EXISTS (SELECT 1 FROM schedule_occurrences o WHERE o.transaction_id = t.id) \
         GROUP BY c.id, c.currency, t.currency, {day}",
        lines = category_lines_sql(backend),
        list = db::placeholders(ids.len()),
    );
    let mut values: Vec<sea_orm::Value> = vec![user_id.into()];
    values.extend(ids.iter().map(|id| sea_orm::Value::from(*id)));
    values.extend([(today - Duration::days(TRAILING_DAYS - 1)).into(), today.into()]);
    let groups = db
        .query_all_raw(db::statement(backend, &sql, values))
        .await?
        .iter()
        .map(Group::of_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(convert::figures(db, user_id, groups)
        .await?
        .into_iter()
        .map(|(id, [total])| (id, total.value))
        .collect())
}

/// Each category's open scheduled expenses by due day (a missed one: tomorrow) until its
/// budget's end, in its budget's currency at today's rate.
async fn scheduled(
    db: &DatabaseConnection,
    user_id: Uuid,
    categories: &[budget_categories::Model],
    budgets: &[budgets::Model],
    today: NaiveDate,
    last_day: NaiveDate,
) -> AppResult<HashMap<Uuid, BTreeMap<NaiveDate, Exact>>> {
    let all = schedules::list(db, user_id).await?;
    let relevant: Vec<_> = all
        .into_iter()
        .filter(|s| s.kind == TransactionType::Expense)
        .filter(|s| {
            s.budget_category_id
                .is_some_and(|c| categories.iter().any(|x| x.id == c))
        })
        .collect();
    let open = occurrences::due_between(db, user_id, &relevant, today - Duration::days(OVERDUE_DAYS), last_day).await?;
    let mut needs = Needs::default();
    for category in categories {
        for schedule in relevant.iter().filter(|s| s.budget_category_id == Some(category.id)) {
            needs.add(
                Currency::of(&schedule.currency),
                Currency::of(&category.currency),
                today,
            );
        }
    }
    let rates = rates_for(db, user_id, &needs).await?;
    let mut by_category: HashMap<Uuid, BTreeMap<NaiveDate, Exact>> = HashMap::new();
    for dated in open.into_iter().filter(|d| d.closed.is_none()) {
        let Some(category) = categories
            .iter()
            .find(|c| Some(c.id) == dated.schedule.budget_category_id)
        else {
            continue;
        };
        let Some(budget) = budgets.iter().find(|b| b.id == category.budget_id) else {
            continue;
        };
        let day = dated.occurrence.due.max(today + Duration::days(1));
        if day > budget.end_date {
            continue;
        }
        let from = Currency::of(&dated.schedule.currency);
        let Some(amount) = rates.convert(dated.schedule.amount, from, Currency::of(&category.currency), today) else {
            continue;
        };
        *by_category.entry(category.id).or_default().entry(day).or_default() += amount;
    }
    Ok(by_category)
}
