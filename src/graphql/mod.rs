//! The GraphQL building blocks every domain uses: scalars, Relay connections and their
//! cost, input patches, the per-request loader registry, the node types that several
//! domains return, and the context accessors resolvers start with. The schema itself is
//! assembled above the domains, in `api::schema`.

pub mod combined;
pub mod complexity;
pub mod connection;
pub mod context;
pub mod conversion;
pub mod files;
pub mod loaders;
pub mod nodes;
pub mod scalars;
pub mod transaction_pages;
pub mod written;

pub use context::ContextExt;

use async_graphql::MaybeUndefined;

/// An optional input field as a patch: omitted keeps (`None`), null clears (`Some(None)`).
pub fn patch<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
