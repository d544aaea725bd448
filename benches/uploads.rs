//! Upload benchmark (`./dev bench-uploads`): 50 phones upload an 8 MB photo each at the same
//! time to a real `fieldcheck serve` (release build, its own process) storing in a real
//! S3-compatible server (Garage, started by `./dev`). Prints the throughput in MB/s beside the raw
//! PutObject throughput of the same S3 server for the same 50 × 8 MB in the same run, and the
//! server's peak resident memory (target: under 300 MB).
//!
//! Needs `FIELDCHECK_TEST_S3_{ENDPOINT,BUCKET,REGION,ACCESS_KEY,SECRET_KEY}` (set by `./dev`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fieldcheck_media::BlobStore;
use fieldcheck_media::s3::{S3Settings, S3Store};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const UPLOADS: usize = 50;
const SIZE: usize = 8 * 1024 * 1024;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run ./dev bench-uploads"))
}

/// A valid 8 MB JPEG, different for each `i`: the phone fixture with comment segments of random
/// bytes after its header (decoders skip them; every file has its own SHA-256).
fn photo(base: &[u8], i: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIZE);
    out.extend_from_slice(&base[..2]); // SOI
    let mut state = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // A COM segment's length counts its own two bytes: 65,535 leaves 65,533 bytes of payload.
    while out.len() + base.len() + 65_537 < SIZE {
        out.extend_from_slice(&[0xFF, 0xFE, 0xFF, 0xFF]);
        let start = out.len();
        while out.len() - start + 8 <= 65_533 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            out.extend_from_slice(&state.to_le_bytes());
        }
        out.resize(start + 65_533, 0);
    }
    out.extend_from_slice(&base[2..]);
    out
}

/// Stops the server however the benchmark ends (a failed assertion included).
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let s3 = S3Settings {
        endpoint: var("FIELDCHECK_TEST_S3_ENDPOINT"),
        bucket: var("FIELDCHECK_TEST_S3_BUCKET"),
        region: var("FIELDCHECK_TEST_S3_REGION"),
        access_key: var("FIELDCHECK_TEST_S3_ACCESS_KEY"),
        secret_key: var("FIELDCHECK_TEST_S3_SECRET_KEY"),
        path_style: true,
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let base = std::fs::read(format!(
        "{root}/tests/fixtures/photos/phone-4000x2500-gps.jpg"
    ))
    .expect("fixture");
    let photos: Vec<Vec<u8>> = (0..UPLOADS).map(|i| photo(&base, i)).collect();
    let total_mb = (UPLOADS * SIZE) as f64 / 1e6;

    // Raw PutObject throughput of the same server, 50 at once.
    let store = std::sync::Arc::new(S3Store::new(&s3));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (i, p) in photos.iter().enumerate() {
        let (store, p) = (store.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            store
                .put(&format!("bench-raw/{}/{i}", std::process::id()), &p)
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let raw = total_mb / t.elapsed().as_secs_f64();

    // The server, in its own process.
    let data = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .args(["--data-dir", &data.path().display().to_string(), "serve"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("FIELDCHECK_BLOB__KIND", "s3")
        .env("FIELDCHECK_BLOB__S3_ENDPOINT", &s3.endpoint)
        .env("FIELDCHECK_BLOB__S3_BUCKET", &s3.bucket)
        .env("FIELDCHECK_BLOB__S3_REGION", &s3.region)
        .env("FIELDCHECK_BLOB__S3_PATH_STYLE", "true")
        .env("AWS_ACCESS_KEY_ID", &s3.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &s3.secret_key)
        .env("FIELDCHECK_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the release binary starts");
    let server = Server(server);
    let pid = server.0.id();
    let base_url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{base_url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login: Value = client
        .post(format!("{base_url}/auth/login"))
        .json(&json!({ "username": "inspector1", "password": "fieldcheck-demo", "device_id": "bench" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let households: Value = client
        .get(format!("{base_url}/households"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let household = households["items"][0]["id"].clone();
    let ids: Vec<String> = (0..UPLOADS)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let mutations: Vec<Value> = ids
        .iter()
        .zip(&photos)
        .map(|(id, p)| json!({ "mutation_id": uuid::Uuid::now_v7(), "entity": "photo", "op": "create", "record_id": id, "device_time": chrono::Utc::now(), "fields": { "household_id": household, "sha256": hex::encode(Sha256::digest(p)), "taken_at": chrono::Utc::now() } }))
        .collect();
    let pushed = client
        .post(format!("{base_url}/sync/push"))
        .bearer_auth(&token)
        .json(&json!({ "mutations": mutations }))
        .send()
        .await
        .unwrap();
    assert!(pushed.status().is_success());
    let idle_kb = rss_kb(pid, "VmRSS:");

    // Peak memory, sampled while the uploads run (VmHWM is the kernel's own peak as a check).
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kb(pid, "VmRSS:"));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        })
    };
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (id, p) in ids.iter().zip(photos) {
        let (client, url, token) = (
            client.clone(),
            format!("{base_url}/photos/{id}/content"),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .header("content-type", "image/jpeg")
                .body(p)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak_kb = peak.await.unwrap();
    let hwm_kb = rss_kb(pid, "VmHWM:");
    drop(server);
    let ours = total_mb / secs;
    println!(
        "{UPLOADS} concurrent uploads of 8 MB (each stored, verified, decoded, 2 derivatives, flags): \
         {ours:.1} MB/s ({secs:.1} s); raw S3 PutObject of the same bytes: {raw:.1} MB/s; ratio {:.2}",
        ours / raw
    );
    println!(
        "server resident memory: idle {:.0} MB, peak during uploads {:.0} MB (kernel high-water mark {:.0} MB); target < 300 MB",
        idle_kb as f64 / 1024.0,
        peak_kb as f64 / 1024.0,
        hwm_kb as f64 / 1024.0
    );
}
