//! Admission of a document: the size, token and alias limits, one parse, and the operation
//! type, decided before anything executes.

use async_graphql::parser::types::{ExecutableDocument, OperationType};

use crate::{
    api::{
        http::{protocol::Params, response::Outcome},
        limits,
    },
    foundation::config::GraphqlLimits,
};

/// A request whose document passed the size, token and alias limits and parsed.
pub(super) struct Prepared {
    pub(super) params: Params,
    pub(super) document: ExecutableDocument,
    /// What exempt introspection selections cost, when the document has any.
    pub(super) introspection_cost: Option<usize>,
}

impl Prepared {
    pub(super) fn is_mutation_or_subscription(&self) -> bool {
        // Ambiguous without a name: execution reports that; only a known mutation is refused.
        limits::operation_type(&self.document, self.params.operation_name.as_deref())
            .is_some_and(|ty| ty != OperationType::Query)
    }
}

/// Checks the limits and parses, once per operation; the refusal is a request error.
/// `exempt_introspection` is whether introspection is enabled (and so exempt from limits).
pub(super) fn prepare(limits: &GraphqlLimits, exempt_introspection: bool, params: Params) -> Result<Prepared, Outcome> {
    match limits::parse_within(&params.query, limits, exempt_introspection) {
        Ok(admitted) => Ok(Prepared {
            params,
            document: admitted.document,
            introspection_cost: admitted.introspection_cost,
        }),
        Err(error) => Err(Outcome {
            body: serde_json::json!({ "errors": [error] }),
            request_error: true,
            invalid_token: false,
        }),
    }
}
