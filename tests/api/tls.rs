//! `serve` terminating TLS itself: the certificate from the configured files, a renewed one
//! served after SIGHUP without a restart, a broken renewal leaving the previous one in service,
//! and a configuration that cannot serve refused at start-up with the file named.

use crate::helpers::{TestCert, make_cert};
use std::io::{BufRead, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn serve_command(dir: &std::path::Path, cert: &std::path::Path, key: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fieldcheck"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(["serve", "--bind", "127.0.0.1:0", "--no-demo"])
        .env("FIELDCHECK_TLS__CERT_PATH", cert)
        .env("FIELDCHECK_TLS__KEY_PATH", key)
        .env("FIELDCHECK_LOG__LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Waits for the line that says where the server listens; returns `host:port`.
fn listening_address(server: &mut Child) -> String {
    let mut stdout = std::io::BufReader::new(server.stdout.take().expect("stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve ended early"
        );
        if let Some(rest) = line.trim().strip_prefix("fieldcheck is listening on ") {
            let addr = rest
                .strip_prefix("https://")
                .unwrap_or_else(|| panic!("serves HTTPS: {rest}"));
            return addr.to_owned();
        }
    }
}

async fn answers(cert: &TestCert, addr: &str) -> bool {
    cert.client()
        .get(format!("https://{addr}/livez"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
}

fn hang_up(server: &Child) {
    let status = Command::new("kill")
        .args(["-HUP", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Polls until `cert` is the one served (a renewal takes effect for new connections).
async fn served_within(cert: &TestCert, addr: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if answers(cert, addr).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_terminates_tls_and_reloads_its_certificate_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let first = make_cert(&["127.0.0.1", "localhost"]);
    let (cert_path, key_path) = first.write(dir.path(), "server");
    let mut server = serve_command(dir.path(), &cert_path, &key_path)
        .spawn()
        .unwrap();
    let addr = listening_address(&mut server);

    assert!(
        answers(&first, &addr).await,
        "the configured certificate is served"
    );
    let plain = reqwest::get(format!("http://{addr}/livez")).await;
    assert!(
        plain.is_err() || plain.is_ok_and(|r| r.status() != 200),
        "plain HTTP gets no answer on the HTTPS port"
    );
    // Cookies of the office's pages carry Secure over HTTPS, whatever the mode.
    let form = first
        .client()
        .get(format!("https://{addr}/ui/login"))
        .send()
        .await
        .unwrap();
    let cookie = form
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // A renewal: new files (a new key too), then SIGHUP.
    let renewed = make_cert(&["127.0.0.1", "localhost"]);
    renewed.write(dir.path(), "server");
    hang_up(&server);
    assert!(
        served_within(&renewed, &addr, Duration::from_secs(5)).await,
        "the renewed certificate is served after SIGHUP"
    );
    assert!(
        !answers(&first, &addr).await,
        "the replaced certificate is no longer served"
    );

    // A broken renewal (a truncated file): the renewed certificate stays in service.
    std::fs::write(&cert_path, "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();
    hang_up(&server);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        answers(&renewed, &addr).await,
        "a certificate that does not load leaves the previous one in service"
    );

    server.kill().unwrap();
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let _ = server.wait();
    assert!(log.contains("serving HTTPS"), "{log}");
    assert!(log.contains("TLS certificate reloaded"), "{log}");
    assert!(
        log.contains("TLS certificate not reloaded; the previous one is still served"),
        "{log}"
    );
}

#[test]
fn a_certificate_that_cannot_serve_stops_start_up_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(&["127.0.0.1"]);
    let other = make_cert(&["127.0.0.1"]);
    let (cert_path, _) = cert.write(dir.path(), "server");
    let (_, other_key) = other.write(dir.path(), "other");
    let missing = dir.path().join("missing.key");
    for (key, expected) in [
        (&missing, "tls.key_path"),
        (&other_key, "does not belong to the certificate"),
    ] {
        let out = serve_command(dir.path(), &cert_path, key).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "start-up refused: {stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    // One file without the other is a configuration error, not plain HTTP by surprise.
    let out = Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0", "--no-demo"])
        .env("FIELDCHECK_TLS__CERT_PATH", &cert_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("tls.cert_path and tls.key_path go together"),
        "{stderr}"
    );
}
