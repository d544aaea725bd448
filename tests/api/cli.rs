//! The command line beside a running server on SQLite: its writes wait for the server's write
//! lock instead of failing, and say clearly when they could not get it.

use crate::helpers::{Backend, TestApp, spawn_app};
use sea_orm::{ConnectionTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use std::time::Duration;

fn cli(app: &TestApp, args: &[&str]) -> std::process::Child {
    use base64::Engine;
    let b64 = |b: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(b);
    std::process::Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .arg("--data-dir")
        .arg(&app.data_dir)
        .args(args)
        .env("FIELDCHECK_PII__KEY", b64([7u8; 32]))
        .env(
            "FIELDCHECK_AUTH__SIGNING_KEYS",
            format!("test-1:{}", b64([42u8; 32])),
        )
        .env("FIELDCHECK_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the CLI starts")
}

/// Holds SQLite's write lock from another connection for `hold`, having written (so a reader that
/// started before holds a stale snapshot afterwards), as a long write of a server would.
async fn hold_write_lock(data_dir: std::path::PathBuf, hold: Duration) {
    let url = format!("sqlite://{}", data_dir.join("fieldcheck.sqlite").display());
    let db = sea_orm::Database::connect(url).await.unwrap();
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap();
    txn.execute_unprepared(
        "INSERT INTO login_throttle (key, failures, window_start) \
         VALUES ('test:lock-holder', 0, '2026-12-01T00:00:00+00:00')",
    )
    .await
    .unwrap();
    tokio::time::sleep(hold).await;
    txn.commit().await.unwrap();
}

async fn wait(child: std::process::Child) -> std::process::Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// Runs `fieldcheck user disable inspector2` while another connection holds SQLite's write lock
/// for `hold`; its output, and whether inspector2 is disabled afterwards.
async fn disable_while_locked(hold: Duration) -> (std::process::Output, bool) {
    let app = spawn_app(Backend::Sqlite).await;
    let holder = tokio::spawn(hold_write_lock(app.data_dir.clone(), hold));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = wait(cli(&app, &["user", "disable", "inspector2"])).await;
    holder.await.unwrap();
    let admin = app.login("admin").await;
    let users = app.list_all("/users", &admin).await;
    let inspector2 = users
        .iter()
        .find(|u| u["username"] == "inspector2")
        .unwrap();
    (out, inspector2["disabled"] == true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_disable_waits_for_the_servers_write_lock() {
    let (out, disabled) = disable_while_locked(Duration::from_millis(1500)).await;
    assert!(
        out.status.success(),
        "the CLI gave up while the lock was held briefly: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(disabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_disable_says_clearly_when_the_lock_never_comes() {
    let timeout = fieldcheck_store::db::SQLITE_BUSY_TIMEOUT;
    let (out, disabled) = disable_while_locked(timeout + Duration::from_secs(3)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{stderr}");
    assert!(
        stderr.contains("locked by another writer") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert!(!disabled);
}

/// What the HTTP parser refuses before the application sees it (a URL over its 64 KiB, a control
/// byte in a header) is a client's mistake: it must not reach the error log, which any client
/// could otherwise flood.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_the_parser_refuses_are_not_logged_as_errors() {
    use std::io::{BufRead, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0", "--no-demo"])
        .env("FIELDCHECK_LOG__LEVEL", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve ended early"
        );
        if let Some(rest) = line
            .trim()
            .strip_prefix("fieldcheck is listening on http://")
        {
            break rest.to_owned();
        }
    };
    let refused: [Vec<u8>; 2] = [
        format!(
            "GET /households?x={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(70_000)
        )
        .into_bytes(),
        b"GET /households HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n".to_vec(),
    ];
    for raw in refused {
        let mut c = std::net::TcpStream::connect(&addr).unwrap();
        c.write_all(&raw).unwrap();
        let mut answer = Vec::new();
        let _ = c.read_to_end(&mut answer);
        assert!(
            answer.starts_with(b"HTTP/1.1 4"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    // One ordinary request after them, so the log has been written up to here.
    let ok = reqwest::get(format!("http://{addr}/livez")).await.unwrap();
    assert_eq!(ok.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.kill().unwrap();
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let _ = server.wait();
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"level\":\"ERROR\""))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
