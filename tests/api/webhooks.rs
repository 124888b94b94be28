//! Webhooks end to end: a receiver on loopback gets signed Standard Webhooks messages for the
//! events it subscribes to, sees retries after failures, is disabled after 410 or the whole
//! retry schedule (with a notification), and never sees another user's events.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_schedule, create_transaction, error_code};
use crate::notifications::{budget, expense, list, mailed_user_with, of_kind};
use crate::receiver::{Receiver, Request};

/// Webhooks may reach the loopback receiver, due deliveries are looked for every 200 ms and a
/// failed one is retried twice, 300 ms apart, before it fails for good.
const VARS: [(&str, &str); 3] = [
    ("WEBHOOK_ALLOW_PRIVATE", "true"),
    ("WEBHOOK_POLL_INTERVAL", "200ms"),
    ("WEBHOOK_RETRY_SCHEDULE", "300ms,300ms"),
];

const CREATE: &str = "mutation($url: String!, $events: [String!]!, $d: String) {
  createWebhook(url: $url, events: $events, description: $d) { secret webhook { id url events enabled description } } }";

const DELIVERIES: &str = "query { webhooks { id enabled disabledReason
  deliveries(first: 50) { id messageId eventType status attempts responseCode lastError payload } } }";

/// Registers a webhook; its id and secret.
async fn webhook(app: &TestApp, user: &TestUser, url: &str, events: &[&str]) -> (String, String) {
    let body = app
        .gql(
            CREATE,
            json!({ "url": url, "events": events }),
            Some(&user.access_token),
        )
        .await;
    let created = &body["data"]["createWebhook"];
    let secret = created["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    (created["webhook"]["id"].as_str().expect("id").to_owned(), secret)
}

/// The caller's webhooks with their delivery logs.
async fn logs(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let body = app.gql(DELIVERIES, json!({}), Some(&user.access_token)).await;
    body["data"]["webhooks"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

/// Polls the caller's first webhook until `done` holds (up to 20 s).
async fn until(app: &TestApp, user: &TestUser, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let hooks = logs(app, user).await;
        if done(&hooks[0]) {
            return hooks[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the webhook never got there: {:?}", logs(app, user).await);
}

/// A receiver, a server running jobs and a user with one webhook at `path` for `events`; the
/// webhook's id and secret.
async fn hooked(path: &str, events: &[&str]) -> (Receiver, TestApp, TestUser, String, String) {
    let receiver = Receiver::start().await;
    let app = TestApp::spawn_with_jobs(&VARS).await;
    let user = app.register_and_login().await;
    let (id, secret) = webhook(&app, &user, &receiver.url(path), events).await;
    (receiver, app, user, id, secret)
}

/// An expense of `amount` on 2026-11-10 without a category; its id.
async fn spend(app: &TestApp, user: &TestUser, amount: &str, description: &str) -> String {
    let input = json!({ "amount": amount, "description": description, "transactionDate": "2026-11-10",
                        "type": "EXPENSE" });
    create_transaction(app, &user.access_token, input).await
}

fn of_type<'a>(received: &'a [Request], event_type: &str) -> Vec<&'a Request> {
    received.iter().filter(|r| r.json()["type"] == event_type).collect()
}

#[tokio::test]
async fn a_budget_crossing_80_percent_makes_one_notification_one_email_and_one_signed_delivery() {
    let receiver = Receiver::start().await;
    let address = "hooked@example.com";
    let (app, sink, user) = mailed_user_with(address, true, &VARS).await;
    let (_, secret) = webhook(&app, &user, &receiver.url("/budget"), &["budget.alert"]).await;
    assert!(secret.starts_with("whsec_"));
    let (budget_id, food) = budget(&app, &user).await;

    let spent = create_transaction(&app, &user.access_token, expense("85.00", &food)).await;

    let received = receiver.wait_for(1).await;
    let request = &received[0];
    assert_eq!(request.path, "/budget");
    assert_eq!(request.content_type, "application/json");
    assert!(
        request.signed_with(&secret),
        "the signature does not verify: {request:?}"
    );
    assert!(request.id.starts_with("msg_"), "{request:?}");
    let now = chrono::Utc::now().timestamp();
    assert!((now - 60..=now).contains(&request.timestamp), "{request:?}");
    let payload = request.json();
    assert_eq!(payload["type"], "budget.alert");
    assert!(
        payload["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{payload}"
    );
    let data = &payload["data"];
    assert_eq!(
        (
            &data["budgetId"],
            &data["threshold"],
            &data["spent"],
            &data["amount"],
            &data["transactionId"]
        ),
        (
            &json!(budget_id),
            &json!(80),
            &json!("85.00"),
            &json!("100.00"),
            &json!(spent)
        ),
    );

    let mail = sink.wait_for(address, 2).await;
    let alerts: Vec<_> = mail.iter().filter(|m| m.subject().contains("80")).collect();
    assert_eq!(alerts.len(), 1, "{mail:?}");
    let (nodes, ..) = list(&app, &user, false).await;
    assert_eq!(of_kind(&nodes, "BUDGET_ALERT").len(), 1, "{nodes:?}");

    // The log shows the delivery as the receiver answered it; nothing else was sent (the
    // transaction itself is not subscribed to).
    let hook = until(&app, &user, |h| h["deliveries"][0]["status"] == "SUCCEEDED").await;
    let deliveries = hook["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 1, "{hook}");
    assert_eq!(
        (
            &deliveries[0]["messageId"],
            &deliveries[0]["responseCode"],
            &deliveries[0]["attempts"]
        ),
        (&json!(request.id), &json!(200), &json!(1)),
    );
    assert_eq!(deliveries[0]["payload"], payload);
    assert_eq!(receiver.settled().await.len(), 1);
}

#[tokio::test]
async fn a_receiver_answering_500_is_retried_with_the_same_message_until_it_succeeds() {
    let (receiver, app, user, _, secret) = hooked("/tx", &["transaction.created"]).await;
    receiver.answer_next(&[(500, None)]);

    let id = spend(&app, &user, "12.50", "Lunch").await;

    let received = receiver.wait_for(2).await;
    assert_eq!(received[0].id, received[1].id, "a retry is the same message");
    assert_eq!(received[0].body, received[1].body);
    assert!(received.iter().all(|r| r.signed_with(&secret)));
    let data = &received[1].json()["data"];
    assert_eq!(
        (
            &data["id"],
            &data["amount"],
            &data["type"],
            &data["description"],
            &data["date"]
        ),
        (
            &json!(id),
            &json!("12.50"),
            &json!("EXPENSE"),
            &json!("Lunch"),
            &json!("2026-11-10")
        ),
    );
    let hook = until(&app, &user, |h| h["deliveries"][0]["status"] == "SUCCEEDED").await;
    assert_eq!(hook["deliveries"][0]["attempts"], 2);
    assert_eq!(hook["deliveries"][0]["responseCode"], 200);
    assert_eq!(hook["enabled"], true);
}

#[tokio::test]
async fn a_receiver_failing_through_the_schedule_is_disabled_with_a_notification() {
    let (receiver, app, user, hook_id, _) = hooked("/down", &["transaction.created"]).await;
    receiver.answer_always(503);
    spend(&app, &user, "1.00", "Tea").await;

    // The first attempt and the schedule's two retries, then no more.
    let hook = until(&app, &user, |h| h["enabled"] == false).await;
    let received = receiver.settled().await;
    assert_eq!(received.len(), 3, "{received:?}");
    let delivery = &hook["deliveries"][0];
    assert_eq!(
        (&delivery["status"], &delivery["attempts"], &delivery["responseCode"]),
        (&json!("FAILED"), &json!(3), &json!(503)),
    );
    assert!(
        hook["disabledReason"]
            .as_str()
            .is_some_and(|r| r.contains("3 attempts")),
        "{hook}"
    );
    let (nodes, ..) = list(&app, &user, false).await;
    let disabled = of_kind(&nodes, "WEBHOOK_DISABLED");
    assert_eq!(disabled.len(), 1, "{nodes:?}");
    assert_eq!(disabled[0]["data"]["webhookId"], hook_id.as_str());

    // Disabled: a new transaction queues nothing that is sent.
    spend(&app, &user, "1.00", "Tea").await;
    assert_eq!(receiver.settled().await.len(), 3);

    // Enabled again with a working receiver, a test message goes through.
    receiver.answer_always(200);
    let body = app
        .gql(
            "mutation($id: ID!) { updateWebhook(id: $id, input: { enabled: true }) { enabled disabledReason } }",
            json!({ "id": hook_id }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["updateWebhook"],
        json!({ "enabled": true, "disabledReason": null })
    );
    let body = app
        .gql(
            "mutation($id: ID!) { testWebhook(id: $id) { eventType status } }",
            json!({ "id": hook_id }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["testWebhook"],
        json!({ "eventType": "webhook.test", "status": "PENDING" })
    );
    let received = receiver.wait_for(4).await;
    assert!(
        received.iter().any(|r| r.json()["type"] == "webhook.test"),
        "{received:?}"
    );
}

#[tokio::test]
async fn a_410_disables_the_webhook_at_once_and_retry_after_delays_the_retry() {
    let (receiver, app, user, ..) = hooked("/gone", &["transaction.created"]).await;
    // A 429 asking for 2 s: the retry waits for it rather than the schedule's 300 ms.
    receiver.answer_next(&[(429, Some("2")), (410, None)]);
    spend(&app, &user, "2.00", "Bus").await;
    let received = receiver.wait_for(2).await;
    let waited = received[1].timestamp - received[0].timestamp;
    assert!(waited >= 2, "the retry came {waited} s after a Retry-After of 2 s");
    let hook = until(&app, &user, |h| h["enabled"] == false).await;
    assert_eq!(hook["deliveries"][0]["status"], "FAILED");
    assert_eq!(hook["deliveries"][0]["attempts"], 2);
    assert!(
        hook["disabledReason"].as_str().is_some_and(|r| r.contains("410")),
        "{hook}"
    );
    assert_eq!(receiver.settled().await.len(), 2);
}

#[tokio::test]
async fn a_receiver_never_sees_another_users_events_nor_can_they_touch_its_webhook() {
    let all = ["transaction.created", "transaction.updated", "transaction.deleted"];
    let (receiver, app, alice, alice_hook, _) = hooked("/alice", &all).await;
    let bob = app.register_and_login().await;
    webhook(&app, &bob, &receiver.url("/bob"), &all).await;
    let bobs = spend(&app, &bob, "9.00", "Lunch").await;
    let alices = spend(&app, &alice, "9.00", "Lunch").await;

    let received = receiver.wait_for(2).await;
    let ids_at = |path: &str| -> Vec<Value> {
        received
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.json()["data"]["id"].clone())
            .collect()
    };
    assert_eq!(ids_at("/alice"), vec![json!(alices)]);
    assert_eq!(ids_at("/bob"), vec![json!(bobs)]);

    // Bob sees only his webhook and cannot change, test, delete or redeliver Alice's.
    let hooks = logs(&app, &bob).await;
    assert_eq!(hooks.len(), 1);
    assert_ne!(hooks[0]["id"], alice_hook.as_str());
    for mutation in [
        "mutation($id: ID!) { updateWebhook(id: $id, input: { enabled: false }) { id } }",
        "mutation($id: ID!) { testWebhook(id: $id) { id } }",
        "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
        "mutation($id: ID!) { deleteWebhook(id: $id) }",
    ] {
        let body = app
            .gql(mutation, json!({ "id": alice_hook }), Some(&bob.access_token))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{mutation}: {body}");
    }
    let alices_delivery =
        until(&app, &alice, |h| h["deliveries"][0]["status"] == "SUCCEEDED").await["deliveries"][0]["id"].clone();
    let body = app
        .gql(
            "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }",
            json!({ "id": alices_delivery }),
            Some(&bob.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

    // Alice's own redelivery sends the same message again.
    let body = app
        .gql(
            "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { status messageId } }",
            json!({ "id": alices_delivery }),
            Some(&alice.access_token),
        )
        .await;
    let message_id = body["data"]["redeliverWebhook"]["messageId"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let received = receiver.wait_for(3).await;
    let again: Vec<_> = received.iter().filter(|r| r.id == message_id).collect();
    assert_eq!(again.len(), 2, "{received:?}");
    assert!(again.iter().all(|r| r.path == "/alice"));
}

#[tokio::test]
async fn updates_and_deletes_go_only_to_webhooks_subscribed_to_them() {
    let (receiver, app, user, ..) = hooked("/created", &["transaction.created"]).await;
    webhook(
        &app,
        &user,
        &receiver.url("/changes"),
        &["transaction.updated", "transaction.deleted"],
    )
    .await;
    let token = user.access_token.as_str();
    let id = spend(&app, &user, "5.00", "Coffee").await;
    let body = app
        .gql(
            "mutation($id: ID!) { updateTransaction(id: $id, input: { amount: \"6.00\" }) { id } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");
    let body = app
        .gql(
            "mutation($id: ID!) { deleteTransaction(id: $id) }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");

    let received = receiver.wait_for(3).await;
    let at = |path: &str| -> Vec<String> {
        received
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.json()["type"].as_str().expect("type").to_owned())
            .collect()
    };
    assert_eq!(at("/created"), vec!["transaction.created"]);
    let mut changes = at("/changes");
    changes.sort();
    assert_eq!(changes, vec!["transaction.deleted", "transaction.updated"]);
    assert_eq!(
        of_type(&received, "transaction.updated")[0].json()["data"]["amount"],
        "6.00"
    );
    assert_eq!(
        of_type(&received, "transaction.deleted")[0].json()["data"],
        json!({ "id": id })
    );
    assert_eq!(receiver.settled().await.len(), 3);
}

#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_old_one_during_the_overlap() {
    let (receiver, app, user, hook, old) = hooked("/r", &["transaction.created"]).await;
    let body = app
        .gql(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { previousSecretExpiresAt } } }",
            json!({ "id": hook }),
            Some(&user.access_token),
        )
        .await;
    let rotated = &body["data"]["rotateWebhookSecret"];
    let new = rotated["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_ne!(new, old);
    let expires: chrono::DateTime<chrono::Utc> = rotated["webhook"]["previousSecretExpiresAt"]
        .as_str()
        .expect("overlap end")
        .parse()
        .expect("a date-time");
    let hours = (expires - chrono::Utc::now()).num_minutes();
    assert!(
        (23 * 60..=24 * 60).contains(&hours),
        "the overlap ends in {hours} minutes"
    );
    spend(&app, &user, "3.00", "Snack").await;
    let request = receiver.wait_for(1).await[0].clone();
    assert_eq!(request.signatures().len(), 2, "{request:?}");
    assert!(request.signed_with(&new) && request.signed_with(&old));
    assert!(!request.signed_with("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}

#[tokio::test]
async fn bad_webhooks_are_refused_and_private_addresses_only_when_allowed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = Some(user.access_token.as_str());
    for (url, events) in [
        ("http://127.0.0.1:9/hook", json!(["transaction.created"])),
        ("http://localhost:9/hook", json!(["transaction.created"])),
        ("http://10.0.0.7/hook", json!(["transaction.created"])),
        ("http://169.254.169.254/latest", json!(["transaction.created"])),
        ("ftp://hooks.example.com/", json!(["transaction.created"])),
        ("https://hooks.example.com/", json!([])),
        ("https://hooks.example.com/", json!(["transaction.exploded"])),
    ] {
        let body = app.gql(CREATE, json!({ "url": url, "events": events }), token).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url} {events}: {body}");
    }
    let body = app
        .gql(
            CREATE,
            json!({ "url": "https://hooks.example.com/in", "events": ["budget.alert", "budget.alert"], "d": " Sheet " }),
            token,
        )
        .await;
    assert_eq!(
        body["data"]["createWebhook"]["webhook"],
        json!({ "id": body["data"]["createWebhook"]["webhook"]["id"], "url": "https://hooks.example.com/in",
                "events": ["budget.alert"], "enabled": true, "description": "Sheet" })
    );
    let types = app.gql("{ webhookEventTypes }", json!({}), token).await;
    assert_eq!(
        types["data"]["webhookEventTypes"],
        json!([
            "transaction.created",
            "transaction.updated",
            "transaction.deleted",
            "budget.alert",
            "goal.milestone",
            "achievement.unlocked",
            "schedule.posted"
        ])
    );
    // Ten at most.
    for _ in 1..10 {
        let body = app
            .gql(
                CREATE,
                json!({ "url": "https://hooks.example.com/in", "events": ["budget.alert"] }),
                token,
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = app
        .gql(
            CREATE,
            json!({ "url": "https://hooks.example.com/in", "events": ["budget.alert"] }),
            token,
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");

    let allowed = TestApp::spawn_with(&[("WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let user = allowed.register_and_login().await;
    let body = allowed
        .gql(
            CREATE,
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["transaction.created"] }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["createWebhook"]["secret"].is_string(), "{body}");
}

#[tokio::test]
async fn a_posted_schedule_is_announced_to_webhooks_and_as_a_notification() {
    let (receiver, app, user, _, secret) = hooked("/s", &["schedule.posted", "transaction.created"]).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let schedule = create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Rent", "amount": "950.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY",
                "startDate": today, "autoPost": true }),
    )
    .await;

    let received = receiver.wait_for(2).await;
    assert!(received.iter().all(|r| r.signed_with(&secret)));
    let posted = of_type(&received, "schedule.posted");
    assert_eq!(posted.len(), 1, "{received:?}");
    let data = &posted[0].json()["data"];
    assert_eq!(
        (
            &data["scheduleId"],
            &data["amount"],
            &data["type"],
            &data["date"],
            &data["automatic"]
        ),
        (
            &json!(schedule),
            &json!("950.00"),
            &json!("EXPENSE"),
            &json!(today),
            &json!(true)
        ),
    );
    let created = of_type(&received, "transaction.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].json()["data"]["id"], data["transactionId"]);

    let (nodes, ..) = list(&app, &user, false).await;
    let notified = of_kind(&nodes, "SCHEDULE_POSTED");
    assert_eq!(notified.len(), 1, "{nodes:?}");
    assert_eq!(notified[0]["title"], "Rent posted");
    assert_eq!(notified[0]["data"]["transactionId"], data["transactionId"]);
}

#[tokio::test]
async fn a_preference_turned_off_keeps_its_kind_from_webhooks() {
    let (receiver, app, user, ..) = hooked("/p", &["budget.alert", "transaction.created"]).await;
    let body = app
        .gql(
            "mutation { updateNotificationPreferences(input: [{ kind: BUDGET_ALERT, webhook: false }]) { kind webhook } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, food) = budget(&app, &user).await;
    create_transaction(&app, &user.access_token, expense("95.00", &food)).await;
    let received = receiver.wait_for(1).await;
    assert_eq!(of_type(&received, "transaction.created").len(), 1);
    let received = receiver.settled().await;
    assert!(of_type(&received, "budget.alert").is_empty(), "{received:?}");
    let (nodes, ..) = list(&app, &user, false).await;
    assert_eq!(of_kind(&nodes, "BUDGET_ALERT").len(), 1, "still in the app");
}
