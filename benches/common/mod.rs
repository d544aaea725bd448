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

/// The columns the generators fill in `households`.
#[allow(dead_code)] // each bench compiles this module; the assessment bench needs no households
pub const HOUSEHOLD_COLUMNS: &str = "id, registration_no, village_id, district_code, head_name, phone, address, lat, lon, status, exit_year, responsible_person_id, field_versions, version, created_at, updated_at";

/// Adds `n` households to inspector1's village (460106001201, 中山一村) with 3 members, a plan and
/// 2 measures each: an inspector's scope as the phone pulls it. Registration numbers `BS1`…,
/// heads `基准户1`….
#[allow(dead_code)] // as above
pub async fn inspector_households(store: &Store, n: usize) {
    let sql = Dialect::of(store);
    let (uuid, now) = (sql.uuid(), sql.now());
    let numbers = |n: usize| sql.numbers(n);
    let village = |code: &str| format!("(SELECT id FROM places WHERE code = '{code}')");
    let cols = HOUSEHOLD_COLUMNS;
    exec(store, &format!(
        "INSERT INTO households ({cols}) SELECT {uuid}, 'BS' || i, {v}, '460106', '基准户' || i, '13800000000', '海口市', 20.0, 110.3, 'exited', 2020, NULL, '{{}}', 1, {now}, {now} FROM ({q}) AS n",
        v = village("460106001201"), q = numbers(n)
    )).await;
    exec(store, &format!(
        "INSERT INTO members (id, household_id, name, relation, id_number_cipher, id_number_index, id_number_masked, version, created_at, updated_at) \
         SELECT {uuid}, h.id, '成员' || k.i, '家属', NULL, NULL, NULL, 1, {now}, {now} FROM households h, ({q}) AS k WHERE h.registration_no LIKE 'BS%'",
        q = numbers(3)
    )).await;
    exec(store, &format!(
        "INSERT INTO plans (id, household_id, year, status, version, created_at, updated_at) SELECT {uuid}, h.id, 2026, 'active', 1, {now}, {now} FROM households h WHERE h.registration_no LIKE 'BS%'"
    )).await;
    exec(store, &format!(
        "INSERT INTO measures (id, plan_id, kind, description, lead_unit_id, responsible_person_id, budget_fen, status, field_versions, version, created_at, updated_at) \
         SELECT {uuid}, p.id, 'industry', '产业帮扶措施' || k.i, NULL, NULL, 500000, 'in_progress', '{{}}', 1, {now}, {now} \
         FROM plans p JOIN households h ON h.id = p.household_id, ({q}) AS k WHERE h.registration_no LIKE 'BS%'",
        q = numbers(2)
    )).await;
}
