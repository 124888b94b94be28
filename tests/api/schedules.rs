//! Schedules: RRULE recurrences with month-end clamping and weekend rules, occurrences posted
//! or skipped once, upcoming items, and real transactions recognised as occurrences.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};

use crate::expected::ymd;
use crate::helpers::{TestApp, TestUser, create_account, create_budget, create_transaction, error_code, error_fields};

const SCHEDULE: &str = "id description amount currency type rule startDate endDate count weekendRule autoPost
    amountTolerance matchWindowDays account { id } category { id }";
const OCCURRENCE: &str = "date dueDate amount status overdue transaction { id transactionDate amount description type payee category { id } }";

async fn create(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(
        &format!("mutation($input: CreateScheduleInput!) {{ createSchedule(input: $input) {{ {SCHEDULE} }} }}"),
        json!({ "input": input }),
        Some(&user.access_token),
    )
    .await
}

async fn created(app: &TestApp, user: &TestUser, input: Value) -> Value {
    let body = create(app, user, input).await;
    assert!(body["data"]["createSchedule"].is_object(), "{body}");
    body["data"]["createSchedule"].clone()
}

async fn occurrences(app: &TestApp, user: &TestUser, schedule: &Value, from: &str, to: &str) -> Vec<Value> {
    let body = app
        .gql(
            &format!("query($id: ID!, $from: Date!, $to: Date!) {{ schedule(id: $id) {{ occurrences(from: $from, to: $to) {{ {OCCURRENCE} }} }} }}"),
            json!({ "id": schedule["id"], "from": from, "to": to }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["schedule"]["occurrences"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

async fn act(app: &TestApp, user: &TestUser, mutation: &str, schedule: &Value, date: &str) -> Value {
    app.gql(
        &format!("mutation($id: ID!, $date: Date!) {{ {mutation}(scheduleId: $id, date: $date) {{ {OCCURRENCE} }} }}"),
        json!({ "id": schedule["id"], "date": date }),
        Some(&user.access_token),
    )
    .await
}

/// The last day of `month` that is at most `wanted`, moved off a weekend like BEFORE does.
fn clamped_before(year: i32, month: u32, wanted: u32) -> (NaiveDate, NaiveDate) {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("month");
    let last = next - Duration::days(1);
    let nominal = NaiveDate::from_ymd_opt(year, month, wanted.min(last.day())).expect("day");
    let due = match nominal.weekday() {
        Weekday::Sat => nominal - Duration::days(1),
        Weekday::Sun => nominal - Duration::days(2),
        _ => nominal,
    };
    (nominal, due)
}

#[tokio::test]
async fn a_monthly_31st_falls_on_each_months_last_day_moved_before_weekends() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let schedule = created(
        &app,
        &user,
        json!({ "description": "Rent", "amount": "1200.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY;BYMONTHDAY=31",
                "startDate": "2027-01-01", "weekendRule": "BEFORE", "payee": "Landlord" }),
    )
    .await;
    assert_eq!(
        (
            &schedule["weekendRule"],
            &schedule["autoPost"],
            &schedule["matchWindowDays"],
            &schedule["amountTolerance"]
        ),
        (&json!("BEFORE"), &json!(false), &json!(3), &json!("0.00"))
    );
    let found = occurrences(&app, &user, &schedule, "2027-01-01", "2027-12-31").await;
    let expected: Vec<(String, String)> = (1..=12)
        .map(|month| {
            let (nominal, due) = clamped_before(2027, month, 31);
            (ymd(nominal), ymd(due))
        })
        .collect();
    let got: Vec<(String, String)> = found
        .iter()
        .map(|o| {
            (
                o["date"].as_str().expect("date").to_owned(),
                o["dueDate"].as_str().expect("due").to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(found.iter().all(|o| o["status"] == "OPEN" && o["amount"] == "1200.00"));
    // 2027-01-31 is a Sunday: due Friday the 29th; 2027-02-28 too.
    assert_eq!(got[0], ("2027-01-31".to_owned(), "2027-01-29".to_owned()));
    assert_eq!(got[1], ("2027-02-28".to_owned(), "2027-02-26".to_owned()));
}

#[tokio::test]
async fn bad_schedules_name_every_problem() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let stranger = app.register_and_login().await;
    let theirs = create_budget(
        &app,
        &stranger.access_token,
        json!({ "name": "Theirs", "amount": "10.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30",
                "categories": [{ "name": "X", "amount": "10.00" }] }),
    )
    .await;
    for (input, fields) in [
        (
            json!({ "description": "", "amount": "0", "type": "EXPENSE", "rule": "FREQ=HOURLY" }),
            vec!["input.description", "input.amount", "input.rule"],
        ),
        (
            json!({ "description": "x", "amount": "1.001", "type": "TRANSFER_IN", "rule": "FREQ=MONTHLY;COUNT=3",
                    "categoryId": theirs["categories"][0]["id"] }),
            vec!["input.amount", "input.categoryId", "input.type", "input.rule"],
        ),
        (
            json!({ "description": "x", "amount": "1.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY",
                    "startDate": "2027-01-01", "endDate": "2026-12-31", "matchWindowDays": 40, "amountTolerance": "-1", "count": 0 }),
            vec![
                "input.amountTolerance",
                "input.matchWindowDays",
                "input.count",
                "input.endDate",
            ],
        ),
    ] {
        let body = create(&app, &user, input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), fields, "{body}");
    }
    let account = create_account(
        &app,
        &stranger.access_token,
        json!({ "name": "Theirs", "kind": "CASH" }),
    )
    .await;
    let body = create(
        &app,
        &user,
        json!({ "description": "x", "amount": "1.00", "type": "EXPENSE", "rule": "FREQ=DAILY", "accountId": account }),
    )
    .await;
    assert_eq!(error_fields(&body), ["input.accountId"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedules").await, 0);
}

#[tokio::test]
async fn an_occurrence_is_posted_or_skipped_once_and_another_users_schedule_is_not_found() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let budget = create_budget(
        &app,
        &user.access_token,
        json!({ "name": "Home", "amount": "2000.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30",
                "categories": [{ "name": "Housing", "amount": "2000.00" }] }),
    )
    .await;
    let housing = budget["categories"][0]["id"].clone();
    let schedule = created(
        &app,
        &user,
        json!({ "description": "Rent", "amount": "1200.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "startDate": "2026-10-01", "weekendRule": "AFTER", "payee": "Landlord", "categoryId": housing }),
    )
    .await;
    // 2026-11-01 is a Sunday: due Monday the 2nd.
    let body = act(&app, &user, "postOccurrence", &schedule, "2026-11-01").await;
    let posted = &body["data"]["postOccurrence"];
    assert_eq!(
        (&posted["status"], &posted["dueDate"], &posted["overdue"]),
        (&json!("POSTED"), &json!("2026-11-02"), &json!(false)),
        "{body}"
    );
    assert_eq!(
        posted["transaction"],
        json!({ "id": posted["transaction"]["id"], "transactionDate": "2026-11-02", "amount": "1200.00", "description": "Rent",
                "type": "EXPENSE", "payee": "Landlord", "category": { "id": housing } })
    );
    let body = app
        .gql(
            "query($b: ID!) { budget(id: $b) { spent } }",
            json!({ "b": budget["id"] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["budget"]["spent"], "1200.00");
    // Once only, by either way.
    assert_eq!(
        error_code(&act(&app, &user, "postOccurrence", &schedule, "2026-11-01").await),
        "CONFLICT"
    );
    assert_eq!(
        error_code(&act(&app, &user, "skipOccurrence", &schedule, "2026-11-01").await),
        "CONFLICT"
    );
    let body = act(&app, &user, "skipOccurrence", &schedule, "2026-12-01").await;
    assert_eq!(body["data"]["skipOccurrence"]["status"], "SKIPPED", "{body}");
    assert_eq!(body["data"]["skipOccurrence"]["transaction"], Value::Null);
    assert_eq!(
        error_code(&act(&app, &user, "postOccurrence", &schedule, "2026-12-01").await),
        "CONFLICT"
    );
    // A day that is no occurrence.
    let body = act(&app, &user, "postOccurrence", &schedule, "2026-11-15").await;
    assert_eq!(error_fields(&body), ["date"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 1);
    let statuses: Vec<Value> = occurrences(&app, &user, &schedule, "2026-10-01", "2027-01-31")
        .await
        .iter()
        .map(|o| o["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("OPEN"), json!("POSTED"), json!("SKIPPED"), json!("OPEN")]
    );
    // Deleting the posted transaction does not reopen the occurrence: it is not posted again.
    let id = posted["transaction"]["id"].clone();
    app.gql(
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": id }),
        Some(&user.access_token),
    )
    .await;
    assert_eq!(
        error_code(&act(&app, &user, "postOccurrence", &schedule, "2026-11-01").await),
        "CONFLICT"
    );

    let stranger = app.register_and_login().await;
    for mutation in ["postOccurrence", "skipOccurrence"] {
        assert_eq!(
            error_code(&act(&app, &stranger, mutation, &schedule, "2027-01-01").await),
            "NOT_FOUND"
        );
    }
    let body = app
        .gql(
            "mutation($id: ID!) { updateSchedule(id: $id, input: { amount: \"1.00\" }) { id } }",
            json!({ "id": schedule["id"] }),
            Some(&stranger.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .gql(
            "query($id: ID!) { schedule(id: $id) { id } node(id: $id) { id } schedules { id } }",
            json!({ "id": schedule["id"] }),
            Some(&stranger.access_token),
        )
        .await;
    assert_eq!(body["data"], json!({ "schedule": null, "node": null, "schedules": [] }));
    let body = app
        .gql(
            "mutation($id: ID!) { deleteSchedule(id: $id) }",
            json!({ "id": schedule["id"] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["deleteSchedule"], schedule["id"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_occurrences").await, 0);
}

#[tokio::test]
async fn upcoming_lists_open_occurrences_ahead_and_missed_ones_first() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let today = Utc::now().date_naive();
    let start = today - Duration::days(20);
    created(
        &app,
        &user,
        json!({ "description": "Gym", "amount": "30.00", "type": "EXPENSE", "rule": "FREQ=WEEKLY", "startDate": ymd(start) }),
    )
    .await;
    created(
        &app,
        &user,
        json!({ "description": "Salary", "amount": "3000.00", "type": "INCOME", "rule": "FREQ=MONTHLY", "startDate": ymd(today + Duration::days(5)) }),
    )
    .await;
    let body = app
        .gql(
            "{ upcoming(days: 14) { date dueDate overdue schedule { description } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let found = body["data"]["upcoming"].as_array().unwrap_or_else(|| panic!("{body}"));
    // Weekly from 20 days ago: 3 missed (20, 13 and 6 days ago), then 1 and 8 days ahead;
    // the salary in 5 days.
    let mut expected: Vec<(String, bool, &str)> = (0..5)
        .map(|week| start + Duration::weeks(week))
        .filter(|d| *d <= today + Duration::days(13))
        .map(|d| (ymd(d), d < today, "Gym"))
        .collect();
    expected.push((ymd(today + Duration::days(5)), false, "Salary"));
    expected.sort();
    let got: Vec<(String, bool, &str)> = found
        .iter()
        .map(|o| {
            (
                o["dueDate"].as_str().expect("due").to_owned(),
                o["overdue"].as_bool().expect("overdue"),
                o["schedule"]["description"].as_str().expect("description"),
            )
        })
        .collect();
    assert_eq!(got, expected);
    let body = app
        .gql("{ upcoming(days: 0) { date } }", json!({}), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn entered_and_imported_transactions_close_the_occurrence_they_fit() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let schedule = created(
        &app,
        &user,
        json!({ "description": "Rent", "amount": "1200.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "startDate": "2026-09-01", "amountTolerance": "5.00" }),
    )
    .await;
    let spend = |amount: &str, date: &str| json!({ "amount": amount, "description": "Bank", "transactionDate": date, "type": "EXPENSE" });
    // Two days early for October; a day late for November (December is 29 days early: too far).
    let early = create_transaction(&app, token, spend("1200.00", "2026-09-29")).await;
    let late = create_transaction(&app, token, spend("1196.50", "2026-11-02")).await;
    // Outside the tolerance, and income, match nothing.
    create_transaction(&app, token, spend("1194.99", "2026-12-01")).await;
    create_transaction(
        &app,
        token,
        json!({ "amount": "1200.00", "description": "Refund", "transactionDate": "2026-12-01", "type": "INCOME" }),
    )
    .await;
    // An import on the day itself.
    let body = app
        .gql(
            "mutation($d: String!) { importTransactions(input: { format: CSV, data: $d }) { imported } }",
            json!({ "d": "date,description,amount,type\n2026-12-01,Standing order,1200.00,expense\n" }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["importTransactions"]["imported"], 1, "{body}");
    let statuses = |found: Vec<Value>| {
        found
            .iter()
            .map(|o| {
                (
                    o["date"].as_str().expect("date").to_owned(),
                    o["status"].as_str().expect("status").to_owned(),
                    o["transaction"]["id"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let found = statuses(occurrences(&app, &user, &schedule, "2026-09-01", "2026-12-31").await);
    assert_eq!(found[0].1, "OPEN", "September has no payment");
    assert_eq!((&found[1].1, &found[1].2), (&"MATCHED".to_owned(), &json!(early)));
    assert_eq!((&found[2].1, &found[2].2), (&"MATCHED".to_owned(), &json!(late)));
    assert_eq!(found[3].1, "MATCHED", "the import");
    // Deleting a matched transaction reopens its occurrence.
    app.gql(
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": late }),
        Some(token),
    )
    .await;
    let found = statuses(occurrences(&app, &user, &schedule, "2026-11-01", "2026-11-30").await);
    assert_eq!(found[0].1, "OPEN");
}

#[tokio::test]
async fn an_early_payment_wins_over_a_late_one_and_each_occurrence_takes_one_transaction() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let other = create_account(&app, token, json!({ "name": "Other", "kind": "CHECKING" })).await;
    // Weekly on Mondays, a week's window: a Wednesday payment is 2 days late for one Monday
    // and 5 days early for the next; as Actual matches, the early one wins.
    let schedule = created(
        &app,
        &user,
        json!({ "description": "Cleaner", "amount": "50.00", "type": "EXPENSE", "rule": "FREQ=WEEKLY;BYDAY=MO",
                "startDate": "2026-11-02", "matchWindowDays": 7 }),
    )
    .await;
    let spend = |date: &str, account: Option<&str>| json!({ "amount": "50.00", "description": "Cleaner", "transactionDate": date, "type": "EXPENSE", "accountId": account });
    let wednesday = create_transaction(&app, token, spend("2026-11-04", None)).await;
    // Another account's payment is not this schedule's.
    create_transaction(&app, token, spend("2026-11-02", Some(&other))).await;
    // Now the missed Monday the 2nd (the oldest) takes the next late payment; a third finds
    // nothing left in its window.
    let second = create_transaction(&app, token, spend("2026-11-06", None)).await;
    let found: Vec<(String, Value)> = occurrences(&app, &user, &schedule, "2026-11-02", "2026-11-16")
        .await
        .iter()
        .map(|o| {
            (
                o["date"].as_str().expect("date").to_owned(),
                o["transaction"]["id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("2026-11-02".to_owned(), json!(second)),
            ("2026-11-09".to_owned(), json!(wednesday)),
            ("2026-11-16".to_owned(), Value::Null),
        ]
    );
}

#[tokio::test]
async fn repeating_transactions_are_suggested_as_schedules_and_accepted_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let today = Utc::now().date_naive();
    // Rent on the 1st of the last three months (within 5 %), a weekly cleaner, and noise.
    for (back, amount) in [(3, "1200.00"), (2, "1200.00"), (1, "1230.00")] {
        let day = (today.with_day(1).expect("day 1") - chrono::Months::new(back))
            .with_day(1)
            .expect("1st");
        create_transaction(
            &app,
            token,
            json!({ "amount": amount, "description": format!("Rent {}", day.month()), "transactionDate": ymd(day),
                    "type": "EXPENSE", "payee": "Landlord" }),
        )
        .await;
    }
    for week in 1..=4 {
        create_transaction(
            &app,
            token,
            json!({ "amount": "40.00", "description": "Cleaner", "transactionDate": ymd(today - Duration::weeks(week)), "type": "EXPENSE" }),
        )
        .await;
    }
    for (days, amount) in [(3, "12.00"), (11, "55.00"), (40, "7.50")] {
        create_transaction(
            &app,
            token,
            json!({ "amount": amount, "description": "Shop", "transactionDate": ymd(today - Duration::days(days)), "type": "EXPENSE" }),
        )
        .await;
    }
    // Another user's identical history is theirs alone.
    let stranger = app.register_and_login().await;
    create_transaction(
        &app,
        &stranger.access_token,
        json!({ "amount": "1200.00", "description": "Rent", "transactionDate": ymd(today), "type": "EXPENSE", "payee": "Landlord" }),
    )
    .await;
    let query = "{ scheduleSuggestions { id payee description amount amountTolerance type frequency rule nextDate transactions { id } } }";
    let body = app.gql(query, json!({}), Some(token)).await;
    let found = body["data"]["scheduleSuggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    let by_description = |d: &str| {
        found
            .iter()
            .find(|s| s["description"].as_str().is_some_and(|x| x.starts_with(d)))
            .unwrap_or_else(|| panic!("no {d} in {found:?}"))
            .clone()
    };
    assert_eq!(found.len(), 2, "{found:?}");
    let rent = by_description("Rent");
    assert_eq!(
        (
            &rent["payee"],
            &rent["amount"],
            &rent["amountTolerance"],
            &rent["frequency"],
            &rent["rule"]
        ),
        (
            &json!("Landlord"),
            &json!("1230.00"),
            &json!("61.50"),
            &json!("MONTHLY"),
            &json!("FREQ=MONTHLY;BYMONTHDAY=1")
        )
    );
    assert_eq!(rent["nextDate"], ymd(today.with_day(1).expect("1st")));
    assert_eq!(rent["transactions"].as_array().map(Vec::len), Some(3));
    let cleaner = by_description("Cleaner");
    assert_eq!(cleaner["frequency"], "WEEKLY");
    // Last paid a week ago: next due today.
    assert_eq!(cleaner["nextDate"], ymd(today));

    let body = app
        .gql(
            "mutation($id: ID!) { acceptScheduleSuggestion(id: $id, autoPost: true) { description amount rule startDate autoPost amountTolerance } }",
            json!({ "id": rent["id"] }),
            Some(token),
        )
        .await;
    assert_eq!(
        body["data"]["acceptScheduleSuggestion"],
        json!({ "description": rent["description"], "amount": "1230.00", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "startDate": rent["nextDate"], "autoPost": true, "amountTolerance": "61.50" })
    );
    let body = app.gql(query, json!({}), Some(token)).await;
    let left: Vec<&Value> = body["data"]["scheduleSuggestions"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert_eq!(left.len(), 1, "the rent is a schedule now");
    let body = app
        .gql(
            "mutation($id: ID!) { acceptScheduleSuggestion(id: $id) { id } }",
            json!({ "id": rent["id"] }),
            Some(token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .gql(
            "mutation($id: ID!) { acceptScheduleSuggestion(id: $id) { id } }",
            json!({ "id": cleaner["id"] }),
            Some(&stranger.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}
