//! The GraphQL schema (per-domain objects merged), its limits, and the HTTP handler.

pub mod connection;
pub mod graphiql;
pub mod handler;
pub mod limits;
pub mod loaders;
pub mod response;
pub mod scalars;
pub mod ws;

use async_graphql::{MaybeUndefined, MergedObject, Schema, SchemaBuilder};

use crate::{
    achievements::graphql::AchievementsQuery,
    app::AppState,
    auth::graphql::AuthMutation,
    budgets::graphql::{BudgetsMutation, BudgetsQuery},
    dashboard::graphql::DashboardQuery,
    events::graphql::SubscriptionRoot,
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

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
}

/// The executable schema with the configured limits, checked before any resolver runs, and
/// the shared state resolvers reach through `ContextExt`.
pub fn build_schema(state: AppState) -> AppSchema {
    let config = state.config.clone();
    let limits = config.graphql_limits;
    let mut schema = builder()
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_directives(limits.max_directives)
        .limit_recursive_depth(limits.max_recursion);
    if !config.introspection {
        schema = schema.disable_introspection();
    }
    if !config.suggestions {
        schema = schema.disable_suggestions();
    }
    schema.data(state).finish()
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
