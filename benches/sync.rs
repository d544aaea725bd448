//! Sync benchmark (`cargo bench --bench sync`): one inspector whose scope holds 2,000 households
//! with members, plans and measures, in a database of 10,000 and of 1,000,000 households.
//! Prints, for each size: the first full sync (all pages; server time and gzip-compressed bytes),
//! an incremental pull of 10 changes, and a push of 1,000 mutations. Targets: first sync < 2 s and
//! < 3 MB; incremental < 10 ms and no slower at 1 M than at 10 k; push < 1 s.
//!
//! `BENCH_SIZES=10000,1000000` picks the sizes; `BENCH_PG_URL=postgres://…/db` (an empty database
//! it may fill) runs on PostgreSQL instead of a temporary SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Dialect, exec, one};

use fieldcheck_domain::UserId;
use fieldcheck_store::sea_orm::{ConnectionTrait, DbBackend, Statement};
use fieldcheck_store::sync::{Mutation, Pusher, apply_batch, pull};
use fieldcheck_store::{PiiCipher, Store, demo, users};
use std::io::Write;
use std::time::Instant;

const IN_SCOPE: usize = 2_000;

/// Fills the database: `IN_SCOPE` households in the inspector's village with 3 members, a plan and
/// 2 measures each; the rest spread over the other villages without children.
async fn generate(store: &Store, total: usize) {
    common::inspector_households(store, IN_SCOPE).await;
    let sql = Dialect::of(store);
    let (uuid, now) = (sql.uuid(), sql.now());
    let numbers = |n: usize| sql.numbers(n);
    let cols = common::HOUSEHOLD_COLUMNS;
    // The rest of the city (or province): households elsewhere, in batches to bound memory.
    let others = total - IN_SCOPE;
    let batch = 100_000;
    let mut done = 0;
    while done < others {
        let n = batch.min(others - done);
        exec(store, &format!(
            "INSERT INTO households ({cols}) SELECT {uuid}, 'BO' || ({done} + n.i), v.id, '460107', '其他户', NULL, NULL, NULL, NULL, 'exited', 2019, NULL, '{{}}', 1, {now}, {now} \
             FROM ({q}) AS n JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY code) - 1 AS rn FROM places WHERE level = 'village' AND code <> '460106001201') AS v ON v.rn = n.i % 90",
            q = numbers(n)
        )).await;
        done += n;
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap().len()
}

struct Figures {
    size: usize,
    first_sync_ms: f64,
    first_sync_pages: usize,
    first_sync_records: usize,
    first_sync_gzip_bytes: usize,
    incremental_ms: f64,
    push_ms: f64,
}

async fn run(size: usize, pg_url: Option<&str>) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let url = match pg_url {
        Some(u) => u.to_owned(),
        None => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.sqlite").display()
        ),
    };
    let store = Store::open(&url, PiiCipher::new(&[5u8; 32])).await.unwrap();
    demo::load(&store).await.unwrap();
    let t = Instant::now();
    generate(&store, size).await;
    let households = one::<i64>(&store, "SELECT COUNT(*) FROM households").await;
    let changes = one::<i64>(&store, "SELECT COUNT(*) FROM changes").await;
    eprintln!(
        "generated {households} households ({changes} change-log rows) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if store.db.get_database_backend() == DbBackend::Postgres {
        exec(&store, "ANALYZE").await;
    }
    let account = users::account_by_username(&store.db, "inspector1")
        .await
        .unwrap()
        .unwrap();
    let scope = account.scope();
    let user = UserId(account.row.id);

    // First full sync, all pages, as the phone would page through it.
    let t = Instant::now();
    let (mut cursor, mut pages, mut records, mut wire) = (0i64, 0, 0, 0);
    loop {
        let page = pull(&store.db, &store.pii, &scope, user, cursor, 500)
            .await
            .unwrap();
        pages += 1;
        records += page.changes.len();
        let json = serde_json::to_vec(&serde_json::json!({ "changes": page.changes, "cursor": "x".repeat(54), "has_more": page.has_more })).unwrap();
        wire += gzip_len(&json);
        cursor = page.last_seq;
        if !page.has_more {
            break;
        }
    }
    let first_sync_ms = t.elapsed().as_secs_f64() * 1e3;

    // Incremental pulls of 10 changes each (median of 15).
    let mut times = Vec::new();
    for round in 0..15 {
        exec(&store, &format!(
            "UPDATE households SET phone = '1390000{round:04}', version = version + 1 WHERE id IN (SELECT id FROM households WHERE registration_no LIKE 'BS%' ORDER BY registration_no LIMIT 10 OFFSET {})",
            round * 10
        )).await;
        let t = Instant::now();
        let page = pull(&store.db, &store.pii, &scope, user, cursor, 500)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(page.changes.len(), 10);
        cursor = page.last_seq;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let incremental_ms = times[times.len() / 2];

    // A push of 1,000 visit creations.
    let hh: Vec<uuid::Uuid> = {
        let rows = store
            .db
            .query_all_raw(Statement::from_string(
                store.db.get_database_backend(),
                "SELECT id FROM households WHERE registration_no LIKE 'BS%' LIMIT 1000".to_owned(),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get_by_index::<uuid::Uuid>(0).unwrap())
            .collect()
    };
    let who = Pusher {
        user,
        device: "bench-phone",
        scope: &scope,
        field_worker: true,
        clock_skew_secs: None,
    };
    // One push of 1,000 mutations, as a phone sends its outbox.
    let batch: Vec<_> = hh
        .iter()
        .cycle()
        .take(1000)
        .enumerate()
        .map(|(i, h)| {
            let m: Mutation = serde_json::from_value(serde_json::json!({
                "mutation_id": uuid::Uuid::now_v7(), "entity": "visit", "op": "create", "record_id": uuid::Uuid::now_v7(),
                "device_time": chrono::Utc::now(),
                "fields": { "household_id": h, "checklist": { "food": "yes", "housing": if i % 2 == 0 { "yes" } else { "no" } } }
            }))
            .unwrap();
            Ok(m)
        })
        .collect();
    let t = Instant::now();
    let outcomes = apply_batch(&store, &who, batch).await.unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, fieldcheck_store::sync::Outcome::Applied { .. }))
    );
    let push_ms = t.elapsed().as_secs_f64() * 1e3;
    Figures {
        size,
        first_sync_ms,
        first_sync_pages: pages,
        first_sync_records: records,
        first_sync_gzip_bytes: wire,
        incremental_ms,
        push_ms,
    }
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let pg = std::env::var("BENCH_PG_URL").ok();
    let backend = if pg.is_some() { "postgres" } else { "sqlite" };
    let mut all = Vec::new();
    for size in sizes {
        all.push(run(size, pg.as_deref()).await);
        if pg.is_some() {
            eprintln!(
                "note: PostgreSQL runs need a fresh database per size; only the first size was run"
            );
            break;
        }
    }
    println!("# sync benchmark ({backend}), inspector scope {IN_SCOPE} households with plans");
    println!(
        "{:>10} {:>14} {:>7} {:>9} {:>12} {:>16} {:>12}",
        "households",
        "first sync ms",
        "pages",
        "records",
        "gzip bytes",
        "incremental ms",
        "push 1000 ms"
    );
    for f in &all {
        println!(
            "{:>10} {:>14.0} {:>7} {:>9} {:>12} {:>16.2} {:>12.0}",
            f.size,
            f.first_sync_ms,
            f.first_sync_pages,
            f.first_sync_records,
            f.first_sync_gzip_bytes,
            f.incremental_ms,
            f.push_ms
        );
    }
    if let (Some(small), Some(large)) = (all.first(), all.last())
        && all.len() > 1
    {
        println!(
            "incremental pull, {} vs {} households: ratio {:.2}",
            large.size,
            small.size,
            large.incremental_ms / small.incremental_ms
        );
    }
}
