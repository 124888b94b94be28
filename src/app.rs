//! Application wiring: shared state, the router, and a server with bounded graceful shutdown.
//! Tests drive exactly this wiring on port 0.

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::json;
use tokio::net::TcpListener;

use crate::{
    auth::{TokenService, password},
    config::Config,
    db,
    events::EventBus,
    graphql::{self, AppSchema},
    rate_limit::RateLimiter,
};

/// Services shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    pub limiter: Arc<RateLimiter>,
    pub events: EventBus,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config, limiter: RateLimiter, events: EventBus) -> Self {
        let tokens = Arc::new(TokenService::new(&config.jwt_secret, config.access_token_ttl));
        AppState {
            db,
            config: Arc::new(config),
            tokens,
            limiter: Arc::new(limiter),
            events,
        }
    }
}

/// State of the HTTP layer: the services plus the executable schema.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: AppSchema,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("redis (REDIS_URL): {0}")]
    Redis(#[from] redis::RedisError),
}

/// How long `/health` waits for the database before answering 503.
const HEALTH_DB_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router(state: AppState) -> Router {
    let schema = graphql::build_schema(state.clone());
    let router = Router::new()
        .route(
            "/graphql",
            get(graphql::handler::get)
                .post(graphql::handler::post)
                // Imports carry up to 8 MB of CSV, which JSON escaping can nearly double.
                .layer(DefaultBodyLimit::max(crate::web::BODY_LIMIT)),
        )
        .route("/graphql/ws", get(graphql::ws::subscribe))
        .route("/graphiql/{version}/{file}", get(graphql::graphiql::asset))
        .route("/health", get(health))
        .route("/metrics", get(crate::metrics::render))
        .route("/export/transactions.csv", get(crate::transfer::http::transactions_csv))
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .with_state(HttpState {
            app: state.clone(),
            schema,
        });
    crate::web::harden(router, &state.config)
}

/// Liveness with a database ping: 200 when the database answers within 2 s, else 503.
async fn health(State(http): State<HttpState>) -> Response {
    let db_up = matches!(
        tokio::time::timeout(HEALTH_DB_TIMEOUT, http.app.db.ping()).await,
        Ok(Ok(()))
    );
    if db_up {
        (StatusCode::OK, Json(json!({ "status": "ok", "database": "up" }))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "database": "down" })),
        )
            .into_response()
    }
}

/// A bound listener and the router, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    shutdown_timeout: Duration,
}

impl Application {
    /// Connects to the configured database, migrates it, and binds `BIND_ADDR`.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let mut db = db::connect(&config).await?;
        db::migrate(&db).await?;
        // SQL statements per request is a benchmark figure: count every statement.
        db.set_metric_callback(|_| metrics::counter!("db_statements_total").increment(1));
        Self::with_database(config, db).await
    }

    /// Like `build`, on a connection the caller opened and migrated (tests use this).
    pub async fn with_database(config: Config, db: DatabaseConnection) -> Result<Self, StartError> {
        if config.jwt_secret_generated {
            tracing::warn!("JWT_SECRET is not set: using a random secret; tokens will not survive a restart");
        }
        password::warm_up().await;
        crate::metrics::init();
        let addr = config.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let shutdown_timeout = config.shutdown_timeout;
        let limiter = RateLimiter::from_config(&config).await?;
        let events = EventBus::from_config(&config).await?;
        Ok(Application {
            listener,
            router: router(AppState::new(db, config, limiter, events)),
            shutdown_timeout,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish for at most
    /// the configured shutdown timeout.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, service).with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections, finishing in-flight requests");
            let _ = stopping_tx.send(());
        });
        let deadline = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(self.shutdown_timeout).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server.into_future() => result,
            () = deadline => {
                tracing::warn!("shutdown deadline reached; abandoning in-flight requests");
                Ok(())
            }
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
