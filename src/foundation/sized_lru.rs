//! A least-recently-used map bounded by the total size of its values (and by a count), for the
//! in-memory stores that must not grow with traffic: persisted documents and cached responses.

use std::{hash::Hash, num::NonZeroUsize};

use lru::LruCache;

/// What a value weighs against the byte budget.
pub trait Weigh {
    fn bytes(&self) -> usize;
}

impl Weigh for std::sync::Arc<str> {
    fn bytes(&self) -> usize {
        self.len()
    }
}

pub struct SizedLru<K: Hash + Eq, V: Weigh> {
    entries: LruCache<K, V>,
    bytes: usize,
    max_bytes: usize,
}

impl<K: Hash + Eq, V: Weigh> SizedLru<K, V> {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        SizedLru {
            entries: LruCache::new(NonZeroUsize::new(max_entries).unwrap_or(NonZeroUsize::MIN)),
            bytes: 0,
            max_bytes,
        }
    }

    /// The value under `key`, now the most recently used.
    pub fn get<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.entries.get(key)
    }

    /// Stores `value`, then forgets the least recently used until within the budget (a value
    /// larger than the whole budget is not kept).
    pub fn put(&mut self, key: K, value: V) {
        self.bytes += value.bytes();
        if let Some(old) = self.entries.put(key, value) {
            self.bytes -= old.bytes();
        }
        while self.bytes > self.max_bytes {
            let Some((_, evicted)) = self.entries.pop_lru() else {
                break;
            };
            self.bytes -= evicted.bytes();
        }
    }

    /// The bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_least_recently_used_go_first_beyond_the_byte_budget() {
        let mut lru = SizedLru::<&str, Arc<str>>::new(10, 10);
        lru.put("a", "aaaa".into());
        lru.put("b", "bbbb".into());
        assert!(lru.get(&"a").is_some(), "a is now the most recently used");
        lru.put("c", "cccc".into());
        assert!(lru.get(&"b").is_none(), "b was the least recently used");
        assert!(lru.get(&"a").is_some() && lru.get(&"c").is_some());
        assert_eq!(lru.bytes(), 8);
        lru.put("huge", "x".repeat(11).into());
        assert_eq!(
            lru.bytes(),
            0,
            "a value over the whole budget is not kept, and the rest went"
        );
    }
}
