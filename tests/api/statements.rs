//! Bank statement imports: the four formats from fixtures in their real shape, duplicates by
//! the bank's id or amount:date:occurrence, matches with hand-entered transactions, rules on
//! import, and `revertImport`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_account, create_budget, create_transaction, error_code, error_fields};

const OFX_SGML: &[u8] = include_bytes!("../../src/foundation/bank_files/fixtures/checking-1.02-sgml.ofx");
const QFX_XML: &[u8] = include_bytes!("../../src/foundation/bank_files/fixtures/card-2.2-xml.qfx");
const QIF: &[u8] = include_bytes!("../../src/foundation/bank_files/fixtures/checking.qif");
const CAMT: &[u8] = include_bytes!("../../src/foundation/bank_files/fixtures/statement.camt053.xml");
const SPARKASSE: &[u8] = include_bytes!("../../src/foundation/bank_files/fixtures/sparkasse.csv");

const IMPORT: &str = "mutation($input: ImportStatementInput!) { importStatement(input: $input) {
  dryRun alreadyImported
  batch { id format fileName fileHash imported duplicates matched errors revertedAt account { id } }
  rows { entry status date amount type payee description message transactionId categoryId ruleId } } }";

/// The file as a browser would hand it over as text: decoded from the bank's encoding.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

async fn import(app: &TestApp, user: &TestUser, input: Value) -> Value {
    let body = app
        .gql(IMPORT, json!({ "input": input }), Some(&user.access_token))
        .await;
    assert!(body["data"]["importStatement"].is_object(), "{body}");
    body["data"]["importStatement"].clone()
}

fn statuses(result: &Value) -> Vec<(i64, String)> {
    result["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["entry"].as_i64().expect("entry"),
                r["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(i64, &str)]) -> Vec<(i64, String)> {
    list.iter().map(|(n, s)| (*n, (*s).to_owned())).collect()
}

async fn euro_account(app: &TestApp, user: &TestUser) -> String {
    create_account(
        app,
        &user.access_token,
        json!({ "name": "Girokonto", "kind": "CHECKING", "currency": "EUR" }),
    )
    .await
}

async fn transactions_of(app: &TestApp, user: &TestUser, account: Option<&str>) -> Vec<Value> {
    let body = app
        .gql(
            "query($a: ID) { transactions(first: 100, filter: { accountId: $a }, orderBy: { field: TRANSACTION_DATE, direction: ASC }) {
               edges { node { id amount type payee description transactionDate cleared category { id } } } } }",
            json!({ "a": account }),
            Some(&user.access_token),
        )
        .await;
    body["data"]["transactions"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn an_ofx_file_imports_once_and_identical_coffees_stay_two() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let input = json!({ "format": "OFX", "data": text(OFX_SGML), "fileName": "checking.ofx" });

    let dry = import(
        &app,
        &user,
        json!({ "dryRun": true, "format": "OFX", "data": text(OFX_SGML) }),
    )
    .await;
    assert_eq!(dry["dryRun"], true);
    assert!(dry["batch"].is_null());
    assert_eq!(statuses(&dry), pairs(&[(1, "NEW"), (2, "NEW"), (3, "NEW"), (4, "NEW")]));
    assert!(
        transactions_of(&app, &user, None).await.is_empty(),
        "a dry run writes nothing"
    );

    let done = import(&app, &user, input.clone()).await;
    let batch = &done["batch"];
    assert_eq!(
        (
            batch["format"].as_str(),
            batch["fileName"].as_str(),
            batch["imported"].as_i64(),
            batch["duplicates"].as_i64()
        ),
        (Some("OFX"), Some("checking.ofx"), Some(4), Some(0))
    );
    let rows = done["rows"].as_array().expect("rows");
    assert_eq!(
        (
            rows[0]["date"].as_str(),
            rows[0]["amount"].as_str(),
            rows[0]["type"].as_str(),
            rows[0]["payee"].as_str()
        ),
        (Some("2026-11-02"), Some("4.75"), Some("EXPENSE"), Some("Café Olé"))
    );
    assert_eq!(rows[1]["description"], "Salary & bonus");
    let stored = transactions_of(&app, &user, None).await;
    let coffees: Vec<&Value> = stored.iter().filter(|t| t["payee"] == "COFFEE CART").collect();
    assert_eq!(
        coffees.len(),
        2,
        "two identical coffees on one day are two transactions"
    );
    assert!(stored.iter().all(|t| t["cleared"] == "CLEARED"), "the bank has them");
    let income: Vec<&str> = stored
        .iter()
        .filter(|t| t["type"] == "INCOME")
        .map(|t| t["amount"].as_str().expect("amount"))
        .collect();
    assert_eq!(income, ["2500.00"]);

    // The same file again: nothing happens, and the earlier batch is named.
    let again = import(&app, &user, input).await;
    assert_eq!(again["alreadyImported"], true);
    assert_eq!(again["batch"]["id"], batch["id"]);
    assert_eq!(again["rows"], json!([]));
    assert_eq!(transactions_of(&app, &user, None).await.len(), 4);

    // A later statement overlapping this one (another file: one more entry) adds only that.
    let later = text(OFX_SGML).replace(
        "</BANKTRANLIST>",
        "<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>20261114\n<TRNAMT>-12.00\n<FITID>20261114-001\n<NAME>BOOKSHOP\n</STMTTRN>\n</BANKTRANLIST>",
    );
    let overlap = import(&app, &user, json!({ "format": "OFX", "data": later })).await;
    assert_eq!(
        statuses(&overlap),
        pairs(&[
            (1, "DUPLICATE"),
            (2, "DUPLICATE"),
            (3, "DUPLICATE"),
            (4, "DUPLICATE"),
            (5, "NEW")
        ])
    );
    let ids: Vec<&str> = stored.iter().map(|t| t["id"].as_str().expect("id")).collect();
    for row in &overlap["rows"].as_array().expect("rows")[..4] {
        assert!(
            ids.contains(&row["transactionId"].as_str().expect("duplicate of")),
            "{row}"
        );
    }
    assert_eq!(transactions_of(&app, &user, None).await.len(), 5);
}

#[tokio::test]
async fn a_rule_files_an_amazon_purchase_from_a_card_statement_under_shopping() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let card = euro_account(&app, &user).await;
    let budget = create_budget(
        &app,
        &user.access_token,
        json!({ "name": "November", "amount": "500.00", "currency": "EUR", "period": "MONTHLY", "startDate": "2026-11-01",
                "endDate": "2026-11-30", "categories": [{ "name": "Shopping", "amount": "200.00" }] }),
    )
    .await;
    let shopping = budget["categories"][0]["id"].as_str().expect("id").to_owned();
    let body = app
        .gql(
            "mutation($c: ID!) { createRule(input: { name: \"Amazon\",
               conditions: [{ payee: { operator: STARTS_WITH, value: \"amazon mktpl*\" } }],
               actions: [{ categoryId: $c }, { payee: \"Amazon\" }] }) { id } }",
            json!({ "c": shopping }),
            Some(&user.access_token),
        )
        .await;
    let rule = body["data"]["createRule"]["id"].as_str().expect("rule").to_owned();

    // The card statement is in EUR: the default (USD) account will not take it.
    let body = app
        .gql(
            IMPORT,
            json!({ "input": { "format": "OFX", "data": text(QFX_XML) } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.accountId"]);

    let done = import(
        &app,
        &user,
        json!({ "format": "OFX", "data": text(QFX_XML), "accountId": card }),
    )
    .await;
    assert_eq!(statuses(&done), pairs(&[(1, "NEW"), (2, "ERROR"), (3, "NEW")]));
    let rows = done["rows"].as_array().expect("rows");
    assert_eq!(
        (
            rows[0]["categoryId"].as_str(),
            rows[0]["ruleId"].as_str(),
            rows[0]["payee"].as_str()
        ),
        (Some(shopping.as_str()), Some(rule.as_str()), Some("Amazon"))
    );
    assert!(
        rows[1]["message"].as_str().expect("message").contains("twelve"),
        "{}",
        rows[1]
    );
    assert_eq!(
        (done["batch"]["imported"].as_i64(), done["batch"]["errors"].as_i64()),
        (Some(2), Some(1))
    );
    let stored = transactions_of(&app, &user, Some(&card)).await;
    let amazon = stored
        .iter()
        .find(|t| t["payee"] == "Amazon")
        .expect("the Amazon purchase");
    assert_eq!(amazon["category"]["id"], shopping.as_str());
    assert_eq!(amazon["amount"], "23.99");
    let body = app
        .gql(
            "query($b: ID!) { budget(id: $b) { spent } }",
            json!({ "b": budget["id"] }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["budget"]["spent"], "23.99",
        "the import counts in the budget"
    );
}

#[tokio::test]
async fn camt_qif_and_mapped_csv_files_import_from_their_real_shape() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let giro = euro_account(&app, &user).await;

    // CAMT.053: two booked entries (the pending one is not a transaction yet).
    let camt = import(
        &app,
        &user,
        json!({ "format": "CAMT053", "data": text(CAMT), "accountId": giro }),
    )
    .await;
    assert_eq!(statuses(&camt), pairs(&[(1, "NEW"), (3, "NEW")]), "{camt}");
    let rows = camt["rows"].as_array().expect("rows");
    assert_eq!(
        (
            rows[0]["amount"].as_str(),
            rows[0]["type"].as_str(),
            rows[0]["payee"].as_str()
        ),
        (Some("1234.56"), Some("EXPENSE"), Some("Hausverwaltung Müller & Söhne"))
    );
    assert_eq!(
        (rows[1]["amount"].as_str(), rows[1]["type"].as_str()),
        (Some("2500.00"), Some("INCOME"))
    );

    // The bank's CSV export of the same weeks, read through a column mapping (decimal comma,
    // semicolons, a preamble, Windows-1252).
    let columns = json!({ "date": "Buchungstag", "dateFormat": "%d.%m.%Y", "amount": "Betrag",
                          "payee": "Beguenstigter/Zahlungspflichtiger", "description": "Verwendungszweck",
                          "decimalComma": true, "delimiter": ";", "skipLines": 4 });
    let csv = import(
        &app,
        &user,
        json!({ "format": "CSV", "data": text(SPARKASSE), "accountId": giro, "csv": columns, "dryRun": true }),
    )
    .await;
    let found: Vec<(i64, String)> = statuses(&csv);
    assert_eq!(found.len(), 4, "{csv}");
    assert_eq!(found[2], (3, "NEW".to_owned()));
    assert_eq!(found[3], (4, "ERROR".to_owned()), "31.11. is no date");
    let coffee = &csv["rows"][2];
    assert_eq!(
        (coffee["amount"].as_str(), coffee["description"].as_str()),
        (Some("3.20"), Some("Kaffee; zum Mitnehmen"))
    );
    // Another import's transactions are recognised by import id only (YNAB's rule), never
    // fuzzily: this file has no bank ids, so its rent is not taken for the CAMT file's.
    assert_eq!(found[0].1, "NEW");

    // QIF into a dollar account: month-first dates, Quicken's '26 years, a transfer line, a
    // bad date reported and the rest imported.
    let qif = import(&app, &user, json!({ "format": "QIF", "data": text(QIF) })).await;
    assert_eq!(
        statuses(&qif),
        pairs(&[(1, "NEW"), (2, "NEW"), (3, "NEW"), (4, "NEW"), (5, "ERROR")])
    );
    let rows = qif["rows"].as_array().expect("rows");
    assert_eq!(
        (
            rows[0]["date"].as_str(),
            rows[0]["amount"].as_str(),
            rows[0]["payee"].as_str()
        ),
        (Some("2026-11-02"), Some("1234.56"), Some("Landlord Müller"))
    );
    assert_eq!(rows[1]["date"], "2026-11-05");
    assert_eq!(qif["batch"]["errors"], 1);
    // Day-first reading of the same file is a different import of it: its dates differ.
    let body = app
        .gql(
            IMPORT,
            json!({ "input": { "format": "CSV", "data": text(SPARKASSE), "accountId": giro } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_fields(&body), ["input.csv"], "a CSV needs its columns");
}

#[tokio::test]
async fn an_entry_confirming_a_hand_entered_transaction_is_linked_within_the_window() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // Entered by hand two days after the bank's date.
    let hand = create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "4.75", "description": "Coffee", "transactionDate": "2026-11-04", "type": "EXPENSE" }),
    )
    .await;
    let strict = import(
        &app,
        &user,
        json!({ "format": "OFX", "data": text(OFX_SGML), "dryRun": true, "matchWindowDays": 0 }),
    )
    .await;
    assert_eq!(statuses(&strict)[0].1, "NEW", "0 days: same day only");
    let dry = import(
        &app,
        &user,
        json!({ "format": "OFX", "data": text(OFX_SGML), "dryRun": true }),
    )
    .await;
    assert_eq!(statuses(&dry)[0].1, "MATCHED", "the dry run shows the match");
    assert_eq!(dry["rows"][0]["transactionId"], hand.as_str());

    let done = import(&app, &user, json!({ "format": "OFX", "data": text(OFX_SGML) })).await;
    assert_eq!(
        (done["batch"]["imported"].as_i64(), done["batch"]["matched"].as_i64()),
        (Some(3), Some(1))
    );
    let stored = transactions_of(&app, &user, None).await;
    assert_eq!(stored.len(), 4, "linked, not duplicated");
    let mine = stored.iter().find(|t| t["id"] == hand.as_str()).expect("kept");
    assert_eq!(
        mine["description"], "Coffee",
        "a match changes nothing the person wrote"
    );

    for days in [-1, 32] {
        let body = app
            .gql(
                IMPORT,
                json!({ "input": { "format": "OFX", "data": text(OFX_SGML), "matchWindowDays": days } }),
                Some(&user.access_token),
            )
            .await;
        assert_eq!(error_fields(&body), ["input.matchWindowDays"], "{body}");
    }
}

const REVERT: &str = "mutation($id: ID!) { revertImport(id: $id) {
  removed unlinked kept { id description } batch { id revertedAt } } }";

#[tokio::test]
async fn reverting_an_import_removes_exactly_its_transactions_and_keeps_edited_ones() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    let hand = create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "2500.00", "description": "Pay", "transactionDate": "2026-11-05", "type": "INCOME" }),
    )
    .await;
    let unrelated = create_transaction(
        &app,
        &user.access_token,
        json!({ "amount": "3.20", "description": "Coffee at home", "transactionDate": "2026-11-07", "type": "EXPENSE" }),
    )
    .await;
    let done = import(&app, &user, json!({ "format": "OFX", "data": text(OFX_SGML) })).await;
    let batch = done["batch"]["id"].as_str().expect("batch").to_owned();
    // Entry 3 or 4 matched the unrelated coffee (same day, amount): that is what a match is.
    let created: Vec<String> = done["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["status"] == "NEW")
        .map(|r| r["transactionId"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(created.len(), 2, "{done}");
    let body = app
        .gql(
            "mutation($id: ID!) { updateTransaction(id: $id, input: { description: \"Café with Ann\" }) { id } }",
            json!({ "id": created[0] }),
            Some(&user.access_token),
        )
        .await;
    assert!(body["data"]["updateTransaction"].is_object(), "{body}");

    // Not theirs to see or revert.
    let body = app
        .gql(
            "query($id: ID!) { importBatch(id: $id) { id } importBatches { id } }",
            json!({ "id": batch }),
            Some(&other.access_token),
        )
        .await;
    assert_eq!(body["data"], json!({ "importBatch": null, "importBatches": [] }));
    let body = app.gql(REVERT, json!({ "id": batch }), Some(&other.access_token)).await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    let body = app.gql(REVERT, json!({ "id": batch }), Some(&user.access_token)).await;
    let reverted = &body["data"]["revertImport"];
    assert_eq!(reverted["removed"], 1, "{body}");
    assert_eq!(reverted["unlinked"], 2);
    assert_eq!(
        reverted["kept"],
        json!([{ "id": created[0], "description": "Café with Ann" }])
    );
    assert!(reverted["batch"]["revertedAt"].is_string());
    let mut left: Vec<String> = transactions_of(&app, &user, None)
        .await
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect();
    left.sort();
    let mut expected = vec![hand.clone(), unrelated.clone(), created[0].clone()];
    expected.sort();
    assert_eq!(left, expected);

    let body = app.gql(REVERT, json!({ "id": batch }), Some(&user.access_token)).await;
    assert_eq!(error_fields(&body), ["id"], "a batch is reverted once");

    // The file can come in again: the kept one is a duplicate, the unlinked ones match again.
    let again = import(&app, &user, json!({ "format": "OFX", "data": text(OFX_SGML) })).await;
    assert_eq!(again["alreadyImported"], false);
    let kinds: Vec<String> = statuses(&again).into_iter().map(|(_, s)| s).collect();
    assert_eq!(kinds.iter().filter(|s| *s == "DUPLICATE").count(), 1, "{again}");
    assert_eq!(kinds.iter().filter(|s| *s == "MATCHED").count(), 2);
    assert_eq!(kinds.iter().filter(|s| *s == "NEW").count(), 1);
    let body = app
        .gql(
            "{ importBatches { id revertedAt } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    let listed = body["data"]["importBatches"].as_array().expect("batches");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["id"], batch.as_str(), "newest first");
}

/// A GraphQL multipart request (the spec's `operations`, `map` and file parts), written out
/// by hand so the test sends exactly the wire format.
fn multipart(operations: &Value, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----smartsave-test-boundary-7MA4YWxkTrZu0gW".to_owned();
    let map: serde_json::Map<String, Value> = (0..files.len())
        .map(|i| (i.to_string(), json!([format!("variables.input.file")])))
        .collect();
    let mut body = Vec::new();
    let mut part = |headers: String, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"operations\"".into(),
        operations.to_string().as_bytes(),
    );
    part(
        "Content-Disposition: form-data; name=\"map\"".into(),
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (name, bytes)) in files.iter().enumerate() {
        part(
            format!("Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\nContent-Type: text/csv"),
            bytes,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

async fn post_multipart(
    app: &TestApp,
    user: &TestUser,
    operations: &Value,
    files: &[(&str, &[u8])],
    preflight: bool,
) -> (u16, Value) {
    let (boundary, body) = multipart(operations, files);
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("authorization", format!("Bearer {}", user.access_token))
        .body(body);
    if preflight {
        request = request.header("GraphQL-Require-Preflight", "1");
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_file_uploaded_by_the_multipart_spec_imports_from_its_raw_bytes() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let giro = euro_account(&app, &user).await;
    assert!(
        SPARKASSE.contains(&0xfc),
        "the fixture is Windows-1252 bytes (ü is 0xFC)"
    );
    let operations = json!({
        "query": IMPORT,
        "variables": { "input": { "format": "CSV", "file": null, "accountId": giro,
            "csv": { "date": "Buchungstag", "dateFormat": "%d.%m.%Y", "amount": "Betrag",
                     "payee": "Beguenstigter/Zahlungspflichtiger", "description": "Verwendungszweck",
                     "decimalComma": true, "skipLines": 4 } } },
    });

    // A plain form could post this from any site: without the header it is refused.
    let (status, body) = post_multipart(&app, &user, &operations, &[("sparkasse.csv", SPARKASSE)], false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert!(transactions_of(&app, &user, Some(&giro)).await.is_empty());

    let (status, body) = post_multipart(&app, &user, &operations, &[("sparkasse.csv", SPARKASSE)], true).await;
    assert_eq!(status, 200, "{body}");
    let result = &body["data"]["importStatement"];
    assert_eq!(result["batch"]["fileName"], "sparkasse.csv", "{body}");
    assert_eq!(
        (result["batch"]["imported"].as_i64(), result["batch"]["errors"].as_i64()),
        (Some(3), Some(1))
    );
    let payees: Vec<String> = transactions_of(&app, &user, Some(&giro))
        .await
        .iter()
        .map(|t| t["payee"].as_str().expect("payee").to_owned())
        .collect();
    assert_eq!(
        payees,
        ["Hausverwaltung Müller", "ACME GmbH", "Café Eck"],
        "decoded from Windows-1252"
    );

    // The same bytes again are the same file.
    let (_, body) = post_multipart(&app, &user, &operations, &[("again.csv", SPARKASSE)], true).await;
    assert_eq!(body["data"]["importStatement"]["alreadyImported"], true, "{body}");

    // Over 8 MB is refused before any of it is read into an import.
    let big = vec![b'x'; 8 * 1024 * 1024 + 1];
    let (status, body) = post_multipart(&app, &user, &operations, &[("big.csv", &big)], true).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn an_upload_placeholder_without_a_file_or_with_data_too_is_bad_input() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // The placeholder async-graphql writes for a file, typed into a JSON request by hand.
    let body = app
        .gql(
            IMPORT,
            json!({ "input": { "format": "OFX", "file": "#__graphql_file__:0" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_fields(&body), ["input.file"], "{body}");
    let body = app
        .gql(
            IMPORT,
            json!({ "input": { "format": "OFX" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_fields(&body), ["input"], "{body}");
    let operations =
        json!({ "query": IMPORT, "variables": { "input": { "format": "OFX", "data": "x", "file": null } } });
    let (status, body) = post_multipart(&app, &user, &operations, &[("a.ofx", OFX_SGML)], true).await;
    assert_eq!(status, 200);
    assert_eq!(error_fields(&body), ["input"], "{body}");
}

#[tokio::test]
async fn the_same_file_imported_four_times_at_once_is_written_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let input = json!({ "input": { "format": "OFX", "data": text(OFX_SGML) } });
    let send = || app.gql(IMPORT, input.clone(), Some(&user.access_token));
    let bodies = [send(), send(), send(), send()];
    let bodies = futures_util::future::join_all(bodies).await;
    let mut written = 0;
    for body in &bodies {
        let result = &body["data"]["importStatement"];
        if result["alreadyImported"] == false {
            written += 1;
            assert_eq!(result["batch"]["imported"], 4, "{body}");
        } else if result.is_null() {
            // Lost the race inside the database: nothing of it was written.
            assert_eq!(error_code(body), "CONFLICT", "{body}");
        }
    }
    assert_eq!(written, 1, "{bodies:?}");
    assert_eq!(transactions_of(&app, &user, None).await.len(), 4);
    assert_eq!(app.count("SELECT COUNT(*) FROM import_batches").await, 1);
}
