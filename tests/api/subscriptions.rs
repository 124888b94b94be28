//! Subscriptions over WebSocket (graphql-transport-ws at /graphql/ws): authentication in
//! connection_init, each event kind, per-user isolation, token expiry, and delivery between
//! two instances through Redis.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};
use uuid::Uuid;

use crate::helpers::{TestApp, create_budget, create_schedule, create_transaction};

const WAIT: Duration = Duration::from_secs(15);

/// A graphql-transport-ws client.
struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How the server ended a connection.
#[derive(Debug)]
struct Closed {
    code: u16,
    reason: String,
}

impl Socket {
    async fn open(app: &TestApp, protocol: &str) -> Result<Socket, u16> {
        let url = format!("ws://{}/graphql/ws", app.addr);
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(protocol).expect("header"),
        );
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(Socket { stream }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(other) => panic!("websocket connect: {other}"),
        }
    }

    /// Opens a connection and sends `payload` as connection_init; the ack or the close.
    async fn init(app: &TestApp, payload: Value) -> Result<Socket, Closed> {
        let mut socket = Socket::open(app, "graphql-transport-ws").await.expect("upgrade");
        socket
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match socket.next().await {
            Ok(message) => {
                assert_eq!(message["type"], "connection_ack", "{message}");
                Ok(socket)
            }
            Err(closed) => Err(closed),
        }
    }

    async fn signed_in(app: &TestApp, token: &str) -> Socket {
        Socket::init(app, json!({ "Authorization": format!("Bearer {token}") }))
            .await
            .expect("connection_init with a valid token is acknowledged")
    }

    async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } }))
            .await;
    }

    /// The next protocol message (pings answered), or how the connection closed.
    async fn next(&mut self) -> Result<Value, Closed> {
        loop {
            let message = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a message within the wait");
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON message");
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Ok(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(frame.map_or(
                        Closed {
                            code: 1005,
                            reason: String::new(),
                        },
                        |f| Closed {
                            code: f.code.into(),
                            reason: f.reason.to_string(),
                        },
                    ));
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => panic!("websocket: {err}"),
                None => {
                    return Err(Closed {
                        code: 1006,
                        reason: String::new(),
                    });
                }
            }
        }
    }

    /// The next `next` payload for subscription `id`.
    async fn event(&mut self, id: &str) -> Value {
        let message = self.next().await.expect("connection open");
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }

    /// Asserts nothing arrives for a while.
    async fn quiet(&mut self) {
        let nothing = tokio::time::timeout(Duration::from_millis(300), self.stream.next()).await;
        assert!(nothing.is_err(), "expected no message, got {nothing:?}");
    }

    /// Waits up to `within` for a subscription's closing error (a `next` with `errors`),
    /// skipping events before it; returns it and how long it took.
    async fn closing_error(&mut self, within: Duration) -> (Value, Duration) {
        let started = std::time::Instant::now();
        loop {
            let message = tokio::time::timeout(within, self.next())
                .await
                .expect("the subscription ends in time")
                .expect("open");
            if message["type"] == "next" && !message["payload"]["errors"].is_null() {
                return (message, started.elapsed());
            }
        }
    }

    /// Waits until the subscriptions sent so far are live: subscribes a probe to
    /// transactionChanged and records throwaway incomes on `app` until the probe hears one.
    async fn wait_until_live(&mut self, app: &TestApp, token: &str) {
        self.subscribe("probe", "subscription { transactionChanged { transactionId } }")
            .await;
        for _ in 0..50 {
            create_transaction(
                app,
                token,
                json!({ "amount": "0.01", "description": "probe", "transactionDate": "2020-01-01", "type": "INCOME" }),
            )
            .await;
            let mut live = false;
            // Other transactionChanged subscriptions hear the probe too.
            while let Ok(Some(Ok(Message::Text(text)))) =
                tokio::time::timeout(Duration::from_millis(200), self.stream.next()).await
            {
                let message: Value = serde_json::from_str(&text).expect("JSON");
                live |= message["id"] == "probe";
            }
            if live {
                self.send(json!({ "id": "probe", "type": "complete" })).await;
                // Drain the probe's other events and its completion.
                while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), self.stream.next()).await {}
                return;
            }
        }
        panic!("the subscription never became live");
    }
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.gql(query, variables, Some(token)).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_connection_needs_a_valid_access_token_and_the_maintained_protocol() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;

    let missing = Socket::init(&app, json!({})).await.err().expect("refused");
    assert!(missing.reason.contains("UNAUTHENTICATED"), "{missing:?}");
    let forged = Socket::init(&app, json!({ "Authorization": "Bearer not.a.token" }))
        .await
        .err()
        .expect("refused");
    assert!(forged.reason.contains("UNAUTHENTICATED"), "{forged:?}");
    assert_eq!(forged.code, 1002);

    // The token may also come as {"token": ...}.
    Socket::init(&app, json!({ "token": user.access_token }))
        .await
        .expect("accepted");

    // The legacy subscriptions-transport-ws protocol is not offered.
    assert_eq!(Socket::open(&app, "graphql-ws").await.err(), Some(400));
}

#[tokio::test]
async fn only_subscriptions_run_over_the_socket_within_the_limits() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let mut socket = Socket::signed_in(&app, &user.access_token).await;

    socket.subscribe("q", "{ me { email } }").await;
    let refused = socket.event("q").await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{refused}");
    assert_eq!(socket.next().await.expect("open")["type"], "complete");

    socket.subscribe("m", "mutation { deleteTransaction(id: \"x\") }").await;
    assert_eq!(
        socket.event("m").await["errors"][0]["extensions"]["code"],
        "BAD_REQUEST"
    );
    assert_eq!(socket.next().await.expect("open")["type"], "complete");

    // GraphQL's Int is 32-bit, here as over HTTP, though no event has run the field yet.
    socket
        .subscribe(
            "int",
            "subscription { transactionChanged { transaction { account { transactions(first: 2147483648) { totalCount } } } } }",
        )
        .await;
    assert_eq!(
        socket.event("int").await["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(socket.next().await.expect("open")["type"], "complete");

    let aliases: String = (0..20)
        .map(|i| format!("a{i}: transactionChanged {{ kind }} "))
        .collect();
    socket.subscribe("big", &format!("subscription {{ {aliases} }}")).await;
    assert_eq!(
        socket.event("big").await["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
}

#[tokio::test]
async fn transaction_changes_reach_their_owner_only() {
    let app = TestApp::spawn().await;
    let alice = app.register_and_login().await;
    let bob = app.register_and_login().await;
    let mut alices = Socket::signed_in(&app, &alice.access_token).await;
    let mut bobs = Socket::signed_in(&app, &bob.access_token).await;
    let selection = "subscription { transactionChanged { kind transactionId changedAt transaction { id amount description type transactionDate category { name } } } }";
    alices.subscribe("t", selection).await;
    bobs.subscribe("t", selection).await;
    alices.wait_until_live(&app, &alice.access_token).await;
    bobs.wait_until_live(&app, &bob.access_token).await;

    let budget = create_budget(
        &app,
        &alice.access_token,
        json!({ "name": "Home", "amount": "100.00", "period": "MONTHLY", "startDate": "2026-01-01",
                "endDate": "2026-01-31", "categories": [{ "name": "Food", "amount": "100.00" }] }),
    )
    .await;
    let food = budget["categories"][0]["id"].as_str().expect("category").to_owned();
    let id = create_transaction(
        &app,
        &alice.access_token,
        json!({ "amount": "12.50", "description": "Lunch", "transactionDate": "2026-01-05",
                "type": "EXPENSE", "categoryId": food }),
    )
    .await;
    let created = alices.event("t").await["data"]["transactionChanged"].clone();
    assert_eq!(created["kind"], "CREATED");
    assert_eq!(created["transactionId"], id.as_str());
    assert_eq!(
        created["transaction"],
        json!({ "id": id, "amount": "12.50", "description": "Lunch", "type": "EXPENSE",
                "transactionDate": "2026-01-05", "category": { "name": "Food" } })
    );

    mutate(
        &app,
        &alice.access_token,
        "mutation($id: ID!) { updateTransaction(id: $id, input: { amount: \"13.00\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    let updated = alices.event("t").await["data"]["transactionChanged"].clone();
    assert_eq!(updated["kind"], "UPDATED");
    assert_eq!(updated["transaction"]["amount"], "13.00");

    mutate(
        &app,
        &alice.access_token,
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let deleted = alices.event("t").await["data"]["transactionChanged"].clone();
    assert_eq!(deleted["kind"], "DELETED");
    assert_eq!(deleted["transactionId"], id.as_str());
    assert_eq!(deleted["transaction"], Value::Null);

    bobs.quiet().await;
}

#[tokio::test]
async fn budget_alerts_fire_once_when_80_and_100_percent_are_reached() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let budget = create_budget(
        &app,
        token,
        json!({ "name": "January", "amount": "200.00", "period": "MONTHLY", "startDate": "2026-01-01",
                "endDate": "2026-01-31", "categories": [
                    { "name": "Food", "amount": "100.00" }, { "name": "Fun", "amount": "100.00" }] }),
    )
    .await;
    let budget_id = budget["id"].as_str().expect("budget").to_owned();
    let food = budget["categories"][0]["id"].as_str().expect("food").to_owned();
    let fun = budget["categories"][1]["id"].as_str().expect("fun").to_owned();
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe(
            "a",
            "subscription { budgetAlerts { scope budgetId budgetName categoryId categoryName threshold spent amount percentUsed transactionId raisedAt } }",
        )
        .await;
    socket.wait_until_live(&app, token).await;
    let expense = |amount: &str, category: &str, date: &str| json!({ "amount": amount, "description": "spend", "transactionDate": date, "type": "EXPENSE", "categoryId": category });

    // Food 79.99 %: nothing yet. Outside the budget's dates and incomes never count.
    create_transaction(&app, token, expense("79.99", &food, "2026-01-10")).await;
    let february = create_transaction(&app, token, expense("50.00", &food, "2026-02-10")).await;
    create_transaction(
        &app,
        token,
        json!({ "amount": "500.00", "description": "pay", "transactionDate": "2026-01-10", "type": "INCOME" }),
    )
    .await;
    socket.quiet().await;

    // Food reaches exactly 80 %.
    let tipping = create_transaction(&app, token, expense("0.01", &food, "2026-01-11")).await;
    let alert = socket.event("a").await["data"]["budgetAlerts"].clone();
    assert_eq!(
        alert,
        json!({ "scope": "CATEGORY", "budgetId": budget_id, "budgetName": "January", "categoryId": food,
                "categoryName": "Food", "threshold": 80, "spent": "80.00", "amount": "100.00",
                "percentUsed": 80.0, "transactionId": tipping, "raisedAt": alert["raisedAt"] })
    );
    socket.quiet().await;

    // Fun jumps past 100 % in one expense: both thresholds for Fun, and the budget passes 80 %.
    let big = create_transaction(&app, token, expense("101.00", &fun, "2026-01-12")).await;
    let mut raised: Vec<(String, i64)> = Vec::new();
    for _ in 0..3 {
        let alert = socket.event("a").await["data"]["budgetAlerts"].clone();
        assert_eq!(alert["transactionId"], big.as_str());
        raised.push((
            alert["scope"].as_str().expect("scope").to_owned(),
            alert["threshold"].as_i64().expect("threshold"),
        ));
    }
    raised.sort();
    assert_eq!(
        raised,
        [("BUDGET".into(), 80), ("CATEGORY".into(), 80), ("CATEGORY".into(), 100)]
    );
    socket.quiet().await;

    // A changed transaction: moving the February food expense into January takes Food
    // (80.00 -> 130.00) past 100 % and the budget (181.00 -> 231.00) past 100 %.
    mutate(
        &app,
        token,
        "mutation($id: ID!) { updateTransaction(id: $id, input: { transactionDate: \"2026-01-20\" }) { id } }",
        json!({ "id": february }),
    )
    .await;
    let mut raised: Vec<(String, i64, String)> = Vec::new();
    for _ in 0..2 {
        let alert = socket.event("a").await["data"]["budgetAlerts"].clone();
        raised.push((
            alert["scope"].as_str().expect("scope").to_owned(),
            alert["threshold"].as_i64().expect("threshold"),
            alert["spent"].as_str().expect("spent").to_owned(),
        ));
    }
    raised.sort();
    assert_eq!(
        raised,
        [
            ("BUDGET".into(), 100, "231.00".into()),
            ("CATEGORY".into(), 100, "130.00".into())
        ]
    );
    socket.quiet().await;
}

/// The next `n` budget alerts on subscription "a" as (scope, category, threshold, spent), sorted.
async fn alerts_of(socket: &mut Socket, n: usize) -> Vec<(String, Value, i64, String)> {
    let mut raised = Vec::new();
    for _ in 0..n {
        let alert = socket.event("a").await["data"]["budgetAlerts"].clone();
        raised.push((
            alert["scope"].as_str().expect("scope").to_owned(),
            alert["categoryName"].clone(),
            alert["threshold"].as_i64().expect("threshold"),
            alert["spent"].as_str().expect("spent").to_owned(),
        ));
    }
    socket.quiet().await;
    raised.sort_by_key(|a| (a.0.clone(), a.1.to_string(), a.2));
    raised
}

#[tokio::test]
async fn a_split_expense_alerts_each_category_its_lines_push_past_a_threshold() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let budget = create_budget(
        &app,
        token,
        json!({ "name": "January", "amount": "200.00", "period": "MONTHLY", "startDate": "2026-01-01",
                "endDate": "2026-01-31", "categories": [
                    { "name": "Food", "amount": "100.00" }, { "name": "Fun", "amount": "100.00" }] }),
    )
    .await;
    let food = budget["categories"][0]["id"].as_str().expect("food").to_owned();
    let fun = budget["categories"][1]["id"].as_str().expect("fun").to_owned();
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe(
            "a",
            "subscription { budgetAlerts { scope categoryName threshold spent } }",
        )
        .await;
    socket.wait_until_live(&app, token).await;
    // 85.00 food and 85.00 fun on one receipt: each category and the budget pass 80 %.
    let receipt = create_transaction(
        &app,
        token,
        json!({ "amount": "170.00", "description": "Market", "transactionDate": "2026-01-10", "type": "EXPENSE",
                "splits": [{ "categoryId": food, "amount": "85.00" }, { "categoryId": fun, "amount": "85.00" }] }),
    )
    .await;
    assert_eq!(
        alerts_of(&mut socket, 3).await,
        [
            ("BUDGET".into(), Value::Null, 80, "170.00".into()),
            ("CATEGORY".into(), json!("Food"), 80, "85.00".into()),
            ("CATEGORY".into(), json!("Fun"), 80, "85.00".into()),
        ]
    );
    // The same total, moved between the lines: Food reaches 100 %, nothing else changes.
    mutate(
        &app,
        token,
        "mutation($id: ID!, $food: ID!, $fun: ID!) { updateTransaction(id: $id, input: { splits: [
            { categoryId: $food, amount: \"100.00\" }, { categoryId: $fun, amount: \"70.00\" }] }) { id } }",
        json!({ "id": receipt, "food": food, "fun": fun }),
    )
    .await;
    assert_eq!(
        alerts_of(&mut socket, 1).await,
        [("CATEGORY".into(), json!("Food"), 100, "100.00".into())]
    );
}

#[tokio::test]
async fn goal_milestones_and_achievements_are_announced_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe(
            "m",
            "subscription { goalMilestoneReached { goalId goalName currentAmount targetAmount milestone { percent amount reached reachedAt } } }",
        )
        .await;
    socket
        .subscribe(
            "u",
            "subscription { achievementUnlocked { type title points unlockedAt } }",
        )
        .await;
    socket.wait_until_live(&app, token).await;
    // The probe's transaction unlocked FIRST_TRANSACTION, before or after the subscription
    // went live; from here on every unlock must be announced exactly once.
    let before: Vec<String> = unlocked(&app, token).await;

    let goal = mutate(
        &app,
        token,
        "mutation { createSavingsGoal(input: { name: \"Bike\", targetAmount: \"400.00\" }) { id } }",
        json!({}),
    )
    .await["createSavingsGoal"]["id"]
        .as_str()
        .expect("goal")
        .to_owned();
    let contribute =
        "mutation($id: ID!, $amount: Decimal!) { contributeToGoal(input: { goalId: $id, amount: $amount }) { id } }";
    mutate(&app, token, contribute, json!({ "id": goal, "amount": "100.00" })).await;
    mutate(&app, token, contribute, json!({ "id": goal, "amount": "250.00" })).await;
    // Withdrawing and coming back does not reach a milestone twice.
    mutate(&app, token, contribute, json!({ "id": goal, "amount": "-300.00" })).await;
    mutate(&app, token, contribute, json!({ "id": goal, "amount": "300.00" })).await;

    let mut milestones = Vec::new();
    let mut achievements = Vec::new();
    // 25 after the first contribution, 50 and 75 after the second; FIRST_GOAL and
    // FIRST_CONTRIBUTION unlocked.
    while milestones.len() < 3 || achievements.len() < 2 {
        let message = socket.next().await.expect("open");
        assert_eq!(message["type"], "next", "{message}");
        match message["id"].as_str() {
            Some("m") => milestones.push(message["payload"]["data"]["goalMilestoneReached"].clone()),
            Some("u") => achievements.push(
                message["payload"]["data"]["achievementUnlocked"]["type"]
                    .as_str()
                    .expect("type")
                    .to_owned(),
            ),
            other => panic!("unexpected subscription {other:?}: {message}"),
        }
    }
    socket.quiet().await;
    let percents: Vec<i64> = milestones
        .iter()
        .map(|m| m["milestone"]["percent"].as_i64().expect("percent"))
        .collect();
    assert_eq!(percents, [25, 50, 75]);
    assert_eq!(milestones[0]["goalId"], goal.as_str());
    assert_eq!(milestones[0]["goalName"], "Bike");
    assert_eq!(milestones[0]["currentAmount"], "100.00");
    assert_eq!(milestones[0]["targetAmount"], "400.00");
    assert_eq!(milestones[0]["milestone"]["amount"], "100.00");
    assert_eq!(milestones[0]["milestone"]["reached"], true);
    assert_eq!(milestones[2]["currentAmount"], "350.00");

    // What was announced is exactly what the achievements query gained.
    let mut gained: Vec<String> = unlocked(&app, token)
        .await
        .into_iter()
        .filter(|kind| !before.contains(kind))
        .collect();
    gained.sort();
    achievements.sort();
    assert_eq!(achievements, gained);
    assert_eq!(gained, ["FIRST_CONTRIBUTION", "FIRST_GOAL"]);
}

async fn unlocked(app: &TestApp, token: &str) -> Vec<String> {
    let body = app.gql("{ achievements { type } }", json!({}), Some(token)).await;
    body["data"]["achievements"]
        .as_array()
        .expect("achievements")
        .iter()
        .map(|a| a["type"].as_str().expect("type").to_owned())
        .collect()
}

#[tokio::test]
async fn a_subscription_ends_when_its_access_token_expires() {
    let app = TestApp::spawn_with(&[("ACCESS_TOKEN_TTL", "10s")]).await;
    let user = app.register_and_login().await;
    let mut socket = Socket::signed_in(&app, &user.access_token).await;
    socket
        .subscribe("t", "subscription { transactionChanged { kind } }")
        .await;
    let (ended, after) = socket.closing_error(Duration::from_secs(15)).await;
    assert!(after <= Duration::from_secs(11), "{after:?}");
    assert_eq!(ended["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(socket.next().await.expect("open")["type"], "complete");
}

#[tokio::test]
async fn a_subscription_ends_when_its_session_is_signed_out() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let mut socket = Socket::signed_in(&app, &user.access_token).await;
    socket
        .subscribe("t", "subscription { transactionChanged { kind } }")
        .await;
    socket.wait_until_live(&app, &user.access_token).await;
    let logout = "mutation($t: String!) { logout(refreshToken: $t) }";
    let logout = mutate(&app, &user.access_token, logout, json!({ "t": user.refresh_token })).await;
    assert_eq!(logout["logout"], true, "{logout}");
    let (ended, after) = socket.closing_error(Duration::from_secs(10)).await;
    assert!(after <= Duration::from_secs(3), "{after:?}");
    assert_eq!(ended["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(socket.next().await.expect("open")["type"], "complete");
}

/// An event raised on one instance reaches a subscriber connected to another through Redis.
/// CI sets TEST_REDIS_URL to the Redis at 127.0.0.1:6379.
#[tokio::test]
async fn an_event_on_one_instance_reaches_a_subscriber_on_another() {
    let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TEST_REDIS_URL is not set: skipping the two-instance event test");
        return;
    };
    let prefix = format!("test-{}", Uuid::now_v7().simple());
    let vars = [("REDIS_URL", url.as_str()), ("REDIS_PREFIX", prefix.as_str())];
    let writer = TestApp::spawn_with(&vars).await;
    let listener = TestApp::spawn_with(&vars).await;
    // Both instances trust the same signing key, so the writer's token opens the listener's socket.
    let user = writer.register_and_login().await;
    let other = writer.register_and_login().await;
    let mut socket = Socket::signed_in(&listener, &user.access_token).await;
    let mut others = Socket::signed_in(&listener, &other.access_token).await;
    let selection = "subscription { transactionChanged { kind transactionId transaction { description } } }";
    socket.subscribe("t", selection).await;
    others.subscribe("t", selection).await;
    socket.wait_until_live(&writer, &user.access_token).await;
    others.wait_until_live(&writer, &other.access_token).await;

    let id = create_transaction(
        &writer,
        &user.access_token,
        json!({ "amount": "3.00", "description": "Coffee", "transactionDate": "2026-01-05", "type": "EXPENSE" }),
    )
    .await;
    let event = socket.event("t").await["data"]["transactionChanged"].clone();
    assert_eq!(
        event,
        json!({ "kind": "CREATED", "transactionId": id, "transaction": { "description": "Coffee" } })
    );
    // Once, although both instances hear Redis, and to its owner only.
    socket.quiet().await;
    others.quiet().await;
}

/// A January budget "Home" of 100.00 with one category "Food" of `food`; the budget and
/// the category's id.
async fn home_budget(app: &TestApp, token: &str, food: &str) -> (Value, String) {
    let budget = create_budget(
        app,
        token,
        json!({ "name": "Home", "amount": "100.00", "period": "MONTHLY", "startDate": "2026-01-01",
                "endDate": "2026-01-31", "categories": [{ "name": "Food", "amount": food }] }),
    )
    .await;
    let category = budget["categories"][0]["id"].as_str().expect("category").to_owned();
    (budget, category)
}

/// Alerts are stored as notifications whoever listens, so an expense costs the same
/// statements watched or not.
#[tokio::test]
async fn expenses_cost_the_same_statements_watched_or_not() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let (_, food) = home_budget(&app, token, "100.00").await;
    let expense = json!({ "amount": "1.00", "description": "spend", "transactionDate": "2026-01-05",
                          "type": "EXPENSE", "categoryId": food });
    // Warm up: the first transaction also unlocks an achievement.
    create_transaction(&app, token, expense.clone()).await;

    let (_, unwatched) = app
        .statements_during(create_transaction(&app, token, expense.clone()))
        .await;
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe("a", "subscription { budgetAlerts { threshold } }")
        .await;
    socket.wait_until_live(&app, token).await;
    let (_, watched) = app.statements_during(create_transaction(&app, token, expense)).await;
    assert_eq!(watched, unwatched, "the alerts are computed either way");
}

#[tokio::test]
async fn a_stored_notification_reaches_a_live_subscriber() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let (budget, food) = home_budget(&app, token, "400.00").await;
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe("n", "subscription { notificationAdded { id kind title data } }")
        .await;
    socket.wait_until_live(&app, token).await;
    let first = json!({ "amount": "90.00", "description": "shop", "transactionDate": "2026-01-05",
                        "type": "EXPENSE", "categoryId": food });
    create_transaction(&app, token, first).await;
    let mut alerts = Vec::new();
    while alerts.is_empty() {
        let added = socket.event("n").await["data"]["notificationAdded"].clone();
        if added["kind"] == "BUDGET_ALERT" {
            alerts.push(added);
        }
    }
    assert_eq!(alerts[0]["title"], "Home is at 80 %");
    assert_eq!(alerts[0]["data"]["budgetId"], budget["id"]);
    let stored = app
        .gql(
            "{ notifications(first: 10) { edges { node { id } } } }",
            json!({}),
            Some(token),
        )
        .await;
    let ids: Vec<&Value> = stored["data"]["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"]["id"])
        .collect();
    assert!(ids.contains(&&alerts[0]["id"]), "the one announced is the one stored");
}

#[tokio::test]
async fn in_trusted_documents_mode_only_the_manifests_subscriptions_are_admitted() {
    use crate::persisted::{REGISTER, manifest, sign_up_trusted};
    let trusted = "subscription Alerts { budgetAlerts { budgetName threshold } }";
    let (_dir, path) = manifest(&[REGISTER, trusted]);
    let app = TestApp::spawn_with(&[("GRAPHQL_TRUSTED_DOCUMENTS", path.as_str())]).await;
    let (_, token) = sign_up_trusted(&app).await;
    let mut socket = Socket::signed_in(&app, &token).await;

    socket
        .subscribe("other", "subscription { budgetAlerts { budgetName } }")
        .await;
    let refused = socket.event("other").await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    assert_eq!(socket.next().await.expect("open")["type"], "complete");

    socket.subscribe("trusted", trusted).await;
    socket.quiet().await;
}

/// A current budget (ten days in, twenty to go) with Food and Fun at 100.00 each, and a 60.00
/// Food bill due in three days.
pub struct BillAhead {
    pub budget: Value,
    pub food: String,
    pub fun: String,
    pub today: chrono::NaiveDate,
    pub bill_day: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

pub async fn bill_ahead(app: &TestApp, token: &str) -> BillAhead {
    let today = chrono::Utc::now().date_naive();
    let (start, end) = (today - chrono::Duration::days(10), today + chrono::Duration::days(20));
    let budget = create_budget(
        app,
        token,
        json!({ "name": "Now", "amount": "200.00", "period": "MONTHLY", "startDate": start.to_string(),
                "endDate": end.to_string(), "categories": [
                    { "name": "Food", "amount": "100.00" }, { "name": "Fun", "amount": "100.00" }] }),
    )
    .await;
    let food = budget["categories"][0]["id"].as_str().expect("food").to_owned();
    let fun = budget["categories"][1]["id"].as_str().expect("fun").to_owned();
    let bill_day = today + chrono::Duration::days(3);
    create_schedule(
        app,
        token,
        json!({ "description": "Groceries box", "amount": "60.00", "type": "EXPENSE",
                           "rule": "FREQ=DAILY", "count": 1, "startDate": bill_day.to_string(), "categoryId": food }),
    )
    .await;
    BillAhead {
        budget,
        food,
        fun,
        today,
        bill_day,
        end,
    }
}

#[tokio::test]
async fn a_category_newly_projected_to_overspend_is_announced_once_until_it_comes_back_under() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let BillAhead {
        budget,
        food,
        fun,
        today,
        bill_day,
        end,
    } = bill_ahead(&app, token).await;
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe(
            "o",
            "subscription { projectedOverspends { category { id name } budget { id } projectedOverspendDate projectedSpent amount } }",
        )
        .await;
    socket.wait_until_live(&app, token).await;
    let expense = |amount: &str, category: &str| json!({ "amount": amount, "description": "spend", "transactionDate": today.to_string(), "type": "EXPENSE", "categoryId": category });

    // Fun 30.00 spent with a pace of 30/90 a day stays under 100.00: nothing.
    create_transaction(&app, token, expense("30.00", &fun)).await;
    socket.quiet().await;

    // Food 45.00 spent, then the 60.00 bill in three days: over on the bill's day. By the
    // period's end: 45 + 60 + 45/90 for each of the days left.
    let first = create_transaction(&app, token, expense("45.00", &food)).await;
    let days_left = (end - today).num_days();
    let projected_cents = 4500 + 6000 + 4500 * days_left / 90;
    let event = socket.event("o").await["data"]["projectedOverspends"].clone();
    assert_eq!(
        event,
        json!({ "category": { "id": food, "name": "Food" }, "budget": { "id": budget["id"] },
                "projectedOverspendDate": bill_day.to_string(),
                "projectedSpent": format!("{}.{:02}", projected_cents / 100, projected_cents % 100),
                "amount": "100.00" })
    );

    // Still over: not announced again.
    create_transaction(&app, token, expense("1.00", &food)).await;
    socket.quiet().await;

    // Back under (1.00 + 60.00 + a small pace), then over once more: announced again.
    mutate(
        &app,
        token,
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": first }),
    )
    .await;
    socket.quiet().await;
    create_transaction(&app, token, expense("50.00", &food)).await;
    let again = socket.event("o").await["data"]["projectedOverspends"].clone();
    assert_eq!(again["category"]["id"], food.as_str());
    assert_eq!(again["projectedOverspendDate"], bill_day.to_string());
    socket.quiet().await;
}

#[tokio::test]
async fn an_occurrence_posted_by_the_job_runner_is_announced_as_a_created_transaction() {
    let app = TestApp::spawn_with_jobs(&[]).await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let mut socket = Socket::signed_in(&app, token).await;
    socket
        .subscribe(
            "t",
            "subscription { transactionChanged { kind transaction { amount description type transactionDate } } }",
        )
        .await;
    socket.wait_until_live(&app, token).await;
    let today = chrono::Utc::now().date_naive().to_string();
    create_schedule(
        &app,
        token,
        json!({ "description": "Rent", "amount": "900.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY",
                           "startDate": today, "autoPost": true }),
    )
    .await;
    let posted = socket.event("t").await["data"]["transactionChanged"].clone();
    assert_eq!(
        posted,
        json!({ "kind": "CREATED", "transaction": { "amount": "900.00", "description": "Rent", "type": "EXPENSE", "transactionDate": today } })
    );
    socket.quiet().await;
}
