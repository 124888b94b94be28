//! Relay Global Object Identification: every object with an id is a `Node`, `node(id)`
//! refetches any of the caller's objects as Relay's refetch queries do, another user's id is
//! null exactly like a random one, and `nodes` of 100 ids costs a constant number of statements.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_code};

/// Relay's shape: `node(id:)` with the type's fragment spread and `__typename`.
const REFETCH: &str = "query Refetch($id: ID!) { node(id: $id) { __typename id
    ... on Budget { name } ... on BudgetCategory { name } ... on Transaction { description }
    ... on SavingsGoal { name } ... on GoalContribution { amount } ... on Achievement { type }
    ... on User { email } } }";

/// One object of every node type, as (typename, id, the field REFETCH reads, its value).
async fn one_of_each(app: &TestApp, user: &TestUser) -> Vec<(&'static str, String, &'static str, Value)> {
    let token = Some(user.access_token.as_str());
    let budget = create_budget(
        app,
        &user.access_token,
        json!({ "name": "Node budget", "amount": "300.00", "period": "MONTHLY", "startDate": "2026-12-01",
                "endDate": "2026-12-31", "categories": [{ "name": "Node food", "amount": "300.00" }] }),
    )
    .await;
    let category = budget["categories"][0]["id"].as_str().expect("category").to_owned();
    let transaction = create_transaction(
        app,
        &user.access_token,
        json!({ "amount": "12.34", "description": "Node coffee", "transactionDate": "2026-12-02", "type": "EXPENSE" }),
    )
    .await;
    let goal = app
        .gql(
            "mutation { createSavingsGoal(input: { name: \"Node bike\", targetAmount: \"500.00\", initialAmount: \"50.00\" }) { id contributions { nodes { id } } } }",
            json!({}),
            token,
        )
        .await;
    let goal = &goal["data"]["createSavingsGoal"];
    let achievements = app.gql("{ achievements { id type } }", json!({}), token).await;
    let achievement = &achievements["data"]["achievements"][0];
    vec![
        (
            "Budget",
            budget["id"].as_str().expect("id").to_owned(),
            "name",
            json!("Node budget"),
        ),
        ("BudgetCategory", category, "name", json!("Node food")),
        ("Transaction", transaction, "description", json!("Node coffee")),
        (
            "SavingsGoal",
            goal["id"].as_str().expect("goal").to_owned(),
            "name",
            json!("Node bike"),
        ),
        (
            "GoalContribution",
            goal["contributions"]["nodes"][0]["id"]
                .as_str()
                .expect("contribution")
                .to_owned(),
            "amount",
            json!("50.00"),
        ),
        (
            "Achievement",
            achievement["id"]
                .as_str()
                .expect("an achievement for the first budget")
                .to_owned(),
            "type",
            achievement["type"].clone(),
        ),
        ("User", user.id.clone(), "email", json!(user.email)),
    ]
}

#[tokio::test]
async fn node_refetches_every_type_of_the_callers_objects_by_id() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    for (typename, id, field, value) in one_of_each(&app, &user).await {
        let body = app.gql(REFETCH, json!({ "id": id }), Some(&user.access_token)).await;
        assert!(body.get("errors").is_none(), "{typename}: {body}");
        let node = &body["data"]["node"];
        assert_eq!(node["__typename"], typename, "{body}");
        assert_eq!(node["id"], id.as_str(), "{typename}");
        assert_eq!(node[field], value, "{typename}: {body}");
    }
}

#[tokio::test]
async fn another_users_id_is_null_exactly_like_a_random_or_malformed_one() {
    let app = TestApp::spawn().await;
    let owner = app.register_and_login().await;
    let objects = one_of_each(&app, &owner).await;
    let stranger = app.register_and_login().await;
    let random = Uuid::now_v7().to_string();
    let mut ids: Vec<String> = objects.iter().map(|(_, id, _, _)| id.clone()).collect();
    ids.extend([random.clone(), "not-an-id".to_owned()]);
    for id in &ids {
        let body = app
            .gql(REFETCH, json!({ "id": id }), Some(&stranger.access_token))
            .await;
        assert_eq!(body, json!({ "data": { "node": null } }), "{id}");
    }
    let body = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
            Some(&stranger.access_token),
        )
        .await;
    assert_eq!(body["data"]["nodes"], json!(vec![Value::Null; ids.len()]), "{body}");
}

#[tokio::test]
async fn nodes_answers_in_order_with_nulls_and_costs_the_same_statements_for_10_or_100_ids() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let objects = one_of_each(&app, &user).await;
    let mut transactions = Vec::new();
    for i in 0..90 {
        transactions.push(
            create_transaction(
                &app,
                &user.access_token,
                json!({ "amount": format!("{}.00", i + 1), "description": format!("bulk {i}"),
                        "transactionDate": "2026-12-01", "type": "INCOME" }),
            )
            .await,
        );
    }
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
    let every_type: Vec<String> = objects.iter().map(|(_, id, _, _)| id.clone()).collect();
    let random = Uuid::now_v7().to_string();

    let mut ten = every_type.clone();
    ten.extend([random.clone(), transactions[0].clone(), every_type[0].clone()]);
    let mut hundred = every_type.clone();
    hundred.push(random.clone());
    hundred.extend(transactions.iter().cloned());
    hundred.push(every_type[0].clone());
    hundred.push(transactions[5].clone());
    assert_eq!(hundred.len(), 100);

    let mut costs = Vec::new();
    for ids in [&ten, &hundred] {
        let (body, statements) = app
            .statements_during(app.gql(query, json!({ "ids": ids }), Some(&user.access_token)))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let nodes = body["data"]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), ids.len());
        for (asked, node) in ids.iter().zip(nodes) {
            if *asked == random {
                assert!(node.is_null());
            } else {
                assert_eq!(node["id"], asked.as_str(), "answers in the order asked");
            }
        }
        costs.push(statements);
    }
    // One lookup of which table holds each id, then one load per type present: the caller's
    // row for the User and one statement for each of the six other types.
    assert_eq!(costs[0], costs[1], "10 ids and 100 ids: {costs:?}");
    assert!(costs[1] <= 8, "{costs:?}");
}

#[tokio::test]
async fn nodes_takes_at_most_100_ids_and_needs_a_signed_in_caller() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let ids: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
    let body = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let anonymous = app.gql(REFETCH, json!({ "id": user.id }), None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
}
