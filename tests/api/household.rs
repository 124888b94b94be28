//! The README's walk-through of issue 12's goal, run as written: checking, savings in euros and
//! a credit card; money moved between them; a grocery receipt split across two categories;
//! balances, net worth and the budget in the reporting currency, exact to the cent.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

async fn run(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    let body = app.gql(query, variables, Some(&user.access_token)).await;
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_household_in_two_currencies_balances_to_the_cent() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = run(&app, &user, "{ accounts { id name } }", json!({})).await["accounts"][0]["id"].clone();
    let savings = run(
        &app,
        &user,
        "mutation { createAccount(input: { name: \"Savings\", kind: SAVINGS, currency: \"EUR\" }) { id } }",
        json!({}),
    )
    .await["createAccount"]["id"]
        .clone();
    let visa = run(
        &app,
        &user,
        "mutation { createAccount(input: { name: \"Visa\", kind: CREDIT_CARD }) { id } }",
        json!({}),
    )
    .await["createAccount"]["id"]
        .clone();
    run(
        &app,
        &user,
        "mutation { setExchangeRate(input: { base: \"EUR\", quote: \"USD\", date: \"2026-11-01\", rate: \"1.10\" }) { id } }",
        json!({}),
    )
    .await;
    run(
        &app,
        &user,
        "mutation($a: ID!) { createTransaction(input: { accountId: $a, amount: \"3000.00\", description: \"Salary\",
            transactionDate: \"2026-11-01\", type: INCOME }) { id } }",
        json!({ "a": main }),
    )
    .await;
    let transfer = "mutation($from: ID!, $to: ID!, $amount: Decimal!, $toAmount: Decimal, $date: Date!) {
        createTransfer(input: { fromAccountId: $from, toAccountId: $to, amount: $amount, toAmount: $toAmount, date: $date }) { to { amount currency } } }";
    let saved = run(
        &app,
        &user,
        transfer,
        json!({ "from": main, "to": savings, "amount": "550.00", "toAmount": "500.00", "date": "2026-11-02" }),
    )
    .await;
    assert_eq!(
        saved["createTransfer"]["to"],
        json!({ "amount": "500.00", "currency": "EUR" })
    );
    let budget = run(
        &app,
        &user,
        "mutation { createBudget(input: { name: \"November\", amount: \"800.00\", period: MONTHLY, startDate: \"2026-11-01\",
            endDate: \"2026-11-30\", categories: [{ name: \"Groceries\", amount: \"500.00\" }, { name: \"Household\", amount: \"300.00\" }] })
            { id categories { id } } }",
        json!({}),
    )
    .await["createBudget"]
        .clone();
    run(
        &app,
        &user,
        "mutation($card: ID!, $groceries: ID!, $household: ID!) { createTransaction(input: { accountId: $card, amount: \"84.30\",
            description: \"Supermarket\", transactionDate: \"2026-11-03\", type: EXPENSE,
            splits: [{ categoryId: $groceries, amount: \"61.20\" }, { categoryId: $household, amount: \"23.10\" }] }) { id } }",
        json!({ "card": visa, "groceries": budget["categories"][0]["id"], "household": budget["categories"][1]["id"] }),
    )
    .await;
    run(
        &app,
        &user,
        transfer,
        json!({ "from": main, "to": visa, "amount": "84.30", "date": "2026-11-10" }),
    )
    .await;

    let data = run(
        &app,
        &user,
        "query($b: ID!) {
          accounts { name balance { amount currency } }
          netWorth(on: \"2026-11-30\") { assets { amount } liabilities { amount } total { amount currency } missingRates { base } }
          budget(id: $b) { spent remaining categories { name spent } }
          transactionStats(filter: { from: \"2026-11-01\", to: \"2026-11-30\" }) { count totalIncome totalExpenses }
        }",
        json!({ "b": budget["id"] }),
    )
    .await;
    assert_eq!(
        data["accounts"],
        json!([
            { "name": "Main", "balance": { "amount": "2365.70", "currency": "USD" } },
            { "name": "Savings", "balance": { "amount": "500.00", "currency": "EUR" } },
            { "name": "Visa", "balance": { "amount": "0.00", "currency": "USD" } },
        ])
    );
    // 2365.70 USD + 500.00 EUR x 1.10: the salary less the groceries, as nothing was lost.
    assert_eq!(
        data["netWorth"],
        json!({ "assets": { "amount": "2915.70" }, "liabilities": { "amount": "0.00" },
                "total": { "amount": "2915.70", "currency": "USD" }, "missingRates": [] })
    );
    assert_eq!(
        data["budget"],
        json!({ "spent": "84.30", "remaining": "715.70",
                "categories": [{ "name": "Groceries", "spent": "61.20" }, { "name": "Household", "spent": "23.10" }] })
    );
    assert_eq!(
        data["transactionStats"],
        json!({ "count": 2, "totalIncome": "3000.00", "totalExpenses": "84.30" })
    );
}
