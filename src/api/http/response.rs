//! Shapes an async-graphql response for the wire: every error gets `extensions.code`,
//! argument errors become BAD_USER_INPUT with `extensions.fields`, internal details are
//! replaced by a generic message carrying the request id.

use async_graphql::{ServerError, Value};
use serde_json::{Map, Value as Json, json};

/// The JSON body and whether the request failed before execution (no `data` entry).
pub struct Shaped {
    pub body: Json,
    pub request_error: bool,
}

/// Messages of async-graphql's own limit checks (depth, complexity, recursion, directives).
const LIMIT_MESSAGES: [&str; 4] = [
    "Query is nested too deep",
    "Query is too complex",
    "The recursion depth of the query cannot be greater than",
    "The number of directives on the field",
];
const ARGUMENT_ERROR_PREFIX: &str = "Invalid value for argument \"";
/// async-graphql's message when an argument fails to coerce at execution (e.g. a missing
/// variable read as null).
const COERCION_ERROR_PREFIX: &str = "Failed to parse \"";

/// What one operation produced.
pub struct Outcome {
    pub body: Json,
    /// Failed before execution (parse, validation, limits): no `data` entry.
    pub request_error: bool,
    pub invalid_token: bool,
    /// The body as it goes out, when it is already serialized (an answer without errors, or a
    /// cached one); `body` is then `Null`.
    pub serialized: Option<axum::body::Bytes>,
    /// A `Set-Cookie` for the response (the browser session's refresh cookie).
    pub set_cookie: Option<String>,
}

/// `{"data": ...}` for a response without errors or extensions.
pub fn serialize_data(data: &Value) -> axum::body::Bytes {
    #[derive(serde::Serialize)]
    struct DataOnly<'a> {
        data: Spliced<'a>,
    }
    // Serializing a value tree into memory cannot fail (no maps with non-string keys).
    serde_json::to_vec(&DataOnly { data: Spliced(data) })
        .unwrap_or_else(|_| br#"{"data":null}"#.to_vec())
        .into()
}

/// A value tree serialized as async-graphql does, except that a written answer
/// (`graphql::written`: an object holding only the raw-value token) goes out as the text it
/// carries without being parsed again: async-graphql's own serialization validates it through
/// `RawValue::from_string`, a second pass over the largest part of the body. The text is valid
/// JSON by construction (`JsonOut`), and the tests parse every answer.
struct Spliced<'a>(&'a Value);

impl serde::Serialize for Spliced<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeStruct};
        const RAW: &str = async_graphql_value::RAW_VALUE_TOKEN;
        match self.0 {
            Value::Object(object) => {
                if let (1, Some(Value::String(json))) = (object.len(), object.get(RAW)) {
                    // serde_json writes a struct of this name verbatim, as `RawValue` serializes.
                    let mut raw = serializer.serialize_struct(RAW, 1)?;
                    raw.serialize_field(RAW, json.as_str())?;
                    return raw.end();
                }
                let mut map = serializer.serialize_map(Some(object.len()))?;
                for (key, value) in object {
                    map.serialize_entry(key.as_str(), &Spliced(value))?;
                }
                map.end()
            }
            Value::List(items) => serializer.collect_seq(items.iter().map(Spliced)),
            scalar => scalar.serialize(serializer),
        }
    }
}

pub fn shape(response: async_graphql::Response, request_id: &str) -> Shaped {
    // Request errors (parse, validation, limits) have no path and no data; field errors
    // always carry the path of the field that failed.
    let request_error = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());

    let mut body = Map::new();
    if !request_error {
        body.insert("data".into(), response.data.into_json().unwrap_or(Json::Null));
    }
    if !response.errors.is_empty() {
        let errors = response.errors.into_iter().map(|e| error_json(e, request_id)).collect();
        body.insert("errors".into(), Json::Array(errors));
    }
    if !response.extensions.is_empty() {
        let extensions = response
            .extensions
            .into_iter()
            .map(|(k, v)| (k, v.into_json().unwrap_or(Json::Null)));
        body.insert("extensions".into(), Json::Object(extensions.collect()));
    }
    Shaped {
        body: Json::Object(body),
        request_error,
    }
}

/// One error for a request that never reached GraphQL execution.
pub fn request_error(code: &str, message: &str) -> Json {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

fn error_json(mut error: ServerError, request_id: &str) -> Json {
    let code = error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .and_then(|code| {
            if let Value::String(s) = code {
                Some(s.clone())
            } else {
                None
            }
        });
    if code.is_none() {
        classify(&mut error);
    }
    let is_internal = matches!(error.extensions.as_ref().and_then(|e| e.get("code")), Some(Value::String(c)) if c == "INTERNAL_SERVER_ERROR");
    if is_internal {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", request_id);
    }
    serde_json::to_value(&error)
        .unwrap_or_else(|_| request_error("INTERNAL_SERVER_ERROR", "Internal server error")["errors"][0].clone())
}

/// Gives a code to an error async-graphql raised itself (or a resolver forgot to extend).
fn classify(error: &mut ServerError) {
    let ext = error.extensions.get_or_insert_with(Default::default);
    if let Some((field, reason)) = error
        .message
        .strip_prefix(ARGUMENT_ERROR_PREFIX)
        .and_then(|rest| rest.split_once("\", "))
    {
        let message = explain(reason);
        ext.set("code", "BAD_USER_INPUT");
        ext.set(
            "fields",
            Value::List(vec![
                Value::from_json(json!({ "field": field, "message": message })).unwrap_or_default(),
            ]),
        );
        error.message = format!("Invalid input: {field} {message}");
    } else if error.message.starts_with(COERCION_ERROR_PREFIX) {
        let field = error
            .path
            .iter()
            .map(|segment| match segment {
                async_graphql::PathSegment::Field(name) => name.clone(),
                async_graphql::PathSegment::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".");
        let message = error.message.clone();
        ext.set("code", "BAD_USER_INPUT");
        ext.set(
            "fields",
            Value::List(vec![
                Value::from_json(json!({ "field": field, "message": message })).unwrap_or_default(),
            ]),
        );
    } else if LIMIT_MESSAGES.iter().any(|m| error.message.starts_with(m)) {
        ext.set("code", "QUERY_TOO_COMPLEX");
    } else if error.path.is_empty() {
        ext.set("code", "GRAPHQL_VALIDATION_FAILED");
    } else {
        // A resolver error without a code is a bug; never show its text (it may hold SQL).
        tracing::error!(message = %error.message, "resolver error without extensions.code");
        ext.set("code", "INTERNAL_SERVER_ERROR");
        error.message = "Internal server error".into();
    }
}

/// Turns the validator's terse type complaints into advice a client developer can act on.
fn explain(reason: &str) -> String {
    match reason {
        r#"expected type "Decimal""# => {
            "must be a decimal amount such as \"12.50\", with at most four decimal places (the currency's decide how many are kept)".into()
        }
        r#"expected type "Date""# => "must be a date in YYYY-MM-DD form".into(),
        r#"expected type "Int""# => "must be a whole number from -2147483648 to 2147483647".into(),
        r#"expected type "DateTime""# => "must be an RFC 3339 instant".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_answers_are_spliced_into_the_body_as_async_graphql_would_write_them() {
        let raw = |json: &str| {
            Value::Object(
                [(
                    async_graphql::Name::new(async_graphql_value::RAW_VALUE_TOKEN),
                    Value::String(json.into()),
                )]
                .into_iter()
                .collect(),
            )
        };
        let data = Value::from_json(json!({ "me": { "id": "1", "tags": ["a\"b", null, 2.5] } })).expect("value");
        let Value::Object(mut data) = data else {
            panic!("object")
        };
        data.insert(
            async_graphql::Name::new("budgets"),
            raw(r#"{"nodes":[{"id":"x","name":"\u00e9"}]}"#),
        );
        data.insert(
            async_graphql::Name::new("list"),
            Value::List(vec![raw("[1,2]"), Value::Null]),
        );
        let data = Value::Object(data);

        let ours = serialize_data(&data);
        let theirs = serde_json::to_vec(&json!({ "data": data.clone().into_json().expect("json") })).expect("json");
        assert_eq!(
            serde_json::from_slice::<Json>(&ours).expect("valid json"),
            serde_json::from_slice::<Json>(&theirs).expect("valid json")
        );
        let text = String::from_utf8(ours.to_vec()).expect("utf-8");
        assert!(
            text.contains(r#""budgets":{"nodes":[{"id":"x","name":"\u00e9"}]}"#),
            "{text}"
        );
        assert!(text.contains(r#""list":[[1,2],null]"#), "{text}");
    }

    #[test]
    fn argument_errors_name_the_field() {
        let mut error = ServerError::new(
            r#"Invalid value for argument "input.amount", expected type "Decimal""#,
            None,
        );
        classify(&mut error);
        let ext = serde_json::to_value(error.extensions).expect("json");
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        assert_eq!(ext["fields"][0]["field"], "input.amount");
    }

    #[test]
    fn coercion_errors_are_bad_user_input() {
        let mut error = ServerError::new(
            r#"Failed to parse "Boolean": Expected input type "Boolean", found null."#,
            None,
        )
        .with_path(vec![async_graphql::PathSegment::Field("logout".into())]);
        classify(&mut error);
        let ext = serde_json::to_value(error.extensions).expect("json");
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        assert_eq!(ext["fields"][0]["field"], "logout");
    }

    #[test]
    fn limit_errors_are_query_too_complex() {
        let mut error = ServerError::new("Query is nested too deep.", None);
        classify(&mut error);
        assert_eq!(
            serde_json::to_value(error.extensions).expect("json")["code"],
            "QUERY_TOO_COMPLEX"
        );
    }
}
