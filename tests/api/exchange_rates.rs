//! Exchange rates and exact conversion: rates set, imported and listed per user; every figure
//! that adds several currencies converts each amount at its day's rate and rounds once; a
//! missing rate is named, never guessed.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::expected::{Lcg, SCALE, cents, decimal, exact, money};
use crate::helpers::{
    TestApp, TestUser, category_ids, create_account, create_budget, create_transaction, error_code, error_fields,
};

const RATE: &str = "id base quote date rate";

async fn set_rate(app: &TestApp, user: &TestUser, base: &str, quote: &str, date: &str, rate: &str) -> Value {
    app.gql(
        &format!("mutation($input: SetExchangeRateInput!) {{ setExchangeRate(input: $input) {{ {RATE} }} }}"),
        json!({ "input": { "base": base, "quote": quote, "date": date, "rate": rate } }),
        Some(&user.access_token),
    )
    .await
}

async fn rate_set(app: &TestApp, user: &TestUser, base: &str, quote: &str, date: &str, rate: &str) -> Value {
    let body = set_rate(app, user, base, quote, date, rate).await;
    assert!(body["data"]["setExchangeRate"].is_object(), "{body}");
    body["data"]["setExchangeRate"].clone()
}

async fn import(app: &TestApp, user: &TestUser, data: &str, dry_run: bool) -> Value {
    let body = app
        .gql(
            "mutation($input: ImportExchangeRatesInput!) { importExchangeRates(input: $input) { imported updated dryRun errors { line message } } }",
            json!({ "input": { "data": data, "dryRun": dry_run } }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["importExchangeRates"].is_object(), "{body}");
    body["data"]["importExchangeRates"].clone()
}

async fn rates(app: &TestApp, user: &TestUser, args: &str) -> Vec<Value> {
    let body = app
        .gql(
            &format!("{{ exchangeRates{args} {{ base quote date rate }} }}"),
            json!({}),
            Some(&user.access_token),
        )
        .await;
    body["data"]["exchangeRates"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

#[tokio::test]
async fn rates_are_set_replaced_listed_and_deleted_per_user() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let set = rate_set(&app, &user, "eur", "USD", "2026-11-02", "1.0845").await;
    assert_eq!(
        (&set["base"], &set["quote"], &set["date"], &set["rate"]),
        (&json!("EUR"), &json!("USD"), &json!("2026-11-02"), &json!("1.0845"))
    );
    // The same pair and day again replaces the rate; trailing zeros are not kept.
    let again = rate_set(&app, &user, "EUR", "USD", "2026-11-02", "1.08500").await;
    assert_eq!((&again["id"], &again["rate"]), (&set["id"], &json!("1.085")));
    rate_set(&app, &user, "EUR", "USD", "2026-11-09", "1.09").await;
    rate_set(&app, &user, "JPY", "USD", "2026-11-05", "0.0066512345").await;
    assert_eq!(
        rates(&app, &user, "").await,
        [
            json!({ "base": "EUR", "quote": "USD", "date": "2026-11-09", "rate": "1.09" }),
            json!({ "base": "JPY", "quote": "USD", "date": "2026-11-05", "rate": "0.0066512345" }),
            json!({ "base": "EUR", "quote": "USD", "date": "2026-11-02", "rate": "1.085" }),
        ]
    );
    assert_eq!(rates(&app, &user, "(base: \"JPY\")").await.len(), 1);
    assert_eq!(
        rates(&app, &user, "(from: \"2026-11-03\", to: \"2026-11-08\")")
            .await
            .len(),
        1
    );

    // Every bad field at once, nothing written.
    let body = set_rate(&app, &user, "EURO", "XYZ", "2026-11-02", "1.2e3").await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.base", "input.quote", "input.rate"]);
    for (quote, rate, field) in [
        ("EUR", "1.1", "input.quote"),
        ("USD", "0", "input.rate"),
        ("USD", "-1.1", "input.rate"),
        ("USD", "1.12345678901", "input.rate"),
        ("USD", "1000001", "input.rate"),
    ] {
        let body = set_rate(&app, &user, "EUR", quote, "2026-11-02", rate).await;
        assert_eq!(error_fields(&body), [field], "{quote} {rate}: {body}");
    }
    assert_eq!(rates(&app, &user, "").await.len(), 3);

    // Another user sees none of them and cannot delete them; the owner can, once.
    let stranger = app.register_and_login().await;
    assert!(rates(&app, &stranger, "").await.is_empty());
    let delete = |token: String| {
        let (app, id) = (&app, set["id"].clone());
        async move {
            app.gql(
                "mutation($id: ID!) { deleteExchangeRate(id: $id) }",
                json!({ "id": id }),
                Some(&token),
            )
            .await
        }
    };
    assert_eq!(error_code(&delete(stranger.access_token.clone()).await), "NOT_FOUND");
    let body = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on ExchangeRate { rate } } }",
            json!({ "id": set["id"] }),
            Some(&stranger.access_token),
        )
        .await;
    assert_eq!(body["data"]["node"], Value::Null);
    let body = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on ExchangeRate { rate } } }",
            json!({ "id": set["id"] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["node"]["rate"], "1.085");
    assert_eq!(
        delete(user.access_token.clone()).await["data"]["deleteExchangeRate"],
        set["id"]
    );
    assert_eq!(error_code(&delete(user.access_token.clone()).await), "NOT_FOUND");
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_replaces_days_a_pair_has() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    rate_set(&app, &user, "EUR", "USD", "2026-11-02", "1.0").await;
    let bad = "\u{feff}Date,Base,Quote,Rate,Source\r\n2026-11-02,EUR,USD,1.0845,ECB\r\n2026-11-31,EUR,USD,1.09,ECB\r\n2026-11-03,EUR,EUR,abc,x\r\n";
    let result = import(&app, &user, bad, false).await;
    assert_eq!(result["imported"], 0);
    assert_eq!(
        result["errors"],
        json!([
            { "line": 3, "message": "date: must be YYYY-MM-DD" },
            { "line": 4, "message": "quote: must differ from base; rate: must be a decimal number such as \"1.0845\"" }
        ])
    );
    assert_eq!(rates(&app, &user, "").await[0]["rate"], "1", "nothing written");

    let good = "date,base,quote,rate\n2026-11-02,EUR,USD,1.0845\n2026-11-03,EUR,USD,1.0850\n2026-11-03,GBP,USD,1.27\n2026-11-03,EUR,USD,1.0851\n";
    let dry = import(&app, &user, good, true).await;
    assert_eq!(
        (&dry["imported"], &dry["updated"], &dry["dryRun"]),
        (&json!(2), &json!(1), &json!(true))
    );
    assert_eq!(rates(&app, &user, "").await.len(), 1, "a dry run writes nothing");
    let done = import(&app, &user, good, false).await;
    assert_eq!((&done["imported"], &done["updated"]), (&json!(2), &json!(1)));
    // The last line for a pair and day wins.
    assert_eq!(
        rates(&app, &user, "(base: \"EUR\")").await,
        [
            json!({ "base": "EUR", "quote": "USD", "date": "2026-11-03", "rate": "1.0851" }),
            json!({ "base": "EUR", "quote": "USD", "date": "2026-11-02", "rate": "1.0845" }),
        ]
    );
}

/// (code, exponent) of the currencies in the generated month.
const CURRENCIES: [(&str, u32); 4] = [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3)];

/// Each currency's rates into USD: (from day, rate), oldest first. JPY's only rate is from
/// before the month.
fn usd_rates(code: &str) -> Vec<(&'static str, &'static str)> {
    match code {
        "EUR" => vec![
            ("2026-11-01", "1.0845"),
            ("2026-11-15", "1.0912"),
            ("2026-11-22", "1.0875"),
        ],
        "JPY" => vec![("2026-10-31", "0.006651")],
        "KWD" => vec![("2026-11-01", "3.2543")],
        _ => Vec::new(),
    }
}

/// `minor` units of a currency with `exponent` decimals in exact USD cents, at the latest of
/// `rates` on or before `date` (ISO dates compare as text).
fn in_usd(minor: i64, exponent: u32, rates: &[(&str, &str)], date: &str) -> i128 {
    let rate = rates
        .iter()
        .rev()
        .find(|(from, _)| *from <= date)
        .map(|(_, rate)| *rate);
    exact(minor, exponent, if rates.is_empty() { Some("1") } else { rate }, 2).expect("a rate")
}

#[tokio::test]
async fn a_month_in_four_currencies_converts_each_amount_at_its_days_rate_and_rounds_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    for (code, _) in CURRENCIES.iter().skip(1) {
        for (date, rate) in usd_rates(code) {
            rate_set(&app, &user, code, "USD", date, rate).await;
        }
    }
    // Rates of other users never apply.
    let stranger = app.register_and_login().await;
    rate_set(&app, &stranger, "EUR", "USD", "2026-11-10", "9").await;

    let budget = create_budget(
        &app,
        token,
        json!({ "name": "November", "amount": "5000.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "3000.00" }, { "name": "Trips", "amount": "2000.00" }] }),
    )
    .await;
    let categories = category_ids(&budget);
    let main = app.default_account(user.id.parse().expect("user id")).await.to_string();

    let mut rng = Lcg(2026);
    let (mut income, mut expenses, mut count) = (0_i128, 0_i128, 0);
    let mut by_category: HashMap<Option<usize>, i128> = HashMap::new();
    for (code, exponent) in CURRENCIES {
        let account = if code == "USD" {
            main.clone()
        } else {
            create_account(
                &app,
                token,
                json!({ "name": code, "kind": "CHECKING", "currency": code }),
            )
            .await
        };
        for _ in 0..12 {
            let date = format!("2026-11-{:02}", 1 + rng.below(30));
            let minor = 1 + rng.below(50_000 * 10_u64.pow(exponent)) as i64;
            let is_income = rng.below(5) == 0;
            let category = (!is_income).then(|| rng.below(3) as usize).filter(|c| *c < 2);
            create_transaction(
                &app,
                token,
                json!({ "amount": decimal(minor, exponent), "description": "Row", "transactionDate": date,
                        "type": if is_income { "INCOME" } else { "EXPENSE" }, "accountId": account,
                        "categoryId": category.map(|c| categories[c].clone()) }),
            )
            .await;
            let value = in_usd(minor, exponent, &usd_rates(code), &date);
            if is_income {
                income += value;
            } else {
                expenses += value;
                *by_category.entry(category).or_default() += value;
            }
            count += 1;
        }
    }

    let body = app
        .gql(
            "query($b: ID!) {
              transactionStats(filter: { from: \"2026-11-01\", to: \"2026-11-30\" }) { currency count totalIncome totalExpenses net missingRates { base } }
              monthlyReport(month: \"2026-11-01\") { income expenses net missingRates { base } }
              categoryReport(from: \"2026-11-01\", to: \"2026-11-30\") { category { id } total missingRates { base } }
              trendReport(from: \"2026-11-01\", to: \"2026-11-30\") { income expenses missingRates { base } }
              budget(id: $b) { spent remaining missingRates { base } categories { spent } }
              budgetReport(budgetId: $b) { actual uncategorizedSpending missingRates { base } }
              dashboard(month: \"2026-11-01\") { overview { totalIncome totalExpenses net totalSpentInBudgets missingRates { base } } }
            }",
            json!({ "b": budget["id"] }),
            Some(token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    let usd = |exact: i128| money(cents(exact));
    let stats = &data["transactionStats"];
    assert_eq!(
        (&stats["currency"], &stats["count"], &stats["missingRates"]),
        (&json!("USD"), &json!(count), &json!([]))
    );
    assert_eq!(stats["totalIncome"], usd(income));
    assert_eq!(stats["totalExpenses"], usd(expenses));
    assert_eq!(
        stats["net"],
        usd(income - expenses),
        "net rounds once, from the exact figures"
    );
    let monthly = &data["monthlyReport"];
    assert_eq!(
        (&monthly["income"], &monthly["expenses"], &monthly["net"]),
        (
            &json!(usd(income)),
            &json!(usd(expenses)),
            &json!(usd(income - expenses))
        )
    );
    assert_eq!(data["trendReport"][0]["expenses"], usd(expenses));
    for row in data["categoryReport"].as_array().expect("report") {
        let category = row["category"]["id"]
            .as_str()
            .map(|id| categories.iter().position(|c| c == id).expect("known"));
        assert_eq!(row["total"], usd(by_category[&category]), "{category:?}");
        assert_eq!(row["missingRates"], json!([]));
    }
    let budgeted = by_category.get(&Some(0)).copied().unwrap_or(0) + by_category.get(&Some(1)).copied().unwrap_or(0);
    assert_eq!(data["budget"]["spent"], usd(budgeted));
    assert_eq!(
        data["budget"]["remaining"],
        usd(500_000 * 10_i128.pow(SCALE) - budgeted)
    );
    assert_eq!(data["budget"]["categories"][0]["spent"], usd(by_category[&Some(0)]));
    assert_eq!(data["budgetReport"]["actual"], usd(budgeted));
    assert_eq!(data["budgetReport"]["uncategorizedSpending"], usd(by_category[&None]));
    let overview = &data["dashboard"]["overview"];
    assert_eq!(
        (
            &overview["totalIncome"],
            &overview["totalExpenses"],
            &overview["totalSpentInBudgets"]
        ),
        (&json!(usd(income)), &json!(usd(expenses)), &json!(usd(budgeted)))
    );
    assert_eq!(overview["missingRates"], json!([]));
}

#[tokio::test]
async fn a_missing_rate_is_named_and_its_amount_left_out_never_guessed() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let euro = create_account(
        &app,
        token,
        json!({ "name": "Euro", "kind": "CHECKING", "currency": "EUR" }),
    )
    .await;
    let budget = create_budget(
        &app,
        token,
        json!({ "name": "November", "amount": "100.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Food", "amount": "100.00" }] }),
    )
    .await;
    let food = budget["categories"][0]["id"].as_str().expect("food").to_owned();
    let expense = |amount: &str, date: &str, account: Option<&str>| {
        json!({ "amount": amount, "description": "Food", "transactionDate": date, "type": "EXPENSE",
                "categoryId": food, "accountId": account })
    };
    create_transaction(&app, token, expense("10.00", "2026-11-03", None)).await;
    create_transaction(&app, token, expense("1.00", "2026-11-05", Some(&euro))).await;
    create_transaction(&app, token, expense("1.00", "2026-11-12", Some(&euro))).await;
    // A rate from the 10th: the 5th has none (a later rate is never used for an earlier day).
    rate_set(&app, &user, "EUR", "USD", "2026-11-10", "1.005").await;
    let query = "query($b: ID!) {
      transactionStats(filter: { from: \"2026-11-01\", to: \"2026-11-30\" }) { count totalExpenses missingRates { base quote date } }
      budget(id: $b) { spent missingRates { base quote date } }
      dashboard(month: \"2026-11-01\") { overview { totalExpenses missingRates { base quote date } } }
    }";
    let body = app.gql(query, json!({ "b": budget["id"] }), Some(token)).await;
    let missing = json!([{ "base": "EUR", "quote": "USD", "date": "2026-11-05" }]);
    let data = &body["data"];
    // 10.00 + 1.00 EUR x 1.005 = 11.005, rounded half to even: 11.00 (11.01 with the 5th).
    assert_eq!(
        (
            &data["transactionStats"]["totalExpenses"],
            &data["transactionStats"]["missingRates"]
        ),
        (&json!("11.00"), &missing),
        "{body}"
    );
    assert_eq!(data["transactionStats"]["count"], 3);
    assert_eq!(
        (&data["budget"]["spent"], &data["budget"]["missingRates"]),
        (&json!("11.00"), &missing)
    );
    assert_eq!(
        (
            &data["dashboard"]["overview"]["totalExpenses"],
            &data["dashboard"]["overview"]["missingRates"]
        ),
        (&json!("11.00"), &missing)
    );

    // Only the opposite pair for the 5th: divided. 1.00 EUR / 0.5 = 2.00 USD; with the 12th's
    // 1.005, the total is 10.00 + 2.00 + 1.005 = 13.005, rounded once: 13.00.
    rate_set(&app, &user, "USD", "EUR", "2026-11-01", "0.5").await;
    let body = app.gql(query, json!({ "b": budget["id"] }), Some(token)).await;
    let data = &body["data"];
    assert_eq!(
        (
            &data["transactionStats"]["totalExpenses"],
            &data["transactionStats"]["missingRates"]
        ),
        (&json!("13.00"), &json!([])),
        "{body}"
    );
    assert_eq!(data["budget"]["spent"], "13.00");
}

#[tokio::test]
async fn a_budget_in_another_currency_converts_spending_into_its_own() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let euro = create_account(
        &app,
        token,
        json!({ "name": "Euro", "kind": "CHECKING", "currency": "EUR" }),
    )
    .await;
    let budget = create_budget(
        &app,
        token,
        json!({ "name": "Trip", "amount": "500.00", "currency": "EUR", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Hotel", "amount": "500.00" }] }),
    )
    .await;
    let hotel = budget["categories"][0]["id"].as_str().expect("hotel").to_owned();
    rate_set(&app, &user, "USD", "EUR", "2026-11-01", "0.9221").await;
    for (amount, account) in [("120.00", Some(euro.as_str())), ("99.99", None)] {
        create_transaction(
            &app,
            token,
            json!({ "amount": amount, "description": "Hotel", "transactionDate": "2026-11-04", "type": "EXPENSE",
                    "categoryId": hotel, "accountId": account }),
        )
        .await;
    }
    let body = app
        .gql(
            "query($b: ID!) { budget(id: $b) { currency spent remaining percentUsed status missingRates { base } } }",
            json!({ "b": budget["id"] }),
            Some(token),
        )
        .await;
    // 120.00 EUR + 99.99 USD x 0.9221 (92.200779) = 212.200779 EUR -> 212.20.
    assert_eq!(
        body["data"]["budget"],
        json!({ "currency": "EUR", "spent": "212.20", "remaining": "287.80", "percentUsed": 42.44,
                "status": "ON_TRACK", "missingRates": [] })
    );
}

#[tokio::test]
async fn goals_in_other_currencies_count_toward_saved_1000_only_with_a_rate() {
    let app = TestApp::spawn().await;
    let mut unlocked = Vec::new();
    for with_rate in [true, false] {
        let user = app.register_and_login().await;
        if with_rate {
            rate_set(&app, &user, "EUR", "USD", "2020-01-01", "1.06").await;
        }
        // 950.00 EUR: 1,007.00 USD at 1.06, nothing without a rate.
        let body = app
            .gql(
                "mutation { createSavingsGoal(input: { name: \"Rome\", targetAmount: \"2000.00\", currency: \"EUR\", initialAmount: \"950.00\" }) { id } }",
                json!({}),
                Some(&user.access_token),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let body = app
            .gql("{ achievements { type } }", json!({}), Some(&user.access_token))
            .await;
        unlocked.push(body["data"]["achievements"].to_string().contains("SAVED_1000"));
    }
    assert_eq!(unlocked, [true, false]);
}
