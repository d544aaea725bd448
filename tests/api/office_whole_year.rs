//! A whole assessment year run through the office's pages in Chromium
//! (`tests/browser/office-whole-year.mjs`), on one fresh server with the demo data. Every action
//! of the office, the admin and the evaluator is taken on the pages; the REST API is used here
//! only to play the phones (inspector1's visits with photos, surveyor1's responses) between the
//! script's two phases, and to check what the pages did.
//!
//! SQLite only: the pages and the store functions behind them run on both databases in the
//! sections' own HTTP tests (`office_*.rs`, each `on_both_backends!`); this scenario is about
//! the pages working together end to end, and a second browser run of a couple of minutes on
//! PostgreSQL would double the cost without exercising different code in the pages.

use crate::helpers::{
    Backend, TestApp, artifacts_dir, fixture, project_dir, push_photo, run_browser_script,
    spawn_app,
};
use crate::office_questionnaires::phone_questionnaire;
use crate::office_registry::{registry_csv, xlsx_of};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

const NEW_ROWS: [&str; 2] = [
    "HK-YEAR-001,460106001201,符春花,符春花,户主",
    "HK-YEAR-002,460106001202,王大山,王大山,户主",
];
const BAD_ROW: &str = "HK-YEAR-003,460106001299,陈秋生,陈秋生,户主";
const FIXED_ROW: &str = "HK-YEAR-003,460106001201,陈秋生,陈秋生,户主";
const SEED: &str = "20261231";
const XLSFORM_TITLE: &str = "贫困户满意度调查（XLSForm）";

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// Runs one phase of the browser script; its standard output.
async fn phase(app: &TestApp, shots: &Path, name: &str, env: &[(&str, String)]) -> String {
    let root = project_dir();
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-whole-year.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", shots)
        .env("PHASE", name);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_browser_script(cmd).await
}

/// The households assigned to `username` in the cycle, with their methods and due dates.
async fn assigned(app: &TestApp, username: &str, cid: &str) -> Vec<Value> {
    let token = app.login(username).await;
    app.list_all(&format!("/assignments?cycle_id={cid}"), &token)
        .await
}

/// A phone's photo of `household`: the record by sync, then the bytes.
async fn photo(app: &TestApp, token: &str, household: &str, bytes: &[u8]) {
    let pid = push_photo(
        app,
        token,
        household,
        &hex::encode(Sha256::digest(bytes)),
        None,
    )
    .await;
    let put = app
        .raw(
            reqwest::Method::PUT,
            &format!("/photos/{pid}/content"),
            Some(token),
            |r| r.header("content-type", "image/jpeg").body(bytes.to_vec()),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text);
}

/// The phones' part: inspector1 visits and photographs each household assigned to it,
/// surveyor1 answers the published questionnaire for each of its. The survey responses' ids.
async fn phones(app: &TestApp, cid: &str) -> (usize, Vec<String>) {
    let inspector = app.login("inspector1").await;
    let visits = assigned(app, "inspector1", cid).await;
    let photos = ["autumn-2560x1600.jpg", "path-2560x1600.jpg"];
    for (i, a) in visits.iter().enumerate() {
        let h = a["target_id"].as_str().unwrap();
        let visit = uuid::Uuid::now_v7().to_string();
        let r = app
            .post("/sync/push", Some(&inspector), json!({ "mutations": [{ "mutation_id": uuid::Uuid::now_v7(), "entity": "visit", "op": "create", "record_id": visit, "device_time": chrono::Utc::now(),
                "fields": { "household_id": h, "started_at": chrono::Utc::now(), "location": { "lat": 20.01, "lon": 110.3, "accuracy_m": 9.0 },
                    "checklist": { "food": "yes", "clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes" }, "notes": "入户核查" } }] }))
            .await;
        assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
        photo(app, &inspector, h, &fixture(photos[i % 2])).await;
    }
    let surveyor = app.login("surveyor1").await;
    let qid = app.get("/questionnaires", &surveyor).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["code"] == "satisfaction")
        .max_by_key(|q| q["version"].as_i64())
        .map(id)
        .expect("the published questionnaire");
    let mut responses = Vec::new();
    for (i, a) in assigned(app, "surveyor1", cid).await.iter().enumerate() {
        let answers = if i % 2 == 0 {
            json!({ "overall": "very", "visited": "yes", "visit_count": 4, "knows_contact": "yes",
                "measures": ["industry", "housing"], "industry_note": "希望扩大种植规模", "income_change": "up", "guarantees": 5 })
        } else {
            json!({ "overall": "fairly", "visited": "no", "knows_contact": "no", "income_change": "same", "guarantees": 3 })
        };
        let rid = uuid::Uuid::now_v7().to_string();
        let r = app
            .post("/responses", Some(&surveyor), json!({ "id": rid, "cycle_id": cid, "questionnaire_id": qid, "household_id": a["target_id"], "answers": answers }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        responses.push(rid);
    }
    (visits.len(), responses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_runs_a_whole_year_from_its_pages() {
    let app = spawn_app(Backend::Sqlite).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let dir = shots.join(format!("whole-year-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();

    // The registry file: the demo's households and three new ones, the last in a village that
    // does not exist (its line is the file's last), then the same with that row fixed.
    let mut rows = NEW_ROWS.to_vec();
    rows.push(BAD_ROW);
    let bad = registry_csv(&app, &office, &rows).await;
    let bad_line = bad.lines().count();
    rows.pop();
    rows.push(FIXED_ROW);
    let fixed = registry_csv(&app, &office, &rows).await;
    std::fs::write(dir.join("registry-bad.xlsx"), xlsx_of(&bad)).unwrap();
    std::fs::write(dir.join("registry-fixed.xlsx"), xlsx_of(&fixed)).unwrap();
    let before = app.list_all("/households?limit=500", &office).await.len();

    // Phase one: import, the cycle to evaluation, the sample, the questionnaire.
    let out = phase(
        &app,
        &shots,
        "office-before-fieldwork",
        &[
            (
                "BAD_FILE",
                dir.join("registry-bad.xlsx").display().to_string(),
            ),
            ("BAD_LINE", bad_line.to_string()),
            (
                "FIXED_FILE",
                dir.join("registry-fixed.xlsx").display().to_string(),
            ),
            (
                "XLSFORM",
                format!("{}/tests/fixtures/satisfaction-xlsform.xlsx", project_dir()),
            ),
            ("SEED", SEED.to_owned()),
        ],
    )
    .await;
    let state: Value = out
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .expect("phase one prints its state");
    let cid = state["cycle"].as_str().unwrap().to_owned();

    // Checked through the API: the households, the step, the sample and its assignments, and
    // what a surveyor's phone pulls.
    let households = app.list_all("/households?limit=500", &office).await;
    assert_eq!(households.len(), before + 3, "three households imported");
    for no in ["HK-YEAR-001", "HK-YEAR-002", "HK-YEAR-003"] {
        assert!(
            households.iter().any(|h| h["registration_no"] == no),
            "{no} imported"
        );
    }
    let cycle = app.get(&format!("/cycles/{cid}"), &office).await;
    assert_eq!(cycle.body["step"], "evaluation", "{}", cycle.text);
    let sample = app
        .get(
            &format!("/samples/{}", state["sample"].as_str().unwrap()),
            &office,
        )
        .await;
    assert_eq!(sample.status, 200, "{}", sample.text);
    assert_eq!(
        sample.body["seed"], SEED,
        "drawn with the seed: {}",
        sample.text
    );
    let to_inspector = assigned(&app, "inspector1", &cid).await;
    let to_surveyor = assigned(&app, "surveyor1", &cid).await;
    assert!(!to_inspector.is_empty() && !to_surveyor.is_empty());
    assert_eq!(
        to_inspector.len() + to_surveyor.len(),
        state["drawn"].as_u64().unwrap() as usize,
        "every drawn household assigned"
    );
    assert!(
        to_inspector
            .iter()
            .all(|a| a["due_on"] == "2027-01-05" && a["method"] == "on_site_verification")
    );
    assert!(
        to_surveyor
            .iter()
            .all(|a| a["due_on"] == "2027-01-08" && a["method"] == "sample_survey")
    );
    assert_eq!(
        phone_questionnaire(&app).await,
        (2, XLSFORM_TITLE.to_owned()),
        "a surveyor's pull gets the published XLSForm"
    );

    // The phones' part.
    let (photographed, responses) = phones(&app, &cid).await;
    assert!(!responses.is_empty());
    let district = app
        .list_all("/assessees?kind=district_government", &office)
        .await
        .iter()
        .find(|a| a["district_code"] == "460106")
        .map(id)
        .unwrap();

    // Phase two: review, evaluator, scoring, results, downloads.
    phase(
        &app,
        &shots,
        "office-after-fieldwork",
        &[
            ("CYCLE", cid.clone()),
            ("RESPONSE", responses[0].clone()),
            ("DISTRICT", district.clone()),
        ],
    )
    .await;
    for shot in [
        "whole-year-02-import-bad-row.png",
        "whole-year-11-questionnaire-published.png",
        "whole-year-25-scoring-sheet.png",
        "whole-year-30-results-published.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }

    // The response sent back, with its comment.
    let r = app
        .get(&format!("/responses/{}", responses[0]), &office)
        .await;
    assert_eq!(r.body["status"], "returned", "{}", r.text);
    assert_eq!(
        r.body["review_comments"]["visit_count"],
        "走访次数与台账不符，请核实"
    );

    // The evaluator, created on the people page and commissioned for Longhua, scored its item.
    let evaluator = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "eval-year")
        .expect("the evaluator created on the people page");
    assert_eq!(evaluator["role"], "evaluator");
    let shown: Value =
        serde_json::from_slice(&std::fs::read(shots.join("whole-year-results.json")).unwrap())
            .unwrap();
    let scores = app
        .get(
            &format!("/cycles/{cid}/scores?assessee_id={district}"),
            &office,
        )
        .await;
    assert!(
        scores.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["evaluator_id"] == evaluator["id"]
                && s["item_code"] == shown["evaluator_item"]),
        "the evaluator's score: {}",
        scores.text
    );

    // The results: what the page showed is what the API says; the cycle is locked.
    let cycle = app.get(&format!("/cycles/{cid}"), &office).await;
    assert_eq!(cycle.body["step"], "publication");
    assert!(
        cycle.body["locked_at"].is_string(),
        "locked: {}",
        cycle.text
    );
    let api: BTreeMap<String, Value> = app
        .get(&format!("/cycles/{cid}/results"), &office)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["assessee_id"].as_str().unwrap().to_owned(), r.clone()))
        .collect();
    let page = shown["results"].as_array().unwrap();
    assert_eq!(page.len(), api.len(), "every result on the page");
    let mut grades = std::collections::BTreeSet::new();
    for row in page {
        let a = &api[row["assessee"].as_str().unwrap()];
        let t = a["total"].as_i64().unwrap();
        assert_eq!(
            row["total"],
            format!("{}.{}", t / 10, t % 10),
            "{row} vs {a}"
        );
        assert_eq!(row["suggested"], a["suggested"], "{row} vs {a}");
        assert_eq!(row["decided"], a["decided"], "{row} vs {a}");
        grades.insert(a["suggested"].as_str().unwrap().to_owned());
    }
    assert_eq!(grades.len(), 2, "both grades suggested: {grades:?}");
    let overridden = &api[shown["overridden"].as_str().unwrap()];
    assert_ne!(overridden["decided"], overridden["suggested"]);
    assert_eq!(overridden["reason"], "领导小组综合评议");

    // The results workbook the browser downloaded, read back: a row per assessee.
    use calamine::{Reader, Xlsx};
    let bytes = std::fs::read(shots.join("whole-year-results.xlsx")).expect("XLSX downloaded");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX file");
    let first = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&first).expect("a sheet");
    let names: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(names.len(), api.len(), "a row per assessee: {names:?}");
    for a in api.values() {
        let name = a["name"].as_str().unwrap();
        assert!(
            sheet.rows().any(|r| r
                .iter()
                .any(|c| matches!(c, calamine::Data::String(s) if s == name))),
            "{name} in the workbook"
        );
    }

    // The evidence package, read by Python's zipfile: every CRC checks, a photo per visited
    // household, the manifest last, the photos are the uploaded bytes.
    let check = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile, hashlib; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; \
             names = z.namelist(); jpgs = [n for n in names if n.endswith('.jpg')]; \
             assert names[-1] == 'manifest.csv', names; assert len(jpgs) == int(sys.argv[2]), names; \
             m = z.read('manifest.csv').decode('utf-8-sig').splitlines(); assert len(m) == len(jpgs) + 1, m; \
             shas = {l.split(',')[-1] for l in m[1:]}; \
             assert all(hashlib.sha256(z.read(n)).hexdigest() in shas for n in jpgs); print('zip ok')",
        )
        .arg(shots.join("whole-year-evidence.zip"))
        .arg(photographed.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
