//! `budgets` answered as JSON written in one pass (`graphql::written`) when the client selects
//! only stored fields of budgets, their categories and the categories' transactions: the
//! dashboard's shape. The budgets come from `service::list`, their categories with each one's
//! transactions from one statement (`categories::with_transactions`); a selection with a
//! computed field (`spent`, `status`, a transaction's `category`, ...) is left to the executor.

use std::collections::HashMap;

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::foundation::entities::budgets;
use crate::{
    budgets::{
        categories::{self, CategoryWithTransactions},
        graphql::{Budget, BudgetCategory, BudgetPeriod},
        service::{self, BudgetFilter},
    },
    foundation::{
        error::AppResult,
        money::Currency,
        pagination::{PageArgs, Paged, TRANSACTIONS_BY_DATE},
    },
    graphql::{
        nodes::Transaction,
        transaction_pages::{TransactionField, plan_transaction, write_transaction},
        written::{ConnectionField, JsonOut, Planned, Selection, plan_field_connection},
    },
};

/// A `budgets` selection planned for writing.
pub type Plan = Selection<ConnectionField<BudgetField>>;

pub enum BudgetField {
    Id,
    Name,
    Amount,
    Currency,
    Period,
    StartDate,
    EndDate,
    CreatedAt,
    UpdatedAt,
    Categories(Selection<CategoryField>),
}

pub enum CategoryField {
    Id,
    Name,
    Amount,
    Currency,
    Color,
    Icon,
    CreatedAt,
    /// The first `limit` transactions (a plan pages from the start only).
    Transactions {
        limit: u64,
        selection: Selection<ConnectionField<TransactionField>>,
    },
}

/// The plan of the `budgets` field `ctx` resolves, or `None` when the executor must answer.
pub fn plan(ctx: &Context<'_>) -> Option<Plan> {
    let plan = plan_field_connection::<Budget, _>(ctx, plan_budget)?;
    // One statement loads the categories with one page size of transactions.
    let one_page_size = {
        let mut limits = transaction_pages(&plan).map(|(limit, _)| limit);
        let first = limits.next();
        limits.all(|limit| Some(limit) == first)
    };
    one_page_size.then_some(plan)
}

fn plan_budget(field: Planned<'_>) -> Option<BudgetField> {
    Some(match field.name() {
        "id" => BudgetField::Id,
        "name" => BudgetField::Name,
        "amount" => BudgetField::Amount,
        "currency" => BudgetField::Currency,
        "period" => BudgetField::Period,
        "startDate" => BudgetField::StartDate,
        "endDate" => BudgetField::EndDate,
        "createdAt" => BudgetField::CreatedAt,
        "updatedAt" => BudgetField::UpdatedAt,
        "categories" => BudgetField::Categories(field.selection::<BudgetCategory, _>(plan_category)?),
        _ => return None,
    })
}

fn plan_category(field: Planned<'_>) -> Option<CategoryField> {
    Some(match field.name() {
        "id" => CategoryField::Id,
        "name" => CategoryField::Name,
        "amount" => CategoryField::Amount,
        "currency" => CategoryField::Currency,
        "color" => CategoryField::Color,
        "icon" => CategoryField::Icon,
        "createdAt" => CategoryField::CreatedAt,
        "transactions" => {
            // Arguments the resolver would refuse are left to it, so the error is its own.
            if field.string_argument("after")?.is_some() {
                return None;
            }
            let page = PageArgs {
                first: field.int_argument("first")?,
                ..Default::default()
            }
            .validate(TRANSACTIONS_BY_DATE)
            .ok()?;
            CategoryField::Transactions {
                limit: page.limit,
                selection: field.connection::<Transaction, _>(plan_transaction)?,
            }
        }
        _ => return None,
    })
}

/// Loads what `plan` selects below `budgets` and writes the answer.
pub async fn write(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &BudgetFilter,
    plan: &Plan,
    budgets: Paged<budgets::Model>,
) -> AppResult<String> {
    let mut categories: HashMap<Uuid, Vec<CategoryWithTransactions>> = HashMap::new();
    if category_plans(plan).next().is_some() && !budgets.items.is_empty() {
        let budget_ids: Vec<Uuid> = budgets.items.iter().map(|(_, b)| b.id).collect();
        let page_limit = transaction_pages(plan).next().map(|(limit, _)| limit);
        let counted = transaction_pages(plan).any(|(_, selection)| selection.selects_total_count());
        for category in categories::with_transactions(db, user_id, &budget_ids, page_limit, counted).await? {
            categories.entry(category.budget_id).or_default().push(category);
        }
    }
    let total = plan.total_count(service::count(db, user_id, filter)).await?;

    let mut out = JsonOut::default();
    out.connection(plan, &budgets, total, |out, selection, budget| {
        write_budget(out, selection, budget, &categories)
    });
    Ok(out.finish())
}

/// The categories' transaction pages the plan selects: page size and selection.
fn transaction_pages(plan: &Plan) -> impl Iterator<Item = (u64, &Selection<ConnectionField<TransactionField>>)> {
    category_plans(plan)
        .flat_map(Selection::fields)
        .filter_map(|field| match field {
            CategoryField::Transactions { limit, selection } => Some((*limit, selection)),
            _ => None,
        })
}

fn category_plans(plan: &Plan) -> impl Iterator<Item = &Selection<CategoryField>> {
    plan.node_selections()
        .flat_map(Selection::fields)
        .filter_map(|field| match field {
            BudgetField::Categories(selection) => Some(selection),
            _ => None,
        })
}

fn write_budget(
    out: &mut JsonOut,
    selection: &Selection<BudgetField>,
    budget: &budgets::Model,
    categories: &HashMap<Uuid, Vec<CategoryWithTransactions>>,
) {
    let currency = Currency::of(&budget.currency);
    out.object(selection, |out, field| match field {
        BudgetField::Id => out.id(budget.id),
        BudgetField::Name => out.string(&budget.name),
        BudgetField::Amount => out.quoted(currency.amount(budget.amount)),
        BudgetField::Currency => out.string(&budget.currency),
        BudgetField::Period => out.enumeration(BudgetPeriod::from(budget.period)),
        BudgetField::StartDate => out.quoted(budget.start_date),
        BudgetField::EndDate => out.quoted(budget.end_date),
        BudgetField::CreatedAt => out.instant(budget.created_at),
        BudgetField::UpdatedAt => out.instant(budget.updated_at),
        BudgetField::Categories(selection) => {
            let listed = categories.get(&budget.id).map(Vec::as_slice).unwrap_or_default();
            out.list(listed, |out, category| write_category(out, selection, category));
        }
    });
}

fn write_category(out: &mut JsonOut, selection: &Selection<CategoryField>, category: &CategoryWithTransactions) {
    let currency = Currency::of(&category.currency);
    out.object(selection, |out, field| match field {
        CategoryField::Id => out.id(category.id),
        CategoryField::Name => out.string(&category.name),
        CategoryField::Amount => out.quoted(currency.amount(category.amount)),
        CategoryField::Currency => out.string(&category.currency),
        CategoryField::Color => out.opt_string(category.color.as_deref()),
        CategoryField::Icon => out.opt_string(category.icon.as_deref()),
        CategoryField::CreatedAt => out.instant(category.created_at),
        CategoryField::Transactions { selection, .. } => out.connection(
            selection,
            &category.transactions.page,
            Some(category.transactions.total),
            write_transaction,
        ),
    });
}
