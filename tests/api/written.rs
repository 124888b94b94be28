//! Answers written straight to JSON (`graphql::written`): for every document, the response
//! of a server writing them is the executor's (a second instance on the same database with
//! `GRAPHQL_WRITTEN_ANSWERS=false`), escaping, cursors, `__typename`, aliases, fragments,
//! variables, paging and errors included, with keys in the order of the selection; and the
//! dashboard's shape really is written (one statement fewer).
//!
//! Key order is compared apart: async-graphql 7.2 puts an object's keys in the order its
//! fields finish (a `totalCount` counted on demand comes after the fields beside it), while
//! a written answer keeps the document's order, as the GraphQL spec asks.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, category_ids, create_budget, create_transaction};

const DASHBOARD: &str = "{ me { id email firstName lastName } budgets(first: 10) { nodes { id name amount period startDate endDate categories { id name amount color icon transactions(first: 20) { nodes { id amount description transactionDate type } } } } } savingsGoals(first: 10) { nodes { id name targetAmount currentAmount targetDate status } } }";

const EVERYTHING: &str = "{ budgets(first: 10) { __typename totalCount
  pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
  edges { __typename cursor node { __typename id name amount currency period startDate endDate createdAt updatedAt
    categories { __typename id name amount currency color icon createdAt
      transactions(first: 20) { __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { __typename cursor node { __typename id amount currency description transactionDate type payee createdAt updatedAt } }
        nodes { id } } } } }
  nodes { id } } }";

const FRAGMENTS: &str = "query Mine { mine: budgets(first: 2) { ...Page } }
fragment Page on BudgetConnection { count: totalCount nodes { ...B } info: pageInfo { hasNextPage endCursor } }
fragment B on Budget { key: id ... on Budget { title: name cats: categories { ... { id } txs: transactions(first: 3) { total: totalCount nodes { ...T } } } } }
fragment T on Transaction { id amt: amount kind: type }";

const VARIABLES: &str = "query($n: Int, $first: Int = 2) { budgets(first: $first) { nodes { id categories { transactions(first: $n) { nodes { id } pageInfo { hasNextPage } } } } } }";

const GOALS: &str = "{ savingsGoals { __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { __typename id name targetAmount currency currentAmount targetDate status createdAt updatedAt } } } }";

/// A written `budgets` beside a field that fails.
const MIXED: &str = "query($c: ID!) { budgets { nodes { id name categories { transactions(first: 2) { nodes { description } } } } } budgetCategory(id: $c) { transactions(first: 500) { nodes { id } } } }";

/// Documents the plan leaves to the executor (computed fields, directives, two page sizes,
/// a nested cursor, bad arguments): still the same answers.
const LEFT_TO_THE_EXECUTOR: [&str; 7] = [
    "{ budgets { nodes { id spent categories { id status: percentUsed } } } }",
    "query($yes: Boolean = true) { budgets { nodes { id @include(if: $yes) name } } }",
    "{ budgets { nodes { categories { a: transactions(first: 2) { nodes { id } } b: transactions(first: 3) { nodes { id } } } } } }",
    "{ budgets { nodes { categories { transactions(first: 500) { nodes { id } } } } } }",
    "{ budgets { nodes { categories { transactions(first: 2, after: \"bm90IGEgY3Vyc29y\") { nodes { id } } } } } }",
    "{ budgets { nodes { categories { transactions { nodes { id category { name } } } } } } }",
    "{ savingsGoals { nodes { id progress { percentComplete } milestones { percent } } } }",
];

/// The response body, as text, of `query` with `variables` as `user`.
async fn answer(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> String {
    let response = app
        .post_graphql(
            json!({ "query": query, "variables": variables }),
            Some(&user.access_token),
        )
        .await;
    response.text().await.expect("body")
}

/// The cursor after the first item of the root connection `field`.
async fn first_end_cursor(app: &TestApp, user: &TestUser, field: &str) -> String {
    let query = format!("{{ {field}(first: 1) {{ pageInfo {{ endCursor }} }} }}");
    let body: Value = serde_json::from_str(&answer(app, user, &query, json!({})).await).expect("json");
    body["data"][field]["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned()
}

/// A user with budgets in two currencies, categories with and without colour, icon and
/// transactions, 23 expenses in one category (more than a page), a split receipt, payees,
/// and descriptions that need escaping. Returns the ids of the categories, in creation order.
async fn household(app: &TestApp, user: &TestUser) -> Vec<String> {
    let token = &user.access_token;
    let monthly = create_budget(
        app,
        token,
        json!({ "name": "Groceries \"& more\"", "amount": "900.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30",
                "categories": [{ "name": "Food", "amount": "500.00", "color": "#FF8800", "icon": "cart" },
                               { "name": "Household", "amount": "300.00" },
                               { "name": "Nothing yet", "amount": "100.00", "icon": "sleep" }] }),
    )
    .await;
    let yearly = create_budget(
        app,
        token,
        json!({ "name": "Reise 旅行", "amount": "150000", "currency": "JPY", "period": "YEARLY", "startDate": "2026-01-01", "endDate": "2026-12-31",
                "categories": [{ "name": "Bahn", "amount": "150000", "color": "#0044AA" }] }),
    )
    .await;
    let (monthly, yearly) = (category_ids(&monthly), category_ids(&yearly));
    let descriptions = [
        "Café \"Zum Bäcker\"",
        "back\\slash",
        "«quotes» &amp; ampersand \u{2028}",
        "emoji 🍞",
        "<script>",
    ];
    for i in 0..23 {
        // Several on one day, so the id breaks the tie in the order.
        let day = 1 + i % 9;
        let mut input = json!({ "amount": format!("{}.{:02}", 3 + i, i * 7 % 100), "description": descriptions[i % 5],
                                "transactionDate": format!("2026-11-{day:02}"), "type": "EXPENSE", "categoryId": monthly[0] });
        if i % 4 == 0 {
            input["payee"] = json!(format!("Shop {i}"));
        }
        create_transaction(app, token, input).await;
    }
    create_transaction(
        app,
        token,
        json!({ "amount": "12.00", "description": "Refund", "transactionDate": "2026-11-03", "type": "INCOME", "categoryId": monthly[1] }),
    )
    .await;
    create_transaction(
        app,
        token,
        json!({ "amount": "40.00", "description": "Receipt", "transactionDate": "2026-11-05", "type": "EXPENSE",
                "splits": [{ "categoryId": monthly[0], "amount": "25.00" }, { "categoryId": monthly[1], "amount": "15.00" }] }),
    )
    .await;
    create_transaction(
        app,
        token,
        json!({ "amount": "88.00", "description": "Ticket", "transactionDate": "2026-06-01", "type": "EXPENSE", "categoryId": yearly[0] }),
    )
    .await;
    let goals = [
        json!({ "name": "Bike", "targetAmount": "500.00", "initialAmount": "20.00" }),
        json!({ "name": "Trip \"Japan\" 旅", "targetAmount": "300000", "currency": "JPY", "targetDate": "2030-01-01" }),
    ];
    for input in goals {
        let body = app
            .gql(
                "mutation($i: CreateSavingsGoalInput!) { createSavingsGoal(input: $i) { id } }",
                json!({ "i": input }),
                Some(token),
            )
            .await;
        assert!(body["data"]["createSavingsGoal"].is_object(), "{body}");
    }
    monthly.into_iter().chain(yearly).collect()
}

#[tokio::test]
async fn written_answers_are_the_executors() {
    let app = TestApp::spawn().await;
    let plain = app.instance(&[("GRAPHQL_WRITTEN_ANSWERS", "false")]).await;
    let user = app.register_and_login().await;
    let categories = household(&app, &user).await;
    // Someone else's budgets must appear in neither answer.
    let other = app.register_and_login().await;
    let theirs = household(&app, &other).await;

    let cursor = first_end_cursor(&plain, &user, "budgets").await;
    let goal_cursor = first_end_cursor(&plain, &user, "savingsGoals").await;

    let mut documents: Vec<(String, Value)> = vec![
        (DASHBOARD.into(), json!({})),
        (EVERYTHING.into(), json!({})),
        (FRAGMENTS.into(), json!({})),
        (VARIABLES.into(), json!({ "n": 5 })),
        (VARIABLES.into(), json!({ "n": null, "first": 1 })),
        (
            "query($after: String) { budgets(first: 1, after: $after) { pageInfo { hasPreviousPage hasNextPage } nodes { name categories { name transactions(first: 2) { totalCount nodes { id } } } } } }".into(),
            json!({ "after": cursor }),
        ),
        ("{ budgets(last: 1) { pageInfo { hasPreviousPage hasNextPage startCursor } nodes { name } } }".into(), json!({})),
        ("{ budgets(period: YEARLY) { totalCount nodes { name categories { transactions(first: 1) { totalCount nodes { amount currency } } } } } }".into(), json!({})),
        ("{ budgets(activeOn: \"2026-11-15\") { nodes { name } } }".into(), json!({})),
        ("{ budgets(activeOn: \"2030-01-01\") { totalCount nodes { id categories { id } } } }".into(), json!({})),
        ("{ budgets { totalCount nodes { id } } }".into(), json!({})),
        // A field error beside a written answer: the body takes the error path, the written
        // JSON goes through it unchanged.
        (MIXED.into(), json!({ "c": categories[0] })),
        ("{ budgets { nodes { name categories { name icon } } } }".into(), json!({})),
        ("{ budgets(first: 1) { pageInfo { hasNextPage endCursor } nodes { categories { name transactions(first: 30) { pageInfo { hasNextPage } nodes { id } } } } } }".into(), json!({})),
        ("{ budgets { nodes { categories { transactions(first: 0) { totalCount pageInfo { hasNextPage startCursor } nodes { id } } } } } }".into(), json!({})),
        (GOALS.into(), json!({})),
        ("{ savingsGoals(first: 1) { pageInfo { hasNextPage endCursor } nodes { name } } }".into(), json!({})),
        (
            "query($after: String) { savingsGoals(first: 1, after: $after) { pageInfo { hasNextPage } nodes { name targetDate } } }".into(),
            json!({ "after": goal_cursor }),
        ),
        ("{ savingsGoals(status: PAUSED) { totalCount nodes { id } } }".into(), json!({})),
        ("{ savingsGoals(status: ACTIVE) { totalCount goals: nodes { ...G } } } fragment G on SavingsGoal { key: id status }".into(), json!({})),
    ];
    documents.extend(LEFT_TO_THE_EXECUTOR.map(|q| (q.to_owned(), json!({}))));

    for (query, variables) in &documents {
        let written = answer(&app, &user, query, variables.clone()).await;
        let resolved = answer(&plain, &user, query, variables.clone()).await;
        let parsed = |text: &str| serde_json::from_str::<Value>(text).expect("json");
        assert_eq!(parsed(&written), parsed(&resolved), "{query}\n{written}\n{resolved}");
        for id in &theirs {
            assert!(!written.contains(id.as_str()), "another user's category in {written}");
        }
    }

    let mixed = answer(&app, &user, MIXED, json!({ "c": categories[0] })).await;
    let mixed: Value = serde_json::from_str(&mixed).expect("json");
    assert_eq!(mixed["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{mixed}");
    assert_eq!(
        mixed["data"]["budgets"]["nodes"].as_array().map(Vec::len),
        Some(2),
        "{mixed}"
    );

    // Keys in the document's order, `totalCount` included.
    let everything = answer(&app, &user, EVERYTHING, json!({})).await;
    let ordered = r#"{"data":{"budgets":{"__typename":"BudgetConnection","totalCount":2,"pageInfo":{"__typename":"PageInfo","hasNextPage":false,"hasPreviousPage":false,"startCursor":"#;
    assert!(everything.starts_with(ordered), "{everything}");
    let node = r#""edges":[{"__typename":"BudgetEdge","cursor":"#;
    assert!(everything.contains(node), "{everything}");
    assert!(
        everything.contains(r#"","node":{"__typename":"Budget","id":"#),
        "{everything}"
    );

    let goals = answer(&app, &user, GOALS, json!({})).await;
    let ordered = r#"{"data":{"savingsGoals":{"__typename":"SavingsGoalConnection","totalCount":2,"pageInfo":{"hasNextPage":false,"#;
    assert!(goals.starts_with(ordered), "{goals}");

    // The comparisons were of real data: the dashboard holds every budget, category and
    // page, figured here from what was created.
    let dashboard: Value = serde_json::from_str(&answer(&app, &user, DASHBOARD, json!({})).await).expect("json");
    let budgets = dashboard["data"]["budgets"]["nodes"].as_array().expect("budgets");
    assert_eq!(budgets.len(), 2, "{dashboard}");
    let goals = dashboard["data"]["savingsGoals"]["nodes"].as_array().expect("goals");
    let goal_names: Vec<&str> = goals.iter().map(|g| g["name"].as_str().expect("name")).collect();
    assert_eq!(goal_names, ["Trip \"Japan\" 旅", "Bike"], "newest first: {dashboard}");
    assert_eq!(goals[0]["targetAmount"], "300000");
    assert_eq!(goals[1]["currentAmount"], "20.00");
    let listed: Vec<&str> = budgets
        .iter()
        .flat_map(|b| b["categories"].as_array().expect("categories"))
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed.len(), categories.len());
    let page_of = |id: &str| -> Vec<Value> {
        budgets
            .iter()
            .flat_map(|b| b["categories"].as_array().expect("categories"))
            .find(|c| c["id"] == id)
            .and_then(|c| c["transactions"]["nodes"].as_array().cloned())
            .expect("category")
    };
    // Food: 23 expenses and a split line, a page of 20; Household: the refund and the other line.
    assert_eq!(page_of(&categories[0]).len(), 20);
    assert_eq!(page_of(&categories[1]).len(), 2);
    assert_eq!(page_of(&categories[2]).len(), 0);
    assert_eq!(page_of(&categories[3]).len(), 1);
    let dates: Vec<String> = page_of(&categories[0])
        .iter()
        .map(|t| t["transactionDate"].as_str().expect("date").to_owned())
        .collect();
    let mut newest_first = dates.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, newest_first);
}

#[tokio::test]
async fn the_dashboard_is_written_with_one_statement_fewer() {
    let app = TestApp::spawn().await;
    let plain = app.instance(&[("GRAPHQL_WRITTEN_ANSWERS", "false")]).await;
    let user = app.register_and_login().await;
    household(&app, &user).await;

    // Categories and their transactions come in one statement instead of two.
    let written = statements(&app, &user, DASHBOARD).await;
    let resolved = statements(&plain, &user, DASHBOARD).await;
    assert_eq!(written + 1, resolved, "written {written}, resolved {resolved}");
    // A computed field leaves the whole list to the executor.
    let computed = "{ budgets { nodes { spent categories { transactions { nodes { id } } } } } }";
    assert_eq!(
        statements(&app, &user, computed).await,
        statements(&plain, &user, computed).await
    );
}

/// The statements `query` runs on `app`, after checking it answers without errors.
async fn statements(app: &TestApp, user: &TestUser, query: &str) -> u64 {
    let (body, n) = app
        .statements_during(app.gql(query, json!({}), Some(&user.access_token)))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    n
}
