//! GraphQL over HTTP: media types, methods, status codes and error shapes.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post(app: &TestApp, content_type: &str, accept: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().await.expect("request")
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

const PUBLIC_QUERY: &str = r#"{"query":"{ __typename }"}"#;

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::spawn().await;
    let cases = [
        (None, "application/json"),
        (Some("application/json"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (Some("*/*"), "application/json"),
    ];
    for (accept, expected) in cases {
        let response = post(&app, "application/json", accept, PUBLIC_QUERY).await;
        assert_eq!(response.status(), 200, "{accept:?}");
        assert!(
            content_type(&response).starts_with(expected),
            "{accept:?} gave {}",
            content_type(&response)
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["data"]["__typename"], "Query");
    }
    let refused = post(&app, "application/json", Some("text/html"), PUBLIC_QUERY).await;
    assert_eq!(refused.status(), 406);
}

#[tokio::test]
async fn post_bodies_must_be_json_or_a_preflighted_upload() {
    let app = TestApp::spawn().await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/graphql"] {
        let response = post(&app, content_type, None, PUBLIC_QUERY).await;
        assert_eq!(response.status(), 415, "{content_type}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(error_code(&body), "UNSUPPORTED_MEDIA_TYPE");
    }
    // A form can send multipart too: without the preflight header it never executes.
    let response = post(&app, "multipart/form-data; boundary=x", None, PUBLIC_QUERY).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "BAD_REQUEST");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("GraphQL-Require-Preflight")
    );
    let with_charset = post(&app, "application/json; charset=utf-8", None, PUBLIC_QUERY).await;
    assert_eq!(with_charset.status(), 200);
}

#[tokio::test]
async fn malformed_requests_are_400() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"query":"#,
        "not json",
        r#"{"variables":{}}"#,
        r#"{"query":42}"#,
        r#"{"query":"{ __typename }","variables":"x"}"#,
        r#"{"query":"{ __typename }","operationName":7}"#,
        r#"[{"query":"{ __typename }"}]"#,
        r#""just a string""#,
    ] {
        for accept in [None, Some(GRAPHQL_RESPONSE)] {
            let response = post(&app, "application/json", accept, body).await;
            assert_eq!(response.status(), 400, "{body} with {accept:?}");
            let json: Value = response.json().await.expect("json");
            assert_eq!(error_code(&json), "BAD_REQUEST", "{body}");
        }
    }
}

#[tokio::test]
async fn document_errors_are_400_for_graphql_response_json_and_200_for_json() {
    let app = TestApp::spawn().await;
    let cases = [
        (r#"{"query":"{ me { "}"#, "GRAPHQL_PARSE_FAILED"),
        (r#"{"query":"{ me { nope } }"}"#, "GRAPHQL_VALIDATION_FAILED"),
    ];
    for (body, code) in cases {
        let strict = post(&app, "application/json", Some(GRAPHQL_RESPONSE), body).await;
        assert_eq!(strict.status(), 400, "{body}");
        let json: Value = strict.json().await.expect("json");
        assert_eq!(error_code(&json), code);
        assert!(json.get("data").is_none(), "a request error has no data entry: {json}");

        let legacy = post(&app, "application/json", Some("application/json"), body).await;
        assert_eq!(legacy.status(), 200, "{body}");
        assert_eq!(error_code(&legacy.json().await.expect("json")), code);
    }
}

#[tokio::test]
async fn field_errors_keep_200_and_data_even_for_graphql_response_json() {
    let app = TestApp::spawn().await;
    let response = post(
        &app,
        "application/json",
        Some(GRAPHQL_RESPONSE),
        r#"{"query":"{ me { id } }"}"#,
    )
    .await;
    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.expect("json");
    assert_eq!(json["data"], Value::Null);
    assert_eq!(error_code(&json), "UNAUTHENTICATED");
    assert_eq!(json["errors"][0]["path"], json!(["me"]));
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let query = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .expect("request");
    assert_eq!(query.status(), 200);
    assert_eq!(
        query.json::<Value>().await.expect("json")["data"]["__typename"],
        "Query"
    );

    let mutation = "mutation { login(input: { email: \"a@b.co\", password: \"x\" }) { accessToken } }";
    let refused = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", mutation)])
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 405);
    assert_eq!(
        refused.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert_eq!(error_code(&refused.json().await.expect("json")), "METHOD_NOT_ALLOWED");

    let named = "query Q { __typename } mutation M { logout(refreshToken: \"x\") }";
    let chosen = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", named), ("operationName", "M")])
        .send()
        .await
        .expect("request");
    assert_eq!(chosen.status(), 405);
    let allowed = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", named), ("operationName", "Q")])
        .send()
        .await
        .expect("request");
    assert_eq!(allowed.status(), 200);

    let with_variables = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query($x: Boolean!) { __schema @include(if: $x) { queryType { name } } }",
            ),
            ("variables", r#"{"x":true}"#),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(
        with_variables.json::<Value>().await.expect("json")["data"]["__schema"]["queryType"]["name"],
        "Query"
    );

    let no_query = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("request");
    assert_eq!(no_query.status(), 400);
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = TestApp::spawn().await;
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::PATCH] {
        let response = app
            .client
            .request(method.clone(), app.url("/graphql"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405, "{method}");
    }
}

#[tokio::test]
async fn a_browser_get_serves_graphiql() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/html"));
    assert!(response.text().await.expect("body").contains("graphiql"));
}

#[tokio::test]
async fn every_error_carries_a_code_including_limit_errors() {
    let app = TestApp::spawn().await;
    // Depth 11, one past the limit (introspection would be exempt: see introspection.rs).
    let deep = "{ transactions { nodes { category { budget { categories { transactions { nodes { category { budget { categories { id } } } } } } } } } } }";
    let body = app.gql(deep, json!({}), None).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    let unknown_operation = app
        .post_graphql(json!({ "query": "query A { __typename }", "operationName": "B" }), None)
        .await;
    let body: Value = unknown_operation.json().await.expect("json");
    assert!(body["errors"][0]["extensions"]["code"].is_string(), "{body}");
}

#[tokio::test]
async fn invalid_arguments_are_bad_user_input_with_the_field_path() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { firstName } }",
            json!({ "i": { "financialSettings": { "monthlyIncome": "12,50" } } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["field"],
        "input.financialSettings.monthlyIncome"
    );
}

#[tokio::test]
async fn request_ids_are_generated_or_echoed() {
    let app = TestApp::spawn().await;
    let generated = post(&app, "application/json", None, PUBLIC_QUERY).await;
    let id = generated
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a generated request id");
    assert_eq!(id.len(), 36);
    let echoed = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("x-request-id", "client-chosen-id-123")
        .body(PUBLIC_QUERY)
        .send()
        .await
        .expect("request");
    assert_eq!(
        echoed.headers().get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("client-chosen-id-123")
    );
}

#[tokio::test]
async fn internal_errors_are_generic_and_carry_the_request_id() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    // Break the database underneath the service to force an unexpected SQL error.
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE refresh_tokens")
        .await
        .expect("drop");
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("x-request-id", "trace-me-42")
        .body(json!({ "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }", "variables": { "i": { "email": user.email, "password": crate::helpers::PASSWORD } } }).to_string())
        .send()
        .await
        .expect("request");
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(error_code(&body), "INTERNAL_SERVER_ERROR");
    assert_eq!(body["errors"][0]["message"], "Internal server error");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "trace-me-42");
    let lower = text.to_lowercase();
    assert!(
        !lower.contains("refresh_tokens") && !lower.contains("insert") && !lower.contains("sql"),
        "{text}"
    );
}

/// GraphQL's Int is 32-bit. async-graphql range-checks only when a resolver reads the
/// argument, so a field under an empty list (no schedules here) must still refuse it.
#[tokio::test]
async fn ints_outside_32_bits_are_refused_even_where_no_resolver_runs() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let token = Some(user.access_token.as_str());
    let largest = i64::from(i32::MAX);
    let smallest = i64::from(i32::MIN);

    let literal = |first: i64| format!("{{ schedules {{ upcoming(first: {first}) {{ date }} }} }}");
    for edge in [largest, smallest] {
        let body = app.gql(&literal(edge), json!({}), token).await;
        assert_eq!(body["data"]["schedules"], json!([]), "{edge} is an Int: {body}");
    }
    let refused = [
        app.gql(&literal(largest + 1), json!({}), token).await,
        app.gql(&literal(smallest - 1), json!({}), token).await,
        app.gql(
            "query($n: Int!) { schedules { upcoming(first: $n) { date } } }",
            json!({ "n": largest + 1 }),
            token,
        )
        .await,
        app.gql(
            &format!(
                "query($n: Int = {}) {{ schedules {{ upcoming(first: $n) {{ date }} }} }}",
                largest + 1
            ),
            json!({}),
            token,
        )
        .await,
        app.gql(
            &format!(
                "{{ ...F }} fragment F on Query {{ schedules {{ upcoming(first: {}) {{ date }} }} }}",
                smallest - 1
            ),
            json!({}),
            token,
        )
        .await,
        // Inside an input object the resolver would refuse it too, but as a field error after
        // the document was accepted; this is refused before anything runs (no `data`).
        app.gql(
            "mutation($i: CreateScheduleInput!) { createSchedule(input: $i) { id } }",
            json!({ "i": { "description": "Rent", "amount": "10.00", "type": "EXPENSE",
                           "rule": "FREQ=MONTHLY", "startDate": "2026-01-01", "count": largest + 1 } }),
            token,
        )
        .await,
    ];
    for body in refused {
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body.get("data").is_none(), "refused before execution: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM schedules").await, 0);
}
