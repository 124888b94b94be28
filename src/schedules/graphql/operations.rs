//! Schedule queries and mutations, and their inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, ResultExt};

use crate::{
    events::EventBus,
    foundation::{error::AppError, ids, money::Money},
    graphql::{ContextExt, nodes::TransactionType, patch, scalars::Date},
    schedules::{
        graphql::{Schedule, ScheduleOccurrence, WeekendRule},
        occurrences,
        service::{self, NewSchedule, SchedulePatch},
    },
};

/// The most days `upcoming` looks ahead.
const UPCOMING_MAX_DAYS: i32 = 366;

/// A new schedule.
#[derive(InputObject)]
pub struct CreateScheduleInput {
    /// One of the caller's open accounts; the default account when omitted.
    account_id: Option<ID>,
    /// One of the caller's budget categories.
    category_id: Option<ID>,
    /// Who is paid or pays; up to 200 characters.
    payee: Option<String>,
    /// 1 to 500 characters; the description of each posted transaction.
    description: String,
    /// Each occurrence's amount, greater than 0, in the account's currency.
    amount: Money,
    /// INCOME or EXPENSE.
    #[graphql(name = "type")]
    kind: TransactionType,
    /// An RFC 5545 RRULE repeating DAILY, WEEKLY, MONTHLY or YEARLY, without COUNT or UNTIL:
    /// "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR". A monthly day past a
    /// short month's end falls on its last day.
    rule: String,
    /// The first day the rule counts from; today by default.
    start_date: Option<Date>,
    /// No occurrence after this day.
    end_date: Option<Date>,
    /// How many occurrences in all (1 to 10000).
    count: Option<i32>,
    /// When an occurrence on a weekend is due; NONE by default.
    weekend_rule: Option<WeekendRule>,
    /// Post each occurrence automatically when due (false: only by postOccurrence).
    auto_post: Option<bool>,
    /// How far a real transaction's amount may differ and still be recognised; 0 by default.
    amount_tolerance: Option<Money>,
    /// Days before or after the due date a real transaction may be (0 to 31); 3 by default.
    match_window_days: Option<i32>,
}

/// Schedule changes; omitted fields keep their value, null clears an optional one.
#[derive(InputObject)]
pub struct UpdateScheduleInput {
    /// Another open account of the same currency.
    account_id: Option<ID>,
    /// One of the caller's budget categories; null removes it.
    category_id: MaybeUndefined<ID>,
    /// Who is paid or pays; null removes it.
    payee: MaybeUndefined<String>,
    /// 1 to 500 characters.
    description: Option<String>,
    /// Greater than 0.
    amount: Option<Money>,
    /// INCOME or EXPENSE.
    #[graphql(name = "type")]
    kind: Option<TransactionType>,
    /// An RFC 5545 RRULE.
    rule: Option<String>,
    /// The first day the rule counts from.
    start_date: Option<Date>,
    /// null: no end.
    end_date: MaybeUndefined<Date>,
    /// null: no limit.
    count: MaybeUndefined<i32>,
    /// When an occurrence on a weekend is due.
    weekend_rule: Option<WeekendRule>,
    /// Post automatically when due.
    auto_post: Option<bool>,
    /// How far a real transaction's amount may differ.
    amount_tolerance: Option<Money>,
    /// Days before or after the due date a real transaction may be.
    match_window_days: Option<i32>,
}

fn schedule_id(id: &ID) -> Result<uuid::Uuid> {
    ids::parse(id).ok_or(AppError::NotFound("schedule")).extend()
}

#[derive(Default)]
pub struct SchedulesQuery;

#[Object]
impl SchedulesQuery {
    /// The caller's schedules, oldest first.
    async fn schedules(&self, ctx: &Context<'_>) -> Result<Vec<Schedule>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let rows = service::list(db, caller.id).await.extend()?;
        Ok(rows.into_iter().map(Schedule).collect())
    }

    /// One of the caller's schedules; null for any other id.
    async fn schedule(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Schedule>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(db, caller.id, id).await.map(|s| s.map(Schedule)).extend()
    }

    /// The open occurrences of every schedule due in the next `days` days (1 to 366; today
    /// included), and the missed ones of the last 60 days first, by due date.
    async fn upcoming(&self, ctx: &Context<'_>, #[graphql(default = 30)] days: i32) -> Result<Vec<ScheduleOccurrence>> {
        let (db, caller) = ctx.authenticated().extend()?;
        if !(1..=UPCOMING_MAX_DAYS).contains(&days) {
            return Err(AppError::invalid(
                "days",
                format!("must be between 1 and {UPCOMING_MAX_DAYS}"),
            ))
            .extend();
        }
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let dated = occurrences::upcoming(db, caller.id, today, i64::from(days))
            .await
            .extend()?;
        Ok(dated.into_iter().map(|d| ScheduleOccurrence::new(d, today)).collect())
    }
}

#[derive(Default)]
pub struct SchedulesMutation;

#[Object]
impl SchedulesMutation {
    /// Creates a schedule.
    async fn create_schedule(&self, ctx: &Context<'_>, input: CreateScheduleInput) -> Result<Schedule> {
        let (db, caller) = ctx.authenticated().extend()?;
        let new = NewSchedule {
            account_id: input.account_id.as_ref().map(ids::parse_or_nil),
            category_id: input.category_id.as_ref().map(ids::parse_or_nil),
            payee: input.payee,
            description: input.description,
            amount: input.amount,
            kind: input.kind.into(),
            rule: input.rule,
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
            count: input.count,
            weekend_rule: input.weekend_rule.unwrap_or(WeekendRule::None).into(),
            auto_post: input.auto_post.unwrap_or(false),
            amount_tolerance: input.amount_tolerance,
            match_window_days: input.match_window_days,
        };
        service::create(db, caller.id, new).await.map(Schedule).extend()
    }

    /// Changes a schedule; occurrences already dealt with stay as they are.
    async fn update_schedule(&self, ctx: &Context<'_>, id: ID, input: UpdateScheduleInput) -> Result<Schedule> {
        let (db, caller) = ctx.authenticated().extend()?;
        let changes = SchedulePatch {
            account_id: input.account_id.as_ref().map(ids::parse_or_nil),
            category_id: patch(input.category_id).map(|c| c.as_ref().map(ids::parse_or_nil)),
            payee: patch(input.payee),
            description: input.description,
            amount: input.amount,
            kind: input.kind.map(Into::into),
            rule: input.rule,
            start_date: input.start_date.map(|d| d.0),
            end_date: patch(input.end_date).map(|d| d.map(|d| d.0)),
            count: patch(input.count),
            weekend_rule: input.weekend_rule.map(Into::into),
            auto_post: input.auto_post,
            amount_tolerance: input.amount_tolerance,
            match_window_days: input.match_window_days,
        };
        service::update(db, caller.id, schedule_id(&id)?, changes)
            .await
            .map(Schedule)
            .extend()
    }

    /// Deletes a schedule; the transactions it posted stay.
    async fn delete_schedule(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::delete(db, caller.id, schedule_id(&id)?)
            .await
            .map(ids::to_id)
            .extend()
    }

    /// Skips an open occurrence (`date` as the rule gives it): it is not posted and nothing
    /// matches it. CONFLICT once it has been dealt with.
    async fn skip_occurrence(&self, ctx: &Context<'_>, schedule_id: ID, date: Date) -> Result<ScheduleOccurrence> {
        let (db, caller) = ctx.authenticated().extend()?;
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let id = self::schedule_id(&schedule_id)?;
        occurrences::skip(db, caller.id, id, date.0)
            .await
            .map(|d| ScheduleOccurrence::new(d, today))
            .extend()
    }

    /// Posts an open occurrence now, as a transaction dated its due day. CONFLICT once it has
    /// been dealt with.
    async fn post_occurrence(&self, ctx: &Context<'_>, schedule_id: ID, date: Date) -> Result<ScheduleOccurrence> {
        let (db, caller) = ctx.authenticated().extend()?;
        let events = ctx.shared::<EventBus>().extend()?;
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let id = self::schedule_id(&schedule_id)?;
        occurrences::post_now(db, events, caller.id, id, date.0)
            .await
            .map(|d| ScheduleOccurrence::new(d, today))
            .extend()
    }
}
