//! `netWorth` and `netWorthHistory`: what the caller owns and owes, in one currency.

use async_graphql::{Context, Object, Result, ResultExt, SimpleObject};

use crate::{
    foundation::{error::AppError, money::Currency},
    graphql::{
        ContextExt,
        conversion::{MissingRate, missing_rates, unconverted},
        scalars::{Date, MoneyAmount},
    },
    reports::{graphql::Granularity, net_worth},
};

/// What the caller owns and owes at the end of a day, in one currency: every account
/// (archived ones included), each balance converted at that day's rate.
#[derive(SimpleObject)]
pub struct NetWorth {
    /// The day whose end the balances are from.
    date: Date,
    /// ISO 4217 code of the figures.
    currency: String,
    /// Checking, savings, cash and investment accounts.
    assets: MoneyAmount,
    /// Credit cards and loans: negative while money is owed.
    liabilities: MoneyAmount,
    /// assets + liabilities, rounded once.
    total: MoneyAmount,
    /// Rates the figures needed and did not have; those balances are left out of them.
    missing_rates: Vec<MissingRate>,
    /// The balances left out for lack of a rate, per currency.
    unconverted: Vec<MoneyAmount>,
}

impl From<net_worth::NetWorth> for NetWorth {
    fn from(n: net_worth::NetWorth) -> Self {
        let total = n.total();
        let amount = |c: &crate::foundation::fx::Converted| MoneyAmount::new(c.minor(), c.currency);
        NetWorth {
            date: Date(n.date),
            currency: total.currency.code().to_owned(),
            assets: amount(&n.assets),
            liabilities: amount(&n.liabilities),
            total: amount(&total),
            missing_rates: missing_rates([&n.assets, &n.liabilities]),
            unconverted: unconverted([&n.assets, &n.liabilities]),
        }
    }
}

/// The currency a figure is asked in, or the caller's reporting currency.
async fn currency_or_reporting(ctx: &Context<'_>, currency: Option<String>) -> Result<Currency> {
    match currency {
        Some(code) => Currency::parse(&code)
            .map_err(|message| AppError::invalid("currency", message))
            .extend(),
        None => Ok(Currency::of(&ctx.loaders().extend()?.caller().await.extend()?.currency)),
    }
}

#[derive(Default)]
pub struct NetWorthQuery;

#[Object]
impl NetWorthQuery {
    /// Net worth at the end of `on` (today in the caller's time zone by default), in
    /// `currency` (the reporting currency by default).
    async fn net_worth(&self, ctx: &Context<'_>, on: Option<Date>, currency: Option<String>) -> Result<NetWorth> {
        let (db, caller) = ctx.authenticated().extend()?;
        let currency = currency_or_reporting(ctx, currency).await?;
        let on = match on {
            Some(day) => day.0,
            None => ctx.loaders().extend()?.today().await.extend()?,
        };
        net_worth::on(db, caller.id, on, currency)
            .await
            .map(NetWorth::from)
            .extend()
    }

    /// Net worth at the end of each week (Sunday) or month between two days, the last point on
    /// `to`; at most 520 points.
    async fn net_worth_history(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default_with = "Some(Granularity::Month)")] interval: Option<Granularity>,
        currency: Option<String>,
    ) -> Result<Vec<NetWorth>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let currency = currency_or_reporting(ctx, currency).await?;
        let interval = interval.unwrap_or(Granularity::Month).into();
        let points = net_worth::history(db, caller.id, from.0, to.0, interval, currency)
            .await
            .extend()?;
        Ok(points.into_iter().map(NetWorth::from).collect())
    }
}
