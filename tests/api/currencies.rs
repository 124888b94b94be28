//! Exact currencies: every amount is in an ISO 4217 currency with its own number of decimals
//! (JPY 0, USD 2, KWD 3); inputs with more are BAD_USER_INPUT, outputs have exactly that many.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code, error_fields, set_currency};

/// A user whose reporting currency is `currency`.
async fn user_in(app: &TestApp, currency: &str) -> TestUser {
    let user = app.register_and_login().await;
    set_currency(app, &user, currency).await;
    user
}

async fn create_budget(app: &TestApp, user: &TestUser, amount: &str, currency: Option<&str>) -> Value {
    app.gql(
        "mutation($input: CreateBudgetInput!) { createBudget(input: $input) { amount currency categories { amount currency } } }",
        json!({ "input": { "name": "B", "amount": amount, "currency": currency, "period": "MONTHLY",
                "startDate": "2026-12-01", "endDate": "2026-12-31", "categories": [{ "name": "C", "amount": amount }] } }),
        Some(&user.access_token),
    )
    .await
}

async fn create_transaction(app: &TestApp, user: &TestUser, amount: &str) -> Value {
    app.gql(
        "mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { amount currency } }",
        json!({ "input": { "amount": amount, "description": "x", "transactionDate": "2026-12-02", "type": "EXPENSE" } }),
        Some(&user.access_token),
    )
    .await
}

#[tokio::test]
async fn yen_amounts_have_no_decimals_and_refuse_any() {
    let app = TestApp::spawn().await;
    let user = user_in(&app, "JPY").await;
    let budget = create_budget(&app, &user, "150000", None).await;
    assert_eq!(
        budget["data"]["createBudget"],
        json!({ "amount": "150000", "currency": "JPY", "categories": [{ "amount": "150000", "currency": "JPY" }] })
    );
    let spent = create_transaction(&app, &user, "1500").await;
    assert_eq!(
        spent["data"]["createTransaction"],
        json!({ "amount": "1500", "currency": "JPY" })
    );
    // A JSON number and a trailing zero decimal are the same whole yen.
    assert_eq!(
        create_transaction(&app, &user, "1500.0").await["data"]["createTransaction"]["amount"],
        "1500"
    );

    let refused = create_transaction(&app, &user, "1500.5").await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    assert_eq!(error_fields(&refused), ["input.amount"]);
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("whole number")),
        "{refused}"
    );
    let stored = app.count("SELECT COUNT(*) FROM transactions WHERE amount = 1500").await;
    assert_eq!(stored, 2, "minor units of yen are yen");
}

#[tokio::test]
async fn dinar_amounts_keep_three_decimals() {
    let app = TestApp::spawn().await;
    let user = user_in(&app, "KWD").await;
    for (input, output) in [("12.345", "12.345"), ("1.25", "1.250"), ("7", "7.000")] {
        let created = create_transaction(&app, &user, input).await;
        assert_eq!(
            created["data"]["createTransaction"]["amount"], output,
            "{input}: {created}"
        );
    }
    let refused = create_transaction(&app, &user, "1.2345").await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let totals = app
        .gql(
            "{ transactionStats { currency totalExpenses } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    // 12.345 + 1.250 + 7.000, summed independently.
    assert_eq!(
        totals["data"]["transactionStats"],
        json!({ "currency": "KWD", "totalExpenses": "20.595" })
    );
}

#[tokio::test]
async fn a_budget_or_goal_may_be_in_another_currency_than_the_user() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let budget = create_budget(&app, &user, "1.5", Some("kwd")).await;
    assert_eq!(
        budget["data"]["createBudget"],
        json!({ "amount": "1.500", "currency": "KWD", "categories": [{ "amount": "1.500", "currency": "KWD" }] })
    );
    let unknown = create_budget(&app, &user, "10", Some("XYZ")).await;
    assert_eq!(error_code(&unknown), "BAD_USER_INPUT");
    assert_eq!(error_fields(&unknown), ["input.currency"]);

    let goal = app
        .gql(
            "mutation { createSavingsGoal(input: { name: \"Trip\", targetAmount: \"300000\", currency: \"JPY\", initialAmount: \"1000\" }) { id currency targetAmount currentAmount contributions { nodes { amount currency } } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let goal = &goal["data"]["createSavingsGoal"];
    assert_eq!(goal["currency"], "JPY");
    assert_eq!(goal["targetAmount"], "300000");
    assert_eq!(
        goal["contributions"]["nodes"][0],
        json!({ "amount": "1000", "currency": "JPY" })
    );
    let contributed = app
        .gql(
            "mutation($id: ID!) { contributeToGoal(input: { goalId: $id, amount: \"0.5\" }) { currentAmount } }",
            json!({ "id": goal["id"] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&contributed), "BAD_USER_INPUT", "half a yen: {contributed}");
}

#[tokio::test]
async fn changing_the_reporting_currency_rescales_income_and_savings_targets_exactly() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let set = |input: Value| {
        let token = user.access_token.clone();
        let app = &app;
        async move {
            app.gql(
                "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { preferences { currency } financialSettings { monthlyIncome savingsGoal } } }",
                json!({ "input": input }),
                Some(&token),
            )
            .await
        }
    };
    set(json!({ "financialSettings": { "monthlyIncome": "3000", "savingsGoal": "250.50" } })).await;
    let to_kwd = set(json!({ "preferences": { "currency": "KWD" } })).await;
    assert_eq!(
        to_kwd["data"]["updateProfile"],
        json!({ "preferences": { "currency": "KWD" }, "financialSettings": { "monthlyIncome": "3000.000", "savingsGoal": "250.500" } })
    );
    // 250.5 has no whole-yen value: refused, nothing changed.
    let to_jpy = set(json!({ "preferences": { "currency": "JPY" } })).await;
    assert_eq!(error_code(&to_jpy), "BAD_USER_INPUT", "{to_jpy}");
    assert_eq!(error_fields(&to_jpy), ["input.financialSettings.savingsGoal"]);
    let with_new_amount =
        set(json!({ "preferences": { "currency": "JPY" }, "financialSettings": { "savingsGoal": "250" } })).await;
    assert_eq!(
        with_new_amount["data"]["updateProfile"],
        json!({ "preferences": { "currency": "JPY" }, "financialSettings": { "monthlyIncome": "3000", "savingsGoal": "250" } })
    );
}
