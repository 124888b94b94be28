//! `forecast`: balances ahead, the low point, what is safe to spend, and each category's
//! projected spending. The method is in `reports::forecast` and the README.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};

use crate::{
    accounts::graphql::Account,
    budgets::graphql::{Budget, BudgetCategory},
    events::{Event, graphql::feed},
    foundation::{
        fx::Converted,
        ids,
        money::{Currency, Money},
        ownership, periods,
    },
    graphql::{
        ContextExt,
        conversion::{MissingRate, missing_rates},
        scalars::{Date, MoneyAmount},
    },
    reports::forecast::{self, AccountForecast as Projected, CategoryForecast as ProjectedCategory, math},
};

/// A projected balance at the end of a day.
#[derive(SimpleObject, Clone)]
pub struct ForecastDay {
    /// The day.
    date: Date,
    /// The balance at its end.
    balance: MoneyAmount,
}

impl ForecastDay {
    /// The lowest total of a forecast (its first day).
    pub fn low_point(forecast: &forecast::Forecast) -> Option<ForecastDay> {
        let low = forecast
            .total
            .iter()
            .min_by(|a, b| a.1.value.cmp(&b.1.value).then(a.0.cmp(&b.0)))?;
        Some(ForecastDay {
            date: Date(low.0),
            balance: MoneyAmount::new(low.1.minor(), low.1.currency),
        })
    }
}

fn days(series: &[(chrono::NaiveDate, i64)], currency: Currency) -> Vec<ForecastDay> {
    series
        .iter()
        .map(|(date, balance)| ForecastDay {
            date: Date(*date),
            balance: MoneyAmount::new(*balance, currency),
        })
        .collect()
}

/// One account's projection, in its currency.
pub struct AccountForecast(Projected);

/// One account's projection, in its currency.
#[Object]
impl AccountForecast {
    /// The account.
    async fn account(&self) -> Account {
        Account(self.0.account.clone())
    }
    /// The expected day-to-day spend: the median of its daily discretionary expenses over the
    /// last 90 days.
    async fn daily_spend(&self) -> MoneyAmount {
        MoneyAmount::new(self.0.daily_spend, Currency::of(&self.0.account.currency))
    }
    /// The balance at the end of each day, today first.
    async fn balances(&self) -> Vec<ForecastDay> {
        days(&self.0.series, Currency::of(&self.0.account.currency))
    }
    /// The lowest projected balance (the first day it is reached).
    async fn low_point(&self) -> Option<ForecastDay> {
        let low = math::low_point(&self.0.series)?;
        days(&[low], Currency::of(&self.0.account.currency)).pop()
    }
    /// The first day the balance is projected below zero.
    async fn first_below_zero(&self) -> Option<Date> {
        math::first_below_zero(&self.0.series).map(Date)
    }
}

/// A budget category of the current period, projected to its end, in its budget's currency.
pub struct CategoryForecast(ProjectedCategory);

/// A budget category of the current period, projected to its end, in its budget's currency.
#[Object]
impl CategoryForecast {
    /// The category.
    async fn category(&self) -> BudgetCategory {
        BudgetCategory(self.0.category.clone())
    }
    /// Its budget.
    async fn budget(&self) -> Budget {
        Budget(self.0.budget.clone())
    }
    /// Spent so far.
    async fn spent(&self) -> Money {
        self.0.spent.amount()
    }
    /// Spent by the period's end: what is spent, its open scheduled expenses, and its pace for
    /// each day left.
    async fn projected_spent(&self) -> Money {
        self.0.spent.currency.amount(self.0.projected_spent)
    }
    /// amount - projectedSpent; negative when it is projected over.
    async fn projected_remaining(&self) -> Money {
        self.0.spent.currency.amount(self.0.projected_remaining)
    }
    /// The first day its spending is projected above its amount (today when it already is).
    async fn projected_overspend_date(&self) -> Option<Date> {
        self.0.overspend.map(Date)
    }
}

/// What lies ahead.
pub struct Forecast(forecast::Forecast);

impl Forecast {
    fn total(&self) -> Vec<ForecastDay> {
        self.0
            .total
            .iter()
            .map(|(date, value)| ForecastDay {
                date: Date(*date),
                balance: MoneyAmount::new(value.minor(), value.currency),
            })
            .collect()
    }
}

/// What lies ahead.
#[Object]
impl Forecast {
    /// The day the forecast starts from (today in the caller's time zone).
    async fn today(&self) -> Date {
        Date(self.0.today)
    }
    /// ISO 4217 code of the totals: the reporting currency.
    async fn currency(&self) -> &str {
        self.0.currency.code()
    }
    /// Each account's projection.
    async fn accounts(&self) -> Vec<AccountForecast> {
        self.0.accounts.iter().cloned().map(AccountForecast).collect()
    }
    /// The accounts' total at the end of each day, today first, at today's rates.
    async fn balances(&self) -> Vec<ForecastDay> {
        self.total()
    }
    /// The lowest projected total (the first day it is reached).
    async fn low_point(&self) -> Option<ForecastDay> {
        ForecastDay::low_point(&self.0)
    }
    /// The first day the total is projected below zero.
    async fn first_below_zero(&self) -> Option<Date> {
        self.0
            .total
            .iter()
            .find(|(_, value)| value.minor() < 0)
            .map(|(date, _)| Date(*date))
    }
    /// The lowest total before the next scheduled income, counting recorded and scheduled
    /// transactions but not the day-to-day spend: what can be spent without going below zero
    /// before money comes in. Never below zero.
    async fn safe_to_spend(&self) -> MoneyAmount {
        MoneyAmount::new(self.0.safe_to_spend.minor(), self.0.safe_to_spend.currency)
    }
    /// The next scheduled income's due day within the forecast, if any.
    async fn next_income_date(&self) -> Option<Date> {
        self.0.next_income.map(Date)
    }
    /// Each category of the budgets whose period includes today, projected to its end.
    async fn categories(&self) -> Vec<CategoryForecast> {
        self.0.categories.iter().cloned().map(CategoryForecast).collect()
    }
    /// Rates the totals needed and did not have; those accounts are left out of them.
    async fn missing_rates(&self) -> Vec<MissingRate> {
        let totals: Vec<&Converted> = self.0.total.iter().map(|(_, v)| v).collect();
        missing_rates(totals)
    }
}

#[derive(Default)]
pub struct ForecastQuery;

#[Object]
impl ForecastQuery {
    /// The next `days` days (1 to 365): every open on-budget account (or `accountIds`) day by
    /// day, with the lowest point, the first day below zero, what is safe to spend until the
    /// next income, and each current budget category's projected spending.
    async fn forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] days: i32,
        account_ids: Option<Vec<ID>>,
    ) -> Result<Forecast> {
        let (db, caller) = ctx.authenticated().extend()?;
        let loaders = ctx.loaders().extend()?;
        let today = loaders.today().await.extend()?;
        let reporting = Currency::of(&loaders.caller().await.extend()?.currency);
        let ids: Option<Vec<uuid::Uuid>> = account_ids.map(|ids| ids.iter().map(ids::parse_or_nil).collect());
        forecast::forecast(db, caller.id, today, i64::from(days), ids.as_deref(), reporting)
            .await
            .map(Forecast)
            .extend()
    }
}

/// A budget category newly projected to spend more than its amount by its period's end.
#[derive(SimpleObject)]
pub struct ProjectedOverspend {
    /// The category.
    category: BudgetCategory,
    /// Its budget.
    budget: Budget,
    /// The first day its spending is projected above its amount.
    projected_overspend_date: Date,
    /// What it is projected to have spent by the period's end.
    projected_spent: Money,
    /// Its amount.
    amount: Money,
}

impl ProjectedOverspend {
    fn of(projected: &ProjectedCategory, date: chrono::NaiveDate) -> Self {
        let currency = projected.spent.currency;
        ProjectedOverspend {
            category: BudgetCategory(projected.category.clone()),
            budget: Budget(projected.budget.clone()),
            projected_overspend_date: Date(date),
            projected_spent: currency.amount(projected.projected_spent),
            amount: currency.amount(projected.category.amount),
        }
    }
}

#[derive(Default)]
pub struct ForecastSubscription;

#[Subscription]
impl ForecastSubscription {
    /// A category of a current budget newly projected to overspend (see `forecast`), after a
    /// transaction of the caller's is created, changed or deleted (a posted occurrence too).
    /// Categories already projected over when the subscription starts are not announced until
    /// they have come back under.
    async fn projected_overspends(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<ProjectedOverspend>>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let (db, user_id) = (db.clone(), caller.id);
        let timezone = ownership::account(&db, user_id).await.extend()?.timezone;
        let over = |projected: &[ProjectedCategory]| -> HashMap<uuid::Uuid, chrono::NaiveDate> {
            projected
                .iter()
                .filter_map(|p| p.overspend.map(|date| (p.category.id, date)))
                .collect()
        };
        let today = periods::today_in(&timezone);
        let baseline = over(&forecast::categories_of(&db, user_id, today).await.extend()?);
        let seen = Arc::new(Mutex::new(baseline));
        let changes = feed(ctx, |event| matches!(event, Event::TransactionChanged(_)).then_some(()))?;
        Ok(changes
            .then(move |change| {
                let (db, timezone, seen) = (db.clone(), timezone.clone(), Arc::clone(&seen));
                async move {
                    if let Err(e) = change {
                        return vec![Err(e)];
                    }
                    let today = periods::today_in(&timezone);
                    let projected = match forecast::categories_of(&db, user_id, today).await {
                        Ok(projected) => projected,
                        Err(e) => return vec![Err(e.extend())],
                    };
                    let now = over(&projected);
                    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    let new: Vec<Result<ProjectedOverspend>> = projected
                        .iter()
                        .filter_map(|p| {
                            let date = *now.get(&p.category.id)?;
                            (!seen.contains_key(&p.category.id)).then(|| Ok(ProjectedOverspend::of(p, date)))
                        })
                        .collect();
                    *seen = now;
                    new
                }
            })
            .flat_map(futures_util::stream::iter))
    }
}
