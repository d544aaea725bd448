//! The office's pages for the cycle's year over HTTP, on both databases: a new cycle, the moves
//! forward and back with what the next step misses, a self-report returned, an evaluator
//! commissioned (and a conflicted one refused), the aggregation, a decision overriding the
//! suggestion, publication and the lock. Every effect is read back through the REST API; every
//! form is also sent without its CSRF token, by a role that may not, and for an id out of reach.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;
use fieldcheck_web::i18n::year::ZH_CN as Y;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(office_runs_the_year_from_its_pages);

struct Form {
    status: StatusCode,
    location: String,
    body: String,
}

async fn send(app: &TestApp, session: &str, path: &str, fields: &[(&str, &str)]) -> Form {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{}{path}", app.base))
        .header(reqwest::header::COOKIE, session)
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Form {
        status,
        location,
        body: r.text().await.unwrap(),
    }
}

async fn status_of(app: &TestApp, session: &str, path: &str) -> StatusCode {
    app.client
        .get(format!("{}{path}", app.base))
        .header(reqwest::header::COOKIE, session)
        .send()
        .await
        .unwrap()
        .status()
}

fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

async fn step_of(app: &TestApp, token: &str, cid: &str) -> Value {
    app.get(&format!("/cycles/{cid}"), token).await.body
}

async fn office_runs_the_year_from_its_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let web = app.web_session("office").await;
    let district_web = app.web_session("reviewer-longhua").await;
    let list = app.web_page("/ui/cycles", &web).await;
    let token = csrf(&list);
    assert!(
        list.contains("id=\"new-cycle\""),
        "the office may open a cycle"
    );

    // A new cycle: the form's input is checked in place, a forged form changes nothing.
    let r = send(
        &app,
        &web,
        "/ui/cycles",
        &[("csrf", "forged"), ("year", "2027")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        &web,
        "/ui/cycles",
        &[("csrf", &token), ("year", "二〇二七")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(Y.year_invalid), "{}", r.body);
    assert!(
        r.body.contains("value=\"二〇二七\""),
        "the typed year is kept"
    );
    let r = send(
        &app,
        &web,
        "/ui/cycles",
        &[("csrf", &token), ("year", "1999")],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the store's range, shown in place"
    );
    assert!(r.body.contains(Y.year_invalid));
    let r = send(
        &app,
        &web,
        "/ui/cycles",
        &[("csrf", &token), ("year", "2026")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "one cycle a year");
    assert!(r.body.contains(Y.year_exists));
    let dtoken = csrf(&app.web_page("/ui/cycles", &district_web).await);
    let r = send(
        &app,
        &district_web,
        "/ui/cycles",
        &[("csrf", &dtoken), ("year", "2027")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/cycles", &office).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = send(
        &app,
        &web,
        "/ui/cycles",
        &[
            ("csrf", &token),
            ("year", "2027"),
            ("pass_threshold", "65.5"),
            ("publication", "2028-02-15"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let created = app.get("/cycles", &office).await.body["items"][0].clone();
    assert_eq!(created["year"], 2027);
    assert_eq!(created["pass_threshold"], 655);
    assert_eq!(created["step_dates"]["publication"], "2028-02-15");
    assert_eq!(r.location, format!("/ui/cycles/{}", id(&created)));

    // The demo's 2026 cycle: the next step's missing self-reports are listed per assessee.
    let cid = app.get("/cycles", &office).await.body["items"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = app.web_page(&format!("/ui/cycles/{cid}"), &web).await;
    assert!(
        page.contains("自查报告未全部提交"),
        "missing self-reports shown"
    );
    assert!(!page.contains("id=\"lock-badge\""));
    assert_eq!(
        status_of(&app, &web, &format!("/ui/cycles/{}", uuid::Uuid::new_v4())).await,
        StatusCode::NOT_FOUND
    );

    // Step 1: a report submitted through the API, returned from the page.
    let assessee = app.login("assessee-longhua").await;
    let sr = app
        .post(&format!("/cycles/{cid}/self-reports"), Some(&assessee), json!({ "category_code": "D1", "summary": "全年脱贫任务全部完成。", "materials": ["doc:总结报告.pdf"] }))
        .await;
    assert_eq!(sr.status, 200, "{}", sr.text);
    let rid = id(&sr.body);
    let reports = app
        .web_page(&format!("/ui/cycles/{cid}/self-reports"), &web)
        .await;
    assert!(
        reports.contains("doc:总结报告.pdf")
            && reports.contains(&format!("/ui/self-reports/{rid}/return"))
    );
    let ret = format!("/ui/self-reports/{rid}/return");
    let r = send(
        &app,
        &web,
        &ret,
        &[("csrf", &token), ("cycle", &cid), ("comment", "  ")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(Y.comment_required), "{}", r.body);
    let r = send(
        &app,
        &web,
        &ret,
        &[
            ("csrf", "forged"),
            ("cycle", &cid),
            ("comment", "请补充台账"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        &district_web,
        &ret,
        &[
            ("csrf", &dtoken),
            ("cycle", &cid),
            ("comment", "请补充台账"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let missing = format!("/ui/self-reports/{}/return", uuid::Uuid::new_v4());
    let r = send(
        &app,
        &web,
        &missing,
        &[("csrf", &token), ("cycle", &cid), ("comment", "请补充台账")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &app,
        &web,
        &ret,
        &[
            ("csrf", &token),
            ("cycle", &cid),
            ("comment", "请补充资金使用台账"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let listed = app
        .get(&format!("/cycles/{cid}/self-reports"), &office)
        .await;
    assert_eq!(listed.body["items"][0]["status"], "returned");
    assert_eq!(
        listed.body["items"][0]["review_comment"],
        "请补充资金使用台账"
    );
    let page = app.web_page(&format!("/ui/cycles/{cid}"), &web).await;
    assert!(
        page.contains("被退回待重交的自查报告 1 份"),
        "the returned report is missing for the next step"
    );

    // Moves: forward; back without a reason refused in place; back with one; forward again.
    let tr = format!("/ui/cycles/{cid}/transition");
    let r = send(&app, &web, &tr, &[("csrf", "forged"), ("to", "evaluation")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        &district_web,
        &tr,
        &[("csrf", &dtoken), ("to", "evaluation")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&app, &web, &tr, &[("csrf", &token), ("to", "nowhere")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(&app, &web, &tr, &[("csrf", &token), ("to", "aggregation")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains(Y.step_skipped));
    assert_eq!(step_of(&app, &office, &cid).await["step"], "self_report");
    let r = send(&app, &web, &tr, &[("csrf", &token), ("to", "evaluation")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(step_of(&app, &office, &cid).await["step"], "evaluation");
    let r = send(
        &app,
        &web,
        &tr,
        &[("csrf", &token), ("to", "self_report"), ("reason", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(Y.reason_needed), "{}", r.body);
    assert_eq!(step_of(&app, &office, &cid).await["step"], "evaluation");
    let r = send(
        &app,
        &web,
        &tr,
        &[
            ("csrf", &token),
            ("to", "self_report"),
            ("reason", "龙华区材料不全"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(step_of(&app, &office, &cid).await["step"], "self_report");
    send(&app, &web, &tr, &[("csrf", &token), ("to", "evaluation")]).await;
    let page = app.web_page(&format!("/ui/cycles/{cid}"), &web).await;
    assert_eq!(
        page.matches("龙华区材料不全").count(),
        2,
        "the reason in the timeline and the moves"
    );
    assert!(
        page.contains("尚有评分项目未评分"),
        "missing scores shown before aggregation"
    );

    // Commissions: a conflicted evaluator is refused on the form; an independent one is added.
    let paired_unit = app
        .list_all("/assessees?kind=paired_unit&district=460106", &office)
        .await
        .remove(0)["unit_id"]
        .clone();
    let did = id(&app
        .list_all(
            "/assessees?kind=district_government&district=460106",
            &office,
        )
        .await
        .remove(0));
    let mk = |name: &str, unit: Value| json!({ "username": name, "display_name": name, "password": "fieldcheck-demo", "role": "evaluator", "unit_id": unit });
    let conflicted = id(&app
        .post("/users", Some(&admin), mk("eval-paired", paired_unit))
        .await
        .body);
    let independent = id(&app
        .post("/users", Some(&admin), mk("eval-free", Value::Null))
        .await
        .body);
    let com = format!("/ui/cycles/{cid}/commissions");
    assert!(app.web_page(&com, &web).await.contains("eval-paired"));
    assert_eq!(
        status_of(&app, &district_web, &com).await,
        StatusCode::FORBIDDEN
    );
    let r = send(
        &app,
        &web,
        &com,
        &[
            ("csrf", &token),
            ("user_id", &conflicted),
            ("assessee_ids", &did),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(Y.conflict_of_interest), "{}", r.body);
    let r = send(
        &app,
        &web,
        &com,
        &[("csrf", &token), ("user_id", &independent)],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(Y.choose_assessees));
    let r = send(
        &app,
        &web,
        &com,
        &[
            ("csrf", "forged"),
            ("user_id", &independent),
            ("assessee_ids", &did),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        &web,
        &com,
        &[
            ("csrf", &token),
            ("user_id", &independent),
            ("assessee_ids", &did),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The API holds it: the commissioned evaluator may score, the refused one may not.
    let score =
        json!({ "assessee_id": did, "item_code": "D1.2", "score": 90, "method": "spot_check" });
    let e_free = app.login("eval-free").await;
    let e_paired = app.login("eval-paired").await;
    assert_eq!(
        app.post(
            &format!("/cycles/{cid}/scores"),
            Some(&e_free),
            score.clone()
        )
        .await
        .status,
        201
    );
    app.post(&format!("/cycles/{cid}/scores"), Some(&e_paired), score)
        .await
        .assert_problem(403, "not-commissioned");

    // Aggregation from the results page, then decisions in review.
    send(&app, &web, &tr, &[("csrf", &token), ("to", "aggregation")]).await;
    let res = format!("/ui/cycles/{cid}/results");
    let agg = format!("/ui/cycles/{cid}/aggregate");
    assert!(app.web_page(&res, &web).await.contains(&agg));
    let r = send(&app, &district_web, &agg, &[("csrf", &dtoken)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&app, &web, &agg, &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        app.get(&format!("/cycles/{cid}/results"), &office)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = send(&app, &web, &agg, &[("csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let results = app
        .get(&format!("/cycles/{cid}/results"), &office)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!results.is_empty());
    let mine = results
        .iter()
        .find(|r| r["assessee_id"] == did.as_str())
        .unwrap();
    let suggested = mine["suggested"].as_str().unwrap();
    let other = if suggested == "pass" { "fail" } else { "pass" };
    send(&app, &web, &tr, &[("csrf", &token), ("to", "review")]).await;
    let dec = format!("/ui/cycles/{cid}/decisions");
    let r = send(
        &app,
        &web,
        &dec,
        &[
            ("csrf", &token),
            ("assessee_id", &did),
            ("grade", other),
            ("reason", " "),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(Y.override_needs_reason), "{}", r.body);
    let r = send(
        &app,
        &web,
        &dec,
        &[
            ("csrf", &token),
            ("assessee_id", &did),
            ("grade", "excellent"),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        &web,
        &dec,
        &[
            ("csrf", &token),
            ("assessee_id", &uuid::Uuid::new_v4().to_string()),
            ("grade", other),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &app,
        &district_web,
        &dec,
        &[
            ("csrf", &dtoken),
            ("assessee_id", &did),
            ("grade", other),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &app,
        &web,
        &dec,
        &[
            ("csrf", &token),
            ("assessee_id", &did),
            ("grade", other),
            ("reason", "领导小组综合评议"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = app
        .get(&format!("/cycles/{cid}/results"), &office)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["assessee_id"] == did.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["decided"], other);
    assert_eq!(mine["reason"], "领导小组综合评议");

    // Publication from the results page locks the cycle; the badge shows on every page.
    let r = send(
        &app,
        &web,
        &tr,
        &[("csrf", &token), ("to", "publication"), ("back", "results")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, res);
    let c = step_of(&app, &office, &cid).await;
    assert_eq!(c["step"], "publication");
    assert!(c["locked_at"].is_string());
    for page in [
        format!("/ui/cycles/{cid}"),
        res.clone(),
        format!("/ui/cycles/{cid}/sheet?assessee={did}"),
        "/ui/cycles".into(),
    ] {
        assert!(
            app.web_page(&page, &web).await.contains(Y.locked),
            "lock shown on {page}"
        );
    }
    let r = send(
        &app,
        &web,
        &dec,
        &[
            ("csrf", &token),
            ("assessee_id", &did),
            ("grade", suggested),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a locked cycle refuses, shown as such"
    );
    assert!(r.body.contains(Y.locked_help));
}

/// Approval without results is refused by the store (the domain's rule), through the API too.
async fn approval_needs_results(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let cid = app.get("/cycles", &office).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for to in ["evaluation", "aggregation", "review"] {
        let r = app
            .post(
                &format!("/cycles/{cid}/transition"),
                Some(&office),
                json!({ "to": to }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    app.post(
        &format!("/cycles/{cid}/transition"),
        Some(&office),
        json!({ "to": "publication" }),
    )
    .await
    .assert_problem(409, "not-aggregated");
    let web = app.web_session("office").await;
    let page = app.web_page(&format!("/ui/cycles/{cid}"), &web).await;
    assert!(
        page.contains(Y.not_aggregated) && page.contains(Y.blocks),
        "shown as blocking before the move"
    );
}

on_both_backends!(approval_needs_results);

/// The same year walked in Chromium (`tests/browser/office-year.mjs`), screenshots of every page
/// in the test output folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_year_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let cid = app.get("/cycles", &office).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post("/users", Some(&admin), json!({ "username": "eval-browser", "display_name": "第三方评估员甲", "password": "fieldcheck-demo", "role": "evaluator", "unit_id": null }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let assessee = app.login("assessee-longhua").await;
    let r = app
        .post(&format!("/cycles/{cid}/self-reports"), Some(&assessee), json!({ "category_code": "D1", "summary": "全年脱贫任务全部完成。", "materials": ["doc:总结报告.pdf"] }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let root = crate::helpers::project_dir();
    let shots = crate::helpers::artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-year.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", &shots)
        .env("EVALUATOR", "第三方评估员甲");
    crate::helpers::run_browser_script(cmd).await;
    for shot in [
        "year-cycle-back.png",
        "year-results-decided.png",
        "year-results-locked.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
}
