//! Achievements: which events unlock which badge, exactly once per user (also under
//! concurrency), the rules with thresholds (100 transactions, 1,000 saved, a month under
//! budget), and the `achievements` list.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures_util::future::join_all;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use smartsave::foundation::entities::{
    budget_categories, budgets,
    budgets::BudgetPeriod,
    transactions,
    transactions::{Cleared, TransactionType},
};
use uuid::Uuid;

use crate::helpers::{TestApp, create_budget, create_transaction, error_code};

const ACHIEVEMENTS: &str = "{ achievements { id type title description points unlockedAt metadata } }";
const CREATE_GOAL: &str =
    "mutation($input: CreateSavingsGoalInput!) { createSavingsGoal(input: $input) { id status } }";
const CONTRIBUTE: &str =
    "mutation($input: ContributeInput!) { contributeToGoal(input: $input) { id currentAmount status } }";
const CREATE_TRANSACTION: &str =
    "mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }";

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Today (UTC) shifted by `offset` days.
fn day(offset: i64) -> NaiveDate {
    today() + Duration::days(offset)
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The caller's achievements as JSON objects, in the order the API lists them.
async fn achievements(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.gql(ACHIEVEMENTS, json!({}), Some(token)).await;
    body["data"]["achievements"]
        .as_array()
        .unwrap_or_else(|| panic!("no achievements in {body}"))
        .clone()
}

/// The caller's achievement types, in the order the API lists them.
async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    achievements(app, token)
        .await
        .iter()
        .map(|a| a["type"].as_str().expect("type").to_owned())
        .collect()
}

/// The caller's achievement types, sorted (for several unlocked by one event).
async fn sorted_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let mut kinds = kinds(app, token).await;
    kinds.sort();
    kinds
}

/// The achievement of `kind`, which must be unlocked.
async fn achievement(app: &TestApp, token: &str, kind: &str) -> Value {
    achievements(app, token)
        .await
        .into_iter()
        .find(|a| a["type"] == kind)
        .unwrap_or_else(|| panic!("{kind} is not unlocked"))
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a DateTime string"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// Rows of `kind` in the achievements table, across all users.
async fn rows_of(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM achievements WHERE type = '{kind}'"))
        .await
}

/// (user, type) pairs that occur more than once in the achievements table.
async fn duplicated_kinds(app: &TestApp) -> i64 {
    app.count(
        "SELECT COUNT(*) FROM (SELECT user_id, type FROM achievements GROUP BY user_id, type HAVING COUNT(*) > 1) d",
    )
    .await
}

fn monthly_budget_input(name: &str) -> Value {
    json!({
        "name": name, "amount": "500.00", "period": "MONTHLY",
        "startDate": iso(day(-5)), "endDate": iso(day(25)),
        "categories": [{ "name": "Food", "amount": "300.00" }, { "name": "Fun", "amount": "200.00" }]
    })
}

fn expense(amount: &str) -> Value {
    json!({ "amount": amount, "description": "Coffee", "transactionDate": iso(today()), "type": "EXPENSE" })
}

async fn create_goal(app: &TestApp, token: &str, input: Value) -> String {
    let body = app.gql(CREATE_GOAL, json!({ "input": input }), Some(token)).await;
    body["data"]["createSavingsGoal"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createSavingsGoal failed: {body}"))
        .to_owned()
}

async fn contribute(app: &TestApp, token: &str, goal_id: &str, amount: &str) -> Value {
    let body = app
        .gql(
            CONTRIBUTE,
            json!({ "input": { "goalId": goal_id, "amount": amount } }),
            Some(token),
        )
        .await;
    assert!(
        body["data"]["contributeToGoal"].is_object(),
        "contributeToGoal failed: {body}"
    );
    body["data"]["contributeToGoal"].clone()
}

/// Inserts a budget with `categories` (name, amount in minor units) directly, without an
/// event; returns the category ids in order.
async fn insert_budget(
    app: &TestApp,
    user_id: Uuid,
    period: BudgetPeriod,
    start: NaiveDate,
    end: NaiveDate,
    categories: &[(&str, i64)],
) -> Vec<Uuid> {
    let now = Utc::now();
    let budget = budgets::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        name: Set("Past month".into()),
        amount: Set(categories.iter().map(|(_, amount)| amount).sum()),
        period: Set(period),
        start_date: Set(start),
        end_date: Set(end),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("budget");
    let mut ids = Vec::new();
    for (name, amount) in categories {
        let category = budget_categories::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            currency: Set("USD".into()),
            budget_id: Set(budget.id),
            name: Set((*name).into()),
            amount: Set(*amount),
            color: Set(None),
            icon: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&app.db)
        .await
        .expect("category");
        ids.push(category.id);
    }
    ids
}

fn transaction_row(
    user_id: Uuid,
    category: Option<Uuid>,
    amount: i64,
    date: NaiveDate,
    kind: TransactionType,
) -> transactions::ActiveModel {
    let now = Utc::now();
    transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        account_id: sea_orm::ActiveValue::NotSet,
        cleared: Set(Cleared::Uncleared),
        payee: Set(None),
        transfer_id: Set(None),
        has_splits: Set(false),
        budget_category_id: Set(category),
        amount: Set(amount),
        description: Set("Inserted".into()),
        transaction_date: Set(date),
        kind: Set(kind),
        search_text: sea_orm::ActiveValue::NotSet,
        import_batch_id: sea_orm::ActiveValue::NotSet,
        matched_batch_id: sea_orm::ActiveValue::NotSet,
        import_id: sea_orm::ActiveValue::NotSet,
        edited_fields: sea_orm::ActiveValue::NotSet,
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Inserts transactions directly, without an event.
async fn insert_transactions(app: &TestApp, mut rows: Vec<transactions::ActiveModel>) {
    for row in &mut rows {
        let user_id = row.user_id.clone().unwrap();
        row.account_id = Set(app.default_account(user_id).await);
    }
    transactions::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .expect("insert transactions");
}

fn user_uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).expect("user id is a UUID")
}

// ---------- single events ----------

#[tokio::test]
async fn a_new_user_has_no_achievements() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app.gql(ACHIEVEMENTS, json!({}), Some(&user.access_token)).await;
    assert_eq!(body["data"]["achievements"], json!([]), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements").await, 0);
}

#[tokio::test]
async fn creating_a_budget_unlocks_first_budget() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let before = Utc::now();
    create_budget(&app, &user.access_token, monthly_budget_input("Groceries")).await;
    let after = Utc::now();

    let list = achievements(&app, &user.access_token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let badge = &list[0];
    assert_eq!(badge["type"], "FIRST_BUDGET");
    assert_eq!(badge["title"], "Planner");
    assert_eq!(badge["description"], "Created your first budget.");
    assert_eq!(badge["points"], 10);
    assert_eq!(
        badge["metadata"],
        json!({ "metric": "budgets", "threshold": 1, "value": 1 })
    );
    assert!(Uuid::parse_str(badge["id"].as_str().expect("id")).is_ok());
    let unlocked = instant(&badge["unlockedAt"]);
    assert!(
        unlocked >= before - Duration::seconds(1) && unlocked <= after + Duration::seconds(1),
        "unlockedAt {unlocked} not within the request ({before} .. {after})"
    );
}

#[tokio::test]
async fn creating_a_transaction_unlocks_first_transaction() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    create_transaction(&app, &user.access_token, expense("4.50")).await;
    let list = achievements(&app, &user.access_token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["type"], "FIRST_TRANSACTION");
    assert_eq!(list[0]["points"], 10);
    assert_eq!(
        list[0]["metadata"],
        json!({ "metric": "transactions", "threshold": 1, "value": 1 })
    );
}

#[tokio::test]
async fn creating_a_goal_unlocks_first_goal_and_contributing_unlocks_first_contribution() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(&app, token, json!({ "name": "Bike", "targetAmount": "500.00" })).await;
    assert_eq!(kinds(&app, token).await, ["FIRST_GOAL"]);
    let first_goal = achievement(&app, token, "FIRST_GOAL").await;
    assert_eq!(first_goal["points"], 10);
    assert_eq!(
        first_goal["metadata"],
        json!({ "metric": "goals", "threshold": 1, "value": 1 })
    );

    contribute(&app, token, &goal, "25.00").await;
    assert_eq!(kinds(&app, token).await, ["FIRST_GOAL", "FIRST_CONTRIBUTION"]);
    let first_contribution = achievement(&app, token, "FIRST_CONTRIBUTION").await;
    assert_eq!(first_contribution["points"], 10);
    assert_eq!(
        first_contribution["metadata"],
        json!({ "metric": "contributions", "threshold": 1, "value": 1 })
    );
}

#[tokio::test]
async fn an_initial_amount_counts_as_the_first_contribution() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_goal(
        &app,
        token,
        json!({ "name": "Bike", "targetAmount": "500.00", "initialAmount": "20.00" }),
    )
    .await;
    assert_eq!(sorted_kinds(&app, token).await, ["FIRST_CONTRIBUTION", "FIRST_GOAL"]);
}

#[tokio::test]
async fn reaching_a_goal_target_unlocks_goal_completed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let goal = create_goal(
        &app,
        token,
        json!({ "name": "Phone", "targetAmount": "300.00", "initialAmount": "100.00" }),
    )
    .await;
    contribute(&app, token, &goal, "199.99").await;
    assert!(!kinds(&app, token).await.contains(&"GOAL_COMPLETED".to_owned()));

    let done = contribute(&app, token, &goal, "0.01").await;
    assert_eq!(done["status"], "COMPLETED");
    let badge = achievement(&app, token, "GOAL_COMPLETED").await;
    assert_eq!(badge["title"], "Goal getter");
    assert_eq!(badge["points"], 50);
    assert_eq!(
        badge["metadata"],
        json!({ "metric": "goalsCompleted", "threshold": 1, "value": 1 })
    );

    // Withdrawing afterwards does not take the badge away.
    let back = contribute(&app, token, &goal, "-50.00").await;
    assert_eq!(back["status"], "ACTIVE");
    assert_eq!(achievement(&app, token, "GOAL_COMPLETED").await["id"], badge["id"]);
}

#[tokio::test]
async fn a_goal_created_at_its_target_unlocks_goal_completed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_goal(
        &app,
        token,
        json!({ "name": "Done", "targetAmount": "10.00", "initialAmount": "10.00" }),
    )
    .await;
    assert_eq!(
        sorted_kinds(&app, token).await,
        ["FIRST_CONTRIBUTION", "FIRST_GOAL", "GOAL_COMPLETED"]
    );
}

#[tokio::test]
async fn three_goals_unlock_three_goals() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_goal(&app, token, json!({ "name": "One", "targetAmount": "100.00" })).await;
    create_goal(&app, token, json!({ "name": "Two", "targetAmount": "100.00" })).await;
    assert_eq!(kinds(&app, token).await, ["FIRST_GOAL"]);
    create_goal(&app, token, json!({ "name": "Three", "targetAmount": "100.00" })).await;
    assert_eq!(kinds(&app, token).await, ["FIRST_GOAL", "THREE_GOALS"]);
    let badge = achievement(&app, token, "THREE_GOALS").await;
    assert_eq!(badge["title"], "Ambitious");
    assert_eq!(badge["points"], 15);
    assert_eq!(
        badge["metadata"],
        json!({ "metric": "goals", "threshold": 3, "value": 3 })
    );
}

#[tokio::test]
async fn saving_1000_across_goals_unlocks_saved_1000() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_goal(
        &app,
        token,
        json!({ "name": "Car", "targetAmount": "5000.00", "initialAmount": "600.00" }),
    )
    .await;
    let second = create_goal(
        &app,
        token,
        json!({ "name": "Trip", "targetAmount": "2000.00", "initialAmount": "399.99" }),
    )
    .await;
    assert!(!kinds(&app, token).await.contains(&"SAVED_1000".to_owned()));

    contribute(&app, token, &second, "0.01").await;
    let badge = achievement(&app, token, "SAVED_1000").await;
    assert_eq!(badge["title"], "Four figures");
    assert_eq!(badge["points"], 30);
    assert_eq!(
        badge["metadata"],
        json!({ "metric": "totalSavedMinor", "threshold": 100_000, "value": 100_000 })
    );
}

// ---------- exactly once ----------

#[tokio::test]
async fn a_second_budget_does_not_unlock_first_budget_again() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_budget(&app, token, monthly_budget_input("First")).await;
    let first = achievement(&app, token, "FIRST_BUDGET").await;
    create_budget(&app, token, monthly_budget_input("Second")).await;

    let list = achievements(&app, token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    // The badge is the original one: same id, time and metadata.
    assert_eq!(list[0], first);
    assert_eq!(rows_of(&app, "FIRST_BUDGET").await, 1);
    assert_eq!(duplicated_kinds(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_events_never_unlock_a_badge_twice() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let requests = (0..10).map(|i| {
        app.post_graphql(
            json!({ "query": CREATE_TRANSACTION, "variables": { "input": expense(&format!("{}.00", i + 1)) } }),
            Some(token),
        )
    });
    for response in join_all(requests).await {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON body");
        assert!(body.get("errors").is_none(), "createTransaction failed: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 10);
    assert_eq!(rows_of(&app, "FIRST_TRANSACTION").await, 1);
    assert_eq!(duplicated_kinds(&app).await, 0);
    assert_eq!(kinds(&app, token).await, ["FIRST_TRANSACTION"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_goal_events_never_unlock_a_badge_twice() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    // Each of these unlocks FIRST_GOAL and FIRST_CONTRIBUTION; the later ones THREE_GOALS.
    let requests = (0..8).map(|i| {
        app.post_graphql(
            json!({ "query": CREATE_GOAL, "variables": { "input": { "name": format!("Goal {i}"), "targetAmount": "100.00", "initialAmount": "1.00" } } }),
            Some(token),
        )
    });
    for response in join_all(requests).await {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON body");
        assert!(body.get("errors").is_none(), "createSavingsGoal failed: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM savings_goals").await, 8);
    assert_eq!(duplicated_kinds(&app).await, 0);
    assert_eq!(
        sorted_kinds(&app, token).await,
        ["FIRST_CONTRIBUTION", "FIRST_GOAL", "THREE_GOALS"]
    );
}

// ---------- thresholds on the user's data ----------

#[tokio::test]
async fn the_hundredth_transaction_unlocks_transactions_100() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let user_id = user_uuid(&user.id);
    let rows = (0..98)
        .map(|i| transaction_row(user_id, None, 100 + i, day(-i), TransactionType::Expense))
        .collect();
    insert_transactions(&app, rows).await;
    // Rows inserted behind the API's back are no event.
    assert_eq!(kinds(&app, token).await, Vec::<String>::new());

    create_transaction(&app, token, expense("1.00")).await; // the 99th
    assert_eq!(kinds(&app, token).await, ["FIRST_TRANSACTION"]);
    assert_eq!(
        achievement(&app, token, "FIRST_TRANSACTION").await["metadata"],
        json!({ "metric": "transactions", "threshold": 1, "value": 99 })
    );

    create_transaction(&app, token, expense("1.00")).await; // the 100th
    assert_eq!(kinds(&app, token).await, ["FIRST_TRANSACTION", "TRANSACTIONS_100"]);
    let badge = achievement(&app, token, "TRANSACTIONS_100").await;
    assert_eq!(badge["title"], "Bookkeeper");
    assert_eq!(badge["points"], 25);
    assert_eq!(
        badge["metadata"],
        json!({ "metric": "transactions", "threshold": 100, "value": 100 })
    );
}

#[tokio::test]
async fn another_users_transactions_do_not_count_toward_transactions_100() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let rows = (0..150)
        .map(|i| transaction_row(user_uuid(&other.id), None, 100 + i, today(), TransactionType::Expense))
        .collect();
    insert_transactions(&app, rows).await;
    create_transaction(&app, &user.access_token, expense("1.00")).await;
    assert_eq!(kinds(&app, &user.access_token).await, ["FIRST_TRANSACTION"]);
}

#[tokio::test]
async fn a_finished_monthly_budget_with_every_category_under_its_amount_unlocks_month_under_budget() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let user_id = user_uuid(&user.id);
    let (start, end) = (day(-40), day(-10));
    let categories = insert_budget(
        &app,
        user_id,
        BudgetPeriod::Monthly,
        start,
        end,
        &[("Food", 10_000), ("Fun", 5_000)],
    )
    .await;
    let (food, fun) = (categories[0], categories[1]);
    insert_transactions(
        &app,
        vec![
            // Food: 99.99 of 100.00 within the budget's dates.
            transaction_row(user_id, Some(food), 6_000, start, TransactionType::Expense),
            transaction_row(user_id, Some(food), 3_999, end, TransactionType::Expense),
            // Fun: 49.99 of 50.00.
            transaction_row(user_id, Some(fun), 4_999, day(-20), TransactionType::Expense),
            // None of these count: outside the dates, or income.
            transaction_row(
                user_id,
                Some(food),
                50_000,
                start - Duration::days(1),
                TransactionType::Expense,
            ),
            transaction_row(
                user_id,
                Some(fun),
                50_000,
                end + Duration::days(1),
                TransactionType::Expense,
            ),
            transaction_row(user_id, Some(fun), 50_000, day(-20), TransactionType::Income),
        ],
    )
    .await;
    assert_eq!(kinds(&app, token).await, Vec::<String>::new());

    // The next event evaluates the rules.
    create_transaction(&app, token, expense("1.00")).await;
    assert_eq!(
        sorted_kinds(&app, token).await,
        ["FIRST_BUDGET", "FIRST_TRANSACTION", "MONTH_UNDER_BUDGET"]
    );
    let badge = achievement(&app, token, "MONTH_UNDER_BUDGET").await;
    assert_eq!(badge["title"], "Under budget");
    assert_eq!(badge["points"], 40);
    assert_eq!(
        badge["metadata"],
        json!({ "metric": "monthsUnderBudget", "threshold": 1, "value": 1 })
    );
}

#[tokio::test]
async fn a_category_that_reached_its_amount_keeps_month_under_budget_locked() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let user_id = user_uuid(&user.id);
    let (start, end) = (day(-40), day(-10));
    let categories = insert_budget(
        &app,
        user_id,
        BudgetPeriod::Monthly,
        start,
        end,
        &[("Food", 10_000), ("Fun", 5_000)],
    )
    .await;
    let (food, fun) = (categories[0], categories[1]);
    insert_transactions(
        &app,
        vec![
            // Food stays under: 10.00 of 100.00.
            transaction_row(user_id, Some(food), 1_000, day(-30), TransactionType::Expense),
            // Fun reaches its 50.00 exactly.
            transaction_row(user_id, Some(fun), 3_000, day(-30), TransactionType::Expense),
            transaction_row(user_id, Some(fun), 2_000, day(-25), TransactionType::Expense),
        ],
    )
    .await;
    create_transaction(&app, token, expense("1.00")).await;
    assert_eq!(sorted_kinds(&app, token).await, ["FIRST_BUDGET", "FIRST_TRANSACTION"]);
    assert_eq!(rows_of(&app, "MONTH_UNDER_BUDGET").await, 0);
}

#[tokio::test]
async fn only_finished_monthly_budgets_count_toward_month_under_budget() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let user_id = user_uuid(&user.id);
    // Ends today: not finished yet.
    insert_budget(
        &app,
        user_id,
        BudgetPeriod::Monthly,
        day(-30),
        day(0),
        &[("Food", 10_000)],
    )
    .await;
    // Finished and under, but weekly and yearly.
    insert_budget(
        &app,
        user_id,
        BudgetPeriod::Weekly,
        day(-20),
        day(-14),
        &[("Food", 10_000)],
    )
    .await;
    insert_budget(
        &app,
        user_id,
        BudgetPeriod::Yearly,
        day(-400),
        day(-35),
        &[("Food", 10_000)],
    )
    .await;
    create_transaction(&app, token, expense("1.00")).await;
    assert!(
        !kinds(&app, token).await.contains(&"MONTH_UNDER_BUDGET".to_owned()),
        "{:?}",
        kinds(&app, token).await
    );

    // A finished monthly one unlocks it at the next event.
    insert_budget(
        &app,
        user_id,
        BudgetPeriod::Monthly,
        day(-31),
        day(-1),
        &[("Food", 10_000)],
    )
    .await;
    create_transaction(&app, token, expense("1.00")).await;
    assert!(kinds(&app, token).await.contains(&"MONTH_UNDER_BUDGET".to_owned()));
}

// ---------- the list ----------

#[tokio::test]
async fn achievements_are_listed_in_unlock_order_and_only_to_their_owner() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let token = &user.access_token;

    create_budget(&app, token, monthly_budget_input("Groceries")).await;
    create_transaction(&app, token, expense("3.20")).await;
    // The other user unlocks something in between.
    create_transaction(&app, &other.access_token, expense("1.00")).await;
    let goal = create_goal(&app, token, json!({ "name": "Bike", "targetAmount": "100.00" })).await;
    contribute(&app, token, &goal, "100.00").await;

    let list = achievements(&app, token).await;
    let kinds: Vec<_> = list.iter().map(|a| a["type"].as_str().expect("type")).collect();
    assert_eq!(
        kinds,
        [
            "FIRST_BUDGET",
            "FIRST_TRANSACTION",
            "FIRST_GOAL",
            "FIRST_CONTRIBUTION",
            "GOAL_COMPLETED"
        ]
    );
    let points: Vec<_> = list.iter().map(|a| a["points"].as_i64().expect("points")).collect();
    assert_eq!(points, [10, 10, 10, 10, 50]);
    let descriptions: Vec<_> = list
        .iter()
        .map(|a| a["description"].as_str().expect("description"))
        .collect();
    assert_eq!(
        descriptions,
        [
            "Created your first budget.",
            "Recorded your first transaction.",
            "Set your first savings goal.",
            "Put money toward a goal.",
            "Reached a savings goal."
        ]
    );
    let times: Vec<_> = list.iter().map(|a| instant(&a["unlockedAt"])).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "unlockedAt out of order: {times:?}"
    );
    // Separate events unlock at separate instants.
    assert!(times[0] < times[1] && times[1] < times[2], "{times:?}");

    let theirs = achievements(&app, &other.access_token).await;
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(theirs[0]["type"], "FIRST_TRANSACTION");
    assert!(list.iter().all(|a| a["id"] != theirs[0]["id"]));
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements").await, 6);
}

#[tokio::test]
async fn achievements_require_authentication() {
    let app = TestApp::spawn().await;
    let body = app.gql(ACHIEVEMENTS, json!({}), None).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

#[tokio::test]
async fn a_user_with_every_badge_is_spared_the_statistics_statement() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    create_transaction(&app, token, expense("1.00")).await;
    let (_, with_badges_to_earn) = app
        .statements_during(create_transaction(&app, token, expense("2.00")))
        .await;
    // Every other badge, as if earned.
    let owned = kinds(&app, token).await;
    for badge in smartsave::achievements::rules::BADGES {
        if owned.iter().any(|kind| kind == badge.kind) {
            continue;
        }
        smartsave::foundation::entities::achievements::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_uuid(&user.id)),
            kind: Set(badge.kind.to_owned()),
            title: Set(badge.title.to_owned()),
            description: Set(Some(badge.description.to_owned())),
            points: Set(badge.points),
            unlocked_at: Set(Utc::now()),
            metadata: Set(json!({})),
        }
        .insert(&app.db)
        .await
        .expect("insert a badge");
    }
    let (_, with_every_badge) = app
        .statements_during(create_transaction(&app, token, expense("3.00")))
        .await;
    assert_eq!(
        with_every_badge + 1,
        with_badges_to_earn,
        "nothing left to earn: the statistics statement is skipped"
    );
    assert_eq!(
        kinds(&app, token).await.len(),
        smartsave::achievements::rules::BADGES.len()
    );
}
