//! The dashboard: the month's overview, budgets, recent transactions, goals and trends
//! (checked against figures computed here from generated data), the default month in the
//! user's time zone, and each insight rule, firing and not firing, with its exact message.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use smartsave::foundation::entities::{
    savings_goals::{self, GoalStatus},
    transactions::{self, Cleared, TransactionType},
};
use uuid::Uuid;

use crate::expected::{Lcg, day, money, ratio, ymd};
use crate::helpers::{PASSWORD, TestApp, create_budget, create_schedule, create_transaction, error_code, error_fields};

const DASHBOARD: &str = "query($month: Date) { dashboard(month: $month) { period { start end } overview { totalIncome totalExpenses net savingsRate totalBudgeted totalSpentInBudgets activeGoals totalSaved achievementPoints } budgets { id } recentTransactions(first: 3) { id } goals { id status } trends(months: 3) { periodStart income expenses net } } }";
const PERIOD: &str = "{ dashboard { period { start end } } }";
const TRENDS: &str =
    "query($month: Date, $months: Int!) { dashboard(month: $month) { trends(months: $months) { periodStart } } }";
const TRENDS_DEFAULT: &str = "query($month: Date) { dashboard(month: $month) { trends { periodStart } } }";
const INSIGHTS: &str =
    "query($month: Date) { dashboard(month: $month) { insights { kind severity amount message category { name } } } }";
const ACHIEVEMENTS: &str = "{ achievements { type points } }";
const CREATE_GOAL: &str =
    "mutation($input: CreateSavingsGoalInput!) { createSavingsGoal(input: $input) { id currentAmount status } }";
const UPDATE_GOAL: &str =
    "mutation($id: ID!, $input: UpdateSavingsGoalInput!) { updateSavingsGoal(id: $id, input: $input) { id status } }";
const GOAL_PROGRESS: &str =
    "query($id: ID!) { savingsGoal(id: $id) { progress { onTrack requiredMonthlyContribution } } }";
const UPDATE_PROFILE: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { financialSettings { savingsGoal } } }";

// ---------- the test's own arithmetic ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Income,
    Expense,
}

/// One generated transaction, as the test knows it.
#[derive(Debug, Clone)]
struct Tx {
    id: Uuid,
    date: NaiveDate,
    cents: i64,
    kind: Kind,
    category: Option<Uuid>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("first of the month")
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let (year, month) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("next month") - Duration::days(1)
}

fn sum(txs: &[&Tx], kind: Kind) -> i64 {
    txs.iter().filter(|t| t.kind == kind).map(|t| t.cents).sum()
}

fn between(txs: &[Tx], from: NaiveDate, to: NaiveDate) -> Vec<&Tx> {
    txs.iter().filter(|t| t.date >= from && t.date <= to).collect()
}

// ---------- setup ----------

/// A registered user: its token and id.
struct Person {
    token: String,
    id: Uuid,
}

/// Registers a user with the given preferences and financial settings (null for defaults).
async fn person(app: &TestApp, preferences: Value, financial_settings: Value) -> Person {
    let email = format!("user-{}@example.com", Uuid::now_v7().simple());
    let body = app
        .gql(
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }",
            json!({ "input": {
                "email": email, "password": PASSWORD, "firstName": "Test", "lastName": "User",
                "preferences": preferences, "financialSettings": financial_settings
            } }),
            None,
        )
        .await;
    let payload = &body["data"]["register"];
    assert!(payload.is_object(), "registration failed: {body}");
    Person {
        token: payload["accessToken"].as_str().expect("access token").to_owned(),
        id: Uuid::parse_str(payload["user"]["id"].as_str().expect("user id")).expect("user id is a UUID"),
    }
}

/// A USD / en / UTC user without a savings goal.
async fn usd(app: &TestApp) -> Person {
    person(app, Value::Null, Value::Null).await
}

fn tx(date: &str, cents: i64, kind: Kind, category: Option<Uuid>) -> Tx {
    Tx {
        id: Uuid::now_v7(),
        date: day(date),
        cents,
        kind,
        category,
    }
}

/// Inserts one row directly (no achievement event).
async fn insert(app: &TestApp, who: &Person, t: &Tx, description: &str) {
    let now = Utc::now();
    let account_id = app.default_account(who.id).await;
    // In the account's currency, as every transaction is.
    let account = smartsave::foundation::entities::accounts::Entity::find_by_id(account_id)
        .one(&app.db)
        .await
        .expect("account query")
        .expect("the default account");
    transactions::ActiveModel {
        id: Set(t.id),
        user_id: Set(who.id),
        currency: Set(account.currency),
        account_id: Set(account_id),
        cleared: Set(Cleared::Uncleared),
        payee: Set(None),
        transfer_id: Set(None),
        has_splits: Set(false),
        budget_category_id: Set(t.category),
        amount: Set(t.cents),
        description: Set(description.to_owned()),
        transaction_date: Set(t.date),
        kind: Set(match t.kind {
            Kind::Income => TransactionType::Income,
            Kind::Expense => TransactionType::Expense,
        }),
        search_text: sea_orm::ActiveValue::NotSet,
        import_batch_id: sea_orm::ActiveValue::NotSet,
        matched_batch_id: sea_orm::ActiveValue::NotSet,
        import_id: sea_orm::ActiveValue::NotSet,
        edited_fields: sea_orm::ActiveValue::NotSet,
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("insert transaction");
}

/// Inserts an expense (or income) directly; `date` is `YYYY-MM-DD`.
async fn spend(app: &TestApp, who: &Person, cents: i64, date: &str, category: Option<Uuid>, description: &str) {
    insert(app, who, &tx(date, cents, Kind::Expense, category), description).await;
}

async fn earn(app: &TestApp, who: &Person, cents: i64, date: &str) {
    insert(app, who, &tx(date, cents, Kind::Income, None), "Pay").await;
}

/// Creates a budget through the API; returns its id and its categories' ids in order.
async fn budget(
    app: &TestApp,
    who: &Person,
    name: &str,
    amount: &str,
    dates: (&str, &str),
    categories: &[(&str, &str)],
) -> (String, Vec<Uuid>) {
    let categories: Vec<Value> = categories
        .iter()
        .map(|(name, amount)| json!({ "name": name, "amount": amount }))
        .collect();
    let created = create_budget(
        app,
        &who.token,
        json!({
            "name": name, "amount": amount, "period": "MONTHLY",
            "startDate": dates.0, "endDate": dates.1, "categories": categories
        }),
    )
    .await;
    let ids = created["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| Uuid::parse_str(c["id"].as_str().expect("category id")).expect("UUID"))
        .collect();
    (created["id"].as_str().expect("budget id").to_owned(), ids)
}

async fn dashboard(app: &TestApp, who: &Person, query: &str, variables: Value) -> Value {
    let body = app.gql(query, variables, Some(&who.token)).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["dashboard"].clone()
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "ALERT" => 0,
        "WARNING" => 1,
        "INFO" => 2,
        other => panic!("unknown severity {other}"),
    }
}

fn insight(kind: &str, severity: &str, amount: &str, category: Option<&str>, message: &str) -> Value {
    json!({
        "kind": kind, "severity": severity, "amount": amount,
        "category": category.map(|name| json!({ "name": name })), "message": message
    })
}

/// The month's insights: asserts they come most severe first and equal `expected` (in any
/// order among the same severity).
async fn assert_insights(app: &TestApp, who: &Person, month: &str, expected: Vec<Value>) {
    let found = dashboard(app, who, INSIGHTS, json!({ "month": month })).await["insights"].clone();
    let mut found: Vec<Value> = found.as_array().expect("insights").clone();
    let ranks: Vec<u8> = found
        .iter()
        .map(|i| severity_rank(i["severity"].as_str().expect("severity")))
        .collect();
    assert!(ranks.is_sorted(), "most severe first: {found:#?}");
    let key = |i: &Value| {
        (
            severity_rank(i["severity"].as_str().expect("severity")),
            i["kind"].to_string(),
            i["message"].to_string(),
        )
    };
    let mut expected = expected;
    found.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(found, expected);
}

// ---------- the month at a glance ----------

#[tokio::test]
async fn the_dashboard_matches_figures_computed_from_the_generated_month() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    let stranger = usd(&app).await;

    // Budgets: two before/after March, three overlapping it (one only on its last day).
    budget(
        &app,
        &me,
        "Before",
        "300.00",
        ("2026-01-01", "2026-02-28"),
        &[("Old", "300.00")],
    )
    .await;
    let (march, march_categories) = budget(
        &app,
        &me,
        "March",
        "1000.00",
        ("2026-03-01", "2026-03-31"),
        &[("Food", "400.00"), ("Rent", "500.00")],
    )
    .await;
    let (quarter, quarter_categories) = budget(
        &app,
        &me,
        "Quarter",
        "800.00",
        ("2026-02-15", "2026-04-15"),
        &[("Fun", "300.00"), ("Travel", "450.00")],
    )
    .await;
    let (edge, edge_categories) = budget(
        &app,
        &me,
        "Edge",
        "200.00",
        ("2026-03-31", "2026-05-31"),
        &[("Gifts", "200.00")],
    )
    .await;
    let (_, later_categories) = budget(
        &app,
        &me,
        "Later",
        "700.00",
        ("2026-04-01", "2026-05-31"),
        &[("Later", "700.00")],
    )
    .await;
    let mut pool: Vec<Option<Uuid>> = march_categories
        .iter()
        .chain(&quarter_categories)
        .chain(&edge_categories)
        .chain(&later_categories)
        .map(|c| Some(*c))
        .collect();
    pool.push(None);
    pool.push(None);

    // February to May (January stays empty), both types, every category and none.
    let mut rng = Lcg(2026);
    let mut txs = Vec::new();
    for _ in 0..70 {
        let date = day("2026-02-01") + Duration::days(rng.below(120) as i64);
        let kind = if rng.below(4) == 0 { Kind::Income } else { Kind::Expense };
        let cents = match kind {
            Kind::Income => 50_000 + rng.below(200_000) as i64,
            Kind::Expense => 1 + rng.below(30_000) as i64,
        };
        let category = pool[rng.below(pool.len() as u64) as usize];
        txs.push(Tx {
            id: Uuid::now_v7(),
            date,
            cents,
            kind,
            category,
        });
    }
    // The newest day holds several rows, so the id breaks the tie.
    for _ in 0..3 {
        txs.push(tx("2026-06-01", 1_000, Kind::Expense, None));
    }
    for t in &txs {
        insert(&app, &me, t, "Generated").await;
    }
    // One through the API (unlocking FIRST_TRANSACTION).
    let id = create_transaction(
        &app,
        &me.token,
        json!({ "amount": "12.34", "description": "Lunch", "transactionDate": "2026-03-15", "type": "EXPENSE", "categoryId": march_categories[0] }),
    )
    .await;
    txs.push(Tx {
        id: Uuid::parse_str(&id).expect("transaction id"),
        ..tx("2026-03-15", 1_234, Kind::Expense, Some(march_categories[0]))
    });

    // Goals: two ACTIVE, one PAUSED, one COMPLETED.
    let goal = |input: Value| {
        let (app, token) = (&app, &me.token);
        async move {
            let body = app.gql(CREATE_GOAL, json!({ "input": input }), Some(token)).await;
            assert!(body["data"]["createSavingsGoal"].is_object(), "{body}");
            body["data"]["createSavingsGoal"]["id"]
                .as_str()
                .expect("goal id")
                .to_owned()
        }
    };
    let car = goal(json!({ "name": "Car", "targetAmount": "10000.00", "initialAmount": "1234.56" })).await;
    let bike = goal(json!({ "name": "Bike", "targetAmount": "500.00", "initialAmount": "100.00" })).await;
    let phone = goal(json!({ "name": "Phone", "targetAmount": "300.00", "initialAmount": "300.00" })).await;
    let trip = goal(json!({ "name": "Trip", "targetAmount": "2000.00" })).await;
    let body = app
        .gql(
            UPDATE_GOAL,
            json!({ "id": bike, "input": { "status": "PAUSED" } }),
            Some(&me.token),
        )
        .await;
    assert_eq!(body["data"]["updateSavingsGoal"]["status"], "PAUSED", "{body}");
    let total_saved = 123_456 + 10_000 + 30_000;

    // Someone else's month is full too, and must not leak in.
    budget(
        &app,
        &stranger,
        "Theirs",
        "9999.00",
        ("2026-03-01", "2026-03-31"),
        &[("Food", "9999.00")],
    )
    .await;
    for d in ["2026-03-01", "2026-03-31", "2026-06-02"] {
        spend(&app, &stranger, 77_700, d, None, "Theirs").await;
        earn(&app, &stranger, 88_800, d).await;
    }
    let body = app
        .gql(
            CREATE_GOAL,
            json!({ "input": { "name": "Theirs", "targetAmount": "50000.00", "initialAmount": "4000.00" } }),
            Some(&stranger.token),
        )
        .await;
    assert!(body["data"]["createSavingsGoal"].is_object(), "{body}");

    // Expected figures.
    let (start, end) = (day("2026-03-01"), day("2026-03-31"));
    let month = between(&txs, start, end);
    let (income, expenses) = (sum(&month, Kind::Income), sum(&month, Kind::Expense));
    let spent_within = |categories: &[Uuid], from: &str, to: &str| -> i64 {
        between(&txs, day(from), day(to))
            .iter()
            .filter(|t| t.kind == Kind::Expense && t.category.is_some_and(|c| categories.contains(&c)))
            .map(|t| t.cents)
            .sum()
    };
    let spent_in_budgets = spent_within(&march_categories, "2026-03-01", "2026-03-31")
        + spent_within(&quarter_categories, "2026-02-15", "2026-04-15")
        + spent_within(&edge_categories, "2026-03-31", "2026-05-31");
    let body = app.gql(ACHIEVEMENTS, json!({}), Some(&me.token)).await;
    let badges = body["data"]["achievements"].as_array().expect("achievements").clone();
    let points: i64 = badges.iter().map(|a| a["points"].as_i64().expect("points")).sum();
    for kind in ["FIRST_BUDGET", "FIRST_TRANSACTION", "FIRST_GOAL", "FIRST_CONTRIBUTION"] {
        assert!(badges.iter().any(|a| a["type"] == kind), "{kind} in {badges:?}");
    }
    let mut newest: Vec<&Tx> = txs.iter().collect();
    newest.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
    let trend = |from: &str| {
        let (from, to) = (day(from), month_end(day(from)));
        let inside = between(&txs, from, to);
        let (i, e) = (sum(&inside, Kind::Income), sum(&inside, Kind::Expense));
        json!({ "periodStart": ymd(from), "income": money(i), "expenses": money(e), "net": money(i - e) })
    };
    let expected = json!({
        "period": { "start": "2026-03-01", "end": "2026-03-31" },
        "overview": {
            "totalIncome": money(income),
            "totalExpenses": money(expenses),
            "net": money(income - expenses),
            "savingsRate": ratio(income - expenses, income),
            "totalBudgeted": "2000.00",
            "totalSpentInBudgets": money(spent_in_budgets),
            "activeGoals": 2,
            "totalSaved": money(total_saved),
            "achievementPoints": points,
        },
        "budgets": [{ "id": march }, { "id": quarter }, { "id": edge }],
        "recentTransactions": newest.iter().take(3).map(|t| json!({ "id": t.id.to_string() })).collect::<Vec<_>>(),
        "goals": [
            { "id": trip, "status": "ACTIVE" }, { "id": bike, "status": "PAUSED" }, { "id": car, "status": "ACTIVE" }
        ],
        "trends": [trend("2026-01-01"), trend("2026-02-01"), trend("2026-03-01")],
    });
    for any_day in ["2026-03-01", "2026-03-17", "2026-03-31"] {
        let found = dashboard(&app, &me, DASHBOARD, json!({ "month": any_day })).await;
        assert_eq!(found, expected, "month of {any_day}");
        assert!(
            !found["goals"].to_string().contains(&phone),
            "completed goals are left out"
        );
    }
    assert_eq!(
        expected["trends"][0],
        json!({ "periodStart": "2026-01-01", "income": "0.00", "expenses": "0.00", "net": "0.00" })
    );
    assert!(points >= 40, "{badges:?}");
}

#[tokio::test]
async fn trends_cover_one_to_twenty_four_months_ending_with_the_dashboard_month() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    let token = Some(me.token.as_str());
    for months in [0, 25, -1] {
        let body = app
            .gql(TRENDS, json!({ "month": "2026-03-10", "months": months }), token)
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{months}: {body}");
        assert_eq!(error_fields(&body), ["months"], "{body}");
    }
    let starts = |trends: &Value| -> Vec<String> {
        trends["trends"]
            .as_array()
            .expect("trends")
            .iter()
            .map(|p| p["periodStart"].as_str().expect("periodStart").to_owned())
            .collect()
    };
    let found = dashboard(&app, &me, TRENDS, json!({ "month": "2026-03-10", "months": 24 })).await;
    let found = starts(&found);
    assert_eq!(found.len(), 24);
    assert_eq!((found[0].as_str(), found[23].as_str()), ("2024-04-01", "2026-03-01"));
    let found = dashboard(&app, &me, TRENDS, json!({ "month": "2026-01-31", "months": 1 })).await;
    assert_eq!(starts(&found), ["2026-01-01"]);
    let found = dashboard(&app, &me, TRENDS_DEFAULT, json!({ "month": "2026-02-14" })).await;
    assert_eq!(
        starts(&found),
        [
            "2025-09-01",
            "2025-10-01",
            "2025-11-01",
            "2025-12-01",
            "2026-01-01",
            "2026-02-01"
        ]
    );
}

#[tokio::test]
async fn the_default_month_is_the_current_month_in_the_users_time_zone() {
    let app = TestApp::spawn().await;
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"] {
        let tz: chrono_tz::Tz = zone.parse().expect("a time zone");
        let who = person(&app, json!({ "timezone": zone }), Value::Null).await;
        let today = || Utc::now().with_timezone(&tz).date_naive();
        let before = today();
        let found = dashboard(&app, &who, PERIOD, json!({})).await;
        let after = today();
        // Around midnight in that zone either month is right.
        let candidates: Vec<Value> = [before, after]
            .iter()
            .map(|d| json!({ "start": ymd(month_start(*d)), "end": ymd(month_end(*d)) }))
            .collect();
        assert!(
            candidates.contains(&found["period"]),
            "{zone}: {found} not in {candidates:?}"
        );
    }
}

// ---------- insights: CATEGORY_OVER_BUDGET ----------

#[tokio::test]
async fn a_category_spending_more_than_its_amount_within_its_budget_dates_is_an_alert() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    // Overlaps March from the 20th and runs into April.
    let (_, ids) = budget(
        &app,
        &me,
        "Spring",
        "1600.00",
        ("2026-03-20", "2026-04-10"),
        &[("Food", "1000.00"), ("Rent", "600.00")],
    )
    .await;
    let (food, rent) = (Some(ids[0]), Some(ids[1]));
    spend(&app, &me, 40_000, "2026-03-20", food, "First day").await;
    spend(&app, &me, 83_450, "2026-04-10", food, "Last day, after March").await;
    // Not counted: before and after the budget's dates, and income.
    spend(&app, &me, 90_000, "2026-03-19", food, "Before").await;
    spend(&app, &me, 90_000, "2026-04-11", food, "After").await;
    insert(&app, &me, &tx("2026-03-25", 500_000, Kind::Income, food), "Refund").await;
    spend(&app, &me, 30_000, "2026-03-25", rent, "Half of rent").await;

    assert_insights(
        &app,
        &me,
        "2026-03-15",
        vec![insight(
            "CATEGORY_OVER_BUDGET",
            "ALERT",
            "234.50",
            Some("Food"),
            "Food is over budget by $234.50: $1,234.50 spent of $1,000.00.",
        )],
    )
    .await;
    // April overlaps the budget too (and spends more than March, 1,600.00, averaged over
    // January to March); May does not overlap it.
    let (previous, april) = (40_000 + 90_000 + 30_000, 83_450 + 90_000);
    assert_eq!(
        (april - previous / 3, (april - previous / 3) * 100 / (previous / 3)),
        (120_117, 225)
    );
    assert_insights(
        &app,
        &me,
        "2026-04-30",
        vec![
            insight(
                "CATEGORY_OVER_BUDGET",
                "ALERT",
                "234.50",
                Some("Food"),
                "Food is over budget by $234.50: $1,234.50 spent of $1,000.00.",
            ),
            insight(
                "SPENDING_UP",
                "WARNING",
                "1201.17",
                None,
                "You spent $1,734.50 this month, 225% more than your average of $533.33 over the previous three months.",
            ),
        ],
    )
    .await;
    assert_insights(&app, &me, "2026-05-01", vec![]).await;
}

#[tokio::test]
async fn spending_exactly_the_amount_or_outside_the_budget_dates_is_not_over_budget() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    let (_, ids) = budget(
        &app,
        &me,
        "March",
        "1000.00",
        ("2026-03-01", "2026-03-31"),
        &[("Food", "1000.00")],
    )
    .await;
    spend(&app, &me, 60_000, "2026-03-02", Some(ids[0]), "Market").await;
    spend(&app, &me, 40_000, "2026-03-31", Some(ids[0]), "Market").await;
    spend(&app, &me, 50_000, "2026-04-01", Some(ids[0]), "After the budget").await;
    // A budget that does not overlap March, far over its amount.
    let (_, old) = budget(
        &app,
        &me,
        "February",
        "10.00",
        ("2026-02-01", "2026-02-28"),
        &[("Old", "10.00")],
    )
    .await;
    spend(&app, &me, 5_000, "2026-02-10", Some(old[0]), "Old").await;
    // February's spending gives March a history to compare with: a large January keeps
    // March's 1,000.00 below the average.
    spend(&app, &me, 900_000, "2026-01-10", None, "Big January").await;

    assert_insights(
        &app,
        &me,
        "2026-03-10",
        vec![insight(
            "CATEGORY_NEAR_LIMIT",
            "WARNING",
            "0.00",
            Some("Food"),
            "Food has used 100% of its budget: $0.00 left of $1,000.00.",
        )],
    )
    .await;
}

// ---------- insights: CATEGORY_NEAR_LIMIT ----------

#[tokio::test]
async fn a_category_spending_eighty_to_one_hundred_percent_is_near_its_limit() {
    let app = TestApp::spawn().await;
    let me = person(&app, json!({ "currency": "EUR", "language": "de" }), Value::Null).await;
    let (_, ids) = budget(
        &app,
        &me,
        "März",
        "2600.00",
        ("2026-03-01", "2026-03-31"),
        &[("Groceries", "1500.00"), ("Fun", "100.00"), ("Rent", "1000.00")],
    )
    .await;
    spend(&app, &me, 100_000, "2026-03-03", Some(ids[0]), "Market").await;
    spend(&app, &me, 23_450, "2026-03-30", Some(ids[0]), "Market").await;
    spend(&app, &me, 8_000, "2026-03-05", Some(ids[1]), "Cinema").await;
    // 799.99 of 1000.00 is just under 80 %.
    spend(&app, &me, 79_999, "2026-03-01", Some(ids[2]), "Rent").await;

    assert_insights(
        &app,
        &me,
        "2026-03-01",
        vec![
            insight(
                "CATEGORY_NEAR_LIMIT",
                "WARNING",
                "265.50",
                Some("Groceries"),
                "Groceries has used 82% of its budget: 265,50 € left of 1.500,00 €.",
            ),
            insight(
                "CATEGORY_NEAR_LIMIT",
                "WARNING",
                "20.00",
                Some("Fun"),
                "Fun has used 80% of its budget: 20,00 € left of 100,00 €.",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_category_below_eighty_percent_is_not_near_its_limit() {
    let app = TestApp::spawn().await;
    let me = person(&app, json!({ "currency": "EUR", "language": "de" }), Value::Null).await;
    let (_, ids) = budget(
        &app,
        &me,
        "März",
        "100.00",
        ("2026-03-01", "2026-03-31"),
        &[("Fun", "100.00")],
    )
    .await;
    spend(&app, &me, 7_999, "2026-03-05", Some(ids[0]), "Cinema").await;
    // Outside the budget's dates: does not count toward it.
    spend(&app, &me, 5_000, "2026-04-01", Some(ids[0]), "Cinema").await;
    assert_insights(&app, &me, "2026-03-01", vec![]).await;
}

// The percent in CATEGORY_NEAR_LIMIT is the floor of the exact percentage: 299.99 of 300.00
// (99.9967 %) reads "99%", not "100%" next to "$0.01 left".
#[tokio::test]
async fn the_near_limit_percent_is_the_floor_of_the_exact_percentage() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    let (_, ids) = budget(
        &app,
        &me,
        "March",
        "600.00",
        ("2026-03-01", "2026-03-31"),
        &[("Fun", "300.00"), ("Food", "300.00")],
    )
    .await;
    spend(&app, &me, 29_999, "2026-03-05", Some(ids[0]), "Concert").await;
    spend(&app, &me, 26_999, "2026-03-06", Some(ids[1]), "Market").await;
    // Exact integer percentages: floor(spent * 100 / amount).
    assert_eq!((29_999 * 100 / 30_000, 26_999 * 100 / 30_000), (99, 89));
    assert_insights(
        &app,
        &me,
        "2026-03-01",
        vec![
            insight(
                "CATEGORY_NEAR_LIMIT",
                "WARNING",
                "0.01",
                Some("Fun"),
                "Fun has used 99% of its budget: $0.01 left of $300.00.",
            ),
            insight(
                "CATEGORY_NEAR_LIMIT",
                "WARNING",
                "30.01",
                Some("Food"),
                "Food has used 89% of its budget: $30.01 left of $300.00.",
            ),
        ],
    )
    .await;
}

// ---------- insights: SPENDING_UP ----------

/// Expenses of December, January and February (uncategorized), with income and an older,
/// larger month that must not count.
async fn history(app: &TestApp, who: &Person, december: i64, january: i64, february: i64) {
    spend(app, who, 500_000, "2025-11-30", None, "Four months ago").await;
    spend(app, who, december, "2025-12-01", None, "December").await;
    spend(app, who, january * 2 / 5, "2026-01-05", None, "January").await;
    spend(app, who, january - january * 2 / 5, "2026-01-31", None, "January").await;
    spend(app, who, february, "2026-02-28", None, "February").await;
    for d in ["2025-12-15", "2026-01-15", "2026-02-15", "2026-03-15"] {
        earn(app, who, 1_000_000, d).await;
    }
}

#[tokio::test]
async fn spending_more_than_twenty_percent_above_the_previous_three_months_is_spending_up() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    history(&app, &me, 90_000, 100_000, 110_010).await;
    for (cents, d) in [(50_000, "2026-03-01"), (60_000, "2026-03-15"), (40_000, "2026-03-31")] {
        spend(&app, &me, cents, d, None, "March").await;
    }
    // Sum 3000.10, average floor(300010 / 3) = 1000.03; this month 1500.00.
    let (previous, this) = (90_000 + 100_000 + 110_010, 150_000_i64);
    assert!(5 * this > 2 * previous);
    let average = previous / 3;
    let percent = (this - average) * 100 / average;
    assert_eq!((average, this - average, percent), (100_003, 49_997, 49));
    assert_insights(
        &app,
        &me,
        "2026-03-20",
        vec![insight(
            "SPENDING_UP",
            "WARNING",
            "499.97",
            None,
            "You spent $1,500.00 this month, 49% more than your average of $1,000.03 over the previous three months.",
        )],
    )
    .await;

    // One cent above 20 % more is enough.
    let edge = usd(&app).await;
    history(&app, &edge, 100_000, 90_000, 110_000).await;
    spend(&app, &edge, 120_001, "2026-03-02", None, "March").await;
    assert_insights(
        &app,
        &edge,
        "2026-03-02",
        vec![insight(
            "SPENDING_UP",
            "WARNING",
            "200.01",
            None,
            "You spent $1,200.01 this month, 20% more than your average of $1,000.00 over the previous three months.",
        )],
    )
    .await;
}

#[tokio::test]
async fn spending_at_most_twenty_percent_above_the_average_or_without_history_is_not_spending_up() {
    let app = TestApp::spawn().await;
    // Exactly 20 % more than the average is not more than 20 %.
    let me = usd(&app).await;
    history(&app, &me, 100_000, 90_000, 110_000).await;
    spend(&app, &me, 120_000, "2026-03-02", None, "March").await;
    assert_insights(&app, &me, "2026-03-02", vec![]).await;

    // Nothing spent in the three months before: nothing to compare with (November is four
    // months before March).
    let fresh = usd(&app).await;
    spend(&app, &fresh, 500_000, "2025-11-30", None, "Four months ago").await;
    earn(&app, &fresh, 1_000_000, "2026-02-01").await;
    spend(&app, &fresh, 300_000, "2026-03-02", None, "March").await;
    assert_insights(&app, &fresh, "2026-03-02", vec![]).await;
}

// ---------- insights: SAVINGS_BELOW_GOAL ----------

#[tokio::test]
async fn saving_less_than_the_monthly_savings_goal_is_below_goal() {
    let app = TestApp::spawn().await;
    let me = person(
        &app,
        json!({ "currency": "CHF", "language": "en" }),
        json!({ "savingsGoal": "500.00" }),
    )
    .await;
    earn(&app, &me, 300_000, "2026-03-01").await;
    spend(&app, &me, 280_000, "2026-03-31", None, "Rent").await;
    // Other months do not count.
    earn(&app, &me, 900_000, "2026-02-28").await;
    earn(&app, &me, 900_000, "2026-04-01").await;
    assert_insights(
        &app,
        &me,
        "2026-03-31",
        vec![insight(
            "SAVINGS_BELOW_GOAL",
            "WARNING",
            "300.00",
            None,
            "You saved CHF 200.00 this month, CHF 300.00 short of your goal of CHF 500.00.",
        )],
    )
    .await;

    // A goal set later through updateProfile; a month with a loss.
    let spender = usd(&app).await;
    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": { "financialSettings": { "savingsGoal": "1000.00" } } }),
            Some(&spender.token),
        )
        .await;
    assert_eq!(
        body["data"]["updateProfile"]["financialSettings"]["savingsGoal"], "1000.00",
        "{body}"
    );
    earn(&app, &spender, 100_000, "2026-03-01").await;
    spend(&app, &spender, 115_000, "2026-03-02", None, "Repairs").await;
    assert_insights(
        &app,
        &spender,
        "2026-03-01",
        vec![insight(
            "SAVINGS_BELOW_GOAL",
            "WARNING",
            "1150.00",
            None,
            "You saved -$150.00 this month, $1,150.00 short of your goal of $1,000.00.",
        )],
    )
    .await;
}

#[tokio::test]
async fn meeting_the_savings_goal_or_having_none_is_not_below_goal() {
    let app = TestApp::spawn().await;
    // Saving exactly the goal.
    let exact = person(&app, Value::Null, json!({ "savingsGoal": "500.00" })).await;
    earn(&app, &exact, 300_000, "2026-03-01").await;
    spend(&app, &exact, 250_000, "2026-03-31", None, "Rent").await;
    assert_insights(&app, &exact, "2026-03-01", vec![]).await;
    // A goal of zero, and no goal at all, with a loss.
    let zero = person(&app, Value::Null, json!({ "savingsGoal": "0" })).await;
    let none = usd(&app).await;
    for who in [&zero, &none] {
        earn(&app, who, 10_000, "2026-03-01").await;
        spend(&app, who, 25_000, "2026-03-02", None, "Repairs").await;
        assert_insights(&app, who, "2026-03-01", vec![]).await;
    }
}

// ---------- insights: GOAL_BEHIND_SCHEDULE ----------

/// Inserts a goal created `age_days` ago (UTC), with `current` of `target` saved.
async fn insert_goal(
    app: &TestApp,
    who: &Person,
    name: &str,
    (current, target): (i64, i64),
    target_date: Option<NaiveDate>,
    status: GoalStatus,
    age_days: i64,
) -> String {
    let created = Utc::now() - Duration::days(age_days);
    let goal = savings_goals::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(who.id),
        currency: Set("USD".into()),
        name: Set(name.to_owned()),
        target_amount: Set(target),
        current_amount: Set(current),
        target_date: Set(target_date),
        status: Set(status),
        created_at: Set(created),
        updated_at: Set(created),
    }
    .insert(&app.db)
    .await
    .expect("insert goal");
    goal.id.to_string()
}

async fn progress(app: &TestApp, who: &Person, id: &str) -> Value {
    let body = app.gql(GOAL_PROGRESS, json!({ "id": id }), Some(&who.token)).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["savingsGoal"]["progress"].clone()
}

#[tokio::test]
async fn an_active_goal_whose_pace_misses_its_date_is_behind_schedule() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    // Today in the user's zone (UTC); the goal is due in 60 days.
    let today = Utc::now().date_naive();
    let due = today + Duration::days(60);
    // 100.00 saved in 180 days: at that pace 9,900.00 more takes 17,820 days.
    let bike = insert_goal(
        &app,
        &me,
        "Bike",
        (10_000, 1_000_000),
        Some(due),
        GoalStatus::Active,
        180,
    )
    .await;
    let pace = progress(&app, &me, &bike).await;
    // 9,900.00 over 60 / 30.436875 months = 5,022.084375 a month, rounded up to the cent.
    let required = (990_000_i128 * 30_436_875 + 60 * 1_000_000 - 1) / (60 * 1_000_000);
    assert_eq!(required, 502_209);
    assert_eq!(
        pace,
        json!({ "onTrack": false, "requiredMonthlyContribution": "5022.09" })
    );
    assert_insights(
        &app,
        &me,
        "2026-03-01",
        vec![insight(
            "GOAL_BEHIND_SCHEDULE",
            "WARNING",
            "5022.09",
            None,
            &format!(
                "Bike is behind schedule for {}. Saving $5,022.09 a month would get you there.",
                ymd(due)
            ),
        )],
    )
    .await;
}

#[tokio::test]
async fn goals_on_track_paused_without_a_date_or_without_savings_are_not_behind_schedule() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    let due = Some(Utc::now().date_naive() + Duration::days(60));
    let target = 1_000_000;
    // 9,000.00 in 180 days: the last 1,000.00 takes 20 more days.
    let boat = insert_goal(&app, &me, "Boat", (900_000, target), due, GoalStatus::Active, 180).await;
    let paused = insert_goal(&app, &me, "Car", (10_000, target), due, GoalStatus::Paused, 180).await;
    let undated = insert_goal(&app, &me, "House", (10_000, target), None, GoalStatus::Active, 180).await;
    let empty = insert_goal(&app, &me, "Piano", (0, target), due, GoalStatus::Active, 180).await;
    assert_eq!(progress(&app, &me, &boat).await["onTrack"], true);
    assert_eq!(
        progress(&app, &me, &paused).await["onTrack"],
        false,
        "behind, but paused"
    );
    assert_eq!(progress(&app, &me, &undated).await["onTrack"], Value::Null);
    assert_eq!(progress(&app, &me, &empty).await["onTrack"], Value::Null);
    assert_insights(&app, &me, "2026-03-01", vec![]).await;
}

// ---------- insights: UNUSUAL_EXPENSE ----------

#[tokio::test]
async fn an_expense_over_three_times_its_categorys_usual_expense_is_unusual() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    // The category's budget is long over (it does not overlap March).
    let (_, ids) = budget(
        &app,
        &me,
        "Last June",
        "100.00",
        ("2025-06-01", "2025-06-30"),
        &[("Shopping", "100.00")],
    )
    .await;
    let shopping = Some(ids[0]);
    for (cents, d) in [(4_000, "2025-06-05"), (5_000, "2025-06-10"), (6_001, "2025-06-15")] {
        spend(&app, &me, cents, d, shopping, "Socks").await;
    }
    spend(&app, &me, 60_000, "2026-03-12", shopping, "New TV").await;
    // The others average (150.01) / 3 = 50.00 (in whole cents); 600.00 is more than three times that.
    let average = (4_000 + 5_000 + 6_001) / 3;
    assert!(60_000 > 3 * average);
    assert_eq!(money(average), "50.00");
    assert_insights(
        &app,
        &me,
        "2026-03-01",
        vec![insight(
            "UNUSUAL_EXPENSE",
            "INFO",
            "600.00",
            Some("Shopping"),
            "New TV ($600.00) is more than three times your usual Shopping expense of $50.00.",
        )],
    )
    .await;
}

#[tokio::test]
async fn large_expenses_that_are_not_over_three_times_usual_with_enough_history_are_not_unusual() {
    let app = TestApp::spawn().await;
    let me = usd(&app).await;
    let (_, ids) = budget(
        &app,
        &me,
        "Last June",
        "400.00",
        ("2025-06-01", "2025-06-30"),
        &[
            ("Exact", "100.00"),
            ("Few", "100.00"),
            ("Later", "100.00"),
            ("Earned", "100.00"),
        ],
    )
    .await;
    // Exactly three times the others' average.
    for d in ["2025-06-01", "2025-06-02", "2025-06-03"] {
        spend(&app, &me, 20_000, d, Some(ids[0]), "Usual").await;
    }
    spend(&app, &me, 60_000, "2026-03-05", Some(ids[0]), "Triple").await;
    // Only three expenses in the category.
    spend(&app, &me, 4_000, "2025-06-01", Some(ids[1]), "Usual").await;
    spend(&app, &me, 5_000, "2025-06-02", Some(ids[1]), "Usual").await;
    spend(&app, &me, 90_000, "2026-03-06", Some(ids[1]), "Too few to tell").await;
    // Unusual, but in April.
    for d in ["2025-06-01", "2025-06-02", "2025-06-03"] {
        spend(&app, &me, 1_000, d, Some(ids[2]), "Usual").await;
    }
    spend(&app, &me, 90_000, "2026-04-01", Some(ids[2]), "Next month").await;
    // Income is not an expense.
    for d in ["2025-06-01", "2025-06-02", "2025-06-03"] {
        spend(&app, &me, 1_000, d, Some(ids[3]), "Usual").await;
    }
    insert(
        &app,
        &me,
        &tx("2026-03-07", 90_000, Kind::Income, Some(ids[3])),
        "Bonus",
    )
    .await;
    // Uncategorized.
    for d in ["2025-06-01", "2025-06-02", "2025-06-03", "2026-03-08"] {
        spend(
            &app,
            &me,
            if d.starts_with("2026") { 90_000 } else { 1_000 },
            d,
            None,
            "Cash",
        )
        .await;
    }
    assert_insights(&app, &me, "2026-03-01", vec![]).await;
}

// ---------- insights together ----------

#[tokio::test]
async fn insights_come_most_severe_first() {
    let app = TestApp::spawn().await;
    let me = person(
        &app,
        json!({ "currency": "EUR", "language": "de" }),
        json!({ "savingsGoal": "500.00" }),
    )
    .await;
    let (_, ids) = budget(
        &app,
        &me,
        "März",
        "1100.00",
        ("2026-03-01", "2026-03-31"),
        &[("Fun", "100.00"), ("Food", "1000.00")],
    )
    .await;
    let (fun, food) = (Some(ids[0]), Some(ids[1]));
    spend(&app, &me, 9_000, "2026-03-02", fun, "Cinema").await;
    for (cents, d) in [(3_000, "2026-03-03"), (4_000, "2026-03-04"), (5_000, "2026-03-05")] {
        spend(&app, &me, cents, d, food, "Market").await;
    }
    spend(&app, &me, 120_000, "2026-03-06", food, "Sofa").await;
    earn(&app, &me, 100_000, "2026-03-01").await;
    // Expenses 1,410.00 against income 1,000.00.
    assert_insights(
        &app,
        &me,
        "2026-03-01",
        vec![
            insight(
                "CATEGORY_OVER_BUDGET",
                "ALERT",
                "320.00",
                Some("Food"),
                "Food is over budget by 320,00 €: 1.320,00 € spent of 1.000,00 €.",
            ),
            insight(
                "CATEGORY_NEAR_LIMIT",
                "WARNING",
                "10.00",
                Some("Fun"),
                "Fun has used 90% of its budget: 10,00 € left of 100,00 €.",
            ),
            insight(
                "SAVINGS_BELOW_GOAL",
                "WARNING",
                "910.00",
                None,
                "You saved -410,00 € this month, 910,00 € short of your goal of 500,00 €.",
            ),
            insight(
                "UNUSUAL_EXPENSE",
                "INFO",
                "1200.00",
                Some("Food"),
                "Sofa (1.200,00 €) is more than three times your usual Food expense of 40,00 €.",
            ),
        ],
    )
    .await;
}

// ---------- isolation ----------

#[tokio::test]
async fn another_users_data_never_appears_in_a_dashboard() {
    let app = TestApp::spawn().await;
    let busy = person(&app, Value::Null, json!({ "savingsGoal": "5000.00" })).await;
    let (_, ids) = budget(
        &app,
        &busy,
        "March",
        "100.00",
        ("2026-03-01", "2026-03-31"),
        &[("Food", "100.00")],
    )
    .await;
    for (cents, d) in [
        (1_000, "2026-03-01"),
        (1_000, "2026-03-02"),
        (1_000, "2026-03-03"),
        (90_000, "2026-03-04"),
    ] {
        spend(&app, &busy, cents, d, Some(ids[0]), "Food").await;
    }
    spend(&app, &busy, 1_000, "2026-02-01", None, "February").await;
    create_transaction(
        &app,
        &busy.token,
        json!({ "amount": "10.00", "description": "Pay", "transactionDate": "2026-03-05", "type": "INCOME" }),
    )
    .await;
    insert_goal(
        &app,
        &busy,
        "Bike",
        (10_000, 1_000_000),
        Some(Utc::now().date_naive() + Duration::days(60)),
        GoalStatus::Active,
        180,
    )
    .await;
    let body = app
        .gql(
            CREATE_GOAL,
            json!({ "input": { "name": "Car", "targetAmount": "100.00", "initialAmount": "10.00" } }),
            Some(&busy.token),
        )
        .await;
    assert!(body["data"]["createSavingsGoal"].is_object(), "{body}");
    let theirs = dashboard(&app, &busy, DASHBOARD, json!({ "month": "2026-03-01" })).await;
    assert_eq!(theirs["overview"]["totalSpentInBudgets"], "930.00", "{theirs}");
    let found = dashboard(&app, &busy, INSIGHTS, json!({ "month": "2026-03-01" })).await;
    assert!(found["insights"].as_array().is_some_and(|i| i.len() >= 4), "{found}");

    let me = usd(&app).await;
    let zero = json!({ "income": "0.00", "expenses": "0.00", "net": "0.00" });
    let trend = |start: &str| {
        let mut period = zero.clone();
        period["periodStart"] = json!(start);
        period
    };
    let mine = dashboard(&app, &me, DASHBOARD, json!({ "month": "2026-03-01" })).await;
    assert_eq!(
        mine,
        json!({
            "period": { "start": "2026-03-01", "end": "2026-03-31" },
            "overview": {
                "totalIncome": "0.00", "totalExpenses": "0.00", "net": "0.00", "savingsRate": 0.0,
                "totalBudgeted": "0.00", "totalSpentInBudgets": "0.00", "activeGoals": 0,
                "totalSaved": "0.00", "achievementPoints": 0
            },
            "budgets": [], "recentTransactions": [], "goals": [],
            "trends": [trend("2026-01-01"), trend("2026-02-01"), trend("2026-03-01")],
        })
    );
    assert_insights(&app, &me, "2026-03-01", vec![]).await;
}

#[tokio::test]
async fn the_dashboard_shows_open_occurrences_ahead_and_the_forecast_low_point() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let today = Utc::now().date_naive();
    let on = |offset: i64| (today + Duration::days(offset)).to_string();
    create_transaction(
        &app,
        token,
        json!({ "amount": "500.00", "description": "pay", "transactionDate": today.to_string(), "type": "INCOME" }),
    )
    .await;
    // (days from today, cents, income?) each once; the one three days ago was missed.
    let scheduled: [(i64, i64, bool); 4] = [
        (-3, 2000, false),
        (5, 30000, false),
        (10, 20000, true),
        (12, 45000, false),
    ];
    for (offset, cents, income) in scheduled {
        create_schedule(
            &app,
            token,
            json!({ "description": format!("bill {offset}"), "amount": money(cents),
                    "type": if income { "INCOME" } else { "EXPENSE" }, "rule": "FREQ=DAILY",
                    "count": 1, "startDate": on(offset) }),
        )
        .await;
    }

    // Balances day by day: no discretionary spending, so only the schedules move them, a
    // missed one tomorrow.
    let mut balance = BTreeMap::new();
    let mut running = 50000_i64;
    for offset in 0..=30 {
        for (when, cents, income) in scheduled {
            if when.max(1) == offset {
                running += if income { cents } else { -cents };
            }
        }
        balance.insert(offset, running);
    }
    let lowest = |days: i64| {
        (0..=days)
            .map(|offset| (balance[&offset], offset))
            .min()
            .map(|(cents, offset)| json!({ "date": on(offset), "balance": { "amount": money(cents), "currency": "USD" } }))
            .expect("days")
    };

    let query = "query($days: Int!, $ahead: Int!) { dashboard { upcoming(days: $ahead) { date amount overdue status }
                 forecastLowPoint(days: $days) { date balance { amount currency } } } }";
    let found = app.gql(query, json!({ "days": 30, "ahead": 14 }), Some(token)).await;
    let dashboard = &found["data"]["dashboard"];
    assert_eq!(dashboard["forecastLowPoint"], lowest(30), "{found}");
    let upcoming = |ahead: i64| -> Vec<Value> {
        scheduled
            .iter()
            .filter(|(when, _, _)| *when <= ahead)
            .map(|(when, cents, _)| json!({ "date": on(*when), "amount": money(*cents), "overdue": *when < 0, "status": "OPEN" }))
            .collect()
    };
    assert_eq!(dashboard["upcoming"], json!(upcoming(14)), "{found}");

    let found = app.gql(query, json!({ "days": 7, "ahead": 7 }), Some(token)).await;
    assert_eq!(found["data"]["dashboard"]["forecastLowPoint"], lowest(7), "{found}");
    assert_eq!(found["data"]["dashboard"]["upcoming"], json!(upcoming(7)), "{found}");

    for (days, ahead, field) in [(0, 14, "days"), (366, 14, "days"), (30, 0, "days"), (30, 367, "days")] {
        let body = app
            .gql(query, json!({ "days": days, "ahead": ahead }), Some(token))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), [field], "{body}");
    }
}
