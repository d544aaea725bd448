//! Connecting, migrating, and the write gate that keeps SQLite's single writer from failing
//! concurrent transactions with `SQLITE_BUSY`.

use crate::cache::{Freshness, ReadCache};
use crate::registry::{self, HouseholdDetail, IdNumbers};
use crate::users::{self, Account};
use crate::{PiiCipher, Scope, StoreError};
use fieldcheck_domain::{HouseholdId, UserId};
use fieldcheck_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database engine is behind the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// Production.
    Postgres,
}

/// The database handle shared by every request.
#[derive(Clone)]
pub struct Store {
    /// The pooled connection.
    pub db: DatabaseConnection,
    /// The engine.
    pub backend: Backend,
    /// Encrypts and indexes national ID numbers.
    pub pii: Arc<PiiCipher>,
    // SQLite allows one writer; a deferred transaction that reads before it writes fails at once
    // with SQLITE_BUSY instead of waiting. Serialising writers in-process avoids that while
    // readers (WAL) go on in parallel. PostgreSQL needs no gate.
    write_gate: Option<Arc<Mutex<()>>>,
    /// Moved on by every committed write; see [`crate::cache`].
    pub freshness: Arc<Freshness>,
    accounts: Arc<ReadCache<UserId, Arc<Account>>>,
    households: Arc<ReadCache<HouseholdId, Arc<HouseholdDetail>>>,
    /// This process among the servers on one PostgreSQL (see [`crate::peers`]).
    node: Arc<str>,
}

/// The PostgreSQL advisory lock that migrations run under ("fcmigrat" in ASCII).
const MIGRATION_LOCK: i64 = 0x6663_6d69_6772_6174;

/// How long an SQLite writer waits for another process to release the write lock.
pub const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a request waits for a PostgreSQL connection from the pool (including connecting
/// anew) before it gives up with [`StoreError::Unavailable`] (503, `Retry-After: 5`). Long
/// enough for a busy pool to free a connection, short enough that a phone sees the outage
/// quickly instead of a hung request while PostgreSQL is down or restarting.
pub const PG_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long one attempt to open a PostgreSQL connection may take (a host that drops packets
/// rather than refusing them).
pub const PG_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// How long cached reads live by default (`[cache] ttl_ms`).
pub const DEFAULT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);
/// How many entries each cache holds by default (`[cache] max_entries`).
pub const DEFAULT_CACHE_ENTRIES: usize = 10_000;

/// A write transaction; dropping it without [`WriteTxn::commit`] rolls back.
pub struct WriteTxn {
    // Always `Some` until `commit` or `drop` takes it.
    txn: Option<DatabaseTransaction>,
    gate: Option<OwnedMutexGuard<()>>,
    freshness: Arc<Freshness>,
    /// On PostgreSQL, the `NOTIFY` that tells other servers this write committed.
    announcement: Option<String>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        self.txn
            .as_ref()
            .unwrap_or_else(|| unreachable!("only commit and drop take the transaction"))
    }
}

impl Drop for WriteTxn {
    /// A transaction dropped uncommitted (a refused request, an error) is rolled back before the
    /// write gate opens for the next writer. Dropping the driver's transaction only queues the
    /// rollback on its connection, which still holds SQLite's write lock until the connection
    /// is used again: the next writer, on another connection, would wait for it in vain.
    fn drop(&mut self) {
        let Some(txn) = self.txn.take() else {
            return;
        };
        let gate = self.gate.take();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(e) = txn.rollback().await {
                        tracing::warn!(error = %e, "rolling back a dropped write transaction");
                    }
                    drop(gate);
                });
            }
            Err(_) => drop((txn, gate)),
        }
    }
}

impl WriteTxn {
    /// Commits the transaction.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let txn = self
            .txn
            .take()
            .unwrap_or_else(|| unreachable!("only commit and drop take the transaction"));
        if let Some(notify) = &self.announcement {
            txn.execute_unprepared(notify).await?;
        }
        // The gate stays closed until the commit is done (`self` still holds it).
        txn.commit().await?;
        // After the commit, never before: a read that starts in between must not be cached as
        // current (see crate::cache).
        self.freshness.bump();
        Ok(())
    }

    /// Rolls the transaction back now (dropping it does the same, later): for a caller that
    /// wrote only to see what would change, and writes again at once.
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        let txn = self
            .txn
            .take()
            .unwrap_or_else(|| unreachable!("only commit and drop take the transaction"));
        txn.rollback().await?;
        Ok(())
    }
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and runs pending migrations.
    pub async fn open(url: &str, pii: PiiCipher) -> Result<Store, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false);
        match backend {
            Backend::Sqlite => opts
                .max_connections(8)
                .min_connections(1)
                // How long a writer waits for another process's write lock before it gives up
                // with `StoreError::Busy` (the server answers 503, the CLI says so).
                .map_sqlx_sqlite_opts(|o| o.busy_timeout(SQLITE_BUSY_TIMEOUT)),
            Backend::Postgres => opts
                .max_connections(32)
                .min_connections(2)
                // While PostgreSQL is down or restarting a request waits at most this long for
                // a connection, then answers 503 (`StoreError::Unavailable`) instead of hanging.
                .acquire_timeout(PG_ACQUIRE_TIMEOUT)
                .connect_timeout(PG_CONNECT_TIMEOUT)
                // A connection that died with the server is found out before it is handed out,
                // so service resumes by itself once PostgreSQL is back.
                .test_before_acquire(true),
        };
        let db = Database::connect(opts).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed during a write; the setting is stored in the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        match backend {
            Backend::Postgres => {
                // Replicas starting together: the first takes the lock and applies what is
                // pending in one transaction; the others wait for it, then find nothing to do.
                let txn = db.begin().await?;
                txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                    .await?;
                Migrator::up(&txn, None).await?;
                txn.commit().await?;
            }
            // One file, one process that serves it: nothing to race with.
            Backend::Sqlite => Migrator::up(&db, None).await?,
        }
        let freshness = Freshness::new(DEFAULT_CACHE_TTL);
        Ok(Store {
            db,
            backend,
            pii: Arc::new(pii),
            write_gate: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            accounts: Arc::new(ReadCache::new(freshness.clone(), DEFAULT_CACHE_ENTRIES)),
            households: Arc::new(ReadCache::new(freshness.clone(), DEFAULT_CACHE_ENTRIES)),
            freshness,
            node: crate::peers::new_node_id().into(),
        })
    }

    /// Hears the writes other servers (and the CLI) commit to the same PostgreSQL and ends this
    /// server's cached reads for each, until the store is dropped (see [`crate::peers`]).
    /// Nothing to do on SQLite, whose file one server serves. Call it after [`Store::with_cache`].
    pub fn follow_peers(&self) {
        if self.backend == Backend::Postgres {
            crate::peers::follow(
                self.db.get_postgres_connection_pool().clone(),
                self.node.to_string(),
                &self.freshness,
            );
        }
    }

    /// Sets how long cached reads live (zero: no caching) and how many each cache holds.
    pub fn with_cache(mut self, ttl: std::time::Duration, max_entries: usize) -> Store {
        self.freshness = Freshness::new(ttl);
        self.accounts = Arc::new(ReadCache::new(self.freshness.clone(), max_entries));
        self.households = Arc::new(ReadCache::new(self.freshness.clone(), max_entries));
        self
    }

    /// The account with this id, read through the cache: every authenticated request needs it.
    pub async fn account(&self, id: UserId) -> Result<Option<Arc<Account>>, StoreError> {
        if let Some(a) = self.accounts.get(&id) {
            return Ok(Some(a));
        }
        let ticket = self.accounts.ticket();
        let account = users::account(&self.db, id).await?.map(Arc::new);
        if let Some(a) = &account {
            self.accounts.put(id, a.clone(), ticket);
        }
        Ok(account)
    }

    /// A household with its members and current plan, ID numbers masked, read through the cache.
    /// The scope is checked on every call: in memory where the cached record shows it (all
    /// districts, one district), by one scoped look-up otherwise (granted villages, households).
    pub async fn household(
        &self,
        scope: &Scope,
        id: HouseholdId,
    ) -> Result<Arc<HouseholdDetail>, StoreError> {
        if let Some(h) = self.households.get(&id) {
            let reached = match scope {
                Scope::All => true,
                Scope::District(code) => h.household.district_code == *code,
                _ => registry::household_in_scope(&self.db, scope, id).await?,
            };
            return if reached {
                Ok(h)
            } else {
                Err(StoreError::NotFound)
            };
        }
        let ticket = self.households.ticket();
        let h =
            match registry::get_household(&self.db, &self.pii, scope, id, IdNumbers::Masked, None)
                .await
            {
                Ok(h) => Arc::new(h),
                Err(e) => {
                    // Gone, or out of this caller's scope: either way others must not keep an old copy
                    // while no one refreshes it.
                    self.households.remove(&id);
                    return Err(e);
                }
            };
        self.households.put(id, h.clone(), ticket);
        Ok(h)
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<WriteTxn, StoreError> {
        let gate = match &self.write_gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        };
        let txn = match self.backend {
            // Take SQLite's write lock at BEGIN, where the busy timeout waits for another
            // process's writer (the CLI beside a server). A deferred transaction that reads first
            // cannot wait when it later needs the lock: it fails at once with SQLITE_BUSY.
            Backend::Sqlite => {
                self.db
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?
            }
            Backend::Postgres => self.db.begin().await?,
        };
        if self.backend == Backend::Postgres {
            // Every writer takes the change-log counter's row lock first, before any row lock of
            // its own. Triggers would take it anyway at the first tracked write, but by then the
            // transaction may hold a household's row lock that another writer, already holding
            // the counter, is waiting for: a deadlock. Taking it first gives one lock order.
            txn.execute_unprepared("SELECT 1 FROM change_head WHERE id = 1 FOR UPDATE")
                .await?;
        }
        Ok(WriteTxn {
            txn: Some(txn),
            gate,
            freshness: self.freshness.clone(),
            announcement: (self.backend == Backend::Postgres)
                .then(|| crate::peers::announcement(&self.node)),
        })
    }

    /// Refreshes the planner's statistics after a bulk load. Until autovacuum gets to freshly
    /// filled tables, PostgreSQL plans with no statistics and, for instance, joins a household's
    /// plans to their measures by scanning every measure instead of using the index. SQLite plans
    /// well without statistics, so this does nothing there.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            self.db.execute_unprepared("ANALYZE").await?;
        }
        Ok(())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }
}
