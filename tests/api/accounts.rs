//! Accounts: where money is. Every user has at least one (a "Main" account opened at
//! registration); every transaction is in exactly one, in its currency; balances are the
//! opening balance plus the signed transactions, computed in SQL and checked here against
//! sums the test makes itself.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_code, error_fields, set_currency};

const ACCOUNT: &str = "id name kind currency openingBalance openingDate onBudget archived isDefault balance { amount currency } clearedBalance { amount }";

async fn accounts(app: &TestApp, user: &TestUser, include_archived: bool) -> Vec<Value> {
    let body = app
        .gql(
            &format!("query($all: Boolean!) {{ accounts(includeArchived: $all) {{ {ACCOUNT} }} }}"),
            json!({ "all": include_archived }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["accounts"]
        .as_array()
        .unwrap_or_else(|| panic!("accounts failed: {body}"))
        .clone()
}

async fn create_account(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(
        &format!("mutation($input: CreateAccountInput!) {{ createAccount(input: $input) {{ {ACCOUNT} }} }}"),
        json!({ "input": input }),
        Some(&user.access_token),
    )
    .await
}

async fn open(app: &TestApp, user: &TestUser, input: Value) -> String {
    let body = create_account(app, user, input).await;
    body["data"]["createAccount"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createAccount failed: {body}"))
        .to_owned()
}

async fn account(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let body = app
        .gql(
            &format!(
                "query($id: ID!) {{ account(id: $id) {{ {ACCOUNT} transactions {{ totalCount nodes {{ id }} }} }} }}"
            ),
            json!({ "id": id }),
            Some(&user.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["account"].clone()
}

/// Records a transaction (`input` gets description and type defaults) and returns the
/// response's `createTransaction`.
async fn record(app: &TestApp, user: &TestUser, mut input: Value) -> Value {
    let fields = input.as_object_mut().expect("object");
    fields.entry("description").or_insert(json!("Something"));
    fields.entry("transactionDate").or_insert(json!("2026-11-10"));
    let body = app
        .gql(
            "mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id amount currency cleared payee account { id } } }",
            json!({ "input": input }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["createTransaction"].clone()
}

/// Cents as the API writes two-decimal amounts.
fn two_decimals(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

#[tokio::test]
async fn registration_opens_a_default_main_account_in_the_callers_currency() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let listed = accounts(&app, &user, false).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let main = &listed[0];
    assert_eq!(
        (
            &main["name"],
            &main["kind"],
            &main["currency"],
            &main["isDefault"],
            &main["onBudget"],
            &main["balance"]
        ),
        (
            &json!("Main"),
            &json!("CHECKING"),
            &json!("USD"),
            &json!(true),
            &json!(true),
            &json!({ "amount": "0.00", "currency": "USD" })
        )
    );

    // A transaction that names no account goes to the default one.
    let spent = record(&app, &user, json!({ "amount": "12.50", "type": "EXPENSE" })).await;
    assert_eq!(spent["account"]["id"], main["id"], "{spent}");
    assert_eq!(spent["cleared"], "UNCLEARED");

    // The account is a node.
    let body = app
        .gql(
            "query($id: ID!) { node(id: $id) { id ... on Account { name balance { amount } } } }",
            json!({ "id": main["id"] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["node"],
        json!({ "id": main["id"], "name": "Main", "balance": { "amount": "-12.50" } })
    );

    // Registering with a currency opens Main in it.
    let body = app
        .gql(
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
            json!({ "input": { "email": "euro@example.com", "password": crate::helpers::PASSWORD, "firstName": "E", "lastName": "U",
                               "preferences": { "currency": "EUR" } } }),
            None,
        )
        .await;
    let euro = TestUser {
        id: String::new(),
        email: "euro@example.com".into(),
        access_token: body["data"]["register"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .into(),
        refresh_token: String::new(),
    };
    let listed = accounts(&app, &euro, false).await;
    assert_eq!(listed[0]["currency"], "EUR");
    assert_eq!(listed[0]["balance"], json!({ "amount": "0.00", "currency": "EUR" }));
}

#[tokio::test]
async fn an_empty_default_account_follows_the_reporting_currency_and_one_with_money_does_not() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    set_currency(&app, &user, "JPY").await;
    assert_eq!(accounts(&app, &user, false).await[0]["currency"], "JPY");
    let spent = record(&app, &user, json!({ "amount": "1500", "type": "EXPENSE" })).await;
    assert_eq!((&spent["amount"], &spent["currency"]), (&json!("1500"), &json!("JPY")));

    set_currency(&app, &user, "EUR").await;
    let main = &accounts(&app, &user, false).await[0];
    assert_eq!(main["currency"], "JPY", "an account holding money keeps its currency");
    assert_eq!(main["balance"], json!({ "amount": "-1500", "currency": "JPY" }));
}

#[tokio::test]
async fn balances_are_the_opening_balance_plus_income_minus_expenses() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let opening = 100_000_i64;
    let checking = open(
        &app,
        &user,
        json!({ "name": "Checking", "kind": "CHECKING", "openingBalance": two_decimals(opening), "openingDate": "2026-10-01" }),
    )
    .await;
    // (type, cents, date, cleared)
    let rows = [
        ("INCOME", 250_000_i64, "2026-10-05", "CLEARED"),
        ("EXPENSE", 1_234, "2026-10-06", "UNCLEARED"),
        ("EXPENSE", 9_999, "2026-10-20", "RECONCILED"),
        ("INCOME", 1, "2026-11-01", "UNCLEARED"),
        ("EXPENSE", 50_005, "2026-11-02", "CLEARED"),
    ];
    for (kind, cents, date, cleared) in rows {
        let made = record(
            &app,
            &user,
            json!({ "amount": two_decimals(cents), "type": kind, "transactionDate": date, "cleared": cleared, "accountId": checking }),
        )
        .await;
        assert_eq!(made["account"]["id"], checking.as_str(), "{made}");
    }
    // Money in another account of the same user changes nothing here.
    record(&app, &user, json!({ "amount": "77.00", "type": "EXPENSE" })).await;

    let signed = |kind: &str, cents: i64| if kind == "INCOME" { cents } else { -cents };
    let balance = opening + rows.iter().map(|(k, c, _, _)| signed(k, *c)).sum::<i64>();
    let cleared = opening
        + rows
            .iter()
            .filter(|(_, _, _, state)| *state != "UNCLEARED")
            .map(|(k, c, _, _)| signed(k, *c))
            .sum::<i64>();
    let as_of = |day: &str| {
        let opened = if "2026-10-01" <= day { opening } else { 0 };
        opened
            + rows
                .iter()
                .filter(|(_, _, date, _)| *date <= day)
                .map(|(k, c, _, _)| signed(k, *c))
                .sum::<i64>()
    };
    let body = app
        .gql(
            "query($id: ID!) { account(id: $id) { balance { amount currency } clearedBalance { amount }
               mid: balanceAsOf(date: \"2026-10-10\") { amount } before: balanceAsOf(date: \"2026-09-30\") { amount }
               end: balanceAsOf(date: \"2026-12-31\") { amount } transactions { totalCount } } }",
            json!({ "id": checking }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["account"],
        json!({
            "balance": { "amount": two_decimals(balance), "currency": "USD" },
            "clearedBalance": { "amount": two_decimals(cleared) },
            "mid": { "amount": two_decimals(as_of("2026-10-10")) },
            "before": { "amount": two_decimals(as_of("2026-09-30")) },
            "end": { "amount": two_decimals(balance) },
            "transactions": { "totalCount": rows.len() },
        }),
        "{body}"
    );

    // A credit card owes money: it opens negative and spending makes it more so.
    let card = open(
        &app,
        &user,
        json!({ "name": "Card", "kind": "CREDIT_CARD", "openingBalance": "-500.00" }),
    )
    .await;
    record(
        &app,
        &user,
        json!({ "amount": "20.25", "type": "EXPENSE", "accountId": card }),
    )
    .await;
    assert_eq!(
        account(&app, &user, &card).await["balance"]["amount"],
        two_decimals(-50_000 - 2_025)
    );
}

#[tokio::test]
async fn transactions_carry_their_account_cleared_state_and_payee() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = id_of(&accounts(&app, &user, false).await[0]);
    let cash = open(&app, &user, json!({ "name": "Wallet", "kind": "CASH" })).await;
    let euro = open(
        &app,
        &user,
        json!({ "name": "Euro", "kind": "CHECKING", "currency": "EUR" }),
    )
    .await;

    let made = record(
        &app,
        &user,
        json!({ "amount": "9.90", "type": "EXPENSE", "accountId": main, "cleared": "CLEARED", "payee": "Corner shop" }),
    )
    .await;
    assert_eq!(
        (&made["cleared"], &made["payee"], &made["account"]["id"]),
        (&json!("CLEARED"), &json!("Corner shop"), &json!(main))
    );
    let id = id_of(&made);
    let update = |input: Value| {
        let app = &app;
        let user = &user;
        let id = id.clone();
        async move {
            app.gql(
                "mutation($id: ID!, $input: UpdateTransactionInput!) { updateTransaction(id: $id, input: $input) { cleared payee account { id } } }",
                json!({ "id": id, "input": input }),
                Some(&user.access_token),
            )
            .await
        }
    };
    // Omitted fields keep their value; null removes the payee.
    let body = update(json!({ "cleared": "RECONCILED" })).await;
    assert_eq!(
        body["data"]["updateTransaction"],
        json!({ "cleared": "RECONCILED", "payee": "Corner shop", "account": { "id": main } })
    );
    let body = update(json!({ "payee": null })).await;
    assert_eq!(body["data"]["updateTransaction"]["payee"], Value::Null, "{body}");

    // Into another account of the same currency; never into one of another currency.
    let body = update(json!({ "accountId": cash })).await;
    assert_eq!(
        body["data"]["updateTransaction"]["account"]["id"],
        cash.as_str(),
        "{body}"
    );
    let body = update(json!({ "accountId": euro, "payee": "Elsewhere" })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.accountId"]);
    let wallet = account(&app, &user, &cash).await;
    assert_eq!(wallet["transactions"]["nodes"], json!([{ "id": id }]));
    assert_eq!(wallet["balance"]["amount"], "-9.90");
    assert_eq!(account(&app, &user, &main).await["transactions"]["totalCount"], 0);

    // The amount is in the account's currency: two decimals in euros.
    let body = app
        .gql(
            "mutation($a: ID!) { createTransaction(input: { amount: \"3.333\", description: \"x\", transactionDate: \"2026-11-10\", type: INCOME, accountId: $a, payee: \"p\" }) { id } }",
            json!({ "a": euro }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.amount"]);
    // A blank payee is no payee.
    let made = record(
        &app,
        &user,
        json!({ "amount": "3.00", "type": "INCOME", "accountId": euro, "payee": "  " }),
    )
    .await;
    assert_eq!(made["payee"], Value::Null, "{made}");
    let long = "p".repeat(201);
    let body = update(json!({ "payee": long })).await;
    assert_eq!(error_fields(&body), ["input.payee"]);

    // Filters by account and by cleared state.
    record(
        &app,
        &user,
        json!({ "amount": "1.00", "type": "INCOME", "accountId": euro, "cleared": "CLEARED" }),
    )
    .await;
    record(
        &app,
        &user,
        json!({ "amount": "2.00", "type": "INCOME", "accountId": euro }),
    )
    .await;
    let body = app
        .gql(
            "query($e: ID!, $c: ID!) { euro: transactions(filter: { accountId: $e }) { totalCount }
               euroCleared: transactions(filter: { accountId: $e, cleared: CLEARED }) { nodes { amount currency } }
               reconciled: transactions(filter: { cleared: RECONCILED }) { nodes { account { id } } }
               wallet: transactions(filter: { accountId: $c, type: EXPENSE }) { totalCount } }",
            json!({ "e": euro, "c": cash }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "euro": { "totalCount": 3 },
            "euroCleared": { "nodes": [{ "amount": "1.00", "currency": "EUR" }] },
            "reconciled": { "nodes": [{ "account": { "id": cash } }] },
            "wallet": { "totalCount": 1 },
        }),
        "{body}"
    );
}

#[tokio::test]
async fn archived_accounts_take_no_new_transactions_and_stop_being_the_default() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = id_of(&accounts(&app, &user, false).await[0]);
    record(&app, &user, json!({ "amount": "5.00", "type": "INCOME" })).await;
    let cash = open(&app, &user, json!({ "name": "Wallet", "kind": "CASH" })).await;
    let later = open(&app, &user, json!({ "name": "Later", "kind": "SAVINGS" })).await;

    let body = app
        .gql(
            "mutation($id: ID!) { archiveAccount(id: $id) { archived isDefault balance { amount } } }",
            json!({ "id": main }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["archiveAccount"],
        json!({ "archived": true, "isDefault": false, "balance": { "amount": "5.00" } })
    );
    let names = |list: Vec<Value>| list.iter().map(|a| a["name"].clone()).collect::<Vec<_>>();
    assert_eq!(names(accounts(&app, &user, false).await), ["Wallet", "Later"]);
    assert_eq!(names(accounts(&app, &user, true).await), ["Main", "Wallet", "Later"]);

    let body = app
        .gql(
            "mutation($a: ID!) { createTransaction(input: { amount: \"1.00\", description: \"x\", transactionDate: \"2026-11-10\", type: EXPENSE, accountId: $a }) { id } }",
            json!({ "a": main }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.accountId"]);
    assert_eq!(account(&app, &user, &main).await["transactions"]["totalCount"], 1);

    // With the default closed, the oldest open account takes over.
    let made = record(&app, &user, json!({ "amount": "1.00", "type": "EXPENSE" })).await;
    assert_eq!(made["account"]["id"], cash.as_str());
    assert_eq!(account(&app, &user, &cash).await["isDefault"], true);

    let set_default = |id: String| {
        let app = &app;
        let user = &user;
        async move {
            app.gql(
                "mutation($id: ID!) { setDefaultAccount(id: $id) { name isDefault } }",
                json!({ "id": id }),
                Some(&user.access_token),
            )
            .await
        }
    };
    assert_eq!(error_code(&set_default(main.clone()).await), "BAD_USER_INPUT");
    let body = set_default(later.clone()).await;
    assert_eq!(
        body["data"]["setDefaultAccount"],
        json!({ "name": "Later", "isDefault": true })
    );
    assert_eq!(
        record(&app, &user, json!({ "amount": "1.00", "type": "EXPENSE" })).await["account"]["id"],
        later.as_str()
    );

    let body = app
        .gql(
            "mutation($id: ID!) { unarchiveAccount(id: $id) { archived isDefault } }",
            json!({ "id": main }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["unarchiveAccount"],
        json!({ "archived": false, "isDefault": false })
    );
    assert_eq!(
        set_default(main.clone()).await["data"]["setDefaultAccount"]["isDefault"],
        true
    );
}

#[tokio::test]
async fn removing_an_account_with_transactions_needs_an_account_to_move_them_to() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let main = id_of(&accounts(&app, &user, false).await[0]);
    record(&app, &user, json!({ "amount": "40.00", "type": "INCOME" })).await;
    record(&app, &user, json!({ "amount": "15.50", "type": "EXPENSE" })).await;
    let cash = open(
        &app,
        &user,
        json!({ "name": "Wallet", "kind": "CASH", "openingBalance": "10.00" }),
    )
    .await;
    let euro = open(
        &app,
        &user,
        json!({ "name": "Euro", "kind": "CHECKING", "currency": "EUR" }),
    )
    .await;
    let remove = |id: &str, to: Option<&str>| {
        let app = &app;
        let user = &user;
        let vars = json!({ "id": id, "to": to });
        async move {
            app.gql(
                "mutation($id: ID!, $to: ID) { removeAccount(id: $id, moveTransactionsTo: $to) }",
                vars,
                Some(&user.access_token),
            )
            .await
        }
    };

    let body = remove(&main, None).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    for to in [&euro, &main] {
        let body = remove(&main, Some(to)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), ["moveTransactionsTo"]);
    }
    // Refused removals changed nothing.
    let kept = account(&app, &user, &main).await;
    assert_eq!(
        (
            &kept["transactions"]["totalCount"],
            &kept["balance"]["amount"],
            &kept["isDefault"]
        ),
        (&json!(2), &json!("24.50"), &json!(true))
    );

    let body = remove(&main, Some(&cash)).await;
    assert_eq!(body["data"]["removeAccount"], main.as_str(), "{body}");
    assert_eq!(account(&app, &user, &main).await, Value::Null);
    let wallet = account(&app, &user, &cash).await;
    assert_eq!(wallet["transactions"]["totalCount"], 2);
    assert_eq!(wallet["balance"]["amount"], two_decimals(1_000 + 4_000 - 1_550));
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 2);

    // An empty account goes without a question; a new default is found when needed.
    assert_eq!(remove(&euro, None).await["data"]["removeAccount"], euro.as_str());
    let made = record(&app, &user, json!({ "amount": "1.00", "type": "EXPENSE" })).await;
    assert_eq!(made["account"]["id"], cash.as_str());
    let names: Vec<Value> = accounts(&app, &user, true)
        .await
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(names, ["Wallet"]);
}

#[tokio::test]
async fn account_input_is_checked_field_by_field() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = create_account(&app, &user, json!({ "name": " ", "kind": "CASH", "currency": "ABC" })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.name", "input.currency"]);
    let body = create_account(
        &app,
        &user,
        json!({ "name": "Yen", "kind": "CASH", "currency": "JPY", "openingBalance": "1.5" }),
    )
    .await;
    assert_eq!(error_fields(&body), ["input.openingBalance"]);
    let body = create_account(
        &app,
        &user,
        json!({ "name": "Yen", "kind": "CASH", "currency": "jpy", "openingBalance": "-1500" }),
    )
    .await;
    assert_eq!(
        (
            &body["data"]["createAccount"]["currency"],
            &body["data"]["createAccount"]["openingBalance"]
        ),
        (&json!("JPY"), &json!("-1500")),
        "{body}"
    );
    // Loans and investments are tracked, not budgeted, unless asked.
    let loan = create_account(&app, &user, json!({ "name": "Mortgage", "kind": "LOAN" })).await;
    assert_eq!(loan["data"]["createAccount"]["onBudget"], false);
    assert_eq!(
        accounts(&app, &user, false).await.len(),
        3,
        "the refused ones were not created"
    );

    // The currency changes only while the account holds no transactions, and the opening
    // balance keeps its value.
    let savings = open(
        &app,
        &user,
        json!({ "name": "Savings", "kind": "SAVINGS", "openingBalance": "12.34" }),
    )
    .await;
    let update = |input: Value| {
        let app = &app;
        let user = &user;
        let id = savings.clone();
        async move {
            app.gql(
                "mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, input: $input) { name currency openingBalance } }",
                json!({ "id": id, "input": input }),
                Some(&user.access_token),
            )
            .await
        }
    };
    let body = update(json!({ "currency": "JPY" })).await;
    assert_eq!(error_fields(&body), ["input.openingBalance"], "12.34 does not fit yen");
    let body = update(json!({ "currency": "KWD", "name": "Dinar savings" })).await;
    assert_eq!(
        body["data"]["updateAccount"],
        json!({ "name": "Dinar savings", "currency": "KWD", "openingBalance": "12.340" })
    );
    record(
        &app,
        &user,
        json!({ "amount": "1.005", "type": "INCOME", "accountId": savings }),
    )
    .await;
    let body = update(json!({ "currency": "USD" })).await;
    assert_eq!(error_fields(&body), ["input.currency"]);
    assert_eq!(account(&app, &user, &savings).await["balance"]["amount"], "13.345");
}

#[tokio::test]
async fn nested_account_fields_run_the_same_statements_for_1_and_8_accounts() {
    let app = TestApp::spawn().await;
    let query = "{ accounts { name isDefault balance { amount } clearedBalance { amount } transactions(first: 3) { totalCount nodes { amount account { name } } } } }";
    let mut figures = Vec::new();
    for extra in [0, 7] {
        let user = app.register_and_login().await;
        for n in 0..extra {
            open(
                &app,
                &user,
                json!({ "name": format!("Account {n}"), "kind": "SAVINGS" }),
            )
            .await;
        }
        for account in accounts(&app, &user, false).await {
            for cents in [100, 250, 1_000, 5] {
                record(
                    &app,
                    &user,
                    json!({ "amount": two_decimals(cents), "type": "INCOME", "accountId": account["id"] }),
                )
                .await;
            }
        }
        let (body, statements) = app
            .statements_during(app.gql(query, json!({}), Some(&user.access_token)))
            .await;
        let listed = body["data"]["accounts"].as_array().unwrap_or_else(|| panic!("{body}"));
        assert_eq!(listed.len(), extra + 1);
        for account in listed {
            assert_eq!(account["balance"]["amount"], two_decimals(100 + 250 + 1_000 + 5));
            assert_eq!(account["clearedBalance"]["amount"], "0.00");
            assert_eq!(account["transactions"]["totalCount"], 4);
            assert_eq!(account["transactions"]["nodes"].as_array().map(Vec::len), Some(3));
            assert_eq!(account["transactions"]["nodes"][0]["account"]["name"], account["name"]);
        }
        figures.push(statements);
    }
    assert_eq!(figures[0], figures[1], "statements must not grow with the accounts");
}
