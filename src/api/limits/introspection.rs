//! Introspection selections, which the limits exempt while introspection is enabled, as
//! graphql-armor's `ignoreIntrospection` does: `__schema` and `__type` with everything under
//! them, and fragments on the introspection types (`__Type`, `__Field`, ...). Their shape is
//! fixed by the schema, not chosen by the client, and the standard query every tool sends
//! (graphql-js's `getIntrospectionQuery`) nests `ofType` deeper than any sensible depth limit.
//!
//! The walks follow async-graphql's validation: every operation of the document, fragment
//! spreads inlined, `__typename` not counted; so depth and cost agree with what it computes.

use std::ops::Range;

use async_graphql::{
    Positioned,
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

use super::tokens::{offset_of, past_closing_brace};

fn is_introspection_field(name: &str) -> bool {
    matches!(name, "__schema" | "__type")
}

fn is_introspection_fragment(fragment: &FragmentDefinition) -> bool {
    fragment.type_condition.node.on.node.starts_with("__")
}

/// Whether any operation selects `__schema` or `__type`.
pub fn present(document: &ExecutableDocument) -> bool {
    let walk = Walk::new(document);
    document.operations.iter().any(|(_, op)| {
        walk.fields_where(&op.node.selection_set.node, &mut Vec::new(), &mut |name| {
            is_introspection_field(name)
        })
    })
}

/// The deepest field nesting of the document; introspection selections count as nothing
/// when `skip_introspection` is set.
pub fn depth(document: &ExecutableDocument, skip_introspection: bool) -> usize {
    let walk = Walk::new(document);
    document
        .operations
        .iter()
        .map(|(_, op)| walk.depth(&op.node.selection_set.node, skip_introspection, &mut Vec::new()))
        .max()
        .unwrap_or(0)
}

/// What the introspection selections add to async-graphql's complexity: each of their fields
/// costs 1 (the introspection types have no custom costs).
pub fn cost(document: &ExecutableDocument) -> usize {
    let walk = Walk::new(document);
    document
        .operations
        .iter()
        .map(|(_, op)| walk.introspection_cost(&op.node.selection_set.node, &mut Vec::new()))
        .sum()
}

/// Aliases in every operation and fragment, each counted once where it is written;
/// introspection selections and fragments count as nothing when `skip_introspection` is set.
pub fn aliases(document: &ExecutableDocument, skip_introspection: bool) -> usize {
    fn count(set: &SelectionSet, skip: bool) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) if skip && is_introspection_field(&field.node.name.node) => 0,
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + count(&field.node.selection_set.node, skip)
                }
                Selection::InlineFragment(fragment) => count(&fragment.node.selection_set.node, skip),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| count(&op.node.selection_set.node, skip_introspection))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .filter(|f| !(skip_introspection && is_introspection_fragment(&f.node)))
        .map(|f| count(&f.node.selection_set.node, skip_introspection))
        .sum();
    operations + fragments
}

/// The byte ranges of `source` that introspection selections and fragments occupy, without
/// overlaps, for counting the tokens outside them.
pub fn spans(document: &ExecutableDocument, source: &str) -> Vec<Range<usize>> {
    fn collect(set: &SelectionSet, source: &str, spans: &mut Vec<Range<usize>>) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) if is_introspection_field(&field.node.name.node) => {
                    if !field.node.selection_set.node.items.is_empty() {
                        spans.push(span(source, field.pos, field.node.selection_set.pos));
                    }
                }
                Selection::Field(field) => collect(&field.node.selection_set.node, source, spans),
                Selection::InlineFragment(fragment) => collect(&fragment.node.selection_set.node, source, spans),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut spans = Vec::new();
    for (_, op) in document.operations.iter() {
        collect(&op.node.selection_set.node, source, &mut spans);
    }
    for fragment in document.fragments.values() {
        if is_introspection_fragment(&fragment.node) {
            spans.push(span(source, fragment.pos, fragment.node.selection_set.pos));
        } else {
            collect(&fragment.node.selection_set.node, source, &mut spans);
        }
    }
    spans.sort_by_key(|s| s.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start < last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

/// From the start of a field or fragment to the end of its selection set.
fn span(source: &str, start: async_graphql::Pos, selection_set: async_graphql::Pos) -> Range<usize> {
    let start = offset_of(source, start.line, start.column);
    let open = offset_of(source, selection_set.line, selection_set.column);
    start..past_closing_brace(source, open).max(start)
}

/// Walks selection sets with fragment spreads inlined; a spread already being walked (a
/// cycle, which validation reports) is skipped.
struct Walk<'a> {
    document: &'a ExecutableDocument,
}

impl<'a> Walk<'a> {
    fn new(document: &'a ExecutableDocument) -> Self {
        Walk { document }
    }

    /// `walk` over the selection set of fragment `name`, unless it is unknown or already being
    /// walked (a cycle).
    fn spread<R>(
        &self,
        name: &'a str,
        walking: &mut Vec<&'a str>,
        walk: impl FnOnce(&'a SelectionSet, &mut Vec<&'a str>) -> R,
    ) -> Option<R> {
        if walking.contains(&name) {
            return None;
        }
        let fragment: &'a Positioned<FragmentDefinition> = self.document.fragments.get(name)?;
        walking.push(name);
        let result = walk(&fragment.node.selection_set.node, walking);
        walking.pop();
        Some(result)
    }

    fn depth(&self, set: &'a SelectionSet, skip: bool, walking: &mut Vec<&'a str>) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name == "__typename" || (skip && is_introspection_field(name)) {
                        0
                    } else {
                        1 + self.depth(&field.node.selection_set.node, skip, walking)
                    }
                }
                Selection::InlineFragment(fragment) => self.depth(&fragment.node.selection_set.node, skip, walking),
                Selection::FragmentSpread(spread) => self
                    .spread(&spread.node.fragment_name.node, walking, |set, walking| {
                        self.depth(set, skip, walking)
                    })
                    .unwrap_or(0),
            })
            .max()
            .unwrap_or(0)
    }

    /// Fields (other than `__typename`) in `set`, each with everything under it.
    fn fields(&self, set: &'a SelectionSet, walking: &mut Vec<&'a str>) -> usize {
        self.sum(set, walking, &mut |walk, field, walking| {
            1 + walk.fields(&field.selection_set.node, walking)
        })
    }

    fn introspection_cost(&self, set: &'a SelectionSet, walking: &mut Vec<&'a str>) -> usize {
        self.sum(set, walking, &mut |walk, field, walking| {
            if is_introspection_field(&field.name.node) {
                1 + walk.fields(&field.selection_set.node, walking)
            } else {
                walk.introspection_cost(&field.selection_set.node, walking)
            }
        })
    }

    /// Sums `per_field` over the fields of `set` (`__typename` aside), inlining fragments.
    fn sum(
        &self,
        set: &'a SelectionSet,
        walking: &mut Vec<&'a str>,
        per_field: &mut dyn FnMut(&Self, &'a async_graphql::parser::types::Field, &mut Vec<&'a str>) -> usize,
    ) -> usize {
        let mut total = 0;
        for selection in &set.items {
            total += match &selection.node {
                Selection::Field(field) if field.node.name.node == "__typename" => 0,
                Selection::Field(field) => per_field(self, &field.node, walking),
                Selection::InlineFragment(fragment) => self.sum(&fragment.node.selection_set.node, walking, per_field),
                Selection::FragmentSpread(spread) => self
                    .spread(&spread.node.fragment_name.node, walking, |set, walking| {
                        self.sum(set, walking, per_field)
                    })
                    .unwrap_or(0),
            };
        }
        total
    }

    /// Whether any field of `set` (fragments inlined) has a name `matches` accepts.
    fn fields_where(
        &self,
        set: &'a SelectionSet,
        walking: &mut Vec<&'a str>,
        matches: &mut dyn FnMut(&str) -> bool,
    ) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => matches(&field.node.name.node),
            Selection::InlineFragment(fragment) => {
                self.fields_where(&fragment.node.selection_set.node, walking, matches)
            }
            Selection::FragmentSpread(spread) => self
                .spread(&spread.node.fragment_name.node, walking, |set, walking| {
                    self.fields_where(set, walking, matches)
                })
                .unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    const MIXED: &str = "query One { me { id } __schema { types { name fields { name type { ofType { name } } } } } } \
                         query Two { ...Q } fragment Q on Query { __type(name: \"User\") { ...T __typename } } \
                         fragment T on __Type { name kind }";

    #[test]
    fn depth_skips_introspection_only_when_asked() {
        let document = parse_query(MIXED).expect("parses");
        assert_eq!(depth(&document, false), 6, "__schema.types.fields.type.ofType.name");
        assert_eq!(depth(&document, true), 2, "me.id");
    }

    #[test]
    fn cost_counts_every_introspection_field_once_with_fragments_inlined() {
        let document = parse_query(MIXED).expect("parses");
        // __schema types name fields name type ofType name = 8; __type name kind = 3.
        assert_eq!(cost(&document), 11);
        assert!(present(&document));
        assert!(!present(&parse_query("{ me { id __typename } }").expect("parses")));
    }

    #[test]
    fn spans_cover_exactly_the_introspection_text() {
        let document = parse_query(MIXED).expect("parses");
        let covered: Vec<&str> = spans(&document, MIXED).into_iter().map(|s| &MIXED[s]).collect();
        assert_eq!(
            covered,
            [
                "__schema { types { name fields { name type { ofType { name } } } } }",
                "__type(name: \"User\") { ...T __typename }",
                "fragment T on __Type { name kind }",
            ]
        );
    }

    #[test]
    fn aliases_inside_introspection_are_counted_only_when_asked() {
        let document =
            parse_query("{ a: me { id } __schema { t: types { n: name } } } fragment F on __Type { k: kind }")
                .expect("parses");
        assert_eq!(aliases(&document, true), 1);
        assert_eq!(aliases(&document, false), 4);
    }

    #[test]
    fn fragment_cycles_end_the_walk() {
        let document = parse_query("{ ...A } fragment A on Query { me { id } ...B } fragment B on Query { ...A }")
            .expect("parses");
        assert_eq!(depth(&document, true), 2);
    }
}
