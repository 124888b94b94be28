//! Idempotency keys: the same key and body run once and replay the first response, even
//! when twenty copies race; another body under the key is 409; keys expire after 24 hours.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

const CREATE: &str = "mutation($i: CreateTransactionInput!) { createTransaction(input: $i) { id amount } }";

fn body(amount: &str) -> Value {
    json!({ "query": CREATE, "variables": { "i": { "amount": amount, "description": "Rent", "transactionDate": "2026-11-01", "type": "EXPENSE" } } })
}

async fn send(app: &TestApp, user: &TestUser, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", user.access_token))
        .header("idempotency-key", key)
        .body(body.to_string())
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_retried_mutation_runs_once_and_replays_its_first_response() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let first = send(&app, &user, "retry-1", &body("900.00")).await;
    assert_eq!(first.headers().get("idempotent-replayed"), None);
    let first: Value = first.json().await.expect("json");
    let again = send(&app, &user, "retry-1", &body("900.00")).await;
    assert_eq!(
        again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(first, again);
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 1);

    // A new key is a new request.
    send(&app, &user, "retry-2", &body("900.00")).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 2);
}

#[tokio::test]
async fn twenty_racing_copies_run_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let request = body("42.00");
    let responses = join_all((0..20).map(|_| send(&app, &user, "race", &request))).await;
    let mut bodies = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        bodies.push(response.json::<Value>().await.expect("json"));
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]), "every copy sees the one result");
    assert!(
        bodies[0]["data"]["createTransaction"]["id"].is_string(),
        "{}",
        bodies[0]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 1);
}

#[tokio::test]
async fn contributions_with_a_key_are_counted_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let goal = app
        .gql(
            "mutation { createSavingsGoal(input: { name: \"Bike\", targetAmount: \"500.00\" }) { id } }",
            json!({}),
            Some(&user.access_token),
        )
        .await["data"]["createSavingsGoal"]["id"]
        .as_str()
        .expect("goal")
        .to_owned();
    let contribute = json!({ "query": "mutation($g: ID!) { contributeToGoal(input: { goalId: $g, amount: \"25.00\" }) { currentAmount } }", "variables": { "g": goal } });
    for _ in 0..3 {
        let response: Value = send(&app, &user, "monthly-2026-11", &contribute)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(response["data"]["contributeToGoal"]["currentAmount"], "25.00");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM goal_contributions").await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    send(&app, &user, "k", &body("10.00")).await;
    let other = send(&app, &user, "k", &body("11.00")).await;
    assert_eq!(other.status(), 409);
    let other: Value = other.json().await.expect("json");
    assert_eq!(other["errors"][0]["extensions"]["code"], "CONFLICT");
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 1);
}

#[tokio::test]
async fn keys_belong_to_one_user_and_expire_after_a_day() {
    let app = TestApp::spawn().await;
    let alice = app.register_and_login().await;
    let bob = app.register_and_login().await;
    send(&app, &alice, "shared-name", &body("10.00")).await;
    let response: Value = send(&app, &bob, "shared-name", &body("10.00"))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        response["data"]["createTransaction"]["id"].is_string(),
        "another user's key is not mine"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 2);

    // A day later the key is forgotten and the request runs again.
    let day_ago = (chrono::Utc::now() - chrono::Duration::hours(25)).to_rfc3339();
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        &format!("UPDATE idempotency_keys SET created_at = '{day_ago}'"),
    )
    .await
    .expect("age the keys");
    let again = send(&app, &alice, "shared-name", &body("10.00")).await;
    assert_eq!(again.headers().get("idempotent-replayed"), None);
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 3);
}

#[tokio::test]
async fn malformed_keys_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let response = send(&app, &user, &"k".repeat(256), &body("1.00")).await;
    assert_eq!(response.status(), 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);
}
