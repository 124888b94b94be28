//! Budgets and their categories: creation, validation, spending and status, updates,
//! deletion, the budgets connection and single lookups.

use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_code, error_fields};

const BUDGET: &str = "query($id: ID!) { budget(id: $id) { id name amount period startDate endDate spent remaining percentUsed status categories { id name amount color icon spent remaining percentUsed } } }";
const CREATE: &str = "mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id name amount period startDate endDate spent remaining percentUsed status categories { id name amount color icon spent remaining percentUsed } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateBudgetInput!) { updateBudget(id: $id, input: $input) { id name amount period startDate endDate } }";
const DELETE: &str = "mutation($id: ID!) { deleteBudget(id: $id) }";
const ADD_CATEGORY: &str = "mutation($budgetId: ID!, $input: BudgetCategoryInput!) { addBudgetCategory(budgetId: $budgetId, input: $input) { id name amount color icon budget { id } } }";
const UPDATE_CATEGORY: &str = "mutation($id: ID!, $input: UpdateBudgetCategoryInput!) { updateBudgetCategory(id: $id, input: $input) { id name amount color icon } }";
const DELETE_CATEGORY: &str = "mutation($id: ID!) { deleteBudgetCategory(id: $id) }";
const LIST: &str = "query($first: Int, $after: String, $last: Int, $before: String, $activeOn: Date, $period: BudgetPeriod) { budgets(first: $first, after: $after, last: $last, before: $before, activeOn: $activeOn, period: $period) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } nodes { id name } } }";

/// A November 2026 budget of 1000.00: Food 400.00 and Rent 600.00.
fn november(name: &str) -> Value {
    json!({
        "name": name, "amount": "1000.00", "period": "MONTHLY",
        "startDate": "2026-11-01", "endDate": "2026-11-30",
        "categories": [{ "name": "Food", "amount": "400.00" }, { "name": "Rent", "amount": "600.00" }]
    })
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {value}"))
}

/// Cents as the API prints money: always two decimals, "-0.01" for minus one cent.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// spent / amount in percent, rounded half up to two decimals, from integer cents.
fn percent(spent: i64, amount: i64) -> f64 {
    let hundredths = (spent * 10_000 * 2 + amount) / (2 * amount);
    hundredths as f64 / 100.0
}

async fn spend(app: &TestApp, user: &TestUser, cents: i64, date: &str, kind: &str, category: Option<&str>) -> String {
    create_transaction(
        app,
        &user.access_token,
        json!({ "amount": money(cents), "description": "Spending", "transactionDate": date, "type": kind, "categoryId": category }),
    )
    .await
}

async fn budget(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let body = app.gql(BUDGET, json!({ "id": id }), Some(&user.access_token)).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["budget"].clone()
}

async fn list(app: &TestApp, user: &TestUser, variables: Value) -> Value {
    let body = app.gql(LIST, variables, Some(&user.access_token)).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["budgets"].clone()
}

fn names(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| str_of(n, "name").to_owned())
        .collect()
}

async fn budget_rows(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM budgets").await,
        app.count("SELECT COUNT(*) FROM budget_categories").await,
    )
}

#[tokio::test]
async fn creating_a_budget_returns_its_categories_oldest_first_with_nothing_spent() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let input = json!({
        "name": "  November  ", "amount": "1000.5", "period": "MONTHLY",
        "startDate": "2026-11-01", "endDate": "2026-11-30",
        "categories": [
            { "name": "Rent", "amount": "600" },
            { "name": "Food", "amount": "300.25", "color": "#ff8800", "icon": "cart" },
            { "name": "Bills", "amount": 100.25 }
        ]
    });
    let body = app
        .gql(CREATE, json!({ "input": input }), Some(&user.access_token))
        .await;
    let created = &body["data"]["createBudget"];
    assert!(created.is_object(), "{body}");
    assert_eq!(created["name"], "November");
    assert_eq!(created["amount"], "1000.50");
    assert_eq!(created["period"], "MONTHLY");
    assert_eq!(created["startDate"], "2026-11-01");
    assert_eq!(created["endDate"], "2026-11-30");
    assert_eq!(created["spent"], "0.00");
    assert_eq!(created["remaining"], "1000.50");
    assert_eq!(created["percentUsed"].as_f64(), Some(0.0));
    assert_eq!(created["status"], "ON_TRACK");
    let categories = created["categories"].as_array().expect("categories");
    let summary: Vec<Value> = categories
        .iter()
        .map(|c| {
            json!([
                c["name"],
                c["amount"],
                c["color"],
                c["icon"],
                c["spent"],
                c["remaining"],
                c["percentUsed"].as_f64()
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!(["Rent", "600.00", null, null, "0.00", "600.00", 0.0]),
            json!(["Food", "300.25", "#FF8800", "cart", "0.00", "300.25", 0.0]),
            json!(["Bills", "100.25", null, null, "0.00", "100.25", 0.0]),
        ]
    );

    // Read back: the same categories in the same (creation) order.
    let id = str_of(created, "id");
    let read = budget(&app, &user, id).await;
    assert_eq!(read["categories"], created["categories"]);
    assert_eq!(budget_rows(&app).await, (1, 3));
}

#[tokio::test]
async fn a_failing_category_insert_leaves_no_budget_behind() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // Make the database itself reject one category, after the budget row went in.
    let sql = match app.db.get_database_backend() {
        DbBackend::Postgres => "ALTER TABLE budget_categories ADD CONSTRAINT reject_boom CHECK (name <> 'Boom')",
        _ => {
            "CREATE TRIGGER reject_boom BEFORE INSERT ON budget_categories WHEN NEW.name = 'Boom' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END"
        }
    };
    app.db.execute_unprepared(sql).await.expect("install the failure");
    let mut input = november("Doomed");
    input["categories"][1]["name"] = json!("Boom");
    let body = app
        .gql(CREATE, json!({ "input": input }), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&body), "INTERNAL_SERVER_ERROR", "{body}");
    assert_eq!(
        budget_rows(&app).await,
        (0, 0),
        "budget and categories are all or nothing"
    );
}

#[tokio::test]
async fn each_budget_rule_is_enforced_with_the_field_named_and_nothing_written() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let with = |path: &[&str], value: Value| {
        let mut input = november("November");
        let mut slot = &mut input;
        for key in path {
            slot = match key.parse::<usize>() {
                Ok(i) => &mut slot[i],
                Err(_) => &mut slot[*key],
            };
        }
        *slot = value;
        input
    };
    let cases = [
        (with(&["name"], json!("")), "input.name"),
        (with(&["name"], json!("   ")), "input.name"),
        (with(&["name"], json!("x".repeat(101))), "input.name"),
        (with(&["amount"], json!("0")), "input.amount"),
        (with(&["amount"], json!("-5.00")), "input.amount"),
        (with(&["endDate"], json!("2026-10-31")), "input.endDate"),
        (with(&["categories"], json!([])), "input.categories"),
        (
            with(&["categories", "0", "color"], json!("red")),
            "input.categories.0.color",
        ),
        (
            with(&["categories", "1", "amount"], json!(0)),
            "input.categories.1.amount",
        ),
        (with(&["categories", "1", "name"], json!("")), "input.categories.1.name"),
    ];
    for (input, field) in cases {
        let body = app
            .gql(CREATE, json!({ "input": input }), Some(&user.access_token))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(error_fields(&body), [field], "{body}");
        assert_eq!(budget_rows(&app).await, (0, 0), "{field}");
    }

    // More than two decimals is rejected by the Decimal scalar, not rounded.
    let body = app
        .gql(
            CREATE,
            json!({ "input": with(&["amount"], json!("0.001")) }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.amount"], "{body}");
    assert_eq!(budget_rows(&app).await, (0, 0));

    // Just inside the limits is fine: a 100-character name and a one-day range.
    let mut input = with(&["name"], json!("x".repeat(100)));
    input["endDate"] = input["startDate"].clone();
    create_budget(&app, &user.access_token, input).await;
    assert_eq!(budget_rows(&app).await, (1, 2));
}

#[tokio::test]
async fn only_expenses_in_its_categories_within_the_range_count_as_spent() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let created = create_budget(&app, &user.access_token, november("November")).await;
    let food = str_of(&created["categories"][0], "id");
    let rent = str_of(&created["categories"][1], "id");
    assert_eq!(created["categories"][0]["name"], "Food");

    // Counted: Food expenses on the first and last day, and a Rent expense.
    spend(&app, &user, 12025, "2026-11-01", "EXPENSE", Some(food)).await;
    spend(&app, &user, 7975, "2026-11-30", "EXPENSE", Some(food)).await;
    spend(&app, &user, 15000, "2026-11-10", "EXPENSE", Some(rent)).await;
    // Not counted: outside the range, income, uncategorized.
    spend(&app, &user, 5000, "2026-10-31", "EXPENSE", Some(food)).await;
    spend(&app, &user, 6000, "2026-12-01", "EXPENSE", Some(food)).await;
    spend(&app, &user, 50000, "2026-11-15", "INCOME", Some(food)).await;
    spend(&app, &user, 7000, "2026-11-15", "EXPENSE", None).await;
    // Another user's spending in another budget does not leak in.
    let other = app.register_and_login().await;
    let theirs = create_budget(&app, &other.access_token, november("Theirs")).await;
    spend(
        &app,
        &other,
        9900,
        "2026-11-15",
        "EXPENSE",
        Some(str_of(&theirs["categories"][0], "id")),
    )
    .await;

    let (food_spent, rent_spent) = (12025 + 7975, 15000);
    let total = food_spent + rent_spent;
    let read = budget(&app, &user, str_of(&created, "id")).await;
    assert_eq!(read["spent"], money(total));
    assert_eq!(read["remaining"], money(100000 - total));
    assert_eq!(read["percentUsed"].as_f64(), Some(percent(total, 100000)));
    assert_eq!(read["status"], "ON_TRACK");
    let categories: Vec<Value> = read["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| json!([c["name"], c["spent"], c["remaining"], c["percentUsed"].as_f64()]))
        .collect();
    assert_eq!(
        categories,
        vec![
            json!([
                "Food",
                money(food_spent),
                money(40000 - food_spent),
                percent(food_spent, 40000)
            ]),
            json!([
                "Rent",
                money(rent_spent),
                money(60000 - rent_spent),
                percent(rent_spent, 60000)
            ]),
        ]
    );
    // Spelled out once, so a shared mistake in the helpers cannot hide.
    assert_eq!(read["spent"], "350.00");
    assert_eq!(read["categories"][0]["remaining"], "200.00");
    assert_eq!(read["categories"][0]["percentUsed"].as_f64(), Some(50.0));
}

#[tokio::test]
async fn status_turns_warning_at_exactly_80_percent_and_over_only_above_100() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let created = create_budget(
        &app,
        &user.access_token,
        json!({
            "name": "Tight", "amount": "1000.00", "period": "MONTHLY",
            "startDate": "2026-11-01", "endDate": "2026-11-30",
            "categories": [{ "name": "All", "amount": "1000.00" }]
        }),
    )
    .await;
    let id = str_of(&created, "id");
    let category = str_of(&created["categories"][0], "id");
    let amount = 100000;
    // Each step adds an expense; the running total is what the budget must report.
    let steps = [
        (79990, "ON_TRACK"), // 79.99 %
        (10, "WARNING"),     // exactly 80 %
        (19999, "WARNING"),  // 99.999 %
        (1, "WARNING"),      // exactly 100 %
        (1, "OVER"),         // 100.001 %
    ];
    let mut spent = 0;
    for (cents, status) in steps {
        spend(&app, &user, cents, "2026-11-15", "EXPENSE", Some(category)).await;
        spent += cents;
        let read = budget(&app, &user, id).await;
        assert_eq!(read["status"], status, "at {} spent: {read}", money(spent));
        assert_eq!(read["spent"], money(spent));
        assert_eq!(read["remaining"], money(amount - spent));
        assert_eq!(read["percentUsed"].as_f64(), Some(percent(spent, amount)), "{read}");
        let cat = &read["categories"][0];
        assert_eq!(cat["spent"], money(spent));
        assert_eq!(cat["remaining"], money(amount - spent));
        assert_eq!(cat["percentUsed"].as_f64(), Some(percent(spent, amount)));
    }
    let read = budget(&app, &user, id).await;
    assert_eq!(read["remaining"], "-0.01");
    assert_eq!(read["categories"][0]["remaining"], "-0.01");
    assert_eq!(read["percentUsed"].as_f64(), Some(100.0));
}

#[tokio::test]
async fn updating_a_budget_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let created = create_budget(&app, &user.access_token, november("November")).await;
    let id = str_of(&created, "id");
    let update = |input: Value| app.gql(UPDATE, json!({ "id": id, "input": input }), Some(&user.access_token));

    let body = update(json!({ "name": " Groceries " })).await;
    assert_eq!(
        body["data"]["updateBudget"],
        json!({ "id": id, "name": "Groceries", "amount": "1000.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30" }),
        "{body}"
    );
    let body = update(json!({ "amount": "1200.5", "period": "YEARLY", "endDate": "2026-12-31" })).await;
    assert_eq!(
        body["data"]["updateBudget"],
        json!({ "id": id, "name": "Groceries", "amount": "1200.50", "period": "YEARLY", "startDate": "2026-11-01", "endDate": "2026-12-31" }),
        "{body}"
    );
    let before = budget(&app, &user, id).await;
    assert_eq!(
        before["categories"].as_array().map(Vec::len),
        Some(2),
        "categories untouched"
    );

    // A change that would put the end before the start is rejected whole.
    for (input, field) in [
        (json!({ "endDate": "2026-10-31", "name": "Changed" }), "input.endDate"),
        (json!({ "startDate": "2027-01-01", "amount": "5.00" }), "input.endDate"),
        (json!({ "amount": "0" }), "input.amount"),
        (json!({ "name": "" }), "input.name"),
    ] {
        let body = update(input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), [field], "{body}");
        assert_eq!(
            budget(&app, &user, id).await,
            before,
            "a rejected update changes nothing"
        );
    }

    // Both dates moved together are fine.
    let body = update(json!({ "startDate": "2027-01-01", "endDate": "2027-01-31" })).await;
    assert_eq!(body["data"]["updateBudget"]["startDate"], "2027-01-01", "{body}");
    assert_eq!(body["data"]["updateBudget"]["endDate"], "2027-01-31");

    let body = app
        .gql(
            UPDATE,
            json!({ "id": Uuid::now_v7().to_string(), "input": { "name": "Nobody" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn deleting_a_budget_removes_its_categories_but_keeps_their_transactions_uncategorized() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let doomed = create_budget(&app, &user.access_token, november("Doomed")).await;
    let kept = create_budget(&app, &user.access_token, november("Kept")).await;
    let mut moved = Vec::new();
    for category in doomed["categories"].as_array().expect("categories") {
        moved.push(spend(&app, &user, 1000, "2026-11-05", "EXPENSE", Some(str_of(category, "id"))).await);
    }
    let kept_category = str_of(&kept["categories"][0], "id");
    spend(&app, &user, 1000, "2026-11-05", "EXPENSE", Some(kept_category)).await;
    assert_eq!(budget_rows(&app).await, (2, 4));

    let id = str_of(&doomed, "id");
    let body = app.gql(DELETE, json!({ "id": id }), Some(&user.access_token)).await;
    assert_eq!(body["data"]["deleteBudget"], id, "{body}");
    assert_eq!(budget_rows(&app).await, (1, 2), "its two categories went with it");
    let kept_id: Uuid = str_of(&kept, "id").parse().expect("uuid");
    assert_eq!(
        app.count_by_uuid("SELECT COUNT(*) FROM budget_categories WHERE budget_id = ", kept_id)
            .await,
        2
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE budget_category_id IS NULL")
            .await,
        2
    );
    for transaction in &moved {
        let body = app
            .gql(
                "query($id: ID!) { transaction(id: $id) { id category { id } } }",
                json!({ "id": transaction }),
                Some(&user.access_token),
            )
            .await;
        assert_eq!(
            body["data"]["transaction"],
            json!({ "id": transaction, "category": null }),
            "{body}"
        );
    }
    assert!(budget(&app, &user, id).await.is_null());
    assert_eq!(budget(&app, &user, str_of(&kept, "id")).await["spent"], "10.00");

    let again = app.gql(DELETE, json!({ "id": id }), Some(&user.access_token)).await;
    assert_eq!(error_code(&again), "NOT_FOUND", "{again}");
    assert_eq!(budget_rows(&app).await, (1, 2));
}

#[tokio::test]
async fn categories_can_be_added_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let created = create_budget(&app, &user.access_token, november("November")).await;
    let budget_id = str_of(&created, "id");

    // Add: validated like at creation, appended last.
    let body = app
        .gql(
            ADD_CATEGORY,
            json!({ "budgetId": budget_id, "input": { "name": "Fun", "amount": "50", "color": "red" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.color"]);
    assert_eq!(budget_rows(&app).await, (1, 2));
    let body = app
        .gql(
            ADD_CATEGORY,
            json!({ "budgetId": Uuid::now_v7().to_string(), "input": { "name": "Fun", "amount": "50" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .gql(
            ADD_CATEGORY,
            json!({ "budgetId": budget_id, "input": { "name": " Fun ", "amount": "50", "color": "#00ff00", "icon": "star" } }),
            Some(&user.access_token),
        )
        .await;
    let fun = &body["data"]["addBudgetCategory"];
    assert_eq!(fun["name"], "Fun", "{body}");
    assert_eq!(fun["amount"], "50.00");
    assert_eq!(fun["color"], "#00FF00");
    assert_eq!(fun["icon"], "star");
    assert_eq!(fun["budget"]["id"], budget_id);
    let fun_id = str_of(fun, "id").to_owned();
    let order: Vec<Value> = budget(&app, &user, budget_id).await["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(order, [json!("Food"), json!("Rent"), json!("Fun")]);

    // Update: only the given fields; colors are upper-cased; null clears.
    let update = |input: Value| {
        app.gql(
            UPDATE_CATEGORY,
            json!({ "id": fun_id, "input": input }),
            Some(&user.access_token),
        )
    };
    let body = update(json!({ "name": "Leisure", "amount": "75.5" })).await;
    assert_eq!(
        body["data"]["updateBudgetCategory"],
        json!({ "id": fun_id, "name": "Leisure", "amount": "75.50", "color": "#00FF00", "icon": "star" }),
        "{body}"
    );
    let body = update(json!({ "color": "#a1b2c3" })).await;
    assert_eq!(body["data"]["updateBudgetCategory"]["color"], "#A1B2C3", "{body}");
    assert_eq!(body["data"]["updateBudgetCategory"]["icon"], "star");
    let body = update(json!({ "color": null })).await;
    assert_eq!(
        body["data"]["updateBudgetCategory"],
        json!({ "id": fun_id, "name": "Leisure", "amount": "75.50", "color": null, "icon": "star" }),
        "{body}"
    );
    for (input, field) in [
        (json!({ "color": "red" }), "input.color"),
        (json!({ "amount": "0" }), "input.amount"),
        (json!({ "name": "" }), "input.name"),
    ] {
        let body = update(input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), [field], "{body}");
    }
    let body = app
        .gql(
            "query($id: ID!) { budgetCategory(id: $id) { name amount color icon } }",
            json!({ "id": fun_id }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["budgetCategory"],
        json!({ "name": "Leisure", "amount": "75.50", "color": null, "icon": "star" })
    );

    // Delete: its transactions become uncategorized and stop counting as spent.
    let transaction = spend(&app, &user, 2000, "2026-11-02", "EXPENSE", Some(&fun_id)).await;
    assert_eq!(budget(&app, &user, budget_id).await["spent"], "20.00");
    let body = app
        .gql(DELETE_CATEGORY, json!({ "id": fun_id }), Some(&user.access_token))
        .await;
    assert_eq!(body["data"]["deleteBudgetCategory"], fun_id.as_str(), "{body}");
    let body = app
        .gql(
            "query($id: ID!, $c: ID!) { transaction(id: $id) { id category { id } } budgetCategory(id: $c) { id } }",
            json!({ "id": transaction, "c": fun_id }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "transaction": { "id": transaction, "category": null }, "budgetCategory": null }),
        "{body}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE budget_category_id IS NULL")
            .await,
        1
    );
    assert_eq!(budget(&app, &user, budget_id).await["spent"], "0.00");
    assert_eq!(budget_rows(&app).await, (1, 2));
    let again = app
        .gql(DELETE_CATEGORY, json!({ "id": fun_id }), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND", "{again}");
}

/// Creates budgets named `names` in order (so the last is the newest).
async fn budgets_named(app: &TestApp, user: &TestUser, names: &[&str]) {
    for name in names {
        create_budget(app, &user.access_token, november(name)).await;
    }
}

#[tokio::test]
async fn budgets_page_forward_newest_first() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    budgets_named(&app, &user, &["B0", "B1", "B2", "B3", "B4"]).await;

    let page = list(&app, &user, json!({ "first": 2 })).await;
    assert_eq!(names(&page), ["B4", "B3"]);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(page["pageInfo"]["endCursor"], page["edges"][1]["cursor"]);
    assert_eq!(page["pageInfo"]["startCursor"], page["edges"][0]["cursor"]);

    let page = list(
        &app,
        &user,
        json!({ "first": 2, "after": page["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&page), ["B2", "B1"]);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);

    let page = list(
        &app,
        &user,
        json!({ "first": 2, "after": page["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&page), ["B0"]);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);

    // Without first, everything (under the default page size) comes back.
    let page = list(&app, &user, json!({})).await;
    assert_eq!(names(&page), ["B4", "B3", "B2", "B1", "B0"]);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn budgets_page_backward_with_last_and_before() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    budgets_named(&app, &user, &["B0", "B1", "B2", "B3", "B4"]).await;

    let page = list(&app, &user, json!({ "last": 2 })).await;
    assert_eq!(names(&page), ["B1", "B0"]);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);

    let page = list(
        &app,
        &user,
        json!({ "last": 2, "before": page["pageInfo"]["startCursor"] }),
    )
    .await;
    assert_eq!(names(&page), ["B3", "B2"]);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);

    let page = list(
        &app,
        &user,
        json!({ "last": 2, "before": page["pageInfo"]["startCursor"] }),
    )
    .await;
    assert_eq!(names(&page), ["B4"]);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn budget_cursors_stay_valid_when_a_budget_is_created_between_pages() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    budgets_named(&app, &user, &["B0", "B1", "B2", "B3", "B4"]).await;

    let mut seen = Vec::new();
    let page = list(&app, &user, json!({ "first": 2 })).await;
    seen.extend(names(&page));
    budgets_named(&app, &user, &["NEW"]).await;
    let mut cursor = page["pageInfo"]["endCursor"].clone();
    loop {
        let page = list(&app, &user, json!({ "first": 2, "after": cursor })).await;
        seen.extend(names(&page));
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"], 6);
            break;
        }
        cursor = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["B4", "B3", "B2", "B1", "B0"], "no duplicates, nothing skipped");
}

#[tokio::test]
async fn budget_page_arguments_are_validated() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    budgets_named(&app, &user, &["B0"]).await;
    let transaction_cursor = "dHJhbnNhY3Rpb25zOmRhdGV8MjAyNi0xMS0yMXwwMTkzMDAwMDAwMDA3MDAwODAwMDAwMDAwMDAwMDAwMA";
    for (variables, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 101 }), "last"),
        (json!({ "last": -1 }), "last"),
        (json!({ "first": 2, "after": "garbage" }), "after"),
        (json!({ "last": 2, "before": "garbage" }), "before"),
        // A well-formed cursor of another list.
        (json!({ "first": 2, "after": transaction_cursor }), "after"),
    ] {
        let body = app.gql(LIST, variables.clone(), Some(&user.access_token)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body}");
        assert_eq!(error_fields(&body), [field], "{variables}: {body}");
    }
    let page = list(&app, &user, json!({ "first": 100 })).await;
    assert_eq!(names(&page), ["B0"]);
}

#[tokio::test]
async fn budgets_filter_by_active_day_and_period() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    for (name, period, start, end) in [
        ("October", "MONTHLY", "2026-10-01", "2026-10-31"),
        ("November", "MONTHLY", "2026-11-01", "2026-11-30"),
        ("Year", "YEARLY", "2026-01-01", "2026-12-31"),
        ("Week", "WEEKLY", "2026-11-10", "2026-11-16"),
    ] {
        let mut input = november(name);
        input["period"] = json!(period);
        input["startDate"] = json!(start);
        input["endDate"] = json!(end);
        create_budget(&app, &user.access_token, input).await;
    }
    for (variables, expected) in [
        (json!({ "activeOn": "2026-11-12" }), vec!["Week", "Year", "November"]),
        (json!({ "activeOn": "2026-11-30" }), vec!["Year", "November"]),
        (json!({ "activeOn": "2026-10-01" }), vec!["Year", "October"]),
        (json!({ "activeOn": "2026-11-16" }), vec!["Week", "Year", "November"]),
        (json!({ "activeOn": "2026-11-17" }), vec!["Year", "November"]),
        (json!({ "activeOn": "2027-01-01" }), vec![]),
        (json!({ "period": "MONTHLY" }), vec!["November", "October"]),
        (json!({ "period": "WEEKLY" }), vec!["Week"]),
        (
            json!({ "activeOn": "2026-11-12", "period": "MONTHLY" }),
            vec!["November"],
        ),
        (json!({}), vec!["Week", "Year", "November", "October"]),
    ] {
        let page = list(&app, &user, variables.clone()).await;
        assert_eq!(names(&page), expected, "{variables}");
        assert_eq!(page["totalCount"], expected.len(), "{variables}");
    }
}

#[tokio::test]
async fn budgets_come_twenty_to_a_page_by_default() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let all: Vec<String> = (0..21).map(|i| format!("B{i:02}")).collect();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    budgets_named(&app, &user, &refs).await;
    let page = list(&app, &user, json!({})).await;
    let newest_first: Vec<String> = all.iter().rev().take(20).cloned().collect();
    assert_eq!(names(&page), newest_first);
    assert_eq!(page["totalCount"], 21);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let rest = list(&app, &user, json!({ "after": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(names(&rest), ["B00"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn a_budget_and_a_category_are_found_by_id_and_anything_else_is_null() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let created = create_budget(&app, &user.access_token, november("November")).await;
    let id = str_of(&created, "id");
    let food = str_of(&created["categories"][0], "id");
    let query = "query($b: ID!, $c: ID!) { budget(id: $b) { id name } budgetCategory(id: $c) { id name amount budget { id name } } }";

    let body = app
        .gql(query, json!({ "b": id, "c": food }), Some(&user.access_token))
        .await;
    assert_eq!(
        body,
        json!({ "data": {
            "budget": { "id": id, "name": "November" },
            "budgetCategory": { "id": food, "name": "Food", "amount": "400.00", "budget": { "id": id, "name": "November" } }
        } })
    );

    let random = Uuid::now_v7().to_string();
    for unknown in [random.as_str(), "not-a-uuid"] {
        let body = app
            .gql(query, json!({ "b": unknown, "c": unknown }), Some(&user.access_token))
            .await;
        assert_eq!(
            body,
            json!({ "data": { "budget": null, "budgetCategory": null } }),
            "{unknown}"
        );
    }
    // Ids are not interchangeable between the two kinds.
    let body = app
        .gql(query, json!({ "b": food, "c": id }), Some(&user.access_token))
        .await;
    assert_eq!(body, json!({ "data": { "budget": null, "budgetCategory": null } }));
}
