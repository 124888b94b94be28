//! The forecast on a constructed history, against projections computed here independently:
//! balances day by day from recorded and scheduled transactions and the median daily spend,
//! the low point, the first day below zero, what is safe to spend, and category projections.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::expected::{Lcg, decimal, ymd};
use crate::helpers::{TestApp, create_account, create_budget, create_schedule, create_transaction};

/// The median of `days` daily amounts (missing days are 0), a half rounded to even.
fn median(by_day: &BTreeMap<NaiveDate, i64>, from: NaiveDate, to: NaiveDate) -> i64 {
    let mut values = Vec::new();
    let mut day = from;
    while day <= to {
        values.push(by_day.get(&day).copied().unwrap_or(0));
        day += Duration::days(1);
    }
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        return values[n / 2];
    }
    let sum = values[n / 2 - 1] + values[n / 2];
    // A half (odd sum) goes to the even neighbour.
    if sum % 2 == 0 || (sum / 2) % 2 == 0 {
        sum / 2
    } else {
        sum / 2 + 1
    }
}

/// `n / d` rounded half to even (n >= 0, d > 0).
fn div_even(n: i128, d: i128) -> i64 {
    let (q, r) = (n / d, n % d);
    let q = if 2 * r > d || (2 * r == d && q % 2 == 1) {
        q + 1
    } else {
        q
    };
    i64::try_from(q).expect("fits")
}

fn money(minor: i64) -> Value {
    json!({ "amount": decimal(minor, 2), "currency": "USD" })
}

#[tokio::test]
async fn the_forecast_matches_an_independent_projection_of_a_constructed_history() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = user.access_token.as_str();
    let today = Utc::now().date_naive();
    let main = app.default_account(user.id.parse().expect("id")).await.to_string();
    let card = create_account(
        &app,
        token,
        json!({ "name": "Card", "kind": "CREDIT_CARD", "openingBalance": "-150.00", "openingDate": ymd(today - Duration::days(200)) }),
    )
    .await;
    let budget = create_budget(
        &app,
        token,
        json!({ "name": "This month", "amount": "900.00", "period": "MONTHLY", "startDate": ymd(today - Duration::days(10)),
                "endDate": ymd(today + Duration::days(20)), "categories": [{ "name": "Food", "amount": "400.00" }, { "name": "Fun", "amount": "500.00" }] }),
    )
    .await;
    let food = budget["categories"][0]["id"].as_str().expect("food").to_owned();
    let fun = budget["categories"][1]["id"].as_str().expect("fun").to_owned();

    // History: an income, and discretionary expenses on 35 of the last 90 days, some of them
    // food or fun; some older ones outside the window.
    let mut rng = Lcg(9);
    let mut main_balance: i64 = 0;
    let mut card_balance: i64 = -15_000;
    let mut main_spend: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut card_spend: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let (mut food_spent, mut food_pace, mut fun_spent, mut fun_pace) = (0_i64, 0_i64, 0_i64, 0_i64);
    create_transaction(
        &app,
        token,
        json!({ "amount": "5000.00", "description": "Bonus", "transactionDate": ymd(today - Duration::days(120)), "type": "INCOME" }),
    )
    .await;
    main_balance += 500_000;
    for _ in 0..45 {
        let back = rng.below(100) as i64;
        let day = today - Duration::days(back);
        let cents = 100 + rng.below(9_000) as i64;
        let on_card = rng.below(4) == 0;
        let category = match rng.below(3) {
            0 => Some(&food),
            1 => Some(&fun),
            _ => None,
        };
        create_transaction(
            &app,
            token,
            json!({ "amount": decimal(cents, 2), "description": "Spend", "transactionDate": ymd(day), "type": "EXPENSE",
                    "accountId": if on_card { &card } else { &main }, "categoryId": category }),
        )
        .await;
        let trailing = back < 90;
        if on_card {
            card_balance -= cents;
            if trailing {
                *card_spend.entry(day).or_default() += cents;
            }
        } else {
            main_balance -= cents;
            if trailing {
                *main_spend.entry(day).or_default() += cents;
            }
        }
        let in_budget = back <= 10;
        match category {
            Some(c) if *c == food => {
                food_pace += if trailing { cents } else { 0 };
                food_spent += if in_budget { cents } else { 0 };
            }
            Some(_) => {
                fun_pace += if trailing { cents } else { 0 };
                fun_spent += if in_budget { cents } else { 0 };
            }
            None => {}
        }
    }
    // A scheduled bill already posted in the window is not discretionary.
    let rent = create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Rent", "amount": "1200.00", "type": "EXPENSE", "rule": "FREQ=MONTHLY",
                "startDate": ymd(today - Duration::days(20)), "categoryId": food }),
    )
    .await;
    let body = app
        .gql(
            "mutation($id: ID!, $date: Date!) { postOccurrence(scheduleId: $id, date: $date) { status } }",
            json!({ "id": rent, "date": ymd(today - Duration::days(20)) }),
            Some(token),
        )
        .await;
    assert_eq!(body["data"]["postOccurrence"]["status"], "POSTED", "{body}");
    main_balance -= 120_000;
    // The next rent is due in about 10 days (a month after the first): it is open.
    let next_rent = today - Duration::days(20) + chrono::Months::new(1);
    // Ahead: a recorded expense in 5 days, a salary in 12 days, a weekly food box from tomorrow.
    create_transaction(
        &app,
        token,
        json!({ "amount": "100.00", "description": "Booked", "transactionDate": ymd(today + Duration::days(5)), "type": "EXPENSE" }),
    )
    .await;
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Salary", "amount": "3000.00", "type": "INCOME", "rule": "FREQ=MONTHLY",
                "startDate": ymd(today + Duration::days(12)) }),
    )
    .await;
    create_schedule(
        &app,
        &user.access_token,
        json!({ "description": "Food box", "amount": "25.00", "type": "EXPENSE", "rule": "FREQ=WEEKLY",
                "startDate": ymd(today + Duration::days(1)), "categoryId": food, "accountId": card }),
    )
    .await;

    let body = app
        .gql(
            "{ forecast(days: 30) {
                today currency safeToSpend { amount currency } nextIncomeDate firstBelowZero
                lowPoint { date balance { amount currency } }
                balances { date balance { amount currency } }
                accounts { account { name } dailySpend { amount } balances { date balance { amount } } lowPoint { date balance { amount } } firstBelowZero }
                categories { category { name } spent projectedSpent projectedRemaining projectedOverspendDate }
                missingRates { base } } }",
            json!({}),
            Some(token),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let f = &body["data"]["forecast"];

    // Independent projection.
    let first = today - Duration::days(89);
    let main_daily = median(&main_spend, first, today);
    let card_daily = median(&card_spend, first, today);
    let day = |n: i64| today + Duration::days(n);
    let mut main_moves: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut card_moves: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    *main_moves.entry(day(5)).or_default() -= 10_000;
    *main_moves.entry(day(12)).or_default() += 300_000;
    if next_rent <= day(30) {
        *main_moves.entry(next_rent).or_default() -= 120_000;
    }
    let mut box_day = day(1);
    while box_day <= day(30) {
        *card_moves.entry(box_day).or_default() -= 2_500;
        box_day += Duration::days(7);
    }
    let series = |opening: i64, moves: &BTreeMap<NaiveDate, i64>, daily: i64| {
        let mut balance = opening;
        let mut out = vec![(today, opening)];
        for n in 1..=30 {
            balance += moves.get(&day(n)).copied().unwrap_or(0) - daily;
            out.push((day(n), balance));
        }
        out
    };
    let main_series = series(main_balance, &main_moves, main_daily);
    let card_series = series(card_balance, &card_moves, card_daily);
    let total: Vec<(NaiveDate, i64)> = main_series
        .iter()
        .zip(&card_series)
        .map(|(a, b)| (a.0, a.1 + b.1))
        .collect();
    let as_days = |s: &[(NaiveDate, i64)]| -> Vec<Value> {
        s.iter()
            .map(|(d, b)| json!({ "date": ymd(*d), "balance": money(*b) }))
            .collect()
    };
    assert_eq!((&f["today"], &f["currency"]), (&json!(ymd(today)), &json!("USD")));
    assert_eq!(f["balances"], json!(as_days(&total)));
    let low = total
        .iter()
        .min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
        .expect("a day");
    assert_eq!(f["lowPoint"], json!({ "date": ymd(low.0), "balance": money(low.1) }));
    let below = total.iter().find(|(_, b)| *b < 0).map(|(d, _)| ymd(*d));
    assert_eq!(f["firstBelowZero"], json!(below));
    let accounts = f["accounts"].as_array().expect("accounts");
    let of = |name: &str| {
        accounts
            .iter()
            .find(|a| a["account"]["name"] == name)
            .expect(name)
            .clone()
    };
    assert_eq!(of("Main")["dailySpend"]["amount"], decimal(main_daily, 2));
    assert_eq!(of("Card")["dailySpend"]["amount"], decimal(card_daily, 2));
    assert_eq!(
        of("Main")["balances"].as_array().expect("days").len(),
        31,
        "today and thirty days"
    );
    assert_eq!(
        of("Main")["balances"][30]["balance"]["amount"],
        decimal(main_series[30].1, 2)
    );
    // Safe to spend: the lowest total before the salary, without the day-to-day spend.
    let fixed_main = series(main_balance, &main_moves, 0);
    let fixed_card = series(card_balance, &card_moves, 0);
    let safe = fixed_main
        .iter()
        .zip(&fixed_card)
        .filter(|(a, _)| a.0 < day(12))
        .map(|(a, b)| a.1 + b.1)
        .min()
        .expect("days")
        .max(0);
    assert_eq!(f["safeToSpend"], money(safe));
    assert_eq!(f["nextIncomeDate"], ymd(day(12)));
    assert_eq!(f["missingRates"], json!([]));

    // Categories: spent, plus open bills to the budget's end, plus pace for the 20 days left.
    let end = day(20);
    let mut food_bills: i64 = 0;
    let mut box_day = day(1);
    while box_day <= end {
        food_bills += 2_500;
        box_day += Duration::days(7);
    }
    if next_rent <= end {
        food_bills += 120_000;
    }
    let project = |spent: i64, bills: &BTreeMap<NaiveDate, i64>, pace: i64, amount: i64| {
        let mut fixed = spent as i128;
        let mut over = (spent > amount).then_some(today);
        for n in 1..=20 {
            fixed += bills.get(&day(n)).copied().unwrap_or(0) as i128;
            if over.is_none() && 90 * fixed + pace as i128 * n as i128 > 90 * amount as i128 {
                over = Some(day(n));
            }
        }
        let total = 90 * fixed + pace as i128 * 20;
        (div_even(total, 90), over)
    };
    let mut food_calendar: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut box_day = day(1);
    while box_day <= end {
        *food_calendar.entry(box_day).or_default() += 2_500;
        box_day += Duration::days(7);
    }
    if next_rent <= end {
        *food_calendar.entry(next_rent).or_default() += 120_000;
    }
    assert_eq!(food_bills, food_calendar.values().sum::<i64>());
    // (The posted rent is dated before the budget's period, and scheduled: in neither.)
    let (food_projected, food_over) = project(food_spent, &food_calendar, food_pace, 40_000);
    let (fun_projected, fun_over) = project(fun_spent, &BTreeMap::new(), fun_pace, 50_000);
    let categories = f["categories"].as_array().expect("categories");
    let category = |name: &str| {
        categories
            .iter()
            .find(|c| c["category"]["name"] == name)
            .expect(name)
            .clone()
    };
    assert_eq!(
        category("Food"),
        json!({ "category": { "name": "Food" }, "spent": decimal(food_spent, 2), "projectedSpent": decimal(food_projected, 2),
                "projectedRemaining": decimal(40_000 - food_projected, 2), "projectedOverspendDate": food_over.map(ymd) })
    );
    assert_eq!(
        category("Fun"),
        json!({ "category": { "name": "Fun" }, "spent": decimal(fun_spent, 2), "projectedSpent": decimal(fun_projected, 2),
                "projectedRemaining": decimal(50_000 - fun_projected, 2), "projectedOverspendDate": fun_over.map(ymd) })
    );
}
