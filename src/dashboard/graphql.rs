//! The `dashboard` query: one month at a glance. Each field computes only when selected.

use async_graphql::{Context, Enum, Object, Result, ResultExt, SimpleObject};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::foundation::entities::users;
use crate::{
    budgets::graphql::{Budget, BudgetCategory},
    dashboard::{
        insights::{self, Severity},
        queries, service,
    },
    foundation::{
        error::AppError,
        money::{Currency, Money},
        periods::{self, DateRange, Granularity},
    },
    goals::graphql::SavingsGoal,
    graphql::{
        ContextExt,
        conversion::{MissingRate, missing_rates},
        scalars::Date,
    },
    reports::{
        forecast,
        graphql::{DateRangeObject, ForecastDay, NetWorth, PeriodTotal, page_limit, ratio, trend},
        net_worth,
        service::{self as reports, in_range},
    },
    schedules::{graphql::ScheduleOccurrence, occurrences},
    transactions::graphql::Transaction,
};

/// The most months `trends` may cover.
const MAX_TREND_MONTHS: i32 = 24;

/// The month's money in one place.
#[derive(SimpleObject)]
pub struct Overview {
    /// ISO 4217 code of every amount here: the caller's reporting currency.
    currency: String,
    /// Income in the month.
    total_income: Money,
    /// Expenses in the month.
    total_expenses: Money,
    /// totalIncome - totalExpenses.
    net: Money,
    /// net / totalIncome as a fraction, four decimals; 0 without income.
    savings_rate: f64,
    /// Sum of the amounts of the budgets active in the month.
    total_budgeted: Money,
    /// What those budgets have spent (each within its own dates).
    total_spent_in_budgets: Money,
    /// Goals with status ACTIVE.
    active_goals: i64,
    /// Sum of all goals' currentAmount.
    total_saved: Money,
    /// Sum of the achievements' points.
    achievement_points: i64,
    /// Rates these figures needed and did not have (amounts in other currencies convert at
    /// the rate of their day: a budget at its first day's, goals at today's or the month's
    /// last day's); the amounts they would have converted are left out.
    missing_rates: Vec<MissingRate>,
}

/// How urgent an insight is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum InsightSeverity {
    Info,
    Warning,
    Alert,
}

/// An observation about the month, worded for the user.
pub struct Insight(insights::Insight);

/// An observation about the month, worded for the user.
#[Object]
impl Insight {
    /// Which rule produced it, e.g. CATEGORY_OVER_BUDGET.
    async fn kind(&self) -> &str {
        self.0.kind
    }
    /// INFO, WARNING or ALERT.
    async fn severity(&self) -> InsightSeverity {
        match self.0.severity {
            Severity::Info => InsightSeverity::Info,
            Severity::Warning => InsightSeverity::Warning,
            Severity::Alert => InsightSeverity::Alert,
        }
    }
    /// A sentence for the user, with amounts in their currency format.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// The amount the insight is about, in the reporting currency or, for a category or a
    /// goal, in its budget's or goal's.
    async fn amount(&self) -> Option<Money> {
        self.0.amount.map(|minor| self.0.currency.amount(minor))
    }
    /// The category it is about, if any.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        BudgetCategory::load(ctx, self.0.category_id).await
    }
}

/// One month at a glance.
pub struct Dashboard {
    db: DatabaseConnection,
    user: users::Model,
    month: DateRange,
    today: NaiveDate,
}

/// One month at a glance.
#[Object]
impl Dashboard {
    /// The calendar month shown.
    async fn period(&self) -> DateRangeObject {
        self.month.into()
    }
    /// Income, expenses, budgets, goals and points for the month.
    async fn overview(&self) -> Result<Overview> {
        let db = &self.db;
        let currency = Currency::of(&self.user.currency);
        let totals = reports::totals(db, self.user.id, &in_range(self.month), currency)
            .await
            .extend()?;
        let as_of = self.today.min(self.month.end);
        let standing = queries::standing(db, self.user.id, self.month, currency, as_of)
            .await
            .extend()?;
        let net = totals.net();
        Ok(Overview {
            currency: currency.code().to_owned(),
            total_income: totals.income.amount(),
            total_expenses: totals.expenses.amount(),
            net: net.amount(),
            savings_rate: ratio(net.minor(), totals.income.minor()),
            total_budgeted: standing.budgeted.amount(),
            total_spent_in_budgets: standing.spent_in_budgets.amount(),
            active_goals: standing.active_goals,
            total_saved: standing.total_saved.amount(),
            achievement_points: standing.achievement_points,
            missing_rates: missing_rates([
                &totals.income,
                &totals.expenses,
                &standing.budgeted,
                &standing.spent_in_budgets,
                &standing.total_saved,
            ]),
        })
    }
    /// Net worth at the end of the month (of today, for the current month), in the reporting
    /// currency.
    async fn net_worth(&self) -> Result<NetWorth> {
        let on = self.today.min(self.month.end);
        let currency = Currency::of(&self.user.currency);
        net_worth::on(&self.db, self.user.id, on, currency)
            .await
            .map(NetWorth::from)
            .extend()
    }
    /// Scheduled occurrences still open and due in the next `days` days (1 to 366), missed ones
    /// of the last 60 days first.
    async fn upcoming(&self, #[graphql(default = 14)] days: i32) -> Result<Vec<ScheduleOccurrence>> {
        if !(1..=366).contains(&days) {
            return Err(AppError::invalid("days", "must be between 1 and 366")).extend();
        }
        let dated = occurrences::upcoming(&self.db, self.user.id, self.today, i64::from(days))
            .await
            .extend()?;
        Ok(dated
            .into_iter()
            .map(|d| ScheduleOccurrence::new(d, self.today))
            .collect())
    }
    /// The lowest projected total of the on-budget accounts in the next `days` days (1 to
    /// 365), from today: the forecast's low point.
    async fn forecast_low_point(&self, #[graphql(default = 30)] days: i32) -> Result<Option<ForecastDay>> {
        let currency = Currency::of(&self.user.currency);
        let projected = forecast::forecast(&self.db, self.user.id, self.today, i64::from(days), None, currency)
            .await
            .extend()?;
        Ok(ForecastDay::low_point(&projected))
    }
    /// Budgets whose dates overlap the month, oldest first.
    async fn budgets(&self) -> Result<Vec<Budget>> {
        let rows = queries::budgets_overlapping(&self.db, self.user.id, self.month)
            .await
            .extend()?;
        Ok(rows.into_iter().map(Budget).collect())
    }
    /// The newest transactions (any month), at most 100.
    #[graphql(complexity = "crate::graphql::complexity::page_cost(Some(first), None, child_complexity)")]
    async fn recent_transactions(&self, #[graphql(default = 10)] first: i32) -> Result<Vec<Transaction>> {
        let limit = page_limit(first, "first").extend()?;
        let rows = queries::recent(&self.db, self.user.id, limit).await.extend()?;
        Ok(rows.into_iter().map(Transaction).collect())
    }
    /// Goals still being saved for (ACTIVE and PAUSED), newest first.
    async fn goals(&self) -> Result<Vec<SavingsGoal>> {
        let rows = service::open_goals(&self.db, self.user.id).await.extend()?;
        Ok(rows.into_iter().map(SavingsGoal).collect())
    }
    /// What stands out this month, most severe first.
    async fn insights(&self) -> Result<Vec<Insight>> {
        let snapshot = service::snapshot(&self.db, &self.user, self.month, self.today)
            .await
            .extend()?;
        Ok(insights::insights(&snapshot).into_iter().map(Insight).collect())
    }
    /// Income and expenses of the last `months` months (1 to 24), ending with this one.
    async fn trends(&self, #[graphql(default = 6)] months: i32) -> Result<Vec<PeriodTotal>> {
        let count = usize::try_from(months)
            .ok()
            .filter(|m| (1..=MAX_TREND_MONTHS as usize).contains(m))
            .ok_or_else(|| AppError::invalid("months", format!("must be between 1 and {MAX_TREND_MONTHS}")))
            .extend()?;
        let start = periods::trailing_months(self.month.start, count)[0].start;
        let currency = Currency::of(&self.user.currency);
        trend(
            &self.db,
            self.user.id,
            start,
            self.month.end,
            Granularity::Month,
            currency,
        )
        .await
        .extend()
    }
}

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The month containing `month` (any day of it); by default the current month in the
    /// user's time zone.
    async fn dashboard(&self, ctx: &Context<'_>, month: Option<Date>) -> Result<Dashboard> {
        let (db, _) = ctx.authenticated().extend()?;
        let user = ctx.loaders().extend()?.caller().await.extend()?.clone();
        let today = periods::today_in(&user.timezone);
        let month = periods::month_of(month.map_or(today, |d| d.0));
        Ok(Dashboard {
            db: db.clone(),
            user,
            month,
            today,
        })
    }
}
