//! The office's raw data, charts and audit log pages (`/ui/data`, `/ui/audit`) over HTTP, on both
//! databases: responses recorded through the API come back in the XLSX (question texts as
//! headers, option labels as values, the codebook sheet, masked names) and the CSVs; every
//! download is audited (checked through `GET /audit`); roles and scope refuse as the API does.
//! Then the browser script `tests/browser/office-data.mjs` drives the same pages in Chromium.

use crate::helpers::{
    Backend, TestApp, artifacts_dir, project_dir, push_photo, run_browser_script, spawn_app,
};
use crate::on_both_backends;
use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};

on_both_backends!(raw_data_charts_and_audit_pages);

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// A page or download with a browser session: status, content type, body.
async fn web(app: &TestApp, path: &str, session: &str) -> (StatusCode, String, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .header(header::COOKIE, session)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let ct = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

/// Two satisfaction responses recorded by `surveyor1` on a sample of Longhua, and a visit by
/// `inspector1`: the cycle's and questionnaire's ids and the households surveyed.
async fn record_fieldwork(app: &TestApp) -> (String, String, Vec<String>) {
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let cid = id(&app.get("/cycles", &office).await.body["items"][0]);
    let surveyor_id = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "surveyor1")
        .map(|u| id(&u))
        .unwrap();
    let sample = app
        .post(&format!("/cycles/{cid}/samples"), Some(&office), json!({ "name": "抽样", "size": { "per_stratum": 1 }, "seed": "7", "district_code": "460106", "assign_to": surveyor_id, "due_on": "2027-01-05" }))
        .await;
    assert_eq!(sample.status, 201, "{}", sample.text);
    let drawn: Vec<String> = sample.body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_str().unwrap().to_owned())
        .collect();
    let surveyor = app.login("surveyor1").await;
    let qid = id(&app.get("/questionnaires", &surveyor).await.body["items"][0]);
    let answers = [
        json!({ "overall": "very", "visited": "yes", "visit_count": 6, "knows_contact": "yes",
                "measures": ["industry", "housing"], "income_change": "up", "guarantees": 5 }),
        json!({ "overall": "no", "visited": "no", "knows_contact": "no", "income_change": "down",
                "guarantees": 2, "reasons": "分红未到位" }),
    ];
    for (h, a) in drawn.iter().zip(answers) {
        let r = app
            .post("/responses", Some(&surveyor), json!({ "id": uuid::Uuid::now_v7(), "cycle_id": cid, "questionnaire_id": qid, "household_id": h, "answers": a }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    (cid, qid, drawn[..2].to_vec())
}

async fn raw_data_charts_and_audit_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let (cid, qid, surveyed) = record_fieldwork(&app).await;
    let office = app.web_session("office").await;
    let admin_api = app.login("admin").await;
    let office_api = app.login("office").await;

    // The entry page offers the downloads; the navigation links it.
    let (status, _, page) = web(&app, "/ui/data", &office).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(r#"href="/ui/data""#), "NAV links the section");
    assert!(page.contains("/ui/data/responses.csv") && page.contains(&qid));

    // Responses as XLSX: question texts as headers, labels as values, 0/1 per option of the
    // multiple choice, the codebook sheet, the heads' names masked.
    let (status, ct, xlsx) = web(
        &app,
        &format!("/ui/data/responses.xlsx?cycle={cid}&questionnaire={qid}"),
        &office,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&xlsx));
    assert!(ct.contains("spreadsheetml"), "{ct}");
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).expect("an XLSX file");
    assert_eq!(book.sheet_names(), vec!["数据", "编码表"]);
    let sheet = book.worksheet_range("数据").expect("the data sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let col = |h: &str| {
        rows[0]
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h} in {:?}", rows[0]))
    };
    let overall = col("您对本地的脱贫攻坚帮扶工作满意吗？");
    let industry = col("哪些帮扶措施对您家帮助最大？（可多选）：产业扶贫");
    let head = col("户主");
    let mut values: Vec<&str> = rows[1..].iter().map(|r| r[overall].as_str()).collect();
    values.sort();
    assert_eq!(values, vec!["不满意", "很满意"]);
    let satisfied = rows.iter().find(|r| r[overall] == "很满意").unwrap();
    assert_eq!(satisfied[industry], "1");
    let unsatisfied = rows.iter().find(|r| r[overall] == "不满意").unwrap();
    assert_eq!(unsatisfied[industry], "", "not asked: blank");
    for r in &rows[1..] {
        assert!(r[head].chars().skip(1).all(|c| c == '*'), "{}", r[head]);
        assert!(r[head].chars().count() >= 2, "{}", r[head]);
        assert_eq!(r[col("调查员")], "surveyor1");
    }
    let heads: Vec<String> = {
        let mut v = Vec::new();
        for h in &surveyed {
            v.push(
                app.get(&format!("/households/{h}"), &office_api).await.body["head_name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        v
    };
    for name in &heads {
        assert!(
            !rows.iter().any(|r| r.contains(name)),
            "{name} in clear in the export"
        );
    }
    let codebook = book.worksheet_range("编码表").expect("the codebook");
    assert!(
        codebook
            .rows()
            .any(|r| r[0] == "overall" && r[5] == "不满意")
    );

    // The same as CSV, with a byte-order mark; the codebook beside it.
    let (status, ct, csv) = web(
        &app,
        &format!("/ui/data/responses.csv?cycle={cid}&questionnaire={qid}"),
        &office,
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("您对本地的脱贫攻坚帮扶工作满意吗？")
    );
    assert!(text.contains("很满意") && !heads.iter().any(|n| text.contains(n.as_str())));
    let (status, _, cb) = web(
        &app,
        &format!("/ui/data/codebook.csv?questionnaire={qid}"),
        &office,
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&cb).contains("产业扶贫"));
    // The office may ask for the names in clear (audited); a district reviewer may not.
    let (status, _, clear) = web(
        &app,
        &format!("/ui/data/responses.csv?cycle={cid}&questionnaire={qid}&names=clear"),
        &office,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        heads
            .iter()
            .all(|n| String::from_utf8_lossy(&clear).contains(n.as_str()))
    );

    // Visits and photos, as CSV.
    let inspector = app.login("inspector1").await;
    let mine = app.list_all("/households", &inspector).await;
    let photo = push_photo(&app, &inspector, &id(&mine[0]), &"ab".repeat(32), None).await;
    let (status, _, visits) = web(&app, "/ui/data/visits.csv", &office).await;
    assert_eq!(status, 200);
    let visits = String::from_utf8(visits).unwrap();
    assert!(
        visits
            .trim_start_matches('\u{feff}')
            .starts_with("走访ID,户编号")
    );
    let (status, _, photos) = web(&app, "/ui/data/photos.csv?review=pending", &office).await;
    assert_eq!(status, 200);
    let photos = String::from_utf8(photos).unwrap();
    assert_eq!(photos.lines().count(), 2, "{photos}");
    assert!(photos.contains(&photo.to_string()) && photos.contains("ab".repeat(32).as_str()));
    let (_, _, none) = web(&app, "/ui/data/photos.csv?review=accepted", &office).await;
    assert_eq!(
        String::from_utf8_lossy(&none).lines().count(),
        1,
        "the gallery's filter applies"
    );

    // Each download is in the audit log, as the REST API shows it.
    let log = app
        .get(
            &format!("/audit?target_type=response&target_id={cid}"),
            &admin_api,
        )
        .await;
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .filter(|e| e["action"] == "data.export")
            .count(),
        3,
        "{}",
        log.text
    );
    assert!(log.text.contains(r#"\"names\":\"clear\""#), "{}", log.text);
    let log = app
        .get("/audit?target_type=photo&target_id=*", &admin_api)
        .await;
    assert!(log.text.contains("data.export"), "{}", log.text);

    // Bad and unknown ids; roles that may not.
    let (status, _, _) = web(
        &app,
        &format!(
            "/ui/data/responses.csv?cycle={}&questionnaire={qid}",
            uuid::Uuid::now_v7()
        ),
        &office,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = web(
        &app,
        &format!("/ui/data/responses.xlsx?cycle=nope&questionnaire={qid}"),
        &office,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = web(&app, "/ui/data/photos.csv?flag=nonsense", &office).await;
    assert_eq!(status, 400);
    let district = app.web_session("reviewer-longhua").await;
    let (status, _, _) = web(
        &app,
        &format!("/ui/data/responses.csv?cycle={cid}&questionnaire={qid}&names=clear"),
        &district,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = web(&app, "/ui/audit", &district).await;
    assert_eq!(status, 403);
    let (status, _, _) = web(&app, "/ui/audit", &office).await;
    assert_eq!(status, 403, "the audit log is the admin's");
    // A district reviewer's download holds only its district's responses (here: all of them,
    // the sample being Longhua's); another district's reviewer would see none.
    let (status, _, mine) = web(
        &app,
        &format!("/ui/data/responses.csv?cycle={cid}&questionnaire={qid}"),
        &district,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8_lossy(&mine).lines().count(), 3);

    // Charts: server-drawn SVGs, labelled.
    let (status, _, charts) = web(&app, &format!("/ui/data/charts?cycle={cid}"), &office).await;
    assert_eq!(status, 200);
    let charts = String::from_utf8(charts).unwrap();
    assert!(charts.matches("<svg").count() >= 4, "{charts}");
    assert!(charts.contains("各区县满意度分布") && !charts.contains("style="));

    // The audit log: filtered, paged, the chain checked.
    let admin = app.web_session("admin").await;
    let (status, _, log) = web(&app, "/ui/audit?action=data.export&actor=office", &admin).await;
    assert_eq!(status, 200);
    let log = String::from_utf8(log).unwrap();
    assert_eq!(
        log.matches("<td class=\"mono\">data.export</td>").count(),
        6,
        "{log}"
    );
    let (status, _, bad) = web(&app, "/ui/audit?from=yesterday&actor=nobody", &admin).await;
    assert_eq!(status, 400);
    let bad = String::from_utf8(bad).unwrap();
    assert!(bad.contains("日期格式应为") && bad.contains("没有这个用户"));
    assert!(bad.contains(r#"value="yesterday""#), "the input is kept");
    let (_, _, first) = web(&app, "/ui/audit", &admin).await;
    let first = String::from_utf8(first).unwrap();
    let older = first
        .split("href=\"/ui/audit?before=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a link to older entries")
        .to_owned();
    let (status, _, page2) = web(&app, &format!("/ui/audit?before={older}"), &admin).await;
    assert_eq!(status, 200);
    let page2 = String::from_utf8(page2).unwrap();
    let top = older.parse::<i64>().unwrap() - 1;
    assert!(
        page2.contains(&format!("<td class=\"num\">{top}</td>")),
        "{page2}"
    );
    let (status, _, verify) = web(&app, "/ui/audit/verify", &admin).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(verify).unwrap().contains("哈希链完整"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_pages_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let (cid, qid, _) = record_fieldwork(&app).await;
    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-data.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", &shots)
        .env("CYCLE", &cid)
        .env("QUESTIONNAIRE", &qid);
    run_browser_script(cmd).await;
    for shot in ["data.png", "charts.png", "audit.png", "audit-verify.png"] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
    // The XLSX the browser downloaded, read back.
    use calamine::{Reader, Xlsx};
    let bytes = std::fs::read(shots.join("responses.xlsx")).expect("the XLSX downloaded");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX file");
    let sheet = book.worksheet_range("数据").expect("the data sheet");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(header.contains(&"您对本地的脱贫攻坚帮扶工作满意吗？".to_owned()));
    let head = header
        .iter()
        .position(|h| h == "户主")
        .expect("the head's column");
    let rows: Vec<String> = sheet.rows().skip(1).map(|r| r[head].to_string()).collect();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|n| n.chars().count() >= 2 && n.chars().skip(1).all(|c| c == '*')),
        "names masked: {rows:?}"
    );
    assert!(book.worksheet_range("编码表").is_ok());
    let csv = std::fs::read_to_string(shots.join("responses.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("很满意"));
    for f in ["visits.csv", "photos.csv"] {
        assert!(shots.join(f).is_file(), "{f} downloaded");
    }
}
