//! Transfers: two linked legs written together, kept consistent by every edit and delete,
//! counted in balances and never as income or expense.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, TestUser, category_ids, create_account, create_budget, create_transaction, error_code, error_fields,
};

const TRANSFER: &str = "from { id type amount currency transactionDate description cleared account { id } transfer { to { id } } }
                        to { id type amount currency transactionDate description cleared account { id } transfer { from { id } } }
                        transactionDate description";

async fn open(app: &TestApp, user: &TestUser, name: &str, kind: &str, currency: &str, opening: &str) -> String {
    create_account(
        app,
        &user.access_token,
        json!({ "name": name, "kind": kind, "currency": currency, "openingBalance": opening, "openingDate": "2026-01-01" }),
    )
    .await
}

async fn transfer(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(
        &format!("mutation($input: CreateTransferInput!) {{ createTransfer(input: $input) {{ {TRANSFER} }} }}"),
        json!({ "input": input }),
        Some(&user.access_token),
    )
    .await
}

async fn made(app: &TestApp, user: &TestUser, input: Value) -> Value {
    let body = transfer(app, user, input).await;
    assert!(
        body["data"]["createTransfer"].is_object(),
        "createTransfer failed: {body}"
    );
    body["data"]["createTransfer"].clone()
}

async fn balances(app: &TestApp, user: &TestUser) -> Vec<(String, String)> {
    let body = app
        .gql(
            "{ accounts(includeArchived: true) { name balance { amount } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    body["data"]["accounts"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|a| {
            (
                a["name"].as_str().expect("name").to_owned(),
                a["balance"]["amount"].as_str().expect("amount").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn main_account(app: &TestApp, user: &TestUser) -> String {
    let body = app
        .gql("{ accounts { id } }", json!({}), Some(&user.access_token))
        .await;
    body["data"]["accounts"][0]["id"].as_str().expect("main").to_owned()
}

#[tokio::test]
async fn a_transfer_writes_two_linked_legs_and_moves_the_balance() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = main_account(&app, &user).await;
    let savings = open(&app, &user, "Savings", "SAVINGS", "USD", "1000.00").await;

    let t = made(
        &app,
        &user,
        json!({ "fromAccountId": main, "toAccountId": savings, "amount": "250.75", "date": "2026-11-03", "description": "Monthly saving" }),
    )
    .await;
    assert_eq!(
        (&t["from"]["type"], &t["from"]["amount"], &t["from"]["account"]["id"]),
        (&json!("TRANSFER_OUT"), &json!("250.75"), &json!(main))
    );
    assert_eq!(
        (&t["to"]["type"], &t["to"]["amount"], &t["to"]["account"]["id"]),
        (&json!("TRANSFER_IN"), &json!("250.75"), &json!(savings))
    );
    assert_eq!(t["from"]["transfer"]["to"]["id"], t["to"]["id"]);
    assert_eq!(t["to"]["transfer"]["from"]["id"], t["from"]["id"]);
    assert_eq!(
        (&t["transactionDate"], &t["description"]),
        (&json!("2026-11-03"), &json!("Monthly saving"))
    );
    assert_eq!(
        balances(&app, &user).await,
        pairs(&[("Main", "-250.75"), ("Savings", "1250.75")])
    );

    // Omitted, the description is "Transfer"; an equal toAmount in one currency is accepted.
    let t = made(
        &app,
        &user,
        json!({ "fromAccountId": savings, "toAccountId": main, "amount": "50", "toAmount": "50.00", "date": "2026-11-04" }),
    )
    .await;
    assert_eq!(t["description"], "Transfer");
    assert_eq!(t["to"]["amount"], "50.00");
    // Income and expense transactions have no transfer.
    let plain = create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "1.00", "description": "x", "transactionDate": "2026-11-04", "type": "EXPENSE" }),
    )
    .await;
    let body = app
        .gql(
            "query($id: ID!) { transaction(id: $id) { transfer { from { id } } } }",
            json!({ "id": plain }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["transaction"]["transfer"], Value::Null);
    assert_eq!(
        balances(&app, &user).await,
        pairs(&[("Main", "-201.75"), ("Savings", "1200.75")])
    );
}

#[tokio::test]
async fn between_currencies_the_arriving_amount_is_required_and_in_its_own_decimals() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = main_account(&app, &user).await;
    let yen = open(&app, &user, "Yen", "CASH", "JPY", "0").await;
    let dinar = open(&app, &user, "Dinar", "CHECKING", "KWD", "0").await;

    let body = transfer(
        &app,
        &user,
        json!({ "fromAccountId": main, "toAccountId": yen, "amount": "100.00", "date": "2026-11-03" }),
    )
    .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.toAmount"]);
    let body = transfer(
        &app,
        &user,
        json!({ "fromAccountId": main, "toAccountId": yen, "amount": "100.00", "toAmount": "15000.5", "date": "2026-11-03" }),
    )
    .await;
    assert_eq!(error_fields(&body), ["input.toAmount"], "yen have no decimals");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions").await,
        0,
        "nothing half-written"
    );

    let t = made(
        &app,
        &user,
        json!({ "fromAccountId": main, "toAccountId": yen, "amount": "100.00", "toAmount": "15012", "date": "2026-11-03" }),
    )
    .await;
    assert_eq!(
        (
            &t["from"]["amount"],
            &t["from"]["currency"],
            &t["to"]["amount"],
            &t["to"]["currency"]
        ),
        (&json!("100.00"), &json!("USD"), &json!("15012"), &json!("JPY"))
    );
    made(
        &app,
        &user,
        json!({ "fromAccountId": yen, "toAccountId": dinar, "amount": "5000", "toAmount": "10.125", "date": "2026-11-04" }),
    )
    .await;
    assert_eq!(
        balances(&app, &user).await,
        pairs(&[("Main", "-100.00"), ("Yen", "10012"), ("Dinar", "10.125")])
    );
}

#[tokio::test]
async fn a_bad_transfer_names_every_problem_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let main = main_account(&app, &user).await;
    let theirs = main_account(&app, &other).await;
    let closed = open(&app, &user, "Closed", "SAVINGS", "USD", "0").await;
    let body = app
        .gql(
            "mutation($id: ID!) { archiveAccount(id: $id) { id } }",
            json!({ "id": closed }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"].is_object(), "{body}");

    let cases = [
        (
            json!({ "fromAccountId": main, "toAccountId": main, "amount": "1.00", "date": "2026-11-03" }),
            vec!["input.toAccountId"],
        ),
        (
            json!({ "fromAccountId": main, "toAccountId": theirs, "amount": "1.00", "date": "2026-11-03" }),
            vec!["input.toAccountId"],
        ),
        (
            json!({ "fromAccountId": Uuid::now_v7().to_string(), "toAccountId": closed, "amount": "1.00", "date": "2026-11-03" }),
            vec!["input.fromAccountId", "input.toAccountId"],
        ),
        (
            json!({ "fromAccountId": main, "toAccountId": closed, "amount": "0", "date": "1800-01-01", "description": "" }),
            vec!["input.toAccountId", "input.description", "input.date"],
        ),
    ];
    let savings = open(&app, &user, "Savings", "SAVINGS", "USD", "0").await;
    for (input, fields) in cases {
        let body = transfer(&app, &user, input.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_fields(&body), fields, "{input}");
    }
    for (amount, to_amount, field) in [
        ("0", None, "input.amount"),
        ("1.005", None, "input.amount"),
        ("1.00", Some("2.00"), "input.toAmount"),
    ] {
        let body = transfer(
            &app,
            &user,
            json!({ "fromAccountId": main, "toAccountId": savings, "amount": amount, "toAmount": to_amount, "date": "2026-11-03" }),
        )
        .await;
        assert_eq!(error_fields(&body), [field], "{amount} {to_amount:?}: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);
    // Transfer types are not for createTransaction.
    let body = app
        .gql(
            "mutation { createTransaction(input: { amount: \"1.00\", description: \"x\", transactionDate: \"2026-11-03\", type: TRANSFER_IN }) { id } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_fields(&body), ["input.type"]);
}

/// The figures every report shows, minus the lists of individual transactions.
const FIGURES: &str = "query($b: ID!) {
  budget(id: $b) { spent remaining percentUsed status categories { name spent remaining } }
  transactionStats(filter: { from: \"2026-11-01\", to: \"2026-11-30\" }) { count totalIncome totalExpenses net averageExpense byCategory { category { name } total count share } byMonth { periodStart income expenses net } }
  all: transactionStats { count totalIncome totalExpenses }
  monthlyReport(month: \"2026-11-01\") { income expenses net savingsRate byCategory { category { name } total count } topExpenses { amount } previousMonth { income expenses } }
  categoryReport(from: \"2026-11-01\", to: \"2026-11-30\") { category { name } total count share }
  income: categoryReport(from: \"2026-11-01\", to: \"2026-11-30\", type: INCOME) { category { name } total count }
  trendReport(from: \"2026-10-01\", to: \"2026-11-30\", granularity: WEEK) { periodStart income expenses net }
  budgetReport(budgetId: $b) { budgeted actual variance categories { actual variance } uncategorizedSpending }
  dashboard(month: \"2026-11-01\") { overview { totalIncome totalExpenses net savingsRate totalBudgeted totalSpentInBudgets } insights { kind severity message amount } trends(months: 3) { periodStart income expenses } }
}";

#[tokio::test]
async fn transfers_never_count_as_income_spending_or_transactions_in_any_figure() {
    let app = TestApp::spawn().await;
    // (type, cents, date, category index)
    let rows: [(&str, i64, &str, Option<usize>); 6] = [
        ("INCOME", 300_000, "2026-11-01", None),
        ("EXPENSE", 12_000, "2026-11-02", Some(0)),
        ("EXPENSE", 4_550, "2026-11-09", Some(1)),
        ("EXPENSE", 80_000, "2026-11-15", Some(0)),
        ("EXPENSE", 1_999, "2026-11-20", None),
        ("EXPENSE", 7_000, "2026-10-20", Some(1)),
    ];
    let mut figures = Vec::new();
    for with_transfers in [false, true] {
        let user = app.register_and_login().await;
        let budget = create_budget(
            &app,
            &user.access_token,
            json!({ "name": "November", "amount": "1000.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30",
                    "categories": [{ "name": "Food", "amount": "900.00" }, { "name": "Fun", "amount": "100.00" }] }),
        )
        .await;
        let categories = category_ids(&budget);
        for (kind, cents, date, category) in rows {
            create_transaction(
                &app,
                &user.access_token,
                json!({ "amount": format!("{}.{:02}", cents / 100, cents % 100), "description": "Row", "transactionDate": date, "type": kind,
                        "categoryId": category.map(|c| categories[c].clone()) }),
            )
            .await;
        }
        if with_transfers {
            let main = main_account(&app, &user).await;
            let savings = open(&app, &user, "Savings", "SAVINGS", "USD", "0").await;
            let euro = open(&app, &user, "Euro", "CHECKING", "EUR", "0").await;
            for (from, to, amount, to_amount, date) in [
                (&main, &savings, "500.00", None, "2026-11-05"),
                (&savings, &main, "20.00", None, "2026-11-16"),
                (&main, &euro, "999.99", Some("930.00"), "2026-11-21"),
                (&main, &savings, "10000.00", None, "2026-10-21"),
            ] {
                made(
                    &app,
                    &user,
                    json!({ "fromAccountId": from, "toAccountId": to, "amount": amount, "toAmount": to_amount, "date": date }),
                )
                .await;
            }
        }
        let body = app
            .gql(FIGURES, json!({ "b": budget["id"] }), Some(&user.access_token))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        figures.push(body["data"].clone());

        // Only income and expenses are transactions for the badges.
        let body = app
            .gql("{ achievements { type } }", json!({}), Some(&user.access_token))
            .await;
        assert!(
            body["data"]["achievements"].to_string().contains("FIRST_TRANSACTION"),
            "{body}"
        );
    }
    assert_eq!(figures[0], figures[1], "the transfers changed a figure");

    // And the figures are the ones the rows make.
    let november = |kind: &str| {
        rows.iter()
            .filter(|(k, _, d, _)| *k == kind && d.starts_with("2026-11"))
            .map(|(_, c, _, _)| c)
            .sum::<i64>()
    };
    let cents = |c: i64| format!("{}.{:02}", c / 100, c % 100);
    let stats = &figures[1]["transactionStats"];
    assert_eq!(
        stats["count"],
        rows.iter().filter(|r| r.2.starts_with("2026-11")).count()
    );
    assert_eq!(stats["totalIncome"], cents(november("INCOME")));
    assert_eq!(stats["totalExpenses"], cents(november("EXPENSE")));
    assert_eq!(figures[1]["all"]["count"], rows.len());
    let in_budget = rows
        .iter()
        .filter(|(k, _, d, c)| *k == "EXPENSE" && d.starts_with("2026-11") && c.is_some())
        .map(|(_, c, _, _)| c)
        .sum::<i64>();
    assert_eq!(figures[1]["budget"]["spent"], cents(in_budget));
    assert_eq!(
        figures[1]["dashboard"]["overview"]["totalExpenses"],
        cents(november("EXPENSE"))
    );
}

async fn leg_update(app: &TestApp, user: &TestUser, id: &Value, input: Value) -> Value {
    app.gql(
        "mutation($id: ID!, $input: UpdateTransactionInput!) { updateTransaction(id: $id, input: $input) { id amount transactionDate description cleared payee } }",
        json!({ "id": id, "input": input }),
        Some(&user.access_token),
    )
    .await
}

async fn legs(app: &TestApp, user: &TestUser, leg: &Value) -> Value {
    let body = app
        .gql(
            "query($id: ID!) { transaction(id: $id) { transfer { from { amount transactionDate description cleared payee account { name } } to { amount transactionDate description cleared payee account { name } } } } }",
            json!({ "id": leg }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["transaction"]["transfer"].clone()
}

#[tokio::test]
async fn editing_either_leg_keeps_the_pair_consistent() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = main_account(&app, &user).await;
    let savings = open(&app, &user, "Savings", "SAVINGS", "USD", "0").await;
    let cash = open(&app, &user, "Cash", "CASH", "USD", "0").await;
    let euro = open(&app, &user, "Euro", "CHECKING", "EUR", "0").await;
    let t = made(
        &app,
        &user,
        json!({ "fromAccountId": main, "toAccountId": savings, "amount": "100.00", "date": "2026-11-03", "description": "Save" }),
    )
    .await;
    let (out, inn) = (t["from"]["id"].clone(), t["to"]["id"].clone());

    // In one currency, an amount on either leg is the amount of both.
    let body = leg_update(&app, &user, &inn, json!({ "amount": "120.00" })).await;
    assert_eq!(body["data"]["updateTransaction"]["amount"], "120.00", "{body}");
    // Date and description are the pair's; cleared and payee each leg's own.
    let body = leg_update(
        &app,
        &user,
        &out,
        json!({ "transactionDate": "2026-11-04", "description": "Save more", "cleared": "CLEARED", "payee": "Me" }),
    )
    .await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");
    assert_eq!(
        legs(&app, &user, &out).await,
        json!({
            "from": { "amount": "120.00", "transactionDate": "2026-11-04", "description": "Save more", "cleared": "CLEARED", "payee": "Me", "account": { "name": "Main" } },
            "to": { "amount": "120.00", "transactionDate": "2026-11-04", "description": "Save more", "cleared": "UNCLEARED", "payee": null, "account": { "name": "Savings" } },
        })
    );

    // A leg moves to another account, never onto the other leg's account, and stays a leg.
    let body = leg_update(&app, &user, &inn, json!({ "accountId": cash })).await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");
    for (input, field) in [
        (json!({ "accountId": main }), "input.accountId"),
        (json!({ "type": "INCOME" }), "input.type"),
        (json!({ "categoryId": Uuid::now_v7().to_string() }), "input.categoryId"),
        (json!({ "amount": "0" }), "input.amount"),
        (json!({ "transactionDate": "1800-01-01" }), "input.transactionDate"),
    ] {
        let body = leg_update(&app, &user, &inn, input.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_fields(&body), [field], "{input}");
    }
    assert_eq!(
        balances(&app, &user).await,
        pairs(&[
            ("Main", "-120.00"),
            ("Savings", "0.00"),
            ("Cash", "120.00"),
            ("Euro", "0.00")
        ])
    );

    // Into another currency the arriving amount must be given; then each side is its own.
    let update = |input: Value| {
        let app = &app;
        let user = &user;
        let id = out.clone();
        async move {
            app.gql(
                &format!("mutation($id: ID!, $input: UpdateTransferInput!) {{ updateTransfer(id: $id, input: $input) {{ {TRANSFER} }} }}"),
                json!({ "id": id, "input": input }),
                Some(&user.access_token),
            )
            .await
        }
    };
    let body = update(json!({ "toAccountId": euro })).await;
    assert_eq!(error_fields(&body), ["input.toAmount"], "{body}");
    let body = update(json!({ "toAccountId": euro, "toAmount": "110.40" })).await;
    let t = &body["data"]["updateTransfer"];
    assert_eq!(
        (&t["from"]["amount"], &t["to"]["amount"], &t["to"]["currency"]),
        (&json!("120.00"), &json!("110.40"), &json!("EUR")),
        "{body}"
    );
    // Between currencies an amount on one leg changes that leg only.
    let body = leg_update(&app, &user, &out, json!({ "amount": "121.00" })).await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");
    assert_eq!(
        balances(&app, &user).await,
        pairs(&[
            ("Main", "-121.00"),
            ("Savings", "0.00"),
            ("Cash", "0.00"),
            ("Euro", "110.40")
        ])
    );

    // Deleting either leg deletes the transfer.
    let body = app
        .gql(
            "mutation($id: ID!) { deleteTransaction(id: $id) }",
            json!({ "id": inn }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["deleteTransaction"], inn, "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);
    assert!(balances(&app, &user).await.iter().all(|(_, b)| b == "0.00"));
}

#[tokio::test]
async fn another_users_transfer_and_a_plain_transaction_are_not_transfers_to_update() {
    let app = TestApp::spawn().await;
    let owner = app.register_and_login().await;
    let intruder = app.register_and_login().await;
    let main = main_account(&app, &owner).await;
    let savings = open(&app, &owner, "Savings", "SAVINGS", "USD", "0").await;
    let t = made(
        &app,
        &owner,
        json!({ "fromAccountId": main, "toAccountId": savings, "amount": "5.00", "date": "2026-11-03" }),
    )
    .await;
    let plain = create_transaction(
        &app,
        &owner.access_token,
        json!({ "amount": "1.00", "description": "x", "transactionDate": "2026-11-04", "type": "EXPENSE" }),
    )
    .await;
    let update = "mutation($id: ID!) { updateTransfer(id: $id, input: { amount: \"9.00\" }) { from { id } } }";
    let error = |body: Value| {
        let mut e = body["errors"][0].clone();
        e.as_object_mut().map(|e| e.remove("locations"));
        e
    };
    let theirs = error(
        app.gql(update, json!({ "id": t["from"]["id"] }), Some(&intruder.access_token))
            .await,
    );
    let random = error(
        app.gql(
            update,
            json!({ "id": Uuid::now_v7().to_string() }),
            Some(&intruder.access_token),
        )
        .await,
    );
    assert_eq!(theirs["extensions"]["code"], "NOT_FOUND", "{theirs}");
    assert_eq!(theirs, random);
    let body = app.gql(update, json!({ "id": plain }), Some(&owner.access_token)).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .gql(
            "mutation($id: ID!) { deleteTransaction(id: $id) }",
            json!({ "id": t["to"]["id"] }),
            Some(&intruder.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(
        balances(&app, &owner).await,
        pairs(&[("Main", "-6.00"), ("Savings", "5.00")])
    );
}

#[tokio::test]
async fn merging_two_accounts_drops_the_transfers_between_them_and_keeps_the_money() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = main_account(&app, &user).await;
    let savings = open(&app, &user, "Savings", "SAVINGS", "USD", "0").await;
    let cash = open(&app, &user, "Cash", "CASH", "USD", "0").await;
    create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "70.00", "description": "Pay", "transactionDate": "2026-11-01", "type": "INCOME", "accountId": savings }),
    )
    .await;
    for (from, to, amount) in [
        (&main, &savings, "30.00"),
        (&savings, &main, "5.00"),
        (&savings, &cash, "12.00"),
    ] {
        made(
            &app,
            &user,
            json!({ "fromAccountId": from, "toAccountId": to, "amount": amount, "date": "2026-11-03" }),
        )
        .await;
    }
    let before = balances(&app, &user).await;
    assert_eq!(
        before,
        pairs(&[("Main", "-25.00"), ("Savings", "83.00"), ("Cash", "12.00")])
    );
    let body = app
        .gql(
            "mutation($id: ID!, $to: ID!) { removeAccount(id: $id, moveTransactionsTo: $to) }",
            json!({ "id": savings, "to": main }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["removeAccount"], savings.as_str(), "{body}");
    // Main takes Savings' money: -25 + 83; the transfer to Cash stays a transfer.
    assert_eq!(
        balances(&app, &user).await,
        pairs(&[("Main", "58.00"), ("Cash", "12.00")])
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions").await,
        3,
        "the income and the Cash transfer's legs"
    );
}
