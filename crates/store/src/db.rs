//! Connecting, migrating, and the write gate that keeps SQLite's single writer from failing
//! concurrent transactions with `SQLITE_BUSY`.

use crate::{PiiCipher, StoreError};
use fieldcheck_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    TransactionTrait,
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
}

/// A write transaction; dropping it without [`WriteTxn::commit`] rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
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
            Backend::Sqlite => opts.max_connections(8).min_connections(1),
            Backend::Postgres => opts.max_connections(32).min_connections(2),
        };
        let db = Database::connect(opts).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed during a write; the setting is stored in the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        Migrator::up(&db, None).await?;
        Ok(Store {
            db,
            backend,
            pii: Arc::new(pii),
            write_gate: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
        })
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<WriteTxn, StoreError> {
        let gate = match &self.write_gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        };
        let txn = self.db.begin().await?;
        if self.backend == Backend::Postgres {
            // Every writer takes the change-log counter's row lock first, before any row lock of
            // its own. Triggers would take it anyway at the first tracked write, but by then the
            // transaction may hold a household's row lock that another writer, already holding
            // the counter, is waiting for: a deadlock. Taking it first gives one lock order.
            txn.execute_unprepared("SELECT 1 FROM change_head WHERE id = 1 FOR UPDATE")
                .await?;
        }
        Ok(WriteTxn { txn, _gate: gate })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }
}
