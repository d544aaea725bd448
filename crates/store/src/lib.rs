//! Persistence of fieldcheck behind sea-orm. Every query that reads personal or assessment data
//! takes a [`Scope`] and applies it inside the SQL, so a record outside the caller's scope is
//! indistinguishable from one that does not exist.
#![forbid(unsafe_code)]

pub mod assessment;
pub mod audit;
pub mod cache;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod fieldwork;
pub mod import;
pub mod orgs;
pub mod page;
pub mod password;
pub mod peers;
pub mod photos;
pub mod pii;
pub mod places;
pub mod registry;
pub mod scope;
pub mod sync;
pub mod uploads;
pub mod users;

pub use db::{Backend, Store, WriteTxn};
pub use error::StoreError;
pub use page::{Page, PageRequest};
pub use pii::PiiCipher;
pub use scope::Scope;

/// Deserialises a present JSON value (even `null`) as `Some`, so a patch can tell "set to null"
/// from "leave alone".
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// The current time at the precision both backends store (microseconds), so values read back
/// compare and hash exactly as written.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

/// Refuses an edit based on a version other than the stored one.
pub fn check_version(current: i64, expected: i64) -> Result<(), StoreError> {
    if current == expected {
        Ok(())
    } else {
        Err(StoreError::Stale { current })
    }
}
pub use sea_orm;
