//! Budget and category queries.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use crate::{
    budgets::{
        categories,
        graphql::{Budget, BudgetCategory, BudgetPeriod, written},
        service::{self, BudgetFilter},
    },
    foundation::{ids, pagination::PageArgs},
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        scalars::Date,
        written::Written,
    },
};

#[derive(Default)]
pub struct BudgetsQuery;

#[Object]
impl BudgetsQuery {
    /// The caller's budgets, newest first; optionally only those active on a day or of a period.
    #[allow(clippy::too_many_arguments)] // the contract's arguments
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, last, child_complexity)")]
    async fn budgets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        active_on: Option<Date>,
        period: Option<BudgetPeriod>,
    ) -> Result<Written<Conn<Budget>>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(service::CURSOR_SCOPE)
        .extend()?;
        let filter = BudgetFilter {
            active_on: active_on.map(|d| d.0),
            period: period.map(Into::into),
        };
        let plan = written::plan(ctx);
        let rows = service::list(&ctx.reads().extend()?, caller.id, &filter, &page)
            .await
            .extend()?;
        if let Some(plan) = plan {
            let json = written::write(db, caller.id, &filter, &plan, rows).await.extend()?;
            return Ok(Written::Json(json));
        }
        let (db, user_id) = (db.clone(), caller.id);
        let total = TotalCount::deferred(move || {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { service::count(&db, user_id, &filter).await })
        });
        Ok(Written::Resolved(connection(rows, total, Budget)))
    }

    /// One of the caller's budgets; null for any other id.
    async fn budget(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Budget>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(db, caller.id, id).await.map(|b| b.map(Budget)).extend()
    }

    /// One of the caller's categories; null for any other id.
    async fn budget_category(&self, ctx: &Context<'_>, id: ID) -> Result<Option<BudgetCategory>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        categories::find(db, caller.id, id)
            .await
            .map(|c| c.map(BudgetCategory))
            .extend()
    }
}
