//! Projected overspends as notifications: once a day the job runner projects the categories of
//! every current budget (the forecast's method) and tells each user of a category on course to
//! pass its amount before the period ends, once per category and period (the notification's
//! key). A category already over its amount is left to the 100 % budget alert.

use chrono::Duration;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::foundation::entities::{budgets, users};
use crate::{
    events::{Event, EventBus, OverspendProjected},
    foundation::{error::AppResult, periods},
    notifications::service::raise,
    reports::forecast::{self, CategoryForecast},
};

/// Users looked at per statement.
const PAGE: u64 = 500;

/// The event for a category projected over but not yet over, if it is.
pub fn projected(category: &CategoryForecast) -> Option<Event> {
    let date = category.overspend?;
    if category.spent.minor() > category.category.amount {
        return None;
    }
    Some(Event::OverspendProjected(OverspendProjected {
        budget_id: category.budget.id,
        budget_name: category.budget.name.clone(),
        category_id: category.category.id,
        category_name: category.category.name.clone(),
        period_start: category.budget.start_date,
        date,
        amount: category.category.amount,
        spent: category.spent.minor(),
        projected_spent: category.projected_spent,
        currency: category.budget.currency.clone(),
    }))
}

/// Projects every user with a current budget and raises what is newly projected over; returns
/// how many categories were projected over (each notified once per period).
pub async fn notify_projected(db: &DatabaseConnection, bus: &EventBus) -> AppResult<usize> {
    // A day either side of UTC's today covers every time zone's today.
    let today = chrono::Utc::now().date_naive();
    let mut raised = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut page = budgets::Entity::find()
            .select_only()
            .column(budgets::Column::UserId)
            .distinct()
            .filter(budgets::Column::StartDate.lte(today + Duration::days(1)))
            .filter(budgets::Column::EndDate.gte(today - Duration::days(1)))
            .order_by_asc(budgets::Column::UserId)
            .limit(PAGE);
        if let Some(after) = after {
            page = page.filter(budgets::Column::UserId.gt(after));
        }
        let owners: Vec<Uuid> = page.into_tuple().all(db).await?;
        let Some(last) = owners.last() else { break };
        after = Some(*last);
        let zones: Vec<(Uuid, String)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Timezone)
            .filter(users::Column::Id.is_in(owners.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (user_id, zone) in zones {
            let categories = forecast::categories_of(db, user_id, periods::today_in(&zone)).await?;
            let events: Vec<Event> = categories.iter().filter_map(projected).collect();
            raised += events.len();
            if !events.is_empty() {
                raise(db, bus, user_id, events).await;
            }
        }
        if (owners.len() as u64) < PAGE {
            break;
        }
    }
    Ok(raised)
}
