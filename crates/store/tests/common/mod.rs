//! The database a store test runs on: a temporary SQLite file or a fresh PostgreSQL database, so
//! that each scenario, written once, runs on both engines (as the end-to-end tests do).
#![allow(clippy::expect_used, dead_code)] // Not every test file uses every helper.

use fieldcheck_store::sea_orm::{ConnectionTrait, Database};
use fieldcheck_store::{PiiCipher, Store};

pub use fieldcheck_store::Backend;

/// Runs each named scenario (`async fn name(backend: Backend)`) as two tests, `name::sqlite`
/// and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// The PostgreSQL server the tests use; `./dev test` starts one. Without it the PostgreSQL tests
/// fail rather than pass silently.
pub fn pg_admin_url() -> String {
    std::env::var("FIELDCHECK_TEST_PG_URL").expect(
        "FIELDCHECK_TEST_PG_URL is not set: run the suite with ./dev test, which starts PostgreSQL",
    )
}

/// A new, empty PostgreSQL database of its own; its URL.
pub async fn fresh_pg_database() -> String {
    let admin = pg_admin_url();
    let name = format!("fc_test_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL (FIELDCHECK_TEST_PG_URL)");
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    db.close().await.ok();
    let (base, _) = admin.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

/// An empty database of the test's own on `backend`. Holds the SQLite file's folder: keep it
/// for as long as the database is used.
pub struct TestDatabase {
    pub url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
}

pub async fn test_database(backend: Backend) -> TestDatabase {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            TestDatabase {
                url: format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
                _sqlite_dir: Some(dir),
            }
        }
        Backend::Postgres => TestDatabase {
            url: fresh_pg_database().await,
            _sqlite_dir: None,
        },
    }
}

/// A migrated store on a database of its own, with ID numbers encrypted under `pii_key`.
pub async fn open_store(backend: Backend, pii_key: [u8; 32]) -> (TestDatabase, Store) {
    let database = test_database(backend).await;
    let store = Store::open(&database.url, PiiCipher::new(&pii_key))
        .await
        .expect("the store opens and migrates");
    assert_eq!(store.backend, backend);
    (database, store)
}
