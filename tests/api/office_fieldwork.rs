//! The office's fieldwork pages (`/ui/fieldwork`): drawing a sample, assigning its households in
//! bulk, reassigning, progress; every effect read back through the REST API, on both databases.
//! And the same as an office user would do it, in Chromium (`tests/browser/office-fieldwork.mjs`).

use crate::helpers::{Backend, TestApp, artifacts_dir, project_dir, spawn_app};
use crate::on_both_backends;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(fieldwork_pages_draw_assign_reassign);

/// A signed-in browser, without following redirects.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    session: String,
}

struct Page {
    status: StatusCode,
    location: String,
    html: String,
}

impl<'a> Browser<'a> {
    async fn new(app: &'a TestApp, username: &str) -> Browser<'a> {
        Browser {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            session: app.web_session(username).await,
        }
    }

    async fn page(r: reqwest::Response) -> Page {
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
        let r = self
            .client
            .get(format!("{}{path}", self.app.base))
            .header(header::COOKIE, &self.session)
            .send()
            .await
            .unwrap();
        Self::page(r).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .client
            .post(format!("{}{path}", self.app.base))
            .header(header::COOKIE, &self.session)
            .form(form)
            .send()
            .await
            .unwrap();
        Self::page(r).await
    }
}

/// The messages a form shows above itself, for failure messages.
fn errors(html: &str) -> &str {
    html.split("id=\"form-errors\"")
        .nth(1)
        .and_then(|e| e.split("</div>").next())
        .unwrap_or("(no form errors)")
}

/// The CSRF token of the first form on the page.
fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn user_id(app: &TestApp, admin: &str, username: &str) -> String {
    app.list_all("/users?limit=100", admin)
        .await
        .iter()
        .find(|u| u["username"] == username)
        .map(id)
        .unwrap()
}

/// The households `username` sees in `GET /assignments` of the cycle (all household targets).
async fn assigned_to(app: &TestApp, username: &str, cid: &str) -> BTreeSet<String> {
    let token = app.login(username).await;
    let r = app
        .get(&format!("/assignments?cycle_id={cid}"), &token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["target_kind"], "household", "{a}");
            a["target_id"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn audited(app: &TestApp, admin: &str, action: &str) -> usize {
    let r = app.get("/audit?limit=500", admin).await;
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .count()
}

/// One number cell of the progress table's row for `code` (a user name or a village code).
fn progress_cell(html: &str, code: &str, class: &str) -> i64 {
    let row = html
        .split(&format!("data-code=\"{code}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("a progress row for {code}"));
    let cell = row.split(&format!("class=\"num {class}")).nth(1).unwrap();
    let text = cell.split('>').nth(1).unwrap().split('<').next().unwrap();
    text.trim().parse().unwrap()
}

async fn fieldwork_pages_draw_assign_reassign(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let cid = id(&app.get("/cycles", &office).await.body["items"][0]);
    let inspector1 = user_id(&app, &admin, "inspector1").await;
    let inspector2 = user_id(&app, &admin, "inspector2").await;
    let surveyor1 = user_id(&app, &admin, "surveyor1").await;
    let web = Browser::new(&app, "office").await;

    // The entry page lists the cycle; the draw page shows the sizes per village before drawing.
    let index = web.get("/ui/fieldwork").await;
    assert_eq!(index.status, 200);
    assert!(index.html.contains(&format!("/ui/fieldwork/cycles/{cid}")));
    let form = web
        .get(&format!(
            "/ui/fieldwork/cycles/{cid}/samples/new?name=x&district=460106&rule=per_stratum&size=2&seed=20261125"
        ))
        .await;
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.html.contains("id=\"strata\""), "{}", form.html);
    let token = csrf(&form.html);
    let draw = |name: &'static str, size: &'static str, token: String| {
        let web = &web;
        let cid = cid.clone();
        async move {
            web.post(
                &format!("/ui/fieldwork/cycles/{cid}/samples"),
                &[
                    ("csrf", token.as_str()),
                    ("name", name),
                    ("district", "460106"),
                    ("rule", "per_stratum"),
                    ("size", size),
                    ("seed", "20261125"),
                ],
            )
            .await
        }
    };

    // Without the session's CSRF token: refused, nothing drawn.
    let forged = draw("龙华区核查抽样", "2", "0".repeat(32)).await;
    assert_eq!(forged.status, 400);
    assert_eq!(audited(&app, &admin, "sample.draw").await, 0);
    // The store's validation, shown in place with what was typed.
    let bad = draw("龙华区核查抽样", "0", token.clone()).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.html.contains("id=\"form-errors\""),
        "{}",
        errors(&bad.html)
    );
    assert!(
        bad.html.contains("size: at least 1"),
        "{}",
        errors(&bad.html)
    );
    assert!(
        bad.html.contains("value=\"龙华区核查抽样\""),
        "{}",
        errors(&bad.html)
    );
    let bad = draw("龙华区核查抽样", "two", token.clone()).await;
    assert_eq!(bad.status, 400);
    assert_eq!(audited(&app, &admin, "sample.draw").await, 0);

    // The draw: the same households as the API draws with the same seed.
    let drawn = draw("龙华区核查抽样", "2", token.clone()).await;
    assert_eq!(drawn.status, 303, "{}", errors(&drawn.html));
    let sid = drawn
        .location
        .strip_prefix("/ui/fieldwork/samples/")
        .expect("to the sample's page")
        .to_owned();
    let sample = app.get(&format!("/samples/{sid}"), &office).await;
    assert_eq!(sample.body["seed"], "20261125");
    let by_api = app
        .post(&format!("/cycles/{cid}/samples"), Some(&office), json!({ "name": "API", "size": { "per_stratum": 2 }, "seed": "20261125", "district_code": "460106" }))
        .await;
    assert_eq!(by_api.body["households"], sample.body["households"]);
    let households: Vec<(String, String)> = sample.body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["stratum"].as_str().unwrap().to_owned(),
                h["household_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(households.len() >= 4);
    let first_village = households[0].0.clone();
    let village_a: BTreeSet<String> = households
        .iter()
        .filter(|h| h.0 == first_village)
        .map(|h| h.1.clone())
        .collect();
    let rest: Vec<String> = households
        .iter()
        .filter(|h| h.0 != first_village)
        .map(|h| h.1.clone())
        .collect();

    // The sample's page: seed, verify link, the map with every household of the sample.
    let page = web.get(&format!("/ui/fieldwork/samples/{sid}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("20261125"));
    assert!(
        page.html
            .contains(&format!("/ui/fieldwork/samples/{sid}/verify"))
    );
    assert!(page.html.contains("id=\"sample-map\""));
    assert_eq!(
        page.html.matches("<circle class=\"sample v").count(),
        households.len()
    );
    let verify = web
        .get(&format!("/ui/fieldwork/samples/{sid}/verify"))
        .await;
    assert_eq!(verify.status, 200);
    assert!(
        verify.html.contains("data-matches=\"true\""),
        "{}",
        verify.html
    );

    // Assigning: one village's sampled households to inspector1, the rest to the survey team.
    let assign = format!("/ui/fieldwork/samples/{sid}/assign");
    let forged = web
        .post(
            &assign,
            &[
                ("csrf", "nope"),
                ("stratum", first_village.as_str()),
                ("user", inspector1.as_str()),
                ("method", "on_site_verification"),
                ("due_on", "2027-01-05"),
            ],
        )
        .await;
    assert_eq!(forged.status, 400);
    let nothing = web
        .post(
            &assign,
            &[
                ("csrf", token.as_str()),
                ("user", inspector1.as_str()),
                ("method", "on_site_verification"),
                ("due_on", "someday"),
            ],
        )
        .await;
    assert_eq!(nothing.status, 400);
    assert!(nothing.html.contains("id=\"form-errors\""));
    // A user the store refuses (the office is no field user): its message, in place.
    let office_id = user_id(&app, &admin, "office").await;
    let refused = web
        .post(
            &assign,
            &[
                ("csrf", token.as_str()),
                ("stratum", first_village.as_str()),
                ("user", office_id.as_str()),
                ("method", "on_site_verification"),
                ("due_on", "2027-01-05"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .html
            .contains("assignments go to inspectors, surveyors or evaluators"),
        "{}",
        refused.html
    );
    assert_eq!(audited(&app, &admin, "assignment.create").await, 0);

    let ok = web
        .post(
            &assign,
            &[
                ("csrf", token.as_str()),
                ("stratum", first_village.as_str()),
                ("user", inspector1.as_str()),
                ("method", "on_site_verification"),
                ("due_on", "2027-01-05"),
                ("note", "重点核查住房安全"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", errors(&ok.html));
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf", token.as_str()),
        ("user", surveyor1.as_str()),
        ("method", "sample_survey"),
        ("due_on", "2000-01-01"),
        ("note", "满意度调查"),
    ];
    for h in &rest {
        form.push(("household", h.as_str()));
    }
    assert_eq!(web.post(&assign, &form).await.status, 303);
    assert_eq!(assigned_to(&app, "inspector1", &cid).await, village_a);
    assert_eq!(
        assigned_to(&app, "surveyor1", &cid).await,
        rest.iter().cloned().collect()
    );
    assert_eq!(
        audited(&app, &admin, "assignment.create").await,
        households.len()
    );

    // Reassigning two of the survey team's to inspector2, from the assignments page.
    let list = web
        .get(&format!(
            "/ui/fieldwork/cycles/{cid}/assignments?user={surveyor1}"
        ))
        .await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("id=\"reassign-form\""));
    let surveyor_token = app.login("surveyor1").await;
    let theirs = app
        .get(&format!("/assignments?cycle_id={cid}"), &surveyor_token)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    let moved: Vec<(String, String)> = theirs[..2]
        .iter()
        .map(|a| (id(a), a["target_id"].as_str().unwrap().to_owned()))
        .collect();
    let reassign = format!("/ui/fieldwork/cycles/{cid}/reassign");
    let base: Vec<(&str, &str)> = vec![
        ("from_user", surveyor1.as_str()),
        ("to_user", inspector2.as_str()),
        ("assignment", moved[0].0.as_str()),
        ("assignment", moved[1].0.as_str()),
    ];
    let mut forged = base.clone();
    forged.push(("csrf", "nope"));
    assert_eq!(web.post(&reassign, &forged).await.status, 400);
    let none = web
        .post(
            &reassign,
            &[
                ("csrf", token.as_str()),
                ("from_user", surveyor1.as_str()),
                ("to_user", inspector2.as_str()),
            ],
        )
        .await;
    assert_eq!(none.status, 400);
    assert!(none.html.contains("id=\"form-errors\""));
    assert_eq!(audited(&app, &admin, "assignment.reassign").await, 0);
    let mut good = base.clone();
    good.push(("csrf", token.as_str()));
    let r = web.post(&reassign, &good).await;
    assert_eq!(r.status, 303, "{}", errors(&r.html));
    let to_inspector2: BTreeSet<String> = moved.iter().map(|m| m.1.clone()).collect();
    assert_eq!(assigned_to(&app, "inspector2", &cid).await, to_inspector2);
    let left: BTreeSet<String> = rest
        .iter()
        .filter(|h| !to_inspector2.contains(*h))
        .cloned()
        .collect();
    assert_eq!(assigned_to(&app, "surveyor1", &cid).await, left);
    assert_eq!(audited(&app, &admin, "assignment.reassign").await, 2);

    // The same operation in the API: one back to the survey team; field users may not.
    let back = app
        .post(
            "/assignments/reassign",
            Some(&office),
            json!({ "cycle_id": cid, "from_user": inspector2, "to_user": surveyor1, "assignment_ids": [moved[0].0] }),
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(back.body["items"][0]["version"], 3);
    let r = app
        .post(
            "/assignments/reassign",
            Some(&surveyor_token),
            json!({ "cycle_id": cid, "from_user": inspector2, "to_user": surveyor1 }),
        )
        .await;
    r.assert_problem(403, "forbidden");
    let r = app
        .post(
            "/assignments/reassign",
            Some(&office),
            json!({ "cycle_id": cid, "from_user": inspector2, "to_user": surveyor1, "assignment_ids": [uuid::Uuid::new_v4()] }),
        )
        .await;
    r.assert_problem(422, "validation-failed");
    assert_eq!(
        assigned_to(&app, "inspector2", &cid).await,
        BTreeSet::from([moved[1].1.clone()])
    );

    // Progress: per user and per village; the survey team's are overdue (due in 2000).
    let progress = web
        .get(&format!("/ui/fieldwork/cycles/{cid}/progress"))
        .await;
    assert_eq!(progress.status, 200);
    assert_eq!(
        progress_cell(&progress.html, "inspector1", "assigned"),
        village_a.len() as i64
    );
    assert_eq!(progress_cell(&progress.html, "inspector1", "overdue"), 0);
    assert_eq!(
        progress_cell(&progress.html, "surveyor1", "overdue"),
        left.len() as i64 + 1
    );
    assert_eq!(
        progress_cell(&progress.html, &first_village, "assigned"),
        village_a.len() as i64
    );
    assert!(progress.html.contains("/ui/gallery?village="));

    // Out of scope or made up: 404, as the API answers.
    let nobody = uuid::Uuid::new_v4();
    for path in [
        format!("/ui/fieldwork/samples/{nobody}"),
        format!("/ui/fieldwork/samples/{nobody}/verify"),
        format!("/ui/fieldwork/cycles/{nobody}"),
        format!("/ui/fieldwork/cycles/{nobody}/progress"),
        format!("/ui/fieldwork/cycles/{nobody}/samples/new"),
        "/ui/fieldwork/samples/not-an-id".to_owned(),
    ] {
        assert_eq!(web.get(&path).await.status, 404, "{path}");
    }
    let r = web
        .post(&format!("/ui/fieldwork/cycles/{nobody}/reassign"), &good)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        web.post(&format!("/ui/fieldwork/samples/{nobody}/assign"), &form)
            .await
            .status,
        404
    );

    // A district reviewer signs in to the pages but may not run fieldwork.
    let district = Browser::new(&app, "reviewer-longhua").await;
    assert_eq!(district.get("/ui/fieldwork").await.status, 403);
    assert_eq!(
        district
            .get(&format!("/ui/fieldwork/samples/{sid}"))
            .await
            .status,
        403
    );
    let own = district.get("/ui/cycles").await;
    assert_eq!(own.status, 200);
    let theirs = csrf(&own.html);
    let r = district
        .post(
            &format!("/ui/fieldwork/cycles/{cid}/samples"),
            &[
                ("csrf", theirs.as_str()),
                ("name", "x"),
                ("rule", "per_stratum"),
                ("size", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(audited(&app, &admin, "sample.draw").await, 2);

    // An approved (locked) cycle: the forms say the workflow refuses, and nothing is written.
    use fieldcheck_store::entities::cycles;
    use fieldcheck_store::sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let db = &app.state.store.db;
    let row = cycles::Entity::find_by_id(uuid::Uuid::parse_str(&cid).unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut locked: cycles::ActiveModel = row.into();
    locked.locked_at = Set(Some(chrono::Utc::now()));
    locked.update(db).await.unwrap();
    let conflict = draw("锁定后", "2", token.clone()).await;
    assert_eq!(conflict.status, 409);
    assert!(
        errors(&conflict.html).contains("操作被拒绝"),
        "{}",
        errors(&conflict.html)
    );
    let conflict = web.post(&assign, &form).await;
    assert_eq!(conflict.status, 409, "{}", errors(&conflict.html));
    let mut back: Vec<(&str, &str)> = vec![
        ("csrf", token.as_str()),
        ("from_user", inspector2.as_str()),
        ("to_user", inspector1.as_str()),
    ];
    back.push(("assignment", moved[1].0.as_str()));
    assert_eq!(web.post(&reassign, &back).await.status, 409);
    assert_eq!(audited(&app, &admin, "sample.draw").await, 2);
    assert_eq!(
        assigned_to(&app, "inspector2", &cid).await,
        BTreeSet::from([moved[1].1.clone()])
    );
}

/// The office user's whole round in Chromium; the result read back through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fieldwork_pages_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-fieldwork.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", app.base.as_str())
        .env("SHOTS", &shots);
    let out = crate::helpers::run_browser_script(cmd).await;
    for shot in [
        "fieldwork.png",
        "fieldwork-draw.png",
        "fieldwork-sample.png",
        "fieldwork-verify.png",
        "fieldwork-assignments.png",
        "fieldwork-progress.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
    assert!(out.contains("inspector2 sees"), "{out}");
}
