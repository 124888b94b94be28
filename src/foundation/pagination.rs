//! Keyset pagination shared by every list: validated Relay arguments, opaque cursors, and
//! a fetch that stays stable when rows are inserted between pages (no OFFSET).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QuerySelect, Select, Value};
use uuid::Uuid;

use crate::foundation::{
    db::Reads,
    error::{AppError, AppResult},
};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Cursor scopes of the transaction orderings, one per ordering, so a cursor cannot be
/// replayed under another order. Every list of transactions by date (the `transactions`
/// query and a category's transactions) shares the first.
pub const TRANSACTIONS_BY_DATE: &str = "transactions:date";
pub const TRANSACTIONS_BY_AMOUNT: &str = "transactions:amount";
pub const TRANSACTIONS_BY_CREATION: &str = "transactions:created";

/// Relay arguments as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// Validated arguments: how many rows, which way, from where.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: u64,
    pub direction: Direction,
    pub cursor: Option<Cursor>,
}

/// The sort key of the row a cursor points at, besides its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Ordered by id alone (UUIDv7, so by creation).
    Id,
    Date(NaiveDate),
    Amount(i64),
    Instant(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub key: SortKey,
    pub id: Uuid,
}

/// A row's place in an ordering. Encoded into cursor text only when a client selects a
/// cursor: most pages are read without them, and encoding one per row was a measurable share
/// of a nested list's cost.
#[derive(Debug, Clone)]
pub struct Position {
    pub scope: &'static str,
    pub cursor: Cursor,
}

impl Position {
    pub fn encode(&self) -> String {
        self.cursor.encode(self.scope)
    }
}

impl Cursor {
    /// Opaque text naming the ordering (`scope`) and the row's position in it.
    pub fn encode(&self, scope: &str) -> String {
        let key = match &self.key {
            SortKey::Id => String::new(),
            SortKey::Date(d) => d.format("%Y-%m-%d").to_string(),
            SortKey::Amount(a) => a.to_string(),
            SortKey::Instant(t) => t.timestamp_micros().to_string(),
        };
        URL_SAFE_NO_PAD.encode(format!("{scope}|{key}|{}", self.id.simple()))
    }

    /// Reads a cursor made by `encode` for the same `scope`; anything else is BAD_USER_INPUT.
    pub fn decode(text: &str, scope: &str, field: &str) -> AppResult<Cursor> {
        let invalid = || AppError::invalid(field, "is not a cursor of this list and ordering");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let decoded = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = decoded.splitn(3, '|');
        let (Some(tag), Some(key), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        if tag != scope {
            return Err(invalid());
        }
        let id = Uuid::try_parse(id).map_err(|_| invalid())?;
        let key = match scope.rsplit(':').next() {
            Some("date") => SortKey::Date(NaiveDate::parse_from_str(key, "%Y-%m-%d").map_err(|_| invalid())?),
            Some("amount") => SortKey::Amount(key.parse().map_err(|_| invalid())?),
            Some("created") => {
                let micros: i64 = key.parse().map_err(|_| invalid())?;
                SortKey::Instant(DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?)
            }
            _ => SortKey::Id,
        };
        Ok(Cursor { key, id })
    }
}

impl PageArgs {
    /// Checks the Relay arguments: first/last within 0..=100 (default 20), not both, and a
    /// cursor of this list's `scope`.
    pub fn validate(self, scope: &str) -> AppResult<Page> {
        let mut errors = crate::foundation::error::FieldErrors::default();
        let check = |n: Option<i32>, field: &str, errors: &mut crate::foundation::error::FieldErrors| -> Option<u64> {
            let n = n?;
            match u64::try_from(n) {
                Ok(n) if n <= MAX_PAGE_SIZE => Some(n),
                _ => {
                    errors.add(field, format!("must be between 0 and {MAX_PAGE_SIZE}"));
                    None
                }
            }
        };
        let first = check(self.first, "first", &mut errors);
        let last = check(self.last, "last", &mut errors);
        if self.first.is_some() && self.last.is_some() {
            errors.add("last", "cannot be combined with first");
        }
        if self.after.is_some() && self.before.is_some() {
            errors.add("before", "cannot be combined with after");
        }
        errors.finish()?;
        let backward = self.last.is_some() || (self.first.is_none() && self.before.is_some());
        let (limit, direction, cursor) = if backward {
            (
                last.unwrap_or(DEFAULT_PAGE_SIZE),
                Direction::Backward,
                self.before.map(|c| Cursor::decode(&c, scope, "before")),
            )
        } else {
            (
                first.unwrap_or(DEFAULT_PAGE_SIZE),
                Direction::Forward,
                self.after.map(|c| Cursor::decode(&c, scope, "after")),
            )
        };
        Ok(Page {
            limit,
            direction,
            cursor: cursor.transpose()?,
        })
    }
}

/// One page of rows with their cursors.
#[derive(Debug, Clone)]
pub struct Paged<M> {
    pub items: Vec<(Position, M)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

/// An empty page with nothing before or after it.
impl<M> Default for Paged<M> {
    fn default() -> Self {
        Paged {
            items: Vec::new(),
            has_previous_page: false,
            has_next_page: false,
        }
    }
}

/// How a list is ordered: an optional key column, then the id column as a tiebreaker.
pub struct Keyset<C> {
    pub scope: &'static str,
    pub key: Option<C>,
    pub id: C,
    pub descending: bool,
}

/// Fetches one page of `select` in keyset order.
pub async fn fetch<E, Db>(
    db: &Db,
    select: Select<E>,
    page: &Page,
    keyset: Keyset<E::Column>,
    cursor_of: impl Fn(&E::Model) -> Cursor,
) -> AppResult<Paged<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    Db: Reads,
{
    let backward = page.direction == Direction::Backward;
    // Walking backward is walking forward in the reverse order, then flipping the page.
    let descending = keyset.descending != backward;
    let order = if descending { Order::Desc } else { Order::Asc };
    let mut select = select;
    if let Some(cursor) = &page.cursor {
        select = select.filter(beyond(&keyset, cursor, descending));
    }
    let order = keyset
        .key
        .into_iter()
        .chain([keyset.id])
        .map(|column| (column, order.clone()))
        .collect();
    let mut rows = db.ordered(select.limit(page.limit + 1), order).await?;
    let has_more = rows.len() as u64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let position = Position {
                scope: keyset.scope,
                cursor: cursor_of(&row),
            };
            (position, row)
        })
        .collect();
    let (has_previous_page, has_next_page) = match page.direction {
        Direction::Forward => (page.cursor.is_some(), has_more),
        Direction::Backward => (has_more, page.cursor.is_some()),
    };
    Ok(Paged {
        items,
        has_previous_page,
        has_next_page,
    })
}

/// Rows strictly past `cursor` in the query's order.
fn beyond<C: ColumnTrait>(keyset: &Keyset<C>, cursor: &Cursor, descending: bool) -> Condition {
    let past_id = if descending {
        keyset.id.lt(cursor.id)
    } else {
        keyset.id.gt(cursor.id)
    };
    let key_value: Option<Value> = match &cursor.key {
        SortKey::Id => None,
        SortKey::Date(d) => Some((*d).into()),
        SortKey::Amount(a) => Some((*a).into()),
        SortKey::Instant(t) => Some((*t).into()),
    };
    match (keyset.key, key_value) {
        (Some(key), Some(value)) => {
            let past_key = if descending {
                key.lt(value.clone())
            } else {
                key.gt(value.clone())
            };
            Condition::any()
                .add(past_key)
                .add(Condition::all().add(key.eq(value)).add(past_id))
        }
        _ => Condition::all().add(past_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_ordering() {
        let id = Uuid::now_v7();
        let date = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        let cursor = Cursor {
            key: SortKey::Date(date),
            id,
        };
        let text = cursor.encode("transactions:date");
        assert_eq!(
            Cursor::decode(&text, "transactions:date", "after").expect("decode"),
            cursor
        );
        assert!(Cursor::decode(&text, "transactions:amount", "after").is_err());
        assert!(Cursor::decode("garbage", "transactions:date", "after").is_err());
        let t = Utc::now();
        let instant = Cursor {
            key: SortKey::Instant(t),
            id,
        };
        let decoded =
            Cursor::decode(&instant.encode("transactions:created"), "transactions:created", "after").expect("decode");
        assert_eq!(
            decoded.key,
            SortKey::Instant(DateTime::from_timestamp_micros(t.timestamp_micros()).expect("t"))
        );
    }

    #[test]
    fn page_arguments_are_bounded() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..Default::default()
        };
        assert_eq!(args(None, None).validate("x").expect("default").limit, 20);
        assert_eq!(args(Some(100), None).validate("x").expect("max").limit, 100);
        assert!(args(Some(101), None).validate("x").is_err());
        assert!(args(Some(-1), None).validate("x").is_err());
        assert!(args(Some(1), Some(1)).validate("x").is_err());
        assert_eq!(
            args(None, Some(5)).validate("x").expect("last").direction,
            Direction::Backward
        );
    }
}
