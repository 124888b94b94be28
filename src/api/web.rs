//! HTTP hardening around the router: request ids, CORS allow-list, security headers,
//! body limit, request timeout and compression. A finance API is attacked from day one.

use std::time::Duration;

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::Response,
};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{auth::browser, foundation::config::Config};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Largest accepted request body (an import of 8 MB of CSV after JSON escaping fits).
pub const BODY_LIMIT: usize = 20 * 1024 * 1024;
/// What API responses may load: nothing; and no page may frame them.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// Wraps `router` in every protective layer, outermost first.
pub fn harden(router: Router, config: &Config) -> Router {
    let security_headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            // Only production runs behind TLS; HSTS on plain-HTTP development would be ignored.
            config
                .is_production()
                .then(|| HeaderValue::from_static("max-age=63072000; includeSubDomains")),
        ));
    // Later layers wrap earlier ones: headers and CORS sit outside the timeout and body
    // limit, so their 408 and 413 answers carry them too.
    router
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(cors(&config.cors_allowed_origins))
        .layer(security_headers)
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(drop_unusable_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id = %request_id)
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
}

/// Browsers may call the API only from the configured origins; with none configured, no
/// cross-origin browser access at all.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            REQUEST_ID,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static(browser::SESSION_MODE_HEADER),
            HeaderName::from_static("graphql-require-preflight"),
            HeaderName::from_static("apollo-require-preflight"),
        ])
        // The browser-session cookie (`auth::browser`) goes only to these origins.
        .allow_credentials(true)
        .expose_headers([REQUEST_ID, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

/// A client's request id is kept only when it is short and plain (letters, digits, `-_.:`),
/// so it can neither flood nor forge log lines; otherwise a fresh one is generated.
async fn drop_unusable_request_id(mut request: Request, next: Next) -> Response {
    let usable = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|id| {
            (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        });
    if !usable {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}
