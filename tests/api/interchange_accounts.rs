//! CSV export and import across accounts: an export carries each row's account, currency,
//! payee, cleared state, split lines and transfer link, and imports back whole.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, category_ids, create_account, create_budget, create_transaction};

async fn export(app: &TestApp, user: &TestUser, format: &str) -> String {
    let body = app
        .gql(
            "query($f: ExportFormat!) { exportTransactions(format: $f) }",
            json!({ "f": format }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["exportTransactions"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn import(app: &TestApp, user: &TestUser, data: &str) -> Value {
    let body = app
        .gql(
            "mutation($d: String!) { importTransactions(input: { format: CSV, data: $d }) { imported skippedDuplicates errors { line message } } }",
            json!({ "d": data }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["importTransactions"].is_object(), "{body}");
    body["data"]["importTransactions"].clone()
}

/// The accounts and budget both users have, by name; returns (yen wallet, card, categories).
async fn set_up(app: &TestApp, user: &TestUser) -> (String, String, Vec<String>) {
    let token = user.access_token.as_str();
    let yen = create_account(
        app,
        token,
        json!({ "name": "Yen wallet", "kind": "CASH", "currency": "JPY", "openingDate": "2026-01-01" }),
    )
    .await;
    let card = create_account(
        app,
        token,
        json!({ "name": "Card", "kind": "CREDIT_CARD", "openingDate": "2026-01-01" }),
    )
    .await;
    let budget = create_budget(
        app,
        token,
        json!({ "name": "November", "amount": "900.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "600.00" }, { "name": "Household", "amount": "300.00" }] }),
    )
    .await;
    let categories = category_ids(&budget);
    (yen, card, categories)
}

/// Each CSV line's cells, the `transfer` reference replaced by the number of the first line
/// that carries it (references differ between users; which lines share one must not).
fn normalised(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut seen: Vec<String> = Vec::new();
    reader
        .records()
        .map(|record| {
            let mut cells: Vec<String> = record.expect("record").iter().map(str::to_owned).collect();
            let reference = &mut cells[10];
            if !reference.is_empty() {
                let at = seen.iter().position(|r| r == reference).unwrap_or_else(|| {
                    seen.push(reference.clone());
                    seen.len() - 1
                });
                *reference = format!("transfer {at}");
            }
            cells
        })
        .collect()
}

async fn figures(app: &TestApp, user: &TestUser) -> Value {
    let body = app
        .gql(
            "{ accounts { name balance { amount currency } clearedBalance { amount } }
               transactionStats { count totalIncome totalExpenses byCategory { category { name } total } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn an_export_with_accounts_splits_and_transfers_imports_back_whole() {
    let app = TestApp::spawn().await;
    let alice = app.register_and_login().await;
    let token = alice.access_token.as_str();
    let (yen, card, categories) = set_up(&app, &alice).await;
    let row = |amount: &str, date: &str, kind: &str, extra: Value| {
        let mut input = json!({ "amount": amount, "description": "Row", "transactionDate": date, "type": kind });
        for (key, value) in extra.as_object().expect("object") {
            input[key] = value.clone();
        }
        input
    };
    create_transaction(
        &app,
        token,
        row(
            "2500.00",
            "2026-11-01",
            "INCOME",
            json!({ "payee": "Employer", "cleared": "RECONCILED" }),
        ),
    )
    .await;
    create_transaction(
        &app,
        token,
        row("100.00", "2026-11-03", "EXPENSE", json!({ "accountId": card, "payee": "Market, \"fresh\"", "cleared": "CLEARED",
            "splits": [{ "categoryId": categories[0], "amount": "62.40", "description": "Groceries" },
                       { "categoryId": categories[1], "amount": "40.00" }, { "amount": "-2.40", "description": "Bottle deposit" }] })),
    )
    .await;
    create_transaction(
        &app,
        token,
        row(
            "1500",
            "2026-11-04",
            "EXPENSE",
            json!({ "accountId": yen, "categoryId": categories[0] }),
        ),
    )
    .await;
    let main = app.default_account(alice.id.parse().expect("id")).await.to_string();
    for (to, amount, to_amount) in [(&card, "50.00", None), (&yen, "100.00", Some("15000"))] {
        let body = app
            .gql(
                "mutation($input: CreateTransferInput!) { createTransfer(input: $input) { from { id } } }",
                json!({ "input": { "fromAccountId": main, "toAccountId": to, "amount": amount,
                                   "toAmount": to_amount, "date": "2026-11-05" } }),
                Some(token),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let exported = export(&app, &alice, "CSV").await;
    assert_eq!(normalised(&exported).len(), 7, "seven rows:\n{exported}");

    // Bob has the same accounts and budget by name: the file imports whole.
    let bob = app.register_and_login().await;
    set_up(&app, &bob).await;
    assert_eq!(
        import(&app, &bob, &exported).await,
        json!({ "imported": 7, "skippedDuplicates": 0, "errors": [] })
    );
    assert_eq!(normalised(&export(&app, &bob, "CSV").await), normalised(&exported));
    assert_eq!(figures(&app, &bob).await, figures(&app, &alice).await);
    // Again: every row (a transfer as a pair) is already there.
    assert_eq!(
        import(&app, &bob, &exported).await,
        json!({ "imported": 0, "skippedDuplicates": 7, "errors": [] })
    );

    let json: Value = serde_json::from_str(&export(&app, &alice, "JSON").await).expect("JSON");
    let split = json
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["splits"].as_array().is_some_and(|s| !s.is_empty()))
        .expect("the split row");
    assert_eq!(
        (
            &split["account"],
            &split["currency"],
            &split["cleared"],
            &split["category"]
        ),
        (&json!("Card"), &json!("USD"), &json!("cleared"), &Value::Null)
    );
    assert_eq!(
        split["splits"],
        json!([{ "category": "Food", "amount": "62.40", "description": "Groceries" },
               { "category": "Household", "amount": "40.00" },
               { "amount": "-2.40", "description": "Bottle deposit" }])
    );
}

#[tokio::test]
async fn unknown_accounts_wrong_currencies_and_unpaired_legs_refuse_the_whole_file() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    set_up(&app, &user).await;
    let data = "date,description,amount,type,account,currency,transfer\n\
        2026-11-01,Fine,1.00,expense,,,\n\
        2026-11-01,Nowhere,1.00,expense,Savings,,\n\
        2026-11-01,Yen,1.50,expense,Yen wallet,,\n\
        2026-11-01,Euro,1.00,expense,Card,EUR,\n\
        2026-11-02,Lonely,5.00,transfer_out,,,a\n\
        2026-11-02,Same,5.00,transfer_out,,,b\n\
        2026-11-02,Same,5.00,transfer_in,,,b\n\
        2026-11-02,Days,5.00,transfer_out,,,c\n\
        2026-11-03,Days,5.00,transfer_in,Card,,c\n";
    let result = import(&app, &user, data).await;
    assert_eq!(result["imported"], 0);
    assert_eq!(
        result["errors"],
        json!([
            { "line": 3, "message": "account: you have no open account named \"Savings\"" },
            { "line": 4, "message": "amount: must be a whole number (the currency has no minor unit)" },
            { "line": 5, "message": "currency: EUR is not the account's currency (USD)" },
            { "line": 6, "message": "transfer: \"a\" needs one transfer_out and one transfer_in row" },
            { "line": 7, "message": "transfer: \"b\" moves money between two different accounts" },
            { "line": 8, "message": "transfer: \"b\" moves money between two different accounts" },
            { "line": 9, "message": "transfer: \"c\" has both legs on one day" },
            { "line": 10, "message": "transfer: \"c\" has both legs on one day" },
        ])
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);
}
