//! Sibling reads combined (`graphql::combined`): the top-level lists and `me` of one document
//! run as one statement, and each answers exactly as it does when asked alone (order,
//! paging both ways, filters, an empty list, two reads of one table, another user's rows).

use serde_json::{Map, Value, json};

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction};

/// The dashboard's top-level fields (`benches/run.sh`'s query, field by field).
const DASHBOARD: [&str; 3] = [
    "me { id email firstName lastName }",
    "budgets(first: 10) { nodes { id name amount period startDate endDate categories { id name amount color icon transactions(first: 20) { nodes { id amount description transactionDate type } } } } }",
    "savingsGoals(first: 10) { nodes { id name targetAmount currentAmount targetDate status } }",
];

/// Top-level fields, each run alone and then all in one document.
const FIELDS: [&str; 7] = [
    "me { id email firstName lastName preferences { currency } }",
    "newest: budgets(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id name categories { name transactions(first: 3) { nodes { description } } } } }",
    "oldest: budgets(last: 2) { pageInfo { hasNextPage hasPreviousPage startCursor } nodes { id name } }",
    "monthly: budgets(period: MONTHLY) { nodes { name period } }",
    "goals: savingsGoals { nodes { id name currentAmount status } }",
    "active: savingsGoals(first: 1, status: ACTIVE) { pageInfo { hasNextPage } nodes { name } }",
    "completed: savingsGoals(status: COMPLETED) { nodes { name } }",
];

/// A user with `budgets` budgets (every other one weekly), each with two categories and an
/// expense in each, and `goals` goals (the last one reached).
async fn user_with(app: &TestApp, budgets: usize, goals: usize) -> TestUser {
    let user = app.register_and_login().await;
    let token = &user.access_token;
    for b in 0..budgets {
        let period = if b % 2 == 0 { "MONTHLY" } else { "WEEKLY" };
        let budget = create_budget(
            app,
            token,
            json!({ "name": format!("Budget {b}"), "amount": "500.00", "period": period, "startDate": "2026-11-01", "endDate": "2026-11-30",
                    "categories": [{ "name": format!("Food {b}"), "amount": "300.00" }, { "name": format!("Fun {b}"), "amount": "200.00" }] }),
        )
        .await;
        for (c, category) in budget["categories"].as_array().expect("categories").iter().enumerate() {
            create_transaction(
                app,
                token,
                json!({ "amount": format!("{}.25", 10 + b + c), "description": format!("Spent {b}.{c}"), "transactionDate": "2026-11-05",
                        "type": "EXPENSE", "categoryId": category["id"] }),
            )
            .await;
        }
    }
    for g in 0..goals {
        let reached = g + 1 == goals;
        let body = app
            .gql(
                "mutation($input: CreateSavingsGoalInput!) { createSavingsGoal(input: $input) { id } }",
                json!({ "input": { "name": format!("Goal {g}"), "targetAmount": "100.00",
                                   "initialAmount": if reached { "100.00" } else { "20.00" } } }),
                Some(token),
            )
            .await;
        assert!(body["data"]["createSavingsGoal"].is_object(), "{body}");
    }
    user
}

/// `data` of `query` as `user`, after checking it answered without errors; and its statements.
async fn data(app: &TestApp, user: &TestUser, query: &str) -> (Map<String, Value>, u64) {
    let (body, statements) = app
        .statements_during(app.gql(query, json!({}), Some(&user.access_token)))
        .await;
    assert!(body.get("errors").is_none(), "{query}: {body}");
    let data = body["data"].as_object().cloned().expect("data");
    (data, statements)
}

#[tokio::test]
async fn top_level_fields_answer_together_as_they_do_alone() {
    let app = TestApp::spawn().await;
    let alice = user_with(&app, 3, 3).await;
    // Rows of another user share the tables, and must stay out of every part.
    user_with(&app, 2, 2).await;
    let empty = user_with(&app, 0, 0).await;

    let together = format!("{{ {} }}", FIELDS.join(" "));
    for user in [&alice, &empty] {
        let mut alone = Map::new();
        for field in FIELDS {
            alone.extend(data(&app, user, &format!("{{ {field} }}")).await.0);
        }
        let (combined, _) = data(&app, user, &together).await;
        assert_eq!(Value::Object(combined), Value::Object(alone));
    }

    // The answers are the data, not only equal to each other: alice's three budgets newest
    // first and paged both ways, her goals filtered by status.
    let (answer, _) = data(&app, &alice, &together).await;
    let names = |list: &str| -> Vec<String> {
        answer[list]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| node["name"].as_str().expect("name").to_owned())
            .collect()
    };
    assert_eq!(names("newest"), ["Budget 2", "Budget 1"]);
    assert_eq!(answer["newest"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(answer["newest"]["totalCount"], 3);
    assert_eq!(names("oldest"), ["Budget 1", "Budget 0"]);
    assert_eq!(answer["oldest"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(names("monthly"), ["Budget 2", "Budget 0"]);
    assert_eq!(names("goals"), ["Goal 2", "Goal 1", "Goal 0"]);
    assert_eq!(names("active"), ["Goal 1"]);
    assert_eq!(answer["active"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(names("completed"), ["Goal 2"]);
    assert_eq!(answer["me"]["email"], alice.email.as_str());
    let spent = &answer["newest"]["nodes"][0]["categories"][1]["transactions"]["nodes"][0]["description"];
    assert_eq!(spent, "Spent 2.1");
}

#[tokio::test]
async fn the_dashboards_top_level_reads_share_one_statement() {
    let app = TestApp::spawn().await;
    let user = user_with(&app, 2, 2).await;

    let mut alone = 0;
    for field in DASHBOARD {
        alone += data(&app, &user, &format!("{{ {field} }}")).await.1;
    }
    let (_, together) = data(&app, &user, &format!("{{ {} }}", DASHBOARD.join(" "))).await;
    // `me`, the budgets page and the goals page: three reads, one statement.
    assert_eq!(together + 2, alone, "together {together}, alone {alone}");
}
