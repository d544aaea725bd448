use fieldcheck_domain::ValidationErrors;
use sea_orm::{DbErr, SqlErr};

/// Everything the store can report. `Db` wraps unexpected database failures; the others are
/// outcomes a caller is expected to handle.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record within the caller's scope.
    #[error("not found")]
    NotFound,
    /// The record changed since the version the caller based its edit on.
    #[error("stale version: current is {current}")]
    Stale {
        /// The version now stored.
        current: i64,
    },
    /// A unique key is already taken.
    #[error("already exists: {0}")]
    Duplicate(String),
    /// A referenced record (parent place, unit, …) does not exist.
    #[error("reference not found: {0}")]
    MissingReference(&'static str),
    /// Input failed validation.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// A stored ciphertext could not be decrypted (wrong key or tampering).
    #[error("cannot decrypt stored personal data")]
    Decrypt,
    /// An import file could not be read.
    #[error("cannot read file: {0}")]
    File(String),
    /// The record belongs to an approved (locked) assessment cycle.
    #[error("the assessment cycle is approved and locked")]
    Locked,
    /// A rule of the workflow refuses the request (wrong step, conflict of interest, …).
    #[error("{detail}")]
    Refused {
        /// Stable problem code.
        code: &'static str,
        /// Explanation.
        detail: String,
    },
    /// SQLite's one write lock stayed with another process (the CLI beside a server, or the
    /// reverse) for longer than the busy timeout. Nothing was written; trying again is safe.
    #[error("the database is busy with another writer")]
    Busy,
    /// The database cannot be reached: no connection within the pool's acquire timeout, the
    /// connection was lost, or the server is shutting down or starting up. Whether the failed
    /// statement took effect is known only for reads and uncommitted transactions (rolled
    /// back); clients retry with the same idempotency keys (sync mutation ids, upload ids).
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    /// Unexpected database failure.
    #[error("database error")]
    Db(#[source] DbErr),
}

/// SQLite's `SQLITE_BUSY` ("database is locked") and `SQLITE_LOCKED` ("database table is
/// locked"), the only errors that mean "another writer holds the lock". sea-orm passes the
/// driver's message through; its codes are not exposed as a kind.
fn sqlite_busy(e: &DbErr) -> bool {
    let text = e.to_string();
    text.contains("database is locked") || text.contains("database table is locked")
}

/// Whether `e` says the database cannot be reached now (as opposed to refusing the statement):
/// the pool gave no connection in time, the socket failed, or PostgreSQL reports a connection
/// exception (class `08`), an operator intervention such as a shutdown or a start-up in
/// progress (class `57P`), or too many connections (`53300`).
pub fn db_unavailable(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error as X};
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        X::Io(_) | X::Tls(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed => true,
        X::Protocol(_) => true,
        X::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"),
        _ => false,
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(what)) => StoreError::Duplicate(what),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                StoreError::MissingReference("record")
            }
            // The lock triggers of approved cycles (see migration 4).
            _ if e.to_string().contains(fieldcheck_migration::LOCKED_MESSAGE) => StoreError::Locked,
            _ if sqlite_busy(&e) => StoreError::Busy,
            _ if db_unavailable(&e) => StoreError::Unavailable(e),
            _ => StoreError::Db(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnAcquireErr, RuntimeErr, sqlx};
    use std::sync::Arc;

    fn sqlx_exec(e: sqlx::Error) -> DbErr {
        DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
    }

    #[test]
    fn lost_connections_and_pool_timeouts_are_unavailable() {
        let down = [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::Internal("refused".into())),
            sqlx_exec(sqlx::Error::PoolTimedOut),
            sqlx_exec(sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))),
        ];
        for e in down {
            assert!(
                matches!(StoreError::from(e), StoreError::Unavailable(_)),
                "unavailable"
            );
        }
        for e in [
            DbErr::Custom("bad stored value".into()),
            sqlx_exec(sqlx::Error::RowNotFound),
        ] {
            assert!(matches!(StoreError::from(e), StoreError::Db(_)), "a bug");
        }
    }
}
