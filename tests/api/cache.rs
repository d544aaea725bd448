//! The in-process read cache behind `GET /households/{id}` and every request's account: a write
//! through this server is seen at once, a write made straight in the database (not through a
//! fieldcheck store, so not announced: see `crates/store/tests/peers.rs` for writes of other
//! servers) is not seen while the entry lives (and an update based on it is refused), a
//! time-to-live of zero turns the cache off, and the caller's scope is checked on every cached
//! read.
//!
//! When a cached entry expires, and so when another process's write becomes visible, is tested
//! against a clock moved by hand in `fieldcheck_store::cache`'s unit tests: here the time-to-live
//! is far longer than any test runs, so no assertion depends on how fast the machine is.

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;
use fieldcheck_store::entities::households;
use fieldcheck_store::sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

on_both_backends!(
    cached_households_follow_writes_and_scope,
    without_a_time_to_live_nothing_is_cached,
    cached_accounts_follow_writes
);

/// Longer than any test runs: an entry this test caches cannot expire while it runs.
const LONG_TTL_MS: u64 = 600_000;

/// Sets a household's address straight in the database, unannounced (as an SQLite CLI beside the
/// server, or a hand-made SQL fix), so this server's cache does not learn of it. With `new_version`, the record's version moves on too.
async fn write_as_another_process(app: &TestApp, id: &str, address: &str, new_version: bool) {
    let other = fieldcheck_store::sea_orm::Database::connect(app.state.config.database_url())
        .await
        .unwrap();
    let mut update = households::Entity::update_many()
        .col_expr(households::Column::Address, Expr::value(address));
    if new_version {
        update = update.col_expr(
            households::Column::Version,
            Expr::col(households::Column::Version).add(1),
        );
    }
    let done = update
        .filter(households::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&other)
        .await
        .unwrap();
    assert_eq!(done.rows_affected, 1);
    other.close().await.ok();
}

async fn cached_households_follow_writes_and_scope(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.cache.ttl_ms = LONG_TTL_MS).await;
    let admin = app.login("admin").await;
    let inspector = app.login("inspector1").await;
    let sibling = app.login("inspector2").await;
    let reviewer = app.login("reviewer-longhua").await;

    let mine = app.list_all("/households", &inspector).await;
    let id = mine[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/households/{id}");
    let first = app.get(&path, &admin).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let district = first.body["district_code"].as_str().unwrap().to_owned();

    // The admin's read filled the cache; every other caller is still checked against its scope.
    assert_eq!(app.get(&path, &inspector).await.status, 200);
    app.get(&path, &sibling)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(district, "460106", "inspector1's village lies in 龙华区");
    let by_reviewer = app.get(&path, &reviewer).await;
    assert_eq!(by_reviewer.status, 200, "{}", by_reviewer.text);

    // A write through this server is seen by the very next read.
    let r = app
        .patch(
            &path,
            &admin,
            Some(&first.etag()),
            json!({ "address": "海口市缓存测试路1号" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = app.get(&path, &admin).await;
    assert_eq!(after.body["address"], "海口市缓存测试路1号");
    assert_ne!(after.etag(), first.etag());

    // A write this process is not told of is not seen while the entry lives.
    write_as_another_process(&app, &id, "海口市另一进程路2号", false).await;
    let cached = app.get(&path, &admin).await;
    assert_eq!(cached.body["address"], "海口市缓存测试路1号");
    assert_eq!(cached.etag(), after.etag());

    // An update based on the cached copy is refused by the database's version, not lost.
    write_as_another_process(&app, &id, "海口市另一进程路3号", true).await;
    let stale = app.get(&path, &admin).await;
    assert_eq!(stale.etag(), after.etag(), "still the cached copy");
    app.patch(
        &path,
        &admin,
        Some(&stale.etag()),
        json!({ "address": "x路" }),
    )
    .await
    .assert_problem(412, "stale-version");
}

async fn without_a_time_to_live_nothing_is_cached(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.cache.ttl_ms = 0).await;
    let admin = app.login("admin").await;
    let households = app.list_all("/households", &admin).await;
    let id = households[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/households/{id}");
    let first = app.get(&path, &admin).await;
    assert_eq!(first.status, 200, "{}", first.text);

    // Another process's write is seen on the very next read.
    write_as_another_process(&app, &id, "海口市不缓存路4号", false).await;
    let next = app.get(&path, &admin).await;
    assert_eq!(next.body["address"], "海口市不缓存路4号");
}

async fn cached_accounts_follow_writes(backend: Backend) {
    // A long time-to-live: only writes through this server may end the cached account.
    let app = spawn_app_with(backend, |c| c.cache.ttl_ms = LONG_TTL_MS).await;
    let admin = app.login("admin").await;
    let surveyor = app.login("surveyor1").await;
    let me = app.get("/me", &surveyor).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(app.get("/me", &surveyor).await.status, 200);
    app.disable_user(&admin, me.body["id"].as_str().unwrap())
        .await;
    app.get("/me", &surveyor)
        .await
        .assert_problem(401, "unauthorized");
}
