//! A short-lived, in-process cache for hot reads (the signed-in account behind every request, a
//! household opened again and again), so that a burst of reads of the same record costs one
//! database round trip instead of one per request.
//!
//! Why it stays correct:
//! - Every write committed through [`crate::Store::write`] in this process moves a generation
//!   counter on *after* its commit, and an entry is only served while the generation it was read
//!   under is still current. A reader takes its [`Ticket`] *before* it reads the database, and
//!   [`ReadCache::put`] drops the value if a write committed in between. So this process always
//!   reads its own writes: a disabled account is refused on the very next request.
//! - Writes made elsewhere (the `fieldcheck` CLI beside a running server, a second server on the
//!   same PostgreSQL) cannot move this process's counter; entries also expire after a short
//!   time-to-live (`[cache] ttl_ms`, default 2 s), which bounds how long those stay unseen (two
//!   time-to-lives at worst, see [`ReadCache::get`]).
//!   Updates are unaffected: `If-Match` is always checked against the database.
//! - A `ttl_ms` of 0 turns the cache off.
//!
//! Scope is never cached: callers check the caller's scope against the cached record, or run the
//! scoped query, on every request.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The write generation and time-to-live shared by every cache of one store.
#[derive(Debug)]
pub struct Freshness {
    generation: AtomicU64,
    ttl: Duration,
}

impl Freshness {
    /// A clock for caches whose entries live at most `ttl` (zero: caching off).
    pub fn new(ttl: Duration) -> Arc<Freshness> {
        Arc::new(Freshness {
            generation: AtomicU64::new(0),
            ttl,
        })
    }

    /// Marks every cached entry stale; called after each committed write.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether caching is on.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// Taken before reading the database; see [`ReadCache::put`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }
}

/// The write generation a read started under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(u64);

struct Entry<V> {
    value: V,
    generation: u64,
    stored: Instant,
    /// When a caller set out to read a newer value, once this one expired.
    refresh_started: Option<Instant>,
}

/// One keyed cache; values are cheap to clone (wrap large ones in `Arc`).
pub struct ReadCache<K, V> {
    freshness: Arc<Freshness>,
    capacity: usize,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// A cache holding at most `capacity` entries.
    pub fn new(freshness: Arc<Freshness>, capacity: usize) -> ReadCache<K, V> {
        ReadCache {
            freshness,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Taken before reading the database; see [`ReadCache::put`].
    pub fn ticket(&self) -> Ticket {
        self.freshness.ticket()
    }

    /// The value, if one was stored under the current generation within the time-to-live.
    ///
    /// Past its time-to-live an entry is refreshed by one caller (the first to find it expired,
    /// who gets `None` and reads the database) while the others go on with it for at most one
    /// more time-to-live: a hot record expiring must not send every request in flight to the
    /// database at once.
    pub fn get(&self, key: &K) -> Option<V> {
        if !self.freshness.enabled() {
            return None;
        }
        let current = self.freshness.ticket().0;
        let ttl = self.freshness.ttl;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = entries.get_mut(key)?;
        if e.generation != current {
            return None;
        }
        if e.stored.elapsed() < ttl {
            return Some(e.value.clone());
        }
        match e.refresh_started {
            Some(started) if started.elapsed() < ttl => Some(e.value.clone()),
            _ => {
                e.refresh_started = Some(Instant::now());
                None
            }
        }
    }

    /// Forgets `key` (the record is gone).
    pub fn remove(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
    }

    /// Stores a value read from the database after `ticket` was taken, unless a write has been
    /// committed since (the value may then predate it).
    pub fn put(&self, key: K, value: V, ticket: Ticket) {
        if !self.freshness.enabled() || self.freshness.ticket() != ticket {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let ttl = self.freshness.ttl;
            entries.retain(|_, e| e.generation == ticket.0 && e.stored.elapsed() < ttl);
            if entries.len() >= self.capacity {
                // Full of fresh entries: start over rather than track recency on every hit.
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                generation: ticket.0,
                stored: Instant::now(),
                refresh_started: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(ttl_ms: u64, capacity: usize) -> ReadCache<u32, &'static str> {
        ReadCache::new(Freshness::new(Duration::from_millis(ttl_ms)), capacity)
    }

    #[test]
    fn serves_what_was_stored_until_a_write() {
        let c = cache(60_000, 10);
        let t = c.ticket();
        c.put(1, "one", t);
        assert_eq!(c.get(&1), Some("one"));
        c.freshness.bump();
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn drops_a_value_read_across_a_write() {
        let c = cache(60_000, 10);
        let before = c.ticket();
        c.freshness.bump(); // a write committed while the value was being read
        c.put(1, "maybe stale", before);
        assert_eq!(c.get(&1), None);
        let after = c.ticket();
        c.put(1, "fresh", after);
        assert_eq!(c.get(&1), Some("fresh"));
    }

    #[test]
    fn entries_expire() {
        let c = cache(20, 10);
        c.put(1, "one", c.ticket());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None);
        c.remove(&1);
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn one_caller_refreshes_an_expired_entry_while_the_others_use_it() {
        let c = cache(30, 10);
        c.put(1, "old", c.ticket());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None, "the first caller refreshes");
        assert_eq!(c.get(&1), Some("old"), "the others go on meanwhile");
        c.put(1, "new", c.ticket());
        assert_eq!(c.get(&1), Some("new"));
        // A refresh that never completes does not extend the old value past one more TTL.
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None);
        // Nor does a write: it ends the entry at once.
        c.put(1, "newer", c.ticket());
        c.freshness.bump();
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn zero_ttl_turns_it_off() {
        let c = cache(0, 10);
        c.put(1, "one", c.ticket());
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn stays_within_capacity() {
        let c = cache(60_000, 3);
        for k in 0..10 {
            c.put(k, "v", c.ticket());
            assert!(c.entries.lock().unwrap().len() <= 3);
        }
        assert_eq!(c.get(&9), Some("v"));
    }
}
