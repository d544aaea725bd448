//! Slow clients do not hold the server: a thousand idle connections, a client sending its request
//! head a byte at a time and one whose JSON body stalls are all ended by the configured limits
//! while every other request is served. The limits are set to 2 s here so the test is short; the
//! assertions allow several times that, so they do not depend on the machine's speed.

use crate::helpers::{Backend, spawn_app_with};
use crate::on_both_backends;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both_backends!(slow_clients_do_not_hold_the_server);

const LIMIT_SECS: u64 = 2;
/// Far beyond the limits: a connection still open by then was not ended by them.
const ENDED_WITHIN: Duration = Duration::from_secs(20);

/// Reads until the server closes the connection; what it said, or `None` if it never closed.
async fn until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<String> {
    let mut said = Vec::new();
    let read = tokio::time::timeout(ENDED_WITHIN, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => said.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&said).into_owned())
}

async fn slow_clients_do_not_hold_the_server(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.limits.request_head_secs = LIMIT_SECS;
        c.limits.body_idle_secs = LIMIT_SECS;
        c.limits.keep_alive_secs = LIMIT_SECS;
    })
    .await;
    let office = app.login("office").await;
    let addr = app.base.trim_start_matches("http://").to_owned();

    // A thousand connections that never send a byte.
    let mut idle = Vec::with_capacity(1000);
    for _ in 0..1000 {
        idle.push(TcpStream::connect(&addr).await.expect("connects"));
    }

    // A request head sent one byte every 200 ms (slowloris).
    let (mut loris_read, mut loris_write) = TcpStream::connect(&addr)
        .await
        .expect("connects")
        .into_split();
    let trickle = tokio::spawn(async move {
        loris_write
            .write_all(b"GET /livez HTTP/1.1\r\nHost: fieldcheck\r\n")
            .await
            .ok();
        for byte in b"X-Slow: ".iter().cycle() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if loris_write.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
    });
    let loris_started = Instant::now();
    let loris = tokio::spawn(async move { until_closed(&mut loris_read).await });

    // A push whose body stops after 10 of its 100 declared bytes.
    let mut stalled = TcpStream::connect(&addr).await.expect("connects");
    let head = format!(
        "POST /sync/push HTTP/1.1\r\nHost: fieldcheck\r\nAuthorization: Bearer {office}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"device_"
    );
    stalled.write_all(head.as_bytes()).await.expect("writes");
    let stalled = tokio::spawn(async move { until_closed(&mut stalled).await });

    // Meanwhile everyone else is served.
    for _ in 0..20 {
        let started = Instant::now();
        let me = app.get("/me", &office).await;
        assert_eq!(me.status, 200, "served beside the slow clients");
        assert!(started.elapsed() < ENDED_WITHIN);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let answer = stalled
        .await
        .expect("joins")
        .expect("the stalled body was ended by the server");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("urn:fieldcheck:problem:request-timeout"),
        "{answer}"
    );

    let said = loris.await.expect("joins");
    let waited = loris_started.elapsed();
    trickle.abort();
    let said = said.expect("the slow request head was ended by the server");
    assert!(
        said.is_empty() || said.starts_with("HTTP/1.1 408"),
        "a slow head is closed, or answered 408: {said}"
    );
    assert!(
        waited >= Duration::from_secs(LIMIT_SECS),
        "not before its time: {waited:?}"
    );

    let mut ended = 0;
    for mut conn in idle {
        if until_closed(&mut conn).await.is_some() {
            ended += 1;
        }
    }
    assert_eq!(
        ended, 1000,
        "every idle connection was closed by the server"
    );
}
