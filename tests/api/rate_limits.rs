//! Rate limits: sign-in per account and per IP, a budget per user, HTTP 429 with
//! Retry-After, and one limit shared by several instances through Redis.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};

async fn login(app: &TestApp, email: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(json!({ "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }", "variables": { "i": { "email": email, "password": PASSWORD } } }).to_string());
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.expect("request")
}

/// Asserts a 429 with Retry-After and a RATE_LIMITED error carrying retryAfter.
async fn assert_limited(response: reqwest::Response) {
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
}

#[tokio::test]
async fn a_sixth_login_for_one_account_within_a_minute_is_rate_limited() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // register counted once for the account; four more logins reach the quota of 5.
    for _ in 0..4 {
        assert_eq!(login(&app, &user.email, None).await.status(), 200);
    }
    assert_limited(login(&app, &user.email, None).await).await;
    // Another account from the same address is still served.
    let other = app.register_and_login().await;
    assert_eq!(login(&app, &other.email, None).await.status(), 200);
}

#[tokio::test]
async fn one_address_gets_twenty_sign_in_attempts_a_minute() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let response = login(&app, &format!("nobody{i}@example.com"), None).await;
        assert_eq!(response.status(), 200, "attempt {i}");
    }
    assert_limited(login(&app, "nobody-else@example.com", None).await).await;
}

#[tokio::test]
async fn refresh_is_limited_per_address() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_IP", "3")]).await;
    let user = app.register_and_login().await;
    let mut token = user.refresh_token.clone();
    for _ in 0..2 {
        let body = app.refresh(&token).await;
        token = body["data"]["refreshToken"]["refreshToken"]
            .as_str()
            .expect("token")
            .to_owned();
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(json!({ "query": "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }", "variables": { "t": token } }).to_string())
        .send()
        .await
        .expect("request");
    assert_limited(response).await;
}

#[tokio::test]
async fn forwarded_addresses_are_trusted_only_when_configured() {
    let untrusting = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_IP", "2")]).await;
    for i in 0..2 {
        let response = login(
            &untrusting,
            &format!("a{i}@example.com"),
            Some(&format!("198.51.100.{i}")),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    // A forged header does not buy a fresh quota.
    assert_limited(login(&untrusting, "a9@example.com", Some("198.51.100.99")).await).await;

    let behind_proxy = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_IP", "2"), ("TRUST_PROXY_HEADERS", "true")]).await;
    for i in 0..6 {
        let response = login(
            &behind_proxy,
            &format!("b{i}@example.com"),
            Some(&format!("198.51.100.{i}")),
        )
        .await;
        assert_eq!(response.status(), 200, "each client address has its own quota");
    }
}

#[tokio::test]
async fn each_user_has_a_request_budget() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_PER_USER", "5")]).await;
    let user = app.register_and_login().await;
    for _ in 0..5 {
        let response = app
            .post_graphql(json!({ "query": "{ me { id } }" }), Some(&user.access_token))
            .await;
        assert_eq!(response.status(), 200);
    }
    assert_limited(
        app.post_graphql(json!({ "query": "{ me { id } }" }), Some(&user.access_token))
            .await,
    )
    .await;
    let other = app.register_and_login().await;
    let response = app
        .post_graphql(json!({ "query": "{ me { id } }" }), Some(&other.access_token))
        .await;
    assert_eq!(response.status(), 200, "budgets are per user");
}

/// Two instances with one Redis enforce one limit. CI sets TEST_REDIS_URL to the Redis at
/// 127.0.0.1:6379 (and .ci/run fails if it is not there).
#[tokio::test]
async fn instances_sharing_redis_enforce_one_limit() {
    let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TEST_REDIS_URL is not set: skipping the shared-limit test");
        return;
    };
    let prefix = format!("test-{}", Uuid::now_v7().simple());
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("REDIS_PREFIX", prefix.as_str()),
        ("RATE_LIMIT_AUTH_PER_ACCOUNT", "4"),
    ];
    let first = TestApp::spawn_with(&vars).await;
    let second = TestApp::spawn_with(&vars).await;
    let email = format!("shared-{}@example.com", Uuid::now_v7().simple());
    for app in [&first, &second, &first, &second] {
        assert_eq!(login(app, &email, None).await.status(), 200);
    }
    assert_limited(login(&second, &email, None).await).await;
    assert_limited(login(&first, &email, None).await).await;
}
