//! The office's registry import (`/ui/import`) and people (`/ui/people`) pages over HTTP, on
//! both databases; every effect is checked through the REST API. The browser drives the same
//! pages in `tests/browser/office-registry.mjs` (last test here).

use crate::helpers::{
    Backend, PASSWORD, TestApp, artifacts_dir, project_dir, run_browser_script, spawn_app,
};
use crate::on_both_backends;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

on_both_backends!(
    a_bad_file_imports_nothing_and_the_fixed_file_imports_once,
    import_refuses_without_csrf_for_other_roles_and_too_large_files,
    admin_adds_an_inspector_with_grants_resets_and_disables,
    people_pages_refuse_bad_input_other_roles_and_unknown_ids,
    office_adds_a_unit_and_its_responsible_person,
);

/// A page answer: status, `Location`, body.
struct Page {
    status: StatusCode,
    location: Option<String>,
    text: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page_of(r: reqwest::Response) -> Page {
    Page {
        status: r.status(),
        location: r
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        text: r.text().await.unwrap(),
    }
}

async fn get(app: &TestApp, path: &str, session: &str) -> Page {
    let r = client()
        .get(format!("{}{path}", app.base))
        .header(header::COOKIE, session)
        .send()
        .await
        .unwrap();
    page_of(r).await
}

async fn post_form(app: &TestApp, path: &str, session: &str, form: &[(&str, &str)]) -> Page {
    let r = client()
        .post(format!("{}{path}", app.base))
        .header(header::COOKIE, session)
        .form(form)
        .send()
        .await
        .unwrap();
    page_of(r).await
}

/// Uploads `bytes` as the form's file field, as a browser sends it.
async fn upload(app: &TestApp, session: &str, csrf: &str, name: &str, bytes: &[u8]) -> Page {
    let boundary = "----fieldcheckTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = client()
        .post(format!("{}/ui/import/preview", app.base))
        .header(header::COOKIE, session)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    page_of(r).await
}

/// The value of the first hidden input called `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[at..].split('"').next().unwrap().to_owned()
}

async fn csrf_of(app: &TestApp, path: &str, session: &str) -> String {
    let p = get(app, path, session).await;
    assert_eq!(p.status, 200, "{path}: {}", p.text);
    hidden(&p.text, "csrf")
}

/// The demo's households as the office's registry file: registration number, village code,
/// head, the head as a member; then `extra` rows.
pub async fn registry_csv(app: &TestApp, office: &str, extra: &[&str]) -> String {
    let villages = app
        .list_all("/places?level=village&limit=500", office)
        .await;
    let code = |id: &Value| {
        villages
            .iter()
            .find(|v| v["id"] == *id)
            .map(|v| v["code"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let mut csv = String::from("户编号,村代码,户主姓名,成员姓名,与户主关系\n");
    for h in app.list_all("/households?limit=500", office).await {
        let head = h["head_name"].as_str().unwrap();
        csv.push_str(&format!(
            "{},{},{head},{head},户主\n",
            h["registration_no"].as_str().unwrap(),
            code(&h["village_id"])
        ));
    }
    for row in extra {
        csv.push_str(row);
        csv.push('\n');
    }
    csv
}

const NEW_ROWS: [&str; 2] = [
    "HK-WEB-001,460106001201,符小梅,符小梅,户主",
    "HK-WEB-002,460106001202,吴大海,吴大海,户主",
];
const BAD_ROW: &str = "HK-WEB-003,460106001299,林三,林三,户主";
const FIXED_ROW: &str = "HK-WEB-003,460106001201,林三,林三,户主";

/// The same rows as an Excel workbook.
pub fn xlsx_of(csv: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// The audit entries of the web imports of this test's files (named 户籍.csv and 户籍.xlsx).
async fn import_audits(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for name in ["户籍.csv", "户籍.xlsx"] {
        let r = app
            .get(
                &format!("/audit?target_type=import&target_id={name}&limit=500"),
                admin,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(r.body["items"].as_array().cloned().unwrap_or_default());
    }
    assert!(
        out.iter().all(|e| e["action"] == "household.import"),
        "{out:?}"
    );
    out
}

async fn household_count(app: &TestApp, office: &str) -> usize {
    app.list_all("/households?limit=500", office).await.len()
}

async fn a_bad_file_imports_nothing_and_the_fixed_file_imports_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let session = app.web_session("office").await;
    let csrf = csrf_of(&app, "/ui/import", &session).await;
    let before = household_count(&app, &office).await;
    assert_eq!(import_audits(&app, &admin).await.len(), 0);

    // (1) One bad row: its line, column and reason shown; no import button; nothing written.
    let mut rows = NEW_ROWS.to_vec();
    rows.push(BAD_ROW);
    let bad = registry_csv(&app, &office, &rows).await;
    let bad_line = bad.lines().count();
    let p = upload(&app, &session, &csrf, "户籍.csv", bad.as_bytes()).await;
    assert_eq!(p.status, 400, "{}", p.text);
    assert!(p.text.contains("id=\"import-errors\""), "{}", p.text);
    assert!(
        p.text
            .contains(&format!("<td class=\"num\">{bad_line}</td><td>村代码</td>")),
        "line {bad_line} and its column shown: {}",
        p.text
    );
    assert!(!p.text.contains("/ui/import/commit"), "no import button");
    assert_eq!(household_count(&app, &office).await, before);
    assert_eq!(import_audits(&app, &admin).await.len(), 0);

    // (2) Fixed: the preview counts what would change and lists the new households, masked;
    // still nothing written.
    let mut rows = NEW_ROWS.to_vec();
    rows.push(FIXED_ROW);
    let fixed = registry_csv(&app, &office, &rows).await;
    let p = upload(&app, &session, &csrf, "户籍.csv", fixed.as_bytes()).await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert!(
        p.text
            .contains("<th scope=\"row\">户</th><td class=\"num\">3</td><td class=\"num\">0</td>"),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("HK-WEB-001") && p.text.contains("符**"),
        "{}",
        p.text
    );
    assert!(!p.text.contains("符小梅"), "head names are masked");
    assert_eq!(household_count(&app, &office).await, before);
    assert_eq!(import_audits(&app, &admin).await.len(), 0);
    let token = hidden(&p.text, "token");

    // Another user cannot import this preview, nor can a form without the CSRF token.
    let other = app.web_session("admin").await;
    let other_csrf = csrf_of(&app, "/ui/import", &other).await;
    let p2 = post_form(
        &app,
        "/ui/import/commit",
        &other,
        &[("csrf", &other_csrf), ("token", &token)],
    )
    .await;
    assert_eq!(p2.status, 409, "{}", p2.text);
    let p2 = post_form(
        &app,
        "/ui/import/commit",
        &session,
        &[("csrf", "x"), ("token", &token)],
    )
    .await;
    assert_eq!(p2.status, 400);
    assert_eq!(household_count(&app, &office).await, before);

    // (3) Import: exactly the previewed file, once, audited under the office user.
    let done = post_form(
        &app,
        "/ui/import/commit",
        &session,
        &[("csrf", &csrf), ("token", &token)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.text);
    let to = done.location.unwrap();
    assert!(
        to.starts_with("/ui/import?created=3&updated=0&unchanged="),
        "{to}"
    );
    let shown = get(&app, &to, &session).await;
    assert!(shown.text.contains("id=\"import-done\""));
    assert_eq!(household_count(&app, &office).await, before + 3);
    let entries = import_audits(&app, &admin).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let office_id = user_by_name(&app, &admin, "office").await["id"].clone();
    assert_eq!(entries[0]["actor"], office_id, "{entries:?}");
    let new = app.list_all("/households?limit=500", &office).await;
    let h = new
        .iter()
        .find(|h| h["registration_no"] == "HK-WEB-003")
        .unwrap();
    assert_eq!(h["head_name"], "林三");
    // The staged file is gone: the same token imports nothing twice.
    let again = post_form(
        &app,
        "/ui/import/commit",
        &session,
        &[("csrf", &csrf), ("token", &token)],
    )
    .await;
    assert_eq!(again.status, 409);

    // (4) The same rows again, as an Excel workbook: every household unchanged.
    let p = upload(&app, &session, &csrf, "户籍.xlsx", &xlsx_of(&fixed)).await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert!(p.text.contains("id=\"all-unchanged\""), "{}", p.text);
    assert!(p.text.contains(&format!(
        "<th scope=\"row\">户</th><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">{}</td>",
        before + 3
    )), "{}", p.text);
    let token = hidden(&p.text, "token");
    let done = post_form(
        &app,
        "/ui/import/commit",
        &session,
        &[("csrf", &csrf), ("token", &token)],
    )
    .await;
    assert_eq!(done.status, 303);
    assert_eq!(household_count(&app, &office).await, before + 3);
    assert_eq!(import_audits(&app, &admin).await.len(), 2);
}

async fn import_refuses_without_csrf_for_other_roles_and_too_large_files(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let session = app.web_session("office").await;
    let csrf = csrf_of(&app, "/ui/import", &session).await;
    let before = household_count(&app, &office).await;
    let file = registry_csv(&app, &office, &NEW_ROWS).await;

    let p = upload(&app, &session, "not-the-token", "a.csv", file.as_bytes()).await;
    assert_eq!(p.status, 400);
    assert!(!p.text.contains("/ui/import/commit"));

    // A district reviewer may sign in to the pages but not edit the registry.
    let district = app.web_session("reviewer-longhua").await;
    assert_eq!(get(&app, "/ui/import", &district).await.status, 403);
    let p = upload(&app, &district, &csrf, "a.csv", file.as_bytes()).await;
    assert_eq!(p.status, 403);

    // Over 20 MB: refused with a clear message, nothing read into the database.
    let big = vec![b'a'; 21 * 1024 * 1024];
    let p = upload(&app, &session, &csrf, "big.csv", &big).await;
    assert_eq!(p.status, 413);
    assert!(p.text.contains("20 MB"), "{}", p.text);

    // Not a spreadsheet; no file; a token that was never staged.
    let p = upload(&app, &session, &csrf, "notes.txt", b"x").await;
    assert_eq!(p.status, 400);
    assert!(p.text.contains("id=\"import-error\""));
    let p = upload(&app, &session, &csrf, "", b"").await;
    assert_eq!(p.status, 400);
    let p = post_form(
        &app,
        "/ui/import/commit",
        &session,
        &[("csrf", &csrf), ("token", &"a".repeat(64))],
    )
    .await;
    assert_eq!(p.status, 409);
    assert_eq!(household_count(&app, &office).await, before);
}

/// The id of a user, through the API.
async fn user_by_name(app: &TestApp, admin: &str, username: &str) -> Value {
    app.list_all("/users", admin)
        .await
        .into_iter()
        .find(|u| u["username"] == username)
        .unwrap_or(Value::Null)
}

async fn api_login(app: &TestApp, username: &str, password: &str) -> reqwest::StatusCode {
    app.post(
        "/auth/login",
        None,
        json!({ "username": username, "password": password, "device_id": "t" }),
    )
    .await
    .status
}

async fn admin_adds_an_inspector_with_grants_resets_and_disables(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let session = app.web_session("admin").await;
    let list = get(&app, "/ui/people", &session).await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("data-username=\"inspector1\""));
    let csrf = hidden(&list.text, "csrf");
    let village = app.village_id("460106001202", &admin).await;

    let created = post_form(
        &app,
        "/ui/people",
        &session,
        &[
            ("csrf", &csrf),
            ("username", "inspector9"),
            ("display_name", "核查员九"),
            ("password", "first-password-9"),
            ("role", "inspector"),
            ("district_code", ""),
            ("village", &village),
            ("households", "HK46010600120101"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.text);
    let u = user_by_name(&app, &admin, "inspector9").await;
    assert_eq!(u["role"], "inspector");
    assert_eq!(u["village_ids"], json!([village]));
    assert_eq!(u["household_ids"].as_array().unwrap().len(), 1);
    let id = u["id"].as_str().unwrap().to_owned();

    // Their scope, through the API: the village's households and the one household given.
    let r = app
        .post(
            "/auth/login",
            None,
            json!({ "username": "inspector9", "password": "first-password-9", "device_id": "t" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let theirs = app.list_all("/households", &token).await;
    let regs: Vec<&str> = theirs
        .iter()
        .map(|h| h["registration_no"].as_str().unwrap())
        .collect();
    assert!(regs.contains(&"HK46010600120101"), "{regs:?}");
    assert!(
        regs.iter()
            .all(|r| r.starts_with("HK460106001202") || *r == "HK46010600120101"),
        "{regs:?}"
    );
    assert_eq!(regs.len(), 4, "{regs:?}");

    // Edit: the page shows the grants; take the household away.
    let page = get(&app, &format!("/ui/people/{id}"), &session).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("HK46010600120101"));
    let version = hidden(&page.text, "version");
    let saved = post_form(
        &app,
        &format!("/ui/people/{id}"),
        &session,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("display_name", "核查员九"),
            ("role", "inspector"),
            ("district_code", ""),
            ("village", &village),
            ("households", ""),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert_eq!(app.list_all("/households", &token).await.len(), 3);
    // The form's old version now is a conflict, shown as such.
    let stale = post_form(
        &app,
        &format!("/ui/people/{id}"),
        &session,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("display_name", "x"),
            ("role", "inspector"),
        ],
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.text);

    // Reset the password: the old one no longer signs in, the new one does.
    let page = get(&app, &format!("/ui/people/{id}"), &session).await;
    let version = hidden(&page.text, "version");
    let reset = post_form(
        &app,
        &format!("/ui/people/{id}/password"),
        &session,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("password", "second-password-9"),
        ],
    )
    .await;
    assert_eq!(reset.status, 303, "{}", reset.text);
    assert_eq!(api_login(&app, "inspector9", "first-password-9").await, 401);
    assert_eq!(
        api_login(&app, "inspector9", "second-password-9").await,
        200
    );

    // Disable: the API refuses them; enable: it lets them in again.
    let page = get(&app, &format!("/ui/people/{id}"), &session).await;
    let version = hidden(&page.text, "version");
    let off = post_form(
        &app,
        &format!("/ui/people/{id}/status"),
        &session,
        &[("csrf", &csrf), ("version", &version), ("disabled", "true")],
    )
    .await;
    assert_eq!(off.status, 303, "{}", off.text);
    assert_eq!(
        user_by_name(&app, &admin, "inspector9").await["disabled"],
        true
    );
    assert_ne!(
        api_login(&app, "inspector9", "second-password-9").await,
        200
    );
    let page = get(&app, &format!("/ui/people/{id}"), &session).await;
    assert!(page.text.contains("data-disabled=\"true\""));
    let version = hidden(&page.text, "version");
    let on = post_form(
        &app,
        &format!("/ui/people/{id}/status"),
        &session,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("disabled", "false"),
        ],
    )
    .await;
    assert_eq!(on.status, 303);
    assert_eq!(
        api_login(&app, "inspector9", "second-password-9").await,
        200
    );
}

async fn people_pages_refuse_bad_input_other_roles_and_unknown_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let session = app.web_session("admin").await;
    let csrf = csrf_of(&app, "/ui/people", &session).await;
    let users_before = app.list_all("/users", &admin).await.len();

    // Shown in place, with what was typed: a short password, a district reviewer without a
    // district, an unknown registration number.
    let p = post_form(
        &app,
        "/ui/people",
        &session,
        &[
            ("csrf", &csrf),
            ("username", "newbie"),
            ("display_name", "新人"),
            ("password", "short"),
            ("role", "district_reviewer"),
            ("households", "HK-NOPE"),
        ],
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.text.contains("id=\"err-households\""), "{}", p.text);
    assert!(p.text.contains("HK-NOPE"));
    let p = post_form(
        &app,
        "/ui/people",
        &session,
        &[
            ("csrf", &csrf),
            ("username", "newbie"),
            ("display_name", "新人"),
            ("password", "short"),
            ("role", "district_reviewer"),
        ],
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.text.contains("id=\"err-password\""), "{}", p.text);
    assert!(p.text.contains("id=\"err-district_code\""), "{}", p.text);
    assert!(p.text.contains("value=\"newbie\""), "the input is kept");
    // A username taken; a role that does not exist; a village id that is not one.
    let long_enough = [
        ("csrf", csrf.as_str()),
        ("username", "inspector1"),
        ("display_name", "x"),
        ("password", "long-enough-pw"),
        ("role", "inspector"),
    ];
    let p = post_form(&app, "/ui/people", &session, &long_enough).await;
    assert_eq!(p.status, 400, "{}", p.text);
    assert!(p.text.contains("id=\"err-username\""), "{}", p.text);
    let mut bad_role = long_enough;
    bad_role[1] = ("username", "newbie");
    bad_role[4] = ("role", "superuser");
    let p = post_form(&app, "/ui/people", &session, &bad_role).await;
    assert_eq!(p.status, 400);
    assert!(p.text.contains("id=\"err-role\""));
    let mut bad_village = long_enough.to_vec();
    bad_village[1] = ("username", "newbie");
    bad_village.push(("village", "not-an-id"));
    assert_eq!(
        post_form(&app, "/ui/people", &session, &bad_village)
            .await
            .status,
        400
    );
    // Without the CSRF token.
    let mut no_csrf = long_enough;
    no_csrf[0] = ("csrf", "forged");
    no_csrf[1] = ("username", "newbie");
    assert_eq!(
        post_form(&app, "/ui/people", &session, &no_csrf)
            .await
            .status,
        400
    );
    assert_eq!(app.list_all("/users", &admin).await.len(), users_before);

    // Unknown ids: 404, like the API.
    let missing = uuid::Uuid::new_v4();
    assert_eq!(
        get(&app, &format!("/ui/people/{missing}"), &session)
            .await
            .status,
        404
    );
    assert_eq!(
        get(&app, "/ui/people/not-an-id", &session).await.status,
        404
    );
    let p = post_form(
        &app,
        &format!("/ui/people/{missing}/status"),
        &session,
        &[("csrf", &csrf), ("version", "1"), ("disabled", "true")],
    )
    .await;
    assert_eq!(p.status, 404);

    // The office may not manage users: 403 on every page and form.
    let office = app.web_session("office").await;
    let inspector1 = user_by_name(&app, &admin, "inspector1").await;
    let id = inspector1["id"].as_str().unwrap();
    assert_eq!(get(&app, "/ui/people", &office).await.status, 403);
    assert_eq!(
        get(&app, &format!("/ui/people/{id}"), &office).await.status,
        403
    );
    let office_csrf = csrf_of(&app, "/ui/import", &office).await;
    let p = post_form(
        &app,
        &format!("/ui/people/{id}/status"),
        &office,
        &[
            ("csrf", &office_csrf),
            ("version", "1"),
            ("disabled", "true"),
        ],
    )
    .await;
    assert_eq!(p.status, 403);
    assert_eq!(
        user_by_name(&app, &admin, "inspector1").await["disabled"],
        false
    );
    assert_eq!(api_login(&app, "inspector1", PASSWORD).await, 200);
}

async fn office_adds_a_unit_and_its_responsible_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let session = app.web_session("office").await;
    let csrf = csrf_of(&app, "/ui/units", &session).await;
    let units_before = app.list_all("/units", &office).await.len();

    let p = post_form(
        &app,
        "/ui/units",
        &session,
        &[
            ("csrf", &csrf),
            ("name", "海口市测试局"),
            ("kind", "paired_unit"),
            ("district_code", ""),
        ],
    )
    .await;
    assert_eq!(p.status, 303, "{}", p.text);
    let units = app.list_all("/units", &office).await;
    assert_eq!(units.len(), units_before + 1);
    let unit = units.iter().find(|u| u["name"] == "海口市测试局").unwrap();
    assert_eq!(unit["kind"], "paired_unit");
    let unit_id = unit["id"].as_str().unwrap().to_owned();

    // In place: a blank name, the same name again, a bad district code, a bad phone.
    for (form, field) in [
        (vec![("name", ""), ("kind", "lead_unit")], "err-name"),
        (
            vec![("name", "海口市测试局"), ("kind", "lead_unit")],
            "err-name",
        ),
        (
            vec![
                ("name", "另一局"),
                ("kind", "lead_unit"),
                ("district_code", "12"),
            ],
            "err-district_code",
        ),
    ] {
        let mut f = vec![("csrf", csrf.as_str())];
        f.extend(form);
        let p = post_form(&app, "/ui/units", &session, &f).await;
        assert_eq!(p.status, 400, "{}", p.text);
        assert!(
            p.text.contains(&format!("id=\"{field}\"")),
            "{field}: {}",
            p.text
        );
    }
    assert_eq!(
        app.list_all("/units", &office).await.len(),
        units_before + 1
    );

    let p = post_form(
        &app,
        "/ui/persons",
        &session,
        &[
            ("csrf", &csrf),
            ("name", "测试员"),
            ("unit_id", &unit_id),
            ("phone", "not-a-phone"),
        ],
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.text.contains("id=\"err-phone\""), "{}", p.text);
    assert!(
        p.text.contains("value=\"not-a-phone\""),
        "the input is kept"
    );
    let p = post_form(
        &app,
        "/ui/persons",
        &session,
        &[
            ("csrf", &csrf),
            ("name", "测试员"),
            ("unit_id", &unit_id),
            ("phone", "13900139000"),
        ],
    )
    .await;
    assert_eq!(p.status, 303, "{}", p.text);
    let persons = app
        .list_all(&format!("/persons?unit={unit_id}"), &office)
        .await;
    assert_eq!(persons.len(), 1, "{persons:?}");
    assert_eq!(persons[0]["name"], "测试员");
    let page = get(&app, "/ui/units", &session).await;
    assert!(page.text.contains("139****9000") && !page.text.contains("13900139000"));

    // Refusals: no CSRF token, a role that may not, a unit id that is not one.
    let p = post_form(
        &app,
        "/ui/units",
        &session,
        &[("csrf", "x"), ("name", "三局"), ("kind", "lead_unit")],
    )
    .await;
    assert_eq!(p.status, 400);
    let district = app.web_session("reviewer-longhua").await;
    assert_eq!(get(&app, "/ui/units", &district).await.status, 403);
    let p = post_form(
        &app,
        "/ui/persons",
        &session,
        &[("csrf", &csrf), ("name", "x"), ("unit_id", "nope")],
    )
    .await;
    assert_eq!(p.status, 400);
    assert_eq!(
        app.list_all("/units", &office).await.len(),
        units_before + 1
    );
}

/// The import and the people pages in Chromium, as the office and the admin use them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_and_people_pages_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let office = app.login("office").await;
    let dir = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("registry-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bad_rows = NEW_ROWS.to_vec();
    bad_rows.push(BAD_ROW);
    let mut fixed_rows = NEW_ROWS.to_vec();
    fixed_rows.push(FIXED_ROW);
    let bad = dir.join("registry-bad.csv");
    let fixed = dir.join("registry-fixed.xlsx");
    std::fs::write(&bad, registry_csv(&app, &office, &bad_rows).await).unwrap();
    std::fs::write(
        &fixed,
        xlsx_of(&registry_csv(&app, &office, &fixed_rows).await),
    )
    .unwrap();
    let village = app.village_id("460106001202", &office).await;

    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-registry.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", &shots)
        .env("BAD_FILE", &bad)
        .env("FIXED_FILE", &fixed)
        .env("VILLAGE_ID", &village);
    run_browser_script(cmd).await;
    for shot in [
        "import-form.png",
        "import-bad.png",
        "import-preview.png",
        "import-done.png",
        "people.png",
        "people-user.png",
        "units.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
}
