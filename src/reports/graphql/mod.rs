//! Report types and queries: transactionStats, monthlyReport, categoryReport, trendReport,
//! budgetReport. Fields compute lazily, so a client pays only for what it selects.

mod budget;
mod forecast;
mod monthly;
mod net_worth;
mod periods;
mod totals;

pub use budget::{BudgetCategoryReport, BudgetReport};
pub use forecast::{Forecast, ForecastDay, ForecastQuery, ForecastSubscription};
pub use monthly::MonthlyReport;
pub use net_worth::{NetWorth, NetWorthQuery};
pub use periods::{DateRangeObject, Granularity, PeriodTotal, trend};
pub use totals::{CategoryTotal, TransactionStats, page_limit, ratio};

use totals::category_totals;

use async_graphql::{Context, ID, Object, Result, ResultExt};
use tokio::sync::OnceCell;

use crate::foundation::entities::transactions::TransactionType as RowType;
use crate::{
    foundation::{error::AppError, ids, money::Currency, periods as dates},
    graphql::{ContextExt, scalars::Date},
    reports::service::{self, in_range},
    transactions::{
        filter::TransactionFilter as Filter,
        graphql::{TransactionFilter, TransactionType},
    },
};

#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// Totals, average expense, and breakdowns by category and month for a filter.
    async fn transaction_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<TransactionFilter>,
    ) -> Result<TransactionStats> {
        let (db, caller) = ctx.authenticated().extend()?;
        let filter: Filter = filter.unwrap_or_default().into();
        crate::transactions::filter::check_filter(&filter).extend()?;
        Ok(TransactionStats {
            db: db.clone(),
            user_id: caller.id,
            filter,
            totals: OnceCell::new(),
            currency: reporting_currency(ctx).await?,
        })
    }

    /// The calendar month containing `month` (any day of it).
    async fn monthly_report(&self, ctx: &Context<'_>, month: Date) -> Result<MonthlyReport> {
        let (db, caller) = ctx.authenticated().extend()?;
        let month = dates::month_of(month.0);
        let currency = reporting_currency(ctx).await?;
        let totals = service::totals(db, caller.id, &in_range(month), currency)
            .await
            .extend()?;
        Ok(MonthlyReport {
            db: db.clone(),
            user_id: caller.id,
            month,
            totals,
            currency,
        })
    }

    /// Totals per category of one transaction type between two days (inclusive), with each
    /// category's share; uncategorized transactions have category null.
    async fn category_report(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(name = "type", default_with = "Some(TransactionType::Expense)")] kind: Option<TransactionType>,
    ) -> Result<Vec<CategoryTotal>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let filter = Filter {
            from: Some(from.0),
            to: Some(to.0),
            ..Default::default()
        };
        let kind = kind.map(RowType::from).unwrap_or(RowType::Expense);
        if kind.is_transfer() {
            return Err(AppError::invalid(
                "type",
                "must be INCOME or EXPENSE: transfers are neither",
            ))
            .extend();
        }
        let currency = reporting_currency(ctx).await?;
        let sums = service::by_category(db, caller.id, &filter, kind, currency)
            .await
            .extend()?;
        Ok(category_totals(sums))
    }

    /// Income and expenses per week (Monday first), month or year between two days, with
    /// empty periods as zeros.
    async fn trend_report(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default_with = "Some(Granularity::Month)")] granularity: Option<Granularity>,
    ) -> Result<Vec<PeriodTotal>> {
        let (db, caller) = ctx.authenticated().extend()?;
        trend(
            db,
            caller.id,
            from.0,
            to.0,
            granularity.unwrap_or(Granularity::Month).into(),
            reporting_currency(ctx).await?,
        )
        .await
        .extend()
    }

    /// A budget's plan against actual spending, per category, with uncategorized spending in
    /// its dates.
    async fn budget_report(&self, ctx: &Context<'_>, budget_id: ID) -> Result<BudgetReport> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&budget_id).ok_or(AppError::NotFound("budget")).extend()?;
        let actuals = service::budget_actuals(db, caller.id, id).await.extend()?;
        Ok(actuals.into())
    }
}

/// The caller's reporting currency (`preferences.currency`), which reports are in.
async fn reporting_currency(ctx: &Context<'_>) -> Result<Currency> {
    let caller = ctx.loaders().extend()?.caller().await.extend()?;
    Ok(Currency::of(&caller.currency))
}
