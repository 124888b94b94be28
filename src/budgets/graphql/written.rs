//! `budgets` answered as JSON written in one pass (`graphql::written`) when the client selects
//! only stored fields of budgets, their categories and the categories' transactions: the
//! dashboard's shape. A level is loaded with one statement whatever the number of parents,
//! as the loaders do; a selection with a computed field (`spent`, `status`, a transaction's
//! `category`, ...) is left to the executor.

use std::collections::HashMap;

use async_graphql::Context;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use uuid::Uuid;

use crate::foundation::entities::budgets;
use crate::{
    budgets::{
        graphql::{Budget, BudgetCategory, BudgetPeriod},
        service::{self, BudgetFilter},
    },
    foundation::{
        db,
        error::AppResult,
        money::Currency,
        pagination::{PageArgs, Paged, TRANSACTIONS_BY_DATE},
    },
    graphql::{
        nodes::Transaction,
        transaction_pages::{
            ByCategory, PageParent, PageRow, TransactionField, page_rows, plan_transaction, ranked, write_transaction,
        },
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
        let mut limits = page_limits(&plan);
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

/// A category as a written answer reads it.
struct CategoryRow {
    id: Uuid,
    budget_id: Uuid,
    name: String,
    amount: i64,
    currency: String,
    color: Option<String>,
    icon: Option<String>,
    created_at: chrono::DateTime<Utc>,
    /// Its page of transactions, when the plan selects them.
    transactions: Paged<PageRow>,
    transaction_total: u64,
}

/// Loads what `plan` selects below `budgets` and writes the answer.
pub async fn write(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &BudgetFilter,
    plan: &Plan,
    budgets: Paged<budgets::Model>,
) -> AppResult<String> {
    let mut categories: HashMap<Uuid, Vec<CategoryRow>> = HashMap::new();
    if category_plans(plan).next().is_some() && !budgets.items.is_empty() {
        let budget_ids: Vec<Uuid> = budgets.items.iter().map(|(_, b)| b.id).collect();
        let page_limit = page_limits(plan).next();
        for category in categories_with_pages(db, user_id, &budget_ids, page_limit).await? {
            categories.entry(category.budget_id).or_default().push(category);
        }
    }
    let total = match plan.selects_total_count() {
        true => Some(service::count(db, user_id, filter).await?),
        false => None,
    };

    let mut out = JsonOut::default();
    out.connection(plan, &budgets, total, |out, selection, budget| {
        write_budget(out, selection, budget, &categories)
    });
    Ok(out.finish())
}

/// The page sizes of the categories' transactions the plan selects.
fn page_limits(plan: &Plan) -> impl Iterator<Item = u64> {
    category_plans(plan)
        .flat_map(Selection::fields)
        .filter_map(|field| match field {
            CategoryField::Transactions { limit, .. } => Some(*limit),
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

/// The caller's categories of `budget_ids`, oldest first as `Budget.categories` lists them,
/// each with its first `page_limit` transactions newest first as `BudgetCategory.transactions`
/// pages them: one statement, the categories' rows and their transactions' rows as two
/// branches of a UNION (a join of the two let PostgreSQL's planner re-rank every page for
/// each category when it misjudged how few categories there are).
async fn categories_with_pages(
    db: &DatabaseConnection,
    user_id: Uuid,
    budget_ids: &[Uuid],
    page_limit: Option<u64>,
) -> AppResult<Vec<CategoryRow>> {
    let budgets_in = db::placeholders(budget_ids.len());
    let of_budgets = |values: &mut Vec<Value>| {
        values.push(user_id.into());
        values.extend(budget_ids.iter().map(|id| Value::from(*id)));
    };
    let mut values = Vec::new();
    let mut sql = String::from(
        "SELECT c.id AS category_id, 0 AS row_kind, c.budget_id, c.name, c.amount, c.currency, c.color, c.icon, c.created_at",
    );
    if page_limit.is_some() {
        for column in PageRow::COLUMNS {
            sql.push_str(&format!(", NULL AS {column}"));
        }
    }
    sql.push_str(&format!(
        " FROM budget_categories c WHERE c.user_id = ? AND c.budget_id IN ({budgets_in})"
    ));
    of_budgets(&mut values);
    if let Some(limit) = page_limit {
        let parents =
            format!("SELECT pc.id FROM budget_categories pc WHERE pc.user_id = ? AND pc.budget_id IN ({budgets_in})");
        sql.push_str(" UNION ALL SELECT p.parent_id, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
        for column in PageRow::COLUMNS {
            sql.push_str(&format!(", p.{column}"));
        }
        sql.push_str(&format!(" FROM ({}) p", ranked::<ByCategory>(&parents, false)));
        for _ in 0..ByCategory::BINDINGS {
            values.push(user_id.into());
            of_budgets(&mut values);
        }
        values.push(page_rows(limit).into());
        sql.push_str(" ORDER BY category_id, row_kind, page_row");
    } else {
        sql.push_str(" ORDER BY category_id");
    }

    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?;
    let mut categories: Vec<CategoryRow> = Vec::new();
    for row in rows {
        let category_id: Uuid = row.try_get_by_index(0)?;
        let row_kind: i32 = row.try_get_by_index(1)?;
        if row_kind == 0 {
            categories.push(CategoryRow {
                id: category_id,
                budget_id: row.try_get_by_index(2)?,
                name: row.try_get_by_index(3)?,
                amount: row.try_get_by_index(4)?,
                currency: row.try_get_by_index(5)?,
                color: row.try_get_by_index(6)?,
                icon: row.try_get_by_index(7)?,
                created_at: row.try_get_by_index(8)?,
                transactions: Paged {
                    items: Vec::new(),
                    has_previous_page: false,
                    has_next_page: false,
                },
                transaction_total: 0,
            });
            continue;
        }
        // A category's transactions follow its own row.
        let (Some(limit), Some(category)) = (page_limit, categories.last_mut()) else {
            continue;
        };
        if let (true, Some(ranked)) = (category.id == category_id, PageRow::decode(&row, 9)?) {
            category.transaction_total = ranked.parent_total;
            if ranked.page_row > limit {
                category.transactions.has_next_page = true;
            } else {
                category.transactions.items.push((ranked.row.position(), ranked.row));
            }
        }
    }
    Ok(categories)
}

fn write_budget(
    out: &mut JsonOut,
    selection: &Selection<BudgetField>,
    budget: &budgets::Model,
    categories: &HashMap<Uuid, Vec<CategoryRow>>,
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

fn write_category(out: &mut JsonOut, selection: &Selection<CategoryField>, category: &CategoryRow) {
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
            &category.transactions,
            Some(category.transaction_total),
            write_transaction,
        ),
    });
}
