//! Evaluates the rules after events and unlocks what was earned, exactly once per user and
//! badge (the unique key makes a racing second unlock a no-op).

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Set, sea_query::OnConflict};
use serde_json::json;
use uuid::Uuid;

use crate::foundation::entities::achievements::{self, Column, Entity as Achievements};
use crate::{
    achievements::rules::{self, Stats},
    events::{Event, EventBus},
    foundation::{
        db,
        error::AppResult,
        fx::Converted,
        ledger::{category_lines_sql, spent_within_budget},
        money::Currency,
        ownership,
    },
    rates::convert::{self, Group},
};

/// Runs after a write that can unlock badges, and announces what it unlocked. The write has
/// committed already, so a failure here is logged, not returned: the next event evaluates again.
pub async fn after_event(db: &DatabaseConnection, events: &EventBus, user_id: Uuid) {
    match evaluate(db, user_id).await {
        Ok(unlocked) => {
            let raised = unlocked.into_iter().map(Event::AchievementUnlocked).collect();
            crate::notifications::service::raise(db, events, user_id, raised).await
        }
        Err(err) => tracing::warn!(%user_id, error = %err, "achievement evaluation failed"),
    }
}

/// Unlocks every earned badge not yet unlocked; returns the ones this call unlocked (a racing
/// call that unlocked the same badge first gets it, not this one).
pub async fn evaluate(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Vec<achievements::Model>> {
    let unlocked: HashSet<String> = ownership::owned::<Achievements>(user_id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.kind)
        .collect();
    // Every write runs this; a user who has earned a badge never needs its statistic again.
    let to_earn: Vec<&rules::Badge> = rules::BADGES
        .iter()
        .filter(|badge| !unlocked.contains(badge.kind))
        .collect();
    if to_earn.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = |metric: &str| to_earn.iter().any(|badge| badge.metric == metric);
    let wanted = Wanted {
        months_under_budget: wanted(rules::MONTHS_UNDER_BUDGET),
        total_saved: wanted(rules::TOTAL_SAVED),
    };
    let stats = stats(db, user_id, wanted).await?;
    let now = db::now();
    let new: Vec<achievements::Model> = to_earn
        .into_iter()
        .filter(|badge| badge.is_earned_by(&stats))
        .map(|badge| achievements::Model {
            id: Uuid::now_v7(),
            user_id,
            kind: badge.kind.to_owned(),
            title: badge.title.to_owned(),
            description: Some(badge.description.to_owned()),
            points: badge.points,
            unlocked_at: now,
            metadata: json!({ "metric": badge.metric, "threshold": badge.threshold, "value": (badge.value)(&stats) }),
        })
        .collect();
    if new.is_empty() {
        return Ok(new);
    }
    let rows = new.iter().cloned().map(|m| achievements::ActiveModel {
        id: Set(m.id),
        user_id: Set(m.user_id),
        kind: Set(m.kind),
        title: Set(m.title),
        description: Set(m.description),
        points: Set(m.points),
        unlocked_at: Set(m.unlocked_at),
        metadata: Set(m.metadata),
    });
    let on_conflict = OnConflict::columns([Column::UserId, Column::Kind])
        .do_nothing()
        .to_owned();
    let new = Achievements::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_with_returning(db)
        .await?;
    for badge in &new {
        tracing::info!(%user_id, achievement = %badge.kind, "achievement unlocked");
    }
    Ok(new)
}

/// The caller's achievements, in the order they were unlocked.
pub async fn list(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Vec<achievements::Model>> {
    Ok(ownership::owned::<Achievements>(user_id)
        .order_by_asc(Column::UnlockedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// The costly statistics a call needs: those with a badge still to earn.
struct Wanted {
    /// Every category's spending in every finished monthly budget.
    months_under_budget: bool,
    /// Goals in other currencies converted at today's rates (two more statements).
    total_saved: bool,
}

/// Every statistic the rules need, in one statement (and, when some goals are in another
/// currency than the reporting one, one more for them and one for exchange rates). The costly
/// ones are gathered only when `wanted`, else 0.
async fn stats(db: &DatabaseConnection, user_id: Uuid, wanted: Wanted) -> AppResult<Stats> {
    let today = Utc::now().date_naive();
    let months_under_budget = if wanted.months_under_budget {
        format!(
            "(SELECT COUNT(*) FROM budgets b WHERE b.user_id = ? AND b.period = 'monthly' AND b.end_date < ? \
               AND EXISTS (SELECT 1 FROM budget_categories c WHERE c.budget_id = b.id) \
               AND NOT EXISTS (SELECT 1 FROM budget_categories c WHERE c.budget_id = b.id AND c.amount <= ( \
                 SELECT COALESCE(SUM(t.amount), 0) FROM {lines} t \
                   WHERE t.user_id = b.user_id AND t.budget_category_id = c.id AND {spent})) \
               AND NOT EXISTS (SELECT 1 FROM budget_categories c JOIN {lines} t \
                   ON t.user_id = b.user_id AND t.budget_category_id = c.id AND {spent} \
                   WHERE c.budget_id = b.id AND t.currency <> b.currency))",
            lines = category_lines_sql(db.get_database_backend()),
            spent = spent_within_budget!(),
        )
    } else {
        "CAST(0 AS BIGINT)".to_owned()
    };
    let sql = format!(
        "SELECT \
        (SELECT COUNT(*) FROM budgets WHERE user_id = ?), \
        (SELECT COUNT(*) FROM transactions WHERE user_id = ? AND type IN ('income', 'expense')), \
        (SELECT COUNT(*) FROM savings_goals WHERE user_id = ?), \
        (SELECT COUNT(*) FROM savings_goals WHERE user_id = ? AND status = 'completed'), \
        (SELECT COUNT(*) FROM goal_contributions WHERE user_id = ?), \
        (SELECT CAST(COALESCE(SUM(g.current_amount), 0) AS BIGINT) FROM savings_goals g JOIN users u ON u.id = g.user_id \
           WHERE g.user_id = ? AND g.currency = u.currency), \
        {months_under_budget}, \
        (SELECT COUNT(*) FROM savings_goals g JOIN users u ON u.id = g.user_id \
           WHERE g.user_id = ? AND g.currency <> u.currency), \
        (SELECT currency FROM users WHERE id = ?)"
    );
    let mut values: Vec<sea_orm::Value> = (0..6).map(|_| user_id.into()).collect();
    if wanted.months_under_budget {
        values.extend([user_id.into(), today.into()]);
    }
    values.extend([user_id.into(), user_id.into()]);
    let row = db
        .query_one_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?
        .ok_or_else(|| crate::foundation::error::AppError::internal("stats query returned no row"))?;
    let get = |i| row.try_get_by_index::<i64>(i);
    let reporting = Currency::of(&row.try_get_by_index::<String>(8)?);
    let mut saved = Converted::of_minor(get(5)?, reporting);
    if wanted.total_saved && get(7)? > 0 {
        saved = saved_in(db, user_id, reporting, today).await?;
    }
    Ok(Stats {
        budgets: get(0)?,
        transactions: get(1)?,
        goals: get(2)?,
        goals_completed: get(3)?,
        contributions: get(4)?,
        total_saved: in_hundredths(saved.minor(), reporting),
        months_under_budget: get(6)?,
    })
}

/// Every goal's current amount in `reporting`, each goal's currency converted at `today`'s
/// rate (a goal without one is left out: a badge is never earned on a guess).
async fn saved_in(
    db: &DatabaseConnection,
    user_id: Uuid,
    reporting: Currency,
    today: NaiveDate,
) -> AppResult<Converted> {
    let sql =
        "SELECT currency, CAST(SUM(current_amount) AS BIGINT) FROM savings_goals WHERE user_id = ? GROUP BY currency";
    let backend = db.get_database_backend();
    let mut groups = Vec::new();
    for row in db
        .query_all_raw(db::statement(backend, sql, vec![user_id.into()]))
        .await?
    {
        groups.push(Group {
            key: (),
            target: reporting,
            currency: Currency::of(&row.try_get_by_index::<String>(0)?),
            day: Some(today),
            sums: [row.try_get_by_index(1)?],
        });
    }
    Ok(convert::figures(db, user_id, groups)
        .await?
        .remove(&())
        .map_or_else(|| Converted::zero(reporting), |[saved]| saved))
}

/// Minor units of `currency` in hundredths of its major unit (rounded down), so thresholds
/// such as "1,000 saved" mean 1,000 of any currency.
fn in_hundredths(minor: i64, currency: Currency) -> i64 {
    match currency.exponent() {
        e if e <= 2 => minor.saturating_mul(10_i64.pow(2 - e)),
        e => minor.div_euclid(10_i64.pow(e - 2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_of_any_currency() {
        let currency = |code| Currency::parse(code).expect("currency");
        assert_eq!(in_hundredths(100_000, currency("USD")), 100_000);
        assert_eq!(in_hundredths(1_000, currency("JPY")), 100_000);
        assert_eq!(in_hundredths(1_000_000, currency("KWD")), 100_000);
        assert_eq!(in_hundredths(999_999, currency("KWD")), 99_999);
    }
}
