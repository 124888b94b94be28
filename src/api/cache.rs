//! The read cache: the whole response of a signed-in user's query, kept under the user's data
//! version so it is never served stale.
//!
//! - **The version** is `users.change_seq`, which database triggers advance inside every write
//!   transaction of the user's data (delta sync's nine tables, exchange rates, achievements,
//!   goal milestones, schedule occurrences and the user's own row; migrations 019 and 023). A
//!   read takes the version first (one indexed statement), so an entry can only be older than
//!   its version says, never newer: a write that commits afterwards advances the version, and
//!   the next read misses. Read-your-writes holds across instances because the version lives in
//!   the database the write committed to. An entry also records the user's local day (budgets,
//!   goals and forecasts depend on "today") and serves only on that day.
//! - **What is cached**: queries whose every root field is in `CACHEABLE` (fields that read
//!   only versioned data), with no errors, keyed by the user, the document, the operation name
//!   and the variables. The first clean run of a key only primes it (no version is read for a
//!   key the cache knows nothing of, so a document the limits refuse costs no SQL); the second
//!   stores the response; from the third on it is served.
//! - **Where**: in memory, least recently used first within `CACHE_MAX_BYTES`; with
//!   `REDIS_URL`, in Redis (`CACHE_REDIS_TTL`), shared by the instances. `CACHE_ENABLED=false`
//!   turns it off.

use std::sync::{Mutex, PoisonError};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection};
use axum::body::Bytes;
use chrono::{Datelike, NaiveDate};
use redis::AsyncCommands;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::ExposeSecret;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::foundation::{
    config::Config,
    db,
    error::AppResult,
    periods,
    sized_lru::{SizedLru, Weigh},
};

/// Root fields whose results depend only on the caller's versioned data and their local date.
/// Not here: sessions, notifications, webhooks, imports, sync, exports, admin, `node`/`nodes`
/// (which can reach any of those) and suggestions.
const CACHEABLE: [&str; 27] = [
    "__typename",
    "me",
    "accounts",
    "account",
    "exchangeRates",
    "budgets",
    "budget",
    "budgetCategory",
    "transactions",
    "transaction",
    "schedules",
    "schedule",
    "upcoming",
    "rules",
    "rule",
    "savingsGoals",
    "savingsGoal",
    "achievements",
    "dashboard",
    "transactionStats",
    "monthlyReport",
    "categoryReport",
    "trendReport",
    "budgetReport",
    "netWorth",
    "netWorthHistory",
    "forecast",
];

/// Most entries the memory store keeps, whatever their size.
const MEMORY_ENTRIES: usize = 100_000;

/// A response stored under the version and local day it was computed at. An entry without a
/// version is a primer: the document ran cleanly once (it passed the limits and validation),
/// so the next request may spend the statement that reads the version.
struct Entry {
    version: Option<i64>,
    day: Option<NaiveDate>,
    body: Bytes,
}

impl Weigh for Entry {
    fn bytes(&self) -> usize {
        self.body.len() + 64
    }
}

enum Store {
    Memory(Mutex<SizedLru<Key, Entry>>),
    Redis {
        connection: redis::aio::ConnectionManager,
        prefix: String,
        ttl_secs: u64,
    },
}

/// A request's place in the cache: the user, the document, the operation and the variables.
pub type Key = [u8; 32];

/// The caller's data version and local day, read before the data.
pub struct Version {
    version: i64,
    day: NaiveDate,
}

/// What the cache holds for a request.
pub enum Lookup {
    /// Nothing: the document has not run cleanly for this user yet. Execute without reading
    /// the version (a document the limits refuse must cost no SQL), then `prime`.
    Cold,
    /// The response at the caller's current version.
    Hit(Bytes),
    /// Something older: execute, then `put` under this version.
    Stale(Version),
}

/// The cache, or nothing when `CACHE_ENABLED=false`.
pub struct ResponseCache(Option<Store>);

impl ResponseCache {
    pub async fn from_config(config: &Config) -> Result<Self, redis::RedisError> {
        if !config.cache.enabled {
            return Ok(ResponseCache(None));
        }
        let store = match &config.redis_url {
            None => Store::Memory(Mutex::new(SizedLru::new(MEMORY_ENTRIES, config.cache.max_bytes))),
            Some(url) => Store::Redis {
                connection: redis::aio::ConnectionManager::new(redis::Client::open(url.expose_secret())?).await?,
                prefix: format!("{}:cache:", config.redis_prefix),
                ttl_secs: config.cache.redis_ttl.as_secs(),
            },
        };
        Ok(ResponseCache(Some(store)))
    }

    /// The key of a cacheable request; `None` when the cache is off or the operation is not
    /// cacheable.
    pub fn key(&self, user_id: Uuid, request: &Request<'_>) -> Option<Key> {
        (self.0.is_some() && cacheable(request.document, request.operation_name)).then(|| key(user_id, request))
    }

    /// What the cache holds for `key`, reading the caller's version (one statement) only when
    /// it holds something.
    pub async fn lookup(&self, db: &DatabaseConnection, user_id: Uuid, key: &Key) -> AppResult<Lookup> {
        let Some(entry) = self.entry(key).await else {
            return Ok(Lookup::Cold);
        };
        // `change_seq` belongs to the triggers, not to the entity: read it as SQL.
        let row = db
            .query_one_raw(db::statement(
                db.get_database_backend(),
                "SELECT change_seq, timezone FROM users WHERE id = ?",
                vec![user_id.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(Lookup::Cold);
        };
        let (version, timezone): (i64, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        let day = periods::today_in(&timezone);
        let hit = entry.version == Some(version) && entry.day == Some(day);
        metrics::counter!("response_cache_total", "outcome" => if hit { "hit" } else { "miss" }).increment(1);
        Ok(if hit {
            Lookup::Hit(entry.body)
        } else {
            Lookup::Stale(Version { version, day })
        })
    }

    /// Records that `key`'s document ran cleanly.
    pub async fn prime(&self, key: &Key) {
        self.store(
            key,
            Entry {
                version: None,
                day: None,
                body: Bytes::new(),
            },
        )
        .await;
    }

    /// Stores `body` under `key` at `version`.
    pub async fn put(&self, key: &Key, version: &Version, body: Bytes) {
        let entry = Entry {
            version: Some(version.version),
            day: Some(version.day),
            body,
        };
        self.store(key, entry).await;
    }

    async fn entry(&self, key: &Key) -> Option<Entry> {
        match self.0.as_ref()? {
            Store::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                memory.get(key).map(|entry| Entry {
                    version: entry.version,
                    day: entry.day,
                    body: entry.body.clone(),
                })
            }
            Store::Redis { connection, prefix, .. } => {
                let stored: Result<Option<Vec<u8>>, _> = connection.clone().get(redis_key(prefix, key)).await;
                match stored {
                    Ok(value) => value.as_deref().and_then(decode),
                    Err(e) => {
                        tracing::warn!(error = %e, "response cache unavailable; executing");
                        None
                    }
                }
            }
        }
    }

    async fn store(&self, key: &Key, entry: Entry) {
        match self.0.as_ref() {
            None => {}
            Some(Store::Memory(memory)) => memory.lock().unwrap_or_else(PoisonError::into_inner).put(*key, entry),
            Some(Store::Redis {
                connection,
                prefix,
                ttl_secs,
            }) => {
                let stored: Result<(), _> = connection
                    .clone()
                    .set_ex(redis_key(prefix, key), encode(&entry), *ttl_secs)
                    .await;
                if let Err(e) = stored {
                    tracing::warn!(error = %e, "response not cached");
                }
            }
        }
    }
}

/// What identifies a request's response for one user.
pub struct Request<'a> {
    pub document: &'a ExecutableDocument,
    pub query: &'a str,
    pub operation_name: Option<&'a str>,
    pub variables: &'a Map<String, Json>,
}

/// Whether the operation is a query whose root selections are all cacheable fields.
fn cacheable(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    operation.node.ty == OperationType::Query
        && operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|selection| match &selection.node {
                Selection::Field(field) => CACHEABLE.contains(&field.node.name.node.as_str()),
                // Fragments at the root could name anything; rare enough to leave uncached.
                _ => false,
            })
}

fn key(user_id: Uuid, request: &Request<'_>) -> Key {
    let mut hash = Sha256::new();
    hash.update(user_id.as_bytes());
    // Lengths keep the parts apart ("ab" + "c" is not "a" + "bc").
    for part in [
        request.query,
        request.operation_name.unwrap_or_default(),
        &serde_json::to_string(request.variables).unwrap_or_default(),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

fn redis_key(prefix: &str, key: &Key) -> Vec<u8> {
    let mut full = prefix.as_bytes().to_vec();
    full.extend_from_slice(key);
    full
}

/// No version or day, in Redis' encoding.
const NONE: i64 = i64::MIN;

/// An entry as Redis keeps it: the version and the day (days from the common era) as 8 bytes
/// each, then the body.
fn encode(entry: &Entry) -> Vec<u8> {
    let mut value = entry.version.unwrap_or(NONE).to_be_bytes().to_vec();
    let day = entry.day.map_or(NONE, |d| i64::from(d.num_days_from_ce()));
    value.extend_from_slice(&day.to_be_bytes());
    value.extend_from_slice(&entry.body);
    value
}

fn decode(value: &[u8]) -> Option<Entry> {
    let (version, rest) = value.split_first_chunk::<8>()?;
    let (day, body) = rest.split_first_chunk::<8>()?;
    let (version, day) = (i64::from_be_bytes(*version), i64::from_be_bytes(*day));
    Some(Entry {
        version: (version != NONE).then_some(version),
        day: i32::try_from(day).ok().and_then(NaiveDate::from_num_days_from_ce_opt),
        body: Bytes::copy_from_slice(body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("parses")
    }

    #[test]
    fn only_queries_of_versioned_root_fields_are_cacheable() {
        assert!(cacheable(
            &parsed("{ me { id } budgets(first: 10) { nodes { id } } }"),
            None
        ));
        assert!(cacheable(
            &parsed("query Q { dashboard { period } __typename }"),
            Some("Q")
        ));
        for uncached in [
            "{ me { id } notifications { totalCount } }",
            "{ sessions { id } }",
            "{ node(id: \"x\") { id } }",
            "mutation { logout }",
            "{ ... on Query { me { id } } }",
            "query A { me { id } } query B { me { id } }",
        ] {
            assert!(!cacheable(&parsed(uncached), None), "{uncached}");
        }
    }

    #[test]
    fn keys_differ_by_user_and_request() {
        let document = parsed("{ me { id } }");
        let variables = Map::new();
        let request = |query| Request {
            document: &document,
            query,
            operation_name: None,
            variables: &variables,
        };
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let base = key(alice, &request("{ me { id } }"));
        assert_eq!(base, key(alice, &request("{ me { id } }")));
        assert_ne!(base, key(bob, &request("{ me { id } }")));
        assert_ne!(base, key(alice, &request("{ me { id email } }")));
    }

    #[test]
    fn redis_values_keep_version_day_and_body() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        let entry = Entry {
            version: Some(7),
            day: Some(day),
            body: Bytes::from_static(b"{\"data\":{}}"),
        };
        let back = decode(&encode(&entry)).expect("decodes");
        assert_eq!((back.version, back.day, back.body), (Some(7), Some(day), entry.body));
        let primer = decode(&encode(&Entry {
            version: None,
            day: None,
            body: Bytes::new(),
        }))
        .expect("decodes");
        assert_eq!((primer.version, primer.day), (None, None));
        assert!(decode(b"short").is_none());
    }
}
