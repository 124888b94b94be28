//! Request limits checked before anything executes: document size, token count, aliases and
//! depth here, and (through async-graphql) complexity, directives and recursion. Defaults are
//! near graphql-armor's; all are configurable. While introspection is enabled, introspection
//! selections are exempt from all but the size limit (see `introspection`).

mod introspection;
mod tokens;

pub use tokens::count_tokens;

use async_graphql::{
    ServerError,
    parser::{
        parse_query,
        types::{DocumentOperations, ExecutableDocument, OperationType},
    },
};

use std::sync::{Mutex, PoisonError};

use crate::foundation::{
    config::GraphqlLimits,
    sized_lru::{SizedLru, Weigh},
};

/// Documents that passed the limits, by their text. An application sends the same few
/// documents over and over; each is tokenized, parsed and checked once (that was ~6 % of a
/// dashboard request's CPU) and then cloned. The limits and the introspection exemption are
/// the server's configuration, the same for every request, so the verdict depends on the
/// text alone; refusals are not kept (anyone can send new junk).
pub struct AdmittedDocuments(Mutex<SizedLru<String, Remembered>>);

struct Remembered {
    admitted: Admitted,
    /// The text's length: the parsed tree is a few times larger.
    text_bytes: usize,
}

impl Weigh for Remembered {
    fn bytes(&self) -> usize {
        // The key, and the tree (`Positioned` nodes, names) at about eight bytes per byte of text.
        self.text_bytes * 9
    }
}

/// At most this many documents, within this budget.
const ADMITTED_ENTRIES: usize = 1_024;
const ADMITTED_BYTES: usize = 8 * 1024 * 1024;

impl Default for AdmittedDocuments {
    fn default() -> Self {
        AdmittedDocuments(Mutex::new(SizedLru::new(ADMITTED_ENTRIES, ADMITTED_BYTES)))
    }
}

impl AdmittedDocuments {
    /// [`parse_within`], answered from memory for a text admitted before.
    pub fn admit(
        &self,
        query: &str,
        limits: &GraphqlLimits,
        exempt_introspection: bool,
    ) -> Result<Admitted, ServerError> {
        let lock = || self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = lock().get(query) {
            return Ok(known.admitted.clone());
        }
        let admitted = parse_within(query, limits, exempt_introspection)?;
        let remembered = Remembered {
            admitted: admitted.clone(),
            text_bytes: query.len(),
        };
        lock().put(query.to_owned(), remembered);
        Ok(admitted)
    }
}

/// A document that passed the limits.
#[derive(Clone)]
pub struct Admitted {
    pub document: ExecutableDocument,
    /// What its exempt introspection selections add to async-graphql's complexity: `Some`
    /// when the exemption applies, so the caller executes it against the schema that
    /// subtracts this before comparing with the complexity limit.
    pub introspection_cost: Option<usize>,
}

/// Parses `query` within the limits (size and tokens before parsing, aliases and depth after).
/// With `exempt_introspection`, introspection selections count toward none but the size
/// limit. A refusal is a coded error: QUERY_TOO_COMPLEX or GRAPHQL_PARSE_FAILED.
pub fn parse_within(query: &str, limits: &GraphqlLimits, exempt_introspection: bool) -> Result<Admitted, ServerError> {
    let coded = |mut error: ServerError, code: &str| {
        error.extensions.get_or_insert_with(Default::default).set("code", code);
        error
    };
    let too_complex = |message: String| coded(ServerError::new(message, None), "QUERY_TOO_COMPLEX");
    check_size(query, limits).map_err(too_complex)?;
    let tokens = count_tokens(query, limits.max_tokens + 1);
    // Only a document that names introspection can be exempt; any other is refused unparsed.
    let may_be_exempt = exempt_introspection && (query.contains("__schema") || query.contains("__type"));
    if tokens > limits.max_tokens && !may_be_exempt {
        return Err(too_complex(too_many_tokens(limits)));
    }
    let document = parse_query(query).map_err(|err| coded(err.into(), "GRAPHQL_PARSE_FAILED"))?;
    let exempt = may_be_exempt && introspection::present(&document);
    if tokens > limits.max_tokens {
        let inside: usize = introspection::spans(&document, query)
            .into_iter()
            .map(|span| count_tokens(&query[span], usize::MAX))
            .sum();
        let outside = count_tokens(query, usize::MAX).saturating_sub(if exempt { inside } else { 0 });
        if outside > limits.max_tokens {
            return Err(too_complex(too_many_tokens(limits)));
        }
    }
    check_document(&document, limits, exempt).map_err(too_complex)?;
    Ok(Admitted {
        introspection_cost: exempt.then(|| introspection::cost(&document)),
        document,
    })
}

fn too_many_tokens(limits: &GraphqlLimits) -> String {
    format!("The document has more than {} tokens", limits.max_tokens)
}

/// The type of the operation `operation_name` picks; `None` when the name matches nothing or,
/// without a name, the document holds several (execution reports those).
pub fn operation_type(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<OperationType> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.map(|op| op.node.ty)
}

/// The size limit, checked before anything else so a huge document costs nothing to refuse.
fn check_size(query: &str, limits: &GraphqlLimits) -> Result<(), String> {
    if query.len() > limits.max_document_bytes {
        return Err(format!(
            "The document is larger than {} bytes",
            limits.max_document_bytes
        ));
    }
    Ok(())
}

/// Checks the parsed document: aliases across every operation and fragment, and the depth
/// of every operation (async-graphql's own depth rule, applied here so introspection can be
/// left out of it); `exempt` leaves introspection selections out of both.
fn check_document(document: &ExecutableDocument, limits: &GraphqlLimits, exempt: bool) -> Result<(), String> {
    let aliases = introspection::aliases(document, exempt);
    if aliases > limits.max_aliases {
        return Err(format!("The document uses more than {} aliases", limits.max_aliases));
    }
    if introspection::depth(document, exempt) > limits.max_depth {
        // async-graphql's wording, which clients may already match on.
        return Err("Query is nested too deep.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admit(query: &str, limits: &GraphqlLimits, exempt: bool) -> Result<Admitted, String> {
        parse_within(query, limits, exempt).map_err(|e| e.message)
    }

    #[test]
    fn an_admitted_document_is_parsed_once_and_a_refused_one_is_not_kept() {
        let documents = AdmittedDocuments::default();
        let limits = GraphqlLimits {
            max_depth: 3,
            ..GraphqlLimits::default()
        };
        let query = "query Q { me { id } }";
        let first = documents.admit(query, &limits, false).expect("admitted");
        let held = documents.0.lock().expect("lock").bytes();
        assert_eq!(held, query.len() * 9);
        let again = documents.admit(query, &limits, false).expect("admitted again");
        assert_eq!(format!("{:?}", first.document), format!("{:?}", again.document));
        assert_eq!(documents.0.lock().expect("lock").bytes(), held, "not stored twice");

        let deep = "{ budgets { nodes { categories { id } } } }";
        assert!(documents.admit(deep, &limits, false).is_err());
        assert!(documents.admit(deep, &limits, false).is_err(), "refused every time");
        assert_eq!(documents.0.lock().expect("lock").bytes(), held, "a refusal is not kept");
    }

    #[test]
    fn sources_are_bounded_by_size_and_tokens() {
        let limits = GraphqlLimits {
            max_document_bytes: 20,
            max_tokens: 4,
            ..GraphqlLimits::default()
        };
        assert!(admit("{ me { id } }", &GraphqlLimits::default(), false).is_ok());
        assert!(admit(&" ".repeat(21), &limits, true).is_err());
        assert!(admit("{ me { id } }", &limits, true).is_err());
    }

    #[test]
    fn introspection_is_exempt_from_tokens_aliases_and_depth_only_when_enabled() {
        let query = "{ me { id } __schema { t: types { fields { type { ofType { ofType { name } } } } } } }";
        let limits = GraphqlLimits {
            max_depth: 2,
            max_tokens: 8,
            max_aliases: 0,
            ..GraphqlLimits::default()
        };
        let admitted = admit(query, &limits, true).expect("exempt");
        assert_eq!(admitted.introspection_cost, Some(7));
        assert!(
            admit(query, &limits, false).is_err(),
            "counted when introspection is off"
        );
        let heavy = "{ me { a: id b: id } __schema { types { name } } }";
        assert!(
            admit(heavy, &limits, true).is_err(),
            "the rest of a mixed document still counts"
        );
        let deep = "{ budgets { edges { node { id } } } __schema { types { name } } }";
        assert_eq!(
            admit(
                deep,
                &GraphqlLimits {
                    max_depth: 3,
                    ..GraphqlLimits::default()
                },
                true
            )
            .err()
            .as_deref(),
            Some("Query is nested too deep.")
        );
    }

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let document = async_graphql::parser::parse_query(
            "query { a: me { id } b: me { x: id ...F ... on User { y: id } } } fragment F on User { z: id }",
        )
        .expect("parses");
        let limits = |max_aliases| GraphqlLimits {
            max_aliases,
            ..GraphqlLimits::default()
        };
        assert!(check_document(&document, &limits(5), false).is_ok());
        assert!(check_document(&document, &limits(4), false).is_err());
    }
}
