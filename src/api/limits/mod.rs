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

use crate::foundation::config::GraphqlLimits;

/// Parses `query` within the limits (size and tokens before parsing, aliases after). A refusal
/// is a coded error: QUERY_TOO_COMPLEX or GRAPHQL_PARSE_FAILED.
pub fn parse_within(query: &str, limits: &GraphqlLimits) -> Result<ExecutableDocument, ServerError> {
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
pub fn check_source(query: &str, limits: &GraphqlLimits) -> Result<(), String> {
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
pub fn check_document(document: &ExecutableDocument, limits: &GraphqlLimits) -> Result<(), String> {
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
        let limits = GraphqlLimits {
            max_document_bytes: 20,
            max_tokens: 4,
            ..GraphqlLimits::default()
        };
        assert!(check_source("{ me { id } }", &GraphqlLimits::default()).is_ok());
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
                &GraphqlLimits {
                    max_aliases: 5,
                    ..GraphqlLimits::default()
                }
            )
            .is_ok()
        );
        assert!(
            check_document(
                &document,
                &GraphqlLimits {
                    max_aliases: 4,
                    ..GraphqlLimits::default()
                }
            )
            .is_err()
        );
    }
}
