//! File uploads by the GraphQL multipart request spec
//! (<https://github.com/jaydenseric/graphql-multipart-request-spec>): a `multipart/form-data`
//! body with an `operations` part (the usual JSON parameters, files as null), a `map` part
//! (file part -> variable paths) and the files. async-graphql parses it; the files stay in
//! memory (at most `MAX_FILE_BYTES` each, `MAX_FILES` per request).
//!
//! A form post is a CORS "simple" request that any web page can make in a signed-in browser,
//! so, as Apollo Server's CSRF prevention does, a multipart request must carry a header no
//! form can send: `GraphQL-Require-Preflight` (or Apollo's `Apollo-Require-Preflight`).

use async_graphql::{BatchRequest, UploadValue, http::MultipartOptions};
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value as Json};

use crate::api::http::protocol::{Params, persisted};

/// The largest file one upload may be: the import limit.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Files per request.
pub const MAX_FILES: usize = 4;

const PREFLIGHT_HEADERS: [&str; 2] = ["graphql-require-preflight", "apollo-require-preflight"];

pub(super) fn is_multipart(headers: &HeaderMap) -> bool {
    content_type(headers)
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("multipart/form-data"))
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// Whether the request proves it was not sent by a plain HTML form.
pub(super) fn has_preflight_header(headers: &HeaderMap) -> bool {
    PREFLIGHT_HEADERS
        .iter()
        .any(|name| headers.get(*name).is_some_and(|v| !v.is_empty()))
}

/// The parameters and files of a multipart request.
pub(super) async fn params(headers: &HeaderMap, body: axum::body::Bytes) -> Result<Params, String> {
    let options = MultipartOptions::default()
        .max_file_size(MAX_FILE_BYTES)
        .max_num_files(MAX_FILES);
    let parsed =
        async_graphql::http::receive_batch_body(content_type(headers), futures_util::io::Cursor::new(body), options)
            .await
            .map_err(|e| format!("malformed multipart request: {e}"))?;
    let request = match parsed {
        BatchRequest::Single(request) => request,
        BatchRequest::Batch(_) => return Err("a multipart request holds one operation".into()),
    };
    let variables = match serde_json::to_value(&request.variables) {
        Ok(Json::Object(map)) => map,
        Ok(Json::Null) => Map::new(),
        _ => return Err("variables must be a JSON object".into()),
    };
    let extensions = serde_json::to_value(&request.extensions).ok();
    let persisted = persisted(extensions, None)?;
    let query = Some(request.query).filter(|q| !q.is_empty());
    if query.is_none() && persisted.is_none() {
        return Err("query is required".into());
    }
    let uploads: Vec<UploadValue> = request.uploads;
    Ok(Params {
        query,
        operation_name: request.operation_name,
        variables,
        persisted,
        uploads,
    })
}
