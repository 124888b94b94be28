//! Persisted documents: Automatic Persisted Queries as Apollo's persisted-query link speaks
//! them (a client sends a document's SHA-256 and, only when the server does not know it yet,
//! the document), remembered in memory or, with `REDIS_URL`, in Redis so every instance knows
//! what any has seen; or, with `GRAPHQL_TRUSTED_DOCUMENTS`, a fixed manifest of the documents
//! a deployment's own clients send, and nothing else runs.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, PoisonError},
};

use redis::AsyncCommands;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::foundation::{config::Config, sized_lru::SizedLru};

/// Documents the memory store keeps at most, and their total size.
const MEMORY_ENTRIES: usize = 10_000;
const MEMORY_BYTES: usize = 16 * 1024 * 1024;
/// How long Redis keeps a registered document after its last registration.
const REDIS_TTL_SECS: u64 = 7 * 24 * 3600;

/// The lower-case hex SHA-256 of a document's text, as clients compute it.
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Which documents may run, and where they come from.
pub enum Documents {
    /// Any document; clients may register theirs by hash (APQ).
    Automatic(Store),
    /// Only the manifest's documents (`GRAPHQL_TRUSTED_DOCUMENTS`).
    Trusted(TrustedDocuments),
}

/// Why the documents could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DocumentsError {
    #[error("GRAPHQL_TRUSTED_DOCUMENTS: cannot read {path}: {reason}")]
    Manifest { path: String, reason: String },
    #[error("redis (REDIS_URL): {0}")]
    Redis(#[from] redis::RedisError),
}

impl Documents {
    /// The trusted manifest when configured; otherwise APQ, in Redis when `REDIS_URL` is set.
    pub async fn from_config(config: &Config) -> Result<Self, DocumentsError> {
        if let Some(path) = &config.trusted_documents {
            return TrustedDocuments::load(path).map(Documents::Trusted);
        }
        let store = match &config.redis_url {
            None => Store::in_memory(),
            Some(url) => {
                let client = redis::Client::open(url.expose_secret())?;
                Store::Redis {
                    connection: redis::aio::ConnectionManager::new(client).await?,
                    prefix: format!("{}:apq:", config.redis_prefix),
                }
            }
        };
        Ok(Documents::Automatic(store))
    }
}

/// A manifest of hash -> document, as graphql-codegen's client preset writes it
/// (`persisted-documents.json`).
pub struct TrustedDocuments {
    /// By the manifest's key and by the document's own SHA-256 (a client may send either the
    /// hash or the text of a trusted document).
    by_hash: HashMap<String, Arc<str>>,
}

impl TrustedDocuments {
    pub fn load(path: &Path) -> Result<Self, DocumentsError> {
        let failed = |reason: String| DocumentsError::Manifest {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        let manifest: HashMap<String, String> = serde_json::from_str(&text)
            .map_err(|e| failed(format!("expected a JSON object of hash -> document: {e}")))?;
        Ok(Self::from_manifest(manifest))
    }

    pub fn from_manifest(manifest: HashMap<String, String>) -> Self {
        let mut by_hash = HashMap::with_capacity(manifest.len() * 2);
        for (key, document) in manifest {
            let document: Arc<str> = document.into();
            by_hash.insert(sha256_hex(&document), Arc::clone(&document));
            by_hash.insert(key.trim_start_matches("sha256:").to_ascii_lowercase(), document);
        }
        TrustedDocuments { by_hash }
    }

    /// The trusted document with this hash.
    pub fn get(&self, hash: &str) -> Option<&str> {
        self.by_hash.get(hash).map(|d| &**d)
    }

    /// Whether `document` is one of the manifest's, by its text.
    pub fn contains(&self, document: &str) -> bool {
        self.by_hash.contains_key(&sha256_hex(document))
    }
}

/// The documents clients registered by hash.
pub enum Store {
    /// Least recently used documents within a count and a byte budget.
    Memory(Mutex<SizedLru<String, Arc<str>>>),
    Redis {
        connection: redis::aio::ConnectionManager,
        prefix: String,
    },
}

impl Store {
    pub fn in_memory() -> Self {
        Store::Memory(Mutex::new(SizedLru::new(MEMORY_ENTRIES, MEMORY_BYTES)))
    }

    /// The document registered under `hash`. A Redis failure reads as unknown (and is
    /// logged): the client then sends the document itself, so nothing is lost.
    pub async fn get(&self, hash: &str) -> Option<String> {
        match self {
            Store::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                memory.get(&hash.to_owned()).map(|d| d.to_string())
            }
            Store::Redis { connection, prefix } => {
                let found: Result<Option<String>, _> = connection.clone().get(format!("{prefix}{hash}")).await;
                found
                    .map_err(|e| tracing::error!(error = %e, "persisted query store unavailable"))
                    .ok()
                    .flatten()
            }
        }
    }

    /// Registers `document` under its hash (the caller has checked that they match).
    pub async fn put(&self, hash: &str, document: &str) {
        match self {
            Store::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                memory.put(hash.to_owned(), document.into());
            }
            Store::Redis { connection, prefix } => {
                let stored: Result<(), _> = connection
                    .clone()
                    .set_ex(format!("{prefix}{hash}"), document, REDIS_TTL_SECS)
                    .await;
                if let Err(e) = stored {
                    tracing::error!(error = %e, "persisted query not stored");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_the_lower_case_hex_sha256_clients_compute() {
        // Apollo's documentation example: `{ __typename }`.
        assert_eq!(
            sha256_hex("{__typename}"),
            "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"
        );
    }

    #[tokio::test]
    async fn the_memory_store_forgets_the_least_recently_used_beyond_its_budget() {
        let store = Store::in_memory();
        let big = "x".repeat(MEMORY_BYTES / 2 + 1);
        store.put("a", &big).await;
        store.put("b", "{ me { id } }").await;
        assert!(store.get("b").await.is_some(), "b is now the most recently used");
        store.put("c", &big).await;
        assert!(store.get("b").await.is_some(), "small and recently used");
        assert!(store.get("a").await.is_none(), "the least recently used big one went");
        assert_eq!(store.get("c").await.as_deref(), Some(big.as_str()));
    }

    #[test]
    fn a_trusted_manifest_is_found_by_key_or_by_the_documents_own_hash() {
        let document = "query Me { me { id } }";
        let trusted = TrustedDocuments::from_manifest(HashMap::from([("sha256:ABC".to_owned(), document.to_owned())]));
        assert_eq!(trusted.get("abc"), Some(document));
        assert_eq!(trusted.get(&sha256_hex(document)), Some(document));
        assert!(trusted.contains(document));
        assert!(!trusted.contains("query Other { me { id } }"));
    }
}
