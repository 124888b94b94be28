//! In-app notifications: stored for budget alerts (once per budget, category and threshold),
//! goal milestones and achievements; listed newest first, counted, marked read; never another
//! user's.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_fields};

const LIST: &str = "query($unread: Boolean) { notifications(first: 50, unreadOnly: $unread) {
  totalCount edges { node { id kind title body data createdAt readAt } } } unreadNotificationCount }";

async fn list(app: &TestApp, user: &TestUser, unread: bool) -> (Vec<Value>, i64, i64) {
    let body = app
        .gql(LIST, json!({ "unread": unread }), Some(&user.access_token))
        .await;
    let data = &body["data"];
    let nodes = data["notifications"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    (
        nodes,
        data["notifications"]["totalCount"].as_i64().expect("total"),
        data["unreadNotificationCount"].as_i64().expect("unread"),
    )
}

fn of_kind<'a>(nodes: &'a [Value], kind: &str) -> Vec<&'a Value> {
    nodes.iter().filter(|n| n["kind"] == kind).collect()
}

/// A budget of 100.00 whose one category (500.00) never reaches a threshold itself.
async fn budget(app: &TestApp, user: &TestUser) -> (String, String) {
    let budget = create_budget(
        app,
        &user.access_token,
        json!({ "name": "Groceries", "amount": "100.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "500.00" }] }),
    )
    .await;
    (
        budget["id"].as_str().expect("budget").to_owned(),
        budget["categories"][0]["id"].as_str().expect("category").to_owned(),
    )
}

fn expense(amount: &str, category: &str) -> Value {
    json!({ "amount": amount, "description": "Shop", "transactionDate": "2026-11-10", "type": "EXPENSE",
            "categoryId": category })
}

#[tokio::test]
async fn a_budget_crossing_80_percent_notifies_once_even_when_it_crosses_again() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (budget_id, food) = budget(&app, &user).await;
    let first = create_transaction(&app, &user.access_token, expense("85.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    let alerts = of_kind(&nodes, "BUDGET_ALERT");
    assert_eq!(alerts.len(), 1, "{nodes:?}");
    assert_eq!(alerts[0]["title"], "Groceries is at 80 %");
    assert_eq!(alerts[0]["body"], "$85.00 of $100.00 spent.");
    assert_eq!(alerts[0]["data"]["budgetId"], budget_id.as_str());
    assert_eq!(alerts[0]["data"]["threshold"], 80);
    assert_eq!(alerts[0]["data"]["spent"], "85.00");
    assert_eq!(alerts[0]["data"]["transactionId"], first.as_str());
    assert!(alerts[0]["readAt"].is_null());

    // Back under 80 % and over it again: still one notification for 80 %.
    let body = app
        .gql(
            "mutation($id: ID!) { deleteTransaction(id: $id) }",
            json!({ "id": first }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["deleteTransaction"].is_string(), "{body}");
    create_transaction(&app, &user.access_token, expense("90.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    assert_eq!(of_kind(&nodes, "BUDGET_ALERT").len(), 1);

    // 100 % is a notification of its own, and the newest comes first.
    create_transaction(&app, &user.access_token, expense("15.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    let alerts = of_kind(&nodes, "BUDGET_ALERT");
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["title"], "Groceries is fully spent");
    assert_eq!(alerts[0]["data"]["threshold"], 100);
}

#[tokio::test]
async fn milestones_and_achievements_notify_and_marking_read_is_per_user() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let goal = app
        .gql(
            "mutation { createSavingsGoal(input: { name: \"Bike\", targetAmount: \"400.00\" }) { id } }",
            json!({}),
            Some(&user.access_token),
        )
        .await["data"]["createSavingsGoal"]["id"]
        .as_str()
        .expect("goal")
        .to_owned();
    let body = app
        .gql(
            "mutation($g: ID!) { contributeToGoal(input: { goalId: $g, amount: \"100.00\" }) { id } }",
            json!({ "g": goal }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["contributeToGoal"].is_object(), "{body}");
    let (nodes, total, unread) = list(&app, &user, false).await;
    let milestones = of_kind(&nodes, "GOAL_MILESTONE");
    assert_eq!(milestones.len(), 1, "{nodes:?}");
    assert_eq!(milestones[0]["title"], "Bike is 25 % there");
    assert_eq!(milestones[0]["data"]["goalId"], goal.as_str());
    let achievements: Vec<&str> = of_kind(&nodes, "ACHIEVEMENT")
        .iter()
        .map(|n| n["data"]["type"].as_str().expect("type"))
        .collect();
    let mut achievements = achievements;
    achievements.sort();
    assert_eq!(achievements, ["FIRST_CONTRIBUTION", "FIRST_GOAL"]);
    assert_eq!((total, unread), (3, 3));
    assert_eq!(list(&app, &other, false).await.0, Vec::<Value>::new(), "not theirs");

    let mark = "mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) }";
    let first = nodes[0]["id"].as_str().expect("id").to_owned();
    // Someone else naming my notification marks nothing.
    let body = app
        .gql(mark, json!({ "ids": [first] }), Some(&other.access_token))
        .await;
    assert_eq!(body["data"]["markNotificationsRead"], 0, "{body}");
    let body = app.gql(mark, json!({ "ids": [first] }), Some(&user.access_token)).await;
    assert_eq!(body["data"]["markNotificationsRead"], 1);
    let (unread_nodes, unread_total, unread) = list(&app, &user, true).await;
    assert_eq!((unread_total, unread), (2, 2));
    assert!(unread_nodes.iter().all(|n| n["id"] != first.as_str()));
    let body = app.gql(mark, json!({ "all": true }), Some(&user.access_token)).await;
    assert_eq!(body["data"]["markNotificationsRead"], 2);
    let (nodes, total, unread) = list(&app, &user, false).await;
    assert_eq!((total, unread), (3, 0));
    assert!(nodes.iter().all(|n| n["readAt"].is_string()));

    let body = app.gql(mark, json!({}), Some(&user.access_token)).await;
    assert_eq!(error_fields(&body), ["ids"], "{body}");
}
