//! The field app's numbers (`./dev bench-app`): the real server (SQLite, demo data plus 2,000
//! households with members, plans and measures in inspector1's village) and Debian's Chromium
//! as a 360×640 phone with 4× CPU throttling, driven by `tests/browser/app-bench.mjs`. It
//! measures, in the browser:
//! - the first sign-in and pull of the whole scope into IndexedDB (from the tap on 登录 to the
//!   work list saying it synced), target < 15 s;
//! - opening a household from the work list (hash change to the page drawn), target < 100 ms;
//! - the app shell as the phone downloads it (every file the service worker precaches, as the
//!   server sends it compressed), target < 300 KB.
//!
//! Loopback HTTP (a secure context on loopback): TLS on a phone's network adds the handshake's
//! round trips, which this machine cannot stand for. Needs node, Chromium and playwright-core
//! (`./dev test` installs them into tests/browser).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use fieldcheck_api::Config;
use std::net::TcpListener;

const IN_SCOPE: usize = 2_000;
/// How many households the bench opens one after the other.
const OPENED: usize = 30;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Default::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let app = fieldcheck_api::build_with(config, listener, fieldcheck_web::configure)
        .await
        .expect("the app starts");
    let store = &app.state.store;
    fieldcheck_store::demo::load(store).await.unwrap();
    common::inspector_households(store, IN_SCOPE).await;
    let scope: i64 = common::one(
        store,
        "SELECT COUNT(*) FROM households h JOIN places v ON v.id = h.village_id WHERE v.code = '460106001201'",
    )
    .await;
    // Households to open: spread over the generated ones, by their head's (unique) name.
    let step = IN_SCOPE / OPENED;
    let heads: Vec<String> = (0..OPENED)
        .map(|k| format!("基准户{}", 1 + k * step))
        .collect();
    let base = format!("http://127.0.0.1:{}", app.port);
    tokio::spawn(app.server);

    // The checkout cargo runs the bench in (set at run time), not the one it was compiled in.
    let root =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/app-bench.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &base)
        .env("SCOPE", scope.to_string())
        .env("HEADS", heads.join("\n"));
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("node runs (./dev test installs it with playwright-core and Chromium)");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser bench failed");
}
