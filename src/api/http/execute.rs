//! Execution of one admitted operation: the caller, their per-user rate limit (the edge's
//! budget), their loaders, a span and metrics per operation, and the shaped response.

use std::sync::Arc;

use async_graphql::{
    Request, Variables,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
};
use axum::http::HeaderMap;
use serde_json::Value as Json;
use tracing::Instrument;

use crate::{
    api::{
        ApiState, cache,
        http::{
            admission::Prepared,
            response::{self, Outcome},
        },
        int_range,
        schema::IntrospectionCost,
    },
    auth::{
        bearer,
        browser::{self, BrowserSession},
    },
    foundation::{
        identity::{ClientIp, RequestAuth, UserAgent},
        metrics,
        rate_limit::Rule,
    },
    graphql::{
        files::UploadCount,
        loaders::{Batches, Loaders},
    },
};

/// Executes one prepared operation for the caller the headers name.
pub(super) async fn run(http: &ApiState, headers: &HeaderMap, client: ClientIp, prepared: Prepared) -> Outcome {
    let Prepared {
        query,
        operation_name,
        variables,
        document,
        introspection_cost,
        uploads,
    } = prepared;
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let auth = bearer::caller(headers, &http.tokens, &http.liveness);
    let invalid_token = matches!(auth, RequestAuth::Invalid);
    if let RequestAuth::User(user) = &auth
        && let Err(err) = http.limiter.check(Rule::PerUser, &user.id.to_string()).await
    {
        return Outcome {
            body: err.json_body(),
            request_error: true,
            invalid_token,
            serialized: None,
            set_cookie: None,
        };
    }
    let user_id = auth.user().map(|user| user.id);
    let label = operation_label(&document, operation_name.as_deref());
    let started = std::time::Instant::now();
    let cache_key = match user_id {
        Some(user_id) if uploads.is_empty() && introspection_cost.is_none() => {
            let request = cache::Request {
                document: &document,
                query: &query,
                operation_name: operation_name.as_deref(),
                variables: &variables,
            };
            http.cache.key(user_id, &request).map(|key| (user_id, key))
        }
        _ => None,
    };
    let cached = match &cache_key {
        Some((user_id, key)) => http
            .cache
            .lookup(&http.db, *user_id, key)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "response cache: no version; executing"))
            .ok(),
        None => None,
    };
    let stale = match cached {
        Some(cache::Lookup::Hit(body)) => {
            metrics::graphql_operation(&label, "ok", started.elapsed().as_secs_f64());
            return Outcome {
                body: Json::Null,
                request_error: false,
                invalid_token,
                serialized: Some(body),
                set_cookie: None,
            };
        }
        Some(cache::Lookup::Stale(version)) => Some(version),
        Some(cache::Lookup::Cold) | None => None,
    };
    // Loaders are per request and per caller: their caches must never cross users. Their
    // batches run in this task, driven alongside the execution below.
    let batches = Batches::default();
    let loaders = user_id.map(|user_id| Loaders::driven(http.db.clone(), user_id, &batches));
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let browser = Arc::new(BrowserSession::read(
        header(browser::SESSION_MODE_HEADER),
        header(axum::http::header::COOKIE.as_str()),
        header(axum::http::header::ORIGIN.as_str()),
        &http.config.cors_allowed_origins,
    ));
    let mut request = Request::new(query)
        .variables(Variables::from_json(Json::Object(variables)))
        .data(auth)
        .data(Arc::clone(&browser))
        .data(client)
        .data(UserAgent(
            headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ));
    if let Some(loaders) = loaders {
        request = request.data(loaders);
    }
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    request = request.data(UploadCount(uploads.len()));
    request.uploads = uploads;
    let out_of_range = int_range::check(&document, &request.variables).err();
    request.set_parsed_query(document);
    let schema = match (introspection_cost, &http.introspection_schema) {
        (Some(cost), Some(schema)) => {
            request = request.data(IntrospectionCost(cost));
            schema
        }
        _ => &http.schema,
    };

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
    let executed = match out_of_range {
        Some(refusal) => async_graphql::Response::from_errors(vec![refusal]),
        None => batches.drive(schema.execute(request)).instrument(span.clone()).await,
    };
    let outcome = outcome_of(&executed);
    let elapsed = started.elapsed();
    span.record("outcome", outcome);
    span.record("duration_ms", elapsed.as_millis() as u64);
    tracing::info!(parent: &span, "graphql operation");
    metrics::graphql_operation(&label, outcome, elapsed.as_secs_f64());

    // The common answer, `data` and nothing else, is serialized straight from the executor's
    // value tree: building a serde_json copy of ~200 objects first cost a share of every
    // request's allocations.
    if executed.errors.is_empty() && executed.extensions.is_empty() {
        let bytes = response::serialize_data(&executed.data);
        match (&cache_key, stale) {
            (Some((_, key)), Some(version)) => http.cache.put(key, &version, bytes.clone()).await,
            (Some((_, key)), None) => http.cache.prime(key).await,
            (None, _) => {}
        }
        return Outcome {
            body: Json::Null,
            request_error: false,
            invalid_token,
            serialized: Some(bytes),
            set_cookie: browser.take_set_cookie(),
        };
    }
    let shaped = response::shape(executed, &request_id);
    Outcome {
        body: shaped.body,
        request_error: shaped.request_error,
        invalid_token,
        serialized: None,
        set_cookie: browser.take_set_cookie(),
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
