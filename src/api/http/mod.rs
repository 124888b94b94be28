//! GraphQL over HTTP, per the GraphQL-over-HTTP spec. async-graphql-axum's stock extractor
//! runs mutations over GET and parses any content type as JSON, so this handler does the
//! protocol itself (`protocol`), admits each document once (`admission`), executes it for
//! the caller the token names (`execute`) and runs keyed mutations once (`idempotent`).

mod admission;
mod execute;
mod idempotent;
mod protocol;
mod response;
mod upload;

pub use protocol::{Format, GetParams, negotiate};
pub use upload::MAX_FILE_BYTES;

use std::net::SocketAddr;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use serde_json::Value as Json;

use crate::{
    api::{ApiState, graphiql},
    foundation::identity::ClientIp,
};
use admission::prepare;
use execute::run;
use idempotent::{IDEMPOTENCY_KEY, execute_once};
use protocol::{
    Params, accepts_html, bad, client, is_json_content_type, not_acceptable, params_from_json, rate_limited, respond,
    respond_with, set_cookie,
};

/// `POST /graphql`: executes any operation from an `application/json` body, or from a
/// `multipart/form-data` one carrying files (`upload`).
pub async fn post(
    State(http): State<ApiState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client = client(&http.config, peer, &headers);
    let Some(format) = negotiate(&headers) else {
        return not_acceptable();
    };
    if upload::is_multipart(&headers) {
        if !upload::has_preflight_header(&headers) {
            return bad(
                format,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "a multipart request needs a GraphQL-Require-Preflight header (CSRF protection)",
            );
        }
        return match upload::params(&headers, body).await {
            Ok(params) => execute(&http, &headers, client, format, params, false).await,
            Err(message) => bad(format, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message),
        };
    }
    if !is_json_content_type(&headers) {
        return bad(
            format,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST bodies must be application/json (or multipart/form-data for file uploads)",
        );
    }
    let json: Json = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(e) => {
            return bad(
                format,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("malformed JSON body: {e}"),
            );
        }
    };
    match json {
        Json::Array(operations) => execute_batch(&http, &headers, client, format, operations).await,
        single => match params_from_json(single) {
            Ok(params) => execute(&http, &headers, client, format, params, false).await,
            Err(message) => bad(format, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message),
        },
    }
}

/// A JSON array of operations, when enabled (GRAPHQL_MAX_BATCH > 0): at most that many,
/// run one after another so a batch cannot multiply concurrency.
async fn execute_batch(
    http: &ApiState,
    headers: &HeaderMap,
    client: ClientIp,
    format: Format,
    operations: Vec<Json>,
) -> Response {
    let max = http.config.graphql_limits.max_batch;
    if max == 0 {
        return bad(
            format,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched requests are not enabled",
        );
    }
    if operations.is_empty() || operations.len() > max {
        return bad(
            format,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            &format!("a batch holds 1 to {max} operations"),
        );
    }
    let mut results = Vec::with_capacity(operations.len());
    // A sign-in in cookie mode left its refresh token out of its result: the cookie must go out.
    let mut cookies = Vec::new();
    for operation in operations {
        let body = match params_from_json(operation) {
            Ok(params) => match prepare(http, params).await {
                Ok(prepared) => {
                    let outcome = run(http, headers, client, prepared).await;
                    cookies.extend(outcome.set_cookie);
                    match outcome.serialized {
                        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
                        None => outcome.body,
                    }
                }
                Err(refused) => refused.body,
            },
            Err(message) => response::request_error("BAD_REQUEST", &message),
        };
        results.push(body);
    }
    let body = Json::Array(results);
    let status = if rate_limited(&body).is_some() {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::OK
    };
    let mut response = respond(format, status, body, None);
    for cookie in &cookies {
        set_cookie(&mut response, cookie);
    }
    response
}

/// `GET /graphql`: GraphiQL for a browser, otherwise a query (never a mutation).
pub async fn get(
    State(http): State<ApiState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let params = match query {
        Ok(Query(params)) => params,
        Err(_) => {
            let format = negotiate(&headers).unwrap_or(Format::Json);
            return bad(format, StatusCode::BAD_REQUEST, "BAD_REQUEST", "malformed query string");
        }
    };
    let params = match params.into_params() {
        Ok(Some(params)) => params,
        Ok(None) => {
            if accepts_html(&headers) {
                if !http.config.graphiql {
                    return bad(
                        Format::Json,
                        StatusCode::NOT_FOUND,
                        "NOT_FOUND",
                        "GraphiQL is disabled here",
                    );
                }
                return graphiql::page();
            }
            let format = negotiate(&headers).unwrap_or(Format::Json);
            return bad(
                format,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the query parameter is required",
            );
        }
        Err(message) => {
            let format = negotiate(&headers).unwrap_or(Format::Json);
            return bad(format, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
    };
    let Some(format) = negotiate(&headers) else {
        return not_acceptable();
    };
    let client = client(&http.config, peer, &headers);
    execute(&http, &headers, client, format, params, true).await
}

async fn execute(
    http: &ApiState,
    headers: &HeaderMap,
    client: ClientIp,
    format: Format,
    params: Params,
    is_get: bool,
) -> Response {
    let prepared = match prepare(http, params).await {
        Ok(prepared) => prepared,
        Err(refused) => return respond_with(format, refused),
    };
    if is_get && prepared.is_mutation_or_subscription() {
        let mut response = bad(
            format,
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations and subscriptions must use POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if !is_get && let Some(key) = headers.get(IDEMPOTENCY_KEY) {
        return execute_once(http, headers, client, format, prepared, key).await;
    }
    respond_with(format, run(http, headers, client, prepared).await)
}
