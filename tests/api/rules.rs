//! Categorisation rules: stored per user, applied on create to the fields the person left
//! out, and over history by `applyRules` without touching fields edited by hand.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, category_ids, create_budget, create_transaction, error_code, error_fields};

const RULE: &str = "id name priority enabled
  conditions { __typename ... on TextCondition { field operator value } ... on AmountCondition { currency min max }
               ... on TypeCondition { type } ... on AccountCondition { accountId } }
  actions { __typename ... on SetCategoryAction { categoryId } ... on SetPayeeAction { payee }
            ... on SetDescriptionAction { description } }";

/// A budget with the named categories; their ids in order.
async fn categories(app: &TestApp, user: &TestUser, names: &[&str]) -> Vec<String> {
    let cats: Vec<Value> = names.iter().map(|n| json!({ "name": n, "amount": "100.00" })).collect();
    let budget = create_budget(
        app,
        &user.access_token,
        json!({ "name": "Monthly", "amount": "1000.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": cats }),
    )
    .await;
    category_ids(&budget)
}

async fn create_rule(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(
        &format!("mutation($input: CreateRuleInput!) {{ createRule(input: $input) {{ {RULE} }} }}"),
        json!({ "input": input }),
        Some(&user.access_token),
    )
    .await
}

async fn rule_id(app: &TestApp, user: &TestUser, input: Value) -> String {
    let body = create_rule(app, user, input).await;
    body["data"]["createRule"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createRule failed: {body}"))
        .to_owned()
}

async fn transaction(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let body = app
        .gql(
            "query($id: ID!) { transaction(id: $id) { payee description category { id } } }",
            json!({ "id": id }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["transaction"].clone()
}

fn expense(description: &str, payee: Option<&str>, amount: &str) -> Value {
    json!({ "amount": amount, "description": description, "payee": payee,
            "transactionDate": "2026-11-10", "type": "EXPENSE" })
}

fn amazon_rule(shopping: &str) -> Value {
    json!({
        "name": "Amazon",
        "conditions": [{ "payee": { "operator": "MATCHES", "value": r"^amazon\s+mktpl\*\w+$" } }],
        "actions": [{ "categoryId": shopping }, { "payee": "Amazon" }],
    })
}

#[tokio::test]
async fn a_rule_files_what_the_person_left_out_and_keeps_what_they_typed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let cats = categories(&app, &user, &["Shopping", "Gifts"]).await;
    let (shopping, gifts) = (&cats[0], &cats[1]);
    let body = create_rule(&app, &user, amazon_rule(shopping)).await;
    let rule = &body["data"]["createRule"];
    assert_eq!(rule["priority"], 0, "{body}");
    assert_eq!(rule["enabled"], true);
    assert_eq!(
        rule["conditions"],
        json!([{ "__typename": "TextCondition", "field": "PAYEE", "operator": "MATCHES", "value": r"^amazon\s+mktpl\*\w+$" }])
    );
    assert_eq!(
        rule["actions"],
        json!([{ "__typename": "SetCategoryAction", "categoryId": shopping },
               { "__typename": "SetPayeeAction", "payee": "Amazon" }])
    );

    // The payee was typed: the rule files it but does not rename it.
    let typed = create_transaction(
        &app,
        &user.access_token,
        expense("Order", Some("AMAZON MKTPL*2K4"), "23.99"),
    )
    .await;
    let row = transaction(&app, &user, &typed).await;
    assert_eq!(row["category"]["id"], shopping.as_str());
    assert_eq!(row["payee"], "AMAZON MKTPL*2K4");

    // A category chosen by hand is never replaced.
    let chosen = create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "40.00", "description": "Present", "payee": "AMAZON MKTPL*9ZZ",
                "transactionDate": "2026-11-11", "type": "EXPENSE", "categoryId": gifts }),
    )
    .await;
    assert_eq!(
        transaction(&app, &user, &chosen).await["category"]["id"],
        gifts.as_str()
    );

    // No match, no change.
    let other = create_transaction(&app, &user.access_token, expense("Order", Some("AMAZON PRIME"), "8.99")).await;
    assert!(transaction(&app, &user, &other).await["category"].is_null());

    // A description rule fills a payee the person did not give.
    rule_id(
        &app,
        &user,
        json!({ "name": "Coffee", "conditions": [{ "description": { "operator": "CONTAINS", "value": "espresso" } }],
                "actions": [{ "payee": "Corner Café" }] }),
    )
    .await;
    let coffee = create_transaction(&app, &user.access_token, expense("Double ESPRESSO", None, "3.20")).await;
    assert_eq!(transaction(&app, &user, &coffee).await["payee"], "Corner Café");
}

#[tokio::test]
async fn priority_decides_and_disabled_or_foreign_rules_do_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let cats = categories(&app, &user, &["Groceries", "Food"]).await;
    let (groceries, food) = (&cats[0], &cats[1]);
    let market = |name: &str, priority: i32, category: &str| {
        json!({ "name": name, "priority": priority,
                "conditions": [{ "payee": { "operator": "CONTAINS", "value": "market" } }],
                "actions": [{ "categoryId": category }] })
    };
    let broad = rule_id(&app, &user, market("Broad", 1, food)).await;
    let narrow = rule_id(&app, &user, market("Narrow", 5, groceries)).await;
    let body = app.gql("{ rules { id } }", json!({}), Some(&user.access_token)).await;
    assert_eq!(
        body["data"]["rules"],
        json!([{ "id": narrow }, { "id": broad }]),
        "priority order"
    );

    let first = create_transaction(
        &app,
        &user.access_token,
        expense("Weekly shop", Some("Fresh Market"), "50.00"),
    )
    .await;
    assert_eq!(
        transaction(&app, &user, &first).await["category"]["id"],
        groceries.as_str()
    );

    let body = app
        .gql(
            "mutation($id: ID!) { updateRule(id: $id, input: { enabled: false }) { enabled } }",
            json!({ "id": narrow }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["updateRule"]["enabled"], false, "{body}");
    let second = create_transaction(
        &app,
        &user.access_token,
        expense("Weekly shop", Some("Fresh Market"), "50.00"),
    )
    .await;
    assert_eq!(transaction(&app, &user, &second).await["category"]["id"], food.as_str());

    // Another user's rules never run on mine, and mine are invisible and untouchable to them.
    let theirs = create_transaction(&app, &other.access_token, expense("Shop", Some("Fresh Market"), "5.00")).await;
    assert!(transaction(&app, &other, &theirs).await["category"].is_null());
    let body = app
        .gql(
            "query($id: ID!) { rule(id: $id) { id } rules { id } }",
            json!({ "id": broad }),
            Some(&other.access_token),
        )
        .await;
    assert_eq!(body["data"], json!({ "rule": null, "rules": [] }));
    for mutation in [
        "mutation($id: ID!) { updateRule(id: $id, input: { name: \"Mine\" }) { id } }",
        "mutation($id: ID!) { deleteRule(id: $id) }",
    ] {
        let body = app
            .gql(mutation, json!({ "id": broad }), Some(&other.access_token))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }

    let body = app
        .gql(
            "mutation($id: ID!) { deleteRule(id: $id) }",
            json!({ "id": broad }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["deleteRule"], broad.as_str());
    let third = create_transaction(
        &app,
        &user.access_token,
        expense("Weekly shop", Some("Fresh Market"), "50.00"),
    )
    .await;
    assert!(transaction(&app, &user, &third).await["category"].is_null());
}

#[tokio::test]
async fn bad_rules_are_refused_with_the_field_at_fault() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let theirs = categories(&app, &other, &["Theirs"]).await;
    let body = create_rule(
        &app,
        &user,
        json!({
            "name": " ",
            "conditions": [
                { "payee": { "operator": "MATCHES", "value": "(unclosed" } },
                { "amount": { "min": "10.00", "max": "5.00" } },
                { "amount": { "min": "1.00", "currency": "EURO" } },
                { "amount": { "min": "1.001", "currency": "EUR" } },
                { "type": "TRANSFER_IN" },
                { "accountId": "00000000-0000-7000-8000-000000000000" },
            ],
            "actions": [{ "categoryId": theirs[0] }, { "description": "" }],
        }),
    )
    .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let mut fields = error_fields(&body);
    fields.sort();
    fields.dedup();
    assert_eq!(
        fields,
        [
            "input.actions.0",
            "input.actions.1",
            "input.conditions.0",
            "input.conditions.1",
            "input.conditions.2",
            "input.conditions.3",
            "input.conditions.4",
            "input.conditions.5",
            "input.name",
        ]
    );
    let body = create_rule(&app, &user, json!({ "name": "Empty", "conditions": [], "actions": [] })).await;
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(fields, ["input.actions", "input.conditions"], "{body}");
    // Two fields in one oneOf input is a malformed request, not a rule.
    let body = create_rule(
        &app,
        &user,
        json!({ "name": "Two", "conditions": [{ "type": "EXPENSE", "accountId": "x" }], "actions": [{ "payee": "P" }] }),
    )
    .await;
    assert!(body["errors"].is_array() && body["data"].is_null(), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM rules").await, 0);
}

#[tokio::test]
async fn amount_conditions_hold_in_their_own_currency_only() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let cats = categories(&app, &user, &["Bills"]).await;
    let euros = crate::helpers::create_account(
        &app,
        &user.access_token,
        json!({ "name": "Euros", "kind": "CHECKING", "currency": "EUR" }),
    )
    .await;
    let body = create_rule(
        &app,
        &user,
        json!({ "name": "Big", "conditions": [{ "amount": { "min": "100.00", "max": "200.00" } }],
                "actions": [{ "categoryId": cats[0] }] }),
    )
    .await;
    // The reporting currency (USD for a new user) is the default.
    assert_eq!(
        body["data"]["createRule"]["conditions"],
        json!([{ "__typename": "AmountCondition", "currency": "USD", "min": "100.00", "max": "200.00" }]),
        "{body}"
    );
    let cases = [
        ("150.00", None, true),
        ("200.00", None, true),
        ("99.99", None, false),
        ("150.00", Some(&euros), false),
    ];
    for (amount, account, filed) in cases {
        let mut input = expense("Bill", None, amount);
        if let Some(account) = account {
            input["accountId"] = json!(account);
        }
        let id = create_transaction(&app, &user.access_token, input).await;
        let category = &transaction(&app, &user, &id).await["category"];
        assert_eq!(!category.is_null(), filed, "{amount} in {account:?}");
    }
}

const APPLY: &str = "mutation($dry: Boolean!, $overwrite: Boolean) {
  applyRules(dryRun: $dry, overwriteEdited: $overwrite) {
    dryRun examined changed keptEdited changes { transactionId field before after ruleId } } }";

async fn apply(app: &TestApp, user: &TestUser, dry: bool, overwrite: bool) -> Value {
    let body = app
        .gql(
            APPLY,
            json!({ "dry": dry, "overwrite": overwrite }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["applyRules"].is_object(), "{body}");
    body["data"]["applyRules"].clone()
}

#[tokio::test]
async fn apply_rules_rewrites_history_but_not_what_a_person_edited() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let cats = categories(&app, &user, &["Shopping", "Gifts"]).await;
    let (shopping, gifts) = (&cats[0], &cats[1]);
    // Written before the rule exists, so nothing files them yet.
    let mut plain = Vec::new();
    for i in 0..3 {
        plain.push(
            create_transaction(
                &app,
                &user.access_token,
                expense(&format!("AMAZON MKTPL*A{i}"), None, "10.00"),
            )
            .await,
        );
    }
    let edited = create_transaction(&app, &user.access_token, expense("AMAZON MKTPL*B2", None, "12.00")).await;
    let body = app
        .gql(
            "mutation($id: ID!, $c: ID!) { updateTransaction(id: $id, input: { categoryId: $c }) { id } }",
            json!({ "id": edited, "c": gifts }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");
    // Its payee was typed at creation, so it is the person's.
    let typed = create_transaction(
        &app,
        &user.access_token,
        expense("AMAZON MKTPL*C3", Some("Amazon EU"), "9.00"),
    )
    .await;
    let unrelated = create_transaction(&app, &user.access_token, expense("Rent", Some("Landlord"), "700.00")).await;
    let rule = rule_id(
        &app,
        &user,
        json!({ "name": "Amazon", "conditions": [{ "description": { "operator": "STARTS_WITH", "value": "amazon mktpl*" } }],
                "actions": [{ "categoryId": shopping }, { "payee": "Amazon" }] }),
    )
    .await;

    let dry = apply(&app, &user, true, false).await;
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["examined"], 6);
    let change = |id: &str, field: &str, before: Value, after: &str| json!({ "transactionId": id, "field": field, "before": before, "after": after, "ruleId": rule });
    let mut expected: Vec<Value> = plain
        .iter()
        .flat_map(|id| {
            [
                change(id, "CATEGORY", Value::Null, shopping),
                change(id, "PAYEE", Value::Null, "Amazon"),
            ]
        })
        .collect();
    expected.push(change(&edited, "PAYEE", Value::Null, "Amazon"));
    expected.push(change(&typed, "CATEGORY", Value::Null, shopping));
    assert_eq!(dry["changes"].as_array().expect("changes"), &expected, "{dry}");
    assert_eq!(dry["changed"], 5);
    assert_eq!(dry["keptEdited"], 2, "edited's category, typed's payee");
    for id in &plain {
        assert!(
            transaction(&app, &user, id).await["category"].is_null(),
            "a dry run writes nothing"
        );
    }

    let done = apply(&app, &user, false, false).await;
    assert_eq!(done["changed"], 5);
    for id in &plain {
        let row = transaction(&app, &user, id).await;
        assert_eq!(
            (row["category"]["id"].as_str(), row["payee"].as_str()),
            (Some(shopping.as_str()), Some("Amazon"))
        );
    }
    let row = transaction(&app, &user, &edited).await;
    assert_eq!(
        (row["category"]["id"].as_str(), row["payee"].as_str()),
        (Some(gifts.as_str()), Some("Amazon"))
    );
    assert_eq!(transaction(&app, &user, &typed).await["payee"], "Amazon EU");
    assert!(transaction(&app, &user, &unrelated).await["category"].is_null());
    assert_eq!(
        apply(&app, &user, true, false).await["changed"],
        0,
        "a second run finds nothing to do"
    );

    let forced = apply(&app, &user, false, true).await;
    expected = vec![
        change(&edited, "CATEGORY", json!(gifts), shopping),
        change(&typed, "PAYEE", json!("Amazon EU"), "Amazon"),
    ];
    assert_eq!(forced["changes"].as_array().expect("changes"), &expected);
    assert_eq!(
        transaction(&app, &user, &edited).await["category"]["id"],
        shopping.as_str()
    );
}

#[tokio::test]
async fn a_rule_naming_a_deleted_category_leaves_the_transaction_uncategorised() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let cats = categories(&app, &user, &["Shopping", "Other"]).await;
    rule_id(&app, &user, amazon_rule(&cats[0])).await;
    let body = app
        .gql(
            "mutation($id: ID!) { deleteBudgetCategory(id: $id) }",
            json!({ "id": cats[0] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["deleteBudgetCategory"], cats[0].as_str(), "{body}");
    let id = create_transaction(
        &app,
        &user.access_token,
        expense("Order", Some("AMAZON MKTPL*2K4"), "5.00"),
    )
    .await;
    assert!(transaction(&app, &user, &id).await["category"].is_null());
}
