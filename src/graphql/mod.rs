//! The GraphQL schema (per-domain objects merged), its limits, and the HTTP handler.

pub mod connection;
pub mod handler;
pub mod loaders;
pub mod response;
pub mod scalars;

use async_graphql::{EmptySubscription, MaybeUndefined, MergedObject, Schema, SchemaBuilder};

use crate::{
    achievements::graphql::AchievementsQuery,
    app::AppState,
    auth::graphql::AuthMutation,
    budgets::graphql::{BudgetsMutation, BudgetsQuery},
    dashboard::graphql::DashboardQuery,
    goals::graphql::{GoalsMutation, GoalsQuery},
    reports::graphql::ReportsQuery,
    transactions::graphql::{TransactionsMutation, TransactionsQuery},
    transfer::graphql::{TransferMutation, TransferQuery},
    users::graphql::{UsersMutation, UsersQuery},
};

/// Every query, merged from the domains.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    UsersQuery,
    BudgetsQuery,
    TransactionsQuery,
    GoalsQuery,
    AchievementsQuery,
    DashboardQuery,
    ReportsQuery,
    TransferQuery,
);

/// Every mutation, merged from the domains.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutation,
    UsersMutation,
    BudgetsMutation,
    TransactionsMutation,
    GoalsMutation,
    TransferMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Depth and complexity bounds applied to every request before any resolver runs.
pub const MAX_DEPTH: usize = 10;
pub const MAX_COMPLEXITY: usize = 1000;
pub const MAX_DIRECTIVES_PER_FIELD: usize = 5;
pub const MAX_RECURSIVE_DEPTH: usize = 32;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(MAX_DIRECTIVES_PER_FIELD)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
}

/// The executable schema, with the shared state resolvers reach through `ContextExt`.
pub fn build_schema(state: AppState) -> AppSchema {
    builder().data(state).finish()
}

/// The schema in SDL, as committed in `schema.graphql` and printed by `smartsave schema`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// An optional input field as a patch: omitted keeps (`None`), null clears (`Some(None)`).
pub fn patch<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
