//! Savings goals: creation, contributions and withdrawals (atomic under concurrency),
//! milestones, progress arithmetic, updates, deletion and the goals connection.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use futures_util::future::join_all;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use smartsave::foundation::entities::{savings_goals, savings_goals::GoalStatus};
use uuid::Uuid;

use crate::helpers::{TestApp, error_code, error_fields};

const GOAL_FIELDS: &str = "id name targetAmount currentAmount targetDate status";
const CREATE: &str = "mutation($input: CreateSavingsGoalInput!) { createSavingsGoal(input: $input) { id name targetAmount currentAmount targetDate status } }";
const CONTRIBUTE: &str =
    "mutation($input: ContributeInput!) { contributeToGoal(input: $input) { id currentAmount status } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateSavingsGoalInput!) { updateSavingsGoal(id: $id, input: $input) { id name targetAmount currentAmount targetDate status } }";
const DELETE: &str = "mutation($id: ID!) { deleteSavingsGoal(id: $id) }";
const PROGRESS: &str = "query($id: ID!) { savingsGoal(id: $id) { currentAmount progress { percentComplete remainingAmount daysRemaining requiredMonthlyContribution projectedCompletionDate onTrack } } }";
const MILESTONES: &str =
    "query($id: ID!) { savingsGoal(id: $id) { currentAmount milestones { percent amount reached reachedAt } } }";
const CONTRIBUTIONS: &str = "query($id: ID!, $first: Int, $after: String) { savingsGoal(id: $id) { contributions(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { amount note createdAt } } } }";
const LIST: &str = "query($first: Int, $after: String, $status: GoalStatus) { savingsGoals(first: $first, after: $after, status: $status) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name status } } } }";

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Today (UTC) shifted by `offset` days, as the API writes dates.
fn day(offset: i64) -> String {
    (today() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// Minor units as the API writes a non-negative Decimal: "1234.50".
fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Creates a goal through the API and returns its JSON (`GOAL_FIELDS`).
async fn create_goal(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app.gql(CREATE, json!({ "input": input }), Some(token)).await;
    assert!(
        body["data"]["createSavingsGoal"].is_object(),
        "createSavingsGoal failed: {body}"
    );
    body["data"]["createSavingsGoal"].clone()
}

fn id_of(goal: &Value) -> String {
    goal["id"].as_str().expect("goal id").to_owned()
}

fn uuid_of(goal: &Value) -> Uuid {
    Uuid::parse_str(goal["id"].as_str().expect("goal id")).expect("goal id is a UUID")
}

/// contributeToGoal; returns the whole response body.
async fn contribute(app: &TestApp, token: &str, goal_id: &str, amount: &str, note: Option<&str>) -> Value {
    app.gql(
        CONTRIBUTE,
        json!({ "input": { "goalId": goal_id, "amount": amount, "note": note } }),
        Some(token),
    )
    .await
}

/// contributeToGoal that must succeed; returns the goal.
async fn contribute_ok(app: &TestApp, token: &str, goal_id: &str, amount: &str) -> Value {
    let body = contribute(app, token, goal_id, amount, None).await;
    assert!(
        body["data"]["contributeToGoal"].is_object(),
        "contributeToGoal failed: {body}"
    );
    body["data"]["contributeToGoal"].clone()
}

/// `savingsGoal(id)` with the selection `fields`.
async fn read_goal(app: &TestApp, token: &str, id: &str, fields: &str) -> Value {
    let query = format!("query($id: ID!) {{ savingsGoal(id: $id) {{ {fields} }} }}");
    let body = app.gql(&query, json!({ "id": id }), Some(token)).await;
    assert!(body["data"]["savingsGoal"].is_object(), "savingsGoal failed: {body}");
    body["data"]["savingsGoal"].clone()
}

async fn contribution_rows(app: &TestApp, goal: Uuid) -> i64 {
    app.count_by_uuid("SELECT COUNT(*) FROM goal_contributions WHERE goal_id = ", goal)
        .await
}

async fn progress_of(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(PROGRESS, json!({ "id": id }), Some(token)).await;
    assert!(body["data"]["savingsGoal"].is_object(), "savingsGoal failed: {body}");
    body["data"]["savingsGoal"]["progress"].clone()
}

async fn milestones_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let body = app.gql(MILESTONES, json!({ "id": id }), Some(token)).await;
    body["data"]["savingsGoal"]["milestones"]
        .as_array()
        .unwrap_or_else(|| panic!("no milestones in {body}"))
        .clone()
}

// ---------- createSavingsGoal ----------

#[tokio::test]
async fn creating_a_goal_records_its_initial_amount_as_the_first_contribution() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let target_date = day(90);
    let goal = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "  Bike  ", "targetAmount": "1000.00", "targetDate": target_date, "initialAmount": "250.00" }),
    )
    .await;
    assert_eq!(goal["name"], "Bike");
    assert_eq!(goal["targetAmount"], "1000.00");
    assert_eq!(goal["currentAmount"], "250.00");
    assert_eq!(goal["targetDate"], json!(target_date));
    assert_eq!(goal["status"], "ACTIVE");

    let body = app
        .gql(CONTRIBUTIONS, json!({ "id": id_of(&goal) }), Some(&user.access_token))
        .await;
    let contributions = &body["data"]["savingsGoal"]["contributions"];
    assert_eq!(contributions["totalCount"], 1);
    assert_eq!(contributions["nodes"][0]["amount"], "250.00");
    assert_eq!(contributions["nodes"][0]["note"], "Initial amount");
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 1);
    // 250.00 of 1000.00 reaches the 25 % milestone at creation.
    let reached: Vec<_> = milestones_of(&app, &user.access_token, &id_of(&goal))
        .await
        .iter()
        .map(|m| m["reached"].clone())
        .collect();
    assert_eq!(reached, [true, false, false, false]);
}

#[tokio::test]
async fn a_goal_without_an_initial_amount_starts_at_zero_with_no_contributions() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // A target date of today is not in the past.
    let goal = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Laptop", "targetAmount": 1500, "targetDate": day(0) }),
    )
    .await;
    assert_eq!(goal["targetAmount"], "1500.00");
    assert_eq!(goal["currentAmount"], "0.00");
    assert_eq!(goal["status"], "ACTIVE");
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 0);
}

#[tokio::test]
async fn an_initial_amount_reaching_the_target_creates_a_completed_goal() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let exact = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Exact", "targetAmount": "1000.00", "initialAmount": "1000.00" }),
    )
    .await;
    assert_eq!(exact["status"], "COMPLETED");
    let beyond = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Beyond", "targetAmount": "1000.00", "initialAmount": "1500.00" }),
    )
    .await;
    assert_eq!(beyond["status"], "COMPLETED");
    assert_eq!(beyond["currentAmount"], "1500.00");
    let just_below = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Below", "targetAmount": "1000.00", "initialAmount": "999.99" }),
    )
    .await;
    assert_eq!(just_below["status"], "ACTIVE");
}

#[tokio::test]
async fn each_goal_rule_is_enforced_with_the_field_named_and_nothing_written() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let valid = json!({ "name": "Car", "targetAmount": "1000.00", "targetDate": day(30), "initialAmount": "10.00" });
    let cases = [
        (json!({ "name": "" }), "input.name"),
        (json!({ "name": "   " }), "input.name"),
        (json!({ "name": "x".repeat(101) }), "input.name"),
        (json!({ "targetAmount": "0" }), "input.targetAmount"),
        (json!({ "targetAmount": "-5.00" }), "input.targetAmount"),
        (json!({ "targetDate": day(-1) }), "input.targetDate"),
        (json!({ "initialAmount": "-1.00" }), "input.initialAmount"),
    ];
    for (change, field) in cases {
        let mut input = valid.clone();
        for (key, value) in change.as_object().expect("object") {
            input[key] = value.clone();
        }
        let body = app
            .gql(CREATE, json!({ "input": input }), Some(&user.access_token))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_fields(&body), [field], "{input}");
        assert!(body["data"].is_null(), "{body}");
    }

    // Several problems at once are all reported.
    let body = app
        .gql(
            CREATE,
            json!({ "input": { "name": "", "targetAmount": "0", "targetDate": day(-1), "initialAmount": "-1.00" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(
        error_fields(&body),
        [
            "input.name",
            "input.targetAmount",
            "input.targetDate",
            "input.initialAmount"
        ]
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM savings_goals").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM goal_contributions").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM goal_milestones").await, 0);
}

// ---------- contributeToGoal ----------

#[tokio::test]
async fn contributions_add_and_withdrawals_subtract() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Trip", "targetAmount": "1000.00", "initialAmount": "250.00" }),
    )
    .await;
    let id = id_of(&goal);

    let body = contribute(&app, token, &id, "100.00", Some("Bonus")).await;
    assert_eq!(
        body["data"]["contributeToGoal"],
        json!({ "id": id, "currentAmount": "350.00", "status": "ACTIVE" })
    );
    let body = contribute(&app, token, &id, "-30.50", Some("Car repair")).await;
    assert_eq!(body["data"]["contributeToGoal"]["currentAmount"], "319.50");
    // A JSON number is an amount too.
    let body = app
        .gql(
            CONTRIBUTE,
            json!({ "input": { "goalId": id, "amount": 0.01 } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["contributeToGoal"]["currentAmount"], "319.51");

    assert_eq!(
        read_goal(&app, token, &id, "currentAmount").await["currentAmount"],
        "319.51"
    );
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 4);
}

#[tokio::test]
async fn contributions_are_listed_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Trip", "targetAmount": "1000.00", "initialAmount": "250.00" }),
    )
    .await;
    let id = id_of(&goal);
    contribute_ok(&app, token, &id, "100.00").await;
    let body = contribute(&app, token, &id, "-30.50", Some("Car repair")).await;
    assert!(body["data"]["contributeToGoal"].is_object(), "{body}");
    let body = contribute(&app, token, &id, "5.25", Some("Coins")).await;
    assert!(body["data"]["contributeToGoal"].is_object(), "{body}");

    let body = app
        .gql(CONTRIBUTIONS, json!({ "id": id, "first": 2 }), Some(token))
        .await;
    let page = &body["data"]["savingsGoal"]["contributions"];
    assert_eq!(page["totalCount"], 4);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    let amounts: Vec<_> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["amount"].clone(), n["note"].clone()))
        .collect();
    assert_eq!(
        amounts,
        [(json!("5.25"), json!("Coins")), (json!("-30.50"), json!("Car repair"))]
    );

    let cursor = page["pageInfo"]["endCursor"].as_str().expect("endCursor").to_owned();
    let body = app
        .gql(
            CONTRIBUTIONS,
            json!({ "id": id, "first": 2, "after": cursor }),
            Some(token),
        )
        .await;
    let page = &body["data"]["savingsGoal"]["contributions"];
    assert_eq!(page["totalCount"], 4);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    let amounts: Vec<_> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["amount"].clone(), n["note"].clone()))
        .collect();
    assert_eq!(
        amounts,
        [
            (json!("100.00"), Value::Null),
            (json!("250.00"), json!("Initial amount"))
        ]
    );
    let times: Vec<_> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| chrono::DateTime::parse_from_rfc3339(n["createdAt"].as_str().expect("createdAt")).expect("RFC 3339"))
        .collect();
    assert!(times[0] >= times[1], "newest first: {times:?}");
}

#[tokio::test]
async fn a_withdrawal_below_zero_is_rejected_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Trip", "targetAmount": "1000.00", "initialAmount": "50.00" }),
    )
    .await;
    let id = id_of(&goal);

    let body = contribute(&app, token, &id, "-50.01", Some("Too much")).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.amount"]);
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(
        read_goal(&app, token, &id, "currentAmount").await["currentAmount"],
        "50.00"
    );
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 1);

    // Down to exactly zero is allowed.
    let body = contribute(&app, token, &id, "-50.00", None).await;
    assert_eq!(body["data"]["contributeToGoal"]["currentAmount"], "0.00", "{body}");
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 2);
    let body = contribute(&app, token, &id, "-0.01", None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.amount"]);
    assert_eq!(
        read_goal(&app, token, &id, "currentAmount").await["currentAmount"],
        "0.00"
    );
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 2);
}

#[tokio::test]
async fn a_zero_contribution_or_an_overlong_note_is_rejected_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Trip", "targetAmount": "1000.00", "initialAmount": "50.00" }),
    )
    .await;
    let id = id_of(&goal);
    for zero in ["0", "0.00", "-0.00"] {
        let body = contribute(&app, token, &id, zero, None).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{zero}: {body}");
        assert_eq!(error_fields(&body), ["input.amount"], "{zero}");
    }
    let body = contribute(&app, token, &id, "5.00", Some(&"n".repeat(501))).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.note"]);
    assert_eq!(
        read_goal(&app, token, &id, "currentAmount").await["currentAmount"],
        "50.00"
    );
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 1);
}

#[tokio::test]
async fn contributing_to_an_unknown_or_foreign_goal_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.register_and_login().await;
    let other = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &owner.access_token,
        json!({ "name": "Mine", "targetAmount": "100.00", "initialAmount": "10.00" }),
    )
    .await;
    let body = contribute(&app, &other.access_token, &id_of(&goal), "5.00", None).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = contribute(&app, &owner.access_token, &Uuid::now_v7().to_string(), "5.00", None).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(
        read_goal(&app, &owner.access_token, &id_of(&goal), "currentAmount").await["currentAmount"],
        "10.00"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM goal_contributions").await, 1);
}

#[tokio::test]
async fn reaching_the_target_completes_a_goal_and_withdrawing_below_it_reactivates_it() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Phone", "targetAmount": "500.00", "initialAmount": "400.00" }),
    )
    .await;
    let id = id_of(&goal);
    assert_eq!(contribute_ok(&app, token, &id, "99.99").await["status"], "ACTIVE");
    let done = contribute_ok(&app, token, &id, "0.01").await;
    assert_eq!(done["currentAmount"], "500.00");
    assert_eq!(done["status"], "COMPLETED");
    // Beyond the target it stays completed.
    assert_eq!(contribute_ok(&app, token, &id, "20.00").await["status"], "COMPLETED");
    assert_eq!(contribute_ok(&app, token, &id, "-20.00").await["status"], "COMPLETED");
    let back = contribute_ok(&app, token, &id, "-0.01").await;
    assert_eq!(back["currentAmount"], "499.99");
    assert_eq!(back["status"], "ACTIVE");
    assert_eq!(read_goal(&app, token, &id, "status").await["status"], "ACTIVE");
}

#[tokio::test]
async fn a_paused_goal_stays_paused_until_contributions_reach_its_target() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Piano", "targetAmount": "100.00", "initialAmount": "10.00" }),
    )
    .await;
    let id = id_of(&goal);
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "status": "PAUSED" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "PAUSED", "{body}");

    let body = contribute_ok(&app, token, &id, "20.00").await;
    assert_eq!(body["currentAmount"], "30.00");
    assert_eq!(body["status"], "PAUSED");
    // Reaching the target completes the goal, paused or not.
    let body = contribute_ok(&app, token, &id, "70.00").await;
    assert_eq!(body["currentAmount"], "100.00");
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(read_goal(&app, token, &id, "status").await["status"], "COMPLETED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_contributions_are_all_counted_exactly_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(&app, token, json!({ "name": "Atomic", "targetAmount": "100.00" })).await;
    let id = id_of(&goal);

    let requests = (0..100).map(|i| {
        app.post_graphql(
            json!({ "query": CONTRIBUTE, "variables": { "input": { "goalId": id, "amount": "1.00", "note": format!("#{i}") } } }),
            Some(token),
        )
    });
    let responses = join_all(requests).await;
    for response in responses {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON body");
        assert!(body.get("errors").is_none(), "a contribution failed: {body}");
        assert!(body["data"]["contributeToGoal"].is_object(), "{body}");
    }

    let goal_now = read_goal(&app, token, &id, "currentAmount status contributions { totalCount }").await;
    assert_eq!(goal_now["currentAmount"], "100.00");
    assert_eq!(goal_now["status"], "COMPLETED");
    assert_eq!(goal_now["contributions"]["totalCount"], 100);
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 100);
    assert_eq!(
        app.count_by_uuid("SELECT COUNT(*) FROM goal_milestones WHERE goal_id = ", uuid_of(&goal))
            .await,
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_withdrawals_never_take_a_goal_below_zero() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Drained", "targetAmount": "100.00", "initialAmount": "50.00" }),
    )
    .await;
    let id = id_of(&goal);

    let requests = (0..12).map(|_| {
        app.post_graphql(
            json!({ "query": CONTRIBUTE, "variables": { "input": { "goalId": id, "amount": "-10.00" } } }),
            Some(token),
        )
    });
    let mut succeeded = 0;
    let mut rejected = 0;
    for response in join_all(requests).await {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON body");
        if body.get("errors").is_none() {
            succeeded += 1;
        } else {
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
            assert_eq!(error_fields(&body), ["input.amount"]);
            rejected += 1;
        }
    }
    assert_eq!((succeeded, rejected), (5, 7));
    assert_eq!(
        read_goal(&app, token, &id, "currentAmount").await["currentAmount"],
        "0.00"
    );
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 6);
}

#[tokio::test]
async fn a_contribution_beyond_the_largest_amount_is_rejected_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Fortune", "targetAmount": "9999999999.99", "initialAmount": "9999999999.00" }),
    )
    .await;
    let id = id_of(&goal);
    let body = contribute(&app, token, &id, "1.00", None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.amount"]);
    assert_eq!(
        read_goal(&app, token, &id, "currentAmount").await["currentAmount"],
        "9999999999.00"
    );
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 1);
    let done = contribute_ok(&app, token, &id, "0.99").await;
    assert_eq!(done["currentAmount"], "9999999999.99");
    assert_eq!(done["status"], "COMPLETED");
}

#[tokio::test]
async fn more_than_100_contributions_per_page_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Paged", "targetAmount": "100.00", "initialAmount": "1.00" }),
    )
    .await;
    let body = app
        .gql(
            CONTRIBUTIONS,
            json!({ "id": id_of(&goal), "first": 101 }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["first"]);
}

// ---------- milestones ----------

#[tokio::test]
async fn milestones_are_the_quarters_of_the_target_rounded_up_to_the_cent() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Odd", "targetAmount": "33.33" }),
    )
    .await;
    let milestones = milestones_of(&app, &user.access_token, &id_of(&goal)).await;
    assert_eq!(
        milestones,
        [
            json!({ "percent": 25, "amount": "8.34", "reached": false, "reachedAt": null }),
            json!({ "percent": 50, "amount": "16.67", "reached": false, "reachedAt": null }),
            json!({ "percent": 75, "amount": "25.00", "reached": false, "reachedAt": null }),
            json!({ "percent": 100, "amount": "33.33", "reached": false, "reachedAt": null }),
        ]
    );

    // 8.33 is just short of 25 % rounded up; 8.34 reaches it.
    contribute_ok(&app, &user.access_token, &id_of(&goal), "8.33").await;
    let milestones = milestones_of(&app, &user.access_token, &id_of(&goal)).await;
    assert_eq!(milestones[0]["reached"], false);
    contribute_ok(&app, &user.access_token, &id_of(&goal), "0.01").await;
    let milestones = milestones_of(&app, &user.access_token, &id_of(&goal)).await;
    assert_eq!(milestones[0]["reached"], true);
    assert_eq!(milestones[1]["reached"], false);
}

#[tokio::test]
async fn milestones_record_when_each_was_first_reached() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "House", "targetAmount": "1000.00", "initialAmount": "100.00" }),
    )
    .await;
    let id = id_of(&goal);
    assert!(
        milestones_of(&app, token, &id)
            .await
            .iter()
            .all(|m| m["reached"] == false && m["reachedAt"].is_null())
    );

    let before = Utc::now();
    contribute_ok(&app, token, &id, "450.00").await; // 55 %
    let after_first = milestones_of(&app, token, &id).await;
    let reached: Vec<_> = after_first.iter().map(|m| m["reached"].clone()).collect();
    assert_eq!(reached, [true, true, false, false]);
    for m in &after_first[..2] {
        let at = chrono::DateTime::parse_from_rfc3339(m["reachedAt"].as_str().expect("reachedAt")).expect("RFC 3339");
        assert!(
            at >= before - chrono::Duration::seconds(1) && at <= Utc::now(),
            "reachedAt {at}"
        );
    }
    assert!(after_first[2]["reachedAt"].is_null());
    assert!(after_first[3]["reachedAt"].is_null());

    // Later crossings leave earlier milestones' times alone.
    tokio::time::sleep(Duration::from_millis(20)).await;
    contribute_ok(&app, token, &id, "250.00").await; // 80 %
    let after_second = milestones_of(&app, token, &id).await;
    assert_eq!(after_second[0]["reachedAt"], after_first[0]["reachedAt"]);
    assert_eq!(after_second[1]["reachedAt"], after_first[1]["reachedAt"]);
    assert_eq!(after_second[2]["reached"], true);
    let first = chrono::DateTime::parse_from_rfc3339(after_first[1]["reachedAt"].as_str().expect("reachedAt"))
        .expect("RFC 3339");
    let third = chrono::DateTime::parse_from_rfc3339(after_second[2]["reachedAt"].as_str().expect("reachedAt"))
        .expect("RFC 3339");
    assert!(third > first, "75 % was reached after 50 %: {first} vs {third}");
    assert_eq!(after_second[3]["reached"], false);

    // Falling back below a milestone keeps it reached, with its first time.
    tokio::time::sleep(Duration::from_millis(20)).await;
    contribute_ok(&app, token, &id, "-700.00").await; // 10 %
    let after_withdrawal = milestones_of(&app, token, &id).await;
    for percent in 0..3 {
        assert_eq!(after_withdrawal[percent]["reached"], true);
        assert_eq!(
            after_withdrawal[percent]["reachedAt"],
            after_second[percent]["reachedAt"]
        );
    }
    assert_eq!(after_withdrawal[3]["reached"], false);

    // Crossing again does not move the first time either.
    tokio::time::sleep(Duration::from_millis(20)).await;
    contribute_ok(&app, token, &id, "500.00").await; // 60 %
    let again = milestones_of(&app, token, &id).await;
    assert_eq!(again[0]["reachedAt"], after_first[0]["reachedAt"]);
    assert_eq!(again[1]["reachedAt"], after_first[1]["reachedAt"]);
    assert_eq!(again[2]["reachedAt"], after_second[2]["reachedAt"]);
}

// ---------- progress ----------

#[tokio::test]
async fn progress_without_a_target_date_has_no_deadline_figures() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Someday", "targetAmount": "1000.00", "initialAmount": "250.00" }),
    )
    .await;
    let progress = progress_of(&app, &user.access_token, &id_of(&goal)).await;
    // 250.00 saved on the first day is 250.00 a day; 750.00 more takes 3 days.
    assert_eq!(
        progress,
        json!({
            "percentComplete": 25.0,
            "remainingAmount": "750.00",
            "daysRemaining": null,
            "requiredMonthlyContribution": null,
            "projectedCompletionDate": day(3),
            "onTrack": null,
        })
    );
}

#[tokio::test]
async fn progress_has_no_projection_before_anything_is_saved() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &user.access_token,
        json!({ "name": "Fresh", "targetAmount": "1200.00", "targetDate": day(365) }),
    )
    .await;
    let progress = progress_of(&app, &user.access_token, &id_of(&goal)).await;
    assert_eq!(progress["percentComplete"].as_f64(), Some(0.0));
    assert_eq!(progress["remainingAmount"], "1200.00");
    assert_eq!(progress["daysRemaining"], 365);
    // 365 days are 11.992 months; 1200.00 / 11.992 = 100.0658..., rounded up.
    assert_eq!(progress["requiredMonthlyContribution"], "100.07");
    assert_eq!(progress["projectedCompletionDate"], Value::Null);
    assert_eq!(progress["onTrack"], Value::Null);
}

/// R / max(D / 30.436875, 1) rounded up to the cent, in exact integer arithmetic:
/// D / 30.436875 months = D * 1_000_000 / 30_436_875.
fn expected_monthly(remaining_minor: i64, days: i64) -> String {
    let remaining = i128::from(remaining_minor);
    let scaled_days = i128::from(days) * 1_000_000;
    let per_month = if scaled_days <= 30_436_875 {
        remaining
    } else {
        (remaining * 30_436_875 + scaled_days - 1) / scaled_days
    };
    money(i64::try_from(per_month).expect("fits"))
}

#[tokio::test]
async fn required_monthly_contribution_spreads_what_is_left_over_the_months_left() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    // (target, initial, remaining in minor units, days until the target date)
    let cases = [
        ("1200.00", None, 120_000, 365),
        ("500.00", Some("123.45"), 37_655, 100),
        ("10000.00", Some("0.01"), 999_999, 1000),
        ("999.99", Some("0.99"), 99_900, 31),
        ("300.00", Some("100.00"), 20_000, 30),
        ("300.00", Some("100.00"), 20_000, 10),
        ("300.00", Some("100.00"), 20_000, 0),
    ];
    for (target, initial, remaining, days) in cases {
        let goal = create_goal(
            &app,
            token,
            json!({ "name": "Plan", "targetAmount": target, "targetDate": day(days), "initialAmount": initial }),
        )
        .await;
        let progress = progress_of(&app, token, &id_of(&goal)).await;
        assert_eq!(progress["remainingAmount"], money(remaining), "{target} {initial:?}");
        assert_eq!(progress["daysRemaining"], days, "{target} {initial:?} {days}");
        assert_eq!(
            progress["requiredMonthlyContribution"],
            expected_monthly(remaining, days),
            "{target} {initial:?} in {days} days"
        );
    }
    // Spot checks of the formula itself.
    assert_eq!(expected_monthly(120_000, 365), "100.07");
    assert_eq!(expected_monthly(20_000, 10), "200.00");
    assert_eq!(expected_monthly(37_655, 100), "114.62");
}

/// Inserts a goal directly, created `age_days` ago (the API can only create goals today).
async fn insert_old_goal(
    app: &TestApp,
    user_id: &str,
    target: i64,
    current: i64,
    target_date: Option<NaiveDate>,
    age_days: i64,
) -> String {
    let created = Utc::now() - chrono::Duration::days(age_days);
    let goal = savings_goals::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Uuid::parse_str(user_id).expect("user id")),
        currency: Set("USD".into()),
        name: Set("Old".into()),
        target_amount: Set(target),
        current_amount: Set(current),
        target_date: Set(target_date),
        status: Set(GoalStatus::Active),
        created_at: Set(created),
        updated_at: Set(created),
    }
    .insert(&app.db)
    .await
    .expect("goal");
    goal.id.to_string()
}

#[tokio::test]
async fn the_projection_follows_the_average_pace_since_the_goal_was_created() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    // 250.00 in 10 days is 25.00 a day; 750.00 more takes 30 days.
    for (due, on_track) in [(30, true), (29, false)] {
        let id = insert_old_goal(
            &app,
            &user.id,
            100_000,
            25_000,
            Some(today() + chrono::Duration::days(due)),
            10,
        )
        .await;
        let progress = progress_of(&app, token, &id).await;
        assert_eq!(progress["projectedCompletionDate"], day(30));
        assert_eq!(progress["daysRemaining"], due);
        assert_eq!(progress["onTrack"], on_track, "due in {due} days");
    }
    // 1.00 in 3 days, 2.00 to go: 6 days.
    let id = insert_old_goal(&app, &user.id, 300, 100, None, 3).await;
    assert_eq!(progress_of(&app, token, &id).await["projectedCompletionDate"], day(6));
    // 1.00 in 3 days, 1.50 to go: 4.5 days, rounded up to 5.
    let id = insert_old_goal(&app, &user.id, 250, 100, None, 3).await;
    assert_eq!(progress_of(&app, token, &id).await["projectedCompletionDate"], day(5));
}

#[tokio::test]
async fn an_overdue_goal_needs_everything_that_is_left_now() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let id = insert_old_goal(
        &app,
        &user.id,
        50_000,
        20_000,
        Some(today() - chrono::Duration::days(5)),
        60,
    )
    .await;
    let progress = progress_of(&app, &user.access_token, &id).await;
    assert_eq!(progress["daysRemaining"], 0);
    assert_eq!(progress["remainingAmount"], "300.00");
    assert_eq!(progress["requiredMonthlyContribution"], "300.00");
    assert_eq!(progress["onTrack"], false);
}

#[tokio::test]
async fn percent_complete_has_two_decimals_and_stops_at_100() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let third = create_goal(
        &app,
        token,
        json!({ "name": "Third", "targetAmount": "3.00", "initialAmount": "1.00" }),
    )
    .await;
    let progress = progress_of(&app, token, &id_of(&third)).await;
    assert_eq!(progress["percentComplete"].as_f64(), Some(33.33));
    assert_eq!(progress["remainingAmount"], "2.00");

    let two_thirds = create_goal(
        &app,
        token,
        json!({ "name": "Two thirds", "targetAmount": "3.00", "initialAmount": "2.00" }),
    )
    .await;
    let progress = progress_of(&app, token, &id_of(&two_thirds)).await;
    assert_eq!(progress["percentComplete"].as_f64(), Some(66.67));

    let over = create_goal(
        &app,
        token,
        json!({ "name": "Over", "targetAmount": "100.00", "targetDate": day(60), "initialAmount": "150.00" }),
    )
    .await;
    let progress = progress_of(&app, token, &id_of(&over)).await;
    assert_eq!(progress["percentComplete"].as_f64(), Some(100.0));
    assert_eq!(progress["remainingAmount"], "0.00");
    assert_eq!(progress["requiredMonthlyContribution"], "0.00");
    assert_eq!(progress["projectedCompletionDate"], Value::Null);
    assert_eq!(progress["onTrack"], true);
}

#[tokio::test]
async fn on_track_compares_the_projected_completion_with_the_target_date() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    // 250.00 of 1000.00 on day one: the projection is 3 days away.
    for (days, on_track) in [(10, true), (3, true), (2, false)] {
        let goal = create_goal(
            &app,
            token,
            json!({ "name": "Pace", "targetAmount": "1000.00", "targetDate": day(days), "initialAmount": "250.00" }),
        )
        .await;
        let progress = progress_of(&app, token, &id_of(&goal)).await;
        assert_eq!(progress["projectedCompletionDate"], day(3));
        assert_eq!(progress["daysRemaining"], days);
        assert_eq!(progress["onTrack"], on_track, "target date in {days} days");
    }
}

// ---------- updateSavingsGoal / deleteSavingsGoal ----------

#[tokio::test]
async fn updating_a_goal_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Car", "targetAmount": "5000.00", "targetDate": day(100), "initialAmount": "500.00" }),
    )
    .await;
    let id = id_of(&goal);

    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "name": " Used car " } }),
            Some(token),
        )
        .await;
    assert_eq!(
        body["data"]["updateSavingsGoal"],
        json!({ "id": id, "name": "Used car", "targetAmount": "5000.00", "currentAmount": "500.00", "targetDate": day(100), "status": "ACTIVE" })
    );

    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "targetAmount": "4000.50", "targetDate": day(200) } }),
            Some(token),
        )
        .await;
    let updated = &body["data"]["updateSavingsGoal"];
    assert_eq!(updated["name"], "Used car");
    assert_eq!(updated["targetAmount"], "4000.50");
    assert_eq!(updated["targetDate"], day(200));

    // null clears the target date; omitting it keeps it.
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "targetDate": null } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["targetDate"], Value::Null, "{body}");
    let progress = progress_of(&app, token, &id).await;
    assert_eq!(progress["daysRemaining"], Value::Null);
    assert_eq!(progress["requiredMonthlyContribution"], Value::Null);
    assert_eq!(progress["onTrack"], Value::Null);

    let stored = read_goal(&app, token, &id, GOAL_FIELDS).await;
    assert_eq!(
        stored,
        json!({ "id": id, "name": "Used car", "targetAmount": "4000.50", "currentAmount": "500.00", "targetDate": null, "status": "ACTIVE" })
    );
}

#[tokio::test]
async fn lowering_the_target_reaches_the_milestones_it_crosses() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Shrinking", "targetAmount": "1000.00", "initialAmount": "500.00" }),
    )
    .await;
    let id = id_of(&goal);
    let before: Vec<_> = milestones_of(&app, token, &id)
        .await
        .iter()
        .map(|m| m["reached"].clone())
        .collect();
    assert_eq!(before, [true, true, false, false]);
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "targetAmount": "600.00" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "ACTIVE", "{body}");
    let after = milestones_of(&app, token, &id).await;
    let summary: Vec<_> = after
        .iter()
        .map(|m| (m["percent"].clone(), m["amount"].clone(), m["reached"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!(25), json!("150.00"), json!(true)),
            (json!(50), json!("300.00"), json!(true)),
            (json!(75), json!("450.00"), json!(true)),
            (json!(100), json!("600.00"), json!(false)),
        ]
    );
    assert!(after[2]["reachedAt"].is_string());
}

#[tokio::test]
async fn lowering_the_target_to_the_current_amount_completes_the_goal() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Car", "targetAmount": "5000.00", "initialAmount": "500.00" }),
    )
    .await;
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id_of(&goal), "input": { "targetAmount": "500.00" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "COMPLETED", "{body}");
}

#[tokio::test]
async fn an_invalid_goal_update_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Car", "targetAmount": "5000.00", "targetDate": day(100), "initialAmount": "500.00" }),
    )
    .await;
    let id = id_of(&goal);
    let cases = [
        (json!({ "name": "" }), "input.name"),
        (json!({ "targetAmount": "0" }), "input.targetAmount"),
        (json!({ "targetDate": day(-1) }), "input.targetDate"),
        (json!({ "status": "COMPLETED" }), "input.status"),
    ];
    for (input, field) in cases {
        let body = app.gql(UPDATE, json!({ "id": id, "input": input }), Some(token)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_fields(&body), [field], "{input}");
    }
    // A valid name alongside an invalid field is not applied either.
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "name": "Renamed", "status": "COMPLETED" } }),
            Some(token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.status"]);

    assert_eq!(
        read_goal(&app, token, &id, GOAL_FIELDS).await,
        json!({ "id": id, "name": "Car", "targetAmount": "5000.00", "currentAmount": "500.00", "targetDate": day(100), "status": "ACTIVE" })
    );
}

#[tokio::test]
async fn a_goal_can_be_paused_and_resumed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Boat", "targetAmount": "100.00", "initialAmount": "10.00" }),
    )
    .await;
    let id = id_of(&goal);
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "status": "PAUSED" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "PAUSED", "{body}");
    assert_eq!(read_goal(&app, token, &id, "status").await["status"], "PAUSED");
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "status": "ACTIVE" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "ACTIVE", "{body}");

    // Resuming a paused goal that reached its target while paused completes it.
    app.gql(
        UPDATE,
        json!({ "id": id, "input": { "status": "PAUSED" } }),
        Some(token),
    )
    .await;
    contribute_ok(&app, token, &id, "90.00").await;
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "status": "ACTIVE" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "COMPLETED", "{body}");
}

#[tokio::test]
async fn a_goal_can_only_be_marked_completed_once_its_target_is_reached() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Watch", "targetAmount": "100.00", "initialAmount": "99.99" }),
    )
    .await;
    let id = id_of(&goal);
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "status": "COMPLETED" } }),
            Some(token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.status"]);
    assert_eq!(read_goal(&app, token, &id, "status").await["status"], "ACTIVE");

    // Reached and paused: asking for COMPLETED is fine.
    app.gql(
        UPDATE,
        json!({ "id": id, "input": { "status": "PAUSED" } }),
        Some(token),
    )
    .await;
    contribute_ok(&app, token, &id, "0.01").await;
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id, "input": { "status": "COMPLETED" } }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "COMPLETED", "{body}");
}

#[tokio::test]
async fn raising_the_target_of_a_completed_goal_makes_it_active_again() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "TV", "targetAmount": "800.00", "initialAmount": "800.00" }),
    )
    .await;
    assert_eq!(goal["status"], "COMPLETED");
    let body = app
        .gql(
            UPDATE,
            json!({ "id": id_of(&goal), "input": { "targetAmount": "800.01" } }),
            Some(token),
        )
        .await;
    let updated = &body["data"]["updateSavingsGoal"];
    assert_eq!(updated["targetAmount"], "800.01", "{body}");
    assert_eq!(updated["status"], "ACTIVE");
    assert_eq!(
        read_goal(&app, token, &id_of(&goal), "status").await["status"],
        "ACTIVE"
    );
}

#[tokio::test]
async fn updating_an_unknown_goal_is_not_found() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            UPDATE,
            json!({ "id": Uuid::now_v7().to_string(), "input": { "name": "Ghost" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn deleting_a_goal_deletes_its_contributions_and_a_second_delete_is_not_found() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Gone", "targetAmount": "100.00", "initialAmount": "60.00" }),
    )
    .await;
    let kept = create_goal(
        &app,
        token,
        json!({ "name": "Kept", "targetAmount": "100.00", "initialAmount": "10.00" }),
    )
    .await;
    let id = id_of(&goal);
    contribute_ok(&app, token, &id, "5.00").await;
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 2);

    let body = app.gql(DELETE, json!({ "id": id }), Some(token)).await;
    assert_eq!(body["data"]["deleteSavingsGoal"], json!(id), "{body}");
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 0);
    assert_eq!(
        app.count_by_uuid("SELECT COUNT(*) FROM goal_milestones WHERE goal_id = ", uuid_of(&goal))
            .await,
        0
    );
    assert_eq!(
        app.count_by_uuid("SELECT COUNT(*) FROM savings_goals WHERE id = ", uuid_of(&goal))
            .await,
        0
    );
    let body = app
        .gql(
            "query($id: ID!) { savingsGoal(id: $id) { id } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["savingsGoal"], Value::Null);

    let body = app.gql(DELETE, json!({ "id": id }), Some(token)).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    // The other goal is untouched.
    assert_eq!(contribution_rows(&app, uuid_of(&kept)).await, 1);
}

#[tokio::test]
async fn another_users_goal_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.register_and_login().await;
    let other = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &owner.access_token,
        json!({ "name": "Mine", "targetAmount": "100.00", "initialAmount": "10.00" }),
    )
    .await;
    let body = app
        .gql(DELETE, json!({ "id": id_of(&goal) }), Some(&other.access_token))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM savings_goals").await, 1);
    assert_eq!(contribution_rows(&app, uuid_of(&goal)).await, 1);
}

// ---------- savingsGoals / savingsGoal ----------

#[tokio::test]
async fn savings_goals_are_listed_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    for name in ["One", "Two", "Three", "Four", "Five"] {
        create_goal(&app, token, json!({ "name": name, "targetAmount": "100.00" })).await;
    }
    // Someone else's goal never shows.
    let other = app.register_and_login().await;
    create_goal(
        &app,
        &other.access_token,
        json!({ "name": "Foreign", "targetAmount": "100.00" }),
    )
    .await;

    let names = |body: &Value| -> Vec<String> {
        body["data"]["savingsGoals"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("no edges in {body}"))
            .iter()
            .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
            .collect()
    };

    let body = app.gql(LIST, json!({ "first": 2 }), Some(token)).await;
    assert_eq!(names(&body), ["Five", "Four"]);
    let connection = &body["data"]["savingsGoals"];
    assert_eq!(connection["totalCount"], 5);
    assert_eq!(connection["pageInfo"]["hasNextPage"], true);
    assert_eq!(connection["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(connection["pageInfo"]["startCursor"], connection["edges"][0]["cursor"]);
    assert_eq!(connection["pageInfo"]["endCursor"], connection["edges"][1]["cursor"]);

    let mut after = connection["pageInfo"]["endCursor"].as_str().expect("cursor").to_owned();
    let body = app.gql(LIST, json!({ "first": 2, "after": after }), Some(token)).await;
    assert_eq!(names(&body), ["Three", "Two"]);
    assert_eq!(body["data"]["savingsGoals"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(body["data"]["savingsGoals"]["pageInfo"]["hasPreviousPage"], true);
    after = body["data"]["savingsGoals"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();

    // A goal created meanwhile does not shift the pages (keyset, not offset).
    create_goal(&app, token, json!({ "name": "Six", "targetAmount": "100.00" })).await;
    let body = app.gql(LIST, json!({ "first": 2, "after": after }), Some(token)).await;
    assert_eq!(names(&body), ["One"]);
    assert_eq!(body["data"]["savingsGoals"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(body["data"]["savingsGoals"]["totalCount"], 6);

    // Without arguments: everything, newest first.
    let body = app.gql(LIST, json!({}), Some(token)).await;
    assert_eq!(names(&body), ["Six", "Five", "Four", "Three", "Two", "One"]);
}

#[tokio::test]
async fn savings_goals_can_be_filtered_by_status() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_goal(&app, token, json!({ "name": "Active one", "targetAmount": "100.00" })).await;
    create_goal(
        &app,
        token,
        json!({ "name": "Done", "targetAmount": "100.00", "initialAmount": "100.00" }),
    )
    .await;
    let paused = create_goal(&app, token, json!({ "name": "Resting", "targetAmount": "100.00" })).await;
    app.gql(
        UPDATE,
        json!({ "id": id_of(&paused), "input": { "status": "PAUSED" } }),
        Some(token),
    )
    .await;
    create_goal(&app, token, json!({ "name": "Active two", "targetAmount": "100.00" })).await;

    for (status, expected) in [
        ("ACTIVE", vec!["Active two", "Active one"]),
        ("COMPLETED", vec!["Done"]),
        ("PAUSED", vec!["Resting"]),
    ] {
        let body = app.gql(LIST, json!({ "status": status }), Some(token)).await;
        let connection = &body["data"]["savingsGoals"];
        let names: Vec<_> = connection["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("no edges in {body}"))
            .iter()
            .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
            .collect();
        assert_eq!(names, expected, "{status}");
        assert_eq!(connection["totalCount"], expected.len(), "{status}");
        assert!(
            connection["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .all(|e| e["node"]["status"] == status)
        );
    }
    let body = app.gql(LIST, json!({}), Some(token)).await;
    assert_eq!(body["data"]["savingsGoals"]["totalCount"], 4);
}

#[tokio::test]
async fn more_than_100_goals_per_page_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app.gql(LIST, json!({ "first": 101 }), Some(&user.access_token)).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["first"]);
    let body = app.gql(LIST, json!({ "first": 100 }), Some(&user.access_token)).await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = app.gql(LIST, json!({ "first": -1 }), Some(&user.access_token)).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn a_random_or_foreign_goal_id_reads_as_null() {
    let app = TestApp::spawn().await;
    let owner = app.register_and_login().await;
    let other = app.register_and_login().await;
    let goal = create_goal(
        &app,
        &owner.access_token,
        json!({ "name": "Private", "targetAmount": "100.00" }),
    )
    .await;
    let query = "query($id: ID!) { savingsGoal(id: $id) { id } }";
    let body = app
        .gql(
            query,
            json!({ "id": Uuid::new_v4().to_string() }),
            Some(&owner.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["savingsGoal"], Value::Null);
    let body = app
        .gql(query, json!({ "id": "not-a-uuid" }), Some(&owner.access_token))
        .await;
    assert_eq!(body["data"]["savingsGoal"], Value::Null, "{body}");
    let body = app
        .gql(query, json!({ "id": id_of(&goal) }), Some(&other.access_token))
        .await;
    assert_eq!(body["data"]["savingsGoal"], Value::Null, "{body}");
    let body = app
        .gql(query, json!({ "id": id_of(&goal) }), Some(&owner.access_token))
        .await;
    assert_eq!(body["data"]["savingsGoal"]["id"], json!(id_of(&goal)));
}

#[tokio::test]
async fn goals_require_authentication() {
    let app = TestApp::spawn().await;
    let body = app.gql(LIST, json!({}), None).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    let body = app
        .gql(
            CREATE,
            json!({ "input": { "name": "Anon", "targetAmount": "10.00" } }),
            None,
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM savings_goals").await, 0);
}
