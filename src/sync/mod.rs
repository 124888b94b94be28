//! Delta sync: `changes(since)` hands a client every object of theirs created, changed or
//! deleted after a token, so a client downloads everything once and then only what changed.
//! The numbering is done by database triggers (migration 019); this domain reads it, and the
//! daily clean-up forgets deletions after 90 days.

pub mod graphql;
pub mod service;
