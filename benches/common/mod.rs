//! What the database benchmarks share: raw SQL against the store, and the few SQL forms that differ
//! between PostgreSQL and SQLite (for bulk generation inside the database).

use fieldcheck_store::Store;
use fieldcheck_store::sea_orm::{ConnectionTrait, DbBackend, Statement, TryGetable};

/// Runs SQL, panicking with the statement on failure.
pub async fn exec(store: &Store, sql: &str) {
    store
        .db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// The first column of the first row.
pub async fn one<T: TryGetable>(store: &Store, sql: &str) -> T {
    let row = store
        .db
        .query_one_raw(Statement::from_string(
            store.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<T>(0).unwrap()
}

/// The engine's spelling of what bulk generation needs.
pub struct Dialect {
    /// PostgreSQL rather than SQLite.
    pub pg: bool,
}

impl Dialect {
    /// The store's engine.
    pub fn of(store: &Store) -> Dialect {
        Dialect {
            pg: store.db.get_database_backend() == DbBackend::Postgres,
        }
    }

    /// A fresh UUID in the form the store keeps ids.
    pub fn uuid(&self) -> &'static str {
        if self.pg {
            "gen_random_uuid()"
        } else {
            "randomblob(16)"
        }
    }

    /// The current time in the form the store keeps timestamps.
    pub fn now(&self) -> &'static str {
        if self.pg {
            "now()"
        } else {
            "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')"
        }
    }

    /// A query giving column `i` = 1..=n.
    pub fn numbers(&self, n: usize) -> String {
        if self.pg {
            format!("SELECT i FROM generate_series(1, {n}) AS i")
        } else {
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s"
            )
        }
    }
}
