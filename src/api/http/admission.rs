//! Admission of a document: which document the request runs (its text, a persisted
//! document's hash, or, in trusted-documents mode, only the manifest's), then the size, token,
//! alias and depth limits and one parse, all decided before anything executes.

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use serde_json::{Map, Value as Json};

use crate::api::{
    ApiState,
    http::{
        protocol::Params,
        response::{self, Outcome},
    },
    limits,
    persisted::{Documents, sha256_hex},
};

/// A request whose document passed the limits and parsed.
pub(super) struct Prepared {
    pub(super) query: String,
    pub(super) operation_name: Option<String>,
    pub(super) variables: Map<String, Json>,
    pub(super) document: ExecutableDocument,
    /// What exempt introspection selections cost, when the document has any.
    pub(super) introspection_cost: Option<usize>,
    pub(super) uploads: Vec<async_graphql::UploadValue>,
}

impl Prepared {
    pub(super) fn is_mutation_or_subscription(&self) -> bool {
        // Ambiguous without a name: execution reports that; only a known mutation is refused.
        limits::operation_type(&self.document, self.operation_name.as_deref())
            .is_some_and(|ty| ty != OperationType::Query)
    }
}

/// Finds the document, checks the limits and parses, once per operation; a refusal is a
/// request error. A newly sent persisted query is registered only once it was admitted.
pub(super) async fn prepare(http: &ApiState, params: Params) -> Result<Prepared, Outcome> {
    let Params {
        query,
        operation_name,
        variables,
        persisted,
        uploads,
    } = params;
    let (query, register) = document(&http.documents, query, persisted).await?;
    let limits = &http.config.graphql_limits;
    let admitted = http
        .admitted
        .admit(&query, limits, http.config.introspection)
        .map_err(|error| Outcome {
            body: serde_json::json!({ "errors": [error] }),
            request_error: true,
            invalid_token: false,
            serialized: None,
            set_cookie: None,
        })?;
    if let (Some(hash), Documents::Automatic(store)) = (register, &*http.documents) {
        store.put(&hash, &query).await;
    }
    Ok(Prepared {
        query,
        operation_name,
        variables,
        document: admitted.document,
        introspection_cost: admitted.introspection_cost,
        uploads,
    })
}

/// The text to run and, for an automatic persisted query sent with its text, the hash to
/// register it under.
async fn document(
    documents: &Documents,
    query: Option<String>,
    hash: Option<String>,
) -> Result<(String, Option<String>), Outcome> {
    match (documents, query, hash) {
        (_, None, None) => Err(refused("BAD_REQUEST", "query is required")),
        (Documents::Automatic(_), Some(query), None) => Ok((query, None)),
        (Documents::Automatic(_), Some(query), Some(hash)) => {
            if sha256_hex(&query) != hash {
                return Err(refused("BAD_REQUEST", "provided sha does not match query"));
            }
            Ok((query, Some(hash)))
        }
        (Documents::Automatic(store), None, Some(hash)) => match store.get(&hash).await {
            Some(query) => Ok((query, None)),
            None => Err(not_found()),
        },
        (Documents::Trusted(trusted), None, Some(hash)) => match trusted.get(&hash) {
            Some(query) => Ok((query.to_owned(), None)),
            None => Err(not_found()),
        },
        (Documents::Trusted(trusted), Some(query), hash) => {
            let named_matches = hash.is_none_or(|hash| trusted.get(&hash) == Some(query.as_str()));
            if named_matches && trusted.contains(&query) {
                Ok((query, None))
            } else {
                Err(refused("FORBIDDEN", "only trusted documents run on this server"))
            }
        }
    }
}

/// Apollo's persisted-query link retries with the document on this message or code.
fn not_found() -> Outcome {
    refused("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
}

fn refused(code: &str, message: &str) -> Outcome {
    Outcome {
        body: response::request_error(code, message),
        request_error: true,
        invalid_token: false,
        serialized: None,
        set_cookie: None,
    }
}
