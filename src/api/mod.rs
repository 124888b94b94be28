//! The API surface, above every domain: the schema's roots, GraphQL over HTTP and over
//! WebSocket, GraphiQL, the health check, web hardening, and the rate limits and
//! idempotency applied at the edge. It decides who is calling and hands resolvers the
//! services they need; it holds no domain logic.

pub mod cache;
pub mod graphiql;
pub mod health;
pub mod http;
pub mod idempotency;
pub mod int_range;
pub mod limits;
pub mod node;
pub mod persisted;
pub mod schema;
pub mod web;
pub mod ws;

use std::sync::Arc;

use axum::{Router, extract::DefaultBodyLimit, extract::FromRef, routing::get};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{TokenService, liveness::Liveness},
    events::EventBus,
    foundation::{
        config::Config,
        mail::{MailQueued, Outbox},
        metrics,
        rate_limit::RateLimiter,
    },
    interchange,
    notifications::webhooks::client::Sender,
};
pub use schema::AppSchema;

/// What the edge serves requests with: the shared services and the executable schema.
/// Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    /// Whether a token's account and session still stand.
    pub liveness: Arc<Liveness>,
    pub limiter: Arc<RateLimiter>,
    pub events: EventBus,
    pub schema: AppSchema,
    /// Runs documents that select introspection, while it is enabled (see `schema`).
    pub introspection_schema: Option<AppSchema>,
    /// Persisted documents: APQ, or the only documents allowed.
    pub documents: Arc<persisted::Documents>,
    /// Documents that passed the limits, parsed.
    pub admitted: Arc<limits::AdmittedDocuments>,
    /// Whole responses of cacheable queries, by the user's data version.
    pub cache: Arc<cache::ResponseCache>,
}

/// What the edge keeps between requests: rate-limit state, persisted documents, cached
/// responses.
pub struct Remembered {
    pub limiter: RateLimiter,
    pub documents: persisted::Documents,
    pub responses: cache::ResponseCache,
}

/// What requests send out through: mail (the outbox's bell) and webhooks (their client).
pub struct Outbound {
    pub mail_queued: MailQueued,
    pub webhooks: Sender,
}

impl ApiState {
    /// The state for `config`'s services, with the schema built over them.
    pub fn new(
        db: DatabaseConnection,
        config: Config,
        remembered: Remembered,
        events: EventBus,
        outbound: Outbound,
        liveness: Arc<Liveness>,
    ) -> Self {
        let tokens = Arc::new(TokenService::new(
            &config.jwt_secret,
            config.access_token_ttl,
            config.refresh_token_ttl,
        ));
        let Remembered {
            limiter,
            documents,
            responses,
        } = remembered;
        let (config, limiter) = (Arc::new(config), Arc::new(limiter));
        let services = schema::Services {
            db: db.clone(),
            config: Arc::clone(&config),
            tokens: Arc::clone(&tokens),
            liveness: Arc::clone(&liveness),
            limiter: Arc::clone(&limiter),
            events: events.clone(),
            outbox: Outbox::new(&config.mail, outbound.mail_queued),
            webhooks: outbound.webhooks,
        };
        ApiState {
            schema: schema::build(&config, &services),
            introspection_schema: schema::build_for_introspection(&config, &services),
            documents: Arc::new(documents),
            admitted: Arc::default(),
            cache: Arc::new(responses),
            db,
            config,
            tokens,
            liveness,
            limiter,
            events,
        }
    }
}

// Handlers outside `api` (a domain's download, the metrics page) extract only the part of
// the state they need.
impl FromRef<ApiState> for DatabaseConnection {
    fn from_ref(state: &ApiState) -> Self {
        state.db.clone()
    }
}

impl FromRef<ApiState> for Arc<TokenService> {
    fn from_ref(state: &ApiState) -> Self {
        Arc::clone(&state.tokens)
    }
}

impl FromRef<ApiState> for Arc<Liveness> {
    fn from_ref(state: &ApiState) -> Self {
        Arc::clone(&state.liveness)
    }
}

/// Every route, hardened.
pub fn router(state: ApiState) -> Router {
    let config = Arc::clone(&state.config);
    let router = Router::new()
        .route(
            "/graphql",
            get(http::get)
                .post(http::post)
                // Imports carry up to 8 MB of CSV, which JSON escaping can nearly double.
                .layer(DefaultBodyLimit::max(web::BODY_LIMIT)),
        )
        .route("/graphql/ws", get(ws::subscribe))
        .route("/graphiql/{version}/{file}", get(graphiql::asset))
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::render))
        .route("/export/transactions.csv", get(interchange::http::transactions_csv))
        .route_layer(axum::middleware::from_fn(metrics::track_http))
        .with_state(state);
    web::harden(router, &config)
}
