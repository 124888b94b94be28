//! The weekly summary: on Monday from 09:00 in each user's time zone, the week before (Monday
//! to Sunday) in their reporting currency, to the users who asked for it. The job runner calls
//! `send_due` every hour; the notification's key (`weekly_summary:<ISO week>`) is unique per
//! user, so two servers running it at once send it once.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::foundation::entities::transactions::TransactionType;
use crate::foundation::entities::{budget_categories, notifications as notification_rows};
use crate::{
    foundation::{
        error::AppResult,
        money::{Currency, display},
        ownership,
        periods::DateRange,
    },
    notifications::{
        preferences,
        service::{self as notifications, Draft, Kind},
    },
    reports::service::{by_category, in_range, totals},
};

/// The local hour on Monday from which the summary goes out.
const SEND_FROM_HOUR: u32 = 9;
/// Categories the summary names.
const TOP_CATEGORIES: usize = 3;

/// Sends the summaries due at `now`; returns how many were stored (and mailed when wanted).
pub async fn send_due(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let mut sent = 0;
    for user_id in preferences::users_wanting(db, Kind::WeeklySummary).await? {
        match send_one(db, user_id, now).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            // One user's failure does not hold back the others; the next hour tries again.
            Err(err) => tracing::warn!(%user_id, error = %err, "weekly summary failed"),
        }
    }
    Ok(sent)
}

/// The week a summary at `now` covers in `timezone`, and its key; `None` unless it is Monday
/// from 09:00 there.
pub fn due_week(now: DateTime<Utc>, timezone: Tz) -> Option<(DateRange, String)> {
    let local = now.with_timezone(&timezone);
    if local.weekday() != Weekday::Mon || local.hour() < SEND_FROM_HOUR {
        return None;
    }
    let monday = local.date_naive();
    let week = DateRange {
        start: monday - Duration::days(7),
        end: monday - Duration::days(1),
    };
    let iso = week.start.iso_week();
    Some((week, format!("weekly_summary:{}-W{:02}", iso.year(), iso.week())))
}

async fn send_one(db: &DatabaseConnection, user_id: Uuid, now: DateTime<Utc>) -> AppResult<bool> {
    let user = ownership::account(db, user_id).await?;
    let timezone: Tz = user.timezone.parse().unwrap_or(Tz::UTC);
    let Some((week, key)) = due_week(now, timezone) else {
        return Ok(false);
    };
    let already = ownership::owned::<notification_rows::Entity>(user_id)
        .filter(notification_rows::Column::DedupeKey.eq(key.as_str()))
        .count(db)
        .await?;
    if already > 0 {
        return Ok(false);
    }
    let currency = Currency::of(&user.currency);
    let filter = in_range(week);
    let figures = totals(db, user_id, &filter, currency).await?;
    let spending = by_category(db, user_id, &filter, TransactionType::Expense, currency).await?;
    let top: Vec<_> = spending
        .iter()
        .filter(|sum| sum.category_id.is_some())
        .take(TOP_CATEGORIES)
        .collect();
    let ids: Vec<Uuid> = top.iter().filter_map(|sum| sum.category_id).collect();
    let names = ownership::by_ids::<budget_categories::Entity>(db, user_id, &ids).await?;
    let name_of = |id: Option<Uuid>| {
        names
            .iter()
            .find(|c| Some(c.id) == id)
            .map_or_else(String::new, |c| c.name.clone())
    };
    let language = user.language.as_str();
    let money = |minor: i64| display(minor, currency, language);
    let mut body = format!(
        "Income {}, spending {} in {} transactions.",
        money(figures.income.minor()),
        money(figures.expenses.minor()),
        figures.count
    );
    if !top.is_empty() {
        let listed: Vec<String> = top
            .iter()
            .map(|sum| format!("{} {}", name_of(sum.category_id), money(sum.total.minor())))
            .collect();
        body.push_str(&format!(" Most spent on: {}.", listed.join(", ")));
    }
    let draft = Draft {
        kind: Kind::WeeklySummary,
        title: format!("Your week, {} to {}", week.start, week.end),
        body,
        data: json!({
            "from": week.start, "to": week.end, "currency": currency.code(), "count": figures.count,
            "income": currency.amount(figures.income.minor()).to_string(),
            "expenses": currency.amount(figures.expenses.minor()).to_string(),
            "topCategories": top.iter().map(|sum| json!({
                "categoryId": sum.category_id, "name": name_of(sum.category_id),
                "total": currency.amount(sum.total.minor()).to_string(),
            })).collect::<Vec<_>>(),
        }),
        dedupe_key: key,
    };
    Ok(!notifications::deliver(db, user_id, vec![draft]).await?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_on_monday_from_nine_local_for_the_week_before() {
        let berlin: Tz = "Europe/Berlin".parse().expect("tz");
        let at = |text: &str| text.parse::<DateTime<Utc>>().expect("instant");
        // 2026-11-30 is a Monday; Berlin is UTC+1 in winter.
        assert_eq!(due_week(at("2026-11-30T07:59:00Z"), berlin), None, "08:59 in Berlin");
        let (week, key) = due_week(at("2026-11-30T08:00:00Z"), berlin).expect("09:00 in Berlin");
        assert_eq!(week.start.to_string(), "2026-11-23");
        assert_eq!(week.end.to_string(), "2026-11-29");
        assert_eq!(key, "weekly_summary:2026-W48");
        assert!(
            due_week(at("2026-11-30T22:59:00Z"), berlin).is_some(),
            "23:59 on Monday there"
        );
        assert!(
            due_week(at("2026-11-30T23:00:00Z"), berlin).is_none(),
            "already Tuesday there"
        );
        assert!(due_week(at("2026-12-01T08:00:00Z"), berlin).is_none());
        // Late Sunday in UTC is already Monday morning in Auckland.
        let auckland: Tz = "Pacific/Auckland".parse().expect("tz");
        assert!(due_week(at("2026-11-29T21:00:00Z"), auckland).is_some());
    }
}
