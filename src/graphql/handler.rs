//! GraphQL over HTTP, per the GraphQL-over-HTTP spec. async-graphql-axum's stock extractor
//! runs mutations over GET and parses any content type as JSON, so this handler does the
//! protocol itself: content negotiation, GET for queries only, 400/405/406/415, and the
//! caller's token decoded exactly once per request.

use async_graphql::{
    Request, Variables,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
};
use axum::{
    body::Bytes,
    extract::{ConnectInfo, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::net::SocketAddr;
use tracing::Instrument;

use crate::{
    app::HttpState,
    auth::{RequestAuth, TokenService, context::bearer_token},
    error::AppError,
    graphql::{limits, loaders::Loaders, response},
    idempotency::{self, Claim},
    rate_limit::{self, Rule},
};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const APPLICATION_JSON: &str = "application/json; charset=utf-8";

/// The response media type the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GraphqlResponseJson,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Format::Json => APPLICATION_JSON,
        }
    }
}

/// The request id set by the HTTP layer, for error extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The client's address, for per-IP rate limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

/// The parameters of one GraphQL request, from a JSON body or a query string.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Map<String, Json>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

/// `POST /graphql`: executes any operation from an `application/json` body.
pub async fn post(
    State(http): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client = client(&http, peer, &headers);
    let Some(format) = negotiate(&headers) else {
        return not_acceptable();
    };
    if !is_json_content_type(&headers) {
        return bad(
            format,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST bodies must be application/json",
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
    http: &HttpState,
    headers: &HeaderMap,
    client: ClientIp,
    format: Format,
    operations: Vec<Json>,
) -> Response {
    let max = http.app.config.graphql_limits.max_batch;
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
    for operation in operations {
        let body = match params_from_json(operation) {
            Ok(params) => match prepare(http, params) {
                Ok(prepared) => run(http, headers, client, prepared).await.body,
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
    respond(format, status, body, None)
}

/// `GET /graphql`: GraphiQL for a browser, otherwise a query (never a mutation).
pub async fn get(
    State(http): State<HttpState>,
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
    let GetParams {
        query: Some(query),
        operation_name,
        variables,
    } = params
    else {
        if accepts_html(&headers) {
            if !http.app.config.graphiql {
                return bad(
                    Format::Json,
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    "GraphiQL is disabled here",
                );
            }
            return super::graphiql::page();
        }
        let format = negotiate(&headers).unwrap_or(Format::Json);
        return bad(
            format,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the query parameter is required",
        );
    };
    let Some(format) = negotiate(&headers) else {
        return not_acceptable();
    };
    let variables = match variables.as_deref().map(serde_json::from_str::<Json>) {
        None | Some(Ok(Json::Null)) => Map::new(),
        Some(Ok(Json::Object(map))) => map,
        Some(_) => {
            return bad(
                format,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "variables must be a JSON object",
            );
        }
    };
    let client = client(&http, peer, &headers);
    execute(
        &http,
        &headers,
        client,
        format,
        Params {
            query,
            operation_name,
            variables,
        },
        true,
    )
    .await
}

async fn execute(
    http: &HttpState,
    headers: &HeaderMap,
    client: ClientIp,
    format: Format,
    params: Params,
    is_get: bool,
) -> Response {
    let prepared = match prepare(http, params) {
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

/// The response for one operation's outcome.
fn respond_with(format: Format, outcome: Outcome) -> Response {
    let status = if rate_limited(&outcome.body).is_some() {
        StatusCode::TOO_MANY_REQUESTS
    } else if outcome.request_error {
        request_failure_status(format)
    } else {
        StatusCode::OK
    };
    let challenge = outcome.invalid_token.then_some(r#"Bearer error="invalid_token""#);
    respond(format, status, outcome.body, challenge)
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A mutation with an Idempotency-Key runs once per signed-in user and key; retries with
/// the same body replay the first response (marked `idempotent-replayed: true`).
async fn execute_once(
    http: &HttpState,
    headers: &HeaderMap,
    client: ClientIp,
    format: Format,
    prepared: Prepared,
    key: &HeaderValue,
) -> Response {
    let Some(key) = key.to_str().ok().filter(|k| idempotency::valid(k)) else {
        return bad(
            format,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        );
    };
    // Only a signed-in caller's mutations are remembered; anything else runs as usual.
    let RequestAuth::User(user) = caller(headers, &http.app.tokens) else {
        return respond_with(format, run(http, headers, client, prepared).await);
    };
    if !prepared.is_mutation_or_subscription() {
        return respond_with(format, run(http, headers, client, prepared).await);
    }
    let params = &prepared.params;
    let variables = Json::Object(params.variables.clone());
    let hash = idempotency::fingerprint(params.operation_name.as_deref(), &params.query, &variables);
    match idempotency::claim(&http.app.db, user.id, key, &hash).await {
        Err(err) => {
            let status = if matches!(err, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            respond(format, status, response::error_body(&err), None)
        }
        Ok(Claim::Replay(stored)) => {
            let body: Json = serde_json::from_str(&stored).unwrap_or_default();
            let request_error = body.get("data").is_none();
            let mut response = respond_with(
                format,
                Outcome {
                    body,
                    request_error,
                    invalid_token: false,
                },
            );
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Ok(Claim::Run(id)) => {
            let outcome = run(http, headers, client, prepared).await;
            // Failures worth retrying free the key; everything else is the answer for good.
            let stored = if worth_retrying(&outcome.body) {
                idempotency::release(&http.app.db, id).await
            } else {
                idempotency::finish(&http.app.db, id, &outcome.body.to_string()).await
            };
            if let Err(err) = stored {
                tracing::error!(error = %err, "idempotency key not recorded");
            }
            respond_with(format, outcome)
        }
    }
}

/// Internal errors, unavailability and rate limits: a retry may well succeed.
fn worth_retrying(body: &Json) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| {
            matches!(
                e["extensions"]["code"].as_str(),
                Some("INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE" | "RATE_LIMITED")
            )
        })
    })
}

/// What one operation produced.
struct Outcome {
    body: Json,
    /// Failed before execution (parse, validation, limits): no `data` entry.
    request_error: bool,
    invalid_token: bool,
}

/// Checks limits, parses, and executes one operation.
/// A request whose document passed the size, token and alias limits and parsed.
struct Prepared {
    params: Params,
    document: ExecutableDocument,
}

impl Prepared {
    fn is_mutation_or_subscription(&self) -> bool {
        // Ambiguous without a name: execution reports that; only a known mutation is refused.
        limits::operation_type(&self.document, self.params.operation_name.as_deref())
            .is_some_and(|ty| ty != OperationType::Query)
    }
}

/// Checks the limits and parses, once per operation; the refusal is a request error.
fn prepare(http: &HttpState, params: Params) -> Result<Prepared, Outcome> {
    match limits::parse_within(&params.query, &http.app.config.graphql_limits) {
        Ok(document) => Ok(Prepared { params, document }),
        Err(error) => Err(Outcome {
            body: serde_json::json!({ "errors": [error] }),
            request_error: true,
            invalid_token: false,
        }),
    }
}

/// Executes one prepared operation for the caller the headers name.
async fn run(http: &HttpState, headers: &HeaderMap, client: ClientIp, prepared: Prepared) -> Outcome {
    let Prepared { params, document } = prepared;
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let auth = caller(headers, &http.app.tokens);
    let invalid_token = matches!(auth, RequestAuth::Invalid);
    if let RequestAuth::User(user) = &auth
        && let Err(err) = http.app.limiter.check(Rule::PerUser, &user.id.to_string()).await
    {
        return Outcome {
            body: response::error_body(&err),
            request_error: true,
            invalid_token,
        };
    }
    let user_id = match &auth {
        RequestAuth::User(user) => Some(user.id),
        _ => None,
    };
    // Loaders are per request and per caller: their caches must never cross users.
    let loaders = match &auth {
        RequestAuth::User(user) => Some(Loaders::new(http.app.db.clone(), user.id)),
        _ => None,
    };
    let mut request = Request::new(params.query)
        .variables(Variables::from_json(Json::Object(params.variables)))
        .data(auth)
        .data(client)
        .data(RequestId(request_id.clone()));
    if let Some(loaders) = loaders {
        request = request.data(loaders);
    }
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    let label = operation_label(&document, request.operation_name.as_deref());
    request.set_parsed_query(document);

    // One span per operation: name, caller, duration and outcome in every log line under it.
    let span = tracing::info_span!(
        "graphql",
        operation = %label,
        operation_name = request.operation_name.as_deref().unwrap_or_default(),
        user_id = tracing::field::Empty,
        outcome = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    if let Some(user_id) = user_id {
        span.record("user_id", tracing::field::display(user_id));
    }
    let started = std::time::Instant::now();
    let executed = http.schema.execute(request).instrument(span.clone()).await;
    let outcome = outcome_of(&executed);
    let elapsed = started.elapsed();
    span.record("outcome", outcome);
    span.record("duration_ms", elapsed.as_millis() as u64);
    tracing::info!(parent: &span, "graphql operation");
    crate::metrics::graphql_operation(&label, outcome, elapsed.as_secs_f64());

    let shaped = response::shape(executed, &request_id);
    Outcome {
        body: shaped.body,
        request_error: shaped.request_error,
        invalid_token,
    }
}

/// "query budgets", "mutation login": the operation type and first root field, a label
/// bounded by the schema (client-chosen operation names would let metrics grow unbounded).
fn operation_label(document: &ExecutableDocument, name: Option<&str>) -> String {
    use async_graphql::parser::types::Selection;
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    let Some(operation) = operation else {
        return "unknown".into();
    };
    let kind = match operation.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let field = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|s| match &s.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        });
    format!("{kind} {}", field.unwrap_or_else(|| "fragment".into()))
}

/// "ok", or the code of the first error.
fn outcome_of(response: &async_graphql::Response) -> &'static str {
    let Some(error) = response.errors.first() else {
        return "ok";
    };
    match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(code)) => match code.as_str() {
            "UNAUTHENTICATED" => "unauthenticated",
            "FORBIDDEN" => "forbidden",
            "NOT_FOUND" => "not_found",
            "BAD_USER_INPUT" => "bad_user_input",
            "CONFLICT" => "conflict",
            "RATE_LIMITED" => "rate_limited",
            "SERVICE_UNAVAILABLE" => "service_unavailable",
            "INTERNAL_SERVER_ERROR" => "internal_error",
            _ => "error",
        },
        _ => "error",
    }
}

/// The caller named by `Authorization: Bearer <token>`. A header that is present but not a
/// valid, current token is `Invalid`, never anonymous.
pub fn caller(headers: &HeaderMap, tokens: &TokenService) -> RequestAuth {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return RequestAuth::Anonymous;
    };
    match value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .and_then(|t| tokens.verify(t))
    {
        Some(user) => RequestAuth::User(user),
        None => RequestAuth::Invalid,
    }
}

/// With `application/graphql-response+json` a request that fails before execution is a 4xx;
/// legacy `application/json` clients expect 200 with `errors`.
fn request_failure_status(format: Format) -> StatusCode {
    match format {
        Format::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        Format::Json => StatusCode::OK,
    }
}

fn params_from_json(json: Json) -> Result<Params, String> {
    let mut object = match json {
        Json::Object(object) => object,
        Json::Array(_) => return Err("a batch cannot be nested".into()),
        _ => return Err("the body must be a JSON object".into()),
    };
    let query = match object.remove("query") {
        Some(Json::String(query)) => query,
        Some(_) => return Err("query must be a string".into()),
        None => return Err("query is required".into()),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Json::Null) => None,
        Some(Json::String(name)) => Some(name),
        Some(_) => return Err("operationName must be a string".into()),
    };
    let variables = match object.remove("variables") {
        None | Some(Json::Null) => Map::new(),
        Some(Json::Object(variables)) => variables,
        Some(_) => return Err("variables must be a JSON object".into()),
    };
    if !matches!(
        object.remove("extensions"),
        None | Some(Json::Null) | Some(Json::Object(_))
    ) {
        return Err("extensions must be a JSON object".into());
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Picks the response media type from `Accept`; `None` when neither JSON type is acceptable.
/// No `Accept` at all is treated as `application/json`, as the spec asks for legacy clients.
pub fn negotiate(headers: &HeaderMap) -> Option<Format> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Format::Json);
    };
    let (mut graphql, mut json, mut wildcard) = (0.0_f32, 0.0_f32, 0.0_f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/graphql-response+json" => graphql = graphql.max(q),
            "application/json" => json = json.max(q),
            "*/*" | "application/*" => wildcard = wildcard.max(q),
            "" => wildcard = wildcard.max(q),
            _ => {}
        }
    }
    if graphql > 0.0 && graphql >= json {
        Some(Format::GraphqlResponseJson)
    } else if json > 0.0 || wildcard > 0.0 {
        Some(Format::Json)
    } else {
        None
    }
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The longest `retryAfter` of any RATE_LIMITED error in a response body (or a batch of them).
fn rate_limited(body: &Json) -> Option<u64> {
    let bodies = match body {
        Json::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    bodies
        .into_iter()
        .filter_map(|b| b["errors"].as_array())
        .flatten()
        .filter(|e| e["extensions"]["code"] == "RATE_LIMITED")
        .map(|e| e["extensions"]["retryAfter"].as_u64().unwrap_or(60))
        .max()
}

/// The client's address for rate limits.
fn client(http: &HttpState, peer: SocketAddr, headers: &HeaderMap) -> ClientIp {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    ClientIp(rate_limit::client_ip(
        Some(peer.ip()),
        forwarded,
        http.app.config.trust_proxy_headers,
    ))
}

fn respond(format: Format, status: StatusCode, body: Json, challenge: Option<&'static str>) -> Response {
    let retry_after = rate_limited(&body);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, format.content_type())],
        body.to_string(),
    )
        .into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let Some(challenge) = challenge {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    }
    response
}

fn bad(format: Format, status: StatusCode, code: &str, message: &str) -> Response {
    respond(format, status, response::request_error(code, message), None)
}

fn not_acceptable() -> Response {
    bad(
        Format::Json,
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "responses are application/graphql-response+json or application/json",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Format> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).expect("header"));
        negotiate(&headers)
    }

    #[test]
    fn content_negotiation_follows_the_spec() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Format::Json));
        assert_eq!(
            accept("application/graphql-response+json"),
            Some(Format::GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(Format::GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json;q=0.5"),
            Some(Format::Json)
        );
        assert_eq!(accept("*/*"), Some(Format::Json));
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }
}
