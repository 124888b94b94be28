//! Observability: Prometheus metrics, a span per GraphQL operation carrying the request id,
//! and logs that never contain a password, a token or a hash.

use std::{
    io::Write,
    sync::{Mutex, OnceLock},
};

use serde_json::json;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

use crate::helpers::{PASSWORD, TestApp};

/// Everything every test in this binary logs, once this module's subscriber is installed.
fn captured() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        captured()
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        Capture
    }
}

/// Logs everything, at DEBUG for every crate (stricter than production's default filter),
/// as JSON with the fields of every enclosing span.
fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_env_filter(EnvFilter::new("debug"))
            .with_writer(Capture)
            .try_init();
    });
}

fn logs() -> String {
    String::from_utf8_lossy(&captured().lock().expect("logs")).into_owned()
}

#[tokio::test]
async fn passwords_tokens_and_hashes_never_reach_the_logs() {
    capture_logs();
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let login = app.login(&user.email, PASSWORD).await;
    let access = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    let refreshed = app.refresh(&user.refresh_token).await;
    let next_refresh = refreshed["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    app.gql(
        "mutation($i: ChangePasswordInput!) { changePassword(input: $i) }",
        json!({ "i": { "currentPassword": PASSWORD, "newPassword": "Another9Secret" } }),
        Some(&access),
    )
    .await;
    app.gql(
        "mutation($p: String!) { deleteAccount(password: $p) }",
        json!({ "p": "Another9Secret" }),
        Some(&access),
    )
    .await;

    let logs = logs();
    assert!(logs.contains("graphql operation"), "operations are logged at all");
    for secret in [
        PASSWORD,
        "Another9Secret",
        &user.access_token,
        &access,
        &user.refresh_token,
        &next_refresh,
        "$argon2",
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs: {secret:.12}...");
    }
}

#[tokio::test]
async fn each_operation_is_logged_with_its_request_id_user_and_outcome() {
    capture_logs();
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", user.access_token))
        .header("x-request-id", "obs-trace-77")
        .body(json!({ "query": "query Mine { me { id } }", "operationName": "Mine" }).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let line = logs()
        .lines()
        .find(|l| l.contains("graphql operation") && l.contains("obs-trace-77"))
        .map(str::to_owned)
        .expect("a log line for the operation, carrying the request id");
    for expected in [
        "\"operation\":\"query me\"",
        "\"operation_name\":\"Mine\"",
        &user.id,
        "\"outcome\":\"ok\"",
        "duration_ms",
    ] {
        assert!(line.contains(expected), "{expected} missing from {line}");
    }
}

/// The value of the first sample line that contains every one of `parts`.
fn sample(metrics: &str, parts: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.expect("scrape");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/plain"))
    );
    response.text().await.expect("body")
}

#[tokio::test]
async fn metrics_count_requests_operations_pool_use_and_rejections() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_ACCOUNT", "1")]).await;
    let user = app.register_and_login().await;
    let before = scrape(&app).await;
    let ok_before = sample(&before, &["graphql_operations_total", "query me", "outcome=\"ok\""]).unwrap_or(0.0);
    app.gql("{ me { id } }", json!({}), Some(&user.access_token)).await;
    let limited = app
        .post_graphql(
            json!({ "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }", "variables": { "i": { "email": user.email, "password": PASSWORD } } }),
            None,
        )
        .await;
    assert_eq!(limited.status(), 429);

    let after = scrape(&app).await;
    let ok_after =
        sample(&after, &["graphql_operations_total", "query me", "outcome=\"ok\""]).expect("operation counter");
    assert!(ok_after >= ok_before + 1.0, "{ok_before} -> {ok_after}");
    assert!(
        sample(&after, &["http_requests_total", "route=\"/graphql\"", "status=\"200\""]).is_some(),
        "{after}"
    );
    assert!(
        sample(&after, &["http_requests_total", "route=\"/graphql\"", "status=\"429\""]).is_some(),
        "{after}"
    );
    assert!(sample(&after, &["graphql_operation_duration_seconds_bucket", "query me"]).is_some());
    assert!(sample(&after, &["http_request_duration_seconds_bucket", "route=\"/graphql\""]).is_some());
    assert!(sample(&after, &["rate_limit_rejections_total", "rule=\"auth-account\""]).is_some_and(|n| n >= 1.0));
    assert!(sample(&after, &["db_pool_connections", "state=\"idle\""]).is_some());
    assert!(sample(&after, &["db_pool_connections", "state=\"in_use\""]).is_some());
}
