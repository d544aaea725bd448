//! Two servers on one PostgreSQL: a write committed through one ends the other's cached reads
//! within a notification's delay, not the cache's time-to-live (here a minute, so only the
//! notification can make these tests pass), also after the listening connection was lost.
//! PostgreSQL only: on SQLite one server serves the file and nothing is announced.
#![allow(clippy::expect_used)]

mod common;

use fieldcheck_domain::{Role, UserId};
use fieldcheck_store::sea_orm::ConnectionTrait;
use fieldcheck_store::users::{self, NewUser, UserPatch};
use fieldcheck_store::{PiiCipher, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(60);
const DEADLINE: Duration = Duration::from_secs(10);

async fn server(url: &str) -> Store {
    Store::open(url, PiiCipher::new(&[7; 32]))
        .await
        .expect("opens")
        .with_cache(TTL, 100)
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < DEADLINE, "{what} within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    start.elapsed()
}

async fn set_disabled(store: &Store, id: UserId, disabled: bool) {
    let txn = store.write().await.expect("begins");
    let patch = UserPatch {
        disabled: Some(disabled),
        ..UserPatch::default()
    };
    users::update(&*txn, None, id, None, patch, None)
        .await
        .expect("updates");
    txn.commit().await.expect("commits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_server_ends_the_others_cached_reads() {
    let url = common::fresh_pg_database().await;
    let (one, two) = (server(&url).await, server(&url).await);
    two.follow_peers();
    until("the second server listens", async || {
        two.freshness.hearing_peers()
    })
    .await;

    let txn = one.write().await.expect("begins");
    let user = users::create(
        &*txn,
        None,
        NewUser {
            username: "inspector9".into(),
            display_name: "Inspector".into(),
            password: "long-enough-password".into(),
            role: Role::Inspector,
            district_code: None,
            assessee_id: None,
            unit_id: None,
            village_ids: vec![],
            household_ids: vec![],
        },
        "not-a-hash".into(),
    )
    .await
    .expect("creates");
    txn.commit().await.expect("commits");
    let id = user.id;
    // The creation's own notification may still be on its way: once it has landed, a second
    // read is served from the cache.
    until("the second server caches the new user", async || {
        let a = two.account(id).await.expect("reads").expect("exists");
        let b = two.account(id).await.expect("reads").expect("exists");
        Arc::ptr_eq(&a, &b)
    })
    .await;

    let mut delays = Vec::new();
    for round in 0..20 {
        let cached = two.account(id).await.expect("reads").expect("exists");
        let again = two.account(id).await.expect("reads").expect("exists");
        assert!(
            Arc::ptr_eq(&cached, &again),
            "round {round}: the second read is the cached one"
        );
        let disabled = !cached.row.disabled;
        set_disabled(&one, id, disabled).await;
        delays.push(
            until("the other server reads the change", async || {
                two.account(id)
                    .await
                    .expect("reads")
                    .expect("exists")
                    .row
                    .disabled
                    == disabled
            })
            .await,
        );
    }
    delays.sort();
    println!(
        "a peer's write reached the other server's cache in: median {:?}, max {:?} (20 writes)",
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );

    // The listening connection dies (a restart, a network cut): the server listens again, and
    // what was written meanwhile is not served stale.
    let cached = two.account(id).await.expect("reads").expect("exists");
    let killed = one
        .db
        .query_all_raw(fieldcheck_store::sea_orm::Statement::from_string(
            one.db.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE query LIKE 'LISTEN%' AND datname = current_database()",
        ))
        .await
        .expect("terminates");
    assert_eq!(killed.len(), 1, "one listening connection");
    set_disabled(&one, id, !cached.row.disabled).await;
    until(
        "the change is read after the listener was cut",
        async || {
            two.account(id)
                .await
                .expect("reads")
                .expect("exists")
                .row
                .disabled
                != cached.row.disabled
        },
    )
    .await;
    until("the second server listens again", async || {
        two.freshness.hearing_peers()
    })
    .await;
    let a = two.account(id).await.expect("reads").expect("exists");
    let b = two.account(id).await.expect("reads").expect("exists");
    assert!(Arc::ptr_eq(&a, &b), "caching resumes once it listens again");
}
