//! The in-process read cache behind `GET /households/{id}` and every request's account: a write
//! through this server is seen at once, a write by another process (the CLI, a second server)
//! once the time-to-live has passed, and the caller's scope is checked on every cached read.

use crate::helpers::{Backend, spawn_app_with};
use crate::on_both_backends;
use fieldcheck_store::entities::households;
use fieldcheck_store::sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use std::time::{Duration, Instant};

on_both_backends!(
    cached_households_follow_writes_and_scope,
    cached_accounts_follow_writes
);

const TTL: Duration = Duration::from_millis(1500);

async fn cached_households_follow_writes_and_scope(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.cache.ttl_ms = TTL.as_millis() as u64).await;
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
    let by_reviewer = app.get(&path, &reviewer).await;
    if district == "460106" {
        assert_eq!(by_reviewer.status, 200, "{}", by_reviewer.text);
    } else {
        by_reviewer.assert_problem(404, "not-found");
    }

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

    // A write by another process, as the CLI beside a running server would make it.
    let warmed = Instant::now();
    assert_eq!(
        app.get(&path, &admin).await.body["address"],
        "海口市缓存测试路1号"
    );
    let other = fieldcheck_store::sea_orm::Database::connect(app.state.config.database_url())
        .await
        .unwrap();
    households::Entity::update_many()
        .col_expr(
            households::Column::Address,
            Expr::value("海口市另一进程路2号"),
        )
        .filter(households::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&other)
        .await
        .unwrap();
    let soon = app.get(&path, &admin).await;
    if warmed.elapsed() < TTL {
        // Still the cached copy: this process cannot know of the other's write yet.
        assert_eq!(soon.body["address"], "海口市缓存测试路1号");
    }
    tokio::time::sleep(TTL.saturating_sub(warmed.elapsed()) + Duration::from_millis(50)).await;
    let later = app.get(&path, &admin).await;
    assert_eq!(
        later.body["address"], "海口市另一进程路2号",
        "seen within the time-to-live"
    );

    // An update based on the cached copy is refused by the database's version, not lost.
    households::Entity::update_many()
        .col_expr(
            households::Column::Address,
            Expr::value("海口市另一进程路3号"),
        )
        .col_expr(
            households::Column::Version,
            Expr::col(households::Column::Version).add(1),
        )
        .filter(households::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&other)
        .await
        .unwrap();
    let stale = app.get(&path, &admin).await;
    app.patch(
        &path,
        &admin,
        Some(&stale.etag()),
        json!({ "address": "x路" }),
    )
    .await
    .assert_problem(412, "stale-version");
    other.close().await.ok();
}

async fn cached_accounts_follow_writes(backend: Backend) {
    // A long time-to-live: only writes through this server may end the cached account.
    let app = spawn_app_with(backend, |c| c.cache.ttl_ms = 600_000).await;
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
