//! GraphQL's `Int` is a signed 32-bit integer. async-graphql 7 validates an `Int` input only as
//! "any i64" and range-checks it when a resolver reads it, so under a field that never runs (a
//! list that came back empty) `upcoming(first: 310885811568)` was accepted silently. This
//! refuses such a document before execution, as the validator refuses any other argument of
//! the wrong type. It is a walk over the document, not an async-graphql extension: registering
//! any extension sends every resolved field through the slower instrumented path.

use std::{collections::HashMap, sync::LazyLock};

use async_graphql::{
    ServerError, Value as ConstValue, Variables,
    parser::{
        parse_schema,
        types::{
            BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
        },
    },
};

/// The message prefix and shape of async-graphql's own argument refusals, so the HTTP layer
/// codes and explains this one the same way (BAD_USER_INPUT).
fn refusal(argument: &str, pos: async_graphql::Pos) -> ServerError {
    ServerError::new(
        format!("Invalid value for argument \"{argument}\", expected type \"Int\""),
        Some(pos),
    )
}

/// The first argument of `document` holding an `Int` outside the 32-bit range (as a literal,
/// inside an input object or list, or through a variable or its default), as an error.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> Result<(), ServerError> {
    let shapes = &*SHAPES;
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            if let Some(default) = &definition.default_value
                && !shapes.fits(&definition.var_type.node, &default.node)
            {
                return Err(refusal(&format!("${}", definition.name.node), default.pos));
            }
        }
        let root = match operation.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        let mut walk = Walk {
            shapes,
            document,
            variables,
            entered: Vec::new(),
        };
        walk.selection_set(root, &operation.selection_set.node)?;
    }
    Ok(())
}

/// The input positions of the schema: for each output type, its fields' arguments and result
/// type; for each input object, its fields. Built once from the schema's own SDL.
struct Shapes {
    fields: HashMap<String, HashMap<String, FieldShape>>,
    input_fields: HashMap<String, HashMap<String, Type>>,
}

struct FieldShape {
    arguments: HashMap<String, Type>,
    result: String,
}

static SHAPES: LazyLock<Shapes> = LazyLock::new(|| Shapes::of_sdl(&crate::api::schema::sdl()));

impl Shapes {
    fn of_sdl(sdl: &str) -> Shapes {
        let document = parse_schema(sdl).expect("the schema's own SDL parses");
        let mut shapes = Shapes {
            fields: HashMap::new(),
            input_fields: HashMap::new(),
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let name = definition.node.name.node.to_string();
            let fields = match definition.node.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                TypeKind::InputObject(input) => {
                    let fields = input
                        .fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node));
                    shapes.input_fields.insert(name, fields.collect());
                    continue;
                }
                _ => continue,
            };
            let fields = fields.into_iter().map(|field| {
                let field = field.node;
                let arguments = field
                    .arguments
                    .into_iter()
                    .map(|a| (a.node.name.node.to_string(), a.node.ty.node));
                let shape = FieldShape {
                    arguments: arguments.collect(),
                    result: named(&field.ty.node).to_owned(),
                };
                (field.name.node.to_string(), shape)
            });
            shapes.fields.insert(name, fields.collect());
        }
        shapes.keep_only_int_positions();
        shapes
    }

    /// Drops every argument and input field whose type cannot hold an Int (directly, in a
    /// list, or in an input object that can): the walk then clones and inspects only the
    /// few arguments that matter, not every argument of every request.
    fn keep_only_int_positions(&mut self) {
        let mut holding: std::collections::HashSet<String> = std::collections::HashSet::from(["Int".to_owned()]);
        // Input objects nest: repeat until no new one is found to hold an Int.
        loop {
            let found: Vec<String> = self
                .input_fields
                .iter()
                .filter(|(name, fields)| {
                    !holding.contains(*name) && fields.values().any(|ty| holding.contains(named(ty)))
                })
                .map(|(name, _)| name.clone())
                .collect();
            if found.is_empty() {
                break;
            }
            holding.extend(found);
        }
        for fields in self.input_fields.values_mut() {
            fields.retain(|_, ty| holding.contains(named(ty)));
        }
        for shape in self.fields.values_mut().flat_map(HashMap::values_mut) {
            shape.arguments.retain(|_, ty| holding.contains(named(ty)));
        }
    }

    /// Whether `value` has no `Int` out of range where `ty` expects one. Anything else wrong
    /// with it is the validator's to report.
    fn fits(&self, ty: &Type, value: &ConstValue) -> bool {
        match (&ty.base, value) {
            (BaseType::List(item), ConstValue::List(items)) => {
                items.iter().all(|value| self.fits(item.as_ref(), value))
            }
            (BaseType::List(item), value) => self.fits(item.as_ref(), value),
            (BaseType::Named(name), ConstValue::Number(number)) if name.as_str() == "Int" => {
                number.as_i64().is_none_or(|n| i32::try_from(n).is_ok())
            }
            (BaseType::Named(name), ConstValue::Object(fields)) => {
                let Some(declared) = self.input_fields.get(name.as_str()) else {
                    return true;
                };
                fields
                    .iter()
                    .all(|(field, value)| declared.get(field.as_str()).is_none_or(|ty| self.fits(ty, value)))
            }
            _ => true,
        }
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

struct Walk<'a> {
    shapes: &'a Shapes,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    /// Fragments being walked, so a (invalid) cycle of spreads ends.
    entered: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, parent: &'a str, set: &'a SelectionSet) -> Result<(), ServerError> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    // An unknown field is the validator's to report.
                    let Some(shape) = self
                        .shapes
                        .fields
                        .get(parent)
                        .and_then(|fields| fields.get(field.name.node.as_str()))
                    else {
                        continue;
                    };
                    for (name, value) in &field.arguments {
                        let Some(ty) = shape.arguments.get(name.node.as_str()) else {
                            continue;
                        };
                        // Variables in place; a missing one is null, which holds no Int (its
                        // default was checked with the definitions).
                        let variables = self.variables;
                        let value = value.node.clone().into_const_with(|name| {
                            Ok::<_, std::convert::Infallible>(variables.get(&name).cloned().unwrap_or_default())
                        });
                        let Ok(value) = value;
                        if !self.shapes.fits(ty, &value) {
                            return Err(refusal(&name.node, name.pos));
                        }
                    }
                    self.selection_set(&shape.result, &field.selection_set.node)?;
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.selection_set(on, &fragment.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    if self.entered.contains(&name) {
                        continue;
                    }
                    self.entered.push(name);
                    let fragment = &fragment.node;
                    self.selection_set(
                        fragment.type_condition.node.on.node.as_str(),
                        &fragment.selection_set.node,
                    )?;
                    self.entered.pop();
                }
            }
        }
        Ok(())
    }
}
