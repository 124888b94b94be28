//! Idempotency at the edge: a mutation sent with `Idempotency-Key` by a signed-in caller runs
//! once; its retries replay the stored response (the store is `api::idempotency`).

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode},
    response::Response,
};
use serde_json::Value as Json;

use crate::{
    api::{
        ApiState,
        http::{
            admission::Prepared,
            execute::run,
            protocol::{Format, bad, respond, respond_with},
            response::Outcome,
        },
        idempotency::{self, Claim},
    },
    auth::bearer,
    foundation::{
        error::AppError,
        identity::{ClientIp, RequestAuth},
    },
};

pub(super) const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A mutation with an Idempotency-Key runs once per signed-in user and key; retries with
/// the same body replay the first response (marked `idempotent-replayed: true`).
pub(super) async fn execute_once(
    http: &ApiState,
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
    let RequestAuth::User(user) = bearer::caller(headers, &http.tokens, &http.liveness) else {
        return respond_with(format, run(http, headers, client, prepared).await);
    };
    if !prepared.is_mutation_or_subscription() {
        return respond_with(format, run(http, headers, client, prepared).await);
    }
    let mut variables = Json::Object(prepared.variables.clone());
    if !prepared.uploads.is_empty() {
        // The files are part of what was asked: a retry must carry the same ones.
        let files: Vec<String> = prepared
            .uploads
            .iter()
            .map(|file| format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&file.content)))
            .collect();
        variables = serde_json::json!({ "variables": variables, "files": files });
    }
    let hash = idempotency::fingerprint(prepared.operation_name.as_deref(), &prepared.query, &variables);
    match idempotency::claim(&http.db, user.id, key, &hash).await {
        Err(err) => {
            let status = if matches!(err, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            respond(format, status, err.json_body(), None)
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
                    serialized: None,
                    set_cookie: None,
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
            let body = match &outcome.serialized {
                Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                None => outcome.body.to_string(),
            };
            let stored = if worth_retrying(&outcome.body) {
                idempotency::release(&http.db, id).await
            } else {
                idempotency::finish(&http.db, id, &body).await
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
