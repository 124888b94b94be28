//! Balances and net worth against sums computed independently from generated data: accounts
//! in two currencies, liabilities, transfers, balances on a day, and history by month and week.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::expected::{Lcg, cents, day, decimal, exact, ymd};
use crate::helpers::{TestApp, TestUser, create_account, create_transaction};

/// (name, kind, currency, exponent, opening minor units, opening date).
const ACCOUNTS: [(&str, &str, &str, u32, i64, &str); 5] = [
    ("Checking", "CHECKING", "USD", 2, 150_000, "2026-01-01"),
    ("Savings", "SAVINGS", "USD", 2, 500_000, "2026-01-10"),
    ("Visa", "CREDIT_CARD", "USD", 2, -25_000, "2026-01-01"),
    ("Euro cash", "CASH", "EUR", 2, 10_000, "2026-02-01"),
    ("Car loan", "LOAN", "USD", 2, -800_000, "2026-01-05"),
];

/// EUR -> USD from these days on.
const EUR_RATES: [(&str, &str); 3] = [
    ("2026-01-01", "1.0845"),
    ("2026-02-01", "1.0912"),
    ("2026-03-01", "1.1003"),
];

fn eur_rate(on: &str) -> Option<&'static str> {
    EUR_RATES.iter().rev().find(|(from, _)| *from <= on).map(|(_, r)| *r)
}

/// A movement: (account index, signed minor units, date).
type Movement = (usize, i64, String);

async fn open_all(app: &TestApp, user: &TestUser) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, kind, currency, exponent, opening, date) in ACCOUNTS {
        ids.push(
            create_account(
                app,
                &user.access_token,
                json!({ "name": name, "kind": kind, "currency": currency,
                        "openingBalance": decimal(opening, exponent), "openingDate": date }),
            )
            .await,
        );
    }
    ids
}

/// Generated income, expenses and transfers between the accounts, January to March 2026.
async fn generate(app: &TestApp, user: &TestUser, ids: &[String]) -> Vec<Movement> {
    let mut rng = Lcg(77);
    let mut moved = Vec::new();
    for _ in 0..40 {
        let date = format!("2026-{:02}-{:02}", 1 + rng.below(3), 1 + rng.below(28));
        let account = rng.below(ACCOUNTS.len() as u64) as usize;
        let minor = 1 + rng.below(80_000) as i64;
        if rng.below(4) == 0 {
            // A transfer to another account; across currencies with its own arriving amount.
            let to = (account + 1 + rng.below(ACCOUNTS.len() as u64 - 1) as usize) % ACCOUNTS.len();
            let arriving = if ACCOUNTS[to].2 == ACCOUNTS[account].2 {
                minor
            } else {
                minor * 9 / 10 + 1
            };
            let body = app
                .gql(
                    "mutation($input: CreateTransferInput!) { createTransfer(input: $input) { from { id } } }",
                    json!({ "input": { "fromAccountId": ids[account], "toAccountId": ids[to], "amount": decimal(minor, 2),
                                       "toAmount": decimal(arriving, 2), "date": date } }),
                    Some(&user.access_token),
                )
                .await;
            assert!(body.get("errors").is_none(), "{body}");
            moved.push((account, -minor, date.clone()));
            moved.push((to, arriving, date));
        } else {
            let income = rng.below(3) == 0;
            create_transaction(
                app,
                &user.access_token,
                json!({ "amount": decimal(minor, 2), "description": "Row", "transactionDate": date,
                        "type": if income { "INCOME" } else { "EXPENSE" }, "accountId": ids[account] }),
            )
            .await;
            moved.push((account, if income { minor } else { -minor }, date));
        }
    }
    moved
}

/// An account's balance at the end of `on`, from the generated movements.
fn balance(account: usize, moved: &[Movement], on: &str) -> i64 {
    let (_, _, _, _, opening, opened) = ACCOUNTS[account];
    let opening = if opened <= on { opening } else { 0 };
    opening
        + moved
            .iter()
            .filter(|(a, _, date)| *a == account && date.as_str() <= on)
            .map(|(_, minor, _)| minor)
            .sum::<i64>()
}

/// (assets, liabilities) at the end of `on` in exact USD cents.
fn net_worth(moved: &[Movement], on: &str) -> (i128, i128) {
    let (mut assets, mut liabilities) = (0, 0);
    for (account, (_, kind, currency, exponent, _, _)) in ACCOUNTS.iter().enumerate() {
        let rate = if *currency == "USD" { Some("1") } else { eur_rate(on) };
        let value = exact(balance(account, moved, on), *exponent, rate, 2).expect("a rate");
        if matches!(*kind, "CREDIT_CARD" | "LOAN") {
            liabilities += value;
        } else {
            assets += value;
        }
    }
    (assets, liabilities)
}

fn usd(exact: i128) -> Value {
    json!({ "amount": decimal(cents(exact), 2), "currency": "USD" })
}

#[tokio::test]
async fn balances_and_net_worth_match_sums_of_the_generated_movements() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // Someone else's money never counts.
    let stranger = app.register_and_login().await;
    open_all(&app, &stranger).await;
    for (date, rate) in EUR_RATES {
        let body = app
            .gql(
                "mutation($d: Date!, $r: String!) { setExchangeRate(input: { base: \"EUR\", quote: \"USD\", date: $d, rate: $r }) { id } }",
                json!({ "d": date, "r": rate }),
                Some(&user.access_token),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let ids = open_all(&app, &user).await;
    let moved = generate(&app, &user, &ids).await;

    let body = app
        .gql(
            "{ accounts { id balance { amount currency } jan: balanceAsOf(date: \"2026-01-31\") { amount } feb: balanceAsOf(date: \"2026-02-15\") { amount } }
               netWorth(on: \"2026-02-15\") { date currency assets { amount currency } liabilities { amount currency } total { amount currency } missingRates { base } }
               monthly: netWorthHistory(from: \"2026-01-01\", to: \"2026-03-20\") { date assets { amount currency } liabilities { amount currency } total { amount currency } }
               weekly: netWorthHistory(from: \"2026-02-01\", to: \"2026-02-20\", interval: WEEK) { date total { amount currency } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    let accounts: HashMap<&str, &Value> = data["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| (a["id"].as_str().expect("id"), a))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let account = accounts.get(id.as_str()).unwrap_or_else(|| panic!("{id} listed"));
        let exponent = ACCOUNTS[i].3;
        assert_eq!(
            account["balance"],
            json!({ "amount": decimal(balance(i, &moved, "9999-12-31"), exponent), "currency": ACCOUNTS[i].2 }),
            "{}",
            ACCOUNTS[i].0
        );
        assert_eq!(
            account["jan"]["amount"],
            decimal(balance(i, &moved, "2026-01-31"), exponent)
        );
        assert_eq!(
            account["feb"]["amount"],
            decimal(balance(i, &moved, "2026-02-15"), exponent)
        );
    }

    let (assets, liabilities) = net_worth(&moved, "2026-02-15");
    assert_eq!(
        data["netWorth"],
        json!({ "date": "2026-02-15", "currency": "USD", "assets": usd(assets), "liabilities": usd(liabilities),
                "total": usd(assets + liabilities), "missingRates": [] })
    );
    let monthly: Vec<Value> = ["2026-01-31", "2026-02-28", "2026-03-20"]
        .iter()
        .map(|on| {
            let (assets, liabilities) = net_worth(&moved, on);
            json!({ "date": on, "assets": usd(assets), "liabilities": usd(liabilities), "total": usd(assets + liabilities) })
        })
        .collect();
    assert_eq!(data["monthly"], json!(monthly));
    let mut weekly = Vec::new();
    let mut sunday = day("2026-02-01");
    while sunday <= day("2026-02-20") {
        let (assets, liabilities) = net_worth(&moved, &ymd(sunday));
        weekly.push(json!({ "date": ymd(sunday), "total": usd(assets + liabilities) }));
        sunday += chrono::Duration::days(7);
    }
    let (assets, liabilities) = net_worth(&moved, "2026-02-20");
    weekly.push(json!({ "date": "2026-02-20", "total": usd(assets + liabilities) }));
    assert_eq!(data["weekly"], json!(weekly));
}

#[tokio::test]
async fn balances_of_any_number_of_accounts_cost_the_same_statements() {
    let app = TestApp::spawn().await;
    let query =
        "{ accounts { balance { amount } clearedBalance { amount } balanceAsOf(date: \"2026-02-01\") { amount } } }";
    let mut costs = Vec::new();
    for extra in [0, 5] {
        let user = app.register_and_login().await;
        for n in 0..extra {
            create_account(
                &app,
                &user.access_token,
                json!({ "name": format!("Account {n}"), "kind": "SAVINGS", "openingBalance": "10.00" }),
            )
            .await;
        }
        let (body, statements) = app
            .statements_during(app.gql(query, json!({}), Some(&user.access_token)))
            .await;
        assert_eq!(body["data"]["accounts"].as_array().map(Vec::len), Some(1 + extra));
        costs.push(statements);
    }
    assert_eq!(costs[0], costs[1], "1 account and 6 cost the same");
}

#[tokio::test]
async fn a_balance_without_a_rate_is_named_and_left_out_of_net_worth() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    create_account(
        &app,
        &user.access_token,
        json!({ "name": "Euro", "kind": "CASH", "currency": "EUR", "openingBalance": "100.00", "openingDate": "2026-01-01" }),
    )
    .await;
    create_account(
        &app,
        &user.access_token,
        json!({ "name": "Card", "kind": "CREDIT_CARD", "openingBalance": "-40.00", "openingDate": "2026-01-01" }),
    )
    .await;
    let body = app
        .gql(
            "{ netWorth(on: \"2026-02-01\") { assets { amount } liabilities { amount } total { amount } missingRates { base quote date } unconverted { amount currency } }
               inEuro: netWorth(on: \"2026-02-01\", currency: \"EUR\") { total { amount currency } missingRates { base } }
               bad: netWorth(currency: \"EURO\") { total { amount } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let data = &body["data"];
    assert_eq!(
        data["netWorth"],
        json!({ "assets": { "amount": "0.00" }, "liabilities": { "amount": "-40.00" }, "total": { "amount": "-40.00" },
                "missingRates": [{ "base": "EUR", "quote": "USD", "date": "2026-02-01" }],
                "unconverted": [{ "amount": "100.00", "currency": "EUR" }] })
    );
    // In euros the card is the one without a rate.
    assert_eq!(
        data["inEuro"]["total"],
        json!({ "amount": "100.00", "currency": "EUR" })
    );
    assert_eq!(data["inEuro"]["missingRates"], json!([{ "base": "USD" }]));
    assert_eq!(body["errors"][0]["path"], json!(["bad"]));
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_dashboard_shows_net_worth_at_the_months_end() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    create_account(
        &app,
        &user.access_token,
        json!({ "name": "Savings", "kind": "SAVINGS", "openingBalance": "1234.56", "openingDate": "2026-01-01" }),
    )
    .await;
    create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "34.56", "description": "After January", "transactionDate": "2026-02-03", "type": "EXPENSE" }),
    )
    .await;
    let body = app
        .gql(
            "{ dashboard(month: \"2026-01-15\") { netWorth { date total { amount currency } } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["dashboard"]["netWorth"],
        json!({ "date": "2026-01-31", "total": { "amount": "1234.56", "currency": "USD" } })
    );
}
