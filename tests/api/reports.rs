//! Reports: transactionStats, monthlyReport, categoryReport, trendReport and budgetReport.
//!
//! Every expected figure is computed here, from the transactions the test generated (integer
//! cents, formatted by the test), never by the service's own code; the same tests run on
//! SQLite and on PostgreSQL (TEST_DATABASE_URL), so both must give identical strings.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use smartsave::foundation::entities::transactions::{self, Cleared, TransactionType};
use uuid::Uuid;

use crate::expected::{Lcg, day, money, ratio, ymd};
use crate::helpers::{TestApp, TestUser, create_budget, error_code, error_fields};

const STATS: &str = "query($filter: TransactionFilter) { transactionStats(filter: $filter) { count totalIncome totalExpenses net averageExpense byCategory { category { id } total count share } byMonth { periodStart income expenses net } } }";
const MONTHLY: &str = "query($month: Date!) { monthlyReport(month: $month) { month { start end } income expenses net savingsRate byCategory { category { id } total count share } topExpenses(first: 3) { id amount transactionDate } previousMonth { periodStart income expenses net } } }";
const TOP: &str =
    "query($month: Date!, $first: Int!) { monthlyReport(month: $month) { topExpenses(first: $first) { id } } }";
const CATEGORY_DEFAULT: &str =
    "query($from: Date!, $to: Date!) { categoryReport(from: $from, to: $to) { category { id } total count share } }";
const CATEGORY_OF_TYPE: &str = "query($from: Date!, $to: Date!, $type: TransactionType) { categoryReport(from: $from, to: $to, type: $type) { category { id } total count share } }";
const TREND_DEFAULT: &str =
    "query($from: Date!, $to: Date!) { trendReport(from: $from, to: $to) { periodStart income expenses net } }";
const TREND: &str = "query($from: Date!, $to: Date!, $granularity: Granularity) { trendReport(from: $from, to: $to, granularity: $granularity) { periodStart income expenses net } }";
const BUDGET_REPORT: &str = "query($id: ID!) { budgetReport(budgetId: $id) { budget { id } budgeted actual variance uncategorizedSpending categories { category { id } budgeted actual variance percentUsed } } }";

// ---------- generated data and the test's own arithmetic ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Income,
    Expense,
}

impl Kind {
    fn graphql(self) -> &'static str {
        match self {
            Kind::Income => "INCOME",
            Kind::Expense => "EXPENSE",
        }
    }
}

/// One generated transaction, as the test knows it.
#[derive(Debug, Clone)]
struct Tx {
    id: Uuid,
    date: NaiveDate,
    cents: i64,
    kind: Kind,
    category: Option<String>,
    description: String,
}

/// spent / amount in percent, rounded half up to two decimals, from integer cents.
fn percent(spent: i64, amount: i64) -> f64 {
    ((spent * 10_000 * 2 + amount) / (2 * amount)) as f64 / 100.0
}

fn month_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("first of the month")
}

fn next_month(start: NaiveDate) -> NaiveDate {
    let (year, month) = if start.month() == 12 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("first of the next month")
}

fn month_end(d: NaiveDate) -> NaiveDate {
    next_month(month_start(d)) - Duration::days(1)
}

fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

fn year_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), 1, 1).expect("January 1st")
}

/// Every period start from the period containing `from` up to `to`.
fn starts_between(from: NaiveDate, to: NaiveDate, start_of: fn(NaiveDate) -> NaiveDate) -> Vec<NaiveDate> {
    let mut starts = Vec::new();
    let mut current = start_of(from);
    while current <= to {
        starts.push(current);
        // The next period starts right after this one ends.
        let mut next = current + Duration::days(1);
        while start_of(next) == current {
            next += Duration::days(1);
        }
        current = next;
    }
    starts
}

fn sum(txs: &[&Tx], kind: Kind) -> i64 {
    txs.iter().filter(|t| t.kind == kind).map(|t| t.cents).sum()
}

/// `kind` totals per category, largest first (ties: uncategorized, then by category id),
/// with each share of the listed total.
fn expected_categories(txs: &[&Tx], kind: Kind) -> Value {
    let mut groups: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
    for t in txs.iter().filter(|t| t.kind == kind) {
        let entry = groups.entry(t.category.clone()).or_default();
        entry.0 += t.cents;
        entry.1 += 1;
    }
    let grand: i64 = groups.values().map(|(total, _)| total).sum();
    let mut rows: Vec<(Option<String>, (i64, i64))> = groups.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    Value::Array(
        rows.into_iter()
            .map(|(category, (total, count))| {
                json!({
                    "category": category.map(|id| json!({ "id": id })),
                    "total": money(total),
                    "count": count,
                    "share": ratio(total, grand),
                })
            })
            .collect(),
    )
}

/// Income and expenses of each period in `starts`.
fn expected_periods(txs: &[&Tx], starts: &[NaiveDate], start_of: fn(NaiveDate) -> NaiveDate) -> Value {
    for t in txs {
        assert!(
            starts.contains(&start_of(t.date)),
            "test setup: {} falls in no period",
            t.date
        );
    }
    Value::Array(
        starts
            .iter()
            .map(|start| {
                let inside: Vec<&Tx> = txs.iter().copied().filter(|t| start_of(t.date) == *start).collect();
                let (income, expenses) = (sum(&inside, Kind::Income), sum(&inside, Kind::Expense));
                json!({
                    "periodStart": ymd(*start),
                    "income": money(income),
                    "expenses": money(expenses),
                    "net": money(income - expenses),
                })
            })
            .collect(),
    )
}

/// A transaction filter, both as the API takes it and as the test applies it.
#[derive(Default, Clone)]
struct Filter {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    kind: Option<Kind>,
    category: Option<String>,
    search: Option<String>,
}

impl Filter {
    fn json(&self) -> Value {
        json!({
            "from": self.from.map(ymd),
            "to": self.to.map(ymd),
            "type": self.kind.map(Kind::graphql),
            "categoryId": self.category,
            "search": self.search,
        })
    }

    fn keeps(&self, t: &Tx) -> bool {
        self.from.is_none_or(|from| t.date >= from)
            && self.to.is_none_or(|to| t.date <= to)
            && self.kind.is_none_or(|kind| t.kind == kind)
            && self.category.as_ref().is_none_or(|c| t.category.as_ref() == Some(c))
            && self
                .search
                .as_ref()
                .is_none_or(|s| t.description.to_lowercase().contains(&s.to_lowercase()))
    }
}

fn expected_stats(txs: &[Tx], filter: &Filter) -> Value {
    let kept: Vec<&Tx> = txs.iter().filter(|t| filter.keeps(t)).collect();
    let (income, expenses) = (sum(&kept, Kind::Income), sum(&kept, Kind::Expense));
    let expense_count = kept.iter().filter(|t| t.kind == Kind::Expense).count() as i64;
    // Half away from zero; sums of expenses are positive.
    let average = if expense_count == 0 {
        0
    } else {
        (2 * expenses + expense_count) / (2 * expense_count)
    };
    let months = match (filter.from, filter.to) {
        (Some(from), Some(to)) => starts_between(from, to, month_start),
        _ => {
            let mut months: Vec<NaiveDate> = kept.iter().map(|t| month_start(t.date)).collect();
            months.sort_unstable();
            months.dedup();
            months
        }
    };
    json!({
        "count": kept.len(),
        "totalIncome": money(income),
        "totalExpenses": money(expenses),
        "net": money(income - expenses),
        "averageExpense": money(average),
        "byCategory": expected_categories(&kept, filter.kind.unwrap_or(Kind::Expense)),
        "byMonth": expected_periods(&kept, &months, month_start),
    })
}

// ---------- setup ----------

fn user_uuid(user: &TestUser) -> Uuid {
    Uuid::parse_str(&user.id).expect("user id is a UUID")
}

/// Inserts one row through its ActiveModel (so `search_text` is filled in).
async fn insert(app: &TestApp, user_id: Uuid, t: &Tx) {
    let now = Utc::now();
    transactions::ActiveModel {
        id: Set(t.id),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        account_id: Set(app.default_account(user_id).await),
        cleared: Set(Cleared::Uncleared),
        payee: Set(None),
        transfer_id: Set(None),
        has_splits: Set(false),
        budget_category_id: Set(t.category.as_deref().map(|c| Uuid::parse_str(c).expect("category id"))),
        amount: Set(t.cents),
        description: Set(t.description.clone()),
        transaction_date: Set(t.date),
        kind: Set(match t.kind {
            Kind::Income => TransactionType::Income,
            Kind::Expense => TransactionType::Expense,
        }),
        search_text: sea_orm::ActiveValue::NotSet,
        import_batch_id: sea_orm::ActiveValue::NotSet,
        matched_batch_id: sea_orm::ActiveValue::NotSet,
        import_id: sea_orm::ActiveValue::NotSet,
        edited_fields: sea_orm::ActiveValue::NotSet,
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("insert transaction");
}

fn tx(date: NaiveDate, cents: i64, kind: Kind, category: Option<&String>, description: &str) -> Tx {
    Tx {
        id: Uuid::now_v7(),
        date,
        cents,
        kind,
        category: category.cloned(),
        description: description.to_owned(),
    }
}

fn category_ids(budget: &Value) -> Vec<String> {
    budget["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["id"].as_str().expect("category id").to_owned())
        .collect()
}

/// A user's generated books for 2026: January to June without April.
struct Books {
    user: TestUser,
    /// Food, Rent, Fun, Salary.
    categories: Vec<String>,
    txs: Vec<Tx>,
}

const DESCRIPTIONS: [&str; 8] = [
    "Farmers Market",
    "SUPERMARKET run",
    "Coffee",
    "Rent payment",
    "Cinema",
    "Salary",
    "Refund",
    "Bookshop",
];

async fn books(app: &TestApp, seed: u64) -> Books {
    let user = app.register_and_login().await;
    let budget = create_budget(
        app,
        &user.access_token,
        json!({
            "name": "Household", "amount": "5000.00", "period": "YEARLY",
            "startDate": "2026-01-01", "endDate": "2026-12-31",
            "categories": [
                { "name": "Food", "amount": "1000.00" }, { "name": "Rent", "amount": "2000.00" },
                { "name": "Fun", "amount": "500.00" }, { "name": "Salary", "amount": "1500.00" }
            ]
        }),
    )
    .await;
    let categories = category_ids(&budget);
    let mut rng = Lcg(seed);
    let mut txs = Vec::new();
    for _ in 0..80 {
        let month = *rng.pick(&[1, 2, 3, 5, 6]);
        let last = month_end(NaiveDate::from_ymd_opt(2026, month, 1).expect("month")).day();
        let date = NaiveDate::from_ymd_opt(2026, month, rng.below(u64::from(last)) as u32 + 1).expect("day");
        let kind = if rng.below(4) == 0 { Kind::Income } else { Kind::Expense };
        let cents = match kind {
            Kind::Income => 100_000 + rng.below(300_000) as i64,
            Kind::Expense => 1 + rng.below(50_000) as i64,
        };
        let slot = rng.below(5) as usize;
        let category = categories.get(slot);
        txs.push(tx(date, cents, kind, category, rng.pick::<&str>(&DESCRIPTIONS)));
    }
    let (food, rent, fun, salary) = (&categories[0], &categories[1], &categories[2], &categories[3]);
    // Four equal March expenses larger than anything random (and one in February).
    for d in ["2026-03-20", "2026-03-05", "2026-03-20", "2026-03-31", "2026-02-20"] {
        txs.push(tx(day(d), 99_999, Kind::Expense, Some(fun), "Concert tickets"));
    }
    // Rows on and around the boundaries the tests use.
    txs.push(tx(
        day("2026-02-13"),
        12_345,
        Kind::Expense,
        Some(food),
        "Farmers Market",
    ));
    txs.push(tx(day("2026-02-14"), 23_456, Kind::Expense, Some(food), "Bakery"));
    txs.push(tx(day("2026-02-14"), 100_000, Kind::Income, None, "Gift"));
    txs.push(tx(day("2026-05-31"), 34_567, Kind::Expense, None, "Cash"));
    txs.push(tx(day("2026-05-31"), 200_000, Kind::Income, Some(salary), "Salary"));
    txs.push(tx(day("2026-06-01"), 45_678, Kind::Expense, Some(rent), "Rent payment"));
    txs.push(tx(day("2026-01-01"), 5_000, Kind::Income, Some(food), "Refund"));
    let user_id = user_uuid(&user);
    for t in &txs {
        insert(app, user_id, t).await;
    }
    Books { user, categories, txs }
}

/// Runs a query that must succeed and returns `data.<field>`.
async fn data(app: &TestApp, user: &TestUser, query: &str, variables: Value, field: &str) -> Value {
    let body = app.gql(query, variables, Some(&user.access_token)).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"][field].clone()
}

// ---------- transactionStats ----------

#[tokio::test]
async fn transaction_stats_without_a_filter_match_figures_computed_from_the_generated_transactions() {
    let app = TestApp::spawn().await;
    let mine = books(&app, 7).await;
    let theirs = books(&app, 8).await;

    let stats = data(&app, &mine.user, STATS, json!({}), "transactionStats").await;
    assert_eq!(stats, expected_stats(&mine.txs, &Filter::default()));
    // Without both dates, only the months that have transactions: no April.
    let months: Vec<&str> = stats["byMonth"]
        .as_array()
        .expect("byMonth")
        .iter()
        .map(|m| m["periodStart"].as_str().expect("periodStart"))
        .collect();
    assert_eq!(
        months,
        ["2026-01-01", "2026-02-01", "2026-03-01", "2026-05-01", "2026-06-01"]
    );
    // Uncategorized expenses are one bucket with category null.
    assert!(
        stats["byCategory"]
            .as_array()
            .expect("byCategory")
            .iter()
            .any(|c| c["category"].is_null()),
        "{stats}"
    );

    let stats = data(&app, &theirs.user, STATS, json!({ "filter": null }), "transactionStats").await;
    assert_eq!(stats, expected_stats(&theirs.txs, &Filter::default()));
}

#[tokio::test]
async fn every_transaction_stats_figure_follows_the_filter() {
    let app = TestApp::spawn().await;
    let mine = books(&app, 11).await;
    let _theirs = books(&app, 12).await;
    let food = mine.categories[0].clone();
    let salary = mine.categories[3].clone();
    let cases = [
        (
            "a range with an empty month inside",
            Filter {
                from: Some(day("2026-02-14")),
                to: Some(day("2026-05-31")),
                ..Filter::default()
            },
        ),
        (
            "a range starting and ending in months without data",
            Filter {
                from: Some(day("2025-12-15")),
                to: Some(day("2026-07-02")),
                ..Filter::default()
            },
        ),
        (
            "only a start",
            Filter {
                from: Some(day("2026-03-01")),
                ..Filter::default()
            },
        ),
        (
            "only an end",
            Filter {
                to: Some(day("2026-02-13")),
                ..Filter::default()
            },
        ),
        (
            "income: byCategory lists income",
            Filter {
                kind: Some(Kind::Income),
                ..Filter::default()
            },
        ),
        (
            "income in one category in a range",
            Filter {
                kind: Some(Kind::Income),
                category: Some(salary),
                from: Some(day("2026-02-01")),
                to: Some(day("2026-06-30")),
                ..Filter::default()
            },
        ),
        (
            "expenses of one category",
            Filter {
                kind: Some(Kind::Expense),
                category: Some(food.clone()),
                ..Filter::default()
            },
        ),
        (
            "one category, both types",
            Filter {
                category: Some(food),
                ..Filter::default()
            },
        ),
        (
            "a case-insensitive search",
            Filter {
                search: Some("mARKet".into()),
                ..Filter::default()
            },
        ),
        (
            "nothing matches",
            Filter {
                from: Some(day("2027-01-10")),
                to: Some(day("2027-02-10")),
                ..Filter::default()
            },
        ),
    ];
    for (label, filter) in cases {
        let stats = data(
            &app,
            &mine.user,
            STATS,
            json!({ "filter": filter.json() }),
            "transactionStats",
        )
        .await;
        assert_eq!(stats, expected_stats(&mine.txs, &filter), "{label}");
    }

    // Spot checks of the arithmetic above on the empty case.
    let empty = data(
        &app,
        &mine.user,
        STATS,
        json!({ "filter": { "from": "2027-01-10", "to": "2027-02-10" } }),
        "transactionStats",
    )
    .await;
    assert_eq!(empty["averageExpense"], "0.00");
    assert_eq!(empty["byCategory"], json!([]));
    assert_eq!(
        empty["byMonth"],
        json!([
            { "periodStart": "2027-01-01", "income": "0.00", "expenses": "0.00", "net": "0.00" },
            { "periodStart": "2027-02-01", "income": "0.00", "expenses": "0.00", "net": "0.00" }
        ])
    );
}

#[tokio::test]
async fn average_expense_is_rounded_half_away_from_zero_to_the_cent() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let user_id = user_uuid(&user);
    // 0.01 + 0.02 = 0.03 over 2 = 0.015 -> 0.02; then 10.00 over 3 = 3.333 -> 3.33.
    for (cents, d) in [(1, "2026-03-01"), (2, "2026-03-02"), (997, "2026-04-01")] {
        insert(&app, user_id, &tx(day(d), cents, Kind::Expense, None, "Small")).await;
    }
    insert(&app, user_id, &tx(day("2026-03-03"), 50_000, Kind::Income, None, "Pay")).await;
    let march = json!({ "filter": { "from": "2026-03-01", "to": "2026-03-31" } });
    let stats = data(&app, &user, STATS, march, "transactionStats").await;
    assert_eq!(stats["averageExpense"], "0.02", "{stats}");
    assert_eq!(stats["count"], 3);
    let all = data(&app, &user, STATS, json!({}), "transactionStats").await;
    assert_eq!(all["averageExpense"], "3.33", "{all}");
    assert_eq!(all["net"], "490.00");
}

#[tokio::test]
async fn a_transaction_stats_filter_ending_before_it_starts_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            STATS,
            json!({ "filter": { "from": "2026-03-02", "to": "2026-03-01" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["filter.to"], "{body}");
    // One day is a valid range.
    let body = app
        .gql(
            STATS,
            json!({ "filter": { "from": "2026-03-01", "to": "2026-03-01" } }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["transactionStats"]["byMonth"][0]["periodStart"],
        "2026-03-01"
    );
}

// ---------- monthlyReport ----------

fn expected_monthly(txs: &[Tx], any_day: NaiveDate) -> Value {
    let (start, end) = (month_start(any_day), month_end(any_day));
    let kept: Vec<&Tx> = txs.iter().filter(|t| t.date >= start && t.date <= end).collect();
    let (income, expenses) = (sum(&kept, Kind::Income), sum(&kept, Kind::Expense));
    let mut top: Vec<&Tx> = kept.iter().copied().filter(|t| t.kind == Kind::Expense).collect();
    top.sort_by(|a, b| b.cents.cmp(&a.cents).then(b.date.cmp(&a.date)).then(b.id.cmp(&a.id)));
    let previous_start = month_start(start - Duration::days(1));
    let before: Vec<&Tx> = txs
        .iter()
        .filter(|t| t.date >= previous_start && t.date < start)
        .collect();
    let (previous_income, previous_expenses) = (sum(&before, Kind::Income), sum(&before, Kind::Expense));
    json!({
        "month": { "start": ymd(start), "end": ymd(end) },
        "income": money(income),
        "expenses": money(expenses),
        "net": money(income - expenses),
        "savingsRate": ratio(income - expenses, income),
        "byCategory": expected_categories(&kept, Kind::Expense),
        "topExpenses": top.iter().take(3).map(|t| json!({
            "id": t.id.to_string(), "amount": money(t.cents), "transactionDate": ymd(t.date)
        })).collect::<Vec<_>>(),
        "previousMonth": {
            "periodStart": ymd(previous_start),
            "income": money(previous_income),
            "expenses": money(previous_expenses),
            "net": money(previous_income - previous_expenses),
        },
    })
}

#[tokio::test]
async fn a_monthly_report_covers_the_calendar_month_of_any_day_in_it() {
    let app = TestApp::spawn().await;
    let mine = books(&app, 21).await;
    let theirs = books(&app, 22).await;
    for month in [
        "2026-03-17",
        "2026-01-01",
        "2026-02-28",
        "2026-04-30",
        "2026-05-31",
        "2026-06-15",
    ] {
        let report = data(&app, &mine.user, MONTHLY, json!({ "month": month }), "monthlyReport").await;
        assert_eq!(report, expected_monthly(&mine.txs, day(month)), "month of {month}");
    }
    let report = data(
        &app,
        &theirs.user,
        MONTHLY,
        json!({ "month": "2026-03-01" }),
        "monthlyReport",
    )
    .await;
    assert_eq!(report, expected_monthly(&theirs.txs, day("2026-03-01")));

    // Spot checks of what the generic comparison covered.
    let march = data(
        &app,
        &mine.user,
        MONTHLY,
        json!({ "month": "2026-03-17" }),
        "monthlyReport",
    )
    .await;
    assert_eq!(march["month"], json!({ "start": "2026-03-01", "end": "2026-03-31" }));
    let top: Vec<(&str, &str)> = march["topExpenses"]
        .as_array()
        .expect("topExpenses")
        .iter()
        .map(|t| {
            (
                t["amount"].as_str().expect("amount"),
                t["transactionDate"].as_str().expect("date"),
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            ("999.99", "2026-03-31"),
            ("999.99", "2026-03-20"),
            ("999.99", "2026-03-20")
        ],
        "equal amounts: newest date first, then the larger id"
    );
    let april = data(
        &app,
        &mine.user,
        MONTHLY,
        json!({ "month": "2026-04-30" }),
        "monthlyReport",
    )
    .await;
    assert_eq!(april["income"], "0.00");
    assert_eq!(april["savingsRate"].as_f64(), Some(0.0), "no income, no rate");
    assert_eq!(april["byCategory"], json!([]));
    assert_eq!(april["topExpenses"], json!([]));
    assert_eq!(april["previousMonth"]["periodStart"], "2026-03-01");
}

#[tokio::test]
async fn a_monthly_report_with_expenses_above_income_has_a_negative_savings_rate() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let user_id = user_uuid(&user);
    let txs = [
        tx(day("2026-02-01"), 300_000, Kind::Income, None, "Pay"),
        tx(day("2026-02-28"), 412_345, Kind::Expense, None, "Car"),
        tx(day("2026-01-31"), 10_000, Kind::Expense, None, "Before"),
        tx(day("2026-03-01"), 10_000, Kind::Expense, None, "After"),
    ];
    for t in &txs {
        insert(&app, user_id, t).await;
    }
    let report = data(&app, &user, MONTHLY, json!({ "month": "2026-02-10" }), "monthlyReport").await;
    assert_eq!(report, expected_monthly(&txs, day("2026-02-10")));
    // -1123.45 / 3000.00 = -0.374483... -> -0.3745
    assert_eq!(report["savingsRate"].as_f64(), Some(-0.3745));
    assert_eq!(report["net"], "-1123.45");
    assert_eq!(report["previousMonth"]["expenses"], "100.00");
}

#[tokio::test]
async fn top_expenses_are_limited_to_one_hundred() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            TOP,
            json!({ "month": "2026-03-01", "first": 101 }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .gql(
            TOP,
            json!({ "month": "2026-03-01", "first": -1 }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .gql(
            TOP,
            json!({ "month": "2026-03-01", "first": 100 }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["monthlyReport"]["topExpenses"], json!([]), "{body}");
}

// ---------- categoryReport ----------

#[tokio::test]
async fn a_category_report_sums_one_type_per_category_between_two_inclusive_days() {
    let app = TestApp::spawn().await;
    let mine = books(&app, 31).await;
    let _theirs = books(&app, 32).await;
    for (from, to) in [
        ("2026-02-14", "2026-05-31"),
        ("2026-01-01", "2026-12-31"),
        ("2026-02-13", "2026-02-13"),
        ("2026-04-01", "2026-04-30"),
    ] {
        let (f, t) = (day(from), day(to));
        let kept: Vec<&Tx> = mine.txs.iter().filter(|x| x.date >= f && x.date <= t).collect();
        let expenses = expected_categories(&kept, Kind::Expense);
        let vars = json!({ "from": from, "to": to });
        let report = data(&app, &mine.user, CATEGORY_DEFAULT, vars, "categoryReport").await;
        assert_eq!(report, expenses, "{from}..{to} (default type)");
        for kind in [Kind::Expense, Kind::Income] {
            let vars = json!({ "from": from, "to": to, "type": kind.graphql() });
            let report = data(&app, &mine.user, CATEGORY_OF_TYPE, vars, "categoryReport").await;
            assert_eq!(report, expected_categories(&kept, kind), "{from}..{to} {kind:?}");
        }
    }

    // The boundary rows: on 2026-02-14 and 2026-05-31 counted, the day before/after not.
    let report = data(
        &app,
        &mine.user,
        CATEGORY_DEFAULT,
        json!({ "from": "2026-02-14", "to": "2026-02-14" }),
        "categoryReport",
    )
    .await;
    let food = mine.categories[0].clone();
    let expected_food: i64 = mine
        .txs
        .iter()
        .filter(|t| t.date == day("2026-02-14") && t.kind == Kind::Expense && t.category.as_ref() == Some(&food))
        .map(|t| t.cents)
        .sum();
    assert!(expected_food >= 23_456);
    let food_row = report
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["category"]["id"] == json!(food))
        .unwrap_or_else(|| panic!("no Food row in {report}"));
    assert_eq!(food_row["total"], money(expected_food));
    let shares: f64 = report
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["share"].as_f64().expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 0.001, "shares add up to one: {report}");
}

// ---------- trendReport ----------

#[tokio::test]
async fn a_monthly_trend_covers_every_month_between_the_dates_counting_only_days_in_range() {
    let app = TestApp::spawn().await;
    let mine = books(&app, 41).await;
    let _theirs = books(&app, 42).await;
    for (from, to) in [
        ("2026-01-15", "2026-06-10"),
        ("2026-02-14", "2026-05-31"),
        ("2025-11-30", "2026-01-01"),
        ("2026-04-02", "2026-04-03"),
    ] {
        let (f, t) = (day(from), day(to));
        let kept: Vec<&Tx> = mine.txs.iter().filter(|x| x.date >= f && x.date <= t).collect();
        let expected = expected_periods(&kept, &starts_between(f, t, month_start), month_start);
        let vars = json!({ "from": from, "to": to });
        let trend = data(&app, &mine.user, TREND_DEFAULT, vars, "trendReport").await;
        assert_eq!(trend, expected, "{from}..{to} (default MONTH)");
        let vars = json!({ "from": from, "to": to, "granularity": "MONTH" });
        let trend = data(&app, &mine.user, TREND, vars, "trendReport").await;
        assert_eq!(trend, expected, "{from}..{to} MONTH");
    }
    let trend = data(
        &app,
        &mine.user,
        TREND_DEFAULT,
        json!({ "from": "2026-01-15", "to": "2026-06-10" }),
        "trendReport",
    )
    .await;
    let starts: Vec<&str> = trend
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| p["periodStart"].as_str().expect("periodStart"))
        .collect();
    assert_eq!(
        starts,
        [
            "2026-01-01",
            "2026-02-01",
            "2026-03-01",
            "2026-04-01",
            "2026-05-01",
            "2026-06-01"
        ]
    );
    assert_eq!(
        trend[3],
        json!({ "periodStart": "2026-04-01", "income": "0.00", "expenses": "0.00", "net": "0.00" })
    );
}

#[tokio::test]
async fn a_yearly_trend_starts_each_period_on_january_first() {
    let app = TestApp::spawn().await;
    let mine = books(&app, 51).await;
    let user_id = user_uuid(&mine.user);
    let mut txs = mine.txs.clone();
    for t in [
        tx(day("2025-03-01"), 11_111, Kind::Expense, None, "Old"),
        tx(day("2025-02-28"), 22_222, Kind::Expense, None, "Older, outside"),
        tx(day("2027-01-01"), 33_333, Kind::Income, None, "New"),
        tx(day("2027-01-02"), 44_444, Kind::Income, None, "Newer, outside"),
    ] {
        insert(&app, user_id, &t).await;
        txs.push(t);
    }
    let (from, to) = (day("2025-03-01"), day("2027-01-01"));
    let kept: Vec<&Tx> = txs.iter().filter(|x| x.date >= from && x.date <= to).collect();
    let expected = expected_periods(&kept, &starts_between(from, to, year_start), year_start);
    let trend = data(
        &app,
        &mine.user,
        TREND,
        json!({ "from": ymd(from), "to": ymd(to), "granularity": "YEAR" }),
        "trendReport",
    )
    .await;
    assert_eq!(trend, expected);
    assert_eq!(trend[0]["expenses"], "111.11");
    assert_eq!(
        trend[2],
        json!({ "periodStart": "2027-01-01", "income": "333.33", "expenses": "0.00", "net": "333.33" })
    );
}

#[tokio::test]
async fn weekly_trends_start_on_monday_and_count_only_days_within_the_range() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let user_id = user_uuid(&user);
    let mut rng = Lcg(61);
    let mut txs = vec![
        tx(day("2026-10-31"), 70_000, Kind::Expense, None, "Saturday before"),
        tx(day("2026-11-01"), 1_234, Kind::Expense, None, "Sunday, first day"),
        tx(day("2026-11-01"), 100_000, Kind::Income, None, "Sunday pay"),
        tx(day("2026-11-02"), 2_345, Kind::Expense, None, "Monday"),
        tx(day("2026-11-30"), 3_456, Kind::Expense, None, "Last Monday"),
        tx(day("2026-12-01"), 4_567, Kind::Income, None, "Last day"),
        tx(day("2026-12-02"), 80_000, Kind::Expense, None, "After"),
    ];
    for _ in 0..40 {
        let date = day("2026-10-20") + Duration::days(rng.below(50) as i64);
        let kind = if rng.below(3) == 0 { Kind::Income } else { Kind::Expense };
        txs.push(tx(date, 1 + rng.below(90_000) as i64, kind, None, "Random"));
    }
    for t in &txs {
        insert(&app, user_id, t).await;
    }
    let (from, to) = (day("2026-11-01"), day("2026-12-01"));
    let kept: Vec<&Tx> = txs.iter().filter(|x| x.date >= from && x.date <= to).collect();
    let starts = starts_between(from, to, week_start);
    let trend = data(
        &app,
        &user,
        TREND,
        json!({ "from": ymd(from), "to": ymd(to), "granularity": "WEEK" }),
        "trendReport",
    )
    .await;
    assert_eq!(trend, expected_periods(&kept, &starts, week_start));
    assert_eq!(
        trend[0]["periodStart"], "2026-10-26",
        "the Monday before Sunday 2026-11-01"
    );
    assert_eq!(trend.as_array().map(Vec::len), Some(6));
    for period in trend.as_array().expect("periods") {
        let start = day(period["periodStart"].as_str().expect("periodStart"));
        assert_eq!(start.weekday(), Weekday::Mon, "{period}");
    }
    // The first bucket holds only Sunday's rows: Saturday 2026-10-31 is before `from`.
    let sunday: Vec<&Tx> = txs.iter().filter(|t| t.date == from).collect();
    assert_eq!(trend[0]["expenses"], money(sum(&sunday, Kind::Expense)));
    assert_eq!(trend[0]["income"], money(sum(&sunday, Kind::Income)));
}

#[tokio::test]
async fn a_trend_ending_before_it_starts_or_spanning_more_than_520_periods_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = Some(user.access_token.as_str());
    let body = app
        .gql(
            TREND_DEFAULT,
            json!({ "from": "2026-03-02", "to": "2026-03-01" }),
            token,
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["to"], "{body}");

    // 520 weeks from a Monday is the limit; one more day starts week 521.
    let monday = day("2016-01-04");
    let last = monday + Duration::days(520 * 7 - 1);
    let vars = json!({ "from": ymd(monday), "to": ymd(last), "granularity": "WEEK" });
    let body = app.gql(TREND, vars, token).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["trendReport"].as_array().map(Vec::len), Some(520));
    let vars = json!({ "from": ymd(monday), "to": ymd(last + Duration::days(1)), "granularity": "WEEK" });
    let body = app.gql(TREND, vars, token).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["to"], "{body}");

    // 521 months, and the default granularity counts months.
    let body = app
        .gql(
            TREND_DEFAULT,
            json!({ "from": "1980-01-31", "to": "2023-05-01" }),
            token,
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .gql(
            TREND_DEFAULT,
            json!({ "from": "1980-01-31", "to": "2023-04-30" }),
            token,
        )
        .await;
    assert_eq!(
        body["data"]["trendReport"].as_array().map(Vec::len),
        Some(520),
        "{body}"
    );
}

// ---------- budgetReport ----------

#[tokio::test]
async fn a_budget_report_compares_each_category_with_its_spending_within_the_budget_dates() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let user_id = user_uuid(&user);
    // The budget's amount (1500.00) is its own figure, not the sum of its categories.
    let spring = create_budget(
        &app,
        &user.access_token,
        json!({
            "name": "Spring", "amount": "1500.00", "period": "MONTHLY",
            "startDate": "2026-03-01", "endDate": "2026-04-15",
            "categories": [
                { "name": "Food", "amount": "400.00" }, { "name": "Rent", "amount": "600.00" },
                { "name": "Fun", "amount": "300.00" }
            ]
        }),
    )
    .await;
    let trip = create_budget(
        &app,
        &user.access_token,
        json!({
            "name": "Trip", "amount": "500.00", "period": "MONTHLY",
            "startDate": "2026-03-01", "endDate": "2026-03-31",
            "categories": [{ "name": "Travel", "amount": "500.00" }]
        }),
    )
    .await;
    let spring_categories = category_ids(&spring);
    let travel = category_ids(&trip)[0].clone();
    let (food, fun) = (&spring_categories[0], &spring_categories[2]);
    let mut pool: Vec<Option<&String>> = spring_categories.iter().map(Some).collect();
    pool.push(Some(&travel));
    pool.push(None);

    let mut rng = Lcg(71);
    let mut txs = Vec::new();
    for _ in 0..60 {
        let date = day("2026-02-15") + Duration::days(rng.below(75) as i64);
        let kind = if rng.below(5) == 0 { Kind::Income } else { Kind::Expense };
        let category = *rng.pick(&pool);
        txs.push(tx(date, 1 + rng.below(20_000) as i64, kind, category, "Random"));
    }
    txs.push(tx(
        day("2026-04-15"),
        35_000,
        Kind::Expense,
        Some(fun),
        "Last day, over",
    ));
    txs.push(tx(day("2026-02-28"), 500_000, Kind::Expense, Some(food), "Day before"));
    txs.push(tx(day("2026-04-16"), 500_000, Kind::Expense, Some(food), "Day after"));
    txs.push(tx(day("2026-03-10"), 300_000, Kind::Income, Some(food), "Income"));
    txs.push(tx(
        day("2026-03-01"),
        7_777,
        Kind::Expense,
        None,
        "First day, uncategorized",
    ));
    txs.push(tx(
        day("2026-04-16"),
        8_888,
        Kind::Expense,
        None,
        "Day after, uncategorized",
    ));
    for t in &txs {
        insert(&app, user_id, t).await;
    }
    // Another user's spending on the same days never counts.
    let other = books(&app, 72).await;

    let expected = |budget: &Value, amount: i64, categories: &[(&String, i64)], from: &str, to: &str| {
        let (from, to) = (day(from), day(to));
        let within = |t: &&Tx| t.kind == Kind::Expense && t.date >= from && t.date <= to;
        let spent = |id: &String| -> i64 {
            txs.iter()
                .filter(within)
                .filter(|t| t.category.as_ref() == Some(id))
                .map(|t| t.cents)
                .sum()
        };
        let rows: Vec<Value> = categories
            .iter()
            .map(|(id, budgeted)| {
                let actual = spent(id);
                json!({
                    "category": { "id": id }, "budgeted": money(*budgeted), "actual": money(actual),
                    "variance": money(budgeted - actual), "percentUsed": percent(actual, *budgeted),
                })
            })
            .collect();
        let actual: i64 = categories.iter().map(|(id, _)| spent(id)).sum();
        let uncategorized: i64 = txs
            .iter()
            .filter(within)
            .filter(|t| t.category.is_none())
            .map(|t| t.cents)
            .sum();
        json!({
            "budget": { "id": budget["id"] }, "budgeted": money(amount), "actual": money(actual),
            "variance": money(amount - actual), "uncategorizedSpending": money(uncategorized), "categories": rows,
        })
    };

    let report = data(
        &app,
        &user,
        BUDGET_REPORT,
        json!({ "id": spring["id"] }),
        "budgetReport",
    )
    .await;
    let spring_expected = expected(
        &spring,
        150_000,
        &[
            (&spring_categories[0], 40_000),
            (&spring_categories[1], 60_000),
            (&spring_categories[2], 30_000),
        ],
        "2026-03-01",
        "2026-04-15",
    );
    assert_eq!(report, spring_expected);
    // Fun is over its amount: a negative variance.
    assert!(
        report["categories"][2]["variance"]
            .as_str()
            .is_some_and(|v| v.starts_with('-')),
        "{report}"
    );

    let report = data(&app, &user, BUDGET_REPORT, json!({ "id": trip["id"] }), "budgetReport").await;
    assert_eq!(
        report,
        expected(&trip, 50_000, &[(&travel, 50_000)], "2026-03-01", "2026-03-31")
    );

    // The other user's report of their own budget is theirs alone.
    let theirs = data(
        &app,
        &other.user,
        "{ budgets(first: 1) { nodes { id } } }",
        json!({}),
        "budgets",
    )
    .await;
    let their_budget = theirs["nodes"][0]["id"].clone();
    let report = data(
        &app,
        &other.user,
        BUDGET_REPORT,
        json!({ "id": their_budget }),
        "budgetReport",
    )
    .await;
    let in_year = |t: &&Tx| t.kind == Kind::Expense && t.date.year() == 2026;
    let uncategorized: i64 = other
        .txs
        .iter()
        .filter(in_year)
        .filter(|t| t.category.is_none())
        .map(|t| t.cents)
        .sum();
    assert_eq!(report["uncategorizedSpending"], money(uncategorized));
    let actual: i64 = other
        .txs
        .iter()
        .filter(in_year)
        .filter(|t| t.category.is_some())
        .map(|t| t.cents)
        .sum();
    assert_eq!(report["actual"], money(actual));
}

#[tokio::test]
async fn another_users_budget_or_an_unknown_id_has_no_budget_report() {
    let app = TestApp::spawn().await;
    let owner = app.register_and_login().await;
    let stranger = app.register_and_login().await;
    let budget = create_budget(
        &app,
        &owner.access_token,
        json!({
            "name": "Mine", "amount": "100.00", "period": "MONTHLY",
            "startDate": "2026-03-01", "endDate": "2026-03-31",
            "categories": [{ "name": "Food", "amount": "100.00" }]
        }),
    )
    .await;
    for (who, id) in [
        (&stranger, budget["id"].clone()),
        (&owner, json!(Uuid::now_v7().to_string())),
        (&owner, json!("not-an-id")),
    ] {
        let body = app
            .gql(BUDGET_REPORT, json!({ "id": id }), Some(&who.access_token))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{id}: {body}");
        assert!(body["data"].is_null(), "{body}");
    }
    let body = app
        .gql(BUDGET_REPORT, json!({ "id": budget["id"] }), Some(&owner.access_token))
        .await;
    assert_eq!(body["data"]["budgetReport"]["budgeted"], "100.00", "{body}");
}

// ---------- isolation ----------

#[tokio::test]
async fn one_users_reports_never_include_another_users_transactions() {
    let app = TestApp::spawn().await;
    let theirs = books(&app, 81).await;
    let me = app.register_and_login().await;
    let token = Some(me.access_token.as_str());

    let stats = data(&app, &me, STATS, json!({}), "transactionStats").await;
    assert_eq!(
        stats,
        json!({ "count": 0, "totalIncome": "0.00", "totalExpenses": "0.00", "net": "0.00",
                "averageExpense": "0.00", "byCategory": [], "byMonth": [] })
    );
    // Filtering by their category finds nothing of theirs.
    let filter = json!({ "filter": { "categoryId": theirs.categories[0] } });
    let stats = data(&app, &me, STATS, filter, "transactionStats").await;
    assert_eq!(stats["count"], 0, "{stats}");
    let body = app.gql(MONTHLY, json!({ "month": "2026-03-01" }), token).await;
    assert_eq!(
        body["data"]["monthlyReport"],
        expected_monthly(&[], day("2026-03-01")),
        "{body}"
    );
    let vars = json!({ "from": "2026-01-01", "to": "2026-12-31" });
    let report = data(&app, &me, CATEGORY_DEFAULT, vars.clone(), "categoryReport").await;
    assert_eq!(report, json!([]));
    let trend = data(&app, &me, TREND_DEFAULT, vars, "trendReport").await;
    let starts = starts_between(day("2026-01-01"), day("2026-12-31"), month_start);
    assert_eq!(trend, expected_periods(&[], &starts, month_start));

    // And theirs are unchanged by my presence.
    let stats = data(&app, &theirs.user, STATS, json!({}), "transactionStats").await;
    assert_eq!(stats, expected_stats(&theirs.txs, &Filter::default()));
}
