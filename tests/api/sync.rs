//! Delta sync: a full snapshot, then only what changed, with deletions; paging; no change
//! missed when writes commit out of order; tokens expire with the tombstones they rely on.

use std::collections::BTreeSet;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_code, error_fields};

const CHANGES: &str = "query($since: String, $first: Int) { changes(since: $since, first: $first) {
  accounts { id } budgets { id } categories { id } transactions { id description } splits { id transactionId }
  goals { id } contributions { id } schedules { id } rules { id }
  deleted { typename id deletedAt } next hasMore } }";

async fn changes(app: &TestApp, user: &TestUser, since: Option<&str>, first: i64) -> Value {
    let body = app
        .gql(
            CHANGES,
            json!({ "since": since, "first": first }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["changes"].is_object(), "{body}");
    body["data"]["changes"].clone()
}

fn ids(set: &Value, list: &str) -> BTreeSet<String> {
    set[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {set}"))
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

fn expense(description: &str) -> Value {
    json!({ "amount": "5.00", "description": description, "transactionDate": "2026-11-10", "type": "EXPENSE" })
}

/// `createTransaction` through a client of its own (for tasks running beside the test).
async fn post_expense(client: reqwest::Client, url: String, token: String, description: String) -> Value {
    client
        .post(url)
        .bearer_auth(token)
        .json(
            &json!({ "query": "mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }",
                        "variables": { "input": expense(&description) } }),
        )
        .send()
        .await
        .expect("send")
        .json::<Value>()
        .await
        .expect("json")
}

async fn gql_ok(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    let body = app.gql(query, variables, Some(&user.access_token)).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_full_snapshot_then_only_what_changed_and_what_was_deleted() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let budget = create_budget(
        &app,
        &user.access_token,
        json!({ "name": "November", "amount": "500.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "200.00" }] }),
    )
    .await;
    let food = budget["categories"][0]["id"].as_str().expect("category").to_owned();
    let kept = create_transaction(&app, &user.access_token, expense("Kept")).await;
    let doomed = create_transaction(&app, &user.access_token, expense("Doomed")).await;
    let split = gql_ok(
        &app,
        &user,
        "mutation($c: ID!) { createTransaction(input: { amount: \"10.00\", description: \"Receipt\",
           transactionDate: \"2026-11-11\", type: EXPENSE,
           splits: [{ categoryId: $c, amount: \"6.00\" }, { amount: \"4.00\" }] }) { id splits { id } } }",
        json!({ "c": food }),
    )
    .await;
    let split_id = split["createTransaction"]["id"].as_str().expect("id").to_owned();
    let goal = gql_ok(
        &app,
        &user,
        "mutation { createSavingsGoal(input: { name: \"Bike\", targetAmount: \"300.00\" }) { id } }",
        json!({}),
    )
    .await;
    let goal_id = goal["createSavingsGoal"]["id"].as_str().expect("goal").to_owned();
    gql_ok(
        &app,
        &user,
        "mutation($g: ID!) { contributeToGoal(input: { goalId: $g, amount: \"20.00\" }) { id } }",
        json!({ "g": goal_id }),
    )
    .await;
    gql_ok(
        &app,
        &user,
        "mutation { createRule(input: { name: \"R\", conditions: [{ payee: { operator: CONTAINS, value: \"x\" } }],
           actions: [{ payee: \"X\" }] }) { id } }",
        json!({}),
    )
    .await;
    gql_ok(
        &app,
        &user,
        "mutation { createSchedule(input: { description: \"Rent\", amount: \"700.00\", type: EXPENSE,
           rule: \"FREQ=MONTHLY\", startDate: \"2026-12-01\" }) { id } }",
        json!({}),
    )
    .await;
    create_transaction(&app, &other.access_token, expense("Not mine")).await;

    let full = changes(&app, &user, None, 500).await;
    assert_eq!(full["hasMore"], false);
    let mut transactions = BTreeSet::from([kept.clone(), doomed.clone(), split_id.clone()]);
    assert_eq!(ids(&full, "transactions"), transactions);
    assert_eq!(ids(&full, "accounts").len(), 1, "the default account");
    assert_eq!(
        ids(&full, "budgets"),
        BTreeSet::from([budget["id"].as_str().expect("id").to_owned()])
    );
    assert_eq!(ids(&full, "categories"), BTreeSet::from([food.clone()]));
    assert_eq!(ids(&full, "splits").len(), 2);
    assert!(
        full["splits"]
            .as_array()
            .expect("splits")
            .iter()
            .all(|s| s["transactionId"] == split_id.as_str())
    );
    for list in ["goals", "contributions", "schedules", "rules"] {
        assert_eq!(ids(&full, list).len(), 1, "{list}");
    }
    let token = full["next"].as_str().expect("token").to_owned();

    // Nothing since: nothing.
    let quiet = changes(&app, &user, Some(&token), 500).await;
    assert_eq!(
        ids(&quiet, "transactions").len() + quiet["deleted"].as_array().expect("deleted").len(),
        0
    );
    assert_eq!(quiet["next"], token.as_str());

    // Someone else's writes are not my changes.
    create_transaction(&app, &other.access_token, expense("Still not mine")).await;
    assert!(ids(&changes(&app, &user, Some(&token), 500).await, "transactions").is_empty());

    gql_ok(
        &app,
        &user,
        "mutation($id: ID!) { updateTransaction(id: $id, input: { description: \"Kept, renamed\" }) { id } }",
        json!({ "id": kept }),
    )
    .await;
    gql_ok(
        &app,
        &user,
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": doomed }),
    )
    .await;
    let fresh = create_transaction(&app, &user.access_token, expense("Fresh")).await;
    let delta = changes(&app, &user, Some(&token), 500).await;
    transactions = BTreeSet::from([kept.clone(), fresh]);
    assert_eq!(ids(&delta, "transactions"), transactions);
    let renamed = delta["transactions"]
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["id"] == kept.as_str())
        .cloned();
    assert_eq!(renamed.expect("kept")["description"], "Kept, renamed");
    let deleted = delta["deleted"].as_array().expect("deleted");
    assert_eq!(deleted.len(), 1, "{delta}");
    assert_eq!(
        (deleted[0]["typename"].as_str(), deleted[0]["id"].as_str()),
        (Some("Transaction"), Some(doomed.as_str()))
    );
    assert!(ids(&delta, "budgets").is_empty() && ids(&delta, "accounts").is_empty());

    // Replacing a split's lines: new lines, and the old ones as deleted.
    gql_ok(
        &app,
        &user,
        "mutation($id: ID!) { updateTransaction(id: $id, input: { splits: [{ amount: \"7.00\" }, { amount: \"3.00\" }] }) { id } }",
        json!({ "id": split_id }),
    )
    .await;
    let lines = changes(&app, &user, delta["next"].as_str(), 500).await;
    assert_eq!(ids(&lines, "splits").len(), 2);
    let gone: Vec<&str> = lines["deleted"]
        .as_array()
        .expect("deleted")
        .iter()
        .map(|d| d["typename"].as_str().expect("t"))
        .collect();
    assert_eq!(gone, ["TransactionSplit", "TransactionSplit"]);

    for (since, first, field) in [
        (Some("nonsense"), 10, "since"),
        (None, 0, "first"),
        (None, 2001, "first"),
    ] {
        let body = app
            .gql(
                CHANGES,
                json!({ "since": since, "first": first }),
                Some(&user.access_token),
            )
            .await;
        assert_eq!(error_fields(&body), [field], "{body}");
    }
}

#[tokio::test]
async fn pages_cover_everything_exactly_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let mut created = BTreeSet::new();
    for i in 0..7 {
        created.insert(create_transaction(&app, &user.access_token, expense(&format!("T{i}"))).await);
    }
    let (mut seen, mut since, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let page = changes(&app, &user, since.as_deref(), 3).await;
        let objects = ids(&page, "transactions").len() + ids(&page, "accounts").len();
        assert!(objects <= 3, "{page}");
        seen.extend(ids(&page, "transactions"));
        since = Some(page["next"].as_str().expect("next").to_owned());
        pages += 1;
        if page["hasMore"] == false {
            break;
        }
    }
    assert_eq!(pages, 3, "7 transactions and the default account, 3 at a time");
    assert_eq!(seen.len(), 7, "no transaction twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), created);
}

/// The classic lost update of sync counters: a write that took its number first commits
/// last. Here a raw transaction holds a change open; a write through the API meanwhile has
/// to wait for it, a sync in between sees neither, and the sync after sees both.
#[tokio::test]
async fn a_write_committing_after_a_later_one_is_never_missed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let first = create_transaction(&app, &user.access_token, expense("First")).await;
    let token = changes(&app, &user, None, 500).await["next"]
        .as_str()
        .expect("next")
        .to_owned();

    let backend = app.db.get_database_backend();
    let held = app.db.begin().await.expect("begin");
    let sql = match backend {
        DbBackend::Postgres => "UPDATE transactions SET description = 'First, edited' WHERE id = $1",
        _ => "UPDATE transactions SET description = 'First, edited' WHERE id = ?",
    };
    let uuid: uuid::Uuid = first.parse().expect("uuid");
    held.execute_raw(Statement::from_sql_and_values(backend, sql, [uuid.into()]))
        .await
        .expect("held update");
    let token_value = user.access_token.clone();
    let writer = {
        let client = app.client.clone();
        let url = app.url("/graphql");
        tokio::spawn(post_expense(client, url, token_value, "Second".into()))
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let between = changes(&app, &user, Some(&token), 500).await;
    assert!(
        ids(&between, "transactions").is_empty(),
        "nothing has committed: {between}"
    );
    let between_token = between["next"].as_str().expect("next").to_owned();
    held.commit().await.expect("commit");
    let second = writer.await.expect("writer");
    let second = second["data"]["createTransaction"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{second}"))
        .to_owned();

    for since in [&token, &between_token] {
        let after = changes(&app, &user, Some(since), 500).await;
        assert_eq!(
            ids(&after, "transactions"),
            BTreeSet::from([first.clone(), second.clone()]),
            "since {since}"
        );
    }
}

#[tokio::test]
async fn concurrent_writers_and_a_syncing_reader_lose_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (client, url, token) = (app.client.clone(), app.url("/graphql"), user.access_token.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..12 {
                    let body = post_expense(client.clone(), url.clone(), token.clone(), format!("W{w}-{i}")).await;
                    ids.push(
                        body["data"]["createTransaction"]["id"]
                            .as_str()
                            .unwrap_or_else(|| panic!("{body}"))
                            .to_owned(),
                    );
                }
                ids
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut since: Option<String> = None;
    let sync = |since: Option<String>| {
        let (app, user) = (&app, &user);
        async move { changes(app, user, since.as_deref(), 5).await }
    };
    while !writers.iter().all(|w| w.is_finished()) {
        let page = sync(since.clone()).await;
        seen.extend(ids(&page, "transactions"));
        since = Some(page["next"].as_str().expect("next").to_owned());
    }
    let mut written = BTreeSet::new();
    for writer in writers {
        written.extend(writer.await.expect("writer"));
    }
    loop {
        let page = sync(since.clone()).await;
        seen.extend(ids(&page, "transactions"));
        since = Some(page["next"].as_str().expect("next").to_owned());
        if page["hasMore"] == false {
            break;
        }
    }
    assert_eq!(seen, written);
}

#[tokio::test]
async fn a_token_older_than_the_remembered_deletions_must_resync() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let doomed = create_transaction(&app, &user.access_token, expense("Doomed")).await;
    let token = changes(&app, &user, None, 500).await["next"]
        .as_str()
        .expect("next")
        .to_owned();
    gql_ok(
        &app,
        &user,
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": doomed }),
    )
    .await;
    // The deletion happened long ago, as far as the clean-up can tell.
    let backend = app.db.get_database_backend();
    let old = match backend {
        DbBackend::Postgres => "UPDATE sync_tombstones SET deleted_at = now() - interval '91 days'",
        _ => "UPDATE sync_tombstones SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-91 days')",
    };
    app.db.execute_unprepared(old).await.expect("age the tombstone");
    let before = changes(&app, &user, Some(&token), 500).await;
    assert_eq!(
        before["deleted"][0]["id"],
        doomed.as_str(),
        "remembered until the clean-up runs"
    );

    // A server running jobs does the daily clean-up at start.
    let _jobs = app.instance(&[]).await;
    let mut body = Value::Null;
    for _ in 0..100 {
        body = app
            .gql(
                CHANGES,
                json!({ "since": token, "first": 10 }),
                Some(&user.access_token),
            )
            .await;
        if body["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_EXPIRED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(error_code(&body), "SYNC_TOKEN_EXPIRED", "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sync_tombstones").await, 0);
    // Starting over works, and its token is good.
    let fresh = changes(&app, &user, None, 500).await;
    assert!(ids(&fresh, "transactions").is_empty());
    changes(&app, &user, fresh["next"].as_str(), 500).await;
}
