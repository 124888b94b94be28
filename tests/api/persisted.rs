//! Persisted documents: Automatic Persisted Queries as Apollo's persisted-query link speaks
//! them (hash first, the document only when the server asks for it, GET for hashed queries),
//! shared between instances through Redis; and the trusted-documents mode, where only the
//! manifest's documents run.

use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{TestApp, error_code};

const ME: &str = "query Me { me { email } }";

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value, token: &str) -> Value {
    let response = app.post_graphql(body, Some(token)).await;
    assert_eq!(
        response.status(),
        200,
        "application/json answers 200, errors in the body"
    );
    response.json().await.expect("json")
}

/// `GET /graphql?extensions=...` with the hash alone, as the link's `useGETForHashedQueries`.
async fn get_hashed(app: &TestApp, hash: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/graphql"))
        .query(&[
            ("extensions", persisted(hash).to_string()),
            ("operationName", "Me".into()),
        ])
        .header(ACCEPT, "application/json")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn an_unknown_hash_is_not_found_until_the_document_is_sent_with_it() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let hash = sha256(ME);

    let first = post(&app, json!({ "extensions": persisted(&hash) }), &user.access_token).await;
    assert_eq!(error_code(&first), "PERSISTED_QUERY_NOT_FOUND", "{first}");
    assert_eq!(first["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(first.get("data").is_none());

    let registered = post(
        &app,
        json!({ "query": ME, "extensions": persisted(&hash) }),
        &user.access_token,
    )
    .await;
    assert_eq!(registered["data"]["me"]["email"], user.email, "{registered}");

    let by_hash = post(&app, json!({ "extensions": persisted(&hash) }), &user.access_token).await;
    assert_eq!(by_hash, registered, "the hash alone now runs the same document");

    let over_get = get_hashed(&app, &hash, &user.access_token).await;
    assert_eq!(over_get.status(), 200);
    let over_get: Value = over_get.json().await.expect("json");
    assert_eq!(over_get, registered);
}

#[tokio::test]
async fn a_hash_that_does_not_match_its_document_is_refused_and_not_stored() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let wrong = sha256("query Other { me { id } }");
    let body = post(
        &app,
        json!({ "query": ME, "extensions": persisted(&wrong) }),
        &user.access_token,
    )
    .await;
    assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
    let later = post(&app, json!({ "extensions": persisted(&wrong) }), &user.access_token).await;
    assert_eq!(error_code(&later), "PERSISTED_QUERY_NOT_FOUND", "{later}");

    // A document refused by the limits is not remembered either.
    let unparsable = "query Broken { me { ";
    let refused = post(
        &app,
        json!({ "query": unparsable, "extensions": persisted(&sha256(unparsable)) }),
        &user.access_token,
    )
    .await;
    assert_eq!(error_code(&refused), "GRAPHQL_PARSE_FAILED", "{refused}");
    let again = post(
        &app,
        json!({ "extensions": persisted(&sha256(unparsable)) }),
        &user.access_token,
    )
    .await;
    assert_eq!(error_code(&again), "PERSISTED_QUERY_NOT_FOUND", "{again}");

    // A malformed request, like any other malformed body, is a 400.
    let version = app
        .post_graphql(
            json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256(ME) } } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(version.status(), 400);
    let version: Value = version.json().await.expect("json");
    assert_eq!(error_code(&version), "BAD_REQUEST", "{version}");
}

#[tokio::test]
async fn a_persisted_mutation_still_never_runs_over_get() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let mutation = "mutation Me { logout(refreshToken: \"nothing\") }";
    let hash = sha256(mutation);
    let registered = post(
        &app,
        json!({ "query": mutation, "extensions": persisted(&hash) }),
        &user.access_token,
    )
    .await;
    assert_eq!(registered["data"]["logout"], false, "{registered}");
    assert_eq!(get_hashed(&app, &hash, &user.access_token).await.status(), 405);
}

/// Instances sharing a Redis share what any of them has seen. CI sets TEST_REDIS_URL.
#[tokio::test]
async fn instances_sharing_redis_share_persisted_queries() {
    let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TEST_REDIS_URL is not set: skipping the shared persisted-query test");
        return;
    };
    let prefix = format!("test-{}", Uuid::now_v7().simple());
    let vars = [("REDIS_URL", url.as_str()), ("REDIS_PREFIX", prefix.as_str())];
    let first = TestApp::spawn_with(&vars).await;
    let second = TestApp::spawn_with(&vars).await;
    // Each instance has its own database here: a document that needs no data of it, and that no
    // other test registers, so only this test's own write can make it known.
    let user = first.register_and_login().await;
    let query = format!("query Shared {{ __typename }} # {prefix}");
    let hash = sha256(&query);
    let unknown = post(&second, json!({ "extensions": persisted(&hash) }), &user.access_token).await;
    assert_eq!(error_code(&unknown), "PERSISTED_QUERY_NOT_FOUND");
    let registered = post(
        &first,
        json!({ "query": query, "extensions": persisted(&hash) }),
        &user.access_token,
    )
    .await;
    assert_eq!(registered, json!({ "data": { "__typename": "Query" } }));
    let shared = post(&second, json!({ "extensions": persisted(&hash) }), &user.access_token).await;
    assert_eq!(shared, registered, "known on the other instance");
}

/// A manifest as graphql-codegen's client preset writes it, in a temp file.
pub fn manifest(documents: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("persisted-documents.json");
    let entries: serde_json::Map<String, Value> = documents
        .iter()
        .map(|d| (sha256(d), Value::String((*d).to_owned())))
        .collect();
    std::fs::write(&path, Value::Object(entries).to_string()).expect("write manifest");
    let path = path.display().to_string();
    (dir, path)
}

/// The sign-up document of a trusted manifest.
pub const REGISTER: &str =
    "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken user { email } } }";

/// Signs up on a trusted-documents server by `documentId` (REGISTER must be in its manifest);
/// the email and the access token.
pub async fn sign_up_trusted(app: &TestApp) -> (String, String) {
    let email = format!("trusted-{}@example.com", Uuid::now_v7().simple());
    let signed_up = app
        .post_graphql(
            json!({ "documentId": format!("sha256:{}", sha256(REGISTER)), "variables": { "input": {
                "email": email, "password": crate::helpers::PASSWORD, "firstName": "T", "lastName": "D" } } }),
            None,
        )
        .await
        .json::<Value>()
        .await
        .expect("json");
    let token = signed_up["data"]["register"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("register by documentId: {signed_up}"))
        .to_owned();
    (email, token)
}

#[tokio::test]
async fn trusted_documents_mode_runs_only_the_manifests_documents() {
    let (_dir, path) = manifest(&[ME, REGISTER]);
    let app = TestApp::spawn_with(&[("GRAPHQL_TRUSTED_DOCUMENTS", path.as_str())]).await;
    let (email, token) = sign_up_trusted(&app).await;

    let by_hash = post(&app, json!({ "extensions": persisted(&sha256(ME)) }), &token).await;
    assert_eq!(by_hash["data"]["me"]["email"], email, "{by_hash}");
    let by_text = post(&app, json!({ "query": ME }), &token).await;
    assert_eq!(by_text, by_hash, "the text of a trusted document runs too");

    let unknown_text = post(&app, json!({ "query": "{ me { id email } }" }), &token).await;
    assert_eq!(error_code(&unknown_text), "FORBIDDEN", "{unknown_text}");
    let other = "query Other { me { id } }";
    let registering = post(
        &app,
        json!({ "query": other, "extensions": persisted(&sha256(other)) }),
        &token,
    )
    .await;
    assert_eq!(
        error_code(&registering),
        "FORBIDDEN",
        "no registering in trusted mode: {registering}"
    );
    let unknown_hash = post(&app, json!({ "extensions": persisted(&sha256(other)) }), &token).await;
    assert_eq!(error_code(&unknown_hash), "PERSISTED_QUERY_NOT_FOUND", "{unknown_hash}");
    let mismatched = post(
        &app,
        json!({ "query": other, "extensions": persisted(&sha256(ME)) }),
        &token,
    )
    .await;
    assert_eq!(error_code(&mismatched), "FORBIDDEN", "{mismatched}");
}

#[tokio::test]
async fn an_unreadable_manifest_stops_start_up() {
    let config = crate::helpers::test_config(&[("GRAPHQL_TRUSTED_DOCUMENTS", "/nonexistent/manifest.json")]);
    let database = crate::helpers::TestDatabase::create().await;
    let db = smartsave::foundation::db::connect_with(database.options(&config))
        .await
        .expect("connect");
    smartsave::foundation::db::migrate(&db).await.expect("migrate");
    let failed = smartsave::Application::with_database(config, db).await;
    let message = failed.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("GRAPHQL_TRUSTED_DOCUMENTS"), "{message}");
}

#[tokio::test]
async fn the_typed_client_examples_manifest_runs_by_hash_in_trusted_mode() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/typescript-client/persisted-documents.json"
    );
    let manifest: std::collections::HashMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the example ships its manifest")).expect("JSON");
    let app = TestApp::spawn_with(&[("GRAPHQL_TRUSTED_DOCUMENTS", path)]).await;
    let id_of = |operation: &str| {
        manifest
            .iter()
            .find(|(_, document)| document.contains(operation))
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("{operation} is in the manifest"))
    };
    let body = |response: reqwest::Response| async move { response.json::<Value>().await.expect("json") };

    let login = app
        .post_graphql(
            json!({ "documentId": id_of("mutation Login("), "variables": { "input": { "email": "nobody@example.com", "password": "Wrong1password" } } }),
            None,
        )
        .await;
    let login = body(login).await;
    assert_eq!(error_code(&login), "UNAUTHENTICATED", "ran and answered: {login}");
    assert_eq!(login["errors"][0]["message"], "Invalid email or password");

    let dashboard = body(
        app.post_graphql(json!({ "documentId": id_of("query Dashboard") }), None)
            .await,
    )
    .await;
    assert_eq!(
        error_code(&dashboard),
        "UNAUTHENTICATED",
        "ran and answered: {dashboard}"
    );

    let as_written = include_str!("../../examples/typescript-client/operations/dashboard.graphql");
    let refused = body(app.post_graphql(json!({ "query": as_written }), None).await).await;
    assert_eq!(
        error_code(&refused),
        "FORBIDDEN",
        "only the manifest's printed documents: {refused}"
    );
}
