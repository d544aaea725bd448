//! The office's pages in a real browser: starts the app with demo data, seeds photos through the
//! API as phones would, then runs `tests/browser/office.mjs` (playwright-core driving Debian's
//! Chromium). `./dev test` installs Chromium and the npm package; without them this test fails,
//! it never skips. Screenshots land in the test output folder (`…/test-artifacts/screenshots`).

use crate::helpers::{
    Backend, TestApp, artifacts_dir, fixture, project_dir, push_photo, spawn_app,
};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A phone's photo: the record by sync, then the bytes in one PUT.
async fn photo(app: &TestApp, token: &str, household: &str, bytes: &[u8], fix: Option<Value>) {
    let id = push_photo(
        app,
        token,
        household,
        &hex::encode(Sha256::digest(bytes)),
        fix,
    )
    .await;
    let put = app
        .raw(
            Method::PUT,
            &format!("/photos/{id}/content"),
            Some(token),
            |r| r.header("content-type", "image/jpeg").body(bytes.to_vec()),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_pages_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let inspector = app.login("inspector1").await;
    let office = app.login("office").await;
    let mine = app.list_all("/households", &inspector).await;
    let h = |i: usize| mine[i]["id"].as_str().unwrap().to_owned();
    let home = mine[0]["location"].clone();
    photo(
        &app,
        &inspector,
        &h(0),
        &fixture("phone-4000x2500-gps.jpg"),
        Some(json!({ "lat": home["lat"], "lon": home["lon"], "accuracy_m": 8.0 })),
    )
    .await;
    for (i, name) in ["autumn-2560x1600.jpg", "path-2560x1600.jpg"]
        .iter()
        .enumerate()
    {
        photo(&app, &inspector, &h(i + 1), &fixture(name), None).await;
    }
    // The same picture filed for another household: a duplicate the page shows side by side.
    photo(
        &app,
        &inspector,
        &h(0),
        &fixture("autumn-2560x1600.jpg"),
        None,
    )
    .await;
    let foreign = app
        .list_all("/households?district=460108&limit=1", &office)
        .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", &shots)
        .env("FOREIGN_HOUSEHOLD", &foreign)
        .env("OWN_HOUSEHOLD", h(0));
    crate::helpers::run_browser_script(cmd).await;
    for shot in ["gallery.png", "photo-rejected.png", "map.png", "cycle.png"] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
    // The evidence package the browser downloaded, read by Python's zipfile: every CRC checks,
    // the four photos of Longhua and the manifest are in it, the photos are the uploaded bytes.
    let zip = shots.join("evidence.zip");
    let check = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile, hashlib; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; \
             names = z.namelist(); jpgs = [n for n in names if n.endswith('.jpg')]; \
             assert names[-1] == 'manifest.csv', names; assert len(jpgs) == 4, names; \
             m = z.read('manifest.csv').decode('utf-8-sig').splitlines(); assert len(m) == 5, m; \
             shas = {l.split(',')[-1] for l in m[1:]}; \
             assert all(hashlib.sha256(z.read(n)).hexdigest() in shas for n in jpgs); print('zip ok')",
        )
        .arg(&zip)
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
