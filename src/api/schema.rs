//! The schema: the Query, Mutation and Subscription roots merged from the domains, the
//! limits async-graphql checks before any resolver runs, and the services resolvers reach
//! through `graphql::ContextExt`.
//!
//! Depth is checked at admission (`api::limits`); complexity here. While introspection is
//! enabled a second instance of the schema runs documents that select introspection: it
//! checks the complexity limit on what the document costs beyond its introspection
//! selections (which admission measured), so those stay exempt as the other limits do.

use std::sync::Arc;

use async_graphql::{
    MergedObject, MergedSubscription, Schema, SchemaBuilder, ServerError, ValidationResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation},
};
use sea_orm::DatabaseConnection;

use crate::{
    accounts::graphql::{AccountsMutation, AccountsQuery},
    achievements::graphql::{AchievementsQuery, AchievementsSubscription},
    admin::graphql::{AdminMutation, AdminQuery},
    api::node::NodeQuery,
    auth::{
        TokenService,
        graphql::{AuthMutation, SessionsMutation, SessionsQuery, TwoFactorMutation},
        liveness::Liveness,
    },
    budgets::graphql::{BudgetsMutation, BudgetsQuery, BudgetsSubscription},
    dashboard::graphql::DashboardQuery,
    events::EventBus,
    foundation::{config::Config, mail::Outbox, rate_limit::RateLimiter},
    goals::graphql::{GoalsMutation, GoalsQuery, GoalsSubscription},
    interchange::graphql::{InterchangeMutation, InterchangeQuery, StatementsMutation, StatementsQuery},
    notifications::webhooks::client::Sender,
    notifications::{
        graphql::{NotificationsMutation, NotificationsQuery, NotificationsSubscription},
        webhooks::graphql::{WebhooksMutation, WebhooksQuery},
    },
    rates::graphql::{RatesMutation, RatesQuery},
    reports::graphql::{ForecastQuery, ForecastSubscription, NetWorthQuery, ReportsQuery},
    rules::graphql::{RulesMutation, RulesQuery},
    schedules::graphql::{SchedulesMutation, SchedulesQuery, SuggestionsMutation, SuggestionsQuery},
    sync::graphql::SyncQuery,
    transactions::graphql::{TransactionsMutation, TransactionsQuery, TransactionsSubscription, TransfersMutation},
    users::graphql::{UsersMutation, UsersQuery},
};

/// Every query, merged from the domains.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    UsersQuery,
    SessionsQuery,
    AccountsQuery,
    RatesQuery,
    BudgetsQuery,
    TransactionsQuery,
    SchedulesQuery,
    SuggestionsQuery,
    RulesQuery,
    GoalsQuery,
    AchievementsQuery,
    DashboardQuery,
    ReportsQuery,
    NetWorthQuery,
    ForecastQuery,
    InterchangeQuery,
    StatementsQuery,
    SyncQuery,
    NotificationsQuery,
    WebhooksQuery,
    AdminQuery,
    NodeQuery,
);

/// Every mutation, merged from the domains.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutation,
    SessionsMutation,
    TwoFactorMutation,
    UsersMutation,
    AccountsMutation,
    RatesMutation,
    BudgetsMutation,
    TransactionsMutation,
    TransfersMutation,
    SchedulesMutation,
    SuggestionsMutation,
    RulesMutation,
    GoalsMutation,
    InterchangeMutation,
    StatementsMutation,
    NotificationsMutation,
    WebhooksMutation,
    AdminMutation,
);

/// Live events for the signed-in user, over WebSocket at /graphql/ws (graphql-transport-ws;
/// the access token goes in connection_init). Each subscription ends with UNAUTHENTICATED
/// when the token expires or its session ends.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    BudgetsSubscription,
    GoalsSubscription,
    AchievementsSubscription,
    TransactionsSubscription,
    ForecastSubscription,
    NotificationsSubscription,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The services resolvers read from the schema's data.
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    pub liveness: Arc<Liveness>,
    pub limiter: Arc<RateLimiter>,
    pub events: EventBus,
    pub outbox: Outbox,
    pub webhooks: Sender,
}

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
}

/// The executable schema with the configured limits and the services as its data.
pub fn build(config: &Config, services: &Services) -> AppSchema {
    let limits = config.graphql_limits;
    with_services(configured(config).limit_complexity(limits.max_complexity), services)
}

/// The schema for documents that select introspection while it is enabled; `None` when it
/// is disabled (those documents then run, and count, as any other).
pub fn build_for_introspection(config: &Config, services: &Services) -> Option<AppSchema> {
    config.introspection.then(|| {
        let exempt = ExemptIntrospection {
            max_complexity: config.graphql_limits.max_complexity,
        };
        with_services(configured(config).extension(exempt), services)
    })
}

fn configured(config: &Config) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let limits = config.graphql_limits;
    let mut schema = builder()
        .limit_directives(limits.max_directives)
        .limit_recursive_depth(limits.max_recursion);
    if !config.introspection {
        schema = schema.disable_introspection();
    }
    if !config.suggestions {
        schema = schema.disable_suggestions();
    }
    schema
}

fn with_services(schema: SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot>, services: &Services) -> AppSchema {
    schema
        .data(services.db.clone())
        .data(Arc::clone(&services.config))
        .data(Arc::clone(&services.tokens))
        .data(Arc::clone(&services.liveness))
        .data(Arc::clone(&services.limiter))
        .data(services.events.clone())
        .data(services.outbox.clone())
        .data(services.webhooks.clone())
        .finish()
}

/// Request data: what the document's introspection selections add to its complexity.
pub struct IntrospectionCost(pub usize);

/// The complexity limit on a document's cost beyond its introspection selections.
struct ExemptIntrospection {
    max_complexity: usize,
}

impl ExtensionFactory for ExemptIntrospection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ExemptIntrospection {
            max_complexity: self.max_complexity,
        })
    }
}

#[async_trait::async_trait]
impl Extension for ExemptIntrospection {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let exempt = ctx.data_opt::<IntrospectionCost>().map_or(0, |cost| cost.0);
        if result.complexity.saturating_sub(exempt) > self.max_complexity {
            // async-graphql's wording for its own complexity refusal.
            return Err(vec![ServerError::new("Query is too complex.", None)]);
        }
        Ok(result)
    }
}

/// The schema in SDL, as committed in `schema.graphql` and printed by `smartsave schema`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
