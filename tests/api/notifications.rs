//! In-app notifications: stored for budget alerts (once per budget, category and threshold),
//! goal milestones and achievements; listed newest first, counted, marked read; never another
//! user's.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_fields};

const LIST: &str = "query($unread: Boolean) { notifications(first: 50, unreadOnly: $unread) {
  totalCount edges { node { id kind title body data createdAt readAt } } } unreadNotificationCount }";

pub async fn list(app: &TestApp, user: &TestUser, unread: bool) -> (Vec<Value>, i64, i64) {
    let body = app
        .gql(LIST, json!({ "unread": unread }), Some(&user.access_token))
        .await;
    let data = &body["data"];
    let nodes = data["notifications"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    (
        nodes,
        data["notifications"]["totalCount"].as_i64().expect("total"),
        data["unreadNotificationCount"].as_i64().expect("unread"),
    )
}

pub fn of_kind<'a>(nodes: &'a [Value], kind: &str) -> Vec<&'a Value> {
    nodes.iter().filter(|n| n["kind"] == kind).collect()
}

/// A budget of 100.00 whose one category (500.00) never reaches a threshold itself.
pub async fn budget(app: &TestApp, user: &TestUser) -> (String, String) {
    let budget = create_budget(
        app,
        &user.access_token,
        json!({ "name": "Groceries", "amount": "100.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "500.00" }] }),
    )
    .await;
    (
        budget["id"].as_str().expect("budget").to_owned(),
        budget["categories"][0]["id"].as_str().expect("category").to_owned(),
    )
}

pub fn expense(amount: &str, category: &str) -> Value {
    json!({ "amount": amount, "description": "Shop", "transactionDate": "2026-11-10", "type": "EXPENSE",
            "categoryId": category })
}

/// A goal "Bike" of `target` with one contribution of `amount`; the goal's id.
async fn goal_with_contribution(app: &TestApp, user: &TestUser, target: &str, amount: &str) -> String {
    let goal = app
        .gql(
            "mutation($t: Decimal!) { createSavingsGoal(input: { name: \"Bike\", targetAmount: $t }) { id } }",
            json!({ "t": target }),
            Some(&user.access_token),
        )
        .await["data"]["createSavingsGoal"]["id"]
        .as_str()
        .expect("goal")
        .to_owned();
    let body = app
        .gql(
            "mutation($g: ID!, $a: Decimal!) { contributeToGoal(input: { goalId: $g, amount: $a }) { id } }",
            json!({ "g": goal, "a": amount }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["contributeToGoal"].is_object(), "{body}");
    goal
}

#[tokio::test]
async fn a_budget_crossing_80_percent_notifies_once_even_when_it_crosses_again() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (budget_id, food) = budget(&app, &user).await;
    let first = create_transaction(&app, &user.access_token, expense("85.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    let alerts = of_kind(&nodes, "BUDGET_ALERT");
    assert_eq!(alerts.len(), 1, "{nodes:?}");
    assert_eq!(alerts[0]["title"], "Groceries is at 80 %");
    assert_eq!(alerts[0]["body"], "$85.00 of $100.00 spent.");
    assert_eq!(alerts[0]["data"]["budgetId"], budget_id.as_str());
    assert_eq!(alerts[0]["data"]["threshold"], 80);
    assert_eq!(alerts[0]["data"]["spent"], "85.00");
    assert_eq!(alerts[0]["data"]["transactionId"], first.as_str());
    assert!(alerts[0]["readAt"].is_null());

    // Back under 80 % and over it again: still one notification for 80 %.
    let body = app
        .gql(
            "mutation($id: ID!) { deleteTransaction(id: $id) }",
            json!({ "id": first }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["deleteTransaction"].is_string(), "{body}");
    create_transaction(&app, &user.access_token, expense("90.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    assert_eq!(of_kind(&nodes, "BUDGET_ALERT").len(), 1);

    // 100 % is a notification of its own, and the newest comes first.
    create_transaction(&app, &user.access_token, expense("15.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    let alerts = of_kind(&nodes, "BUDGET_ALERT");
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["title"], "Groceries is fully spent");
    assert_eq!(alerts[0]["data"]["threshold"], 100);
}

#[tokio::test]
async fn milestones_and_achievements_notify_and_marking_read_is_per_user() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let goal = goal_with_contribution(&app, &user, "400.00", "100.00").await;
    let (nodes, total, unread) = list(&app, &user, false).await;
    let milestones = of_kind(&nodes, "GOAL_MILESTONE");
    assert_eq!(milestones.len(), 1, "{nodes:?}");
    assert_eq!(milestones[0]["title"], "Bike is 25 % there");
    assert_eq!(milestones[0]["data"]["goalId"], goal.as_str());
    let achievements: Vec<&str> = of_kind(&nodes, "ACHIEVEMENT")
        .iter()
        .map(|n| n["data"]["type"].as_str().expect("type"))
        .collect();
    let mut achievements = achievements;
    achievements.sort();
    assert_eq!(achievements, ["FIRST_CONTRIBUTION", "FIRST_GOAL"]);
    assert_eq!((total, unread), (3, 3));
    assert_eq!(list(&app, &other, false).await.0, Vec::<Value>::new(), "not theirs");

    let mark = "mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) }";
    let first = nodes[0]["id"].as_str().expect("id").to_owned();
    // Someone else naming my notification marks nothing.
    let body = app
        .gql(mark, json!({ "ids": [first] }), Some(&other.access_token))
        .await;
    assert_eq!(body["data"]["markNotificationsRead"], 0, "{body}");
    let body = app.gql(mark, json!({ "ids": [first] }), Some(&user.access_token)).await;
    assert_eq!(body["data"]["markNotificationsRead"], 1);
    let (unread_nodes, unread_total, unread) = list(&app, &user, true).await;
    assert_eq!((unread_total, unread), (2, 2));
    assert!(unread_nodes.iter().all(|n| n["id"] != first.as_str()));
    let body = app.gql(mark, json!({ "all": true }), Some(&user.access_token)).await;
    assert_eq!(body["data"]["markNotificationsRead"], 2);
    let (nodes, total, unread) = list(&app, &user, false).await;
    assert_eq!((total, unread), (3, 0));
    assert!(nodes.iter().all(|n| n["readAt"].is_string()));

    let body = app.gql(mark, json!({}), Some(&user.access_token)).await;
    assert_eq!(error_fields(&body), ["ids"], "{body}");
}

const PREFERENCES: &str = "{ notificationPreferences { kind inApp email webhook } }";
const UPDATE_PREFERENCES: &str = "mutation($input: [NotificationPreferenceInput!]!) {
  updateNotificationPreferences(input: $input) { kind inApp email webhook } }";

fn preference<'a>(list: &'a Value, kind: &str) -> &'a Value {
    list.as_array()
        .expect("preferences")
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap_or_else(|| panic!("{kind} in {list}"))
}

#[tokio::test]
async fn preferences_start_from_the_defaults_and_keep_each_change() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app.gql(PREFERENCES, json!({}), Some(&user.access_token)).await;
    let kinds = &body["data"]["notificationPreferences"];
    assert_eq!(
        preference(kinds, "BUDGET_ALERT"),
        &json!({ "kind": "BUDGET_ALERT", "inApp": true, "email": true, "webhook": true })
    );
    assert_eq!(
        preference(kinds, "GOAL_MILESTONE"),
        &json!({ "kind": "GOAL_MILESTONE", "inApp": true, "email": false, "webhook": true })
    );
    assert_eq!(
        preference(kinds, "WEEKLY_SUMMARY"),
        &json!({ "kind": "WEEKLY_SUMMARY", "inApp": false, "email": false, "webhook": false }),
        "opt-in"
    );
    let body = app
        .gql(
            UPDATE_PREFERENCES,
            json!({ "input": [{ "kind": "BUDGET_ALERT", "email": false }, { "kind": "WEEKLY_SUMMARY", "email": true }] }),
            Some(&user.access_token),
        )
        .await;
    let updated = &body["data"]["updateNotificationPreferences"];
    assert_eq!(preference(updated, "BUDGET_ALERT")["email"], false, "{body}");
    assert_eq!(
        preference(updated, "BUDGET_ALERT")["inApp"],
        true,
        "untouched channels keep theirs"
    );
    assert_eq!(preference(updated, "WEEKLY_SUMMARY")["email"], true);
    // A second change keeps the first.
    app.gql(
        UPDATE_PREFERENCES,
        json!({ "input": [{ "kind": "GOAL_MILESTONE", "inApp": false }] }),
        Some(&user.access_token),
    )
    .await;
    let body = app.gql(PREFERENCES, json!({}), Some(&user.access_token)).await;
    let kinds = &body["data"]["notificationPreferences"];
    assert_eq!(preference(kinds, "BUDGET_ALERT")["email"], false);
    assert_eq!(preference(kinds, "GOAL_MILESTONE")["inApp"], false);
    // Nobody else's changed.
    let other = app.register_and_login().await;
    let body = app.gql(PREFERENCES, json!({}), Some(&other.access_token)).await;
    assert_eq!(
        preference(&body["data"]["notificationPreferences"], "BUDGET_ALERT")["email"],
        true
    );

    // A kind kept out of the app is not listed (it is still the record that it happened).
    goal_with_contribution(&app, &user, "100.00", "30.00").await;
    let (nodes, total, unread) = list(&app, &user, false).await;
    assert!(of_kind(&nodes, "GOAL_MILESTONE").is_empty(), "{nodes:?}");
    assert_eq!(total as usize, nodes.len());
    assert_eq!(unread as usize, nodes.len());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE kind = 'GOAL_MILESTONE'")
            .await,
        1
    );
}

/// A server that mails through a loopback SMTP sink, and a user of it who has received the
/// verification mail (and followed its link when `verified`).
async fn mailed_user(address: &str, verified: bool) -> (TestApp, crate::smtp::SmtpSink, TestUser) {
    mailed_user_with(address, verified, &[]).await
}

/// `mailed_user` on a server with `vars` too.
pub async fn mailed_user_with(
    address: &str,
    verified: bool,
    vars: &[(&str, &str)],
) -> (TestApp, crate::smtp::SmtpSink, TestUser) {
    let (app, sink) = crate::identity::mail_app(vars).await;
    let token = crate::identity::register(&app, address).await;
    let link = sink.wait_for(address, 1).await[0].token();
    if verified {
        let body = app
            .gql(
                "mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }",
                json!({ "t": link }),
                Some(&token),
            )
            .await;
        assert_eq!(body["data"]["verifyEmail"]["emailVerified"], true, "{body}");
    }
    let user = TestUser {
        id: String::new(),
        email: address.into(),
        access_token: token,
        refresh_token: String::new(),
    };
    (app, sink, user)
}

#[tokio::test]
async fn a_budget_alert_is_mailed_once_to_a_verified_address_and_not_when_turned_off() {
    let address = "alerts@example.com";
    let (app, sink, user) = mailed_user(address, true).await;
    let token = user.access_token.clone();
    let (_, food) = budget(&app, &user).await;

    let first = create_transaction(&app, &token, expense("85.00", &food)).await;
    let mail = sink.wait_for(address, 2).await;
    assert_eq!(mail[1].subject(), "Groceries is at 80 %");
    assert!(mail[1].body.contains("$85.00 of $100.00 spent."), "{}", mail[1].body);

    // Crossing 80 % again is no new notification and no new mail.
    app.gql(
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        json!({ "id": first }),
        Some(&token),
    )
    .await;
    create_transaction(&app, &token, expense("86.00", &food)).await;
    // Turned off: 100 % is stored, not mailed.
    app.gql(
        UPDATE_PREFERENCES,
        json!({ "input": [{ "kind": "BUDGET_ALERT", "email": false }] }),
        Some(&token),
    )
    .await;
    create_transaction(&app, &token, expense("20.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    assert_eq!(of_kind(&nodes, "BUDGET_ALERT").len(), 2, "80 % and 100 %");
    // Several mail polls later, still the verification and the one alert.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(sink.to(address).len(), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbound_emails WHERE kind = 'notification'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_unverified_address_gets_no_alert_mail() {
    let address = "unverified@example.com";
    let (app, sink, user) = mailed_user(address, false).await;
    let token = user.access_token.clone();
    let (_, food) = budget(&app, &user).await;
    create_transaction(&app, &token, expense("85.00", &food)).await;
    let (nodes, _, _) = list(&app, &user, false).await;
    assert_eq!(of_kind(&nodes, "BUDGET_ALERT").len(), 1, "still notified in the app");
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    assert_eq!(sink.to(address).len(), 1, "only the verification mail");
}

#[tokio::test]
async fn the_weekly_summary_goes_once_on_monday_morning_to_those_who_asked() {
    let address = "weekly@example.com";
    let (app, sink, user) = mailed_user(address, true).await;
    let token = user.access_token.clone();
    let bystander = app.register_and_login().await;
    for who in [&token, &bystander.access_token] {
        let body = app
            .gql(
                "mutation { updateProfile(input: { preferences: { timezone: \"Europe/Berlin\" } }) { id } }",
                json!({}),
                Some(who),
            )
            .await;
        assert!(body["data"]["updateProfile"].is_object(), "{body}");
    }
    app.gql(
        UPDATE_PREFERENCES,
        json!({ "input": [{ "kind": "WEEKLY_SUMMARY", "email": true }] }),
        Some(&token),
    )
    .await;
    let budget = create_budget(
        &app,
        &token,
        json!({ "name": "November", "amount": "900.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "400.00" },
                                                       { "name": "Fun", "amount": "400.00" }] }),
    )
    .await;
    let (food, fun) = (
        budget["categories"][0]["id"].as_str().expect("food").to_owned(),
        budget["categories"][1]["id"].as_str().expect("fun").to_owned(),
    );
    let on = |date: &str, amount: &str, kind: &str, category: Option<&str>| json!({ "amount": amount, "description": "x", "transactionDate": date, "type": kind, "categoryId": category });
    // The week of Monday 2026-11-23 to Sunday 2026-11-29, and one day after it.
    for input in [
        on("2026-11-24", "1000.00", "INCOME", None),
        on("2026-11-25", "40.00", "EXPENSE", Some(&food)),
        on("2026-11-29", "25.50", "EXPENSE", Some(&fun)),
        on("2026-11-30", "99.00", "EXPENSE", Some(&fun)),
    ] {
        create_transaction(&app, &token, input.clone()).await;
        let mut theirs = input;
        theirs["categoryId"] = Value::Null;
        create_transaction(&app, &bystander.access_token, theirs).await;
    }
    let at = |text: &str| text.parse::<chrono::DateTime<chrono::Utc>>().expect("instant");
    // 08:59 in Berlin on Monday 2026-11-30: not yet.
    let early = smartsave::reports::weekly::send_due(&app.db, at("2026-11-30T07:59:00Z"))
        .await
        .expect("run");
    assert_eq!(early, 0);
    // 09:05: two servers at once send one.
    let nine = at("2026-11-30T08:05:00Z");
    let (a, b) = tokio::join!(
        smartsave::reports::weekly::send_due(&app.db, nine),
        smartsave::reports::weekly::send_due(&app.db, nine)
    );
    assert_eq!(a.expect("first") + b.expect("second"), 1);
    assert_eq!(
        smartsave::reports::weekly::send_due(&app.db, at("2026-11-30T10:00:00Z"))
            .await
            .expect("later"),
        0
    );
    let mail = sink.wait_for(address, 2).await;
    assert_eq!(mail[1].subject(), "Your week, 2026-11-23 to 2026-11-29");
    assert!(
        mail[1]
            .body
            .contains("Income $1,000.00, spending $65.50 in 3 transactions. Most spent on: Food $40.00, Fun $25.50."),
        "{}",
        mail[1].body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE kind = 'WEEKLY_SUMMARY'")
            .await,
        1,
        "the bystander did not ask for one"
    );
    // Email only was asked for: not in the app.
    let (nodes, _, _) = list(&app, &user, false).await;
    assert!(of_kind(&nodes, "WEEKLY_SUMMARY").is_empty());
}

#[tokio::test]
async fn a_category_projected_to_overspend_is_notified_once_per_period_by_the_daily_job() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let crate::subscriptions::BillAhead {
        food,
        fun,
        today,
        bill_day,
        end,
        ..
    } = crate::subscriptions::bill_ahead(&app, token).await;
    let spend = |amount: &str, category: &str| {
        json!({ "amount": amount, "description": "spend",
        "transactionDate": today.to_string(), "type": "EXPENSE", "categoryId": category })
    };
    // Food: 45.00 spent and a 60.00 bill in three days, over 100.00 then. Fun: 30.00 at a pace
    // of 30/90 a day stays under.
    create_transaction(&app, token, spend("45.00", &food)).await;
    create_transaction(&app, token, spend("30.00", &fun)).await;
    assert!(of_kind(&list(&app, &user, false).await.0, "PROJECTED_OVERSPEND").is_empty());

    // A server running jobs projects at start (and daily).
    let runner = app.instance(&[]).await;
    let mut projected = Vec::new();
    for _ in 0..100 {
        projected = of_kind(&list(&app, &user, false).await.0, "PROJECTED_OVERSPEND")
            .into_iter()
            .cloned()
            .collect();
        if !projected.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(projected.len(), 1, "{projected:?}");
    let days_left = (end - today).num_days();
    let cents = 4500 + 6000 + 4500 * days_left / 90;
    let data = &projected[0]["data"];
    assert_eq!(
        (
            &data["categoryId"],
            &data["date"],
            &data["projectedSpent"],
            &data["spent"],
            &data["amount"]
        ),
        (
            &json!(food),
            &json!(bill_day.to_string()),
            &json!(format!("{}.{:02}", cents / 100, cents % 100)),
            &json!("45.00"),
            &json!("100.00")
        ),
    );

    // Another run (a second runner starting) notifies nothing new.
    let _again = runner.instance(&[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(
        of_kind(&list(&app, &user, false).await.0, "PROJECTED_OVERSPEND").len(),
        1
    );
}
