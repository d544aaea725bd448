#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The same story on both blob stores: the local folder, and a real S3-compatible server (Garage,
//! started by `./dev test`). The S3 test fails, never skips, when that server is not given.

use fieldcheck_media::s3::{S3Settings, S3Store};
use fieldcheck_media::{BlobStore, LocalStore, MediaError};

async fn conformance(store: &dyn BlobStore, run: &str) {
    store.check().await.unwrap();
    let key = format!("originals/{run}/photo.jpg");
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    assert!(!store.exists(&key).await.unwrap());
    assert!(matches!(store.get(&key).await, Err(MediaError::NotFound)));
    store.put(&key, &body).await.unwrap();
    assert!(store.exists(&key).await.unwrap());
    assert_eq!(store.get(&key).await.unwrap(), body);
    // Overwriting with the same content-addressed bytes is harmless.
    store.put(&key, &body).await.unwrap();
    store
        .put(&format!("derived/{run}/photo-320.jpg"), b"thumb")
        .await
        .unwrap();
    let listed = store.list(&format!("originals/{run}/")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, key);
    assert!(listed[0].modified.is_some());
    store.delete(&key).await.unwrap();
    store.delete(&key).await.unwrap();
    assert!(!store.exists(&key).await.unwrap());
    for bad in ["../escape", "/abs", "Upper/Case", "a//b"] {
        assert!(
            matches!(store.put(bad, b"x").await, Err(MediaError::InvalidKey)),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn local_folder() {
    let dir = tempfile::tempdir().unwrap();
    conformance(&LocalStore::new(dir.path()).unwrap(), "local").await;
}

fn s3_settings() -> S3Settings {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| {
            panic!("{k} is not set: run the suite with ./dev test, which starts Garage")
        })
    };
    S3Settings {
        endpoint: var("FIELDCHECK_TEST_S3_ENDPOINT"),
        bucket: var("FIELDCHECK_TEST_S3_BUCKET"),
        region: var("FIELDCHECK_TEST_S3_REGION"),
        access_key: var("FIELDCHECK_TEST_S3_ACCESS_KEY"),
        secret_key: var("FIELDCHECK_TEST_S3_SECRET_KEY"),
        path_style: true,
    }
}

#[tokio::test]
async fn real_s3_server() {
    let store = S3Store::new(&s3_settings());
    let run = format!("{}", std::process::id());
    conformance(&store, &run).await;
    // Wrong credentials are an outage of the store, reported as such.
    let mut wrong = s3_settings();
    wrong.secret_key = "not-the-secret".into();
    assert!(matches!(
        S3Store::new(&wrong).put("originals/x/y", b"z").await,
        Err(MediaError::Unavailable(_))
    ));
}
