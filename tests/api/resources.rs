use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;
use serde_json::{Value, json};

on_both_backends!(
    crud_of_every_resource,
    etags_and_conditional_updates,
    pagination_neither_skips_nor_repeats
);

async fn first_village(app: &TestApp, token: &str) -> String {
    app.village_id("460106001201", token).await
}

async fn crud_of_every_resource(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;

    // Places: a new village under a real town; Chinese names round-trip.
    let towns = app
        .list_all("/places?level=town&district=460106&limit=100", &office)
        .await;
    let town = towns.iter().find(|t| t["code"] == "460106001").unwrap();
    let created = app
        .post("/places", Some(&office), json!({ "code": "460106001299", "name": "测试村（新）", "level": "village", "parent_id": town["id"], "location": { "lat": 20.03, "lon": 110.33 } }))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["name"], "测试村（新）");
    assert_eq!(created.body["district_code"], "460106");
    let village = created.body["id"].as_str().unwrap().to_owned();
    let got = app.get(&format!("/places/{village}"), &office).await;
    assert_eq!(got.body["name"], "测试村（新）");
    let bad = app.post("/places", Some(&office), json!({ "code": "460107001299", "name": "x", "level": "village", "parent_id": town["id"] })).await;
    bad.assert_problem(422, "validation-failed");
    assert_eq!(bad.body["errors"][0]["field"], "parent_id");

    // Units, persons, households with members, plans and measures.
    let unit = app.post("/units", Some(&office), json!({ "name": "海口市测试局", "kind": "paired_unit", "district_code": "460106", "village_ids": [village] })).await;
    assert_eq!(unit.status, 201, "{}", unit.text);
    assert_eq!(unit.body["village_ids"][0], village.as_str());
    let unit_id = unit.body["id"].as_str().unwrap().to_owned();
    let person = app
        .post(
            "/persons",
            Some(&office),
            json!({ "name": "李帮扶", "unit_id": unit_id, "phone": "13912345678" }),
        )
        .await;
    assert_eq!(person.status, 201, "{}", person.text);
    let person_id = person.body["id"].as_str().unwrap().to_owned();

    let household = app
        .post(
            "/households",
            Some(&office),
            json!({
                "registration_no": "HK-TEST-0001",
                "village_id": village,
                "head_name": "王大山",
                "phone": "13800001111",
                "address": "海口市龙华区中山街道测试村3号",
                "location": { "lat": 20.031, "lon": 110.331 },
                "status": "in_poverty",
                "responsible_person_id": person_id,
                "members": [
                    { "name": "王大山", "relation": "户主", "id_number": valid_id("46010619700101001") },
                    { "name": "李小花", "relation": "配偶", "id_number": valid_id("46010619720202002") },
                    { "name": "王小明", "relation": "之子" }
                ]
            }),
        )
        .await;
    assert_eq!(household.status, 201, "{}", household.text);
    let hid = household.body["id"].as_str().unwrap().to_owned();
    assert_eq!(household.body["members"].as_array().unwrap().len(), 3);
    assert_eq!(
        household.body["members"][0]["id_number"],
        "460106********0012".replace("0012", &valid_id("46010619700101001")[14..])
    );
    let dup = app.post("/households", Some(&office), json!({ "registration_no": "HK-TEST-0001", "village_id": village, "head_name": "x", "status": "exited" })).await;
    dup.assert_problem(409, "duplicate");

    let plan = app
        .post("/plans", Some(&office), json!({ "household_id": hid, "year": 2026, "status": "active", "measures": [
            { "kind": "housing", "description": "危房改造补助", "budget_fen": 2000000, "responsible_person_id": person_id }
        ] }))
        .await;
    assert_eq!(plan.status, 201, "{}", plan.text);
    let plan_id = plan.body["id"].as_str().unwrap().to_owned();
    let measure = app
        .post(
            &format!("/plans/{plan_id}/measures"),
            Some(&office),
            json!({ "kind": "industry", "description": "黑山羊养殖", "budget_fen": 500000 }),
        )
        .await;
    assert_eq!(measure.status, 201, "{}", measure.text);
    let measure_id = measure.body["id"].as_str().unwrap().to_owned();

    let detail = app.get(&format!("/households/{hid}"), &office).await;
    assert_eq!(
        detail.body["current_plan"]["measures"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(detail.body["head_name"], "王大山");

    // Updates of each, with If-Match.
    let m = app.get(&format!("/measures/{measure_id}"), &office).await;
    let r = app
        .patch(
            &format!("/measures/{measure_id}"),
            &office,
            Some(&m.etag()),
            json!({ "status": "done" }),
        )
        .await;
    assert_eq!(r.body["status"], "done", "{}", r.text);
    let p = app.get(&format!("/plans/{plan_id}"), &office).await;
    let r = app
        .patch(
            &format!("/plans/{plan_id}"),
            &office,
            Some(&p.etag()),
            json!({ "status": "closed" }),
        )
        .await;
    assert_eq!(r.body["status"], "closed", "{}", r.text);
    let member_id = detail.body["members"][2]["id"].as_str().unwrap().to_owned();
    let mem = app.get(&format!("/members/{member_id}"), &office).await;
    let r = app
        .patch(
            &format!("/members/{member_id}"),
            &office,
            Some(&mem.etag()),
            json!({ "id_number": valid_id("46010620100303003") }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["id_number"].as_str().unwrap().contains("********"));
    let u = app.get(&format!("/units/{unit_id}"), &office).await;
    let r = app
        .patch(
            &format!("/units/{unit_id}"),
            &office,
            Some(&u.etag()),
            json!({ "name": "海口市测试局（改）" }),
        )
        .await;
    assert_eq!(r.body["name"], "海口市测试局（改）");
    let pe = app.get(&format!("/persons/{person_id}"), &office).await;
    let r = app
        .patch(
            &format!("/persons/{person_id}"),
            &office,
            Some(&pe.etag()),
            json!({ "phone": null }),
        )
        .await;
    assert_eq!(r.body["phone"], Value::Null, "{}", r.text);
    let pl = app.get(&format!("/places/{village}"), &office).await;
    let r = app
        .patch(
            &format!("/places/{village}"),
            &office,
            Some(&pl.etag()),
            json!({ "name": "测试村" }),
        )
        .await;
    assert_eq!(r.body["name"], "测试村");

    // Assessees.
    let a = app.post("/assessees", Some(&office), json!({ "kind": "paired_unit", "name": "海口市测试局（结对）", "unit_id": unit_id, "district_code": "460106" })).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let aid = a.body["id"].as_str().unwrap().to_owned();
    let ag = app.get(&format!("/assessees/{aid}"), &office).await;
    let r = app
        .patch(
            &format!("/assessees/{aid}"),
            &office,
            Some(&ag.etag()),
            json!({ "name": "测试结对单位" }),
        )
        .await;
    assert_eq!(r.body["name"], "测试结对单位");
    let missing_link = app
        .post(
            "/assessees",
            Some(&office),
            json!({ "kind": "responsible_person", "name": "x" }),
        )
        .await;
    missing_link.assert_problem(422, "validation-failed");

    // Users (admin only), with scope grants.
    let nu = app
        .post("/users", Some(&admin), json!({ "username": "inspector9", "display_name": "检查员九", "password": "a long enough password", "role": "inspector", "village_ids": [village] }))
        .await;
    assert_eq!(nu.status, 201, "{}", nu.text);
    assert!(nu.body.get("password_hash").is_none());
    let uid = nu.body["id"].as_str().unwrap();
    let ug = app.get(&format!("/users/{uid}"), &admin).await;
    let r = app
        .patch(
            &format!("/users/{uid}"),
            &admin,
            Some(&ug.etag()),
            json!({ "display_name": "检查员玖" }),
        )
        .await;
    assert_eq!(r.body["display_name"], "检查员玖");
    // The new inspector sees exactly the household of the village given.
    let t9 = app
        .post(
            "/auth/login",
            None,
            json!({ "username": "inspector9", "password": "a long enough password" }),
        )
        .await;
    assert_eq!(t9.status, 200, "{}", t9.text);
    let t9 = t9.body["access_token"].as_str().unwrap().to_owned();
    let theirs = app.list_all("/households", &t9).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["id"], hid.as_str());
    let short = app.post("/users", Some(&admin), json!({ "username": "x1", "display_name": "x", "password": "short", "role": "inspector" })).await;
    short.assert_problem(422, "validation-failed");

    // Every change above is in the audit chain, and the chain verifies.
    let v = app.get("/audit/verify", &admin).await;
    assert_eq!(v.body["ok"], true, "{}", v.text);
    let entries = app
        .get(
            &format!("/audit?target_type=household&target_id={hid}"),
            &admin,
        )
        .await;
    assert!(
        entries.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "household.create")
    );
}

/// Builds a valid ID number from 17 digits (computes the check character).
pub fn valid_id(first17: &str) -> String {
    let c = fieldcheck_domain_check_char(first17);
    format!("{first17}{c}")
}

fn fieldcheck_domain_check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

async fn etags_and_conditional_updates(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let hs = app.get("/households?limit=1", &office).await;
    let hid = hs.body["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/households/{hid}");
    let first = app.get(&path, &office).await;
    let etag = first.etag();
    assert!(etag.starts_with('"'), "strong ETag expected: {etag}");
    // If-None-Match with the current ETag: 304 without a body.
    let again = app
        .raw(reqwest::Method::GET, &path, Some(&office), |r| {
            r.header("if-none-match", etag.as_str())
        })
        .await;
    assert_eq!(again.status, 304);
    assert!(again.text.is_empty());
    // An update without If-Match is refused (428), with a stale one too (412), and nothing changes.
    app.patch(&path, &office, None, json!({ "phone": "13900000000" }))
        .await
        .assert_problem(428, "if-match-required");
    app.patch(
        &path,
        &office,
        Some("\"stale\""),
        json!({ "phone": "13900000000" }),
    )
    .await
    .assert_problem(412, "stale-version");
    assert_eq!(app.get(&path, &office).await.etag(), etag);
    // With the current ETag it applies and the ETag changes; the old one is now stale.
    let ok = app
        .patch(
            &path,
            &office,
            Some(&etag),
            json!({ "phone": "13900000000", "address": "新地址：海口市龙华区" }),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["phone"], "13900000000");
    assert_eq!(ok.body["address"], "新地址：海口市龙华区");
    assert_ne!(ok.etag(), etag);
    app.patch(
        &path,
        &office,
        Some(&etag),
        json!({ "phone": "13911111111" }),
    )
    .await
    .assert_problem(412, "stale-version");
    let after = app.get(&path, &office).await;
    assert_eq!(after.etag(), ok.etag());
    assert_eq!(after.body["phone"], "13900000000");
    // A change to a nested member changes the household's ETag too.
    let member = after.body["members"][0]["id"].as_str().unwrap();
    let m = app.get(&format!("/members/{member}"), &office).await;
    let r = app
        .patch(
            &format!("/members/{member}"),
            &office,
            Some(&m.etag()),
            json!({ "name": "改名" }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_ne!(app.get(&path, &office).await.etag(), after.etag());
}

async fn pagination_neither_skips_nor_repeats(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let before = app.list_all("/households?limit=500", &office).await;
    assert!(before.len() > 100);
    let village = first_village(&app, &office).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut inserted = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("/households?limit=17&cursor={c}"),
            None => "/households?limit=17".to_owned(),
        };
        let page = app.get(&url, &office).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 17);
        seen.extend(items.iter().map(|h| h["id"].as_str().unwrap().to_owned()));
        // Insert while paging.
        let r = app.post("/households", Some(&office), json!({ "registration_no": format!("HK-PAGE-{inserted:03}"), "village_id": village, "head_name": "新户", "status": "at_risk" })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        inserted += 1;
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a row was repeated");
    for h in &before {
        assert!(
            unique.contains(&h["id"].as_str().unwrap().to_owned()),
            "a row that existed before was skipped"
        );
    }
    // Filters: status and district.
    let at_risk = app
        .list_all("/households?status=at_risk&limit=500", &office)
        .await;
    assert!(at_risk.iter().all(|h| h["status"] == "at_risk"));
    let other = app
        .list_all("/households?district=460108&limit=500", &office)
        .await;
    assert!(!other.is_empty() && other.iter().all(|h| h["district_code"] == "460108"));
    let since = chrono::Utc::now() + chrono::Duration::hours(1);
    let none = app
        .get(
            &format!(
                "/households?updated_since={}",
                since.to_rfc3339().replace('+', "%2B")
            ),
            &office,
        )
        .await;
    assert_eq!(
        none.body["items"].as_array().unwrap().len(),
        0,
        "{}",
        none.text
    );
}
