//! Web security: security headers, CORS allow-list, body limit, request timeout,
//! compression and request-id hygiene.

use std::time::{Duration, Instant};

use reqwest::{Method, header};
use serde_json::json;
use smartsave::{Application, foundation::db};

use crate::helpers::{TestApp, test_config};

fn get<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn graphql(app: &TestApp, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(json!({ "query": "{ __typename }" }).to_string());
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let api = graphql(&app, &[]).await;
    let health = app.client.get(app.url("/health")).send().await.expect("request");
    for response in [&api, &health] {
        assert_eq!(get(response, "x-content-type-options"), Some("nosniff"));
        assert_eq!(get(response, "x-frame-options"), Some("DENY"));
        assert_eq!(get(response, "referrer-policy"), Some("no-referrer"));
        assert_eq!(
            get(response, "content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
        assert_eq!(
            get(response, "strict-transport-security"),
            None,
            "no HSTS over development's plain HTTP"
        );
    }

    let production = TestApp::spawn_with(&[("APP_ENV", "production")]).await;
    let response = graphql(&production, &[]).await;
    assert_eq!(
        get(&response, "strict-transport-security"),
        Some("max-age=63072000; includeSubDomains")
    );
}

#[tokio::test]
async fn graphiql_runs_from_this_origin_only_and_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("request");
    let csp = get(&page, "content-security-policy").expect("csp").to_owned();
    assert!(
        csp.contains("script-src 'self';"),
        "no inline or third-party scripts: {csp}"
    );
    assert!(!csp.contains("https:"), "no CDN: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");

    // Every script and stylesheet the page links is served here, cacheable and typed.
    let html = page.text().await.expect("body");
    let assets: Vec<&str> = html.split('"').filter(|part| part.starts_with("/graphiql/")).collect();
    assert_eq!(assets.len(), 6, "{html}");
    for path in assets {
        let asset = app.client.get(app.url(path)).send().await.expect("asset");
        assert_eq!(asset.status(), 200, "{path}");
        let kind = get(&asset, "content-type").expect("content type").to_owned();
        assert!(
            kind.starts_with("text/javascript") || kind.starts_with("text/css"),
            "{path}: {kind}"
        );
        assert!(
            get(&asset, "cache-control").is_some_and(|c| c.contains("immutable")),
            "{path}"
        );
        assert!(!asset.bytes().await.expect("asset body").is_empty(), "{path}");
    }
    let unknown = app
        .client
        .get(app.url("/graphiql/3.9.0/secrets.js"))
        .send()
        .await
        .expect("asset");
    assert_eq!(unknown.status(), 404);
    let other_version = app
        .client
        .get(app.url("/graphiql/1.0.0/init.js"))
        .send()
        .await
        .expect("asset");
    assert_eq!(other_version.status(), 404);
}

#[tokio::test]
async fn browsers_may_call_only_from_allowed_origins() {
    let app = TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", "https://app.example.com")]).await;
    let allowed = graphql(&app, &[("origin", "https://app.example.com")]).await;
    assert_eq!(
        get(&allowed, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(get(&allowed, "access-control-expose-headers").is_some_and(|h| h.contains("x-request-id")));
    let other = graphql(&app, &[("origin", "https://evil.example")]).await;
    assert_eq!(get(&other, "access-control-allow-origin"), None);

    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/graphql"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key",
        )
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert!(get(&preflight, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    let headers = get(&preflight, "access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("idempotency-key"),
        "{headers}"
    );

    let closed = TestApp::spawn().await;
    let response = graphql(&closed, &[("origin", "https://app.example.com")]).await;
    assert_eq!(
        get(&response, "access-control-allow-origin"),
        None,
        "no origins configured, no cross-origin access"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let huge = format!(
        "{{\"query\":\"{{ __typename }}\",\"extensions\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(21 * 1024 * 1024)
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    // The server may answer 413 or cut the upload short; either way nothing is processed.
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_ask() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("request");
    assert_eq!(get(&page, "content-encoding"), Some("br"));
    let query = "{ __schema { types { name fields { name } } } }";
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .body(json!({ "query": query }).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(get(&response, "content-encoding"), Some("gzip"));
    let plain = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(json!({ "query": query }).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(get(&plain, "content-encoding"), None);
}

#[tokio::test]
async fn unusable_request_ids_are_replaced() {
    let app = TestApp::spawn().await;
    for bad in ["has spaces", &"x".repeat(65), "semi;colon"] {
        let response = graphql(&app, &[("x-request-id", bad)]).await;
        let id = get(&response, "x-request-id").expect("id");
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36, "a generated UUID replaces {bad:?}");
    }
    let kept = graphql(&app, &[("x-request-id", "trace-01:abc.DEF_9")]).await;
    assert_eq!(get(&kept, "x-request-id"), Some("trace-01:abc.DEF_9"));
}

#[tokio::test]
async fn slow_requests_time_out_with_408() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = silent.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let config = test_config(&[("REQUEST_TIMEOUT", "1s"), ("DATABASE_ACQUIRE_TIMEOUT", "10s")]);
    let mut options = db::options(&format!("postgres://nobody@127.0.0.1:{port}/none"), &config);
    options.connect_lazy(true);
    let app = Application::with_database(config, db::connect_with(options).await.expect("pool"))
        .await
        .expect("app");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let started = Instant::now();
    let response = reqwest::get(format!("http://{addr}/health")).await.expect("request");
    assert_eq!(response.status(), 408);
    assert!(
        started.elapsed() < Duration::from_millis(1_900),
        "the 1 s timeout wins over the 2 s health deadline"
    );
    assert_eq!(
        response
            .headers()
            .get(header::X_CONTENT_TYPE_OPTIONS)
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
}
