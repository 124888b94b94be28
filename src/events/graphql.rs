//! Live feeds for subscription fields: the caller's events of one kind, until their access
//! token expires. Each domain declares the subscription fields for its own events.

use std::sync::Arc;

use async_graphql::{Context, Result, ResultExt};
use futures_util::{Stream, StreamExt, future, stream};

use crate::{
    events::{Event, EventBus},
    foundation::error::AppError,
    graphql::ContextExt,
};

/// The caller's events that `pick` keeps, until their access token expires.
pub fn feed<T: Send + 'static>(
    ctx: &Context<'_>,
    pick: fn(&Event) -> Option<T>,
) -> Result<impl Stream<Item = Result<T>> + use<T>> {
    let caller = ctx.auth_user().extend()?;
    let events = ctx.shared::<EventBus>().extend()?;
    Ok(until_expiry(events.subscribe(caller.id), pick, caller.expires_at))
}

// Separate from `feed` so the stream's type borrows nothing from the request context.
fn until_expiry<T: Send + 'static>(
    feed: impl Stream<Item = Arc<Event>> + Send + 'static,
    pick: fn(&Event) -> Option<T>,
    expires_at: i64,
) -> impl Stream<Item = Result<T>> {
    let remaining = u64::try_from(expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
    let expired = tokio::time::sleep(std::time::Duration::from_secs(remaining));
    let ended: Result<T> = Err(AppError::Unauthenticated(
        "access token expired; subscribe again with a fresh one",
    ))
    .extend();
    feed.filter_map(move |event| future::ready(pick(&event).map(Ok)))
        .take_until(expired)
        .chain(stream::once(future::ready(ended)))
}
