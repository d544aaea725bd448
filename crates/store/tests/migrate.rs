#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Several servers starting at once on one PostgreSQL database apply the migrations once: each
//! waits for the migration lock, and all of them open.
//!
//! PostgreSQL only: SQLite has one process per file, so no replicas race to migrate it.

mod common;

use fieldcheck_store::{PiiCipher, Store};
use sea_orm::{ConnectionTrait, Statement};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_on_postgres_migrate_once() {
    let url = common::fresh_pg_database().await;
    let opened = futures_util::future::join_all(
        (0..4).map(|_| Store::open(&url, PiiCipher::new(&[3u8; 32]))),
    )
    .await;
    for store in &opened {
        assert!(store.is_ok(), "{:?}", store.as_ref().err());
    }
    let db = &opened[0].as_ref().unwrap().db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS d FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let (n, d): (i64, i64) = (row.try_get("", "n").unwrap(), row.try_get("", "d").unwrap());
    assert_eq!(n, d, "a migration was recorded twice");
    assert_eq!(
        n as usize,
        <fieldcheck_migration::Migrator as fieldcheck_migration::MigratorTrait>::migrations().len()
    );
}
