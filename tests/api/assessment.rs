//! A whole assessment cycle through the HTTP API on the demo data, from self-reports to
//! publication, with the lock after approval checked in the database itself, and the exports read
//! back. Bad input on the way gets its problem and changes nothing.

use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;
use serde_json::{Value, json};

on_both_backends!(whole_cycle_from_self_report_to_publication);

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

async fn step(app: &TestApp, token: &str, cycle: &str, to: &str) -> Value {
    let r = app
        .post(
            &format!("/cycles/{cycle}/transition"),
            Some(token),
            json!({ "to": to }),
        )
        .await;
    assert_eq!(r.status, 200, "to {to}: {}", r.text);
    assert_eq!(r.body["step"], to);
    r.body
}

fn satisfied_answers() -> Value {
    json!({ "overall": "very", "visited": "yes", "visit_count": 6, "knows_contact": "yes",
            "measures": ["industry", "housing"], "income_change": "up", "guarantees": 5 })
}

async fn bytes(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = r.bytes().await.unwrap().to_vec();
    crate::schema_check::check("GET", path, status, &headers, Some(&body));
    (status, ct, body)
}

/// Satisfaction counts over fewer answers than this are withheld from assessees here: more than
/// the sample holds, so the assessee's line is withheld and the office's is not.
const MIN_COUNT: u64 = 1000;

async fn whole_cycle_from_self_report_to_publication(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.pii.min_count = MIN_COUNT).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;

    // The demo opened 2026 at step 1 with the method's four score sheets.
    let cycles = app.get("/cycles", &office).await;
    let cycle = cycles.body["items"][0].clone();
    assert_eq!(cycle["year"], 2026);
    assert_eq!(cycle["step"], "self_report");
    let cid = id(&cycle);
    let tpls = app.get("/templates?year=2026", &office).await;
    assert_eq!(tpls.body["items"].as_array().unwrap().len(), 4);

    // A template whose maxima do not add up to 100 is refused, and nothing is stored.
    let mut broken = tpls.body["items"][0].clone();
    for k in ["id", "revision", "created_at"] {
        broken.as_object_mut().unwrap().remove(k);
    }
    broken["categories"][0]["items"][0]["max_tenths"] = json!(1);
    let r = app.post("/templates", Some(&office), broken).await;
    r.assert_problem(422, "validation-failed");
    assert!(r.text.contains("maxima-do-not-sum-to-100"), "{}", r.text);
    let again = app.get("/templates?year=2026", &office).await;
    assert_eq!(again.body["items"].as_array().unwrap().len(), 4);

    // Steps cannot be skipped.
    let r = app
        .post(
            &format!("/cycles/{cid}/transition"),
            Some(&office),
            json!({ "to": "aggregation" }),
        )
        .await;
    r.assert_problem(409, "step-skipped");
    assert_eq!(
        app.get(&format!("/cycles/{cid}"), &office).await.body["step"],
        "self_report"
    );

    // Step 1: the district submits a self-report; the office returns it; it is resubmitted.
    let assessee = app.login("assessee-longhua").await;
    let path = format!("/cycles/{cid}/self-reports");
    let r = app
        .post(
            &path,
            Some(&assessee),
            json!({ "category_code": "X9", "summary": "无" }),
        )
        .await;
    r.assert_problem(422, "validation-failed");
    let sr = app
        .post(&path, Some(&assessee), json!({ "category_code": "D1", "summary": "2026年龙华区脱贫攻坚工作总结：全年脱贫任务全部完成。", "materials": ["doc:总结报告.pdf"] }))
        .await;
    assert_eq!(sr.status, 200, "{}", sr.text);
    let back = app
        .post(
            &format!("/self-reports/{}/return", id(&sr.body)),
            Some(&office),
            json!({ "comment": "请补充资金使用台账" }),
        )
        .await;
    assert_eq!(back.body["status"], "returned");
    let sr2 = app
        .post(&path, Some(&assessee), json!({ "category_code": "D1", "summary": "已补充资金使用台账。", "materials": ["doc:总结报告.pdf", "doc:资金台账.xlsx"] }))
        .await;
    assert_eq!(sr2.body["status"], "submitted");
    assert_eq!(sr2.body["version"], 3);
    let mine = app.get(&path, &assessee).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);

    // Field work: a reproducible sample of Longhua, handed to the survey team.
    let surveyor_id = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "surveyor1")
        .map(|u| id(&u))
        .unwrap();
    let sample = app
        .post(&format!("/cycles/{cid}/samples"), Some(&office), json!({ "name": "龙华区满意度抽样", "size": { "per_stratum": 2 }, "seed": "20261125", "district_code": "460106", "assign_to": surveyor_id, "due_on": "2027-01-05" }))
        .await;
    assert_eq!(sample.status, 201, "{}", sample.text);
    let drawn: Vec<String> = sample.body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(drawn.len() >= 4, "{}", sample.text);
    let unique: std::collections::BTreeSet<_> = drawn.iter().collect();
    assert_eq!(unique.len(), drawn.len(), "a household drawn twice");
    let check = app
        .get(&format!("/samples/{}/verify", id(&sample.body)), &office)
        .await;
    assert_eq!(check.body["matches"], true, "{}", check.text);
    let same_seed = app
        .post(&format!("/cycles/{cid}/samples"), Some(&office), json!({ "name": "复核", "size": { "per_stratum": 2 }, "seed": "20261125", "district_code": "460106" }))
        .await;
    assert_eq!(same_seed.body["households"], sample.body["households"]);
    let assigned = app
        .get(
            &format!("/assignments?cycle_id={cid}"),
            &app.login("surveyor1").await,
        )
        .await;
    assert_eq!(
        assigned.body["items"].as_array().unwrap().len(),
        drawn.len()
    );

    // Surveys: validated per question; a retry stores nothing new.
    let surveyor = app.login("surveyor1").await;
    let q = app.get("/questionnaires", &surveyor).await.body["items"][0].clone();
    let qid = id(&q);
    let bad = app
        .post("/responses", Some(&surveyor), json!({ "id": uuid::Uuid::now_v7(), "cycle_id": cid, "questionnaire_id": qid, "household_id": drawn[0], "answers": { "overall": "no", "guarantees": 9, "colour": "blue" } }))
        .await;
    bad.assert_problem(422, "validation-failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "answers.visited",
        "answers.guarantees",
        "answers.reasons",
        "answers.colour",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    let mut response_ids = Vec::new();
    for (i, h) in drawn.iter().enumerate() {
        let mut answers = satisfied_answers();
        if i % 4 == 3 {
            answers["overall"] = json!("no");
            answers["reasons"] = json!("产业项目收益未按时分红");
        }
        let rid = uuid::Uuid::now_v7().to_string();
        let body = json!({ "id": rid, "cycle_id": cid, "questionnaire_id": qid, "household_id": h, "answers": answers });
        let r = app.post("/responses", Some(&surveyor), body.clone()).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["satisfied"], i % 4 != 3);
        assert!(!r.body["assessee_ids"].as_array().unwrap().is_empty());
        let retry = app.post("/responses", Some(&surveyor), body).await;
        assert_eq!(retry.status, 200);
        assert_eq!(retry.body["version"], 1);
        response_ids.push(rid);
    }
    let all = app
        .get(&format!("/responses?cycle_id={cid}"), &office)
        .await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), drawn.len());

    // Sent back for correction, corrected, history kept.
    let rid = &response_ids[0];
    let r = app
        .post(
            &format!("/responses/{rid}/return"),
            Some(&office),
            json!({ "comments": { "visit_count": "请核实走访次数" } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut corrected = satisfied_answers();
    corrected["visit_count"] = json!(4);
    let r = app
        .post("/responses", Some(&surveyor), json!({ "id": rid, "cycle_id": cid, "questionnaire_id": qid, "household_id": drawn[0], "answers": corrected }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["answers"]["visit_count"], 4);
    let versions = app
        .get(&format!("/responses/{rid}/versions"), &office)
        .await;
    assert_eq!(versions.body["items"][0]["record"]["status"], "returned");
    // A different body under a used id is refused.
    let r = app
        .post("/responses", Some(&surveyor), json!({ "id": response_ids[1], "cycle_id": cid, "questionnaire_id": qid, "household_id": drawn[1], "answers": corrected }))
        .await;
    r.assert_problem(409, "already-submitted");

    // Households answer frankly: the assessee sees its aggregate, never the responses.
    app.get("/responses", &assessee)
        .await
        .assert_problem(403, "forbidden");
    let agg = app
        .get(&format!("/cycles/{cid}/satisfaction"), &assessee)
        .await;
    let lines = agg.body["items"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{}", agg.text);
    assert_eq!(lines[0]["responses"], drawn.len());
    // Fewer answers than the threshold: no counts that could tell one household's answer.
    assert!(drawn.len() < MIN_COUNT as usize);
    assert_eq!(lines[0]["suppressed"], true, "{}", agg.text);
    for withheld in ["satisfied", "rated", "rate"] {
        assert!(lines[0][withheld].is_null(), "{withheld}: {}", agg.text);
    }
    // The office, which may read the responses themselves, sees the counts.
    let exact = app
        .get(&format!("/cycles/{cid}/satisfaction"), &office)
        .await;
    let mine = exact.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["assessee_id"] == lines[0]["assessee_id"])
        .unwrap();
    assert_eq!(mine["suppressed"], false);
    assert_eq!(mine["rated"], drawn.len());
    // An unknown cycle is not an empty list.
    app.get(
        &format!("/cycles/{}/satisfaction", uuid::Uuid::now_v7()),
        &office,
    )
    .await
    .assert_problem(404, "not-found");

    // Step 2: scoring.
    step(&app, &office, &cid, "evaluation").await;
    app.post(
        &path,
        Some(&assessee),
        json!({ "category_code": "D1", "summary": "迟交" }),
    )
    .await
    .assert_problem(409, "wrong-step");
    let district = app
        .list_all(
            "/assessees?kind=district_government&district=460106",
            &office,
        )
        .await
        .remove(0);
    let did = id(&district);
    let scores = format!("/cycles/{cid}/scores");
    let r = app
        .post(&scores, Some(&office), json!({ "assessee_id": did, "item_code": "D1.2", "score": 101, "method": "onsite_inspection" }))
        .await;
    r.assert_problem(422, "validation-failed");
    assert_eq!(r.body["errors"][0]["code"], "out-of-range");
    let r = app
        .post(&scores, Some(&office), json!({ "assessee_id": did, "item_code": "D6.1", "score": 100, "method": "spot_check" }))
        .await;
    r.assert_problem(422, "validation-failed");
    assert_eq!(r.body["errors"][0]["code"], "computed-item");
    let r = app
        .post(&scores, Some(&office), json!({ "assessee_id": did, "item_code": "D1.2", "score": 80, "method": "onsite_inspection", "comment": "抽查10户，两不愁三保障全部达标", "evidence": [{ "kind": "response", "id": rid }] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // A third party working for a unit paired with the district's villages may not score it.
    let paired_unit = app
        .list_all("/assessees?kind=paired_unit&district=460106", &office)
        .await
        .remove(0)["unit_id"]
        .clone();
    let mk = |name: &str, unit: Value| json!({ "username": name, "display_name": "第三方评估员", "password": "fieldcheck-demo", "role": "evaluator", "unit_id": unit });
    let u1 = app
        .post(
            "/users",
            Some(&admin),
            mk("eval-conflicted", paired_unit.clone()),
        )
        .await;
    assert_eq!(u1.status, 201, "{}", u1.text);
    let u2 = app
        .post("/users", Some(&admin), mk("eval-independent", Value::Null))
        .await;
    // It is not commissioned for it, and nothing of the request is kept.
    app.post(
        &format!("/cycles/{cid}/commissions"),
        Some(&office),
        json!({ "user_id": id(&u1.body), "assessee_ids": [did] }),
    )
    .await
    .assert_problem(403, "conflict-of-interest");
    let r = app
        .post(
            &format!("/cycles/{cid}/commissions"),
            Some(&office),
            json!({ "user_id": id(&u2.body), "assessee_ids": [did] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["added"], 1);
    // Who scores without a commission (the office's own staff) is held to the same rule.
    let staff = app
        .post("/users", Some(&admin), json!({ "username": "office-paired", "display_name": "结对单位干部", "password": "fieldcheck-demo", "role": "office_reviewer", "unit_id": paired_unit }))
        .await;
    assert_eq!(staff.status, 201, "{}", staff.text);
    let e1 = app.login("office-paired").await;
    let e2 = app.login("eval-independent").await;
    let d12 =
        json!({ "assessee_id": did, "item_code": "D1.2", "score": 90, "method": "spot_check" });
    app.post(&scores, Some(&e1), d12.clone())
        .await
        .assert_problem(403, "conflict-of-interest");
    let other = app
        .list_all("/assessees?kind=district_government", &office)
        .await
        .into_iter()
        .find(|a| a["id"] != did)
        .unwrap();
    app.post(&scores, Some(&e2), json!({ "assessee_id": id(&other), "item_code": "D1.2", "score": 90, "method": "spot_check" }))
        .await
        .assert_problem(403, "not-commissioned");
    let r = app.post(&scores, Some(&e2), d12).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The evaluator reads the sheet it was commissioned for, and no other.
    let own_sheet = app.get(&format!("{scores}?assessee_id={did}"), &e2).await;
    assert_eq!(own_sheet.status, 200, "{}", own_sheet.text);
    app.get(&format!("{scores}?assessee_id={}", id(&other)), &e2)
        .await
        .assert_problem(404, "not-found");
    let sheet = app
        .get(&format!("{scores}?assessee_id={did}"), &office)
        .await;
    assert_eq!(sheet.body["items"].as_array().unwrap().len(), 2);

    // Step 3: aggregation; two evaluators' 8.0 and 9.0 combine by the mean.
    step(&app, &office, &cid, "aggregation").await;
    let agg = app
        .post(
            &format!("/cycles/{cid}/aggregate"),
            Some(&office),
            json!({}),
        )
        .await;
    assert_eq!(agg.status, 200, "{}", agg.text);
    let results = app.get(&format!("/cycles/{cid}/results"), &office).await;
    let items = results.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len() as u64, agg.body["results"].as_u64().unwrap());
    let mine = items.iter().find(|r| r["assessee_id"] == did).unwrap();
    let item = |code: &str| {
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(item("D1.2")["score"], 85);
    let sat = item("D6.1");
    let expected_satisfied = (0..drawn.len()).filter(|i| i % 4 != 3).count() as i64;
    let expected = (2 * 150 * expected_satisfied + drawn.len() as i64) / (2 * drawn.len() as i64);
    assert_eq!(sat["score"], expected, "{sat}");
    let total: i64 = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].as_i64().unwrap())
        .sum();
    assert_eq!(mine["total"], total);
    for r in &items {
        for i in r["items"].as_array().unwrap() {
            assert!(i["score"].as_i64().unwrap() <= i["max_tenths"].as_i64().unwrap());
        }
    }
    let progress = app
        .get(&format!("/cycles/{cid}/progress?district=460106"), &office)
        .await;
    let surveyed: i64 = progress.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["surveyed"].as_i64().unwrap())
        .sum();
    assert_eq!(surveyed, drawn.len() as i64, "{}", progress.text);

    // Step 4: the leading group's decisions; an override needs a reason.
    step(&app, &office, &cid, "review").await;
    let suggested = mine["suggested"].as_str().unwrap();
    let other_grade = if suggested == "pass" { "fail" } else { "pass" };
    let decisions = format!("/cycles/{cid}/decisions");
    app.post(
        &decisions,
        Some(&office),
        json!({ "assessee_id": did, "grade": other_grade }),
    )
    .await
    .assert_problem(422, "validation-failed");
    let r = app
        .post(
            &decisions,
            Some(&office),
            json!({ "assessee_id": did, "grade": other_grade, "reason": "领导小组综合评议" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Assessees see nothing before publication.
    let early = app.get(&format!("/cycles/{cid}/results"), &assessee).await;
    assert!(early.body["items"].as_array().unwrap().is_empty());

    // A visit from before the cycle's window (2026-01-01 to 2027-01-31 UTC) stays editable.
    let early_inspector = app.login("inspector1").await;
    let early_hh = app.list_all("/households?limit=1", &early_inspector).await[0]["id"].clone();
    let early = app
        .post(
            "/sync/push",
            Some(&early_inspector),
            json!({ "mutations": [{
            "mutation_id": uuid::Uuid::now_v7(), "entity": "visit", "op": "create",
            "record_id": uuid::Uuid::now_v7(), "device_time": "2025-06-01T00:00:00Z",
            "fields": { "household_id": early_hh, "started_at": "2025-06-01T00:00:00Z" } }]}),
        )
        .await;
    assert_eq!(
        early.body["results"][0]["status"], "applied",
        "{}",
        early.text
    );

    // Step 5: approval locks the cycle.
    let published = step(&app, &office, &cid, "publication").await;
    assert!(published["locked_at"].is_string());
    app.post(
        &scores,
        Some(&office),
        json!({ "assessee_id": did, "item_code": "D1.2", "score": 10, "method": "spot_check" }),
    )
    .await
    .assert_problem(409, "cycle-locked");
    app.post("/responses", Some(&surveyor), json!({ "id": uuid::Uuid::now_v7(), "cycle_id": cid, "questionnaire_id": qid, "household_id": drawn[1], "answers": satisfied_answers() }))
        .await
        .assert_problem(409, "cycle-locked");
    app.post(
        &format!("/cycles/{cid}/transition"),
        Some(&office),
        json!({ "to": "review", "reason": "重新评议" }),
    )
    .await
    .assert_problem(409, "cycle-locked");
    // A phone's visit taken in the approved cycle's window is refused alone, in a push that
    // applies its other mutations.
    let inspector = app.login("inspector1").await;
    let hh = app.list_all("/households?limit=1", &inspector).await[0]["id"].clone();
    let m = |entity: &str, fields: Value| json!({ "mutation_id": uuid::Uuid::now_v7(), "entity": entity, "op": "create", "record_id": uuid::Uuid::now_v7(), "device_time": chrono::Utc::now(), "fields": fields });
    let push = app
        .post("/sync/push", Some(&inspector), json!({ "mutations": [
            m("visit", json!({ "household_id": hh, "started_at": chrono::Utc::now(), "checklist": { "food": "yes" } })),
            m("spaceship", json!({})),
        ]}))
        .await;
    assert_eq!(push.status, 200, "{}", push.text);
    assert_eq!(
        push.body["results"][0]["code"], "cycle-locked",
        "{}",
        push.text
    );
    assert_eq!(push.body["results"][1]["code"], "unknown-entity");
    // The database refuses too, whatever path the write takes.
    use fieldcheck_store::sea_orm::ConnectionTrait;
    let db = &app.state.store.db;
    for sql in [
        "UPDATE scores SET score = 0",
        "DELETE FROM responses",
        "UPDATE results SET decided = 'pass'",
        "DELETE FROM response_assessees",
        // Unfreezing the cycle itself is refused too.
        "UPDATE cycles SET locked_at = NULL",
        "DELETE FROM cycles",
    ] {
        let e = db
            .execute_unprepared(sql)
            .await
            .expect_err("a locked cycle's rows cannot change");
        assert!(
            e.to_string().contains("fieldcheck:cycle-locked"),
            "{sql}: {e}"
        );
    }
    // The window is compared as instants, whatever the spelling of a time: each of these is
    // inside it, and moving the early visit there is refused.
    let early_visit = "UPDATE visits SET started_at = '{at}' WHERE started_at < '2025-12-31'";
    for at in [
        "2027-02-01T05:00:00+08:00",
        "2026-01-01 05:00:00+00:00",
        "2026-06-01T12:00:00Z",
        "2026-06-01T12:00:00.123456+00:00",
        "2026-12-31T20:00:00-05:00",
    ] {
        let sql = early_visit.replace("{at}", at);
        let e = db
            .execute_unprepared(&sql)
            .await
            .expect_err("an instant inside the locked window");
        assert!(
            e.to_string().contains("fieldcheck:cycle-locked"),
            "{sql}: {e}"
        );
    }
    // An instant outside it, spelled with an offset, is still a normal edit.
    let moved = db
        .execute_unprepared(&early_visit.replace("{at}", "2025-07-01T08:00:00+08:00"))
        .await
        .expect("outside the window");
    assert_eq!(moved.rows_affected(), 1);
    if backend == Backend::Sqlite {
        // A time SQLite cannot read is not let through as if it were outside the window.
        let e = db
            .execute_unprepared(&early_visit.replace("{at}", "yesterday"))
            .await
            .expect_err("an unreadable time");
        assert!(e.to_string().contains("fieldcheck:cycle-locked"), "{e}");
    }

    let after = app.get(&format!("/cycles/{cid}/results"), &office).await;
    assert_eq!(
        after.body,
        results_with_decision(&results.body, &after.body, &did)
    );

    // Publication: the assessee sees its own line; CSV and XLSX carry the same rows.
    let own = app.get(&format!("/cycles/{cid}/results"), &assessee).await;
    let own_items = own.body["items"].as_array().unwrap();
    assert_eq!(own_items.len(), 1);
    assert_eq!(own_items[0]["decided"], other_grade);
    // Its satisfaction item explains itself without the small counts.
    let satisfaction_how: Vec<&str> = own_items[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["how"].as_str())
        .filter(|h| h.starts_with("satisfied responses"))
        .collect();
    assert!(!satisfaction_how.is_empty(), "{}", own.text);
    for how in satisfaction_how {
        assert!(how.contains("counts withheld"), "{how}");
    }
    let (status, ct, csv) = bytes(&app, &format!("/cycles/{cid}/results.csv"), &office).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "考核对象,类别,所属区,得分,建议等次,审定等次,问责,说明"
    );
    assert_eq!(lines.count(), items.len());
    let (status, ct, xlsx) = bytes(&app, &format!("/cycles/{cid}/results.xlsx"), &office).await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"));
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).expect("an XLSX file");
    let sheet = book.worksheet_range("考核结果").expect("the results sheet");
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows[0][0].to_string(), "考核对象");
    assert_eq!(rows.len(), items.len() + 1);
    let line = rows
        .iter()
        .find(|r| r[0] == *district["name"].as_str().unwrap())
        .expect("the district's row");
    assert_eq!(
        line[5].to_string(),
        if other_grade == "pass" {
            "达标"
        } else {
            "不达标"
        }
    );
    assert_eq!(
        line[3].to_string().parse::<f64>().unwrap(),
        mine["total"].as_f64().unwrap() / 10.0
    );

    // Every step change is in the audit log.
    let audit = app
        .get(
            &format!("/audit?target_type=cycle&target_id={cid}&limit=100"),
            &admin,
        )
        .await;
    let steps = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "cycle.step")
        .count();
    assert_eq!(steps, 4, "{}", audit.text);
}

/// The results after approval equal those before, except the decisions: the one overridden, and
/// the suggested grade that approval takes for every other.
fn results_with_decision(before: &Value, after: &Value, overridden: &str) -> Value {
    let mut b = before.clone();
    for (x, y) in b["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(after["items"].as_array().unwrap())
    {
        assert_eq!(x["total"], y["total"]);
        if x["assessee_id"] != overridden {
            assert_eq!(y["decided"], x["suggested"]);
        }
        x["decided"] = y["decided"].clone();
        x["reason"] = y["reason"].clone();
    }
    b
}

on_both_backends!(field_work_reaches_devices_and_comes_back_corrected);

type Local = std::collections::BTreeMap<(String, String), Value>;

/// Pulls every page after `cursor` into `local`; returns the new cursor.
async fn pull(app: &TestApp, token: &str, cursor: Option<String>, local: &mut Local) -> String {
    let mut cursor = cursor;
    loop {
        let mut body = json!({ "limit": 500 });
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = app.post("/sync/pull", Some(token), body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for ch in r.body["changes"].as_array().unwrap() {
            let key = (
                ch["entity"].as_str().unwrap().to_owned(),
                ch["id"].as_str().unwrap().to_owned(),
            );
            if ch["op"] == "upsert" {
                local.insert(key, ch["data"].clone());
            } else {
                local.remove(&key);
            }
        }
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            return cursor.unwrap();
        }
    }
}

fn mutation(entity: &str, op: &str, record: &str, base: Option<i64>, fields: Value) -> Value {
    let mut m = json!({ "mutation_id": uuid::Uuid::now_v7(), "entity": entity, "op": op,
        "record_id": record, "device_time": chrono::Utc::now(), "fields": fields });
    if let Some(b) = base {
        m["base_version"] = json!(b);
    }
    m
}

async fn field_work_reaches_devices_and_comes_back_corrected(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let inspector = app.login("inspector1").await;
    let cid = id(&app.get("/cycles", &office).await.body["items"][0]);
    let inspector_id = app
        .list_all("/users?limit=100", &admin)
        .await
        .into_iter()
        .find(|u| u["username"] == "inspector1")
        .map(|u| id(&u))
        .unwrap();

    // A household elsewhere is out of the inspector's reach until it is assigned.
    let far = id(&app
        .list_all("/households?district=460108&limit=1", &office)
        .await[0]);
    app.get(&format!("/households/{far}"), &inspector)
        .await
        .assert_problem(404, "not-found");
    let mut local = Local::new();
    let cursor = pull(&app, &inspector, None, &mut local).await;
    assert!(local.keys().any(|(e, _)| e == "questionnaire"));
    let bad = app
        .post("/assignments", Some(&office), json!({ "cycle_id": cid, "user_id": inspector_id, "method": "guessing", "target_kind": "household", "target_id": far, "due_on": "2027-01-05" }))
        .await;
    bad.assert_problem(422, "validation-failed");
    let a = app
        .post("/assignments", Some(&office), json!({ "cycle_id": cid, "user_id": inspector_id, "method": "on_site_verification", "target_kind": "household", "target_id": far, "due_on": "2027-01-05", "note": "重点核查住房安全" }))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let cursor = pull(&app, &inspector, Some(cursor), &mut local).await;
    assert_eq!(
        local[&("assignment".to_owned(), id(&a.body))]["target_id"],
        far
    );
    assert!(local.contains_key(&("household".to_owned(), far.clone())));
    // Another inspector's device does not receive it.
    let mut theirs = Local::new();
    pull(&app, &app.login("inspector2").await, None, &mut theirs).await;
    assert!(!theirs.keys().any(|(e, _)| e == "assignment"));

    // The visit goes up, comes back with comments, goes up corrected; history is kept.
    let visit = uuid::Uuid::now_v7().to_string();
    let push = app
        .post("/sync/push", Some(&inspector), json!({ "mutations": [mutation("visit", "create", &visit, None, json!({ "household_id": far, "started_at": chrono::Utc::now(), "checklist": { "food": "yes", "housing": "no" } }))] }))
        .await;
    assert_eq!(
        push.body["results"][0]["status"], "applied",
        "{}",
        push.text
    );
    let back = app
        .post(
            &format!("/visits/{visit}/return"),
            Some(&office),
            json!({ "comments": { "housing": "请补拍房屋照片并说明漏雨情况" } }),
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    // Inspectors may not send back.
    app.post(
        &format!("/visits/{visit}/return"),
        Some(&inspector),
        json!({ "comments": { "x": "y" } }),
    )
    .await
    .assert_problem(403, "forbidden");
    let cursor = pull(&app, &inspector, Some(cursor), &mut local).await;
    let returned = local[&("visit".to_owned(), visit.clone())].clone();
    assert_eq!(returned["status"], "returned");
    assert_eq!(
        returned["review_comments"]["housing"],
        "请补拍房屋照片并说明漏雨情况"
    );
    let base = returned["version"].as_i64().unwrap();
    let fix = app
        .post("/sync/push", Some(&inspector), json!({ "mutations": [mutation("visit", "update", &visit, Some(base), json!({ "checklist": { "food": "yes", "housing": "no" }, "notes": "屋顶漏雨，已补拍照片" }))] }))
        .await;
    assert_eq!(fix.body["results"][0]["status"], "applied", "{}", fix.text);
    assert_eq!(fix.body["results"][0]["record"]["status"], "submitted");
    let versions = app.get(&format!("/visits/{visit}/versions"), &office).await;
    let items = versions.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", versions.text);
    assert_eq!(items[0]["record"]["status"], "returned");

    // Responses by sync: per-question errors come back on the mutation; a valid one applies.
    let surveyor = app.login("surveyor1").await;
    let mut s_local = Local::new();
    pull(&app, &surveyor, None, &mut s_local).await;
    let hh = s_local
        .keys()
        .find(|(e, _)| e == "household")
        .map(|(_, i)| i.clone())
        .unwrap();
    let qid = s_local
        .keys()
        .find(|(e, _)| e == "questionnaire")
        .map(|(_, i)| i.clone())
        .unwrap();
    let rid = uuid::Uuid::now_v7().to_string();
    let r = app
        .post("/sync/push", Some(&surveyor), json!({ "mutations": [
            mutation("response", "create", &rid, None, json!({ "cycle_id": cid, "questionnaire_id": qid, "household_id": hh, "answers": { "overall": "maybe" } })),
        ]}))
        .await;
    let out = &r.body["results"][0];
    assert_eq!(out["code"], "validation-failed", "{}", r.text);
    let fields: Vec<&str> = out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    // Paths inside the mutation, as for every other entity.
    assert!(
        fields.contains(&"fields.answers.overall") && fields.contains(&"fields.answers.visited"),
        "{fields:?}"
    );
    let r = app
        .post("/sync/push", Some(&surveyor), json!({ "mutations": [
            mutation("response", "create", &rid, None, json!({ "cycle_id": cid, "questionnaire_id": qid, "household_id": hh, "answers": satisfied_answers() })),
        ]}))
        .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    pull(&app, &surveyor, None, &mut s_local).await;
    assert_eq!(
        s_local[&("response".to_owned(), rid.clone())]["satisfied"],
        true
    );
    // The inspector's device never receives the surveyor's response.
    pull(&app, &inspector, Some(cursor), &mut local).await;
    assert!(!local.contains_key(&("response".to_owned(), rid)));
}
