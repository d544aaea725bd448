//! Photo evidence end to end: resumable uploads over a dropping connection, one copy per photo,
//! EXIF-driven flags, derivatives without metadata, access by role, and every kind of bad upload.

use crate::helpers::{Backend, TestApp, fixture, push_photo, spawn_app, spawn_app_with};
use crate::on_both_backends;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_backends!(
    resumable_upload_stores_once_and_flags,
    bad_uploads_are_refused_and_store_nothing,
    png_originals_are_served_as_png,
    only_stored_photos_make_exact_duplicates
);

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Households of the inspector's scope, through the API.
async fn my_households(app: &TestApp, token: &str) -> Vec<Value> {
    app.list_all("/households", token).await
}

/// The ids of the first two of a list of households: two households of one inspector.
fn first_two_ids(households: &[Value]) -> (String, String) {
    let id = |i: usize| households[i]["id"].as_str().unwrap().to_owned();
    (id(0), id(1))
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

/// Sends a whole photo in one `PUT`.
async fn put_content(app: &TestApp, token: &str, id: &str, body: Vec<u8>) -> crate::helpers::Resp {
    app.raw(
        Method::PUT,
        &format!("/photos/{id}/content"),
        Some(token),
        |r| r.body(body),
    )
    .await
}

/// One of a photo's objects (`original`, `thumb`, `screen`), fetched with `token`.
async fn get_object(app: &TestApp, token: &str, id: &str, which: &str) -> reqwest::Response {
    let path = format!("/photos/{id}/{which}");
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    crate::schema_check::check("GET", &path, r.status().as_u16(), r.headers(), None);
    r
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

fn count_objects(app: &TestApp, prefix: &str) -> usize {
    let root = app.data_dir.join("blobs").join(prefix);
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
    walk(&root)
}

async fn png_originals_are_served_as_png(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let households = my_households(&app, &token).await;
    let household = households[0]["id"].as_str().unwrap();
    // A screenshot-like PNG: accepted, its derivatives JPEG, its original PNG.
    let picture = image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut bytes = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    let id = push_photo(&app, &token, household, &sha(&bytes), None).await;
    let stored = put_content(&app, &token, &id, bytes.clone()).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    for (path, content_type) in [
        ("original", "image/png"),
        ("thumb", "image/jpeg"),
        ("screen", "image/jpeg"),
    ] {
        let r = get_object(&app, &office, &id, path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], content_type, "{path}");
        let body = r.bytes().await.unwrap();
        if path == "original" {
            assert_eq!(sha(&body), sha(&bytes));
        } else {
            assert_eq!(
                image::guess_format(&body).unwrap(),
                image::ImageFormat::Jpeg,
                "{path}"
            );
        }
    }
}

async fn resumable_upload_stores_once_and_flags(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let households = my_households(&app, &token).await;
    let (h1, h2) = first_two_ids(&households);
    let bytes = fixture("phone-4000x2500-gps.jpg");
    let digest = sha(&bytes);
    let home = &households[0]["location"];
    let id = push_photo(
        &app,
        &token,
        &h1,
        &digest,
        Some(json!({ "lat": home["lat"], "lon": home["lon"], "accuracy_m": 6.0 })),
    )
    .await;

    // Nothing held yet.
    assert_eq!(head_offset(&app, &token, &id).await, 0);
    // First megabyte.
    let first = patch(
        &app,
        &token,
        &id,
        0,
        Some(bytes.len()),
        bytes[..1_000_000].to_vec(),
    )
    .await;
    assert_eq!(first.status, 204, "{}", first.text);
    assert_eq!(first.headers["upload-offset"], "1000000");
    // The connection drops in the middle of the second chunk.
    let part = bytes[1_000_000..2_000_000].to_vec();
    let stream = futures_util::stream::iter(vec![
        Ok::<Vec<u8>, std::io::Error>(part[..400_000].to_vec()),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "signal lost",
        )),
    ]);
    let url = format!("{}/photos/{id}/content", app.base);
    let dropped = app
        .client
        .patch(&url)
        .bearer_auth(&token)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "1000000")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    assert!(dropped.is_err() || dropped.unwrap().status().as_u16() == 204);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The phone asks where to resume: somewhere between what was acknowledged and what was sent.
    let held = head_offset(&app, &token, &id).await;
    assert!((1_000_000..=1_400_000).contains(&held), "held {held}");
    // A chunk at the wrong offset is refused and says where to continue.
    let wrong = patch(&app, &token, &id, held + 10, None, vec![0; 10]).await;
    wrong.assert_problem(409, "offset-mismatch");
    assert_eq!(
        wrong.headers["upload-offset"].to_str().unwrap(),
        held.to_string()
    );
    // The rest completes the upload.
    let done = patch(&app, &token, &id, held, None, bytes[held..].to_vec()).await;
    assert_eq!(done.status, 201, "{}", done.text);
    let photo = done.body.clone();
    assert_eq!(photo["status"], "stored");
    assert_eq!(photo["sha256"], digest.as_str());
    assert_eq!(photo["camera"], "Xiaomi Redmi Note 12");
    assert_eq!(
        (photo["width"].as_i64(), photo["height"].as_i64()),
        (Some(2500), Some(4000))
    );
    assert_eq!(photo["taken_at"], "2020-01-08T02:32:15Z");
    let flags: Vec<&str> = photo["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let distance = photo["distance_to_household_m"].as_f64().unwrap();
    // The fixture was taken at 19.9962 N 110.3571 E; the demo household is elsewhere in Haikou.
    assert_eq!(
        flags.contains(&"far_from_household"),
        distance > 500.0,
        "{flags:?} at {distance} m"
    );
    assert_eq!(
        flags.contains(&"device_mismatch"),
        distance > 200.0,
        "{flags:?}"
    );
    assert!(
        flags.contains(&"outside_window"),
        "taken in 2020, received now: {flags:?}"
    );
    assert!(!flags.contains(&"no_gps"));

    // Sending it again stores nothing new.
    let again = put_content(&app, &token, &id, bytes.clone()).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(count_objects(&app, "originals"), 1);

    // Derivatives: oriented, sized, no metadata; reviewers get them, others do not.
    let thumb = app
        .raw(
            Method::GET,
            &format!("/photos/{id}/thumb"),
            Some(&office),
            |r| r,
        )
        .await;
    assert_eq!(thumb.status, 200);
    let raw_thumb = get_object(&app, &office, &id, "thumb")
        .await
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&raw_thumb).unwrap();
    assert_eq!(
        (img.width().max(img.height()), img.height() > img.width()),
        (320, true)
    );
    assert!(
        !raw_thumb.windows(4).any(|w| w == b"Exif"),
        "thumbnail carries no EXIF"
    );
    let original = get_object(&app, &office, &id, "original").await;
    assert_eq!(original.status(), 200);
    assert_eq!(sha(&original.bytes().await.unwrap()), digest);
    app.raw(
        Method::GET,
        &format!("/photos/{id}/original"),
        Some(&token),
        |r| r,
    )
    .await
    .assert_problem(403, "forbidden");
    let other = app.login("inspector2").await;
    app.get(&format!("/photos/{id}"), &other)
        .await
        .assert_problem(404, "not-found");
    app.raw(
        Method::GET,
        &format!("/photos/{id}/thumb"),
        Some(&other),
        |r| r,
    )
    .await
    .assert_problem(404, "not-found");
    app.raw(
        Method::HEAD,
        &format!("/photos/{id}/content"),
        Some(&other),
        |r| r,
    )
    .await;
    assert_eq!(app.get(&format!("/photos/{id}"), &token).await.status, 200);

    // The same file filed for another household: stored once, flagged as an exact duplicate.
    let id2 = push_photo(&app, &token, &h2, &digest, None).await;
    let r = put_content(&app, &token, &id2, bytes.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.body["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("exact_duplicate")),
        "{}",
        r.text
    );
    assert_eq!(count_objects(&app, "originals"), 1);
    // A re-encoded copy (the screen image) for another household: a near duplicate.
    let screen = get_object(&app, &office, &id, "screen")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let id3 = push_photo(&app, &token, &h2, &sha(&screen), None).await;
    let r = put_content(&app, &token, &id3, screen.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let f3 = r.body["flags"].as_array().unwrap();
    assert!(
        f3.contains(&json!("near_duplicate")) && f3.contains(&json!("no_gps")),
        "{}",
        r.text
    );
    // A different photo is not a duplicate of anything.
    let other_bytes = fixture("path-2560x1600.jpg");
    let id4 = push_photo(&app, &token, &h2, &sha(&other_bytes), None).await;
    let r = put_content(&app, &token, &id4, other_bytes.clone()).await;
    let f4 = r.body["flags"].as_array().unwrap();
    assert!(
        !f4.contains(&json!("near_duplicate")) && !f4.contains(&json!("exact_duplicate")),
        "{}",
        r.text
    );
    // The office's photo page shows the re-encoded copy's duplicates side by side: the original
    // and its exact copy (found by the hash's bands), not the different photo.
    let session = app.web_session("office").await;
    let page = app.web_page(&format!("/ui/photos/{id3}"), &session).await;
    // The household as people know it, and the time in Beijing time, not UTC.
    let registration_no = households[1]["registration_no"].as_str().unwrap();
    let head = households[1]["head_name"].as_str().unwrap();
    assert!(
        page.contains(registration_no) && page.contains(head),
        "the photo page names its household by head and 户编号"
    );
    assert!(
        page.contains("北京时间") && !page.contains(" UTC<"),
        "{page}"
    );
    let dups = &page[page.find("dups").expect("a duplicates list")..];
    for (other, listed) in [(&id, true), (&id2, true), (&id4, false)] {
        assert_eq!(
            dups.contains(&format!("/ui/photos/{other}\"")),
            listed,
            "{other} in {dups}"
        );
    }

    // The gallery filters by flag; the office rejects with a reason, which is audited.
    let flagged = app.list_all("/photos?flag=exact_duplicate", &office).await;
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["id"], id2.as_str());
    app.post(
        &format!("/photos/{id2}/review"),
        Some(&office),
        json!({ "decision": "reject" }),
    )
    .await
    .assert_problem(422, "validation-failed");
    let rej = app
        .post(
            &format!("/photos/{id2}/review"),
            Some(&office),
            json!({ "decision": "reject", "reason": "与其他农户照片重复" }),
        )
        .await;
    assert_eq!(rej.body["review_status"], "rejected", "{}", rej.text);
    app.post(
        &format!("/photos/{id2}/review"),
        Some(&token),
        json!({ "decision": "accept" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let admin = app.login("admin").await;
    let log = app
        .get(&format!("/audit?target_type=photo&target_id={id2}"), &admin)
        .await;
    assert!(
        log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "photo.reject")
    );
}

async fn bad_uploads_are_refused_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let hid = my_households(&app, &token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not an image, though its hash matches.
    let text = b"this is not a photo at all".to_vec();
    let id = push_photo(&app, &token, &hid, &sha(&text), None).await;
    put_content(&app, &token, &id, text)
        .await
        .assert_problem(422, "not-an-image");
    assert_eq!(
        head_offset(&app, &token, &id).await,
        0,
        "a refused upload leaves nothing behind"
    );
    // A truncated JPEG.
    let full = fixture("autumn-2560x1600.jpg");
    let cut = full[..full.len() / 2].to_vec();
    let id = push_photo(&app, &token, &hid, &sha(&cut), None).await;
    put_content(&app, &token, &id, cut)
        .await
        .assert_problem(422, "not-an-image");
    // A JPEG declaring 60000×60000 pixels.
    let mut huge = full.clone();
    let mut sof = 2;
    while !(huge[sof] == 0xFF && (0xC0..=0xC2).contains(&huge[sof + 1])) {
        sof += 2 + usize::from(u16::from_be_bytes([huge[sof + 2], huge[sof + 3]]));
    }
    huge[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let id = push_photo(&app, &token, &hid, &sha(&huge), None).await;
    put_content(&app, &token, &id, huge)
        .await
        .assert_problem(422, "image-too-large");
    // Bytes that do not match the announced hash.
    let id = push_photo(&app, &token, &hid, &sha(b"something else"), None).await;
    put_content(&app, &token, &id, full.clone())
        .await
        .assert_problem(422, "hash-mismatch");
    assert_eq!(
        app.get(&format!("/photos/{id}"), &token).await.body["status"],
        "waiting_upload"
    );
    // Header problems: a wrong Content-Range, an offset beyond what is held, a body longer than
    // declared, a missing length.
    let id = push_photo(&app, &token, &hid, &sha(&full), None).await;
    let r = app
        .raw(
            Method::PUT,
            &format!("/photos/{id}/content"),
            Some(&token),
            |r| {
                r.header("content-range", "bytes 500-100/1000")
                    .body(vec![0; 10])
            },
        )
        .await;
    r.assert_problem(400, "invalid-upload");
    let r = app
        .raw(
            Method::PUT,
            &format!("/photos/{id}/content"),
            Some(&token),
            |r| {
                r.header("content-range", "bytes 0-99/1000")
                    .body(vec![0; 50])
            },
        )
        .await;
    r.assert_problem(400, "invalid-upload");
    assert_eq!(
        head_offset(&app, &token, &id).await,
        0,
        "a refused chunk is discarded"
    );
    patch(&app, &token, &id, 5000, Some(full.len()), vec![1; 10])
        .await
        .assert_problem(409, "offset-mismatch");
    patch(&app, &token, &id, 0, Some(10), vec![1; 20])
        .await
        .assert_problem(400, "invalid-upload");
    patch(&app, &token, &id, 0, None, vec![1; 20])
        .await
        .assert_problem(400, "invalid-upload");
    // Over the size limit: refused from the declared length, before any byte is read.
    let id = push_photo(&app, &token, &hid, &"ab".repeat(32), None).await;
    patch(&app, &token, &id, 0, Some(30 * 1024 * 1024), vec![0; 10])
        .await
        .assert_problem(413, "payload-too-large");
    // Nothing of all that reached the blob store.
    assert_eq!(count_objects(&app, "originals"), 0);
    assert_eq!(count_objects(&app, "derived"), 0);
    // Someone else's record cannot be uploaded to.
    let other = app.login("inspector2").await;
    put_content(&app, &other, &id, vec![0; 4])
        .await
        .assert_problem(404, "not-found");
}

/// An object store outage answers 503 with Retry-After and records nothing: the device retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_outage_answers_503_and_records_nothing() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.blob.kind = "s3".into();
        // A port nothing listens on.
        c.blob.s3_endpoint = Some("http://127.0.0.1:9".into());
        c.blob.s3_bucket = Some("fieldcheck".into());
        c.blob.s3_access_key = Some(fieldcheck_api::config::Secret("test".into()));
        c.blob.s3_secret_key = Some(fieldcheck_api::config::Secret("test".into()));
    })
    .await;
    let token = app.login("inspector1").await;
    let hid = my_households(&app, &token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = fixture("bythewater-2560x1600.jpg");
    let id = push_photo(&app, &token, &hid, &sha(&bytes), None).await;
    let r = put_content(&app, &token, &id, bytes.clone()).await;
    r.assert_problem(503, "unavailable");
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(
        app.get(&format!("/photos/{id}"), &token).await.body["status"],
        "waiting_upload"
    );
    let ready = app.raw(Method::GET, "/readyz", None, |r| r).await;
    ready.assert_problem(503, "unavailable");
}

/// `fieldcheck media gc` beside the live server: an orphan object goes, a row whose object
/// vanished goes back to waiting for upload, referenced objects stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_gc_repairs_both_directions() {
    use base64::Engine;
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.login("inspector1").await;
    let hid = my_households(&app, &token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = fixture("colorfulcups-2560x1600.jpg");
    let id = push_photo(&app, &token, &hid, &sha(&bytes), None).await;
    let r = put_content(&app, &token, &id, bytes.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bytes2 = fixture("fallenleaf-2560x1600.jpg");
    let id2 = push_photo(&app, &token, &hid, &sha(&bytes2), None).await;
    assert_eq!(
        put_content(&app, &token, &id2, bytes2.clone()).await.status,
        201
    );
    let blobs = app.data_dir.join("blobs");
    let orphan = blobs.join("originals/zz/orphan-object");
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"left over").unwrap();
    let digest2 = sha(&bytes2);
    let gone = blobs.join(format!("originals/{}/{digest2}", &digest2[..2]));
    std::fs::remove_file(&gone).unwrap();
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
        report["orphan_objects"],
        json!(["originals/zz/orphan-object"]),
        "{report}"
    );
    assert_eq!(report["rows_missing_objects"], json!([id2]), "{report}");
    assert!(!orphan.exists());
    assert_eq!(
        app.get(&format!("/photos/{id2}"), &token).await.body["status"],
        "waiting_upload"
    );
    assert_eq!(
        app.get(&format!("/photos/{id}"), &token).await.body["status"],
        "stored"
    );
    // The phone uploads the lost photo again and all is well.
    let again = put_content(&app, &token, &id2, bytes2.clone()).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert!(gone.exists());
}

/// The whole upload path with Garage as the object store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_to_a_real_s3_server() {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| {
            panic!("{k} is not set: run the suite with ./dev test, which starts Garage")
        })
    };
    let (endpoint, bucket, region) = (
        var("FIELDCHECK_TEST_S3_ENDPOINT"),
        var("FIELDCHECK_TEST_S3_BUCKET"),
        var("FIELDCHECK_TEST_S3_REGION"),
    );
    let (access, secret) = (
        var("FIELDCHECK_TEST_S3_ACCESS_KEY"),
        var("FIELDCHECK_TEST_S3_SECRET_KEY"),
    );
    let app = spawn_app_with(Backend::Postgres, |c| {
        c.blob.kind = "s3".into();
        c.blob.s3_endpoint = Some(endpoint.clone());
        c.blob.s3_bucket = Some(bucket.clone());
        c.blob.s3_region = Some(region.clone());
        c.blob.s3_access_key = Some(fieldcheck_api::config::Secret(access.clone()));
        c.blob.s3_secret_key = Some(fieldcheck_api::config::Secret(secret.clone()));
    })
    .await;
    assert_eq!(
        app.raw(Method::GET, "/readyz", None, |r| r).await.status,
        200
    );
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let hid = my_households(&app, &token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A photo no other test uploads, so its object is new in the shared bucket.
    let mut bytes = fixture("path-2560x1600.jpg");
    let marker = uuid::Uuid::new_v4();
    // Appended after the end-of-image marker's trailing zeros are not allowed, so put it in a
    // JPEG comment right after SOI.
    let mut com = vec![0xFF, 0xFE, 0x00, 18];
    com.extend_from_slice(marker.as_bytes());
    bytes.splice(2..2, com);
    let id = push_photo(&app, &token, &hid, &sha(&bytes), None).await;
    let first = patch(
        &app,
        &token,
        &id,
        0,
        Some(bytes.len()),
        bytes[..300_000].to_vec(),
    )
    .await;
    assert_eq!(first.status, 204, "{}", first.text);
    let done = patch(&app, &token, &id, 300_000, None, bytes[300_000..].to_vec()).await;
    assert_eq!(done.status, 201, "{}", done.text);
    let store = fieldcheck_media::s3::S3Store::new(&fieldcheck_media::s3::S3Settings {
        endpoint,
        bucket,
        region,
        access_key: access,
        secret_key: secret,
        path_style: true,
    });
    use fieldcheck_media::BlobStore;
    let digest = sha(&bytes);
    let key = format!("originals/{}/{digest}", &digest[..2]);
    assert_eq!(
        sha(&store.get(&key).await.unwrap()),
        digest,
        "the original is in the bucket"
    );
    let thumb = get_object(&app, &office, &id, "thumb").await;
    assert_eq!(thumb.status(), 200);
    assert!(image::load_from_memory(&thumb.bytes().await.unwrap()).is_ok());
}

/// A record that announced a hash but whose bytes never came is not a photo: the first upload of
/// those bytes elsewhere is no exact duplicate. Once both are stored, the second one is.
async fn only_stored_photos_make_exact_duplicates(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let (h1, h2) = first_two_ids(&my_households(&app, &token).await);
    let bytes = fixture("autumn-2560x1600.jpg");
    let digest = sha(&bytes);
    let announced = push_photo(&app, &token, &h1, &digest, None).await;
    let uploaded = push_photo(&app, &token, &h2, &digest, None).await;
    let r = put_content(&app, &token, &uploaded, bytes.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        !r.body["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("exact_duplicate")),
        "flagged against a photo never uploaded: {}",
        r.text
    );
    let r = put_content(&app, &token, &announced, bytes).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.body["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("exact_duplicate")),
        "{}",
        r.text
    );
}
