//! Interchange: CSV import (validation, all or nothing, dry runs, duplicates, category matching
//! by name), CSV and JSON export (filters, formula neutralising), the export -> import round
//! trip, and the streamed `GET /export/transactions.csv` download.

use chrono::{Datelike, Days, NaiveDate};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_budget, create_transaction, error_code, error_fields};

const IMPORT: &str = "mutation($input: ImportTransactionsInput!) { importTransactions(input: $input) { imported skippedDuplicates errors { line message } dryRun } }";
const EXPORT: &str = "query($filter: TransactionFilter, $format: ExportFormat!) { exportTransactions(filter: $filter, format: $format) }";
const LIST: &str = "query($first: Int, $after: String, $filter: TransactionFilter, $orderBy: TransactionOrder) { transactions(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { pageInfo { hasNextPage endCursor } nodes { transactionDate description amount type category { id name } } } }";
const STATS_FIELDS: &str = "count totalIncome totalExpenses net averageExpense byMonth { periodStart income expenses net } byCategory { category { name } total count share }";
const HEADER: &str = "date,description,amount,type,category";
/// An export's header: the import's columns, then where the money is and how it is split.
const EXPORT_HEADER: &str = "date,description,amount,type,category,account,currency,payee,cleared,splits,transfer";
/// The cells an export adds after `category` for a row of the default account.
const MAIN_USD: &str = ",Main,USD,,uncleared,,";
const COUNT: &str = "SELECT COUNT(*) FROM transactions";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The raw response of an import.
async fn import_body(app: &TestApp, token: &str, data: &str, dry_run: Option<bool>) -> Value {
    let mut input = json!({ "format": "CSV", "data": data });
    if let Some(dry_run) = dry_run {
        input["dryRun"] = json!(dry_run);
    }
    app.gql(IMPORT, json!({ "input": input }), Some(token)).await
}

/// `importTransactions` of a request that must not fail as a whole.
async fn import(app: &TestApp, token: &str, data: &str, dry_run: Option<bool>) -> Value {
    let body = import_body(app, token, data, dry_run).await;
    assert!(body["errors"].is_null(), "import failed: {body}");
    body["data"]["importTransactions"].clone()
}

/// An expected `ImportResult`.
fn outcome(imported: usize, skipped: usize, errors: Value, dry_run: bool) -> Value {
    json!({ "imported": imported, "skippedDuplicates": skipped, "errors": errors, "dryRun": dry_run })
}

/// An expected `ImportResult` with exactly one bad line.
fn one_error(line: u64, message: &str, dry_run: bool) -> Value {
    outcome(0, 0, json!([{ "line": line, "message": message }]), dry_run)
}

async fn export(app: &TestApp, token: &str, filter: Value, format: &str) -> String {
    let body = app
        .gql(EXPORT, json!({ "filter": filter, "format": format }), Some(token))
        .await;
    body["data"]["exportTransactions"]
        .as_str()
        .unwrap_or_else(|| panic!("export failed for {filter}: {body}"))
        .to_owned()
}

async fn export_json(app: &TestApp, token: &str, filter: Value) -> Value {
    serde_json::from_str(&export(app, token, filter, "JSON").await).expect("the JSON export is JSON")
}

/// Every transaction of the caller through the `transactions` query, oldest first.
async fn read_back(app: &TestApp, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql(
                LIST,
                json!({ "first": 100, "after": after, "orderBy": { "field": "TRANSACTION_DATE", "direction": "ASC" } }),
                Some(token),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let page = &body["data"]["transactions"];
        all.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// A transaction as `read_back` returns it.
fn node(date: &str, description: &str, amount: &str, kind: &str, category: Option<(&str, &str)>) -> Value {
    json!({
        "transactionDate": date, "description": description, "amount": amount, "type": kind,
        "category": category.map(|(id, name)| json!({ "id": id, "name": name })),
    })
}

/// A budget over [start, end] with a 100.00 category per name, in order.
async fn budget(app: &TestApp, token: &str, name: &str, start: &str, end: &str, categories: &[&str]) -> Value {
    let categories: Vec<Value> = categories
        .iter()
        .map(|c| json!({ "name": c, "amount": "100.00" }))
        .collect();
    create_budget(
        app,
        token,
        json!({
            "name": name, "amount": "5000.00", "period": "MONTHLY",
            "startDate": start, "endDate": end, "categories": categories
        }),
    )
    .await
}

/// The id of the budget's category called `name`.
fn category(budget: &Value, name: &str) -> String {
    budget["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no category {name} in {budget}"))
        .to_owned()
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

async fn record(
    app: &TestApp,
    token: &str,
    date: &str,
    description: &str,
    amount: &str,
    kind: &str,
    category: Option<&str>,
) -> String {
    create_transaction(
        app,
        token,
        json!({ "amount": amount, "description": description, "transactionDate": date, "type": kind, "categoryId": category }),
    )
    .await
}

/// A CSV document: the records of `text`, header included.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

/// The descriptions (second column) of an exported CSV, in order, after checking its header.
fn csv_descriptions(text: &str) -> Vec<String> {
    let records = csv_records(text);
    assert_eq!(
        records.first().map(|h| h.join(",")).as_deref(),
        Some(EXPORT_HEADER),
        "{text}"
    );
    records[1..].iter().map(|r| r[1].clone()).collect()
}

/// `GET /export/transactions.csv` with an optional bearer token and query parameters.
async fn download(app: &TestApp, token: Option<&str>, params: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url("/export/transactions.csv")).query(params);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.send().await.expect("download request")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// `transactionStats` with and without an INCOME filter, byCategory sorted so that two
/// accounts compare equal whatever their category ids.
async fn stats(app: &TestApp, token: &str) -> Value {
    let body = app
        .gql(
            &format!(
                "{{ all: transactionStats {{ {STATS_FIELDS} }} income: transactionStats(filter: {{ type: INCOME }}) {{ {STATS_FIELDS} }} }}"
            ),
            json!({}),
            Some(token),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let mut data = body["data"].clone();
    for key in ["all", "income"] {
        let by_category = data[key]["byCategory"].as_array_mut().expect("byCategory");
        by_category.sort_by_key(|c| c.to_string());
    }
    data
}

/// A small deterministic generator (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn month_end(start: NaiveDate) -> NaiveDate {
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).expect("a month end")
}

/// `count` distinct valid data rows "Row 00000", "Row 00001", ..., `per_day` a day from
/// 2026-01-01, every third one income, in date order.
fn rows(count: usize, per_day: usize) -> String {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let mut text = String::with_capacity(count * 40);
    for i in 0..count {
        let date = start + Days::new((i / per_day) as u64);
        let cents = i % 100_000 + 1;
        let kind = if i % 3 == 0 { "income" } else { "expense" };
        text.push_str(&format!(
            "{date},Row {i:05},{}.{:02},{kind},\n",
            cents / 100,
            cents % 100
        ));
    }
    text
}

// ---------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_valid_file_imports_every_row_with_its_fields_and_categories_matched_by_name() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    // November is created first, October second: October's "Food" is the newest one.
    let november = budget(&app, token, "November", "2026-11-01", "2026-11-30", &["Food", "Rent"]).await;
    let october = budget(&app, token, "October", "2026-10-01", "2026-10-31", &["Food", "Salary"]).await;
    let (oct_food, nov_food) = (category(&october, "Food"), category(&november, "Food"));
    let (rent, salary) = (category(&november, "Rent"), category(&october, "Salary"));

    let data = [
        HEADER,
        "2026-10-15,Groceries,45.2,expense,Food",
        "2026-10-31,Last day of October,10.00,EXPENSE,food",
        "2026-11-01,First day of November,30,Expense,FOOD",
        "2026-11-05,Flat,950.00,expense,rent",
        "2026-10-25,Pay,2500.00,income,Salary",
        "2026-11-20,Gift,20.05,INCOME,",
        // No budget covers these dates: the newest "Food" (October's) wins.
        "2027-03-05,Holiday snacks,7.99,expense,Food",
        "2025-01-10,Old receipt,0.01,expense,fOoD",
    ]
    .join("\n");
    let result = import(&app, token, &data, None).await;
    assert_eq!(result, outcome(8, 0, json!([]), false));
    assert_eq!(app.count(COUNT).await, 8);

    let food_oct = Some((oct_food.as_str(), "Food"));
    let food_nov = Some((nov_food.as_str(), "Food"));
    assert_eq!(
        read_back(&app, token).await,
        vec![
            node("2025-01-10", "Old receipt", "0.01", "EXPENSE", food_oct),
            node("2026-10-15", "Groceries", "45.20", "EXPENSE", food_oct),
            node(
                "2026-10-25",
                "Pay",
                "2500.00",
                "INCOME",
                Some((salary.as_str(), "Salary"))
            ),
            node("2026-10-31", "Last day of October", "10.00", "EXPENSE", food_oct),
            node("2026-11-01", "First day of November", "30.00", "EXPENSE", food_nov),
            node("2026-11-05", "Flat", "950.00", "EXPENSE", Some((rent.as_str(), "Rent"))),
            node("2026-11-20", "Gift", "20.05", "INCOME", None),
            node("2027-03-05", "Holiday snacks", "7.99", "EXPENSE", food_oct),
        ]
    );
    // Imported rows are searchable like any other (the search text is written too).
    let body = app
        .gql(
            LIST,
            json!({ "first": 10, "filter": { "search": "OCTOBER" } }),
            Some(token),
        )
        .await;
    assert_eq!(
        body["data"]["transactions"]["nodes"][0]["description"], "Last day of October",
        "{body}"
    );
    // A header-only file imports nothing and is not an error.
    assert_eq!(import(&app, token, HEADER, None).await, outcome(0, 0, json!([]), false));
    assert_eq!(app.count(COUNT).await, 8);
}

#[tokio::test]
async fn bom_crlf_quoted_fields_extra_columns_any_column_order_and_blank_lines_are_accepted() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let november = budget(&app, token, "November", "2026-11-01", "2026-11-30", &["Food"]).await;
    let food = category(&november, "Food");

    // Physical lines: 1 header, 2 row, 3 blank, 4-5 one row (a quoted line break in an
    // ignored column), 6 row, 7-8 blank, 9 row without a final line end.
    let file = |tea_type: &str, last_amount: &str| {
        format!(
            "\u{feff}Date,Notes,Category,TYPE, Amount ,Description\r\n\
             2026-11-02,\"first, with comma\",Food,expense,12.50,\"Coffee, large\"\r\n\
             \r\n\
             2026-11-25,\"two\r\nlines\",,Income,1000,\"Salary \"\"November\"\"\"\r\n\
             2026-11-03,,\"food\",{tea_type},3.5,  Tea  \r\n\
             \r\n\
             \r\n\
             2026-11-04,x,Food,expense,{last_amount},\"Padded, quoted\""
        )
    };

    // The same layout with a bad row: the error carries the physical line number (the
    // blank line and the quoted line break count). Blank lines right before a bad row are
    // covered by `a_bad_rows_line_number_counts_the_blank_lines_before_it`.
    let result = import(&app, token, &file("refund", "7"), None).await;
    assert_eq!(
        result,
        one_error(6, "type: must be income, expense, transfer_in or transfer_out", false)
    );
    assert_eq!(app.count(COUNT).await, 0);

    let result = import(&app, token, &file("EXPENSE", "7"), None).await;
    assert_eq!(result, outcome(4, 0, json!([]), false));
    let food = Some((food.as_str(), "Food"));
    assert_eq!(
        read_back(&app, token).await,
        vec![
            node("2026-11-02", "Coffee, large", "12.50", "EXPENSE", food),
            node("2026-11-03", "Tea", "3.50", "EXPENSE", food),
            node("2026-11-04", "Padded, quoted", "7.00", "EXPENSE", food),
            node("2026-11-25", "Salary \"November\"", "1000.00", "INCOME", None),
        ]
    );
}

// Blank lines before a bad row count toward its line number, with LF and CRLF alike.
#[tokio::test]
async fn a_bad_rows_line_number_counts_the_blank_lines_before_it() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let cases = [
        (
            "date,description,amount,type\n2026-11-01,a,1.00,expense\n\n2026-11-01,b,1.001,expense\n",
            4,
        ),
        (
            "date,description,amount,type\n2026-11-01,a,1.00,expense\n\n\n2026-11-01,b,1.001,expense\n",
            5,
        ),
        ("date,description,amount,type\n\n\n2026-11-01,b,1.001,expense\n", 4),
        (
            "date,description,amount,type\r\n2026-11-01,a,1.00,expense\r\n\r\n2026-11-01,b,1.001,expense\r\n",
            4,
        ),
        (
            "date,description,amount,type\r\n2026-11-01,a,1.00,expense\r\n\r\n\r\n2026-11-01,b,1.001,expense\r\n",
            5,
        ),
    ];
    let mut wrong = Vec::new();
    for (data, line) in cases {
        let result = import(&app, &user.access_token, data, None).await;
        if result != one_error(line, "amount: must have at most two decimal places", false) {
            wrong.push(format!("{data:?}: expected line {line}, got {}", result["errors"]));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn any_bad_row_means_nothing_is_written_and_the_line_and_problem_are_reported() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    budget(&app, token, "November", "2026-11-01", "2026-11-30", &["Food"]).await;
    record(&app, token, "2026-11-10", "Already there", "5.00", "EXPENSE", None).await;
    assert_eq!(app.count(COUNT).await, 1);

    let too_long = format!("2026-11-03,{},1.00,expense,", "x".repeat(501));
    let cases = [
        ("2026-02-30,Bad date,1.00,expense,", "date: must be YYYY-MM-DD"),
        ("21/11/2026,Bad date,1.00,expense,", "date: must be YYYY-MM-DD"),
        ("2026-11-3,Short date,1.00,expense,", "date: must be YYYY-MM-DD"),
        (
            "1899-12-31,Too old,1.00,expense,",
            "date: must be between 1900-01-01 and 2199-12-31",
        ),
        (
            "2026-11-03,Too precise,12.345,expense,",
            "amount: must have at most two decimal places",
        ),
        ("2026-11-03,Negative,-5.00,expense,", "amount: must be greater than 0"),
        ("2026-11-03,Zero,0,expense,", "amount: must be greater than 0"),
        ("2026-11-03,Zero,0.00,expense,", "amount: must be greater than 0"),
        (
            "2026-11-03,Words,twelve,expense,",
            "amount: must be a decimal number such as \"12.50\"",
        ),
        (
            "2026-11-03,Comma decimal,\"12,50\",expense,",
            "amount: must be a decimal number such as \"12.50\"",
        ),
        (
            "2026-11-03,No amount,,expense,",
            "amount: must be a decimal number such as \"12.50\"",
        ),
        (
            "2026-11-03,Refund,1.00,refund,",
            "type: must be income, expense, transfer_in or transfer_out",
        ),
        (
            "2026-11-03,No type,1.00,,",
            "type: must be income, expense, transfer_in or transfer_out",
        ),
        ("2026-11-03,,1.00,expense,", "description: must not be empty"),
        ("2026-11-03,   ,1.00,expense,", "description: must not be empty"),
        (too_long.as_str(), "description: must be at most 500 characters"),
        (
            "2026-11-03,\"two\nlines\",1.00,expense,",
            "description: must not contain control characters",
        ),
        (
            "2026-11-03,Trip,1.00,expense,Travel",
            "category: you have no budget category named \"Travel\"",
        ),
        (
            "2026-13-01,,0,refund,Food",
            "date: must be YYYY-MM-DD; description: must not be empty; amount: must be greater than 0; type: must be income, expense, transfer_in or transfer_out",
        ),
    ];
    for (bad, message) in cases {
        // Valid rows come first: they are not written either.
        let data =
            format!("{HEADER}\n2026-11-01,Valid one,10.00,expense,Food\n2026-11-02,Valid two,20.00,income,\n{bad}\n");
        for dry_run in [None, Some(true)] {
            let result = import(&app, token, &data, dry_run).await;
            assert_eq!(result, one_error(4, message, dry_run == Some(true)), "{bad}");
            assert_eq!(app.count(COUNT).await, 1, "{bad}");
        }
    }

    // Every bad line is listed, sorted by line, whatever the kind of problem.
    let data = [
        HEADER,
        "2026-11-01,Fine,1.00,expense,",
        "2026-11-02,Unknown category,1.00,expense,Travel",
        "2026-11-03,Fine too,2.00,income,Food",
        "2026-11-04,Too precise,1.001,expense,",
        "2026-11-05,Another unknown,1.00,expense,Gym",
    ]
    .join("\n");
    let result = import(&app, token, &data, None).await;
    assert_eq!(
        result,
        outcome(
            0,
            0,
            json!([
                { "line": 3, "message": "category: you have no budget category named \"Travel\"" },
                { "line": 5, "message": "amount: must have at most two decimal places" },
                { "line": 6, "message": "category: you have no budget category named \"Gym\"" },
            ]),
            false
        )
    );
    assert_eq!(app.count(COUNT).await, 1);
}

#[tokio::test]
async fn a_write_that_fails_part_way_rolls_the_whole_import_back() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    record(&app, token, "2026-11-10", "Already there", "5.00", "EXPENSE", None).await;
    // A trigger makes the database refuse one row in the second 1,000-row INSERT.
    let backend = app.db.get_database_backend();
    let trigger = if backend == sea_orm::DbBackend::Postgres {
        "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN IF NEW.description = 'Boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER refuse_boom BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION refuse_boom();"
    } else {
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON transactions WHEN NEW.description = 'Boom' \
         BEGIN SELECT RAISE(ABORT, 'boom'); END;"
    };
    app.db.execute_unprepared(trigger).await.expect("create the trigger");

    let data = format!("{HEADER}\n{}2026-12-31,Boom,1.00,expense,\n", rows(1_500, 100));
    let response = app
        .post_graphql(
            json!({ "query": IMPORT, "variables": { "input": { "format": "CSV", "data": data } } }),
            Some(token),
        )
        .await;
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(error_code(&body), "INTERNAL_SERVER_ERROR", "{body}");
    assert_eq!(app.count(COUNT).await, 1, "the first 1,000 rows were rolled back");

    // Without the offending row the same file imports whole.
    let data = format!("{HEADER}\n{}", rows(1_500, 100));
    assert_eq!(
        import(&app, token, &data, None).await,
        outcome(1_500, 0, json!([]), false)
    );
    assert_eq!(app.count(COUNT).await, 1_501);
}

#[tokio::test]
async fn a_file_without_the_required_columns_too_large_or_with_too_many_rows_is_refused_whole() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    record(&app, token, "2026-11-10", "Already there", "5.00", "EXPENSE", None).await;

    let refused = |body: &Value, message: &str| {
        assert_eq!(error_code(body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(body), ["input.data"], "{body}");
        let actual = body["errors"][0]["extensions"]["fields"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(actual.contains(message), "{actual:?} should contain {message:?}");
    };

    for (data, message) in [
        (
            "when,what,amount,type\n2026-11-01,Lunch,1.00,expense\n".to_owned(),
            "missing: date,description",
        ),
        (
            "date,description,amount\n2026-11-01,Lunch,1.00\n".to_owned(),
            "missing: type",
        ),
        (
            "2026-11-01,Lunch,1.00,expense\n".to_owned(),
            "missing: date,description,amount,type",
        ),
        (String::new(), "missing: date,description,amount,type"),
    ] {
        for dry_run in [None, Some(true)] {
            let body = import_body(&app, token, &data, dry_run).await;
            refused(&body, message);
            assert_eq!(app.count(COUNT).await, 1, "{data}");
        }
    }

    // Exactly 8 MB is accepted (checked with a dry run); one byte more is not. The size
    // comes from an ignored column, so only the size is wrong.
    let limit = 8 * 1024 * 1024;
    let head = "date,description,amount,type,notes\n";
    let mut data = head.to_owned();
    let mut i = 0;
    while data.len() < limit {
        let row = format!("2026-11-01,Big {i},1.00,expense,");
        let remaining = limit - data.len();
        let padding = if remaining > row.len() + 1 + 10_000 + 100 {
            10_000
        } else {
            remaining - row.len() - 1
        };
        data.push_str(&row);
        data.push_str(&"n".repeat(padding));
        data.push('\n');
        i += 1;
    }
    assert_eq!(data.len(), limit);
    let result = import(&app, token, &data, Some(true)).await;
    assert_eq!(result, outcome(i, 0, json!([]), true));
    data.insert(head.len(), '\n');
    assert_eq!(data.len(), limit + 1);
    for dry_run in [None, Some(true)] {
        let body = import_body(&app, token, &data, dry_run).await;
        refused(&body, "8 MB");
    }
    assert_eq!(app.count(COUNT).await, 1);

    // 100,000 data rows are accepted (checked with a dry run); 100,001 are not.
    let many = format!("{HEADER}\n{}", rows(100_000, 500));
    let result = import(&app, token, &many, Some(true)).await;
    assert_eq!(result, outcome(100_000, 0, json!([]), true));
    let too_many = format!("{many}2026-12-31,One too many,1.00,expense,\n");
    for dry_run in [None, Some(true)] {
        let body = import_body(&app, token, &too_many, dry_run).await;
        refused(&body, "100000 rows");
    }
    assert_eq!(app.count(COUNT).await, 1);
}

#[tokio::test]
async fn a_dry_run_reports_what_the_import_would_do_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    budget(&app, token, "November", "2026-11-01", "2026-11-30", &["Food"]).await;
    record(&app, token, "2026-11-01", "Coffee", "3.20", "EXPENSE", None).await;

    let data = [
        HEADER,
        "2026-11-01,Coffee,3.20,expense,",
        "2026-11-02,Lunch,12.00,expense,Food",
        "2026-11-03,Salary,1500.00,income,",
    ]
    .join("\n");
    let dry = import(&app, token, &data, Some(true)).await;
    assert_eq!(dry, outcome(2, 1, json!([]), true));
    assert_eq!(app.count(COUNT).await, 1);
    assert_eq!(read_back(&app, token).await.len(), 1);

    // The real import then does exactly what the dry run said; dryRun false is the default.
    let real = import(&app, token, &data, None).await;
    assert_eq!(real, outcome(2, 1, json!([]), false));
    assert_eq!(app.count(COUNT).await, 3);
    // An explicit dryRun: false writes too (here: nothing new, all duplicates).
    assert_eq!(
        import(&app, token, &data, Some(false)).await,
        outcome(0, 3, json!([]), false)
    );
    assert_eq!(app.count(COUNT).await, 3);

    // Errors are the same with and without dryRun, and nothing is written either way.
    let bad = format!("{data}\n2026-11-04,Bad,1.001,expense,\n2026-11-05,Trip,9.00,expense,Travel");
    let expected_errors = json!([
        { "line": 5, "message": "amount: must have at most two decimal places" },
        { "line": 6, "message": "category: you have no budget category named \"Travel\"" },
    ]);
    assert_eq!(
        import(&app, token, &bad, Some(true)).await,
        outcome(0, 0, expected_errors.clone(), true)
    );
    assert_eq!(
        import(&app, token, &bad, None).await,
        outcome(0, 0, expected_errors, false)
    );
    assert_eq!(app.count(COUNT).await, 3);
}

#[tokio::test]
async fn rows_already_in_the_account_are_skipped_as_duplicates_counting_identical_rows() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    budget(&app, token, "November", "2026-11-01", "2026-11-30", &["Food"]).await;

    // Two genuine identical coffees in one file both import.
    let data = [
        HEADER,
        "2026-11-01,Coffee,3.20,expense,Food",
        "2026-11-01,Coffee,3.20,expense,Food",
        "2026-11-01,Coffee,3.20,income,Food",
        "2026-11-02,Coffee,3.20,expense,Food",
        "2026-11-01,Coffee,3.21,expense,Food",
        "2026-11-01,coffee,3.20,expense,Food",
    ]
    .join("\n");
    assert_eq!(import(&app, token, &data, None).await, outcome(6, 0, json!([]), false));
    assert_eq!(app.count(COUNT).await, 6);

    // Importing the same file again adds nothing; every row is a duplicate (also in a dry run).
    assert_eq!(
        import(&app, token, &data, Some(true)).await,
        outcome(0, 6, json!([]), true)
    );
    assert_eq!(import(&app, token, &data, None).await, outcome(0, 6, json!([]), false));
    assert_eq!(app.count(COUNT).await, 6);

    // A third identical coffee is new: the account holds only two of them.
    let three = format!("{data}\n2026-11-01,Coffee,3.20,expense,Food");
    assert_eq!(import(&app, token, &three, None).await, outcome(1, 6, json!([]), false));
    assert_eq!(app.count(COUNT).await, 7);

    // A transaction recorded through the API makes the matching row a duplicate: same
    // date, amount (4.5 = 4.50), description and type (any case), whatever the category.
    record(&app, token, "2026-11-20", "Book", "4.50", "EXPENSE", None).await;
    let data = [
        HEADER,
        "2026-11-20,Book,4.5,EXPENSE,Food",
        "2026-11-20,Book,4.50,income,",
        "2026-11-21,Book,4.50,expense,",
    ]
    .join("\n");
    assert_eq!(import(&app, token, &data, None).await, outcome(2, 1, json!([]), false));
    assert_eq!(app.count(COUNT).await, 10);
    let books: Vec<(String, String)> = read_back(&app, token)
        .await
        .iter()
        .filter(|t| t["description"] == "Book")
        .map(|t| {
            (
                t["transactionDate"].as_str().unwrap_or_default().to_owned(),
                t["type"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        books,
        [
            ("2026-11-20".to_owned(), "EXPENSE".to_owned()),
            ("2026-11-20".to_owned(), "INCOME".to_owned()),
            ("2026-11-21".to_owned(), "EXPENSE".to_owned()),
        ]
    );
}

#[tokio::test]
async fn an_import_only_sees_the_callers_own_categories_and_transactions() {
    let app = TestApp::spawn().await;
    let me = app.register_and_login().await;
    let other = app.register_and_login().await;
    let theirs = budget(
        &app,
        &other.access_token,
        "Theirs",
        "2026-11-01",
        "2026-11-30",
        &["Travel", "Food"],
    )
    .await;
    let mine = budget(&app, &me.access_token, "Mine", "2026-11-01", "2026-11-30", &["Food"]).await;
    record(
        &app,
        &other.access_token,
        "2026-11-01",
        "Coffee",
        "3.20",
        "EXPENSE",
        None,
    )
    .await;

    // Their "Travel" is not mine to match.
    let data = format!("{HEADER}\n2026-11-01,Coffee,3.20,expense,\n2026-11-02,Train,40.00,expense,Travel\n");
    assert_eq!(
        import(&app, &me.access_token, &data, None).await,
        one_error(3, "category: you have no budget category named \"Travel\"", false)
    );
    assert_eq!(app.count(COUNT).await, 1);

    // "Food" goes to my Food, never theirs (theirs is newer); their coffee does not make
    // mine a duplicate.
    let data = format!("{HEADER}\n2026-11-01,Coffee,3.20,expense,Food\n");
    let newer = budget(
        &app,
        &other.access_token,
        "Theirs too",
        "2026-11-01",
        "2026-11-30",
        &["Food"],
    )
    .await;
    assert_eq!(
        import(&app, &me.access_token, &data, None).await,
        outcome(1, 0, json!([]), false)
    );
    let food = category(&mine, "Food");
    assert_eq!(
        read_back(&app, &me.access_token).await,
        vec![node(
            "2026-11-01",
            "Coffee",
            "3.20",
            "EXPENSE",
            Some((food.as_str(), "Food"))
        )]
    );
    assert_eq!(
        read_back(&app, &other.access_token).await,
        vec![node("2026-11-01", "Coffee", "3.20", "EXPENSE", None)]
    );
    for their_food in [category(&theirs, "Food"), category(&newer, "Food")] {
        let body = app
            .gql(
                "query($id: ID!) { budgetCategory(id: $id) { transactions { totalCount } } }",
                json!({ "id": their_food }),
                Some(&other.access_token),
            )
            .await;
        assert_eq!(
            body["data"]["budgetCategory"]["transactions"]["totalCount"], 0,
            "{body}"
        );
    }
}

#[tokio::test]
async fn import_and_export_require_a_signed_in_caller() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            IMPORT,
            json!({ "input": { "format": "CSV", "data": format!("{HEADER}\n2026-11-01,Coffee,3.20,expense,\n") } }),
            None,
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(app.count(COUNT).await, 0);
    let body = app.gql(EXPORT, json!({ "format": "CSV" }), None).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

// A row's message names an unknown category together with its other bad columns.
#[tokio::test]
async fn a_row_error_names_an_unknown_category_along_with_its_other_bad_columns() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let data = format!("{HEADER}\n2026-11-03,Trip,1.001,expense,Travel\n");
    assert_eq!(
        import(&app, &user.access_token, &data, None).await,
        one_error(
            2,
            "amount: must have at most two decimal places; category: you have no budget category named \"Travel\"",
            false
        )
    );
}

// ---------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------

/// A user with a few varied transactions; returns (budget, food id, rent id).
async fn seed_for_export(app: &TestApp, token: &str) -> (Value, String, String) {
    let november = budget(app, token, "November", "2026-11-01", "2026-11-30", &["Food", "Rent"]).await;
    let (food, rent) = (category(&november, "Food"), category(&november, "Rent"));
    record(app, token, "2026-11-03", "Flat", "950.00", "EXPENSE", Some(&rent)).await;
    record(app, token, "2026-11-01", "Coffee, large", "3.5", "EXPENSE", Some(&food)).await;
    record(app, token, "2026-11-02", "He said \"hi\"", "12.00", "EXPENSE", None).await;
    record(app, token, "2026-11-02", "Salary", "2500", "INCOME", None).await;
    record(
        app,
        token,
        "2026-11-04",
        "COFFEE beans",
        "15.99",
        "EXPENSE",
        Some(&food),
    )
    .await;
    (november, food, rent)
}

#[tokio::test]
async fn the_csv_export_lists_the_transactions_oldest_first_in_the_documented_format() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    assert_eq!(
        export(&app, token, Value::Null, "CSV").await,
        format!("{EXPORT_HEADER}\n")
    );
    assert_eq!(export(&app, token, Value::Null, "JSON").await, "[]");
    seed_for_export(&app, token).await;

    assert_eq!(
        export(&app, token, Value::Null, "CSV").await,
        [
            EXPORT_HEADER.to_owned(),
            format!("2026-11-01,\"Coffee, large\",3.50,expense,Food{MAIN_USD}"),
            format!("2026-11-02,\"He said \"\"hi\"\"\",12.00,expense,{MAIN_USD}"),
            format!("2026-11-02,Salary,2500.00,income,{MAIN_USD}"),
            format!("2026-11-03,Flat,950.00,expense,Rent{MAIN_USD}"),
            format!("2026-11-04,COFFEE beans,15.99,expense,Food{MAIN_USD}"),
            String::new(),
        ]
        .join("\n")
    );
    assert_eq!(
        export_json(&app, token, Value::Null).await,
        json!([
            { "date": "2026-11-01", "description": "Coffee, large", "amount": "3.50", "type": "expense", "category": "Food", "account": "Main", "currency": "USD", "payee": null, "cleared": "uncleared", "splits": [], "transfer": null },
            { "date": "2026-11-02", "description": "He said \"hi\"", "amount": "12.00", "type": "expense", "category": null, "account": "Main", "currency": "USD", "payee": null, "cleared": "uncleared", "splits": [], "transfer": null },
            { "date": "2026-11-02", "description": "Salary", "amount": "2500.00", "type": "income", "category": null, "account": "Main", "currency": "USD", "payee": null, "cleared": "uncleared", "splits": [], "transfer": null },
            { "date": "2026-11-03", "description": "Flat", "amount": "950.00", "type": "expense", "category": "Rent", "account": "Main", "currency": "USD", "payee": null, "cleared": "uncleared", "splits": [], "transfer": null },
            { "date": "2026-11-04", "description": "COFFEE beans", "amount": "15.99", "type": "expense", "category": "Food", "account": "Main", "currency": "USD", "payee": null, "cleared": "uncleared", "splits": [], "transfer": null },
        ])
    );
}

#[tokio::test]
async fn csv_and_json_exports_honour_the_filter() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let (november, food, _) = seed_for_export(&app, token).await;
    let other = app.register_and_login().await;
    seed_for_export(&app, &other.access_token).await;

    let cases = [
        (
            json!({}),
            vec!["Coffee, large", "He said \"hi\"", "Salary", "Flat", "COFFEE beans"],
        ),
        (
            json!({ "from": "2026-11-02", "to": "2026-11-03" }),
            vec!["He said \"hi\"", "Salary", "Flat"],
        ),
        (json!({ "type": "INCOME" }), vec!["Salary"]),
        (
            json!({ "type": "EXPENSE", "from": "2026-11-03" }),
            vec!["Flat", "COFFEE beans"],
        ),
        (json!({ "categoryId": food }), vec!["Coffee, large", "COFFEE beans"]),
        (
            json!({ "budgetId": id_of(&november) }),
            vec!["Coffee, large", "Flat", "COFFEE beans"],
        ),
        (json!({ "uncategorized": true }), vec!["He said \"hi\"", "Salary"]),
        (
            json!({ "uncategorized": false }),
            vec!["Coffee, large", "Flat", "COFFEE beans"],
        ),
        (json!({ "search": "coffee" }), vec!["Coffee, large", "COFFEE beans"]),
        (
            json!({ "minAmount": "12", "maxAmount": "950" }),
            vec!["He said \"hi\"", "Flat", "COFFEE beans"],
        ),
    ];
    for (filter, expected) in cases {
        let csv = export(&app, token, filter.clone(), "CSV").await;
        assert_eq!(csv_descriptions(&csv), expected, "CSV {filter}");
        let json = export_json(&app, token, filter.clone()).await;
        let descriptions: Vec<&str> = json
            .as_array()
            .expect("array")
            .iter()
            .map(|t| t["description"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(descriptions, expected, "JSON {filter}");
    }

    // An invalid filter is refused like anywhere else.
    let body = app
        .gql(
            EXPORT,
            json!({ "filter": { "from": "2026-11-05", "to": "2026-11-01" }, "format": "CSV" }),
            Some(token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["filter.to"]);
}

#[tokio::test]
async fn formula_cells_are_neutralised_on_export_and_restored_on_import() {
    let app = TestApp::spawn().await;
    let a = app.register_and_login().await;
    let b = app.register_and_login().await;
    let structure = [("November", "2026-11-01", "2026-11-30", ["=Fun", "-Misc"])];
    let mut categories = Vec::new();
    for user in [&a, &b] {
        for (name, start, end, names) in structure {
            categories.push(budget(&app, &user.access_token, name, start, end, &names).await);
        }
    }
    let fun = category(&categories[0], "=Fun");
    let misc = category(&categories[0], "-Misc");
    for (description, category) in [
        ("=SUM(A1)", Some(&fun)),
        ("+1", None),
        ("-1", Some(&misc)),
        ("@x", None),
        ("=HYPERLINK(\"http://evil\",\"x\")", None),
        ("Plain", Some(&fun)),
        ("'quoted on purpose", None),
        ("Mid=dle -", None),
    ] {
        record(
            &app,
            &a.access_token,
            "2026-11-05",
            description,
            "1.00",
            "EXPENSE",
            category.map(String::as_str),
        )
        .await;
    }
    let csv = export(&app, &a.access_token, Value::Null, "CSV").await;
    assert_eq!(
        csv,
        [
            EXPORT_HEADER.to_owned(),
            format!("2026-11-05,'=SUM(A1),1.00,expense,'=Fun{MAIN_USD}"),
            format!("2026-11-05,'+1,1.00,expense,{MAIN_USD}"),
            format!("2026-11-05,'-1,1.00,expense,'-Misc{MAIN_USD}"),
            format!("2026-11-05,'@x,1.00,expense,{MAIN_USD}"),
            format!("2026-11-05,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",1.00,expense,{MAIN_USD}"),
            format!("2026-11-05,Plain,1.00,expense,'=Fun{MAIN_USD}"),
            // A real leading apostrophe is doubled, so the import's strip leaves it intact.
            format!("2026-11-05,''quoted on purpose,1.00,expense,{MAIN_USD}"),
            format!("2026-11-05,Mid=dle -,1.00,expense,{MAIN_USD}"),
            String::new(),
        ]
        .join("\n")
    );
    // JSON is data, not a spreadsheet: nothing is prefixed.
    let json_a = export_json(&app, &a.access_token, Value::Null).await;
    assert_eq!(json_a[0]["description"], "=SUM(A1)");
    assert_eq!(json_a[0]["category"], "=Fun");
    assert_eq!(json_a[2]["description"], "-1");

    // Re-imported into another account with the same category names: restored exactly.
    assert_eq!(
        import(&app, &b.access_token, &csv, None).await,
        outcome(8, 0, json!([]), false)
    );
    assert_eq!(export_json(&app, &b.access_token, Value::Null).await, json_a);
    assert_eq!(export(&app, &b.access_token, Value::Null, "CSV").await, csv);
    let fun_b = category(&categories[1], "=Fun");
    let restored = read_back(&app, &b.access_token).await;
    assert_eq!(
        restored[0],
        node(
            "2026-11-05",
            "=SUM(A1)",
            "1.00",
            "EXPENSE",
            Some((fun_b.as_str(), "=Fun"))
        )
    );
}

// A description that really begins with an apostrophe survives export -> import (export
// prefixes it like a formula cell, import strips exactly one).
#[tokio::test]
async fn a_description_starting_with_an_apostrophe_survives_export_and_import() {
    let app = TestApp::spawn().await;
    let a = app.register_and_login().await;
    let b = app.register_and_login().await;
    for description in ["'=literal", "'-5 off", "'+1"] {
        record(
            &app,
            &a.access_token,
            "2026-11-05",
            description,
            "1.00",
            "EXPENSE",
            None,
        )
        .await;
    }
    let csv = export(&app, &a.access_token, Value::Null, "CSV").await;
    assert_eq!(
        import(&app, &b.access_token, &csv, None).await,
        outcome(3, 0, json!([]), false)
    );
    assert_eq!(
        export_json(&app, &b.access_token, Value::Null).await,
        export_json(&app, &a.access_token, Value::Null).await
    );
}

#[tokio::test]
async fn an_export_of_more_than_50000_rows_is_refused_but_the_download_streams_them_all() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    // A file of exactly 50,000 rows imports; one more row comes in a second file.
    let data = format!("{HEADER}\n{}", rows(50_000, 500));
    assert_eq!(
        import(&app, token, &data, None).await,
        outcome(50_000, 0, json!([]), false)
    );
    assert_eq!(
        import(&app, token, &format!("{HEADER}\n2027-12-31,Last,1.00,expense,\n"), None).await,
        outcome(1, 0, json!([]), false)
    );
    assert_eq!(app.count(COUNT).await, 50_001);

    for format in ["CSV", "JSON"] {
        let body = app.gql(EXPORT, json!({ "format": format }), Some(token)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_fields(&body), ["filter"]);
    }
    // Narrowed by a filter, the export works again.
    let narrowed = export(&app, token, json!({ "from": "2026-01-02" }), "CSV").await;
    assert_eq!(csv_descriptions(&narrowed).len(), 50_001 - 500);

    let response = download(&app, Some(token), &[]).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    let descriptions = csv_descriptions(&text);
    assert_eq!(descriptions.len(), 50_001);
    assert_eq!(descriptions.first().map(String::as_str), Some("Row 00000"));
    assert_eq!(descriptions.last().map(String::as_str), Some("Last"));
}

// ---------------------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------------------

const MONTHS: [&str; 5] = ["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"];
const MONTHLY_CATEGORIES: [&str; 4] = ["Food", "Rent", "=Fun", "Salary"];
const DESCRIPTIONS: [&str; 14] = [
    "Groceries",
    "Coffee, large",
    "He said \"hi\", twice",
    "=SUM(A1)",
    "-1 refund",
    "+44 phone bill",
    "@home delivery",
    "Café crème ☕",
    "'quoted on purpose",
    "Trailing comma,",
    "\"Fully quoted\"",
    "Semi;colon and = inside",
    "-",
    "Rent",
];

/// The same budgets for any account: one per month with the same four category names, and
/// a yearly "Travel" budget. Returns, per month, its categories' ids by name, and Travel's id.
async fn budget_structure(app: &TestApp, token: &str) -> (Vec<Value>, String) {
    let mut monthly = Vec::new();
    for month in MONTHS {
        let start = NaiveDate::parse_from_str(month, "%Y-%m-%d").expect("date");
        let end = month_end(start).to_string();
        monthly.push(budget(app, token, &format!("Month {month}"), month, &end, &MONTHLY_CATEGORIES).await);
    }
    let yearly = budget(app, token, "Year", "2026-01-01", "2026-12-31", &["Travel"]).await;
    (monthly, category(&yearly, "Travel"))
}

#[tokio::test]
async fn an_export_imported_into_an_account_with_the_same_budgets_reproduces_its_statistics() {
    let app = TestApp::spawn().await;
    let a = app.register_and_login().await;
    let (monthly, travel) = budget_structure(&app, &a.access_token).await;

    let mut rng = Lcg(20_261_105);
    let mut previous: Option<Value> = None;
    for i in 0..200 {
        // Every 25th transaction repeats the one before: identical rows must both survive.
        let input = match previous.take() {
            Some(input) if i % 25 == 0 => input,
            _ => {
                let month = rng.below(MONTHS.len() as u64) as usize;
                let start = NaiveDate::parse_from_str(MONTHS[month], "%Y-%m-%d").expect("date");
                let date = start + Days::new(rng.below(u64::from(month_end(start).day())));
                let income = rng.below(4) == 0;
                let budget = &monthly[month];
                let category_id = if income {
                    (rng.below(2) == 0).then(|| category(budget, "Salary"))
                } else {
                    match rng.below(5) {
                        0 => Some(category(budget, "Food")),
                        1 => Some(category(budget, "Rent")),
                        2 => Some(category(budget, "=Fun")),
                        3 => Some(travel.clone()),
                        _ => None,
                    }
                };
                let cents = rng.below(99_999) + 1;
                let mut description = DESCRIPTIONS[rng.below(DESCRIPTIONS.len() as u64) as usize].to_owned();
                if rng.below(2) == 0 {
                    description.push_str(&format!(" #{i}"));
                }
                json!({
                    "amount": format!("{}.{:02}", cents / 100, cents % 100),
                    "description": description,
                    "transactionDate": date.to_string(),
                    "type": if income { "INCOME" } else { "EXPENSE" },
                    "categoryId": category_id,
                })
            }
        };
        create_transaction(&app, &a.access_token, input.clone()).await;
        previous = Some(input);
    }
    let stats_a = stats(&app, &a.access_token).await;
    assert_eq!(stats_a["all"]["count"], 200, "{stats_a}");
    let food_rows = stats_a["all"]["byCategory"]
        .as_array()
        .expect("byCategory")
        .iter()
        .filter(|c| c["category"]["name"] == "Food")
        .count();
    assert!(food_rows >= 3, "several same-name categories take part: {stats_a}");

    let csv = export(&app, &a.access_token, Value::Null, "CSV").await;
    assert_eq!(csv_records(&csv).len(), 201);

    let b = app.register_and_login().await;
    budget_structure(&app, &b.access_token).await;
    assert_eq!(
        import(&app, &b.access_token, &csv, None).await,
        outcome(200, 0, json!([]), false)
    );
    assert_eq!(stats(&app, &b.access_token).await, stats_a);
    // Row for row the same, and importing the file again changes nothing.
    assert_eq!(export(&app, &b.access_token, Value::Null, "CSV").await, csv);
    assert_eq!(
        import(&app, &b.access_token, &csv, None).await,
        outcome(0, 200, json!([]), false)
    );
    assert_eq!(stats(&app, &b.access_token).await, stats_a);
    assert_eq!(app.count(COUNT).await, 400);
}

// ---------------------------------------------------------------------------------------
// Streamed download
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_download_needs_a_valid_token_and_answers_401_otherwise() {
    let app = TestApp::spawn().await;
    for token in [None, Some("not-a-jwt"), Some("")] {
        let response = download(&app, token, &[]).await;
        assert_eq!(response.status(), 401, "{token:?}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
    // One user's claims with another token's signature are refused too.
    let (one, two) = (app.register_and_login().await, app.register_and_login().await);
    let claims = one.access_token.rsplit_once('.').expect("a JWT").0;
    let signature = two.access_token.rsplit_once('.').expect("a JWT").1;
    let response = download(&app, Some(&format!("{claims}.{signature}")), &[]).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    // While the genuine token is let in.
    assert_eq!(download(&app, Some(&one.access_token), &[]).await.status(), 200);
}

#[tokio::test]
async fn the_download_is_the_csv_export_as_an_attachment_with_the_same_filters() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let (november, food, _) = seed_for_export(&app, token).await;
    let other = app.register_and_login().await;
    let (_, their_food, _) = seed_for_export(&app, &other.access_token).await;

    let response = download(&app, Some(token), &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"transactions.csv\""
    );
    let text = response.text().await.expect("body");
    assert_eq!(text, export(&app, token, Value::Null, "CSV").await);
    assert_eq!(csv_descriptions(&text).len(), 5);

    let budget_id = id_of(&november);
    let cases = [
        (
            vec![("from", "2026-11-02"), ("to", "2026-11-03")],
            json!({ "from": "2026-11-02", "to": "2026-11-03" }),
            vec!["He said \"hi\"", "Salary", "Flat"],
        ),
        (vec![("type", "INCOME")], json!({ "type": "INCOME" }), vec!["Salary"]),
        (
            vec![("type", "EXPENSE"), ("from", "2026-11-03")],
            json!({ "type": "EXPENSE", "from": "2026-11-03" }),
            vec!["Flat", "COFFEE beans"],
        ),
        (
            vec![("categoryId", food.as_str())],
            json!({ "categoryId": food }),
            vec!["Coffee, large", "COFFEE beans"],
        ),
        (
            vec![("budgetId", budget_id.as_str())],
            json!({ "budgetId": budget_id }),
            vec!["Coffee, large", "Flat", "COFFEE beans"],
        ),
        (
            vec![("uncategorized", "true")],
            json!({ "uncategorized": true }),
            vec!["He said \"hi\"", "Salary"],
        ),
        (
            vec![("uncategorized", "false")],
            json!({ "uncategorized": false }),
            vec!["Coffee, large", "Flat", "COFFEE beans"],
        ),
        (
            vec![("search", "coffee")],
            json!({ "search": "coffee" }),
            vec!["Coffee, large", "COFFEE beans"],
        ),
        (
            vec![("minAmount", "12"), ("maxAmount", "950")],
            json!({ "minAmount": "12", "maxAmount": "950" }),
            vec!["He said \"hi\"", "Flat", "COFFEE beans"],
        ),
        // Another user's category selects nothing of theirs.
        (
            vec![("categoryId", their_food.as_str())],
            json!({ "categoryId": their_food }),
            vec![],
        ),
    ];
    for (params, filter, expected) in cases {
        let response = download(&app, Some(token), &params).await;
        assert_eq!(response.status(), 200, "{params:?}");
        let text = response.text().await.expect("body");
        assert_eq!(csv_descriptions(&text), expected, "{params:?}");
        assert_eq!(text, export(&app, token, filter, "CSV").await, "{params:?}");
    }

    for (params, field) in [
        (vec![("from", "yesterday")], "from"),
        (vec![("to", "2026-13-01")], "to"),
        (vec![("type", "REFUND")], "type"),
        (vec![("minAmount", "1.00001")], "minAmount"),
        (vec![("maxAmount", "lots")], "maxAmount"),
        (vec![("from", "2026-11-05"), ("to", "2026-11-01")], "filter.to"),
        (vec![("uncategorized", "maybe")], "query"),
    ] {
        let response = download(&app, Some(token), &params).await;
        assert_eq!(response.status(), 400, "{params:?}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{params:?}: {body}");
        assert_eq!(error_fields(&body), [field], "{params:?}: {body}");
    }
}

#[tokio::test]
async fn a_download_of_more_than_one_page_arrives_complete_in_order_and_only_with_the_callers_rows() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = &user.access_token;
    let other = app.register_and_login().await;
    // 300 rows a day: the 1,000-row page boundaries fall inside a day, where the order
    // continues by id.
    let data = format!("{HEADER}\n{}", rows(2_500, 300));
    assert_eq!(
        import(&app, token, &data, None).await,
        outcome(2_500, 0, json!([]), false)
    );
    let theirs = format!("{HEADER}\n{}", rows(1_200, 300).replace("Row ", "Theirs "));
    assert_eq!(
        import(&app, &other.access_token, &theirs, None).await,
        outcome(1_200, 0, json!([]), false)
    );

    let response = download(&app, Some(token), &[]).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    let records = csv_records(&text);
    assert_eq!(records.len(), 2_501, "one header and every row");
    assert_eq!(records[0].join(","), EXPORT_HEADER);
    let expected: Vec<String> = data.lines().skip(1).map(|line| format!("{line}{MAIN_USD}")).collect();
    let actual: Vec<String> = records[1..].iter().map(|r| r.join(",")).collect();
    assert_eq!(actual, expected, "every row once, in order");
    assert_eq!(text.matches(HEADER).count(), 1);
    assert!(!text.contains("Theirs"));
    assert_eq!(text, export(&app, token, Value::Null, "CSV").await);

    // Filtered across pages too.
    let response = download(&app, Some(token), &[("type", "income"), ("from", "2026-01-04")]).await;
    let descriptions = csv_descriptions(&response.text().await.expect("body"));
    let expected: Vec<String> = (900..2_500)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("Row {i:05}"))
        .collect();
    assert_eq!(descriptions, expected);

    // The other user's download has only theirs.
    let response = download(&app, Some(&other.access_token), &[]).await;
    let descriptions = csv_descriptions(&response.text().await.expect("body"));
    assert_eq!(descriptions.len(), 1_200);
    assert!(descriptions.iter().all(|d| d.starts_with("Theirs ")));
}
