//! Relay Global Object Identification: the `Node` interface over every object with an id, and
//! `node(id)` / `nodes(ids)` to refetch any of them. Ids stay the UUIDs they always were
//! (UUIDv7, unique across every table), so every existing id is already a global id.
//!
//! Only the caller's own objects are answered; another user's id is null exactly like a
//! random one, because both the lookup and every load are scoped by the caller's id (guards
//! are not needed, nor would async-graphql apply them through an interface). `nodes` of up to
//! 100 ids costs one statement to find which table holds each id and one load per type found.

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface, Object, Result, ResultExt};
use uuid::Uuid;

use crate::foundation::entities::{
    accounts, achievements, budget_categories, budgets, exchange_rates, goal_contributions, savings_goals, schedules,
    transactions, users,
};
use crate::{
    accounts::graphql::Account,
    achievements::graphql::Achievement,
    budgets::graphql::{Budget, BudgetCategory},
    foundation::{error::AppError, ids, ownership, pagination::MAX_PAGE_SIZE},
    goals::graphql::{GoalContribution, SavingsGoal},
    graphql::{
        ContextExt,
        loaders::{ById, Loaders},
        nodes::Transaction,
    },
    rates::graphql::ExchangeRate,
    schedules::graphql::Schedule,
    users::graphql::User,
};

/// An object with a globally unique id, which `node(id)` refetches.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Globally unique identifier."))]
pub enum Node {
    Account(Account),
    Achievement(Achievement),
    Budget(Budget),
    BudgetCategory(BudgetCategory),
    ExchangeRate(ExchangeRate),
    GoalContribution(GoalContribution),
    SavingsGoal(SavingsGoal),
    Schedule(Schedule),
    Transaction(Transaction),
    User(User),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The caller's object with this id, of any type; null for any other id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let mut found = load(ctx, &[id]).await?;
        Ok(found.pop().flatten())
    }

    /// The caller's objects with these ids (at most 100), in the same order; null for any id
    /// that names none of them.
    #[graphql(complexity = "ids.len().max(1).saturating_mul(child_complexity)")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        load(ctx, &ids).await
    }
}

async fn load(ctx: &Context<'_>, requested: &[ID]) -> Result<Vec<Option<Node>>> {
    let (db, caller) = ctx.authenticated().extend()?;
    if requested.len() > MAX_PAGE_SIZE as usize {
        return Err(AppError::invalid(
            "ids",
            format!("must hold at most {MAX_PAGE_SIZE} ids"),
        ))
        .extend();
    }
    let parsed: Vec<Option<Uuid>> = requested.iter().map(ids::parse).collect();
    let valid: Vec<Uuid> = parsed.iter().flatten().copied().collect();
    let tables = ownership::locate(db, caller.id, &valid).await.extend()?;
    let loaders = ctx.loaders().extend()?;
    let mut found: HashMap<Uuid, Row> = HashMap::with_capacity(tables.len());
    let of = |table: &str| -> Vec<Uuid> { tables.iter().filter(|(_, t)| **t == table).map(|(id, _)| *id).collect() };
    found.extend(rows::<accounts::Entity>(loaders, of("accounts"), Row::Account).await?);
    found.extend(rows::<budgets::Entity>(loaders, of("budgets"), Row::Budget).await?);
    found.extend(rows::<budget_categories::Entity>(loaders, of("budget_categories"), Row::Category).await?);
    found.extend(rows::<transactions::Entity>(loaders, of("transactions"), Row::Transaction).await?);
    found.extend(rows::<savings_goals::Entity>(loaders, of("savings_goals"), Row::Goal).await?);
    found.extend(rows::<goal_contributions::Entity>(loaders, of("goal_contributions"), Row::Contribution).await?);
    found.extend(rows::<achievements::Entity>(loaders, of("achievements"), Row::Achievement).await?);
    found.extend(rows::<exchange_rates::Entity>(loaders, of("exchange_rates"), Row::Rate).await?);
    found.extend(rows::<schedules::Entity>(loaders, of("schedules"), Row::Schedule).await?);
    if tables.contains_key(&caller.id) {
        let me = loaders.caller().await.extend()?.clone();
        found.insert(caller.id, Row::User(me));
    }
    // An id asked for twice is answered twice.
    Ok(parsed
        .into_iter()
        .map(|id| id.and_then(|id| found.get(&id)).cloned().map(Row::into_node))
        .collect())
}

/// A loaded row of any node type, before it becomes its GraphQL object.
#[derive(Clone)]
enum Row {
    Account(accounts::Model),
    Achievement(achievements::Model),
    Budget(budgets::Model),
    Category(budget_categories::Model),
    Contribution(goal_contributions::Model),
    Goal(savings_goals::Model),
    Rate(exchange_rates::Model),
    Schedule(schedules::Model),
    Transaction(transactions::Model),
    User(users::Model),
}

impl Row {
    fn into_node(self) -> Node {
        match self {
            Row::Account(row) => Node::Account(Account(row)),
            Row::Achievement(row) => Node::Achievement(Achievement(row)),
            Row::Budget(row) => Node::Budget(Budget(row)),
            Row::Category(row) => Node::BudgetCategory(BudgetCategory(row)),
            Row::Contribution(row) => Node::GoalContribution(GoalContribution(row)),
            Row::Goal(row) => Node::SavingsGoal(SavingsGoal(row)),
            Row::Rate(row) => Node::ExchangeRate(ExchangeRate(row)),
            Row::Schedule(row) => Node::Schedule(Schedule(row)),
            Row::Transaction(row) => Node::Transaction(Transaction(row)),
            Row::User(row) => Node::User(row.into()),
        }
    }
}

/// The caller's rows of `E` among `ids`, through the request's loader (nothing when empty).
async fn rows<E>(loaders: &Loaders, ids: Vec<Uuid>, row: fn(E::Model) -> Row) -> Result<Vec<(Uuid, Row)>>
where
    E: ownership::Owned + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let loaded = loaders.get(ById::<E>::new).load_many(ids).await.extend()?;
    Ok(loaded.into_iter().map(|(id, model)| (id, row(model))).collect())
}
