//! Answers written straight to JSON. A list field whose whole subtree the client selects from
//! plain fields is planned from the query document once, its rows loaded with one statement
//! per level, and its JSON written in one pass, instead of a boxed future, an `IndexMap` and a
//! `Value` for every object and field (two thirds of a nested read's CPU in the profile of
//! BENCHMARKS.md, run 9). The field keeps its schema type ([`Written`] reports `T`'s), and a
//! selection the plan does not cover (a computed field, a directive, a fragment on another
//! type, a response key used twice) is resolved by the executor as before; a test compares
//! both answers for the same documents.
//!
//! The plan reads the parsed document through async-graphql's `#[doc(hidden)]` context fields
//! (`item`, `query_env`), as its own `look_ahead` does; its public `SelectionField` flattens
//! fragments without their type conditions and directives, which a plan must see to refuse
//! them. Check these on an upgrade of async-graphql.

use std::{borrow::Cow, fmt::Display, io::Write, sync::Arc};

use async_graphql::{
    Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
    connection::{CursorType, Edge, EmptyFields, PageInfo},
    indexmap::IndexMap,
    parser::types::{Field, Selection as DocumentSelection, SelectionSet},
    registry::Registry,
    resolver_utils::EnumType,
};

use crate::{
    foundation::{
        config::Config,
        error::AppResult,
        pagination::{Paged, Position},
    },
    graphql::{
        connection::{Conn, count_as_int},
        scalars::DateTime,
    },
};

/// A field's answer: JSON written ahead of the executor, or a value it resolves as usual.
pub enum Written<T> {
    Json(String),
    Resolved(T),
}

impl<T: OutputType> OutputType for Written<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        match self {
            Written::Json(_) => T::type_name(),
            Written::Resolved(value) => value.introspection_type_name(),
        }
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        match self {
            // With async-graphql's `raw_value` feature, an object holding only this token is
            // serialized as the JSON text it carries.
            Written::Json(json) => Ok(Value::Object(IndexMap::from([(
                Name::new(async_graphql_value::RAW_VALUE_TOKEN),
                Value::String(json.clone()),
            )]))),
            Written::Resolved(value) => value.resolve(ctx, field).await,
        }
    }
}

/// One entry of a planned selection set.
pub enum Pick<F> {
    /// `__typename`.
    Typename,
    Field(F),
}

/// A planned selection set of one object type: response keys in the order the response
/// gives them, and what each writes.
pub struct Selection<F> {
    type_name: Cow<'static, str>,
    picks: Vec<(Name, Pick<F>)>,
}

impl<F> Selection<F> {
    /// The planned fields, for walking a plan (to find what it needs loaded).
    pub fn fields(&self) -> impl Iterator<Item = &F> {
        self.picks.iter().filter_map(|(_, pick)| match pick {
            Pick::Field(f) => Some(f),
            Pick::Typename => None,
        })
    }
}

/// A field of the document, offered to a plan.
pub struct Planned<'a> {
    ctx: &'a Context<'a>,
    field: &'a Field,
}

impl<'a> Planned<'a> {
    pub fn name(&self) -> &str {
        &self.field.name.node
    }

    /// The argument's value with variables substituted; `Null` when absent. `None` when a
    /// variable is undefined (the executor then reports it).
    pub fn argument(&self, name: &str) -> Option<Value> {
        let Some(value) = self.field.get_argument(name) else {
            return Some(Value::Null);
        };
        let env = &self.ctx.query_env;
        value
            .node
            .clone()
            .into_const_with(|variable| {
                env.operation
                    .node
                    .variable_definitions
                    .iter()
                    .find(|def| def.node.name.node == variable)
                    .and_then(|def| {
                        env.variables
                            .get(&def.node.name.node)
                            .or_else(|| def.node.default_value())
                    })
                    .cloned()
                    .ok_or(())
            })
            .ok()
    }

    /// An `Int` argument: `Some(None)` when absent or null, `None` for anything else.
    pub fn int_argument(&self, name: &str) -> Option<Option<i32>> {
        match self.argument(name)? {
            Value::Null => Some(None),
            Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()).map(Some),
            _ => None,
        }
    }

    /// A `String` argument: `Some(None)` when absent or null, `None` for anything else.
    pub fn string_argument(&self, name: &str) -> Option<Option<String>> {
        match self.argument(name)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s)),
            _ => None,
        }
    }

    /// Plans this field's own selection set as type `T`.
    pub fn selection<T: OutputType, F>(&self, each: impl FnMut(Planned<'_>) -> Option<F>) -> Option<Selection<F>> {
        plan::<T, F>(self.ctx, &self.field.selection_set.node, each)
    }

    /// Plans this field's selection set as a connection of `N`.
    pub fn connection<N: OutputType, F>(
        &self,
        node: impl FnMut(Planned<'_>) -> Option<F>,
    ) -> Option<Selection<ConnectionField<F>>> {
        plan_connection::<N, F>(self.ctx, self.field, node)
    }
}

/// The selection set of the field `ctx` resolves, planned as a connection of `N`; `None`
/// when any part of it is outside what `node` plans.
pub fn plan_field_connection<N: OutputType, F>(
    ctx: &Context<'_>,
    node: impl FnMut(Planned<'_>) -> Option<F>,
) -> Option<Selection<ConnectionField<F>>> {
    if ctx
        .data_opt::<Arc<Config>>()
        .is_some_and(|config| !config.written_answers)
    {
        return None;
    }
    plan_connection::<N, F>(ctx, &ctx.item.node, node)
}

/// Plans `set` as the selection of an object of type `T`: `each` plans a field or refuses it.
/// Refused as a whole on a directive anywhere, a fragment on another type, or a response key
/// given twice (the executor merges those; a plan does not).
fn plan<T: OutputType, F>(
    ctx: &Context<'_>,
    set: &SelectionSet,
    mut each: impl FnMut(Planned<'_>) -> Option<F>,
) -> Option<Selection<F>> {
    let mut selection = Selection {
        type_name: T::type_name(),
        picks: Vec::new(),
    };
    gather(ctx, set, &mut selection, &mut each, 0)?;
    Some(selection)
}

/// Fragments nest at most this deep in a plan (the document's limits bound it anyway).
const MAX_FRAGMENT_NESTING: usize = 8;

fn gather<F>(
    ctx: &Context<'_>,
    set: &SelectionSet,
    into: &mut Selection<F>,
    each: &mut impl FnMut(Planned<'_>) -> Option<F>,
    nesting: usize,
) -> Option<()> {
    if nesting > MAX_FRAGMENT_NESTING {
        return None;
    }
    for item in &set.items {
        match &item.node {
            DocumentSelection::Field(field) => {
                let field = &field.node;
                if !field.directives.is_empty() {
                    return None;
                }
                let key = &field.response_key().node;
                if into.picks.iter().any(|(k, _)| k == key) {
                    return None;
                }
                let pick = if field.name.node == "__typename" {
                    Pick::Typename
                } else {
                    Pick::Field(each(Planned { ctx, field })?)
                };
                into.picks.push((key.clone(), pick));
            }
            DocumentSelection::FragmentSpread(spread) => {
                let fragment = ctx.query_env.fragments.get(&spread.node.fragment_name.node)?;
                let fragment = &fragment.node;
                if !spread.node.directives.is_empty()
                    || !fragment.directives.is_empty()
                    || fragment.type_condition.node.on.node != *into.type_name
                {
                    return None;
                }
                gather(ctx, &fragment.selection_set.node, into, each, nesting + 1)?;
            }
            DocumentSelection::InlineFragment(inline) => {
                let inline = &inline.node;
                let other_type = inline
                    .type_condition
                    .as_ref()
                    .is_some_and(|condition| condition.node.on.node != *into.type_name);
                if !inline.directives.is_empty() || other_type {
                    return None;
                }
                gather(ctx, &inline.selection_set.node, into, each, nesting + 1)?;
            }
        }
    }
    Some(())
}

/// A field of a Relay connection (`Conn<N>`).
pub enum ConnectionField<F> {
    Edges(Selection<EdgeField<F>>),
    Nodes(Selection<F>),
    PageInfo(Selection<PageInfoField>),
    TotalCount,
}

pub enum EdgeField<F> {
    Node(Selection<F>),
    Cursor,
}

pub enum PageInfoField {
    HasPreviousPage,
    HasNextPage,
    StartCursor,
    EndCursor,
}

fn plan_connection<N: OutputType, F>(
    ctx: &Context<'_>,
    field: &Field,
    mut node: impl FnMut(Planned<'_>) -> Option<F>,
) -> Option<Selection<ConnectionField<F>>> {
    type ConnEdge<N> = Edge<Position, N, EmptyFields>;
    let mut selection = Selection {
        type_name: <Conn<N> as OutputType>::type_name(),
        picks: Vec::new(),
    };
    let mut each = |f: Planned<'_>| -> Option<ConnectionField<F>> {
        Some(match f.name() {
            "edges" => ConnectionField::Edges(plan::<ConnEdge<N>, _>(ctx, &f.field.selection_set.node, |e| {
                Some(match e.name() {
                    "node" => EdgeField::Node(e.selection::<N, F>(&mut node)?),
                    "cursor" => EdgeField::Cursor,
                    _ => return None,
                })
            })?),
            "nodes" => ConnectionField::Nodes(f.selection::<N, F>(&mut node)?),
            "pageInfo" => ConnectionField::PageInfo(f.selection::<PageInfo, _>(|p| {
                Some(match p.name() {
                    "hasPreviousPage" => PageInfoField::HasPreviousPage,
                    "hasNextPage" => PageInfoField::HasNextPage,
                    "startCursor" => PageInfoField::StartCursor,
                    "endCursor" => PageInfoField::EndCursor,
                    _ => return None,
                })
            })?),
            "totalCount" => ConnectionField::TotalCount,
            _ => return None,
        })
    };
    gather(ctx, &field.selection_set.node, &mut selection, &mut each, 0)?;
    Some(selection)
}

impl<F> Selection<ConnectionField<F>> {
    /// The node selections of this connection (under `nodes` and `edges { node }`).
    pub fn node_selections(&self) -> impl Iterator<Item = &Selection<F>> {
        self.fields().flat_map(|field| match field {
            ConnectionField::Nodes(nodes) => vec![nodes],
            ConnectionField::Edges(edges) => edges
                .fields()
                .filter_map(|e| match e {
                    EdgeField::Node(node) => Some(node),
                    EdgeField::Cursor => None,
                })
                .collect(),
            ConnectionField::PageInfo(_) | ConnectionField::TotalCount => Vec::new(),
        })
    }

    /// Whether the selection asks for `totalCount`.
    pub fn selects_total_count(&self) -> bool {
        self.fields().any(|f| matches!(f, ConnectionField::TotalCount))
    }

    /// What `count` finds when the selection asks for `totalCount`; `count` is not run otherwise.
    pub async fn total_count(&self, count: impl Future<Output = AppResult<u64>>) -> AppResult<Option<u64>> {
        match self.selects_total_count() {
            true => count.await.map(Some),
            false => Ok(None),
        }
    }
}

/// A JSON text being written. Keys are GraphQL names and values come from the writers below,
/// so the text is valid JSON by construction.
#[derive(Default)]
pub struct JsonOut(Vec<u8>);

impl JsonOut {
    pub fn finish(self) -> String {
        // Every write below is UTF-8 (strings are escaped by serde_json).
        String::from_utf8(self.0).unwrap_or_default()
    }

    pub fn null(&mut self) {
        self.0.extend_from_slice(b"null");
    }

    pub fn bool(&mut self, value: bool) {
        self.0.extend_from_slice(if value { b"true" } else { b"false" });
    }

    pub fn int(&mut self, value: i64) {
        let _ = write!(self.0, "{value}");
    }

    /// A string that may need escaping.
    pub fn string(&mut self, value: &str) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.0, value);
    }

    pub fn opt_string(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.string(value),
            None => self.null(),
        }
    }

    /// A value whose text never needs escaping (numbers, dates, UUIDs, enum names), quoted.
    pub fn quoted(&mut self, value: impl Display) {
        let _ = write!(self.0, "\"{value}\"");
    }

    /// An `ID`: the UUID's hyphenated form, as `ids::to_id` gives it.
    pub fn id(&mut self, id: uuid::Uuid) {
        self.quoted(id.hyphenated());
    }

    /// A `DateTime`, as its scalar writes it.
    pub fn instant(&mut self, at: chrono::DateTime<chrono::Utc>) {
        self.quoted(DateTime(at).text());
    }

    /// A GraphQL enum value.
    pub fn enumeration<E: EnumType>(&mut self, value: E) {
        match E::items().iter().find(|item| item.value == value) {
            Some(item) => self.quoted(item.name),
            None => self.null(),
        }
    }

    /// `{"key": value, ...}` for the selection, `value` writing each planned field.
    pub fn object<F>(&mut self, selection: &Selection<F>, mut value: impl FnMut(&mut JsonOut, &F)) {
        self.0.push(b'{');
        for (i, (key, pick)) in selection.picks.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.string(key);
            self.0.push(b':');
            match pick {
                Pick::Typename => self.string(&selection.type_name),
                Pick::Field(field) => value(self, field),
            }
        }
        self.0.push(b'}');
    }

    pub fn list<T>(&mut self, items: impl IntoIterator<Item = T>, mut each: impl FnMut(&mut JsonOut, T)) {
        self.0.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            each(self, item);
        }
        self.0.push(b']');
    }

    /// A Relay connection over `page`, `node` writing one row; `total` is the number of rows
    /// across pages, when the selection asks for it.
    pub fn connection<M, F>(
        &mut self,
        selection: &Selection<ConnectionField<F>>,
        page: &Paged<M>,
        total: Option<u64>,
        mut node: impl FnMut(&mut JsonOut, &Selection<F>, &M),
    ) {
        self.object(selection, |out, field| match field {
            ConnectionField::Nodes(nodes) => out.list(&page.items, |out, (_, row)| node(out, nodes, row)),
            ConnectionField::Edges(edges) => out.list(&page.items, |out, (position, row)| {
                out.object(edges, |out, field| match field {
                    EdgeField::Node(nodes) => node(out, nodes, row),
                    EdgeField::Cursor => out.string(&position.encode_cursor()),
                })
            }),
            ConnectionField::PageInfo(info) => out.object(info, |out, field| match field {
                PageInfoField::HasPreviousPage => out.bool(page.has_previous_page),
                PageInfoField::HasNextPage => out.bool(page.has_next_page),
                PageInfoField::StartCursor => out.opt_string(page.items.first().map(|(p, _)| p.encode()).as_deref()),
                PageInfoField::EndCursor => out.opt_string(page.items.last().map(|(p, _)| p.encode()).as_deref()),
            }),
            ConnectionField::TotalCount => out.int(i64::from(count_as_int(total.unwrap_or_default()))),
        });
    }
}
