//! Request limits checked before anything executes: document size, token count, aliases,
//! and (through async-graphql) depth, complexity, directives and recursion. Defaults are
//! near graphql-armor's; all are configurable.

use async_graphql::{
    ServerError,
    parser::{
        parse_query,
        types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet},
    },
};

/// Every configurable limit on a GraphQL request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    /// Connection fields cost their page size times their selection.
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_document_bytes: usize,
    pub max_tokens: usize,
    pub max_recursion: usize,
    /// Operations per batched (JSON array) request; 0 refuses batching.
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 10,
            max_complexity: 5_000,
            max_aliases: 15,
            max_directives: 5,
            max_document_bytes: 32 * 1024,
            max_tokens: 2_000,
            max_recursion: 32,
            max_batch: 0,
        }
    }
}

/// Parses `query` within the limits (size and tokens before parsing, aliases after). A refusal
/// is a coded error: QUERY_TOO_COMPLEX or GRAPHQL_PARSE_FAILED.
pub fn parse_within(query: &str, limits: &Limits) -> Result<ExecutableDocument, ServerError> {
    let coded = |mut error: ServerError, code: &str| {
        error.extensions.get_or_insert_with(Default::default).set("code", code);
        error
    };
    let too_complex = |message: String| coded(ServerError::new(message, None), "QUERY_TOO_COMPLEX");
    check_source(query, limits).map_err(too_complex)?;
    let document = parse_query(query).map_err(|err| coded(err.into(), "GRAPHQL_PARSE_FAILED"))?;
    check_document(&document, limits).map_err(too_complex)?;
    Ok(document)
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

/// Checks the raw document before it is parsed, so a huge or token-heavy document costs
/// next to nothing to refuse.
pub fn check_source(query: &str, limits: &Limits) -> Result<(), String> {
    if query.len() > limits.max_document_bytes {
        return Err(format!(
            "The document is larger than {} bytes",
            limits.max_document_bytes
        ));
    }
    if count_tokens(query, limits.max_tokens + 1) > limits.max_tokens {
        return Err(format!("The document has more than {} tokens", limits.max_tokens));
    }
    Ok(())
}

/// Checks the parsed document: aliases across every operation and fragment.
pub fn check_document(document: &ExecutableDocument, limits: &Limits) -> Result<(), String> {
    let mut aliases = 0;
    for (_, operation) in document.operations.iter() {
        aliases += count_aliases(&operation.node.selection_set.node);
    }
    for fragment in document.fragments.values() {
        aliases += count_aliases(&fragment.node.selection_set.node);
    }
    if aliases > limits.max_aliases {
        return Err(format!("The document uses more than {} aliases", limits.max_aliases));
    }
    Ok(())
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Counts GraphQL lexical tokens (names, numbers, strings, punctuators), stopping at
/// `stop`. Whitespace, commas and comments are not tokens.
pub fn count_tokens(source: &str, stop: usize) -> usize {
    let bytes = source.as_bytes();
    let (mut i, mut tokens) = (0, 0);
    while i < bytes.len() && tokens < stop {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                tokens += 1;
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                tokens += 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                tokens += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
    }
    tokens
}

/// The complexity of a connection field: its page size (first or last, default 20) times
/// the cost of what is selected in it.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(crate::pagination::DEFAULT_PAGE_SIZE, |n| u64::try_from(n).unwrap_or(0));
    usize::try_from(size)
        .unwrap_or(usize::MAX)
        .max(1)
        .saturating_mul(child_complexity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_a_lexer_does() {
        assert_eq!(count_tokens("{ me { id } }", 100), 6);
        assert_eq!(
            count_tokens("query Q($a: Int = 5) { a: b(x: \"s, }\") @skip(if: true) }", 100),
            27
        );
        assert_eq!(count_tokens("# comment only\n", 100), 0);
        assert_eq!(count_tokens("{ ...F } fragment F on User { id }", 100), 11);
        assert_eq!(count_tokens("\"\"\"block \"quoted\" string\"\"\" x", 100), 2);
        assert_eq!(count_tokens(&"{a}".repeat(1000), 10), 10, "counting stops early");
    }

    #[test]
    fn sources_are_bounded_by_size_and_tokens() {
        let limits = Limits {
            max_document_bytes: 20,
            max_tokens: 4,
            ..Limits::default()
        };
        assert!(check_source("{ me { id } }", &Limits::default()).is_ok());
        assert!(check_source(&" ".repeat(21), &limits).is_err());
        assert!(check_source("{ me { id } }", &limits).is_err());
    }

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let document = async_graphql::parser::parse_query(
            "query { a: me { id } b: me { x: id ...F ... on User { y: id } } } fragment F on User { z: id }",
        )
        .expect("parses");
        assert!(
            check_document(
                &document,
                &Limits {
                    max_aliases: 5,
                    ..Limits::default()
                }
            )
            .is_ok()
        );
        assert!(
            check_document(
                &document,
                &Limits {
                    max_aliases: 4,
                    ..Limits::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn connections_cost_their_page_size() {
        assert_eq!(page_cost(Some(50), None, 3), 150);
        assert_eq!(page_cost(None, Some(5), 3), 15);
        assert_eq!(page_cost(None, None, 3), 60);
        assert_eq!(page_cost(Some(0), None, 3), 3);
    }
}
