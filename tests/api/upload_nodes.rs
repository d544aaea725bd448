//! Resumable uploads across server nodes (issue 16): the state of an unfinished upload lives in
//! the database and the blob store, so any node continues what another began; chunks racing on
//! two nodes are serialised by the database; `media gc` removes abandoned uploads.

use crate::helpers::{Backend, TestApp, fixture, push_photo, spawn_app, spawn_peer};
use crate::on_both_backends;
use fieldcheck_store::entities::upload_parts;
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

on_both_backends!(
    three_chunks_on_three_nodes_complete_one_upload,
    racing_chunks_on_two_nodes_one_wins,
    media_gc_removes_abandoned_uploads_and_keeps_live_ones
);

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn first_household(app: &TestApp, token: &str) -> String {
    app.list_all("/households", token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn patch(
    app: &TestApp,
    token: &str,
    id: &str,
    offset: usize,
    total: Option<usize>,
    body: Vec<u8>,
) -> crate::helpers::Resp {
    app.raw(
        Method::PATCH,
        &format!("/photos/{id}/content"),
        Some(token),
        |r| {
            let r = r
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", offset.to_string());
            let r = match total {
                Some(t) => r.header("upload-length", t.to_string()),
                None => r,
            };
            r.body(body)
        },
    )
    .await
}

async fn head_offset(app: &TestApp, token: &str, id: &str) -> usize {
    let r = app
        .raw(
            Method::HEAD,
            &format!("/photos/{id}/content"),
            Some(token),
            |r| r,
        )
        .await;
    assert_eq!(r.status, 200);
    r.headers["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Part objects in the (shared, local) blob store.
fn part_objects(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.state.config.blob_path().join("uploads"))
}

async fn part_rows(app: &TestApp, id: &str) -> u64 {
    upload_parts::Entity::find()
        .filter(upload_parts::Column::PhotoId.eq(uuid::Uuid::parse_str(id).unwrap()))
        .count(&app.state.store.db)
        .await
        .unwrap()
}

/// The stored original, as the office sees it.
async fn original(app: &TestApp, id: &str) -> Vec<u8> {
    let token = app.login("office").await;
    let r = app
        .client
        .get(format!("{}/photos/{id}/original", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

async fn three_chunks_on_three_nodes_complete_one_upload(backend: Backend) {
    let a = spawn_app(backend).await;
    let b = spawn_peer(&a).await;
    let c = spawn_peer(&a).await;
    let token = a.login("inspector1").await;
    let hid = first_household(&a, &token).await;
    let bytes = fixture("colorfulcups-2560x1600.jpg");
    let id = push_photo(&a, &token, &hid, &sha(&bytes), None).await;
    let n = bytes.len();
    let (x, y) = (n / 3, 2 * n / 3);

    let r = patch(&a, &token, &id, 0, Some(n), bytes[..x].to_vec()).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Another node knows where the upload stands and takes the next chunk.
    assert_eq!(head_offset(&b, &token, &id).await, x);
    let r = patch(&b, &token, &id, x, None, bytes[x..y].to_vec()).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(r.headers["upload-offset"], y.to_string().as_str());
    assert_eq!(head_offset(&c, &token, &id).await, y);
    assert_eq!(head_offset(&a, &token, &id).await, y);
    // A resent chunk at an old offset is refused on any node, with the offset held.
    let r = patch(&c, &token, &id, x, None, bytes[x..y].to_vec()).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.headers["upload-offset"], y.to_string().as_str());
    assert_eq!(part_objects(&a), 2);
    let r = patch(&c, &token, &id, y, None, bytes[y..].to_vec()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "stored");

    assert_eq!(original(&a, &id).await, bytes);
    assert_eq!(original(&b, &id).await, bytes);
    // The parts are gone once the photo is stored.
    assert_eq!(part_rows(&a, &id).await, 0);
    assert_eq!(part_objects(&a), 0);
    assert_eq!(head_offset(&b, &token, &id).await, n);
}

async fn racing_chunks_on_two_nodes_one_wins(backend: Backend) {
    let a = spawn_app(backend).await;
    let b = spawn_peer(&a).await;
    let token = a.login("inspector1").await;
    let hid = first_household(&a, &token).await;
    let bytes = fixture("colorfulcups-2560x1600.jpg");
    let id = push_photo(&a, &token, &hid, &sha(&bytes), None).await;
    let n = bytes.len();
    let x = n / 2;
    for round in 0..3 {
        let offset = head_offset(&a, &token, &id).await;
        let end = if round == 0 { x } else { n };
        if offset == n || (round > 0 && offset >= end) {
            break;
        }
        let total = (offset == 0).then_some(n);
        let (ra, rb) = tokio::join!(
            patch(&a, &token, &id, offset, total, bytes[offset..end].to_vec()),
            patch(&b, &token, &id, offset, total, bytes[offset..end].to_vec()),
        );
        let (won, lost) = if ra.status.as_u16() == 409 {
            (rb, ra)
        } else {
            (ra, rb)
        };
        assert!([201, 204].contains(&won.status.as_u16()), "{}", won.text);
        lost.assert_problem(409, "offset-mismatch");
        assert_eq!(lost.headers["upload-offset"], end.to_string().as_str());
        if won.status == 204 {
            // Exactly one part recorded and one object kept: nothing duplicated.
            assert_eq!(head_offset(&b, &token, &id).await, end);
            assert_eq!(part_rows(&a, &id).await, 1);
            assert_eq!(part_objects(&a), 1);
        }
    }
    assert_eq!(original(&b, &id).await, bytes);
    assert_eq!(part_rows(&a, &id).await, 0);
    assert_eq!(part_objects(&a), 0);
}

async fn media_gc_removes_abandoned_uploads_and_keeps_live_ones(backend: Backend) {
    use base64::Engine;
    use fieldcheck_store::sea_orm::sea_query::Expr;
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let hid = first_household(&app, &token).await;
    let old_bytes = fixture("colorfulcups-2560x1600.jpg");
    let live_bytes = fixture("fallenleaf-2560x1600.jpg");
    let old = push_photo(&app, &token, &hid, &sha(&old_bytes), None).await;
    let live = push_photo(&app, &token, &hid, &sha(&live_bytes), None).await;
    let r = patch(
        &app,
        &token,
        &old,
        0,
        Some(old_bytes.len()),
        old_bytes[..1000].to_vec(),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = patch(
        &app,
        &token,
        &old,
        1000,
        None,
        old_bytes[1000..2000].to_vec(),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = patch(
        &app,
        &token,
        &live,
        0,
        Some(live_bytes.len()),
        live_bytes[..1000].to_vec(),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // The first upload last received something eight days ago.
    upload_parts::Entity::update_many()
        .col_expr(
            upload_parts::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(8)),
        )
        .filter(upload_parts::Column::PhotoId.eq(uuid::Uuid::parse_str(&old).unwrap()))
        .exec(&app.state.store.db)
        .await
        .unwrap();
    // A part object whose row never committed (its node died in between).
    let stray = app
        .state
        .config
        .blob_path()
        .join("uploads/stray/00000000000000000000-x");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, b"half").unwrap();
    assert_eq!(part_objects(&app), 4);

    let b64 = |b: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(b);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .args([
            "--data-dir",
            app.data_dir.to_str().unwrap(),
            "media",
            "gc",
            "--grace-secs",
            "0",
        ])
        .env("FIELDCHECK_DATABASE_URL", app.state.config.database_url())
        .env("FIELDCHECK_PII__KEY", b64([7u8; 32]))
        .env(
            "FIELDCHECK_AUTH__SIGNING_KEYS",
            format!("test-1:{}", b64([42u8; 32])),
        )
        .env("FIELDCHECK_LOG__LEVEL", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["abandoned_uploads"],
        serde_json::json!([old]),
        "{report}"
    );
    assert_eq!(
        report["orphan_upload_parts"],
        serde_json::json!(["uploads/stray/00000000000000000000-x"]),
        "{report}"
    );
    assert!(!stray.exists());
    // The abandoned upload starts again from nothing; the live one is untouched and completes.
    assert_eq!(head_offset(&app, &token, &old).await, 0);
    assert_eq!(part_rows(&app, &old).await, 0);
    assert_eq!(head_offset(&app, &token, &live).await, 1000);
    assert_eq!(part_objects(&app), 1);
    let r = patch(&app, &token, &live, 1000, None, live_bytes[1000..].to_vec()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(original(&app, &live).await, live_bytes);
}

/// Three nodes on one PostgreSQL database and one S3 bucket (the Garage `./dev test` starts): the
/// parts are objects in the bucket, any node continues, and they are gone once the photo is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_on_one_s3_bucket_complete_one_upload() {
    use fieldcheck_media::BlobStore;
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run the suite with ./dev test, which starts Garage")
        })
    };
    let settings = fieldcheck_media::s3::S3Settings {
        endpoint: var("FIELDCHECK_TEST_S3_ENDPOINT"),
        bucket: var("FIELDCHECK_TEST_S3_BUCKET"),
        region: var("FIELDCHECK_TEST_S3_REGION"),
        access_key: var("FIELDCHECK_TEST_S3_ACCESS_KEY"),
        secret_key: var("FIELDCHECK_TEST_S3_SECRET_KEY"),
        path_style: true,
    };
    let s = settings.clone();
    let a = crate::helpers::spawn_app_with(Backend::Postgres, move |c| {
        c.blob.kind = "s3".into();
        c.blob.s3_endpoint = Some(s.endpoint);
        c.blob.s3_bucket = Some(s.bucket);
        c.blob.s3_region = Some(s.region);
        c.blob.s3_access_key = Some(fieldcheck_api::config::Secret(s.access_key));
        c.blob.s3_secret_key = Some(fieldcheck_api::config::Secret(s.secret_key));
    })
    .await;
    let b = spawn_peer(&a).await;
    let c = spawn_peer(&a).await;
    let bucket = fieldcheck_media::s3::S3Store::new(&settings);
    let token = a.login("inspector1").await;
    let hid = first_household(&a, &token).await;
    // A photo no other test uploads (a fresh marker in a JPEG comment), so its objects are new.
    let mut bytes = fixture("path-2560x1600.jpg");
    let mut com = vec![0xFF, 0xFE, 0x00, 18];
    com.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.splice(2..2, com);
    let id = push_photo(&a, &token, &hid, &sha(&bytes), None).await;
    let parts_in_bucket = || async { bucket.list(&format!("uploads/{id}/")).await.unwrap().len() };
    let n = bytes.len();
    let (x, y) = (n / 3, 2 * n / 3);
    let r = patch(&a, &token, &id, 0, Some(n), bytes[..x].to_vec()).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(head_offset(&b, &token, &id).await, x);
    let r = patch(&b, &token, &id, x, None, bytes[x..y].to_vec()).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(parts_in_bucket().await, 2);
    assert_eq!(head_offset(&c, &token, &id).await, y);
    let r = patch(&c, &token, &id, y, None, bytes[y..].to_vec()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(original(&a, &id).await, bytes);
    assert_eq!(parts_in_bucket().await, 0);
    assert_eq!(part_rows(&a, &id).await, 0);
}
