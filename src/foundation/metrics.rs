//! Prometheus metrics at `GET /metrics`: HTTP requests by route and status, GraphQL
//! operations by root field and outcome, latency histograms, database pool use and
//! rate-limit rejections.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use sea_orm::DatabaseConnection;

const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The process-wide recorder, installed on first use (tests build many apps in one process).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(&LATENCY_BUCKETS).ok()?;
            builder
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .as_ref()
}

/// Installs the recorder at start-up so the first scrape already has every series.
pub fn init() {
    let _ = handle();
}

/// Counts and times every routed HTTP request.
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    histogram!("http_request_duration_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// One executed GraphQL operation; `operation` is bounded by the schema ("query budgets").
pub fn graphql_operation(operation: &str, outcome: &'static str, seconds: f64) {
    counter!("graphql_operations_total", "operation" => operation.to_owned(), "outcome" => outcome).increment(1);
    histogram!("graphql_operation_duration_seconds", "operation" => operation.to_owned()).record(seconds);
}

/// One SQL statement executed (SQL statements per request is a benchmark figure).
pub fn db_statement() {
    counter!("db_statements_total").increment(1);
}

/// A request refused by a rate limit.
pub fn rate_limited(rule: &'static str) {
    counter!("rate_limit_rejections_total", "rule" => rule).increment(1);
}

/// `GET /metrics` in the Prometheus text format, with the pool's current use.
pub async fn render(State(db): State<DatabaseConnection>) -> Response {
    let (size, idle) = pool_use(&db);
    gauge!("db_pool_connections", "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}

/// (open connections, idle connections) of the pool.
fn pool_use(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(0))
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(0))
        }
    }
}
