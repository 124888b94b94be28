//! `GET /health`: liveness with a database ping, for load balancers and containers.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// How long `/health` waits for the database before answering 503.
const HEALTH_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 when the database answers within 2 s, else 503.
pub async fn health(State(db): State<DatabaseConnection>) -> Response {
    let db_up = matches!(tokio::time::timeout(HEALTH_DB_TIMEOUT, db.ping()).await, Ok(Ok(())));
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
