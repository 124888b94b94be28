//! /health: 200 with a database ping, 503 when the database is gone or silent.

use std::time::{Duration, Instant};

use serde_json::Value;
use smartsave::{Application, foundation::db};

use crate::helpers::{TestApp, test_config};

#[tokio::test]
async fn health_is_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/health")).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "up");
}

#[tokio::test]
async fn health_is_503_when_the_database_is_closed() {
    let app = TestApp::spawn().await;
    app.db.close_by_ref().await.expect("close the pool");
    let response = app.client.get(app.url("/health")).send().await.expect("request");
    assert_eq!(response.status(), 503);
    assert_eq!(response.json::<Value>().await.expect("json")["database"], "down");
}

#[tokio::test]
async fn health_is_503_within_the_deadline_when_the_database_never_answers() {
    // A "database" that accepts connections and never speaks.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = silent.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let config = test_config(&[("DATABASE_ACQUIRE_TIMEOUT", "10s")]);
    let mut options = db::options(&format!("postgres://nobody@127.0.0.1:{port}/none"), &config);
    options.connect_lazy(true);
    let connection = db::connect_with(options).await.expect("lazy pool");
    let app = Application::with_database(config, connection).await.expect("app");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let started = Instant::now();
    let response = reqwest::get(format!("http://{addr}/health")).await.expect("request");
    assert_eq!(response.status(), 503);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1900) && waited < Duration::from_secs(5),
        "answered after {waited:?}"
    );
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_for() {
    let app = TestApp::spawn().await;
    let expected = if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        sea_orm::DbBackend::Postgres
    } else {
        sea_orm::DbBackend::Sqlite
    };
    assert_eq!(sea_orm::ConnectionTrait::get_database_backend(&app.db), expected);
}
