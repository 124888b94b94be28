//! The GraphQL-over-HTTP protocol: request parameters from a JSON body or a query string,
//! content negotiation, and the status, headers and media type of every response.

use std::net::SocketAddr;

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::{
    api::http::response::{self, Outcome},
    foundation::{config::Config, identity::ClientIp, rate_limit},
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

/// The parameters of one GraphQL request, from a JSON body or a query string.
pub(super) struct Params {
    /// The document's text; absent when the request names a persisted document instead.
    pub(super) query: Option<String>,
    pub(super) operation_name: Option<String>,
    pub(super) variables: Map<String, Json>,
    /// The persisted document it names: Apollo's `extensions.persistedQuery.sha256Hash`, or
    /// `documentId` (GraphQL-over-HTTP persisted operations).
    pub(super) persisted: Option<String>,
    /// Files of a multipart request (`upload`), in the order their placeholders name.
    pub(super) uploads: Vec<async_graphql::UploadValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    pub(super) query: Option<String>,
    pub(super) operation_name: Option<String>,
    pub(super) variables: Option<String>,
    /// JSON, as Apollo's persisted-query link sends it over GET.
    pub(super) extensions: Option<String>,
    pub(super) document_id: Option<String>,
}

impl GetParams {
    /// The parameters, or `None` when the request names no document at all.
    pub(super) fn into_params(self) -> Result<Option<Params>, String> {
        let extensions = match self.extensions.as_deref().map(serde_json::from_str::<Json>) {
            None => None,
            Some(Ok(json)) => Some(json),
            Some(Err(_)) => return Err("extensions must be a JSON object".into()),
        };
        let persisted = persisted(extensions, self.document_id.map(Json::String))?;
        if self.query.is_none() && persisted.is_none() {
            return Ok(None);
        }
        let variables = match self.variables.as_deref().map(serde_json::from_str::<Json>) {
            None | Some(Ok(Json::Null)) => Map::new(),
            Some(Ok(Json::Object(map))) => map,
            Some(_) => return Err("variables must be a JSON object".into()),
        };
        Ok(Some(Params {
            query: self.query,
            operation_name: self.operation_name,
            variables,
            persisted,
            uploads: Vec::new(),
        }))
    }
}

/// The persisted document a request names, from `extensions.persistedQuery` (version 1,
/// `sha256Hash`) or `documentId`.
pub(super) fn persisted(extensions: Option<Json>, document_id: Option<Json>) -> Result<Option<String>, String> {
    let apq = match extensions {
        None | Some(Json::Null) => None,
        Some(Json::Object(mut extensions)) => match extensions.remove("persistedQuery") {
            None | Some(Json::Null) => None,
            Some(Json::Object(persisted)) => {
                if persisted.get("version") != Some(&Json::from(1)) {
                    return Err("extensions.persistedQuery.version must be 1".into());
                }
                match persisted.get("sha256Hash") {
                    Some(Json::String(hash)) => Some(hash.to_ascii_lowercase()),
                    _ => return Err("extensions.persistedQuery.sha256Hash must be a string".into()),
                }
            }
            Some(_) => return Err("extensions.persistedQuery must be a JSON object".into()),
        },
        Some(_) => return Err("extensions must be a JSON object".into()),
    };
    let document_id = match document_id {
        None | Some(Json::Null) => None,
        // graphql-codegen writes "sha256:<hash>" or the bare hash.
        Some(Json::String(id)) => Some(id.trim_start_matches("sha256:").to_ascii_lowercase()),
        Some(_) => return Err("documentId must be a string".into()),
    };
    match (apq, document_id) {
        (Some(a), Some(b)) if a != b => Err("extensions.persistedQuery and documentId name different documents".into()),
        (apq, document_id) => Ok(apq.or(document_id)),
    }
}

/// The response for one operation's outcome.
pub(super) fn respond_with(format: Format, outcome: Outcome) -> Response {
    let mut response = if let Some(body) = outcome.serialized {
        // Answers without errors are serialized ahead (see `execute`).
        (StatusCode::OK, [(header::CONTENT_TYPE, format.content_type())], body).into_response()
    } else {
        let status = if rate_limited(&outcome.body).is_some() {
            StatusCode::TOO_MANY_REQUESTS
        } else if outcome.request_error {
            request_failure_status(format)
        } else {
            StatusCode::OK
        };
        let challenge = outcome.invalid_token.then_some(r#"Bearer error="invalid_token""#);
        respond(format, status, outcome.body, challenge)
    };
    if let Some(cookie) = outcome.set_cookie {
        set_cookie(&mut response, &cookie);
    }
    response
}

/// Adds a browser-session `Set-Cookie` (see `auth::browser`) to a response.
pub(super) fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
        // A response carrying a session cookie is for this browser only.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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

pub(super) fn params_from_json(json: Json) -> Result<Params, String> {
    let mut object = match json {
        Json::Object(object) => object,
        Json::Array(_) => return Err("a batch cannot be nested".into()),
        _ => return Err("the body must be a JSON object".into()),
    };
    let query = match object.remove("query") {
        Some(Json::String(query)) => Some(query),
        None | Some(Json::Null) => None,
        Some(_) => return Err("query must be a string".into()),
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
    let persisted = persisted(object.remove("extensions"), object.remove("documentId"))?;
    if query.is_none() && persisted.is_none() {
        return Err("query is required".into());
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        persisted,
        uploads: Vec::new(),
    })
}

pub(super) fn is_json_content_type(headers: &HeaderMap) -> bool {
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

pub(super) fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The longest `retryAfter` of any RATE_LIMITED error in a response body (or a batch of them).
pub(super) fn rate_limited(body: &Json) -> Option<u64> {
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
pub(super) fn client(config: &Config, peer: SocketAddr, headers: &HeaderMap) -> ClientIp {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    ClientIp(rate_limit::client_ip(
        Some(peer.ip()),
        forwarded,
        config.trust_proxy_headers,
    ))
}

pub(super) fn respond(format: Format, status: StatusCode, body: Json, challenge: Option<&'static str>) -> Response {
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

pub(super) fn bad(format: Format, status: StatusCode, code: &str, message: &str) -> Response {
    respond(format, status, response::request_error(code, message), None)
}

pub(super) fn not_acceptable() -> Response {
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
