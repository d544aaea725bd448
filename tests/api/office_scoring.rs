//! The office's scoring pages and review queues over HTTP, on both databases: the forms work
//! through the same store functions as the API (checked through the API), a form without this
//! session's CSRF token is refused, roles that may not get 403, ids out of reach 404, input
//! errors and refusals are shown on the page. And one browser run (`office-scoring.mjs`) that
//! drives them as the office and an evaluator would.

use crate::helpers::{
    Backend, TestApp, artifacts_dir, fixture, project_dir, push_photo, spawn_app,
};
use crate::on_both_backends;
use reqwest::header;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// What the phones and the office put in before the pages are used.
pub struct Seeded {
    pub cycle: String,
    /// Longhua's district government (an assessee).
    pub district: String,
    /// Another district's government.
    pub other: String,
    pub responses: Vec<String>,
    pub visit: String,
    pub conflict: String,
    /// The household of the visit and the conflict.
    pub household: String,
    /// The phone the device sent in the conflict.
    pub device_phone: String,
}

async fn step(app: &TestApp, token: &str, cycle: &str, to: &str) {
    let r = app
        .post(
            &format!("/cycles/{cycle}/transition"),
            Some(token),
            json!({ "to": to }),
        )
        .await;
    assert_eq!(r.status, 200, "to {to}: {}", r.text);
}

fn mutation(entity: &str, op: &str, record: &str, base: Option<i64>, fields: Value) -> Value {
    let mut m = json!({ "mutation_id": uuid::Uuid::now_v7(), "entity": entity, "op": op,
        "record_id": record, "device_time": chrono::Utc::now(), "fields": fields });
    if let Some(b) = base {
        m["base_version"] = json!(b);
    }
    m
}

/// Seeds through the API as the phones and the office would: survey responses for Longhua, an
/// inspector's visit, a conflict on a household's phone; then the cycle moves to evaluation.
pub async fn seed(app: &TestApp) -> Seeded {
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let surveyor = app.login("surveyor1").await;
    let inspector = app.login("inspector1").await;
    let cycle = id(&app.get("/cycles", &office).await.body["items"][0]);
    let surveyor_id = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "surveyor1")
        .map(|u| id(&u))
        .unwrap();
    let sample = app
        .post(&format!("/cycles/{cycle}/samples"), Some(&office), json!({ "name": "龙华区满意度抽样", "size": { "per_stratum": 1 }, "seed": "20261202", "district_code": "460106", "assign_to": surveyor_id, "due_on": "2027-01-05" }))
        .await;
    assert_eq!(sample.status, 201, "{}", sample.text);
    let drawn: Vec<String> = sample.body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_str().unwrap().to_owned())
        .collect();
    let qid = id(&app.get("/questionnaires", &surveyor).await.body["items"][0]);
    let mut responses = Vec::new();
    for h in drawn.iter().take(2) {
        let rid = uuid::Uuid::now_v7().to_string();
        let answers = json!({ "overall": "very", "visited": "yes", "visit_count": 6, "knows_contact": "yes",
            "measures": ["industry", "housing"], "income_change": "up", "guarantees": 5 });
        let r = app
            .post("/responses", Some(&surveyor), json!({ "id": rid, "cycle_id": cycle, "questionnaire_id": qid, "household_id": h, "answers": answers }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        responses.push(rid);
    }
    // An inspector's visit, then the office and the phone change the same phone number.
    let mine = app.list_all("/households", &inspector).await;
    let household = id(&mine[0]);
    let visit = uuid::Uuid::now_v7().to_string();
    let r = app
        .post("/sync/push", Some(&inspector), json!({ "mutations": [
            mutation("visit", "create", &visit, None, json!({ "household_id": household, "started_at": chrono::Utc::now(), "location": { "lat": 20.01, "lon": 110.3, "accuracy_m": 12.5 }, "checklist": { "food": "yes", "clothing": "yes", "education": "na", "medical": "yes", "housing": "no" }, "notes": "屋顶漏雨" })),
        ]}))
        .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let cur = app.get(&format!("/households/{household}"), &office).await;
    let base = cur.body["version"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/households/{household}"),
            &office,
            Some(&cur.etag()),
            json!({ "phone": "13511111111" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let device_phone = "13522222222".to_owned();
    let clash = mutation(
        "household",
        "update",
        &household,
        Some(base),
        json!({ "phone": device_phone }),
    );
    let mid = clash["mutation_id"].clone();
    let r = app
        .post(
            "/sync/push",
            Some(&inspector),
            json!({ "mutations": [clash] }),
        )
        .await;
    assert_eq!(r.body["results"][0]["status"], "conflict", "{}", r.text);
    let conflict = app.get("/sync/conflicts", &office).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mutation_id"] == mid)
        .map(id)
        .expect("conflict recorded");
    step(app, &office, &cycle, "evaluation").await;
    let districts = app
        .list_all("/assessees?kind=district_government", &office)
        .await;
    let district = districts
        .iter()
        .find(|a| a["district_code"] == "460106")
        .map(id)
        .unwrap();
    let other = districts
        .iter()
        .find(|a| a["district_code"] != "460106")
        .map(id)
        .unwrap();
    Seeded {
        cycle,
        district,
        other,
        responses,
        visit,
        conflict,
        household,
        device_phone,
    }
}

/// A browser that does not follow redirects, so the pages' answers are seen as sent.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let r = client()
        .get(format!("{}{path}", app.base))
        .header(header::COOKIE, session)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn form(app: &TestApp, session: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = client()
        .post(format!("{}{path}", app.base))
        .header(header::COOKIE, session)
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = r.text().await.unwrap();
    (status, if status == 303 { location } else { body })
}

/// The CSRF token a page's forms carry.
fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

async fn scores_of(app: &TestApp, token: &str, cycle: &str, assessee: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/cycles/{cycle}/scores?assessee_id={assessee}"),
            token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

async fn new_user(app: &TestApp, admin: &str, body: Value) -> String {
    let r = app.post("/users", Some(admin), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    id(&r.body)
}

async fn scoring_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = seed(&app).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let web = app.web_session("office").await;
    let (cid, did) = (&s.cycle, &s.district);

    // The list: every assessee in scope with its items scored and missing.
    let (status, list) = page(&app, &web, &format!("/ui/scoring/{cid}")).await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("/ui/scoring/{cid}/{did}")), "{list}");
    assert!(list.contains(&format!("/ui/scoring/{cid}/{}", s.other)));
    let sheet = format!("/ui/scoring/{cid}/{did}");
    let (status, html) = page(&app, &web, &sheet).await;
    assert_eq!(status, 200);
    assert!(html.contains("D1.2"), "{html}");
    // The survey's satisfaction is beside the items (two satisfied responses).
    assert!(html.contains("100.0%"), "{html}");
    // The inspector's visit is offered as evidence.
    assert!(
        html.contains(&format!("value=\"visit:{}\"", s.visit)),
        "{html}"
    );
    let token = csrf(&html);

    // Without this session's token: refused, nothing stored.
    let (status, _) = form(
        &app,
        &web,
        &sheet,
        &[
            ("csrf", "forged"),
            ("item", "D1.2"),
            ("score", "8"),
            ("method", "spot_check"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    // Out of range: shown in place with what was typed, status 400, nothing stored.
    let (status, body) = form(
        &app,
        &web,
        &sheet,
        &[
            ("csrf", &token),
            ("item", "D1.2"),
            ("score", "999.5"),
            ("method", "spot_check"),
            ("comment", "核查记录"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("out of range") || body.contains("between 0 and"),
        "{body}"
    );
    assert!(
        body.contains("value=\"999.5\""),
        "the entered score is kept: {body}"
    );
    assert!(body.contains("核查记录"));
    // Not a number: the page says so.
    let (status, body) = form(
        &app,
        &web,
        &sheet,
        &[
            ("csrf", &token),
            ("item", "D1.2"),
            ("score", "八"),
            ("method", "spot_check"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("得分须为数字"), "{body}");
    // A computed item is refused by the store's rule, shown on the page.
    let (status, body) = form(
        &app,
        &web,
        &sheet,
        &[
            ("csrf", &token),
            ("item", "D6.1"),
            ("score", "5"),
            ("method", "spot_check"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("computed"), "{body}");
    assert!(scores_of(&app, &office, cid, did).await.is_empty());

    // A score with its method, comment and evidence: stored as the API stores it.
    let (status, location) = form(
        &app,
        &web,
        &sheet,
        &[
            ("csrf", &token),
            ("item", "D1.2"),
            ("score", "8.5"),
            ("method", "spot_check"),
            ("comment", "抽查10户"),
            ("evidence", &format!("visit:{}", s.visit)),
            (
                "other",
                &format!("response:{}\ndocument:资金台账.xlsx", s.responses[0]),
            ),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert!(location.starts_with(&sheet), "{location}");
    let stored = scores_of(&app, &office, cid, did).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["item_code"], "D1.2");
    assert_eq!(stored[0]["score"], 85);
    assert_eq!(stored[0]["method"], "spot_check");
    assert_eq!(stored[0]["comment"], "抽查10户");
    assert_eq!(
        stored[0]["evidence"],
        json!([{ "kind": "visit", "id": s.visit }, { "kind": "response", "id": s.responses[0] }, { "kind": "document", "id": "资金台账.xlsx" }])
    );
    // The sheet shows it linked, and checks the visit's box again.
    let (_, html) = page(&app, &web, &sheet).await;
    assert!(
        html.contains(&format!("value=\"visit:{}\" checked", s.visit)),
        "{html}"
    );
    // Revised: a new revision, the page shows it.
    let (status, _) = form(
        &app,
        &web,
        &sheet,
        &[
            ("csrf", &token),
            ("item", "D1.2"),
            ("score", "9"),
            ("method", "onsite_inspection"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let stored = scores_of(&app, &office, cid, did).await;
    let current: Vec<_> = stored.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["score"], 90);
    assert_eq!(current[0]["revision"], 2);
    let (_, list) = page(&app, &web, &format!("/ui/scoring/{cid}")).await;
    assert!(list.contains(">1 / "), "one item scored: {list}");

    // The read-only sheet links to the scoring page for whoever may score.
    let (status, read_only) = page(
        &app,
        &web,
        &format!("/ui/cycles/{cid}/sheet?assessee={did}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        read_only.contains(&format!("href=\"{sheet}\"")),
        "{read_only}"
    );

    // Ids that do not exist: 404.
    let nobody = uuid::Uuid::now_v7();
    assert_eq!(
        page(&app, &web, &format!("/ui/scoring/{cid}/{nobody}"))
            .await
            .0,
        404
    );
    assert_eq!(
        page(&app, &web, &format!("/ui/scoring/{nobody}")).await.0,
        404
    );
    assert_eq!(
        page(&app, &web, &format!("/ui/scoring/{cid}/not-an-id"))
            .await
            .0,
        404
    );
    // A district reviewer may read but not score: 403.
    let reviewer = app.web_session("reviewer-longhua").await;
    assert_eq!(
        page(&app, &reviewer, &format!("/ui/scoring/{cid}")).await.0,
        403
    );
    assert_eq!(page(&app, &reviewer, &sheet).await.0, 403);

    // Evaluators: one independent, one working for a unit paired with Longhua's villages.
    let paired_unit = app
        .list_all("/assessees?kind=paired_unit&district=460106", &office)
        .await
        .remove(0)["unit_id"]
        .clone();
    let mk = |name: &str, unit: Value| json!({ "username": name, "display_name": "第三方评估员", "password": "fieldcheck-demo", "role": "evaluator", "unit_id": unit });
    let free = new_user(&app, &admin, mk("eval-free", Value::Null)).await;
    let tied_evaluator = new_user(&app, &admin, mk("eval-tied", paired_unit.clone())).await;
    let commissions = format!("/cycles/{cid}/commissions");
    let commission = |u: &str| {
        app.post(
            &commissions,
            Some(&office),
            json!({ "user_id": u, "assessee_ids": [did] }),
        )
    };
    let r = commission(&free).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A tied evaluator is not even commissioned; an office reviewer working for the paired unit
    // may score in general, and is refused this assessee when scoring.
    commission(&tied_evaluator)
        .await
        .assert_problem(403, "conflict-of-interest");
    let tied = new_user(
        &app,
        &admin,
        json!({ "username": "office-tied", "display_name": "结对单位干部", "password": "fieldcheck-demo", "role": "office_reviewer", "unit_id": paired_unit }),
    )
    .await;
    let ev = app.web_session("eval-free").await;
    // Only the commissioned assessee is listed; another is out of reach (404), and the
    // evaluator sees no review queue (403).
    let (status, list) = page(&app, &ev, &format!("/ui/scoring/{cid}")).await;
    assert_eq!(status, 200);
    assert!(list.contains(&sheet), "{list}");
    assert!(!list.contains(&s.other), "{list}");
    let other_sheet = format!("/ui/scoring/{cid}/{}", s.other);
    assert_eq!(page(&app, &ev, &other_sheet).await.0, 404);
    assert_eq!(page(&app, &ev, "/ui/queues").await.0, 403);
    let (status, html) = page(&app, &ev, &sheet).await;
    assert_eq!(status, 200);
    let ev_token = csrf(&html);
    let (status, _) = form(
        &app,
        &ev,
        &other_sheet,
        &[
            ("csrf", &ev_token),
            ("item", "D1.2"),
            ("score", "7"),
            ("method", "spot_check"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    let (status, location) = form(
        &app,
        &ev,
        &sheet,
        &[
            ("csrf", &ev_token),
            ("item", "D1.2"),
            ("score", "7"),
            ("method", "spot_check"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let stored = scores_of(&app, &office, cid, did).await;
    assert!(
        stored.iter().any(|x| x["evaluator_id"] == free.as_str()
            && x["score"] == 70
            && x["current"] == true)
    );
    // The conflict of interest: refused, said as such on the page, nothing stored.
    let tied_web = app.web_session("office-tied").await;
    let (_, html) = page(&app, &tied_web, &sheet).await;
    let (status, body) = form(
        &app,
        &tied_web,
        &sheet,
        &[
            ("csrf", &csrf(&html)),
            ("item", "D1.2"),
            ("score", "7"),
            ("method", "spot_check"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("利益冲突"), "{body}");
    assert!(body.contains("id=\"refusal\""), "{body}");
    let stored = scores_of(&app, &office, cid, did).await;
    assert!(!stored.iter().any(|x| x["evaluator_id"] == tied.as_str()));
}

async fn queue_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = seed(&app).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let web = app.web_session("office").await;

    let (status, html) = page(&app, &web, "/ui/queues").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"count-responses\">2<"), "{html}");
    assert!(html.contains("id=\"count-visits\">1<"), "{html}");
    assert!(html.contains("id=\"count-conflicts\">1<"), "{html}");
    let (status, list) = page(
        &app,
        &web,
        "/ui/queues/fieldwork?kind=response&district=460106",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        list.contains(&s.responses[0]) && !list.contains(&s.visit),
        "{list}"
    );
    assert!(list.contains("name=\"comment.visit_count\""), "{list}");
    // Filters are checked: a bad kind or district is a 400, not an empty list.
    assert_eq!(
        page(&app, &web, "/ui/queues/fieldwork?kind=photo").await.0,
        400
    );
    assert_eq!(
        page(&app, &web, "/ui/queues/fieldwork?district=46").await.0,
        400
    );
    let (_, other_district) = page(&app, &web, "/ui/queues/fieldwork?district=460108").await;
    assert!(!other_district.contains(&s.responses[0]));
    let token = csrf(&list);

    let rid = &s.responses[0];
    let ret = format!("/ui/queues/response/{rid}/return");
    // Without the token: refused. Without a comment: said on the page, 400. Nothing changed.
    let (status, _) = form(
        &app,
        &web,
        &ret,
        &[("csrf", "x"), ("comment.visit_count", "请核实")],
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = form(
        &app,
        &web,
        &ret,
        &[
            ("csrf", &token),
            ("back", "kind=response"),
            ("comment.visit_count", "  "),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("请至少填写一项修改意见"), "{body}");
    assert_eq!(
        app.get(&format!("/responses/{rid}"), &office).await.body["status"],
        "submitted"
    );
    // Sent back with a comment per question, as the API does it.
    let (status, location) = form(
        &app,
        &web,
        &ret,
        &[
            ("csrf", &token),
            ("back", "kind=response"),
            ("comment.visit_count", "请核实走访次数"),
            ("comment.overall", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/ui/queues/fieldwork?kind=response");
    let r = app.get(&format!("/responses/{rid}"), &office).await;
    assert_eq!(r.body["status"], "returned");
    assert_eq!(
        r.body["review_comments"],
        json!({ "visit_count": "请核实走访次数" })
    );
    let (_, list) = page(&app, &web, "/ui/queues/fieldwork").await;
    assert!(
        !list.contains(rid.as_str()),
        "a returned response leaves the queue"
    );
    // The visit too.
    let (status, _) = form(
        &app,
        &web,
        &format!("/ui/queues/visit/{}/return", s.visit),
        &[("csrf", &token), ("comment.housing", "请补拍房屋照片")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, list) = page(&app, &web, "/ui/queues/fieldwork").await;
    assert!(!list.contains(&s.visit));

    // Out of reach: a reviewer of another district, and ids that do not exist, get 404.
    new_user(&app, &admin, json!({ "username": "reviewer-other", "display_name": "他区复核", "password": "fieldcheck-demo", "role": "district_reviewer", "district_code": "460108" })).await;
    let stranger = app.web_session("reviewer-other").await;
    let (_, html) = page(&app, &stranger, "/ui/queues").await;
    assert!(html.contains("id=\"count-responses\">0<"), "{html}");
    let other_ret = format!("/ui/queues/response/{}/return", s.responses[1]);
    let (status, _) = form(
        &app,
        &stranger,
        &other_ret,
        &[("csrf", &csrf(&html)), ("comment.overall", "?")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.get(&format!("/responses/{}", s.responses[1]), &office)
            .await
            .body["status"],
        "submitted"
    );
    let nobody = uuid::Uuid::now_v7();
    assert_eq!(
        form(
            &app,
            &web,
            &format!("/ui/queues/response/{nobody}/return"),
            &[("csrf", &token), ("comment.a", "b")]
        )
        .await
        .0,
        404
    );
    assert_eq!(
        form(
            &app,
            &web,
            &format!("/ui/queues/photo/{nobody}/return"),
            &[("csrf", &token), ("comment.a", "b")]
        )
        .await
        .0,
        404
    );

    // Conflicts: only for roles that may edit the registry (as the API).
    let reviewer = app.web_session("reviewer-longhua").await;
    assert_eq!(page(&app, &reviewer, "/ui/queues/conflicts").await.0, 403);
    let (status, html) = page(&app, &web, "/ui/queues/conflicts").await;
    assert_eq!(status, 200);
    assert!(html.contains(&s.device_phone), "{html}");
    let resolve = format!("/ui/queues/conflicts/{}/resolve", s.conflict);
    assert_eq!(
        form(&app, &web, &resolve, &[("csrf", "x"), ("take", "device")])
            .await
            .0,
        400
    );
    assert_eq!(
        form(&app, &web, &resolve, &[("csrf", &token), ("take", "both")])
            .await
            .0,
        400
    );
    assert_eq!(
        form(
            &app,
            &reviewer,
            &resolve,
            &[("csrf", &token), ("take", "device")]
        )
        .await
        .0,
        403
    );
    assert_eq!(
        form(
            &app,
            &web,
            &format!("/ui/queues/conflicts/{nobody}/resolve"),
            &[("csrf", &token), ("take", "device")]
        )
        .await
        .0,
        404
    );
    let (status, _) = form(
        &app,
        &web,
        &resolve,
        &[("csrf", &token), ("take", "device")],
    )
    .await;
    assert_eq!(status, 303);
    let all = app.get("/sync/conflicts?unresolved=false", &office).await;
    let c = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == s.conflict.as_str())
        .unwrap()
        .clone();
    assert_eq!(c["resolution"], "device");
    assert_eq!(
        app.get(&format!("/households/{}", s.household), &office)
            .await
            .body["phone"],
        s.device_phone.as_str()
    );
    // Settled once: a second try is shown as a conflict of the workflow.
    let (status, body) = form(
        &app,
        &web,
        &resolve,
        &[("csrf", &token), ("take", "server")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.contains("该冲突已处理"), "{body}");
}

on_both_backends!(scoring_pages, queue_pages);

/// The browser run: the office sends a response back, settles a conflict and scores every item
/// of Longhua's district; an evaluator sees only its assessee and scores an item; a conflicted
/// evaluator is refused on the page. The results are read back through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoring_and_queues_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let s = seed(&app).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    // A phone's photo of the visited household, so the sheet has a thumbnail beside its items.
    let inspector = app.login("inspector1").await;
    let bytes = fixture("autumn-2560x1600.jpg");
    let photo = push_photo(
        &app,
        &inspector,
        &s.household,
        &hex::encode(Sha256::digest(&bytes)),
        None,
    )
    .await;
    let put = app
        .raw(
            reqwest::Method::PUT,
            &format!("/photos/{photo}/content"),
            Some(&inspector),
            |r| r.header("content-type", "image/jpeg").body(bytes.clone()),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text);
    let paired_unit = app
        .list_all("/assessees?kind=paired_unit&district=460106", &office)
        .await
        .remove(0)["unit_id"]
        .clone();
    let mk = |name: &str, unit: Value| json!({ "username": name, "display_name": "第三方评估员", "password": "fieldcheck-demo", "role": "evaluator", "unit_id": unit });
    let free = new_user(&app, &admin, mk("eval-browser", Value::Null)).await;
    let r = app
        .post(
            &format!("/cycles/{}/commissions", s.cycle),
            Some(&office),
            json!({ "user_id": free, "assessee_ids": [s.district] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Working for a unit paired with the district: may score, but not this assessee.
    let tied = new_user(
        &app,
        &admin,
        json!({ "username": "office-paired", "display_name": "结对单位干部", "password": "fieldcheck-demo", "role": "office_reviewer", "unit_id": paired_unit }),
    )
    .await;
    let root = project_dir();
    let shots = artifacts_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("screenshots");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(format!("{root}/tests/browser/office-scoring.mjs"))
        .current_dir(format!("{root}/tests/browser"))
        .env("BASE_URL", &app.base)
        .env("SHOTS", &shots)
        .env("CYCLE", &s.cycle)
        .env("DISTRICT", &s.district)
        .env("OTHER", &s.other)
        .env("RESPONSE", &s.responses[0])
        .env("CONFLICT", &s.conflict);
    crate::helpers::run_browser_script(cmd).await;
    for shot in [
        "scoring-queues.png",
        "scoring-fieldwork.png",
        "scoring-conflicts.png",
        "scoring-list.png",
        "scoring-sheet.png",
        "scoring-evaluator.png",
        "scoring-conflict-of-interest.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot} saved");
    }
    // Checked through the API: the response returned, the conflict settled, every item an
    // evaluator scores has the office's score, the evaluator's one score, none by the tied one.
    let r = app
        .get(&format!("/responses/{}", s.responses[0]), &office)
        .await;
    assert_eq!(r.body["status"], "returned", "{}", r.text);
    assert!(
        r.body["review_comments"]
            .as_object()
            .is_some_and(|c| !c.is_empty())
    );
    let all = app.get("/sync/conflicts?unresolved=false", &office).await;
    assert!(
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == s.conflict.as_str() && c["resolution"] == "server")
    );
    let stored = scores_of(&app, &office, &s.cycle, &s.district).await;
    let office_id = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "office")
        .map(|u| u["id"].clone())
        .unwrap();
    let tpl = app.get("/templates?year=2026", &office).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "district_government")
        .unwrap()
        .clone();
    for item in tpl["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["items"].as_array().unwrap())
    {
        if item["method"] == "computed" {
            continue;
        }
        assert!(
            stored.iter().any(|x| x["item_code"] == item["code"]
                && x["current"] == true
                && x["evaluator_id"] == office_id),
            "item {} scored by the office",
            item["code"]
        );
    }
    assert!(stored.iter().any(|x| x["evaluator_id"] == free.as_str()));
    assert!(!stored.iter().any(|x| x["evaluator_id"] == tied.as_str()));
}
