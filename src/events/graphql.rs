//! Live feeds for subscription fields: the caller's events of one kind, until their access
//! token expires or their session ends (revoked, signed out, the account disabled). Each
//! domain declares the subscription fields for its own events.

use std::sync::Arc;

use async_graphql::{Context, Result, ResultExt};
use futures_util::{Stream, StreamExt, future, stream};

use crate::{
    auth::liveness::Liveness,
    events::{Event, EventBus},
    foundation::{error::AppError, identity::AuthUser},
    graphql::ContextExt,
};

/// The caller's events that `pick` keeps, until their access token expires or their session
/// ends.
pub fn feed<T: Send + 'static>(
    ctx: &Context<'_>,
    pick: fn(&Event) -> Option<T>,
) -> Result<impl Stream<Item = Result<T>> + use<T>> {
    let caller = ctx.auth_user().extend()?.clone();
    let events = ctx.shared::<EventBus>().extend()?;
    let liveness = Arc::clone(ctx.shared::<Arc<Liveness>>().extend()?);
    Ok(until_ended(events.subscribe(caller.id), pick, caller, liveness))
}

// Separate from `feed` so the stream's type borrows nothing from the request context.
fn until_ended<T: Send + 'static>(
    feed: impl Stream<Item = Arc<Event>> + Send + 'static,
    pick: fn(&Event) -> Option<T>,
    caller: AuthUser,
    liveness: Arc<Liveness>,
) -> impl Stream<Item = Result<T>> {
    let remaining = u64::try_from(caller.expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
    let expired = Box::pin(tokio::time::sleep(std::time::Duration::from_secs(remaining)));
    // Looks again whenever the refused sessions change; never ends if they stop changing.
    let mut changes = liveness.changes();
    let revoked = Box::pin(async move {
        while liveness.is_live(&caller) {
            if changes.changed().await.is_err() {
                future::pending::<()>().await;
            }
        }
    });
    let ended: Result<T> = Err(AppError::Unauthenticated(
        "access token expired or its session ended; subscribe again with a fresh one",
    ))
    .extend();
    feed.filter_map(move |event| future::ready(pick(&event).map(Ok)))
        .take_until(future::select(expired, revoked))
        .chain(stream::once(future::ready(ended)))
}
