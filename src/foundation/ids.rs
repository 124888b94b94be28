//! GraphQL `ID`s are UUIDs. A malformed id names no object, exactly like an unknown one.

use async_graphql::ID;
use uuid::Uuid;

/// The UUID an id names, or `None` when it cannot name anything.
pub fn parse(id: &ID) -> Option<Uuid> {
    Uuid::try_parse(id.as_str()).ok()
}

/// For filters: a malformed id becomes the nil UUID, which matches no row.
pub fn parse_or_nil(id: &ID) -> Uuid {
    parse(id).unwrap_or(Uuid::nil())
}

pub fn to_id(id: Uuid) -> ID {
    ID(id.to_string())
}
