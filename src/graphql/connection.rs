//! Relay connections for every list, built from a keyset page. `totalCount` costs a COUNT
//! query, so it runs only when a client selects it.

use std::sync::Arc;

use async_graphql::{
    Object, OutputType, Result, ResultExt,
    connection::{Connection, CursorType, Edge, EmptyFields},
};
use futures_util::future::BoxFuture;

use crate::foundation::{
    error::AppResult,
    pagination::{Paged, Position},
};

/// A Relay connection of `N` with `totalCount`.
pub type Conn<N> = Connection<Position, N, TotalCount, EmptyFields>;

/// Cursors are written when a client selects them; arguments are read by the resolvers
/// themselves (`PageArgs::validate`), never through this.
impl CursorType for Position {
    type Error = &'static str;

    fn decode_cursor(_: &str) -> Result<Self, Self::Error> {
        Err("cursors are decoded by the list's resolver")
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

type Counter = Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>;

/// The `totalCount` of a connection: already known, or counted on demand.
pub enum TotalCount {
    Known(u64),
    Deferred(Counter),
}

impl TotalCount {
    pub fn deferred(count: impl Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync + 'static) -> Self {
        TotalCount::Deferred(Arc::new(count))
    }
}

#[Object]
impl TotalCount {
    /// How many items match, across all pages.
    async fn total_count(&self) -> Result<i32> {
        let count = match self {
            TotalCount::Known(n) => *n,
            TotalCount::Deferred(count) => count().await.extend()?,
        };
        Ok(count_as_int(count))
    }
}

/// A count as the `Int` `totalCount` is: capped at `Int`'s largest value.
pub fn count_as_int(count: u64) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// Turns a page of rows into a connection of their GraphQL nodes.
pub fn connection<M, N: OutputType>(page: Paged<M>, total: TotalCount, node: impl Fn(M) -> N) -> Conn<N> {
    let mut connection = Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    connection.edges = page
        .items
        .into_iter()
        .map(|(cursor, row)| Edge::new(cursor, node(row)))
        .collect();
    connection
}
