//! Browser sessions (cookie mode): the refresh token as an HttpOnly cookie on the GraphQL
//! path, read back only from allowed origins, rotated on refresh and cleared on sign-out;
//! bearer clients see no change.

use reqwest::header;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, error_code};

const APP_ORIGIN: &str = "https://app.example.com";

async fn spawn() -> TestApp {
    TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", APP_ORIGIN)]).await
}

/// POSTs `query` with extra headers; returns the status, the `Set-Cookie` values and the body.
async fn post(app: &TestApp, query: &str, variables: Value, headers: &[(&str, &str)]) -> (u16, Vec<String>, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(json!({ "query": query, "variables": variables }).to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    (status, cookies, response.json().await.expect("JSON body"))
}

/// The refresh token a `Set-Cookie` value carries (empty when it clears the cookie).
fn cookie_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.strip_prefix("smartsave_refresh=").expect("the refresh cookie")
}

async fn register_in_cookie_mode(app: &TestApp) -> (String, String) {
    let email = format!("browser-{}@example.com", Uuid::now_v7().simple());
    let (status, cookies, body) = post(
        app,
        "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken expiresIn } }",
        json!({ "input": { "email": email, "password": PASSWORD, "firstName": "B", "lastName": "Rowser" } }),
        &[("x-session-mode", "cookie"), ("origin", APP_ORIGIN)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let payload = &body["data"]["register"];
    assert!(payload["accessToken"].is_string(), "{body}");
    assert_eq!(
        payload["refreshToken"],
        Value::Null,
        "cookie mode keeps the token out of the body"
    );
    assert_eq!(cookies.len(), 1, "one Set-Cookie: {cookies:?}");
    (
        payload["accessToken"].as_str().expect("access token").to_owned(),
        cookies[0].clone(),
    )
}

const REFRESH_BY_COOKIE: &str = "mutation { refreshToken { accessToken refreshToken } }";

#[tokio::test]
async fn cookie_mode_sets_an_http_only_strict_cookie_on_the_graphql_path() {
    let app = spawn().await;
    let (access_token, set_cookie) = register_in_cookie_mode(&app).await;
    let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    for expected in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/graphql"] {
        assert!(attributes.contains(&expected), "{expected} missing from {set_cookie}");
    }
    let max_age: u64 = attributes
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age="))
        .and_then(|s| s.parse().ok())
        .expect("Max-Age");
    assert_eq!(
        max_age,
        30 * 24 * 3600,
        "the refresh token's lifetime (REFRESH_TOKEN_TTL default)"
    );
    assert!(!cookie_value(&set_cookie).is_empty());
    // The access token is an ordinary bearer token.
    let me = app.gql("{ me { email } }", json!({}), Some(&access_token)).await;
    assert!(me["data"]["me"]["email"].is_string(), "{me}");

    // Login asks the same way.
    let email = me["data"]["me"]["email"].as_str().expect("email").to_owned();
    let (_, cookies, body) = post(
        &app,
        "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }",
        json!({ "input": { "email": email, "password": PASSWORD } }),
        &[("x-session-mode", "cookie")],
    )
    .await;
    assert_eq!(body["data"]["login"]["refreshToken"], Value::Null, "{body}");
    assert_eq!(cookies.len(), 1);
    assert_ne!(
        cookie_value(&cookies[0]),
        cookie_value(&set_cookie),
        "a new session, a new token"
    );
}

#[tokio::test]
async fn refresh_by_cookie_rotates_it_and_the_old_cookie_stops_working() {
    let app = spawn().await;
    let (_, first) = register_in_cookie_mode(&app).await;
    let cookie = format!("smartsave_refresh={}", cookie_value(&first));
    let (status, cookies, body) = post(
        &app,
        REFRESH_BY_COOKIE,
        json!({}),
        &[("cookie", &cookie), ("origin", APP_ORIGIN)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access_token = body["data"]["refreshToken"]["accessToken"]
        .as_str()
        .expect("access token");
    assert_eq!(body["data"]["refreshToken"]["refreshToken"], Value::Null, "{body}");
    assert_eq!(cookies.len(), 1, "a rotated cookie");
    let rotated = cookie_value(&cookies[0]).to_owned();
    assert!(!rotated.is_empty());
    assert_ne!(rotated, cookie_value(&first));
    let me = app.gql("{ me { id } }", json!({}), Some(access_token)).await;
    assert!(me["data"]["me"]["id"].is_string(), "{me}");

    // The rotated cookie works once more; the first one is spent (and presenting it again
    // ends the session, as with a body token).
    let (_, _, again) = post(
        &app,
        REFRESH_BY_COOKIE,
        json!({}),
        &[
            ("cookie", &format!("smartsave_refresh={rotated}")),
            ("origin", APP_ORIGIN),
        ],
    )
    .await;
    assert!(again["data"]["refreshToken"]["accessToken"].is_string(), "{again}");
    let (_, cleared, reused) = post(
        &app,
        REFRESH_BY_COOKIE,
        json!({}),
        &[("cookie", &cookie), ("origin", APP_ORIGIN)],
    )
    .await;
    assert_eq!(error_code(&reused), "UNAUTHENTICATED", "{reused}");
    assert_eq!(cleared.len(), 1, "a dead cookie is cleared");
    assert_eq!(cookie_value(&cleared[0]), "");
    assert!(cleared[0].contains("Max-Age=0"), "{}", cleared[0]);
}

#[tokio::test]
async fn the_cookie_is_read_only_from_an_allowed_origin() {
    let app = spawn().await;
    let (_, first) = register_in_cookie_mode(&app).await;
    let cookie = format!("smartsave_refresh={}", cookie_value(&first));
    for origin in [Some("https://evil.example"), None] {
        let mut headers = vec![("cookie", cookie.as_str())];
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        let (_, cookies, body) = post(&app, REFRESH_BY_COOKIE, json!({}), &headers).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "origin {origin:?}: {body}");
        assert!(cookies.is_empty(), "nothing set or cleared for a refused request");
        let (_, _, logout) = post(&app, "mutation { logout }", json!({}), &headers).await;
        assert_eq!(error_code(&logout), "FORBIDDEN", "origin {origin:?}: {logout}");
    }
    // Refused requests spent nothing: the cookie still works from the app's origin.
    let (_, _, body) = post(
        &app,
        REFRESH_BY_COOKIE,
        json!({}),
        &[("cookie", &cookie), ("origin", APP_ORIGIN)],
    )
    .await;
    assert!(body["data"]["refreshToken"]["accessToken"].is_string(), "{body}");
}

#[tokio::test]
async fn without_argument_or_cookie_refresh_is_unauthenticated() {
    let app = spawn().await;
    let (_, _, body) = post(&app, REFRESH_BY_COOKIE, json!({}), &[("origin", APP_ORIGIN)]).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

#[tokio::test]
async fn logout_by_cookie_ends_the_session_and_clears_the_cookie() {
    let app = spawn().await;
    let (_, first) = register_in_cookie_mode(&app).await;
    let cookie = format!("smartsave_refresh={}", cookie_value(&first));
    let headers = [("cookie", cookie.as_str()), ("origin", APP_ORIGIN)];
    let (_, cookies, body) = post(&app, "mutation { logout }", json!({}), &headers).await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    assert_eq!(cookies.len(), 1);
    assert_eq!(cookie_value(&cookies[0]), "", "cleared: {}", cookies[0]);
    assert!(cookies[0].contains("Max-Age=0"));
    let (_, _, after) = post(&app, REFRESH_BY_COOKIE, json!({}), &headers).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED", "{after}");
}

#[tokio::test]
async fn bearer_clients_keep_the_token_in_the_body_and_get_no_cookie() {
    let app = spawn().await;
    let user = app.register_and_login().await;
    let (status, cookies, body) = post(
        &app,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
        json!({ "t": user.refresh_token }),
        &[("origin", APP_ORIGIN)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["data"]["refreshToken"]["refreshToken"].is_string(), "{body}");
    assert!(cookies.is_empty(), "{cookies:?}");
    // A body token asked for in cookie mode moves into the cookie.
    let (_, cookies, body) = post(
        &app,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }",
        json!({ "t": body["data"]["refreshToken"]["refreshToken"] }),
        &[("x-session-mode", "cookie")],
    )
    .await;
    assert_eq!(body["data"]["refreshToken"]["refreshToken"], Value::Null, "{body}");
    assert_eq!(cookies.len(), 1);
}

#[tokio::test]
async fn cross_origin_browsers_may_send_credentials_and_the_session_header() {
    let app = spawn().await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", APP_ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-session-mode")
        .send()
        .await
        .expect("preflight");
    let get = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    assert_eq!(get("access-control-allow-origin"), APP_ORIGIN);
    assert_eq!(get("access-control-allow-credentials"), "true");
    assert!(
        get("access-control-allow-headers").contains("x-session-mode"),
        "{}",
        get("access-control-allow-headers")
    );
}

#[tokio::test]
async fn a_sign_in_inside_a_batch_still_sets_its_cookie() {
    let app = TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", APP_ORIGIN), ("GRAPHQL_MAX_BATCH", "3")]).await;
    let user = app.register_and_login().await;
    let login = json!({
        "query": "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }",
        "variables": { "input": { "email": user.email, "password": PASSWORD } },
    });
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-session-mode", "cookie")
        .body(json!([{ "query": "{ __typename }" }, login]).to_string())
        .send()
        .await
        .expect("request");
    let cookies: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body[1]["data"]["login"]["refreshToken"], Value::Null, "{body}");
    assert_eq!(cookies.len(), 1, "the batch's response carries the cookie: {cookies:?}");
    // The cookie works: the session was not lost with the body's token.
    let cookie = format!("smartsave_refresh={}", cookie_value(&cookies[0]));
    let (_, _, refreshed) = post(
        &app,
        REFRESH_BY_COOKIE,
        json!({}),
        &[("cookie", &cookie), ("origin", APP_ORIGIN)],
    )
    .await;
    assert!(
        refreshed["data"]["refreshToken"]["accessToken"].is_string(),
        "{refreshed}"
    );
}
