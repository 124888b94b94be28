//! `GET /graphql/ws`: subscriptions over WebSocket (the graphql-transport-ws protocol).
//!
//! The access token travels in `connection_init` (`{"Authorization": "Bearer <token>"}`, or
//! `{"token": "<token>"}`); a connection without a valid one is closed. Only subscription
//! operations are accepted here (queries and mutations go over HTTP, where the rate limits
//! and idempotency keys apply), under the same document limits as HTTP, at most
//! `MAX_SUBSCRIPTIONS` at a time per connection. Every subscription ends, with an
//! UNAUTHENTICATED error, when the token expires; the client re-subscribes with a fresh one.

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_graphql::{
    Data, Executor, Request, Response, ServerError, futures_util::stream::BoxStream, http::WebSocketProtocols,
    parser::types::OperationType,
};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response as HttpResponse},
};
use futures_util::{StreamExt, stream};
use serde_json::Value as Json;

use crate::{
    api::{ApiState, AppSchema, int_range, limits, persisted::Documents},
    auth::bearer::{self, bearer_token},
    foundation::{config::GraphqlLimits, identity::RequestAuth},
    graphql::loaders::Loaders,
};

/// Live subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS: usize = 32;
/// A client that neither sends nor answers anything for this long is disconnected.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
const PROTOCOL: &str = "graphql-transport-ws";

pub async fn subscribe(
    State(http): State<ApiState>,
    headers: HeaderMap,
    protocol: Result<GraphQLProtocol, StatusCode>,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    // Of the two protocols async-graphql speaks, only the maintained one is offered.
    let offered_first = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .map(str::trim)
                .find(|p| WebSocketProtocols::from_str(p).is_ok())
        });
    let Ok(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must offer graphql-transport-ws",
        )
            .into_response();
    };
    if offered_first != Some(PROTOCOL) {
        return (
            StatusCode::BAD_REQUEST,
            "only the graphql-transport-ws protocol is supported",
        )
            .into_response();
    }
    let executor = SubscriptionsOnly {
        schema: http.schema.clone(),
        documents: Arc::clone(&http.documents),
        limits: http.config.graphql_limits,
        live: Arc::default(),
    };
    let app = http.clone();
    upgrade.protocols([PROTOCOL]).on_upgrade(move |socket| {
        GraphQLWebSocket::new(socket, executor, protocol)
            .on_connection_init(move |payload| async move { authenticate(&app, &payload) })
            .keepalive_timeout(IDLE_TIMEOUT)
            .serve()
    })
}

/// The connection's data from `connection_init`: the caller and their loaders.
fn authenticate(app: &ApiState, payload: &Json) -> async_graphql::Result<Data> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(key).and_then(Json::as_str))
        .and_then(bearer_token);
    let token = header.or_else(|| payload.get("token").and_then(Json::as_str));
    let Some(token) = token else {
        return Err("UNAUTHENTICATED: connection_init must carry the access token".into());
    };
    let Some(user) = bearer::verify(token, &app.tokens, &app.liveness) else {
        return Err("UNAUTHENTICATED: invalid or expired access token".into());
    };
    let mut data = Data::default();
    data.insert(Loaders::new(app.db.clone(), user.id));
    data.insert(RequestAuth::User(user));
    Ok(data)
}

/// The schema, for subscription operations only, within the document limits and the
/// per-connection subscription cap.
#[derive(Clone)]
struct SubscriptionsOnly {
    schema: AppSchema,
    /// In trusted-documents mode, only the manifest's subscriptions are admitted (sent as text).
    documents: Arc<Documents>,
    limits: GraphqlLimits,
    live: Arc<AtomicUsize>,
}

impl SubscriptionsOnly {
    fn admit(&self, request: &mut Request) -> Result<(), ServerError> {
        let refuse = |code: &str, message: &str| {
            let mut error = ServerError::new(message, None);
            error.extensions.get_or_insert_with(Default::default).set("code", code);
            error
        };
        if let Documents::Trusted(trusted) = &*self.documents
            && !trusted.contains(&request.query)
        {
            return Err(refuse("FORBIDDEN", "only trusted documents run on this server"));
        }
        // Only subscriptions are served here, and introspection is never one: nothing is exempt.
        let document = limits::parse_within(&request.query, &self.limits, false)?.document;
        int_range::check(&document, &request.variables).map_err(|mut error| {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "BAD_USER_INPUT");
            error
        })?;
        // An ambiguous document (several operations, no name) is left to execution to report.
        let operation = limits::operation_type(&document, request.operation_name.as_deref());
        if operation.is_some_and(|ty| ty != OperationType::Subscription) {
            return Err(refuse(
                "BAD_REQUEST",
                "only subscriptions are served over WebSocket; send queries and mutations over HTTP",
            ));
        }
        if self.live.load(Ordering::Acquire) >= MAX_SUBSCRIPTIONS {
            return Err(refuse(
                "RATE_LIMITED",
                &format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"),
            ));
        }
        request.set_parsed_query(document);
        Ok(())
    }
}

impl Executor for SubscriptionsOnly {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request).await
    }

    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        if let Err(error) = self.admit(&mut request) {
            return stream::once(async move { Response::from_errors(vec![error]) }).boxed();
        }
        let live = LiveSubscription::new(Arc::clone(&self.live));
        self.schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(move |response| {
                let _held = &live;
                response
            })
            .boxed()
    }
}

/// Counts a subscription as live until its stream is dropped (completed or stopped).
struct LiveSubscription(Arc<AtomicUsize>);

impl LiveSubscription {
    fn new(live: Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, Ordering::AcqRel);
        LiveSubscription(live)
    }
}

impl Drop for LiveSubscription {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
