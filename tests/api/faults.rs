//! When a part fails (issue 16). PostgreSQL restarts under load: while it is down every request
//! answers quickly with `503 unavailable` and `Retry-After` (never a 500, never the driver's
//! words), `/readyz` says so, and once it is back the same fieldcheck process serves again and
//! keeps every push it acknowledged exactly once.
//!
//! The test runs its own PostgreSQL (initdb into a temporary directory, on a free port), never
//! the suite's shared server, since it stops it.

use crate::helpers::{Backend, spawn_app_with};
use reqwest::header;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Far longer than the pool's acquire timeout (5 s): a request slower than this hung.
const ANSWER_WITHIN: Duration = Duration::from_secs(12);

/// A PostgreSQL server of this test alone; stopped and removed when dropped.
struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl OwnPostgres {
    fn start() -> OwnPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL installed under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("pg_ctl").exists())
            .expect("pg_ctl");
        let dir = tempfile::tempdir().expect("temp dir");
        let uid = Command::new("id").arg("-u").output().expect("id -u");
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(ok.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let pg = OwnPostgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        pg.up();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().expect("runs a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.data();
        let log = self.dir.path().join("log");
        let mut all = vec![
            "-D",
            data.to_str().unwrap_or_default(),
            "-l",
            log.to_str().unwrap_or_default(),
        ];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    fn up(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        self.pg_ctl(&["-w", "-o", &opts, "start"]);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data();
        let exe = self.bin.join("pg_ctl");
        let path = data.to_str().unwrap_or_default();
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(["-D", path, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(&exe)
                .args(["-D", path, "-m", "immediate", "stop"])
                .output()
        };
    }
}

/// One answer the load saw.
#[derive(Debug)]
struct Sample {
    phase: u8,
    what: &'static str,
    status: u16,
    retry_after: Option<String>,
    text: String,
    took: Duration,
}

const BEFORE: u8 = 0;
const DOWN: u8 = 1;
const RECOVERING: u8 = 2;
const AFTER: u8 = 3;

fn photo_push(household: &str) -> (String, Value) {
    let id = uuid::Uuid::now_v7().to_string();
    let sha: String = hex::encode(sha2::Sha256::digest(id.as_bytes()));
    let body = json!({ "mutations": [{
        "mutation_id": uuid::Uuid::now_v7(), "entity": "photo", "op": "create", "record_id": id,
        "device_time": chrono::Utc::now(),
        "fields": { "household_id": household, "sha256": sha, "taken_at": chrono::Utc::now() }
    }]});
    (id, body)
}

use sha2::Digest;

/// A problem that says "unavailable, try again" and nothing of the driver.
fn assert_unavailable(status: u16, retry_after: Option<&str>, text: &str, what: &str) {
    assert_eq!(status, 503, "{what}: {text}");
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    assert_eq!(
        body["type"], "urn:fieldcheck:problem:unavailable",
        "{what}: {text}"
    );
    assert_eq!(retry_after, Some("5"), "{what}: Retry-After");
    let lower = text.to_lowercase();
    for word in [
        "sqlx",
        "pool",
        "refused",
        "io error",
        "postgres",
        "connection",
        "127.0.0.1",
    ] {
        assert!(!lower.contains(word), "{what} leaks {word:?}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_under_load() {
    let pg = OwnPostgres::start();
    let url = pg.url();
    // `Backend::Sqlite` keeps the helper from creating a database on the suite's shared server;
    // the URL set here makes the app use this test's own PostgreSQL instead.
    let app = spawn_app_with(Backend::Sqlite, move |c| {
        c.database_url = Some(fieldcheck_api::config::Secret(url));
    })
    .await;
    assert_eq!(app.state.store.backend, fieldcheck_store::Backend::Postgres);
    let token = app.login("inspector1").await;
    let office_cookie = app.web_session("office").await;
    let households = app.list_all("/households", &token).await;
    let household = households[0]["id"]
        .as_str()
        .expect("household id")
        .to_owned();
    let base = app.base.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");

    let phase = Arc::new(AtomicU8::new(BEFORE));
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    // (record id, push body, acknowledged as applied)
    let pushes = Arc::new(Mutex::new(Vec::<(String, Value, bool)>::new()));
    let mut workers = Vec::new();
    for n in 0..4 {
        let (client, base, token, household) = (
            client.clone(),
            base.clone(),
            token.clone(),
            household.clone(),
        );
        let (phase, stop, samples, pushes) =
            (phase.clone(), stop.clone(), samples.clone(), pushes.clone());
        workers.push(tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let started_in = phase.load(Ordering::SeqCst);
                let t0 = Instant::now();
                let (what, sent, push) = if (i + n).is_multiple_of(2) {
                    let r = client
                        .get(format!("{base}/households?limit=5"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    ("read", r, None)
                } else {
                    let (id, body) = photo_push(&household);
                    let r = client
                        .post(format!("{base}/sync/push"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    ("push", r, Some((id, body)))
                };
                let r = sent.expect("the server answers");
                let status = r.status().as_u16();
                let retry_after = r
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let text = r.text().await.unwrap_or_default();
                let took = t0.elapsed();
                if let Some((id, body)) = push {
                    let applied = status == 200 && {
                        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        v["results"][0]["status"] == "applied"
                    };
                    pushes.lock().expect("lock").push((id, body, applied));
                }
                samples.lock().expect("lock").push(Sample {
                    // A request counts for the phase it started in, and for a later one it
                    // overlapped.
                    phase: started_in.max(phase.load(Ordering::SeqCst)),
                    what,
                    status,
                    retry_after,
                    text,
                    took,
                });
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    // Stop PostgreSQL under the load.
    phase.store(DOWN, Ordering::SeqCst);
    tokio::task::spawn_blocking({
        let data = pg.data();
        let pg_bin = pg.bin.clone();
        let as_postgres = pg.as_postgres;
        let dir = pg.dir.path().to_owned();
        move || stop_pg(&pg_bin, &data, &dir, as_postgres)
    })
    .await
    .expect("pg_ctl stop");
    tokio::time::sleep(Duration::from_secs(8)).await;

    // The readiness probe says the database is down, quickly.
    let t0 = Instant::now();
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz answers");
    assert!(
        t0.elapsed() < ANSWER_WITHIN,
        "readyz took {:?}",
        t0.elapsed()
    );
    let ready_status = ready.status().as_u16();
    let ready_retry = ready
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ready_text = ready.text().await.unwrap_or_default();
    assert_unavailable(
        ready_status,
        ready_retry.as_deref(),
        &ready_text,
        "readyz while down",
    );

    // The office's pages say so too: 503 with `Retry-After` and a page that tells the office to
    // reload shortly, not an error 500.
    let page = client
        .get(format!("{base}/ui/cycles"))
        .header(header::COOKIE, &office_cookie)
        .send()
        .await
        .expect("the page answers");
    assert_eq!(page.status().as_u16(), 503, "an office page while down");
    assert_eq!(
        page.headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let page_text = page.text().await.unwrap_or_default();
    assert!(page_text.contains("服务暂时不可用"), "{page_text}");

    // Start it again: the same fieldcheck process serves again by itself.
    phase.store(RECOVERING, Ordering::SeqCst);
    pg.up();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = client.get(format!("{base}/readyz")).send().await;
        if r.as_ref().is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "readyz never came back: {r:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    phase.store(AFTER, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.expect("load worker");
    }

    let samples = std::mem::take(&mut *samples.lock().expect("lock"));
    let count = |p: u8, ok: bool| {
        samples
            .iter()
            .filter(|s| s.phase == p && (s.status == 200) == ok)
            .count()
    };
    for s in &samples {
        assert!(s.took < ANSWER_WITHIN, "hung request: {s:?}");
        match (s.phase, s.status) {
            (_, 200) => {}
            (BEFORE | AFTER, _) => panic!("failed while PostgreSQL was up: {s:?}"),
            _ => assert_unavailable(
                s.status,
                s.retry_after.as_deref(),
                &s.text,
                &format!("{} while down: {s:?}", s.what),
            ),
        }
    }
    assert!(count(BEFORE, true) > 0, "no load before the outage");
    assert!(
        samples
            .iter()
            .any(|s| s.phase == DOWN && s.what == "push" && s.status == 503),
        "no push met the outage"
    );
    assert!(
        samples
            .iter()
            .any(|s| s.phase == AFTER && s.what == "push" && s.status == 200),
        "no push after recovery"
    );
    assert_eq!(count(AFTER, false), 0);

    // Every acknowledged push is there exactly once; the ones that met the outage can be sent
    // again (same mutation ids) and are then there exactly once too.
    let pushes = std::mem::take(&mut *pushes.lock().expect("lock"));
    assert!(pushes.iter().any(|p| p.2), "no push was acknowledged");
    for (id, body, acked) in &pushes {
        let r = app.post("/sync/push", Some(&token), body.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let status = r.body["results"][0]["status"].as_str().unwrap_or_default();
        if *acked {
            assert_eq!(status, "duplicate", "{id}: {}", r.text);
        } else {
            assert!(
                status == "applied" || status == "duplicate",
                "{id}: {}",
                r.text
            );
        }
    }
    let photos = app
        .list_all(&format!("/photos?household={household}"), &token)
        .await;
    for (id, _, _) in &pushes {
        let n = photos.iter().filter(|p| p["id"] == id.as_str()).count();
        assert_eq!(n, 1, "photo {id} is there {n} times");
    }
    drop(pg);
}

/// `pg_ctl stop -m fast` off the runtime (it waits for the server to end).
fn stop_pg(bin: &Path, data: &Path, dir: &Path, as_postgres: bool) {
    let exe = bin.join("pg_ctl");
    let log = dir.join("log");
    let args = [
        "-D",
        data.to_str().unwrap_or_default(),
        "-l",
        log.to_str().unwrap_or_default(),
        "-w",
        "-m",
        "fast",
        "stop",
    ];
    let out = if as_postgres {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&exe)
            .args(args)
            .output()
    } else {
        Command::new(&exe).args(args).output()
    }
    .expect("pg_ctl stop");
    assert!(out.status.success(), "{out:?}");
}

// --- The object store down or slow -------------------------------------------------------------

/// What the proxy in front of the object store does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProxyMode {
    /// Passes bytes both ways.
    Forward,
    /// Closes every connection at once (a store that is down or unreachable).
    Drop,
    /// Takes the request and never answers (a store that hangs).
    Hang,
}

/// A TCP proxy the test controls, between the app and Garage. Changing the mode ends the
/// connections it holds, so the SDK's pooled connections meet the new mode too.
struct StoreProxy {
    addr: std::net::SocketAddr,
    mode: tokio::sync::watch::Sender<ProxyMode>,
}

impl StoreProxy {
    async fn start(upstream: String) -> StoreProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (mode, watch) = tokio::sync::watch::channel(ProxyMode::Forward);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut watch = watch.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let now = *watch.borrow_and_update();
                    match now {
                        ProxyMode::Drop => {}
                        ProxyMode::Hang => {
                            let mut sink = tokio::io::sink();
                            tokio::select! {
                                _ = tokio::io::copy(&mut inbound, &mut sink) => {}
                                _ = watch.changed() => {}
                            }
                        }
                        ProxyMode::Forward => {
                            let Ok(mut out) = tokio::net::TcpStream::connect(&upstream).await
                            else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut out) => {}
                                _ = watch.changed() => {}
                            }
                        }
                    }
                });
            }
        });
        StoreProxy { addr, mode }
    }

    fn set(&self, mode: ProxyMode) {
        self.mode.send_replace(mode);
    }
}

crate::on_both_backends!(object_store_down_or_slow);

fn s3_var(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| {
        panic!("{k} is not set: run the suite with ./dev test, which starts Garage")
    })
}

/// A photo no other test uploads (a marker in a JPEG comment), so its object is new in the
/// shared bucket.
fn unique_photo() -> Vec<u8> {
    let mut bytes = crate::helpers::fixture("bythewater-2560x1600.jpg");
    let mut com = vec![0xFF, 0xFE, 0x00, 18];
    com.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.splice(2..2, com);
    bytes
}

async fn put_content(
    app: &crate::helpers::TestApp,
    token: &str,
    id: &str,
    body: &[u8],
) -> crate::helpers::Resp {
    let body = body.to_vec();
    app.raw(
        reqwest::Method::PUT,
        &format!("/photos/{id}/content"),
        Some(token),
        |r| r.body(body),
    )
    .await
}

/// A GET with the status, `Retry-After`, body and time it took.
async fn timed_get(
    app: &crate::helpers::TestApp,
    path: &str,
    token: Option<&str>,
) -> (u16, Option<String>, String, Duration) {
    let t0 = Instant::now();
    let mut rb = app
        .client
        .get(format!("{}{path}", app.base))
        .timeout(Duration::from_secs(90));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("the server answers");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = r.text().await.unwrap_or_default();
    (status, retry, text, t0.elapsed())
}

/// The SDK's operation timeout (25 s) and some: a request slower than this was held by a
/// hung store.
const HUNG_STORE_ANSWER_WITHIN: Duration = Duration::from_secs(40);

async fn object_store_down_or_slow(backend: Backend) {
    let upstream = s3_var("FIELDCHECK_TEST_S3_ENDPOINT")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let proxy = StoreProxy::start(upstream).await;
    let endpoint = format!("http://{}", proxy.addr);
    let app = spawn_app_with(backend, |c| {
        c.blob.kind = "s3".into();
        c.blob.s3_endpoint = Some(endpoint);
        c.blob.s3_bucket = Some(s3_var("FIELDCHECK_TEST_S3_BUCKET"));
        c.blob.s3_region = Some(s3_var("FIELDCHECK_TEST_S3_REGION"));
        c.blob.s3_access_key = Some(fieldcheck_api::config::Secret(s3_var(
            "FIELDCHECK_TEST_S3_ACCESS_KEY",
        )));
        c.blob.s3_secret_key = Some(fieldcheck_api::config::Secret(s3_var(
            "FIELDCHECK_TEST_S3_SECRET_KEY",
        )));
    })
    .await;
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let household = app.list_all("/households", &token).await[0]["id"]
        .as_str()
        .expect("household id")
        .to_owned();

    // While the store works: one photo stored, its thumbnail served.
    let first = unique_photo();
    let first_sha = hex::encode(sha2::Sha256::digest(&first));
    let stored = crate::helpers::push_photo(&app, &token, &household, &first_sha, None).await;
    let r = put_content(&app, &token, &stored, &first).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(timed_get(&app, "/readyz", None).await.0, 200);

    // The store is down (connections closed at once).
    proxy.set(ProxyMode::Drop);
    let second = unique_photo();
    let second_sha = hex::encode(sha2::Sha256::digest(&second));
    let waiting = crate::helpers::push_photo(&app, &token, &household, &second_sha, None).await;
    let t0 = Instant::now();
    let r = put_content(&app, &token, &waiting, &second).await;
    let took = t0.elapsed();
    assert!(took < HUNG_STORE_ANSWER_WITHIN, "upload took {took:?}");
    assert_unavailable(
        r.status.as_u16(),
        r.headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        &r.text,
        "upload while the store is down",
    );
    // Nothing recorded: the photo still waits for its content.
    let rec = app.get(&format!("/photos/{waiting}"), &token).await;
    assert_eq!(rec.status, 200, "{}", rec.text);
    assert_eq!(rec.body["status"], "waiting_upload", "{}", rec.text);
    // Reading a photo's objects is unavailable, not an internal error.
    let (status, retry, text, took) =
        timed_get(&app, &format!("/photos/{stored}/thumb"), Some(&office)).await;
    assert!(took < HUNG_STORE_ANSWER_WITHIN, "thumb took {took:?}");
    assert_unavailable(
        status,
        retry.as_deref(),
        &text,
        "thumb while the store is down",
    );
    let (status, retry, text, _) = timed_get(&app, "/readyz", None).await;
    assert_unavailable(
        status,
        retry.as_deref(),
        &text,
        "readyz while the store is down",
    );
    // What does not touch photos is unaffected, and quick.
    for path in ["/me", "/households"] {
        let (status, _, text, took) = timed_get(&app, path, Some(&token)).await;
        assert_eq!(status, 200, "{path}: {text}");
        assert!(took < Duration::from_secs(3), "{path} took {took:?}");
    }

    // The store hangs: the request still ends, with 503, within the SDK's timeouts.
    proxy.set(ProxyMode::Hang);
    let (status, retry, text, took) =
        timed_get(&app, &format!("/photos/{stored}/thumb"), Some(&office)).await;
    assert!(took < HUNG_STORE_ANSWER_WITHIN, "thumb took {took:?}");
    assert_unavailable(
        status,
        retry.as_deref(),
        &text,
        "thumb while the store hangs",
    );
    let (status, _, text, took) = timed_get(&app, "/me", Some(&token)).await;
    assert_eq!(status, 200, "{text}");
    assert!(took < Duration::from_secs(3), "/me took {took:?}");

    // The store is back: the phone retries as the spec says. HEAD says nothing was kept (a chunk
    // is recorded only once its part is in the object store, so an outage leaves no half-state),
    // and sending the photo again stores it.
    proxy.set(ProxyMode::Forward);
    let path = format!("/photos/{waiting}/content");
    let head = app
        .raw(reqwest::Method::HEAD, &path, Some(&token), |r| r)
        .await;
    assert_eq!(head.status, 200);
    let held = head
        .headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(held, "0", "nothing of the refused upload was recorded");
    let r = put_content(&app, &token, &waiting, &second).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rec = app.get(&format!("/photos/{waiting}"), &token).await;
    assert_eq!(rec.body["status"], "stored", "{}", rec.text);
    let (status, _, text, _) =
        timed_get(&app, &format!("/photos/{stored}/thumb"), Some(&office)).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(timed_get(&app, "/readyz", None).await.0, 200);
}
