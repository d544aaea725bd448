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
//! - On PostgreSQL, writes made elsewhere (another server on the same database, the CLI) move
//!   this process's counter too: every write transaction announces itself with `NOTIFY`, and a
//!   server listens ([`crate::peers`]); while it is not listening its caches serve nothing. The
//!   delay is the notification's (measured by the store's `peers` test, milliseconds on one
//!   host).
//! - On SQLite, the CLI writing beside a running server cannot move the server's counter; entries
//!   expire after a short time-to-live (`[cache] ttl_ms`, default 2 s), which bounds how long its
//!   writes stay unseen (two time-to-lives at worst, see [`ReadCache::get`]). On PostgreSQL the
//!   time-to-live is only a safety net.
//!   Updates are unaffected: `If-Match` is always checked against the database.
//! - A `ttl_ms` of 0 turns the cache off.
//!
//! Scope is never cached: callers check the caller's scope against the cached record, or run the
//! scoped query, on every request.
//!
//! The time comes from a [`Clock`]: the real one in production, one moved by hand in the tests,
//! so that expiry is tested exactly at the time-to-live's edges instead of by sleeping.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the caches read the time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant; never goes backwards.
    fn now(&self) -> Instant;
}

/// The machine's monotonic clock, which production uses.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The write generation, time-to-live and clock shared by every cache of one store.
#[derive(Debug)]
pub struct Freshness {
    generation: AtomicU64,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    /// False while this server should hear other servers' writes but does not (see
    /// [`crate::peers`]): the caches then serve and keep nothing.
    hearing_peers: AtomicBool,
}

impl Freshness {
    /// Freshness for caches whose entries live at most `ttl` (zero: caching off), by the
    /// machine's clock.
    pub fn new(ttl: Duration) -> Arc<Freshness> {
        Freshness::with_clock(ttl, Arc::new(SystemClock))
    }

    /// As [`Freshness::new`], with time read from `clock`.
    pub fn with_clock(ttl: Duration, clock: Arc<dyn Clock>) -> Arc<Freshness> {
        Arc::new(Freshness {
            generation: AtomicU64::new(0),
            ttl,
            clock,
            hearing_peers: AtomicBool::new(true),
        })
    }

    /// Marks every cached entry stale; called after each committed write.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether caching is on: a time-to-live is set, and the writes of other servers on the
    /// same database are being heard (or there is nothing to hear).
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.hearing_peers.load(Ordering::Acquire)
    }

    /// Whether other servers' writes reach this one (always, unless it follows peers and its
    /// listening connection is down).
    pub fn hearing_peers(&self) -> bool {
        self.hearing_peers.load(Ordering::Acquire)
    }

    /// Records whether other servers' writes are being heard. Hearing them again moves the
    /// generation on: whatever they wrote meanwhile went unheard.
    pub fn set_hearing_peers(&self, hearing: bool) {
        if hearing {
            self.bump();
        }
        self.hearing_peers.store(hearing, Ordering::Release);
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
        let now = self.freshness.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = entries.get_mut(key)?;
        if e.generation != current {
            return None;
        }
        if now.saturating_duration_since(e.stored) < ttl {
            return Some(e.value.clone());
        }
        match e.refresh_started {
            Some(started) if now.saturating_duration_since(started) < ttl => Some(e.value.clone()),
            _ => {
                e.refresh_started = Some(now);
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
        let now = self.freshness.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let ttl = self.freshness.ttl;
            entries.retain(|_, e| {
                e.generation == ticket.0 && now.saturating_duration_since(e.stored) < ttl
            });
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
                stored: now,
                refresh_started: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock that stands still until the test moves it.
    #[derive(Debug)]
    struct ManualClock {
        start: Instant,
        moved: Mutex<Duration>,
    }

    impl ManualClock {
        fn advance(&self, by: Duration) {
            *self.moved.lock().unwrap() += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            self.start + *self.moved.lock().unwrap()
        }
    }

    const TTL: Duration = Duration::from_secs(2);
    const MS: Duration = Duration::from_millis(1);

    /// A cache of at most `capacity` entries living `ttl`, and the clock that ages them.
    fn cache(ttl: Duration, capacity: usize) -> (ReadCache<u32, &'static str>, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock {
            start: Instant::now(),
            moved: Mutex::new(Duration::ZERO),
        });
        let freshness = Freshness::with_clock(ttl, clock.clone());
        (ReadCache::new(freshness, capacity), clock)
    }

    #[test]
    fn serves_what_was_stored_until_a_write() {
        let (c, _) = cache(TTL, 10);
        let t = c.ticket();
        c.put(1, "one", t);
        assert_eq!(c.get(&1), Some("one"));
        c.freshness.bump();
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn drops_a_value_read_across_a_write() {
        let (c, _) = cache(TTL, 10);
        let before = c.ticket();
        c.freshness.bump(); // a write committed while the value was being read
        c.put(1, "maybe stale", before);
        assert_eq!(c.get(&1), None);
        let after = c.ticket();
        c.put(1, "fresh", after);
        assert_eq!(c.get(&1), Some("fresh"));
    }

    #[test]
    fn an_entry_is_served_for_one_time_to_live_and_not_at_its_end() {
        let (c, clock) = cache(TTL, 10);
        c.put(1, "one", c.ticket());
        clock.advance(TTL - MS);
        assert_eq!(c.get(&1), Some("one"), "just inside the time-to-live");
        clock.advance(MS);
        assert_eq!(c.get(&1), None, "expired when the time-to-live is up");
    }

    #[test]
    fn a_write_by_another_process_is_seen_once_the_time_to_live_is_up() {
        let (c, clock) = cache(TTL, 10);
        c.put(1, "before", c.ticket());
        // Another process writes now; this one's generation does not move.
        clock.advance(TTL - MS);
        assert_eq!(c.get(&1), Some("before"), "unseen within the time-to-live");
        clock.advance(MS);
        let refresher = c.ticket();
        assert_eq!(c.get(&1), None, "the next caller reads the database");
        c.put(1, "after", refresher);
        assert_eq!(c.get(&1), Some("after"));
    }

    #[test]
    fn a_refresh_that_never_completes_is_handed_on_one_time_to_live_later() {
        let (c, clock) = cache(TTL, 10);
        c.put(1, "old", c.ticket());
        clock.advance(TTL);
        assert_eq!(c.get(&1), None, "the first caller past the TTL refreshes");
        clock.advance(TTL - MS);
        assert_eq!(c.get(&1), Some("old"), "the others wait for it");
        clock.advance(MS);
        assert_eq!(
            c.get(&1),
            None,
            "it failed: the next caller refreshes instead"
        );
        assert_eq!(c.get(&1), Some("old"), "one refresh at a time");
    }

    #[test]
    fn one_caller_refreshes_an_expired_entry_while_the_others_use_it() {
        let (c, clock) = cache(TTL, 10);
        c.put(1, "old", c.ticket());
        clock.advance(TTL);
        let refresher = c.ticket();
        assert_eq!(c.get(&1), None, "the first caller refreshes");
        for _ in 0..3 {
            assert_eq!(c.get(&1), Some("old"), "the others go on meanwhile");
        }
        c.put(1, "new", refresher);
        assert_eq!(c.get(&1), Some("new"));
        // The refreshed value lives a whole time-to-live of its own.
        clock.advance(TTL - MS);
        assert_eq!(c.get(&1), Some("new"));
    }

    #[test]
    fn a_write_ends_an_entry_during_its_refresh() {
        let (c, clock) = cache(TTL, 10);
        c.put(1, "old", c.ticket());
        clock.advance(TTL);
        assert_eq!(c.get(&1), None);
        assert_eq!(c.get(&1), Some("old"));
        c.freshness.bump();
        assert_eq!(c.get(&1), None);
        assert_eq!(
            c.get(&1),
            None,
            "nobody is served the value the write ended"
        );
    }

    #[test]
    fn removed_entries_are_gone() {
        let (c, _) = cache(TTL, 10);
        c.put(1, "one", c.ticket());
        c.remove(&1);
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn zero_ttl_turns_it_off() {
        let (c, _) = cache(Duration::ZERO, 10);
        c.put(1, "one", c.ticket());
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn stays_within_capacity() {
        let (c, _) = cache(TTL, 3);
        for k in 0..10 {
            c.put(k, "v", c.ticket());
            assert!(c.entries.lock().unwrap().len() <= 3);
        }
        assert_eq!(c.get(&9), Some("v"));
    }

    #[test]
    fn a_full_cache_makes_room_by_dropping_expired_entries_first() {
        let (c, clock) = cache(TTL, 3);
        c.put(1, "expired", c.ticket());
        c.put(2, "expired", c.ticket());
        clock.advance(TTL);
        c.put(3, "fresh", c.ticket());
        c.put(4, "fresh", c.ticket());
        assert_eq!(
            c.get(&3),
            Some("fresh"),
            "a fresh entry survived making room"
        );
        assert_eq!(c.get(&4), Some("fresh"));
        assert_eq!(c.entries.lock().unwrap().len(), 2);
    }

    #[test]
    fn serves_and_keeps_nothing_while_peers_are_not_heard() {
        let (c, _) = cache(TTL, 10);
        c.put(1, "before", c.ticket());
        c.freshness.set_hearing_peers(false);
        assert_eq!(c.get(&1), None, "nothing served while deaf to peers");
        c.put(2, "meanwhile", c.ticket());
        c.freshness.set_hearing_peers(true);
        assert_eq!(c.get(&1), None, "hearing again ends what was cached before");
        assert_eq!(c.get(&2), None, "nothing was kept while deaf");
        c.put(3, "after", c.ticket());
        assert_eq!(c.get(&3), Some("after"));
    }
}
