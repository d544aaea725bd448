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
            _ => StoreError::Db(e),
        }
    }
}
