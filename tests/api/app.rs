//! The field app in a real browser, over HTTPS as in the field: starts the app with demo data,
//! has the office assign work to inspector1 through the API (a visit, a sample survey, the village), then runs
//! `tests/browser/app.mjs` (playwright-core driving Debian's Chromium as a 360×640 touch phone):
//! sign in and pull online, reload offline from the service worker, record a visit with the
//! checklist and two photos, a satisfaction survey and a phone edit offline, sync when back
//! online; the office returns the visit and the corrected one is sent; a push answer is lost and
//! an upload cut off half-way, both resumed; axe-core on every main screen. Then the server is
//! checked through the API: exactly those visits, that response, that edit and those photos,
//! stored with their derivatives, nothing twice. Like the office's browser test it fails, never
//! skips, without Chromium and the npm packages (`./dev test` installs them).

use crate::helpers::{Backend, artifacts_dir, fixture, make_cert, project_dir, spawn_app_https};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PHOTOS: [&str; 2] = ["phone-4000x2500-gps.jpg", "autumn-2560x1600.jpg"];
/// The server's name as the phone knows it (resolved to loopback by the browser).
const PHONE_HOST: &str = "fieldcheck.test";
/// The photo whose upload the test cuts off half-way.
const PHOTO_RESUMED: &str = "bythewater-2560x1600.jpg";

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_app_works_offline_and_syncs_in_a_real_browser() {
    // Over HTTPS with a name that is not loopback (Chromium treats http://127.0.0.1 as secure
    // anyway): what makes the service worker, camera and position work is TLS, as in the field.
    let cert = make_cert(&[PHONE_HOST, "127.0.0.1"]);
    let app = spawn_app_https(Backend::Sqlite, &cert).await;
    let port = app.base.rsplit(':').next().expect("a port").to_owned();
    let cert_file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(cert_file.path(), &cert.cert_pem).expect("write certificate");
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let inspector = app.login("inspector1").await;
    let mine = app.list_all("/households", &inspector).await;
    let target = mine
        .iter()
        .find(|h| h["location"].is_object())
        .expect("a household with a location")
        .clone();
    let household = id(&target);

    // Today's work: one household to visit and to survey, and the whole village.
    let cycle = id(&app.get("/cycles", &office).await.body["items"][0]);
    let inspector_id = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "inspector1")
        .map(|u| id(&u))
        .expect("inspector1");
    for (method, kind, target_id, due) in [
        (
            "on_site_verification",
            "household",
            household.clone(),
            "2027-01-05",
        ),
        (
            "sample_survey",
            "household",
            household.clone(),
            "2027-01-07",
        ),
        (
            "on_site_verification",
            "village",
            target["village_id"].as_str().unwrap_or_default().to_owned(),
            "2027-01-10",
        ),
    ] {
        let a = app
            .post("/assignments", Some(&office), json!({ "cycle_id": cycle, "user_id": inspector_id, "method": method, "target_kind": kind, "target_id": target_id, "due_on": due, "note": "重点核查住房安全" }))
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
    }

    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let photos: Vec<String> = PHOTOS
        .iter()
        .map(|p| format!("{root}/tests/fixtures/photos/{p}"))
        .collect();
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/app.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", format!("https://{PHONE_HOST}:{port}"))
        .env("API_URL", &app.base)
        .env("HOST_RULES", format!("MAP {PHONE_HOST} 127.0.0.1"))
        .env("CERT_SPKI", &cert.spki_sha256)
        .env("NODE_EXTRA_CA_CERTS", cert_file.path())
        .env("SHOTS", &shots)
        .env("HOUSEHOLD", &household)
        .env(
            "HEAD_NAME",
            target["head_name"].as_str().unwrap_or_default(),
        )
        .env("LAT", target["location"]["lat"].to_string())
        .env("LON", target["location"]["lon"].to_string())
        .env("PHOTOS", photos.join("\n"))
        .env(
            "PHOTO_RESUMED",
            format!("{root}/tests/fixtures/photos/{PHOTO_RESUMED}"),
        );
    let stdout = crate::helpers::run_browser_script(cmd).await;
    // What the browser saw (the accessibility summary, the resumed upload), for the log.
    println!("{stdout}");
    for shot in [
        "app-login.png",
        "app-work.png",
        "app-household.png",
        "app-visit.png",
        "app-sync-offline.png",
        "app-synced.png",
        "app-survey.png",
        "app-edit.png",
        "app-returned.png",
        "app-conflict.png",
        "app-me.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
    let seen: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(|l| serde_json::from_str(l).expect("RESULT is JSON"))
        .expect("the script reports what the phone recorded");
    let visit_id = seen["visit"].as_str().expect("visit id").to_owned();
    let visit2_id = seen["visit2"].as_str().expect("second visit id").to_owned();

    // The server holds exactly that visit, once: a fresh device's pull sees one visit.
    let mut cursor: Option<String> = None;
    let mut visits = Vec::new();
    loop {
        let r = app
            .post(
                "/sync/pull",
                Some(&inspector),
                json!({ "cursor": cursor, "limit": 1000 }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        for c in r.body["changes"].as_array().into_iter().flatten() {
            if c["entity"] == "visit" && c["op"] == "upsert" {
                visits.push(c["data"].clone());
            }
        }
        cursor = r.body["cursor"].as_str().map(str::to_owned);
        if r.body["has_more"] != true {
            break;
        }
    }
    // Two visits, each once: the first (sent back and corrected) and the second, whose push
    // answer was lost and which was sent again.
    assert_eq!(visits.len(), 2, "exactly two visits: {visits:?}");
    let v = visits
        .iter()
        .find(|v| v["id"] == visit_id.as_str())
        .expect("the first visit");
    assert!(visits.iter().any(|v| v["id"] == visit2_id.as_str()));
    assert_eq!(v["household_id"], household);
    // As corrected after the office sent it back: an update of the same visit (version 1 sent,
    // 2 returned, 3 corrected), submitted again.
    assert_eq!(
        v["checklist"],
        json!({ "food": "yes", "clothing": "yes", "education": "na", "medical": "yes", "housing": "yes", "water": "yes" })
    );
    assert_eq!(v["notes"], "墙体裂缝已修复\n已补拍住房照片");
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["version"], 3, "{v}");
    let fix = &v["location"];
    assert!(
        (fix["lat"].as_f64().unwrap_or_default()
            - target["location"]["lat"].as_f64().unwrap_or(1.0))
        .abs()
            < 1e-6,
        "the visit carries the phone's position: {fix}"
    );
    assert!(fix["accuracy_m"].as_f64().is_some(), "{fix}");

    // And exactly those three photos, stored with derivatives, tied to their visits; the one
    // whose upload was cut off has the file's SHA-256 (the server checks the bytes against it
    // before it stores them).
    let stored = app
        .list_all(&format!("/photos?household={household}"), &inspector)
        .await;
    assert_eq!(stored.len(), 3, "three photos, none twice: {stored:?}");
    let resumed_sha = hex::encode(Sha256::digest(fixture(PHOTO_RESUMED)));
    let resumed = stored
        .iter()
        .find(|p| p["sha256"] == resumed_sha.as_str())
        .expect("the resumed photo is stored with the file's SHA-256");
    assert_eq!(resumed["visit_id"], visit2_id.as_str());
    assert!(
        seen["resumed"]["sent"].as_u64().unwrap_or_default() > 0,
        "the upload was cut off after some bytes: {}",
        seen["resumed"]
    );
    let mut want: Vec<String> = PHOTOS
        .iter()
        .chain([&PHOTO_RESUMED])
        .map(|p| hex::encode(Sha256::digest(fixture(p))))
        .collect();
    let mut got: Vec<String> = stored
        .iter()
        .map(|p| p["sha256"].as_str().unwrap_or_default().to_owned())
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the bytes on the server are the files' bytes");
    let reported: Vec<String> = seen["allPhotos"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    for p in &stored {
        assert_eq!(p["status"], "stored", "{p}");
        if p["sha256"] != resumed_sha.as_str() {
            assert_eq!(p["visit_id"], visit_id, "{p}");
        }
        assert!(reported.contains(&id(p)), "{p} was taken in the app");
        assert!(
            p["device_position"].is_object(),
            "the phone's position is recorded: {p}"
        );
        for kind in ["thumb", "screen"] {
            let r = app
                .raw(
                    reqwest::Method::GET,
                    &format!("/photos/{}/{kind}", id(p)),
                    Some(&inspector),
                    |r| r,
                )
                .await;
            assert_eq!(r.status, 200, "{kind} of {}", id(p));
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("image/jpeg")
            );
        }
    }

    // The satisfaction survey: exactly one response, with the answers given after the phone's
    // checks were satisfied (the skip-logic branch of the dissatisfied included).
    let responses = app
        .get(&format!("/responses?cycle_id={cycle}"), &office)
        .await;
    assert_eq!(responses.status, 200, "{}", responses.text);
    let items = responses.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one response, none twice: {items:?}");
    let r = &items[0];
    assert_eq!(r["id"], seen["response"]);
    assert_eq!(r["household_id"], household);
    // As corrected after the office returned it: version 1 sent, 2 returned, 3 corrected.
    assert_eq!(
        r["answers"],
        json!({ "overall": "no", "visited": "yes", "visit_count": 2, "knows_contact": "yes", "measures": ["industry", "housing"], "income_change": "same", "guarantees": 3, "reasons": "村东头到主路的两公里道路还没有硬化" })
    );
    assert_eq!(r["satisfied"], false);
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["version"], 3, "{r}");

    // The household as edited on the phone (phone and address: one update, one new version),
    // then by the office (the phone), the phone's later edit of the phone number kept out as a
    // conflict, which the office settled for the phone's value: three versions in all.
    let h = app.get(&format!("/households/{household}"), &office).await;
    assert_eq!(h.status, 200, "{}", h.text);
    assert_eq!(h.body["phone"], "13800005678");
    assert!(
        h.body["address"]
            .as_str()
            .unwrap_or_default()
            .ends_with("（东侧）"),
        "{}",
        h.body["address"]
    );
    assert_eq!(
        h.body["version"].as_i64(),
        target["version"].as_i64().map(|v| v + 3),
        "the phone's two edits went as one update, then the office's and the settlement"
    );
    let measure = seen["measure"].as_str().expect("measure id");
    let m = h.body["current_plan"]["measures"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["id"] == measure)
        .expect("the edited measure");
    assert_eq!(m["status"], "in_progress", "{m}");
    let conflicts = app.get("/sync/conflicts?unresolved=false", &office).await;
    assert_eq!(conflicts.status, 200, "{}", conflicts.text);
    let list = conflicts.body["items"].as_array().expect("items");
    assert_eq!(list.len(), 1, "one conflict: {list:?}");
    assert_eq!(list[0]["field"], "phone");
    assert_eq!(list[0]["record_id"], household);
    assert_eq!(list[0]["device_value"], "\"13800005678\"");
    assert_eq!(list[0]["resolution"], "device");
}
