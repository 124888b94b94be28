//! Gathers the month's snapshot for the insight rules: a fixed number of statements.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use uuid::Uuid;

use crate::foundation::entities::{
    savings_goals::{self, GoalStatus},
    users,
};
use crate::{
    budgets,
    dashboard::{
        insights::{CategoryUsage, GoalPace, Snapshot, UnusualExpense},
        queries,
    },
    foundation::{
        error::AppResult,
        money::Currency,
        ownership,
        periods::{self, DateRange, Granularity},
    },
    goals::progress,
    reports::service::{self as reports, in_range},
};

pub async fn snapshot(
    db: &DatabaseConnection,
    user: &users::Model,
    month: DateRange,
    today: NaiveDate,
) -> AppResult<Snapshot> {
    let user_id = user.id;
    let reporting = Currency::of(&user.currency);
    let totals = reports::totals(db, user_id, &in_range(month), reporting).await?;
    let previous = previous_expenses(db, user_id, month, reporting).await?;
    let categories = category_usage(db, user_id, month).await?;
    let goals = active_goals(db, user_id).await?;
    let names: std::collections::HashMap<Uuid, String> =
        categories.iter().map(|c| (c.category_id, c.name.clone())).collect();
    let unusual = queries::unusual_expenses(db, user_id, month).await?;
    let unusual_categories: Vec<Uuid> = unusual
        .iter()
        .map(|u| u.category_id)
        .filter(|id| !names.contains_key(id))
        .collect();
    let more_names = budgets::categories::by_ids(db, user_id, &unusual_categories).await?;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| {
            names
                .get(&id)
                .cloned()
                .or_else(|| more_names.iter().find(|c| c.id == id).map(|c| c.name.clone()))
        })
        .unwrap_or_default()
    };
    Ok(Snapshot {
        currency: user.currency.clone(),
        language: user.language.clone(),
        categories,
        expenses: totals.expenses.minor(),
        income: totals.income.minor(),
        previous_expenses: previous,
        savings_goal: user.savings_goal,
        goals: goals
            .iter()
            .filter_map(|g| {
                let target_date = g.target_date?;
                let p = progress::progress(
                    g.target_amount,
                    g.current_amount,
                    Some(target_date),
                    g.created_at.date_naive(),
                    today,
                );
                Some(GoalPace {
                    name: g.name.clone(),
                    target_date,
                    on_track: p.on_track,
                    required_monthly: p.required_monthly,
                    currency: Currency::of(&g.currency),
                })
            })
            .collect(),
        unusual: unusual
            .into_iter()
            .map(|u| UnusualExpense {
                category_name: name_of(Some(u.category_id)),
                description: u.description,
                amount: u.amount,
                currency: u.currency,
                category_id: Some(u.category_id),
                others_average: u.others_average,
            })
            .collect(),
    })
}

/// Expenses of the three months before `month`, oldest first, in the reporting currency.
async fn previous_expenses(
    db: &DatabaseConnection,
    user_id: Uuid,
    month: DateRange,
    reporting: Currency,
) -> AppResult<[i64; 3]> {
    let months = periods::trailing_months(month.start, 4);
    let previous = DateRange {
        start: months[0].start,
        end: months[2].end,
    };
    let starts: Vec<NaiveDate> = months[..3].iter().map(|m| m.start).collect();
    let filter = in_range(previous);
    let sums = reports::by_period(db, user_id, &filter, Granularity::Month, Some(&starts), reporting).await?;
    let mut expenses = [0; 3];
    for (slot, sum) in expenses.iter_mut().zip(sums) {
        *slot = sum.expenses.minor();
    }
    Ok(expenses)
}

/// Each category of the budgets active in `month`, with what it has spent.
async fn category_usage(db: &DatabaseConnection, user_id: Uuid, month: DateRange) -> AppResult<Vec<CategoryUsage>> {
    let active = queries::budgets_overlapping(db, user_id, month).await?;
    let budget_ids: Vec<Uuid> = active.iter().map(|b| b.id).collect();
    if budget_ids.is_empty() {
        return Ok(Vec::new());
    }
    let categories = budgets::categories::of_budgets(db, user_id, &budget_ids).await?;
    let ids: Vec<Uuid> = categories.iter().map(|c| c.id).collect();
    let spent = budgets::spending::by_category(db, user_id, &ids).await?;
    Ok(categories
        .into_iter()
        .map(|c| CategoryUsage {
            spent: spent.get(&c.id).map_or(0, |s| s.minor()),
            currency: Currency::of(&c.currency),
            category_id: c.id,
            name: c.name,
            amount: c.amount,
        })
        .collect())
}

/// Goals still being saved for (ACTIVE and PAUSED), newest first, at most 100.
pub async fn open_goals(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Vec<savings_goals::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(ownership::owned::<savings_goals::Entity>(user_id)
        .filter(savings_goals::Column::Status.ne(GoalStatus::Completed))
        .order_by_desc(savings_goals::Column::Id)
        .limit(100)
        .all(db)
        .await?)
}

async fn active_goals(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Vec<savings_goals::Model>> {
    Ok(open_goals(db, user_id)
        .await?
        .into_iter()
        .filter(|g| g.status == GoalStatus::Active)
        .collect())
}
