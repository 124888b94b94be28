//! Split transactions: lines that sum exactly to their transaction, each counted in its own
//! category by budgets, reports, budget-vs-actual and insights.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::expected::{Lcg, money};
use crate::helpers::{TestApp, TestUser, category_ids, create_account, create_budget, error_code, error_fields};

const SPLIT: &str = "id amount category { id } splits { id amount description category { id name } }";

async fn categories_of(app: &TestApp, user: &TestUser, names: &[&str], amounts: &[&str]) -> (String, Vec<String>) {
    let categories: Vec<Value> = names
        .iter()
        .zip(amounts)
        .map(|(name, amount)| json!({ "name": name, "amount": amount }))
        .collect();
    let budget = create_budget(
        app,
        &user.access_token,
        json!({ "name": "November", "amount": "1000.00", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": categories }),
    )
    .await;
    let ids = category_ids(&budget);
    (budget["id"].as_str().expect("id").to_owned(), ids)
}

async fn create(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.gql(
        &format!("mutation($input: CreateTransactionInput!) {{ createTransaction(input: $input) {{ {SPLIT} }} }}"),
        json!({ "input": input }),
        Some(&user.access_token),
    )
    .await
}

async fn update(app: &TestApp, user: &TestUser, id: &str, input: Value) -> Value {
    app.gql(
        &format!(
            "mutation($id: ID!, $input: UpdateTransactionInput!) {{ updateTransaction(id: $id, input: $input) {{ {SPLIT} }} }}"
        ),
        json!({ "id": id, "input": input }),
        Some(&user.access_token),
    )
    .await
}

fn expense(amount: &str, date: &str, splits: Value) -> Value {
    json!({ "amount": amount, "description": "Receipt", "transactionDate": date, "type": "EXPENSE", "splits": splits })
}

fn line(category: Option<&str>, amount: &str) -> Value {
    json!({ "categoryId": category, "amount": amount })
}

const FIGURES: &str = "query($b: ID!, $c0: ID!, $c1: ID!) {
  budget(id: $b) { spent remaining categories { id spent remaining } }
  budgetReport(budgetId: $b) { actual categories { category { id } actual } uncategorizedSpending }
  categoryReport(from: \"2026-11-01\", to: \"2026-11-30\") { category { id } total count }
  all: transactionStats(filter: { from: \"2026-11-01\", to: \"2026-11-30\" }) { count totalExpenses }
  first: transactionStats(filter: { categoryId: $c0 }) { count totalExpenses }
  second: transactionStats(filter: { categoryId: $c1 }) { count totalExpenses }
  none: transactionStats(filter: { uncategorized: true }) { count totalExpenses }
  firstList: transactions(filter: { categoryId: $c0 }, first: 100) { totalCount }
  noneList: transactions(filter: { uncategorized: true }, first: 100) { totalCount }
  firstPage: budgetCategory(id: $c0) { transactions(first: 100) { totalCount } }
}";

#[tokio::test]
async fn split_lines_count_in_their_own_categories_in_every_figure() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (budget, cats) = categories_of(&app, &user, &["Food", "Household"], &["600.00", "400.00"]).await;

    // Generated receipts: whole, split in two or three lines (one possibly uncategorized).
    // Expected figures per category, in cents, and the transactions touching each.
    let mut rng = Lcg(12);
    let mut spent: HashMap<Option<usize>, i64> = HashMap::new();
    let mut touching: HashMap<Option<usize>, usize> = HashMap::new();
    let (mut total, mut count) = (0_i64, 0_usize);
    for i in 0..24 {
        let date = format!("2026-11-{:02}", 1 + rng.below(28));
        let pieces: Vec<(Option<usize>, i64)> = (0..(1 + rng.below(3)))
            .map(|_| {
                let category = match rng.below(5) {
                    0 => None,
                    n => Some((n % 2) as usize),
                };
                (category, 1 + rng.below(9_000) as i64)
            })
            .collect();
        let amount: i64 = pieces.iter().map(|(_, c)| c).sum();
        let input = if pieces.len() == 1 {
            let mut input = expense(&money(amount), &date, Value::Null);
            input["categoryId"] = json!(pieces[0].0.map(|c| cats[c].clone()));
            input
        } else {
            let lines = pieces
                .iter()
                .map(|(c, cents)| line(c.map(|c| cats[c].as_str()), &money(*cents)))
                .collect();
            expense(&money(amount), &date, Value::Array(lines))
        };
        let body = create(&app, &user, input).await;
        assert!(body["data"]["createTransaction"].is_object(), "row {i}: {body}");
        let mut seen = Vec::new();
        for (category, cents) in &pieces {
            *spent.entry(*category).or_default() += cents;
            if !seen.contains(category) {
                seen.push(*category);
                *touching.entry(*category).or_default() += 1;
            }
        }
        total += amount;
        count += 1;
    }

    let body = app
        .gql(
            FIGURES,
            json!({ "b": budget, "c0": cats[0], "c1": cats[1] }),
            Some(&user.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    let of = |c: Option<usize>| spent.get(&c).copied().unwrap_or(0);
    let n = |c: Option<usize>| touching.get(&c).copied().unwrap_or(0);
    let budgeted = of(Some(0)) + of(Some(1));
    assert_eq!(data["budget"]["spent"], money(budgeted));
    assert_eq!(data["budget"]["remaining"], money(100_000 - budgeted));
    assert_eq!(data["budget"]["categories"][0]["spent"], money(of(Some(0))));
    assert_eq!(data["budget"]["categories"][1]["spent"], money(of(Some(1))));
    assert_eq!(
        data["budget"]["categories"][1]["remaining"],
        money(40_000 - of(Some(1)))
    );
    assert_eq!(data["budgetReport"]["actual"], money(budgeted));
    assert_eq!(data["budgetReport"]["categories"][0]["actual"], money(of(Some(0))));
    assert_eq!(data["budgetReport"]["categories"][1]["actual"], money(of(Some(1))));
    assert_eq!(data["budgetReport"]["uncategorizedSpending"], money(of(None)));

    let report: HashMap<Option<String>, (String, u64)> = data["categoryReport"]
        .as_array()
        .expect("report")
        .iter()
        .map(|r| {
            (
                r["category"]["id"].as_str().map(str::to_owned),
                (
                    r["total"].as_str().expect("total").to_owned(),
                    r["count"].as_u64().expect("count"),
                ),
            )
        })
        .collect();
    for (category, key) in [
        (Some(0), Some(cats[0].clone())),
        (Some(1), Some(cats[1].clone())),
        (None, None),
    ] {
        assert_eq!(report[&key], (money(of(category)), n(category) as u64), "{key:?}");
    }
    assert_eq!(data["all"]["totalExpenses"], money(total));
    assert_eq!(data["all"]["count"], count);
    assert_eq!(data["first"]["totalExpenses"], money(of(Some(0))));
    assert_eq!(data["first"]["count"], n(Some(0)));
    assert_eq!(data["second"]["totalExpenses"], money(of(Some(1))));
    assert_eq!(data["none"]["totalExpenses"], money(of(None)));
    assert_eq!(data["none"]["count"], n(None));
    // Lists hold whole transactions: each once, when any of its lines is in the category.
    assert_eq!(data["firstList"]["totalCount"], n(Some(0)));
    assert_eq!(data["noneList"]["totalCount"], n(None));
    assert_eq!(data["firstPage"]["transactions"]["totalCount"], n(Some(0)));
}

#[tokio::test]
async fn a_split_line_over_its_category_raises_the_insight_for_that_category() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (_, cats) = categories_of(&app, &user, &["Food", "Household"], &["50.00", "400.00"]).await;
    // 80.00 of a 100.00 receipt is food: Food is over its 50.00, Household (20.00) is not.
    let body = create(
        &app,
        &user,
        expense(
            "100.00",
            "2026-11-10",
            json!([line(Some(&cats[0]), "80.00"), line(Some(&cats[1]), "20.00")]),
        ),
    )
    .await;
    assert!(body["data"]["createTransaction"].is_object(), "{body}");
    let body = app
        .gql(
            "{ dashboard(month: \"2026-11-01\") { insights { kind message } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let insights = body["data"]["dashboard"]["insights"].as_array().expect("insights");
    let over: Vec<&Value> = insights
        .iter()
        .filter(|i| i["kind"] == "CATEGORY_OVER_BUDGET")
        .collect();
    assert_eq!(over.len(), 1, "{body}");
    assert!(over[0]["message"].as_str().expect("message").contains("Food"), "{body}");
}

#[tokio::test]
async fn splits_that_do_not_add_up_or_break_a_rule_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (_, cats) = categories_of(&app, &user, &["Food", "Household"], &["500.00", "500.00"]).await;
    let stranger = app.register_and_login().await;
    let (_, foreign) = categories_of(&app, &stranger, &["Theirs"], &["10.00"]).await;

    // Short by a cent: the message names the difference.
    let body = create(
        &app,
        &user,
        expense(
            "100.00",
            "2026-11-10",
            json!([line(Some(&cats[0]), "60.00"), line(Some(&cats[1]), "39.99")]),
        ),
    )
    .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.splits"]);
    let message = body["errors"][0]["extensions"]["fields"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("99.99") && message.contains("0.01 less"), "{message}");
    // Over by 5.00.
    let body = create(
        &app,
        &user,
        expense(
            "10.00",
            "2026-11-10",
            json!([line(Some(&cats[0]), "10.00"), line(None, "5.00")]),
        ),
    )
    .await;
    let message = body["errors"][0]["extensions"]["fields"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("5.00 more"), "{message}");

    for (input, fields) in [
        // One line is just a category.
        (
            expense("10.00", "2026-11-10", json!([line(Some(&cats[0]), "10.00")])),
            vec!["input.splits"],
        ),
        // Every line's own problems, named by position.
        (
            expense(
                "10.00",
                "2026-11-10",
                json!([
                    line(Some(&foreign[0]), "5.00"),
                    line(Some(&cats[0]), "5.001"),
                    line(None, "0")
                ]),
            ),
            vec![
                "input.splits.0.categoryId",
                "input.splits.1.amount",
                "input.splits.2.amount",
            ],
        ),
    ] {
        let body = create(&app, &user, input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), fields, "{body}");
    }
    // A category beside splits is ambiguous.
    let mut input = expense(
        "10.00",
        "2026-11-10",
        json!([line(Some(&cats[0]), "5.00"), line(Some(&cats[1]), "5.00")]),
    );
    input["categoryId"] = json!(cats[0]);
    let body = create(&app, &user, input).await;
    assert_eq!(error_fields(&body), ["input.categoryId"]);

    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM transaction_splits").await, 0);
}

#[tokio::test]
async fn editing_a_split_keeps_its_lines_exact_and_a_category_or_empty_list_ends_it() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (_, cats) = categories_of(&app, &user, &["Food", "Household"], &["500.00", "500.00"]).await;
    let body = create(
        &app,
        &user,
        expense(
            "100.00",
            "2026-11-10",
            json!([{ "categoryId": cats[0], "amount": "70.00", "description": "Groceries" }, line(Some(&cats[1]), "30.00")]),
        ),
    )
    .await;
    let t = &body["data"]["createTransaction"];
    assert_eq!(t["category"], Value::Null);
    assert_eq!(
        t["splits"]
            .as_array()
            .expect("splits")
            .iter()
            .map(|s| (
                s["category"]["name"].clone(),
                s["amount"].clone(),
                s["description"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (json!("Food"), json!("70.00"), json!("Groceries")),
            (json!("Household"), json!("30.00"), Value::Null)
        ]
    );
    let id = t["id"].as_str().expect("id").to_owned();

    // A new amount alone no longer matches the lines.
    let body = update(&app, &user, &id, json!({ "amount": "120.00" })).await;
    assert_eq!(error_fields(&body), ["input.amount"], "{body}");
    // With new lines it does.
    let body = update(
        &app,
        &user,
        &id,
        json!({ "amount": "120.00", "splits": [line(Some(&cats[0]), "100.00"), line(Some(&cats[1]), "15.00"), line(None, "5.00")] }),
    )
    .await;
    let t = &body["data"]["updateTransaction"];
    assert_eq!(t["amount"], "120.00", "{body}");
    assert_eq!(t["splits"].as_array().expect("splits").len(), 3);
    // Other fields leave the lines alone.
    let body = update(&app, &user, &id, json!({ "description": "Market" })).await;
    assert_eq!(body["data"]["updateTransaction"]["splits"][0]["amount"], "100.00");
    assert_eq!(app.count("SELECT COUNT(*) FROM transaction_splits").await, 3);

    // A category ends the split.
    let body = update(&app, &user, &id, json!({ "categoryId": cats[1] })).await;
    let t = &body["data"]["updateTransaction"];
    assert_eq!(
        (&t["category"]["id"], &t["splits"]),
        (&json!(cats[1]), &json!([])),
        "{body}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM transaction_splits").await, 0);
    // Split again, then an empty list ends it too, uncategorized.
    let body = update(
        &app,
        &user,
        &id,
        json!({ "splits": [line(Some(&cats[0]), "60.00"), line(Some(&cats[1]), "60.00")] }),
    )
    .await;
    assert_eq!(body["data"]["updateTransaction"]["category"], Value::Null, "{body}");
    let body = update(&app, &user, &id, json!({ "splits": [] })).await;
    let t = &body["data"]["updateTransaction"];
    assert_eq!((&t["category"], &t["splits"]), (&Value::Null, &json!([])), "{body}");

    // Deleting a split transaction deletes its lines; deleting a category uncategorizes its lines.
    update(
        &app,
        &user,
        &id,
        json!({ "splits": [line(Some(&cats[0]), "60.00"), line(Some(&cats[1]), "60.00")] }),
    )
    .await;
    let body = app
        .gql(
            "mutation($id: ID!) { deleteBudgetCategory(id: $id) }",
            json!({ "id": cats[1] }),
            Some(&user.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = app
        .gql(
            &format!("query($id: ID!) {{ transaction(id: $id) {{ {SPLIT} }} }}"),
            json!({ "id": id }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["transaction"]["splits"][1]["category"], Value::Null);
    assert_eq!(body["data"]["transaction"]["splits"][1]["amount"], "60.00");
    let body = app
        .gql(
            "mutation($id: ID!) { deleteTransaction(id: $id) }",
            json!({ "id": id }),
            Some(&user.access_token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transaction_splits").await, 0);
}

#[tokio::test]
async fn split_lines_use_their_currencys_decimals() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (_, cats) = categories_of(&app, &user, &["Food", "Household"], &["500.00", "500.00"]).await;
    let yen = create_account(
        &app,
        &user.access_token,
        json!({ "name": "Tokyo", "kind": "CASH", "currency": "JPY" }),
    )
    .await;
    let main = app.default_account(user.id.parse().expect("user id")).await.to_string();
    let mut input = expense(
        "1500",
        "2026-11-10",
        json!([line(Some(&cats[0]), "1000.5"), line(Some(&cats[1]), "499.5")]),
    );
    input["accountId"] = json!(yen);
    let body = create(&app, &user, input.clone()).await;
    assert_eq!(error_fields(&body), ["input.splits.0.amount", "input.splits.1.amount"]);
    input["splits"] = json!([line(Some(&cats[0]), "1001"), line(Some(&cats[1]), "499")]);
    let body = create(&app, &user, input).await;
    let amounts: Vec<&Value> = body["data"]["createTransaction"]["splits"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| &s["amount"])
        .collect();
    assert_eq!(amounts, [&json!("1001"), &json!("499")]);
    // A transfer has no categories to split between.
    let body = app
        .gql(
            "mutation($from: ID!, $to: ID!) { createTransfer(input: { fromAccountId: $from, toAccountId: $to, amount: \"100\", toAmount: \"1.00\", date: \"2026-11-04\" }) { from { id } } }",
            json!({ "from": yen, "to": main }),
            Some(&user.access_token),
        )
        .await;
    let leg = body["data"]["createTransfer"]["from"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let body = update(
        &app,
        &user,
        &leg,
        json!({ "splits": [line(Some(&cats[0]), "50"), line(Some(&cats[1]), "50")] }),
    )
    .await;
    assert_eq!(error_fields(&body), ["input.splits"], "{body}");
}
