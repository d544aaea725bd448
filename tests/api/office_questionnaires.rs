//! The office's questionnaire pages over HTTP, on both databases: the editor's forms (errors in
//! place, CSRF, roles), saving and publishing checked through the REST API and a surveyor's
//! sync pull, and the XLSForm import. The browser drives the same pages in
//! `office_questionnaires_in_a_real_browser` (`tests/browser/office-questionnaires.mjs`).
//!
//! The XLSForm fixture `tests/fixtures/satisfaction-xlsform.xlsx` is made by
//! [`satisfaction_xlsform`] (run with `FIELDCHECK_WRITE_FIXTURES=1` to write it again);
//! `the_xlsform_fixture_is_what_the_helper_makes` holds the committed file to it.

use crate::helpers::{Backend, TestApp, artifacts_dir, project_dir, run_browser_script, spawn_app};
use crate::on_both_backends;
use reqwest::{StatusCode, header};
use serde_json::Value;

/// The fixture's sheets: a satisfaction survey like the demo's default questionnaire, with one
/// thing for the office to fix (the option `fairly` does not say whether it counts as satisfied).
pub fn xlsform_rows() -> Vec<(&'static str, Vec<Vec<&'static str>>)> {
    let survey = vec![
        vec![
            "type",
            "name",
            "label::Chinese (zh)",
            "label::English (en)",
            "required",
            "relevant",
            "satisfaction",
            "parameters",
            "hint",
        ],
        vec!["start", "start", "", "", "", "", "", "", ""],
        vec!["end", "end", "", "", "", "", "", "", ""],
        vec![
            "select_one sat",
            "overall",
            "您对本地的脱贫攻坚帮扶工作满意吗？",
            "Are you satisfied with the poverty alleviation work here?",
            "yes",
            "",
            "yes",
            "",
            "",
        ],
        vec![
            "select_one yn",
            "visited",
            "今年帮扶责任人是否到您家走访过？",
            "Did your helper visit this year?",
            "yes",
            "",
            "",
            "",
            "",
        ],
        vec![
            "integer",
            "visit_count",
            "今年帮扶责任人到您家走访了几次？",
            "How many visits?",
            "yes",
            "${visited} = 'yes'",
            "",
            "",
            "",
        ],
        vec![
            "select_one know",
            "knows_contact",
            "您知道帮扶责任人的姓名和联系方式吗？",
            "Do you know your helper's name and phone?",
            "yes",
            "",
            "",
            "",
            "",
        ],
        vec![
            "select_multiple measures",
            "measures",
            "哪些帮扶措施对您家帮助最大？（可多选）",
            "Which measures helped most?",
            "no",
            "",
            "",
            "",
            "",
        ],
        vec![
            "text",
            "industry_note",
            "产业扶贫项目还有什么需要改进的？",
            "What should improve in the industry project?",
            "no",
            "selected(${measures}, 'industry')",
            "",
            "",
            "",
        ],
        vec![
            "select_one change",
            "income_change",
            "与去年相比，您家今年的收入有什么变化？",
            "Income compared with last year?",
            "yes",
            "",
            "",
            "",
            "",
        ],
        vec![
            "range",
            "guarantees",
            "您对“两不愁三保障”落实情况有多大信心？（1分最低，5分最高）",
            "Confidence in the two assurances and three guarantees (1-5)?",
            "yes",
            "",
            "",
            "start=1 end=5 step=1",
            "",
        ],
        vec![
            "text",
            "reasons",
            "您不满意的主要原因是什么？",
            "Why are you not satisfied?",
            "yes",
            "${overall} = 'no'",
            "",
            "",
            "",
        ],
        vec![
            "text",
            "suggestions",
            "您对帮扶工作还有什么意见和建议？",
            "Any suggestions?",
            "no",
            "",
            "",
            "",
            "",
        ],
    ];
    let choices = vec![
        vec![
            "list_name",
            "name",
            "label::Chinese (zh)",
            "label::English (en)",
            "satisfied",
        ],
        vec!["sat", "very", "很满意", "Very satisfied", "yes"],
        vec!["sat", "fairly", "比较满意", "Fairly satisfied", ""],
        vec!["sat", "no", "不满意", "Not satisfied", "no"],
        vec!["yn", "yes", "是", "Yes", ""],
        vec!["yn", "no", "否", "No", ""],
        vec!["know", "yes", "知道", "Yes", ""],
        vec!["know", "no", "不知道", "No", ""],
        vec!["measures", "industry", "产业扶贫", "Industry", ""],
        vec!["measures", "employment", "就业扶贫", "Employment", ""],
        vec!["measures", "education", "教育扶贫", "Education", ""],
        vec!["measures", "medical", "医疗保障", "Health care", ""],
        vec!["measures", "housing", "住房安全", "Housing", ""],
        vec!["change", "up", "增加", "Up", ""],
        vec!["change", "same", "持平", "Same", ""],
        vec!["change", "down", "减少", "Down", ""],
    ];
    let settings = vec![
        vec!["form_id", "form_title", "version"],
        vec![
            "satisfaction_xlsform",
            "贫困户满意度调查（XLSForm）",
            "2027",
        ],
    ];
    vec![
        ("survey", survey),
        ("choices", choices),
        ("settings", settings),
    ]
}

/// A workbook of `sheets` (every cell text).
pub fn workbook(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The committed fixture's bytes.
fn xlsform_fixture() -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/satisfaction-xlsform.xlsx",
        project_dir()
    ))
    .expect("the XLSForm fixture")
}

/// The fixture's workbook.
pub fn satisfaction_xlsform() -> Vec<u8> {
    workbook(&xlsform_rows())
}

#[test]
fn the_xlsform_fixture_is_what_the_helper_makes() {
    let path = format!("{}/tests/fixtures/satisfaction-xlsform.xlsx", project_dir());
    if std::env::var_os("FIELDCHECK_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, satisfaction_xlsform()).unwrap();
    }
    let committed = fieldcheck_store::assessment::read_xlsform(&xlsform_fixture()).unwrap();
    let made = fieldcheck_store::assessment::read_xlsform(&satisfaction_xlsform()).unwrap();
    assert_eq!(format!("{committed:?}"), format!("{made:?}"));
    assert_eq!(committed.survey.len(), 13);
}

/// A browser without cookies of its own: the session goes in by hand, redirects are not followed.
struct Office<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    session: String,
}

struct Page {
    status: StatusCode,
    location: String,
    html: String,
}

impl<'a> Office<'a> {
    async fn new(app: &'a TestApp, username: &str) -> Office<'a> {
        Office {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            session: app.web_session(username).await,
        }
    }

    async fn done(r: reqwest::RequestBuilder) -> Page {
        let r = r.send().await.unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Page {
            status,
            location,
            html: r.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Page {
        Self::done(
            self.client
                .get(format!("{}{path}", self.app.base))
                .header(header::COOKIE, &self.session),
        )
        .await
    }

    async fn post(&self, path: &str, form: &[(String, String)]) -> Page {
        Self::done(
            self.client
                .post(format!("{}{path}", self.app.base))
                .header(header::COOKIE, &self.session)
                .form(form),
        )
        .await
    }

    async fn upload(&self, csrf: &str, bytes: Vec<u8>) -> Page {
        let boundary = "fieldcheck-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"form.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        )
        .into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        Self::done(
            self.client
                .post(format!("{}/ui/questionnaires/import", self.app.base))
                .header(header::COOKIE, &self.session)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await
    }

    /// The page's CSRF token (from its first form).
    async fn csrf(&self, path: &str) -> String {
        let p = self.get(path).await;
        assert_eq!(p.status, 200, "{path}: {}", p.html);
        csrf_in(&p.html)
    }
}

fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// A small questionnaire as the editor's form sends it.
fn small_form(
    csrf: &str,
    code: &str,
    title: &str,
    op: &str,
    fairly: &str,
) -> Vec<(String, String)> {
    let options = format!("good | 满意 | 是\nfairly | 一般{fairly}\nbad | 不满意 | 否");
    pairs(&[
        ("csrf", csrf),
        ("code", code),
        ("title", title),
        ("q0.id", "overall"),
        ("q0.text", "您满意吗？"),
        ("q0.kind", "single_choice"),
        ("q0.required", "on"),
        ("q0.satisfaction", "on"),
        ("q0.options", &options),
        ("q1.id", "why"),
        ("q1.text", "为什么不满意？"),
        ("q1.kind", "text"),
        ("q1.max_chars", "300"),
        ("q1.show_if_question", "overall"),
        ("q1.show_if_equals", "bad"),
        ("op", op),
    ])
}

/// The questionnaires through the API: (code, version, title, question ids).
async fn api_versions(app: &TestApp, token: &str) -> Vec<(String, i64, String, Vec<String>)> {
    let r = app.get("/questionnaires", token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["code"].as_str().unwrap().to_owned(),
                q["version"].as_i64().unwrap(),
                q["title"].as_str().unwrap().to_owned(),
                q["questions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["id"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// What a surveyor's phone asks after a full pull: the newest `satisfaction` version delivered
/// (the field app's `currentQuestionnaire`), as (version, title).
pub async fn phone_questionnaire(app: &TestApp) -> (i64, String) {
    let token = app.login("surveyor1").await;
    let mut cursor: Option<String> = None;
    let mut delivered: Vec<Value> = Vec::new();
    loop {
        let mut body = serde_json::json!({ "limit": 500 });
        if let Some(c) = &cursor {
            body["cursor"] = serde_json::json!(c);
        }
        let r = app.post("/sync/pull", Some(&token), body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for ch in r.body["changes"].as_array().unwrap() {
            if ch["entity"] == "questionnaire" && ch["op"] == "upsert" {
                delivered.push(ch["data"].clone());
            }
        }
        cursor = r.body["cursor"].as_str().map(str::to_owned);
        if r.body["has_more"] != true {
            break;
        }
    }
    delivered
        .iter()
        .filter(|d| d["code"] == "satisfaction")
        .max_by_key(|d| d["version"].as_i64())
        .map(|d| {
            (
                d["version"].as_i64().unwrap(),
                d["definition"]["title"].as_str().unwrap().to_owned(),
            )
        })
        .expect("the pull delivers the satisfaction questionnaire")
}

/// The part of the editor's page about question `i` (its fieldset).
fn question_block(html: &str, i: usize) -> &str {
    let start = html
        .find(&format!("id=\"question-{i}\""))
        .unwrap_or_else(|| panic!("question {i} on the page"));
    let end = html[start..]
        .find("</fieldset>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

async fn editor_saves_checks_and_publishes(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("office").await;
    let office = Office::new(&app, "office").await;
    assert_eq!(
        phone_questionnaire(&app).await,
        (1, "贫困户满意度调查".to_owned())
    );

    // The list marks the version phones ask; the editor opens filled from it.
    let list = office.get("/ui/questionnaires").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("手机使用中"), "{}", list.html);
    let new = office.get("/ui/questionnaires/new").await;
    assert_eq!(new.status, 200);
    assert!(new.html.contains("name=\"q8.id\" value=\"suggestions\""));
    assert!(new.html.contains("id=\"preview\""));
    let csrf = csrf_in(&new.html);

    // A validation error of the domain is shown beside its question, the input kept, 400.
    let bad = office
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "satisfaction", "新版问卷", "save", ""),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    let q0 = question_block(&bad.html, 0);
    assert!(q0.contains("options[1].satisfied"), "{q0}");
    assert!(
        bad.html
            .contains("class=\"q-edit invalid\" id=\"question-0\"")
    );
    assert!(!question_block(&bad.html, 1).contains("error"));
    assert!(bad.html.contains("fairly | 一般"), "the input is kept");
    assert_eq!(api_versions(&app, &token).await.len(), 1, "nothing saved");

    // Rows are added and removed by submit buttons.
    let added = office
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "satisfaction", "新版问卷", "add", " | 否"),
        )
        .await;
    assert_eq!(added.status, 200);
    assert!(added.html.contains("id=\"question-2\""));
    let removed = office
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "satisfaction", "新版问卷", "remove-1", " | 否"),
        )
        .await;
    assert!(!removed.html.contains("id=\"question-1\""));
    let moved = office
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "satisfaction", "新版问卷", "up-1", " | 否"),
        )
        .await;
    assert_eq!(moved.status, 200);
    assert!(question_block(&moved.html, 0).contains("value=\"why\""));
    assert!(question_block(&moved.html, 1).contains("value=\"overall\""));
    for op in ["up-0", "remove-9", "up-x", "delete"] {
        let r = office
            .post(
                "/ui/questionnaires/edit",
                &small_form(&csrf, "satisfaction", "新版问卷", op, " | 否"),
            )
            .await;
        assert_eq!(r.status, 400, "{op}");
    }

    // Without the session's CSRF token nothing is saved.
    let forged = office
        .post(
            "/ui/questionnaires/edit",
            &small_form("0000", "satisfaction", "新版问卷", "save", " | 否"),
        )
        .await;
    assert_eq!(forged.status, 400);
    assert_eq!(api_versions(&app, &token).await.len(), 1);

    // Saved: the next version of its code, through the API's store function; phones ask it.
    let saved = office
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "satisfaction", "新版问卷", "save", " | 否"),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    assert!(saved.location.starts_with("/ui/questionnaires?saved="));
    let versions = api_versions(&app, &token).await;
    assert!(versions.contains(&(
        "satisfaction".into(),
        2,
        "新版问卷".into(),
        vec!["overall".into(), "why".into()]
    )));
    assert_eq!(phone_questionnaire(&app).await, (2, "新版问卷".to_owned()));

    // A long questionnaire fits in the form (its Chinese texts are percent-encoded).
    let mut long = small_form(&csrf, "long", "长问卷", "save", " | 是");
    let text = "您对本村今年的帮扶工作各方面情况是否了解并且满意？".repeat(6);
    for i in 2..120 {
        long.extend(pairs(&[
            (&format!("q{i}.id"), &format!("t{i}")),
            (&format!("q{i}.text"), &text),
            (&format!("q{i}.kind"), "text"),
            (&format!("q{i}.max_chars"), "500"),
        ]));
    }
    let saved = office.post("/ui/questionnaires/edit", &long).await;
    assert_eq!(saved.status, 303, "{}", saved.html);

    // Another code is stored but not asked, until it is published.
    let other = office
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "pilot", "试点问卷", "save", " | 是"),
        )
        .await;
    assert_eq!(other.status, 303, "{}", other.html);
    let r = app.get("/questionnaires", &token).await;
    let pilot = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == "pilot")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(phone_questionnaire(&app).await.0, 2);
    let publish = format!("/ui/questionnaires/{pilot}/publish");
    let forged = office.post(&publish, &pairs(&[("csrf", "x")])).await;
    assert_eq!(forged.status, 400);
    assert_eq!(phone_questionnaire(&app).await.0, 2);
    let published = office.post(&publish, &pairs(&[("csrf", &csrf)])).await;
    assert_eq!(published.status, 303, "{}", published.html);
    assert_eq!(phone_questionnaire(&app).await, (3, "试点问卷".to_owned()));
    let list = office.get("/ui/questionnaires").await;
    let current = &list.html[list.html.find("class=\"current\"").unwrap()..];
    assert!(current.contains("试点问卷"));

    // The version phones ask already is not published again.
    let current_id = {
        let r = app.get("/questionnaires", &token).await;
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["code"] == "satisfaction" && q["version"] == 3)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The publication is audited beside the creation of the version it made.
    let admin = app.login("admin").await;
    let log = app
        .get(
            &format!("/audit?target_type=questionnaire&target_id={current_id}"),
            &admin,
        )
        .await;
    assert_eq!(log.status, 200, "{}", log.text);
    let mut actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, ["questionnaire.create", "questionnaire.publish"]);
    let again = office
        .post(
            &format!("/ui/questionnaires/{current_id}/publish"),
            &pairs(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(again.status, 409);

    // Ids that do not exist are 404, as in the API.
    let none = uuid::Uuid::now_v7();
    assert_eq!(
        office
            .get(&format!("/ui/questionnaires/{none}"))
            .await
            .status,
        404
    );
    assert_eq!(office.get("/ui/questionnaires/nope").await.status, 404);
    assert_eq!(
        office
            .get(&format!("/ui/questionnaires/new?from={none}"))
            .await
            .status,
        404
    );
    assert_eq!(
        office
            .post(
                &format!("/ui/questionnaires/{none}/publish"),
                &pairs(&[("csrf", &csrf)])
            )
            .await
            .status,
        404
    );
    let view = office.get(&format!("/ui/questionnaires/{pilot}")).await;
    assert_eq!(view.status, 200);
    assert!(view.html.contains("data-show-if=\"overall\""));
}

async fn roles_that_may_not_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("office").await;
    let reviewer = Office::new(&app, "reviewer-longhua").await;
    // A district reviewer reads the list (ReadAssessment) but neither edits nor publishes.
    let list = reviewer.get("/ui/questionnaires").await;
    assert_eq!(list.status, 200);
    assert!(!list.html.contains("/publish"));
    assert!(!list.html.contains("/ui/questionnaires/new"));
    let csrf = csrf_in(&list.html); // the sign-out form's
    assert_eq!(reviewer.get("/ui/questionnaires/new").await.status, 403);
    assert_eq!(reviewer.get("/ui/questionnaires/import").await.status, 403);
    let r = reviewer
        .post(
            "/ui/questionnaires/edit",
            &small_form(&csrf, "satisfaction", "x", "save", " | 是"),
        )
        .await;
    assert_eq!(r.status, 403);
    let id = app.get("/questionnaires", &token).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = reviewer
        .post(
            &format!("/ui/questionnaires/{id}/publish"),
            &pairs(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        reviewer.upload(&csrf, satisfaction_xlsform()).await.status,
        403
    );
    assert_eq!(api_versions(&app, &token).await.len(), 1);
}

async fn xlsform_import_opens_a_draft(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("office").await;
    let office = Office::new(&app, "office").await;
    let csrf = office.csrf("/ui/questionnaires/import").await;

    let r = office.upload(&csrf, xlsform_fixture()).await;
    assert_eq!(r.status, 200, "{}", r.html);
    assert!(
        r.html
            .contains("name=\"code\" value=\"satisfaction_xlsform\"")
    );
    assert!(r.html.contains("name=\"q9.id\" value=\"suggestions\""));
    // The skip logic became conditions; the missing `satisfied` is shown at its question.
    let q2 = question_block(&r.html, 2);
    assert!(q2.contains("option value=\"visited\" selected"), "{q2}");
    assert!(question_block(&r.html, 0).contains("options[1].satisfied"));
    assert!(r.html.contains("data-show-if=\"measures\""));
    assert_eq!(api_versions(&app, &token).await.len(), 1, "a draft only");

    // Without the token, or with rows fieldcheck cannot take, nothing opens.
    assert_eq!(office.upload("x", xlsform_fixture()).await.status, 400);
    let mut rows = xlsform_rows();
    rows[0].1.insert(
        4,
        vec!["begin_group", "household", "户情况", "", "", "", "", "", ""],
    );
    rows[0].1[6][5] = "${visited} != 'no'";
    let r = office.upload(&csrf, workbook(&rows)).await;
    assert_eq!(r.status, 400);
    assert!(
        r.html.contains("survey row 5") && r.html.contains("begin_group"),
        "{}",
        r.html
    );
    assert!(r.html.contains("survey row 7") && r.html.contains("!="));
    let r = office.upload(&csrf, b"not a workbook".to_vec()).await;
    assert_eq!(r.status, 400);
    assert!(r.html.contains(".xlsx"));
}

on_both_backends!(
    editor_saves_checks_and_publishes,
    roles_that_may_not_are_refused,
    xlsform_import_opens_a_draft,
);

/// The office imports the XLSForm in Chromium, previews it, fixes the error shown in place,
/// saves and publishes; the API and a surveyor's pull then deliver it as the phones' version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_questionnaires_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.login("office").await;
    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-questionnaires.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", &shots)
        .env(
            "XLSFORM",
            format!("{root}/tests/fixtures/satisfaction-xlsform.xlsx"),
        );
    run_browser_script(cmd).await;
    for shot in [
        "questionnaires-list.png",
        "questionnaires-import.png",
        "questionnaires-draft.png",
        "questionnaires-fixed.png",
        "questionnaires-published.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
    let versions = api_versions(&app, &token).await;
    assert!(
        versions
            .iter()
            .any(|v| v.0 == "satisfaction_xlsform" && v.1 == 1),
        "{versions:?}"
    );
    let imported = versions
        .iter()
        .find(|v| v.0 == "satisfaction" && v.1 == 2)
        .expect("published as satisfaction v2");
    assert_eq!(imported.2, "贫困户满意度调查（XLSForm）");
    assert!(imported.3.contains(&"industry_note".to_owned()));
    assert_eq!(
        phone_questionnaire(&app).await,
        (2, "贫困户满意度调查（XLSForm）".to_owned())
    );
}
