//! Abuse limits: every oversized, over-deep, over-complex or over-aliased request is refused
//! with QUERY_TOO_COMPLEX before any resolver or SQL runs; batching is opt-in and bounded;
//! production hides introspection, GraphiQL and suggestions.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

/// Posts `query` as `user` and returns the body and the SQL statements it caused.
async fn refused(app: &TestApp, token: &str, query: &str) -> (Value, u64) {
    let (response, statements) = app
        .statements_during(app.post_graphql(json!({ "query": query }), Some(token)))
        .await;
    (response.json().await.expect("json"), statements)
}

#[tokio::test]
async fn each_limit_refuses_with_query_too_complex_before_any_sql() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let aliases: String = (0..16).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let directives = "{ me @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) { id } }";
    // Depth 11: one level past the limit of 10.
    let deep = "{ transactions { nodes { category { budget { categories { transactions { nodes { category { budget { categories { id } } } } } } } } } } }";
    let expensive =
        "{ transactions(first: 100) { nodes { category { transactions(first: 100) { nodes { id description } } } } } }";
    let big = format!("{{ me {{ id }} }} #{}", "x".repeat(33 * 1024));
    let many_tokens = format!("{{ {} }}", "__typename ".repeat(2_001));
    let cases = [
        ("aliases", format!("{{ {aliases} }}")),
        ("directives", directives.to_owned()),
        ("depth", deep.to_owned()),
        ("complexity", expensive.to_owned()),
        ("document size", big),
        ("tokens", many_tokens),
    ];
    for (limit, query) in cases {
        let (body, statements) = refused(&app, &user.access_token, &query).await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{limit}: {body}");
        assert!(body.get("data").is_none(), "{limit}: a request error has no data");
        assert_eq!(statements, 0, "{limit}: refused before any SQL");
    }
}

#[tokio::test]
async fn requests_just_inside_the_limits_run() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let aliases: String = (0..15).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let body = app
        .gql(&format!("{{ {aliases} }}"), json!({}), Some(&user.access_token))
        .await;
    assert_eq!(body["data"]["a14"]["id"], user.id.as_str(), "{body}");
    let two = "{ me @include(if: true) @skip(if: false) { id } }";
    assert!(app.gql(two, json!({}), Some(&user.access_token)).await["data"]["me"].is_object());
    let depth_ten = "{ transactions { nodes { category { budget { categories { transactions { nodes { category { budget { id } } } } } } } } } }";
    assert!(app.gql(depth_ten, json!({}), Some(&user.access_token)).await["data"]["transactions"].is_object());
    let tokens = format!("{{ {} }}", "__typename ".repeat(1_990));
    assert_eq!(
        app.gql(&tokens, json!({}), Some(&user.access_token)).await["data"]["__typename"],
        "Query"
    );
}

#[tokio::test]
async fn limits_are_configurable() {
    let app = TestApp::spawn_with(&[("GRAPHQL_MAX_ALIASES", "1"), ("GRAPHQL_MAX_DEPTH", "3")]).await;
    let user = app.register_and_login().await;
    let two_aliases = app
        .gql("{ a: me { id } b: me { id } }", json!({}), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&two_aliases), "QUERY_TOO_COMPLEX");
    let deep = app
        .gql(
            "{ budgets { nodes { categories { id } } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&deep), "QUERY_TOO_COMPLEX");
    assert!(app.gql("{ me { id } }", json!({}), Some(&user.access_token)).await["data"]["me"].is_object());
}

#[tokio::test]
async fn batches_are_refused_unless_enabled_and_then_bounded() {
    let app = TestApp::spawn().await;
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let refused = app.post_graphql(batch.clone(), None).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(error_code(&refused.json().await.expect("json")), "BAD_REQUEST");

    let app = TestApp::spawn_with(&[("GRAPHQL_MAX_BATCH", "3")]).await;
    let user = app.register_and_login().await;
    let three = json!([{ "query": "{ __typename }" }, { "query": "{ me { id } }" }, { "query": "{ nope }" }]);
    let response = app.post_graphql(three, Some(&user.access_token)).await;
    assert_eq!(response.status(), 200);
    let results: Value = response.json().await.expect("json");
    assert_eq!(results[0]["data"]["__typename"], "Query");
    assert_eq!(results[1]["data"]["me"]["id"], user.id.as_str());
    assert_eq!(
        results[2]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let four = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    assert_eq!(app.post_graphql(four, None).await.status(), 400);
    assert_eq!(app.post_graphql(json!([]), None).await.status(), 400);
}

const PRODUCTION: [(&str, &str); 1] = [("APP_ENV", "production")];

#[tokio::test]
async fn production_hides_introspection_graphiql_and_suggestions() {
    let app = TestApp::spawn_with(&PRODUCTION).await;
    // With introspection off, async-graphql answers __schema and __type with null.
    let introspection = app.gql("{ __schema { queryType { name } } }", json!({}), None).await;
    assert_eq!(introspection["data"]["__schema"], Value::Null, "{introspection}");

    let graphiql = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(graphiql.status(), 404);
    let asset = app
        .client
        .get(app.url("/graphiql/3.9.0/graphiql.min.js"))
        .send()
        .await
        .expect("request");
    assert_eq!(asset.status(), 404, "GraphiQL's assets are off with GraphiQL");

    let user = app.register_and_login().await;
    let typo = app.gql("{ me { emai } }", json!({}), Some(&user.access_token)).await;
    assert_eq!(error_code(&typo), "GRAPHQL_VALIDATION_FAILED");
    assert!(!typo.to_string().contains("Did you mean"), "{typo}");

    let opened = TestApp::spawn_with(&[
        ("APP_ENV", "production"),
        ("GRAPHQL_INTROSPECTION", "true"),
        ("GRAPHIQL_ENABLED", "true"),
    ])
    .await;
    let body = opened.gql("{ __schema { queryType { name } } }", json!({}), None).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let page = opened
        .client
        .get(opened.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn development_suggests_field_names() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let typo = app.gql("{ me { emai } }", json!({}), Some(&user.access_token)).await;
    assert!(typo.to_string().contains("Did you mean"), "{typo}");
}
