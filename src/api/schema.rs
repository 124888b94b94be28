//! The schema: the Query, Mutation and Subscription roots merged from the domains, the
//! limits async-graphql checks before any resolver runs, and the services resolvers reach
//! through `graphql::ContextExt`.

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::{
    achievements::graphql::{AchievementsQuery, AchievementsSubscription},
    auth::{TokenService, graphql::AuthMutation},
    budgets::graphql::{BudgetsMutation, BudgetsQuery, BudgetsSubscription},
    dashboard::graphql::DashboardQuery,
    events::EventBus,
    foundation::{config::Config, rate_limit::RateLimiter},
    goals::graphql::{GoalsMutation, GoalsQuery, GoalsSubscription},
    interchange::graphql::{InterchangeMutation, InterchangeQuery},
    reports::graphql::ReportsQuery,
    transactions::graphql::{TransactionsMutation, TransactionsQuery, TransactionsSubscription},
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
    InterchangeQuery,
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
    InterchangeMutation,
);

/// Live events for the signed-in user, over WebSocket at /graphql/ws (graphql-transport-ws;
/// the access token goes in connection_init). Each subscription ends with UNAUTHENTICATED
/// when the token expires.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    BudgetsSubscription,
    GoalsSubscription,
    AchievementsSubscription,
    TransactionsSubscription,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The services resolvers read from the schema's data.
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    pub limiter: Arc<RateLimiter>,
    pub events: EventBus,
}

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
}

/// The executable schema with the configured limits and the services as its data.
pub fn build(config: &Config, services: Services) -> AppSchema {
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
    schema
        .data(services.db)
        .data(services.config)
        .data(services.tokens)
        .data(services.limiter)
        .data(services.events)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql` and printed by `smartsave schema`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
