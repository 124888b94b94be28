//! Transactions: recording, validation, updates and deletion, every filter, orderings with
//! their cursors, and a category's nested transactions.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_code, error_fields};

const FIELDS: &str = "id amount description transactionDate type category { id name }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateTransactionInput!) { updateTransaction(id: $id, input: $input) { id amount description transactionDate type category { id name } } }";
const LIST: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: TransactionFilter, $orderBy: TransactionOrder) { transactions(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id description } } }";

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {value}"))
}

/// A November 2026 budget of 1000.00 with a 500.00 category per name, in order.
async fn budget_with(app: &TestApp, user: &TestUser, name: &str, categories: &[&str]) -> Value {
    let categories: Vec<Value> = categories
        .iter()
        .map(|c| json!({ "name": c, "amount": "500.00" }))
        .collect();
    create_budget(
        app,
        &user.access_token,
        json!({
            "name": name, "amount": "1000.00", "period": "MONTHLY",
            "startDate": "2026-11-01", "endDate": "2026-11-30", "categories": categories
        }),
    )
    .await
}

fn category_id(budget: &Value, index: usize) -> &str {
    str_of(&budget["categories"][index], "id")
}

async fn record(
    app: &TestApp,
    user: &TestUser,
    amount: &str,
    description: &str,
    date: &str,
    kind: &str,
    category: Option<&str>,
) -> String {
    create_transaction(
        app,
        &user.access_token,
        json!({ "amount": amount, "description": description, "transactionDate": date, "type": kind, "categoryId": category }),
    )
    .await
}

async fn transaction(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let body = app
        .gql(
            &format!("query($id: ID!) {{ transaction(id: $id) {{ {FIELDS} }} }}"),
            json!({ "id": id }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["transaction"].clone()
}

async fn list(app: &TestApp, user: &TestUser, variables: Value) -> Value {
    let body = app.gql(LIST, variables.clone(), Some(&user.access_token)).await;
    assert!(body["errors"].is_null(), "{variables}: {body}");
    body["data"]["transactions"].clone()
}

/// The descriptions of every transaction matching `filter`, sorted; checks totalCount agrees.
async fn matching(app: &TestApp, user: &TestUser, filter: Value) -> Vec<String> {
    let page = list(app, user, json!({ "first": 100, "filter": filter })).await;
    let mut descriptions: Vec<String> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| str_of(n, "description").to_owned())
        .collect();
    assert_eq!(page["totalCount"], descriptions.len(), "totalCount for {filter}");
    descriptions.sort();
    descriptions
}

#[tokio::test]
async fn recording_a_transaction_returns_it_normalised() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let budget = budget_with(&app, &user, "November", &["Food"]).await;
    let food = category_id(&budget, 0);
    let body = app
        .gql(
            &format!("mutation($input: CreateTransactionInput!) {{ createTransaction(input: $input) {{ {FIELDS} }} }}"),
            json!({ "input": { "amount": "12.5", "description": "  Coffee beans  ", "transactionDate": "2026-11-21", "type": "EXPENSE", "categoryId": food } }),
            Some(&user.access_token),
        )
        .await;
    let created = &body["data"]["createTransaction"];
    let id = str_of(created, "id");
    assert_eq!(
        created,
        &json!({
            "id": id, "amount": "12.50", "description": "Coffee beans", "transactionDate": "2026-11-21",
            "type": "EXPENSE", "category": { "id": food, "name": "Food" }
        }),
        "{body}"
    );
    assert_eq!(&transaction(&app, &user, id).await, created);

    // A JSON number works too; no category is null.
    let id = create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": 2500, "description": "Salary", "transactionDate": "2026-11-25", "type": "INCOME" }),
    )
    .await;
    let read = transaction(&app, &user, &id).await;
    assert_eq!(read["amount"], "2500.00");
    assert_eq!(read["type"], "INCOME");
    assert_eq!(read["category"], Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 2);
}

#[tokio::test]
async fn each_transaction_rule_is_enforced_with_the_field_named_and_nothing_written() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let theirs = budget_with(&app, &other, "Theirs", &["Food"]).await;
    let valid =
        json!({ "amount": "12.50", "description": "Lunch", "transactionDate": "2026-11-21", "type": "EXPENSE" });
    let with = |key: &str, value: Value| {
        let mut input = valid.clone();
        input[key] = value;
        input
    };
    for (input, field) in [
        (with("amount", json!("0")), "input.amount"),
        (with("amount", json!("-3.00")), "input.amount"),
        (with("amount", json!("1.001")), "input.amount"),
        (with("description", json!("")), "input.description"),
        (with("description", json!("   ")), "input.description"),
        (with("description", json!("x".repeat(501))), "input.description"),
        (
            with("categoryId", json!(Uuid::now_v7().to_string())),
            "input.categoryId",
        ),
        (with("categoryId", json!("not-a-uuid")), "input.categoryId"),
        // Another user's category is as unknown as a made-up one.
        (with("categoryId", json!(category_id(&theirs, 0))), "input.categoryId"),
    ] {
        let body = app
            .gql(
                "mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }",
                json!({ "input": input }),
                Some(&user.access_token),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(error_fields(&body), [field], "{body}");
        assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0, "{field}");
    }
}

#[tokio::test]
async fn updating_a_transaction_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let budget = budget_with(&app, &user, "November", &["Food", "Fun"]).await;
    let (food, fun) = (category_id(&budget, 0), category_id(&budget, 1));
    let id = record(&app, &user, "12.50", "Lunch", "2026-11-21", "EXPENSE", Some(food)).await;
    let update = |input: Value| app.gql(UPDATE, json!({ "id": id, "input": input }), Some(&user.access_token));
    let expect = |amount: &str, description: &str, date: &str, kind: &str, category: Value| json!({ "id": id, "amount": amount, "description": description, "transactionDate": date, "type": kind, "category": category });

    let body = update(json!({ "amount": "13" })).await;
    assert_eq!(
        body["data"]["updateTransaction"],
        expect(
            "13.00",
            "Lunch",
            "2026-11-21",
            "EXPENSE",
            json!({ "id": food, "name": "Food" })
        ),
        "{body}"
    );
    let body = update(
        json!({ "description": " Dinner ", "transactionDate": "2026-11-22", "type": "INCOME", "categoryId": fun }),
    )
    .await;
    assert_eq!(
        body["data"]["updateTransaction"],
        expect(
            "13.00",
            "Dinner",
            "2026-11-22",
            "INCOME",
            json!({ "id": fun, "name": "Fun" })
        ),
        "{body}"
    );
    let body = update(json!({ "clearCategory": false })).await;
    assert_eq!(body["data"]["updateTransaction"]["category"]["id"], fun, "{body}");

    // Rejected updates change nothing.
    let before = transaction(&app, &user, &id).await;
    for (input, field) in [
        (
            json!({ "categoryId": food, "clearCategory": true }),
            "input.clearCategory",
        ),
        (
            json!({ "categoryId": Uuid::now_v7().to_string(), "amount": "1.00" }),
            "input.categoryId",
        ),
        (json!({ "amount": "0", "description": "Changed" }), "input.amount"),
        (json!({ "description": "" }), "input.description"),
    ] {
        let body = update(input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), [field], "{body}");
        assert_eq!(transaction(&app, &user, &id).await, before);
    }

    let body = update(json!({ "clearCategory": true })).await;
    assert_eq!(
        body["data"]["updateTransaction"],
        expect("13.00", "Dinner", "2026-11-22", "INCOME", Value::Null),
        "{body}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE budget_category_id IS NULL")
            .await,
        1
    );

    let body = app
        .gql(
            "mutation($id: ID!, $input: UpdateTransactionInput!) { updateTransaction(id: $id, input: $input) { id } }",
            json!({ "id": Uuid::now_v7().to_string(), "input": { "amount": "1.00" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn deleting_a_transaction_returns_its_id_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let id = record(&app, &user, "12.50", "Lunch", "2026-11-21", "EXPENSE", None).await;
    let kept = record(&app, &user, "3.00", "Tea", "2026-11-21", "EXPENSE", None).await;
    let delete = "mutation($id: ID!) { deleteTransaction(id: $id) }";
    let body = app.gql(delete, json!({ "id": id }), Some(&user.access_token)).await;
    assert_eq!(body["data"]["deleteTransaction"], id.as_str(), "{body}");
    assert!(transaction(&app, &user, &id).await.is_null());
    assert_eq!(transaction(&app, &user, &kept).await["description"], "Tea");
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 1);
    let again = app.gql(delete, json!({ "id": id }), Some(&user.access_token)).await;
    assert_eq!(error_code(&again), "NOT_FOUND", "{again}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 1);
}

/// Two budgets (A: Food, Rent; B: Fun) and nine transactions that each filter can tell apart.
/// Returns (budget A, budget B).
async fn filter_dataset(app: &TestApp, user: &TestUser) -> (Value, Value) {
    let a = budget_with(app, user, "A", &["Food", "Rent"]).await;
    let b = budget_with(app, user, "B", &["Fun"]).await;
    let (food, rent, fun) = (category_id(&a, 0), category_id(&a, 1), category_id(&b, 0));
    for (amount, description, date, kind, category) in [
        ("25.00", "Grocery Store", "2026-11-01", "EXPENSE", Some(food)),
        ("600.00", "Rent November", "2026-11-03", "EXPENSE", Some(rent)),
        ("3000.00", "Salary", "2026-11-05", "INCOME", None),
        ("15.50", "Cinema", "2026-11-10", "EXPENSE", Some(fun)),
        ("40.00", "50% off shoes", "2026-11-15", "EXPENSE", None),
        ("10.00", "500 off coupon", "2026-11-20", "EXPENSE", None),
        ("60.00", "GROCERY outlet", "2026-11-30", "EXPENSE", Some(food)),
        ("25.00", "snake_case book", "2026-10-31", "EXPENSE", Some(fun)),
        ("12.00", "snakeycase mug", "2026-12-01", "EXPENSE", None),
    ] {
        record(app, user, amount, description, date, kind, category).await;
    }
    (a, b)
}

#[tokio::test]
async fn every_filter_field_narrows_the_list_and_its_total() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (a, b) = filter_dataset(&app, &user).await;
    let (food, fun) = (category_id(&a, 0), category_id(&b, 0));
    // Another user's look-alike never shows up.
    let other = app.register_and_login().await;
    record(
        &app,
        &other,
        "25.00",
        "Grocery Store too",
        "2026-11-01",
        "EXPENSE",
        None,
    )
    .await;

    let all = vec![
        "50% off shoes",
        "500 off coupon",
        "Cinema",
        "GROCERY outlet",
        "Grocery Store",
        "Rent November",
        "Salary",
        "snake_case book",
        "snakeycase mug",
    ];
    let except = |excluded: &[&str]| -> Vec<&str> { all.iter().copied().filter(|d| !excluded.contains(d)).collect() };

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), all.clone()),
        // Dates: inclusive bounds.
        (json!({ "from": "2026-11-01" }), except(&["snake_case book"])),
        (json!({ "to": "2026-11-30" }), except(&["snakeycase mug"])),
        (
            json!({ "from": "2026-11-01", "to": "2026-11-30" }),
            except(&["snake_case book", "snakeycase mug"]),
        ),
        (
            json!({ "from": "2026-11-30", "to": "2026-11-30" }),
            vec!["GROCERY outlet"],
        ),
        (
            json!({ "from": "2026-11-02", "to": "2026-11-04" }),
            vec!["Rent November"],
        ),
        // Type.
        (json!({ "type": "INCOME" }), vec!["Salary"]),
        (json!({ "type": "EXPENSE" }), except(&["Salary"])),
        // Category and budget.
        (json!({ "categoryId": food }), vec!["GROCERY outlet", "Grocery Store"]),
        (json!({ "categoryId": fun }), vec!["Cinema", "snake_case book"]),
        (json!({ "categoryId": Uuid::now_v7().to_string() }), vec![]),
        (json!({ "categoryId": "not-a-uuid" }), vec![]),
        (
            json!({ "budgetId": str_of(&a, "id") }),
            vec!["GROCERY outlet", "Grocery Store", "Rent November"],
        ),
        (
            json!({ "budgetId": str_of(&b, "id") }),
            vec!["Cinema", "snake_case book"],
        ),
        (json!({ "budgetId": Uuid::now_v7().to_string() }), vec![]),
        // Categorized or not.
        (
            json!({ "uncategorized": true }),
            vec!["50% off shoes", "500 off coupon", "Salary", "snakeycase mug"],
        ),
        (
            json!({ "uncategorized": false }),
            vec![
                "Cinema",
                "GROCERY outlet",
                "Grocery Store",
                "Rent November",
                "snake_case book",
            ],
        ),
        // Search: case-insensitive substring, with % and _ taken literally.
        (json!({ "search": "grocery" }), vec!["GROCERY outlet", "Grocery Store"]),
        (json!({ "search": "GROCERY" }), vec!["GROCERY outlet", "Grocery Store"]),
        (json!({ "search": "  rOcEr " }), vec!["GROCERY outlet", "Grocery Store"]),
        (json!({ "search": "50%" }), vec!["50% off shoes"]),
        (json!({ "search": "%" }), vec!["50% off shoes"]),
        (json!({ "search": "snake_case" }), vec!["snake_case book"]),
        (json!({ "search": "_" }), vec!["snake_case book"]),
        (json!({ "search": "nothing like it" }), vec![]),
        // Amounts: inclusive bounds.
        (
            json!({ "minAmount": "25.00" }),
            except(&["Cinema", "500 off coupon", "snakeycase mug"]),
        ),
        (
            json!({ "maxAmount": "25" }),
            vec![
                "500 off coupon",
                "Cinema",
                "Grocery Store",
                "snake_case book",
                "snakeycase mug",
            ],
        ),
        (
            json!({ "minAmount": "15.50", "maxAmount": "25.00" }),
            vec!["Cinema", "Grocery Store", "snake_case book"],
        ),
        (json!({ "minAmount": "15.51", "maxAmount": "24.99" }), vec![]),
        // Everything at once combines with AND.
        (
            json!({ "from": "2026-11-01", "to": "2026-11-30", "type": "EXPENSE", "budgetId": str_of(&a, "id"), "uncategorized": false, "search": "grocery", "minAmount": "30" }),
            vec!["GROCERY outlet"],
        ),
    ];
    for (filter, expected) in cases {
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(matching(&app, &user, filter.clone()).await, expected, "filter {filter}");
    }
}

#[tokio::test]
async fn an_inconsistent_filter_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    record(&app, &user, "25.00", "Lunch", "2026-11-01", "EXPENSE", None).await;
    for (filter, field) in [
        (json!({ "from": "2026-11-02", "to": "2026-11-01" }), "filter.to"),
        (json!({ "minAmount": "10.00", "maxAmount": "9.99" }), "filter.maxAmount"),
    ] {
        let body = app
            .gql(LIST, json!({ "filter": filter.clone() }), Some(&user.access_token))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{filter}: {body}");
        assert_eq!(error_fields(&body), [field], "{body}");
    }
}

#[tokio::test]
async fn search_is_case_insensitive_beyond_ascii() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    record(&app, &user, "4.20", "CAFÉ MÜLLER", "2026-11-01", "EXPENSE", None).await;
    let plain = record(&app, &user, "4.20", "Cafe Muller", "2026-11-01", "EXPENSE", None).await;
    // The description is folded in Rust (SQLite's LOWER() would fold ASCII only), so both
    // backends match alike.
    assert_eq!(
        matching(&app, &user, json!({ "search": "café" })).await,
        ["CAFÉ MÜLLER"]
    );
    assert_eq!(
        matching(&app, &user, json!({ "search": "Müller" })).await,
        ["CAFÉ MÜLLER"]
    );

    // Changing the description refreshes what search sees.
    let body = app
        .gql(
            "mutation($id: ID!) { updateTransaction(id: $id, input: { description: \"Bäckerei Ölz\" }) { id } }",
            json!({ "id": plain }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");
    assert_eq!(
        matching(&app, &user, json!({ "search": "BÄCKEREI öl" })).await,
        ["Bäckerei Ölz"]
    );
    assert_eq!(
        matching(&app, &user, json!({ "search": "muller" })).await,
        Vec::<String>::new()
    );
}

/// Six transactions with ties in amount and in date, created in order a..f.
async fn ordering_dataset(app: &TestApp, user: &TestUser) -> Vec<String> {
    let mut created = Vec::new();
    for (name, amount, date) in [
        ("a", "10.00", "2026-11-05"),
        ("b", "20.00", "2026-11-03"),
        ("c", "10.00", "2026-11-07"),
        ("d", "30.00", "2026-11-03"),
        ("e", "20.00", "2026-11-01"),
        ("f", "10.00", "2026-11-05"),
    ] {
        created.push(record(app, user, amount, name, date, "EXPENSE", None).await);
    }
    created
}

fn descriptions(connection: &Value) -> String {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| str_of(n, "description"))
        .collect()
}

#[tokio::test]
async fn transactions_are_ordered_by_the_chosen_key_with_ties_broken_by_id() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let ids = ordering_dataset(&app, &user).await;
    // Ids are time-ordered, so creation order is id order; ties follow the sort direction.
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ids, "ids grow with creation");

    let order = |field: &str, direction: &str| json!({ "field": field, "direction": direction });
    for (order_by, expected) in [
        (Value::Null, "cfadbe"),
        (order("TRANSACTION_DATE", "DESC"), "cfadbe"),
        (order("TRANSACTION_DATE", "ASC"), "ebdafc"),
        (order("AMOUNT", "ASC"), "acfbed"),
        (order("AMOUNT", "DESC"), "debfca"),
        (order("CREATED_AT", "ASC"), "abcdef"),
        (order("CREATED_AT", "DESC"), "fedcba"),
    ] {
        let page = list(&app, &user, json!({ "orderBy": order_by.clone() })).await;
        assert_eq!(descriptions(&page), expected, "orderBy {order_by}");
        assert_eq!(page["totalCount"], 6);
    }
}

#[tokio::test]
async fn paging_through_ties_returns_every_transaction_exactly_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    ordering_dataset(&app, &user).await;
    let order = |field: &str, direction: &str| json!({ "field": field, "direction": direction });
    for (order_by, expected_pages) in [
        (order("AMOUNT", "ASC"), vec!["ac", "fb", "ed"]),
        (order("AMOUNT", "DESC"), vec!["de", "bf", "ca"]),
        (order("TRANSACTION_DATE", "DESC"), vec!["cf", "ad", "be"]),
        (order("CREATED_AT", "ASC"), vec!["ab", "cd", "ef"]),
        (order("CREATED_AT", "DESC"), vec!["fe", "dc", "ba"]),
    ] {
        let mut pages = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = list(
                &app,
                &user,
                json!({ "first": 2, "after": after, "orderBy": order_by.clone() }),
            )
            .await;
            pages.push(descriptions(&page));
            assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null(), "{order_by}");
            assert_eq!(page["totalCount"], 6);
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            assert!(pages.len() < 10, "paging does not end: {pages:?}");
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(pages, expected_pages, "orderBy {order_by}");
    }

    // Backward through the same ties.
    let amount_asc = order("AMOUNT", "ASC");
    let page = list(&app, &user, json!({ "last": 2, "orderBy": amount_asc.clone() })).await;
    assert_eq!(descriptions(&page), "ed");
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    let page = list(
        &app,
        &user,
        json!({ "last": 2, "before": page["pageInfo"]["startCursor"], "orderBy": amount_asc.clone() }),
    )
    .await;
    assert_eq!(descriptions(&page), "fb");
    let page = list(
        &app,
        &user,
        json!({ "last": 2, "before": page["pageInfo"]["startCursor"], "orderBy": amount_asc }),
    )
    .await;
    assert_eq!(descriptions(&page), "ac");
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
}

#[tokio::test]
async fn a_cursor_only_works_with_the_ordering_that_made_it() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    ordering_dataset(&app, &user).await;
    let order = |field: &str| json!({ "field": field, "direction": "ASC" });
    let cursor_of = |page: &Value| page["pageInfo"]["endCursor"].clone();
    let by_amount = cursor_of(&list(&app, &user, json!({ "first": 2, "orderBy": order("AMOUNT") })).await);
    let by_date = cursor_of(&list(&app, &user, json!({ "first": 2 })).await);
    let by_created = cursor_of(&list(&app, &user, json!({ "first": 2, "orderBy": order("CREATED_AT") })).await);
    budget_with(&app, &user, "November", &["Food"]).await;
    let budgets = app
        .gql(
            "{ budgets(first: 1) { pageInfo { endCursor } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let by_budget = budgets["data"]["budgets"]["pageInfo"]["endCursor"].clone();
    assert!(by_budget.is_string(), "{budgets}");

    for (cursor, order_by) in [
        (&by_amount, Value::Null),
        (&by_amount, order("TRANSACTION_DATE")),
        (&by_amount, order("CREATED_AT")),
        (&by_date, order("AMOUNT")),
        (&by_created, order("AMOUNT")),
        (&by_created, Value::Null),
        (&by_budget, Value::Null),
    ] {
        let body = app
            .gql(
                LIST,
                json!({ "first": 2, "after": cursor, "orderBy": order_by.clone() }),
                Some(&user.access_token),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{order_by}: {body}");
        assert_eq!(error_fields(&body), ["after"], "{body}");
    }
    for (variables, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 101 }), "last"),
        (json!({ "first": 2, "after": "garbage" }), "after"),
    ] {
        let body = app.gql(LIST, variables.clone(), Some(&user.access_token)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body}");
        assert_eq!(error_fields(&body), [field], "{body}");
    }
}

#[tokio::test]
async fn a_categorys_transactions_page_newest_first_with_its_total() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let budget = budget_with(&app, &user, "November", &["Food", "Rent"]).await;
    let (food, rent) = (category_id(&budget, 0), category_id(&budget, 1));
    // Five in Food, on all sorts of dates (outside the budget's range too), two sharing a day.
    for (description, date) in [
        ("f1", "2026-10-15"),
        ("f2", "2026-11-20"),
        ("f3", "2026-11-05"),
        ("f4", "2026-11-20"),
        ("f5", "2026-12-24"),
    ] {
        record(&app, &user, "10.00", description, date, "EXPENSE", Some(food)).await;
    }
    record(&app, &user, "600.00", "r1", "2026-11-01", "EXPENSE", Some(rent)).await;
    record(&app, &user, "1.00", "loose", "2026-11-21", "EXPENSE", None).await;

    let query = "query($id: ID!, $after: String) { budgetCategory(id: $id) { transactions(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { description } } } }";
    let mut pages = Vec::new();
    let mut after = Value::Null;
    let mut last_cursor: Value;
    loop {
        let body = app
            .gql(query, json!({ "id": food, "after": after }), Some(&user.access_token))
            .await;
        let connection = &body["data"]["budgetCategory"]["transactions"];
        assert!(connection.is_object(), "{body}");
        assert_eq!(connection["totalCount"], 5, "{body}");
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
        pages.push(
            connection["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| str_of(n, "description").to_owned())
                .collect::<Vec<_>>(),
        );
        last_cursor = connection["pageInfo"]["endCursor"].clone();
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        assert!(pages.len() < 10, "paging does not end: {pages:?}");
        after = last_cursor.clone();
    }
    // Newest first; f4 and f2 share a day, the later id first.
    assert_eq!(pages, [vec!["f5", "f4"], vec!["f2", "f3"], vec!["f1"]]);
    // Past the last one: nothing left, but the total still counts them all.
    let body = app
        .gql(
            query,
            json!({ "id": food, "after": last_cursor }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["budgetCategory"]["transactions"],
        json!({ "totalCount": 5, "pageInfo": { "hasNextPage": false, "hasPreviousPage": true, "endCursor": null }, "nodes": [] }),
        "{body}"
    );

    // Through the budget, every category gets its own page and total in one request.
    let body = app
        .gql(
            "query($id: ID!) { budget(id: $id) { categories { name transactions(first: 2) { totalCount pageInfo { hasNextPage } nodes { description } } } } }",
            json!({ "id": str_of(&budget, "id") }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["budget"]["categories"],
        json!([
            { "name": "Food", "transactions": { "totalCount": 5, "pageInfo": { "hasNextPage": true }, "nodes": [{ "description": "f5" }, { "description": "f4" }] } },
            { "name": "Rent", "transactions": { "totalCount": 1, "pageInfo": { "hasNextPage": false }, "nodes": [{ "description": "r1" }] } }
        ]),
        "{body}"
    );

    // The nested list's page size is bounded like any other.
    let body = app
        .gql(
            "query($id: ID!) { budgetCategory(id: $id) { transactions(first: 101) { totalCount } } }",
            json!({ "id": food }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["first"]);
}
