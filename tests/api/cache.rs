//! The read cache: a repeated query costs one statement (the version check) from its third
//! run until a write of the user's changes the version, a refused document costs none, writes outside delta sync's tables count too, users never
//! share a response, and two instances sharing Redis never serve a stale figure.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_schedule, create_transaction};

const PAGE: &str = "{ transactions(first: 50) { totalCount nodes { id amount } } }";

async fn read(app: &TestApp, user: &TestUser, query: &str) -> (Value, u64) {
    let (body, statements) = app
        .statements_during(app.gql(query, json!({}), Some(&user.access_token)))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    (body["data"].clone(), statements)
}

fn lunch(amount: &str) -> Value {
    json!({ "amount": amount, "description": "Lunch", "transactionDate": "2026-11-10", "type": "EXPENSE" })
}

#[tokio::test]
async fn a_repeated_query_costs_one_statement_until_a_write_changes_the_data() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    create_transaction(&app, &user.access_token, lunch("4.00")).await;

    // The first clean run primes the key (no version read), the second reads the version and
    // stores the response, the third is served.
    let (first, executed) = read(&app, &user, PAGE).await;
    assert!(executed > 1, "the first read executes ({executed} statements)");
    let (second, stored) = read(&app, &user, PAGE).await;
    assert_eq!((second, stored), (first.clone(), executed + 1));
    let (again, cached) = read(&app, &user, PAGE).await;
    assert_eq!(again, first);
    assert_eq!(cached, 1, "served from the cache after the version check");

    let id = create_transaction(&app, &user.access_token, lunch("6.50")).await;
    let (after, statements) = read(&app, &user, PAGE).await;
    assert!(statements > 1, "the write advanced the version");
    assert_eq!(after["transactions"]["totalCount"], 2);
    assert!(
        after["transactions"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["id"] == id.as_str())
    );

    // Another document (or other variables) is another entry; a mutation is never cached.
    let (_, other) = read(&app, &user, "{ transactions(first: 10) { totalCount } }").await;
    assert!(other > 1);
}

#[tokio::test]
async fn with_the_cache_off_every_read_executes() {
    let app = TestApp::spawn_with(&[("CACHE_ENABLED", "false")]).await;
    let user = app.register_and_login().await;
    create_transaction(&app, &user.access_token, lunch("4.00")).await;
    let (first, executed) = read(&app, &user, PAGE).await;
    let (again, statements) = read(&app, &user, PAGE).await;
    assert_eq!((again, statements), (first, executed));
}

#[tokio::test]
async fn users_never_share_a_cached_response() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register_and_login().await, app.register_and_login().await);
    let query = "{ me { email } transactions(first: 5) { totalCount } }";
    create_transaction(&app, &alice.access_token, lunch("1.00")).await;
    for _ in 0..2 {
        let (mine, _) = read(&app, &alice, query).await;
        let (theirs, _) = read(&app, &bob, query).await;
        assert_eq!(
            mine,
            json!({ "me": { "email": alice.email }, "transactions": { "totalCount": 1 } })
        );
        assert_eq!(
            theirs,
            json!({ "me": { "email": bob.email }, "transactions": { "totalCount": 0 } })
        );
    }
}

#[tokio::test]
async fn writes_outside_delta_sync_advance_the_version_too() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = Some(user.access_token.as_str());

    // The user's own row.
    let me = "{ me { firstName } }";
    read(&app, &user, me).await;
    let body = app
        .gql(
            "mutation { updateProfile(input: { firstName: \"Ada\" }) { firstName } }",
            json!({}),
            token,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(read(&app, &user, me).await.0, json!({ "me": { "firstName": "Ada" } }));

    // Exchange rates.
    let rates = "{ exchangeRates { base quote rate } }";
    assert_eq!(read(&app, &user, rates).await.0, json!({ "exchangeRates": [] }));
    let body = app
        .gql(
            "mutation { setExchangeRate(input: { base: \"EUR\", quote: \"USD\", date: \"2026-11-01\", rate: \"1.08\" }) { rate } }",
            json!({}),
            token,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        read(&app, &user, rates).await.0,
        json!({ "exchangeRates": [{ "base": "EUR", "quote": "USD", "rate": "1.08" }] })
    );

    // Schedule occurrences: skipping one takes it out of what is upcoming.
    let today = chrono::Utc::now().date_naive();
    let schedule = create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Rent", "amount": "900.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY",
                "startDate": (today + chrono::Duration::days(2)).to_string() }),
    )
    .await;
    let upcoming = "{ upcoming(days: 10) { date status } }";
    let (before, _) = read(&app, &user, upcoming).await;
    assert_eq!(before["upcoming"].as_array().map(Vec::len), Some(1), "{before}");
    let date = before["upcoming"][0]["date"].clone();
    let body = app
        .gql(
            "mutation($s: ID!, $d: Date!) { skipOccurrence(scheduleId: $s, date: $d) { status } }",
            json!({ "s": schedule, "d": date }),
            token,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (after, _) = read(&app, &user, upcoming).await;
    assert_ne!(after, before, "the skipped occurrence shows as skipped or not at all");
}

/// Two instances sharing one database and one Redis: a write on either is seen by the next
/// read on the other, every time. CI sets TEST_REDIS_URL.
#[tokio::test]
async fn two_instances_sharing_redis_never_serve_a_stale_figure() {
    let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TEST_REDIS_URL is not set: skipping the shared cache test");
        return;
    };
    let prefix = format!("test-{}", uuid::Uuid::now_v7().simple());
    let vars = [("REDIS_URL", url.as_str()), ("REDIS_PREFIX", prefix.as_str())];
    let first = TestApp::spawn_with(&vars).await;
    let second = first.instance(&[vars[0], vars[1], ("JOBS_ENABLED", "false")]).await;
    let user = first.register_and_login().await;
    let total = "{ transactionStats { count totalExpenses } }";
    let mut expected_cents = 0_i64;
    for n in 1..=20_i64 {
        let (writer, reader) = if n % 2 == 0 {
            (&first, &second)
        } else {
            (&second, &first)
        };
        // Read on both first, so each has the old figure cached.
        read(writer, &user, total).await;
        read(reader, &user, total).await;
        create_transaction(writer, &user.access_token, lunch(&format!("{n}.25"))).await;
        expected_cents += n * 100 + 25;
        let (seen, _) = read(reader, &user, total).await;
        assert_eq!(
            seen["transactionStats"],
            json!({ "count": n, "totalExpenses": format!("{}.{:02}", expected_cents / 100, expected_cents % 100) }),
            "after write {n}"
        );
    }
}

#[tokio::test]
async fn a_document_the_limits_refuse_never_costs_a_statement() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let directives = "{ me @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) { id } }";
    for _ in 0..3 {
        let (response, statements) = app
            .statements_during(app.post_graphql(json!({ "query": directives }), Some(&user.access_token)))
            .await;
        let body: Value = response.json().await.expect("json");
        assert_eq!(crate::helpers::error_code(&body), "QUERY_TOO_COMPLEX");
        assert_eq!(statements, 0);
    }
}
