//! The `Schedule` and `ScheduleOccurrence` types.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt};
use chrono::{Duration, NaiveDate};

use crate::foundation::entities::schedule_occurrences::{self, OccurrenceStatus as RowStatus};
use crate::foundation::entities::schedules::{self as rows, WeekendRule as RowWeekend};
use crate::foundation::entities::transactions;
use crate::{
    accounts::graphql::Account,
    budgets::graphql::BudgetCategory,
    foundation::{
        error::AppError,
        ids,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        loaders::ById,
        nodes::{Transaction, TransactionType},
        scalars::{Date, DateTime},
    },
    schedules::{
        loader::ClosedOccurrences,
        occurrences::{Dated, OVERDUE_DAYS},
        service,
    },
};

/// When an occurrence that falls on a Saturday or Sunday is due.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum WeekendRule {
    /// On the weekend day itself.
    None,
    /// The Friday before.
    Before,
    /// The Monday after.
    After,
}

impl From<RowWeekend> for WeekendRule {
    fn from(rule: RowWeekend) -> Self {
        match rule {
            RowWeekend::None => WeekendRule::None,
            RowWeekend::Before => WeekendRule::Before,
            RowWeekend::After => WeekendRule::After,
        }
    }
}

impl From<WeekendRule> for RowWeekend {
    fn from(rule: WeekendRule) -> Self {
        match rule {
            WeekendRule::None => RowWeekend::None,
            WeekendRule::Before => RowWeekend::Before,
            WeekendRule::After => RowWeekend::After,
        }
    }
}

/// What has happened to an occurrence.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OccurrenceStatus {
    /// Not dealt with yet.
    Open,
    /// Written as a transaction (when due, for an autoPost schedule, or by postOccurrence).
    Posted,
    /// A transaction the user entered or imported was recognised as it.
    Matched,
    /// Skipped by the user.
    Skipped,
}

/// A transaction that repeats: rent, salary, a subscription.
pub struct Schedule(pub rows::Model);

/// A transaction that repeats: rent, salary, a subscription.
#[Object]
impl Schedule {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// The account its transactions are in.
    async fn account(&self, ctx: &Context<'_>) -> Result<Account> {
        Account::load(ctx, self.0.account_id).await
    }
    /// The budget category of its transactions, if any.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        BudgetCategory::load(ctx, self.0.budget_category_id).await
    }
    /// Who is paid or pays.
    async fn payee(&self) -> Option<&str> {
        self.0.payee.as_deref()
    }
    /// The description of its transactions.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Each occurrence's amount, in the account's currency; always positive.
    async fn amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount)
    }
    /// ISO 4217 code of the amounts (the account's).
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// INCOME or EXPENSE.
    #[graphql(name = "type")]
    async fn kind(&self) -> TransactionType {
        self.0.kind.into()
    }
    /// The RFC 5545 recurrence rule, e.g. "FREQ=MONTHLY;BYMONTHDAY=-1".
    async fn rule(&self) -> &str {
        &self.0.rule
    }
    /// The first day the rule counts from.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    /// No occurrence after this day.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// How many occurrences there are in all, when limited.
    async fn count(&self) -> Option<i32> {
        self.0.max_occurrences
    }
    /// When an occurrence on a weekend is due.
    async fn weekend_rule(&self) -> WeekendRule {
        self.0.weekend_rule.into()
    }
    /// Posted automatically when due; otherwise only by postOccurrence.
    async fn auto_post(&self) -> bool {
        self.0.auto_post
    }
    /// How far a real transaction's amount may differ from `amount` and still be recognised as
    /// an occurrence.
    async fn amount_tolerance(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount_tolerance)
    }
    /// How many days before or after an occurrence's due date a real transaction may be.
    async fn match_window_days(&self) -> i32 {
        self.0.match_window_days
    }
    /// The first open occurrence due today or later.
    async fn next_occurrence(&self, ctx: &Context<'_>) -> Result<Option<ScheduleOccurrence>> {
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let open = self.open(ctx, today, today + Duration::days(366 * 5), 1).await?;
        Ok(open.into_iter().next())
    }
    /// The next `first` open occurrences (at most 100), missed ones of the last 60 days first.
    async fn upcoming(&self, ctx: &Context<'_>, #[graphql(default = 5)] first: i32) -> Result<Vec<ScheduleOccurrence>> {
        let first = usize::try_from(first)
            .ok()
            .filter(|n| *n <= 100)
            .ok_or_else(|| AppError::invalid("first", "must be between 0 and 100"))
            .extend()?;
        let today = ctx.loaders().extend()?.today().await.extend()?;
        self.open(
            ctx,
            today - Duration::days(OVERDUE_DAYS),
            today + Duration::days(366 * 5),
            first,
        )
        .await
    }
    /// Every occurrence due between two days (inclusive, at most 366 days apart), open or
    /// dealt with, by due date.
    async fn occurrences(&self, ctx: &Context<'_>, from: Date, to: Date) -> Result<Vec<ScheduleOccurrence>> {
        if to.0 < from.0 || (to.0 - from.0).num_days() > 366 {
            return Err(AppError::invalid("to", "must be 0 to 366 days after from")).extend();
        }
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let dated = self.dated(ctx, from.0, to.0).await?;
        Ok(dated.into_iter().map(|d| ScheduleOccurrence::new(d, today)).collect())
    }
    /// When the schedule was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the schedule last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

impl Schedule {
    /// Its occurrences due between `from` and `to`, soonest first, with what happened to each
    /// (the closed ones through the request's loader).
    async fn dated(&self, ctx: &Context<'_>, from: NaiveDate, to: NaiveDate) -> Result<Vec<Dated>> {
        let closed = ctx
            .loaders()
            .extend()?
            .get(ClosedOccurrences)
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default();
        let recurrence = service::recurrence(&self.0).extend()?;
        let margin = Duration::days(2);
        Ok(recurrence
            .between(from - margin, to + margin)
            .into_iter()
            .filter(|o| (from..=to).contains(&o.due))
            .map(|occurrence| Dated {
                schedule: self.0.clone(),
                closed: closed.iter().find(|c| c.occurrence_date == occurrence.nominal).cloned(),
                occurrence,
            })
            .collect())
    }

    /// Up to `limit` open occurrences due between `from` and `to`, soonest first.
    async fn open(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ScheduleOccurrence>> {
        let today = ctx.loaders().extend()?.today().await.extend()?;
        Ok(self
            .dated(ctx, from, to)
            .await?
            .into_iter()
            .filter(|d| d.closed.is_none())
            .take(limit)
            .map(|d| ScheduleOccurrence::new(d, today))
            .collect())
    }
}

/// One occurrence of a schedule and what has happened to it.
pub struct ScheduleOccurrence {
    dated: Dated,
    today: NaiveDate,
}

impl ScheduleOccurrence {
    pub fn new(dated: Dated, today: NaiveDate) -> Self {
        ScheduleOccurrence { dated, today }
    }

    fn closed(&self) -> Option<&schedule_occurrences::Model> {
        self.dated.closed.as_ref()
    }
}

/// One occurrence of a schedule and what has happened to it.
#[Object]
impl ScheduleOccurrence {
    /// The schedule.
    async fn schedule(&self) -> Schedule {
        Schedule(self.dated.schedule.clone())
    }
    /// The day the rule gives: the occurrence's identity (skipOccurrence and postOccurrence
    /// take it).
    async fn date(&self) -> Date {
        Date(self.dated.occurrence.nominal)
    }
    /// The day it is due, after the weekend rule.
    async fn due_date(&self) -> Date {
        Date(self.dated.occurrence.due)
    }
    /// Its amount, in the schedule's currency.
    async fn amount(&self) -> Money {
        Currency::of(&self.dated.schedule.currency).amount(self.dated.schedule.amount)
    }
    /// OPEN, POSTED, MATCHED or SKIPPED.
    async fn status(&self) -> OccurrenceStatus {
        match self.closed().map(|c| c.status) {
            None => OccurrenceStatus::Open,
            Some(RowStatus::Posted) => OccurrenceStatus::Posted,
            Some(RowStatus::Matched) => OccurrenceStatus::Matched,
            Some(RowStatus::Skipped) => OccurrenceStatus::Skipped,
        }
    }
    /// Open and due before today (in the caller's time zone): missed.
    async fn overdue(&self) -> bool {
        self.closed().is_none() && self.dated.occurrence.due < self.today
    }
    /// The transaction posted for it or recognised as it.
    async fn transaction(&self, ctx: &Context<'_>) -> Result<Option<Transaction>> {
        let Some(id) = self.closed().and_then(|c| c.transaction_id) else {
            return Ok(None);
        };
        let row = ctx
            .loaders()
            .extend()?
            .get(ById::<transactions::Entity>::new)
            .load_one(id)
            .await
            .extend()?;
        Ok(row.map(Transaction))
    }
}
