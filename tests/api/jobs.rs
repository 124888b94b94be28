//! The background job runner: due scheduled transactions posted exactly once, also after
//! downtime and with two servers on one database; a failing job retried until it succeeds;
//! the daily clean-up; the queue in /metrics; a graceful stop.

use std::time::Duration;

use chrono::{Datelike, Months, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use smartsave::Application;
use smartsave::foundation::{db, entities::idempotency_keys};

use crate::expected::ymd;
use crate::helpers::{TestApp, create_schedule, test_config};

/// The first day of the month `back` months before this one (UTC, the users' time zone here).
fn first_of_month(back: u32) -> NaiveDate {
    let today = Utc::now().date_naive();
    today.with_day(1).expect("day 1") - Months::new(back)
}

/// Waits (at most 30 s) until `sql` counts `expected`; returns the last count.
async fn until_count(app: &TestApp, sql: &str, expected: i64) -> i64 {
    let mut count = app.count(sql).await;
    for _ in 0..300 {
        if count == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        count = app.count(sql).await;
    }
    count
}

#[tokio::test]
async fn a_server_started_after_three_missed_months_posts_the_three_once() {
    // The schedule is made while no server runs jobs (the service was down).
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let start = first_of_month(2);
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Rent", "amount": "900.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "startDate": ymd(start), "autoPost": true }),
    )
    .await;
    // A manual schedule is never posted by the runner.
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Gym", "amount": "30.00", "type": "EXPENSE", "rule": "FREQ=DAILY", "startDate": ymd(start) }),
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);

    let server = app.instance(&[]).await;
    let posted = until_count(&server, "SELECT COUNT(*) FROM transactions", 3).await;
    assert_eq!(posted, 3, "the 1st of each of the three months");
    // Later ticks post nothing more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 3);
    let body = app
        .gql(
            "{ transactions(first: 10, orderBy: { field: TRANSACTION_DATE, direction: ASC }) { nodes { transactionDate amount description } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let dates: Vec<String> = (0..3).rev().map(|back| ymd(first_of_month(back))).collect();
    let found: Vec<&str> = body["data"]["transactions"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|t| t["transactionDate"].as_str().expect("date"))
        .collect();
    assert_eq!(found, dates);
}

#[tokio::test]
async fn two_servers_on_one_database_post_each_occurrence_exactly_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let today = Utc::now().date_naive();
    let start = today - chrono::Duration::days(40);
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Coffee", "amount": "3.50", "type": "EXPENSE", "rule": "FREQ=DAILY",
                "startDate": ymd(start), "autoPost": true }),
    )
    .await;
    // And the monthly rent whose last three occurrences are due.
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Rent", "amount": "900.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "startDate": ymd(first_of_month(2)), "autoPost": true }),
    )
    .await;
    // Two instances start together and both catch up at once.
    let (first, second) = tokio::join!(app.instance(&[]), app.instance(&[]));
    let expected = (today - start).num_days() + 1 + 3;
    let posted = until_count(&app, "SELECT COUNT(*) FROM transactions", expected).await;
    assert_eq!(posted, expected);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, expected);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE description = 'Rent'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM schedule_occurrences WHERE status = 'posted'")
            .await,
        expected
    );
    drop((first, second));
}

#[tokio::test]
async fn racing_posting_runs_write_each_occurrence_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let today = Utc::now().date_naive();
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Daily", "amount": "1.00", "type": "EXPENSE", "rule": "FREQ=DAILY",
                "startDate": ymd(today - chrono::Duration::days(19)), "autoPost": true }),
    )
    .await;
    let events = smartsave::events::EventBus::in_process();
    let runs = (0..8).map(|_| smartsave::schedules::posting::post_due(&app.db, &events));
    let results = futures_util::future::join_all(runs).await;
    let posted: usize = results.iter().map(|r| r.as_ref().expect("a run").posted).sum();
    assert_eq!(posted, 20, "{results:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 20);
}

#[tokio::test]
async fn a_failing_posting_job_is_retried_and_succeeds_when_the_database_is_back() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Rent", "amount": "900.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "startDate": ymd(first_of_month(0)), "autoPost": true }),
    )
    .await;
    // Posting fails while its table is missing.
    let exec = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect(sql);
        }
    };
    exec("ALTER TABLE schedule_occurrences RENAME TO schedule_occurrences_away").await;
    // The next tick is an hour away: only a retry of the start-up job can post in time.
    let server = app.instance(&[("SCHEDULE_POSTING_INTERVAL", "1h")]).await;
    let mut failures = 0;
    for _ in 0..100 {
        failures = errors_of(&server, "post_schedules").await;
        if failures > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(failures > 0, "the posting job ran and failed");
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);
    exec("ALTER TABLE schedule_occurrences_away RENAME TO schedule_occurrences").await;
    // A retry (1 s, then 2 s, then 4 s after a failure) finds the table back.
    assert_eq!(until_count(&app, "SELECT COUNT(*) FROM transactions", 1).await, 1);
}

/// `job_runs_total{job, outcome="error"}` from the server's /metrics (process-wide: only the
/// retry test makes a job fail).
async fn errors_of(app: &TestApp, job: &str) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    let series = format!("job_runs_total{{job=\"{job}\",outcome=\"error\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_clean_up_deletes_expired_tokens_and_keys_and_keeps_live_ones() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let exec = |sql: String| {
        let db = app.db.clone();
        async move {
            db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect("statement");
        }
    };
    // Age one of the user's two refresh tokens past its expiry, and one idempotency key by two
    // days.
    app.login(&user.email, crate::helpers::PASSWORD).await;
    exec(
        "UPDATE refresh_tokens SET expires_at = created_at WHERE id IN (SELECT id FROM refresh_tokens ORDER BY created_at LIMIT 1)".into(),
    )
    .await;
    for (key, age) in [("old", 48), ("new", 1)] {
        let body: Value = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", user.access_token))
            .header("idempotency-key", key)
            .body(json!({ "query": "mutation { createTransaction(input: { amount: \"1.00\", description: \"x\", transactionDate: \"2026-11-01\", type: EXPENSE }) { id } }" }).to_string())
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert!(body["data"]["createTransaction"].is_object(), "{body}");
        // Bound, not spliced into the text: the database driver writes the timestamp in the
        // same form as the service does (SQLite compares these as text, so a form with a space
        // instead of a `T` would sort before every stored time of the same day).
        let created = db::now() - chrono::Duration::hours(age);
        idempotency_keys::Entity::update_many()
            .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(created))
            .filter(idempotency_keys::Column::Key.eq(key))
            .exec(&app.db)
            .await
            .expect("age the key");
    }
    let tokens = app.count("SELECT COUNT(*) FROM refresh_tokens").await;
    let server = app.instance(&[]).await;
    assert_eq!(
        until_count(&server, "SELECT COUNT(*) FROM refresh_tokens", tokens - 1).await,
        tokens - 1
    );
    assert_eq!(
        until_count(&server, "SELECT COUNT(*) FROM idempotency_keys", 1).await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'new'")
            .await,
        1
    );
}

#[tokio::test]
async fn metrics_show_the_queue_and_each_runs_outcome() {
    let app = TestApp::spawn_with_jobs(&[]).await;
    let mut text = String::new();
    for _ in 0..100 {
        text = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("body");
        if text.contains("job_runs_total{job=\"post_schedules\",outcome=\"ok\"}")
            && text.contains("jobs{state=\"queued\"}")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for series in [
        "job_runs_total{job=\"post_schedules\",outcome=\"ok\"}",
        "job_runs_total{job=\"cleanup\",outcome=\"ok\"}",
        "jobs{state=\"queued\"}",
        "jobs{state=\"running\"}",
        "jobs{state=\"retrying\"}",
        "jobs{state=\"failed\"}",
    ] {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
}

#[tokio::test]
async fn a_server_running_jobs_stops_promptly_when_asked() {
    let database = crate::helpers::TestDatabase::create().await;
    let vars = database.job_vars(&[("SHUTDOWN_TIMEOUT", "3s")]);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let config = test_config(&vars);
    let connection = db::connect_with(database.options(&config)).await.expect("connect");
    db::migrate(&connection).await.expect("migrate");
    let app = Application::with_database(config, connection).await.expect("app");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked = std::time::Instant::now();
    let _ = stop.send(());
    let result = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "stopped in {:?}",
        asked.elapsed()
    );
}
