//! Offline sync end to end: pulls in scope, pushes exactly once, conflicts, bad input, and a
//! simulation of many devices syncing over a bad connection while the office edits.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

on_both_backends!(
    pull_follows_scope_and_changes,
    push_is_exactly_once_and_merges,
    bad_sync_input_is_answered_per_mutation,
    many_devices_converge
);

/// A device's local copy: (entity, id) → record.
type Local = BTreeMap<(String, String), Value>;

async fn pull_all(
    app: &TestApp,
    token: &str,
    cursor: Option<String>,
    local: &mut Local,
    limit: u64,
) -> String {
    let mut cursor = cursor;
    loop {
        let mut body = json!({ "limit": limit });
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
            match ch["op"].as_str().unwrap() {
                "upsert" => {
                    local.insert(key, ch["data"].clone());
                }
                "delete" => {
                    local.remove(&key);
                    // A household leaving scope takes its children along.
                    if key.0 == "household" {
                        remove_children(local, &key.1);
                    }
                }
                other => panic!("unknown op {other}"),
            }
        }
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            return cursor.unwrap();
        }
    }
}

fn remove_children(local: &mut Local, household: &str) {
    let plans: BTreeSet<String> = local
        .iter()
        .filter(|((e, _), v)| e == "plan" && v["household_id"] == household)
        .map(|((_, id), _)| id.clone())
        .collect();
    local.retain(|(e, _), v| match e.as_str() {
        "member" | "plan" | "visit" | "photo" => v["household_id"] != household,
        "measure" => !plans.contains(v["plan_id"].as_str().unwrap_or_default()),
        _ => true,
    });
}

fn of(local: &Local, entity: &str) -> Vec<Value> {
    local
        .iter()
        .filter(|((e, _), _)| e == entity)
        .map(|(_, v)| v.clone())
        .collect()
}

async fn pull_follows_scope_and_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let mut local = Local::new();
    let cursor = pull_all(&app, &token, None, &mut local, 37).await;
    let households = of(&local, "household");
    let rest = app.list_all("/households", &token).await;
    assert_eq!(households.len(), rest.len());
    assert!(!households.is_empty());
    let village = households[0]["village_id"].as_str().unwrap().to_owned();
    assert!(
        households
            .iter()
            .all(|h| h["village_id"] == village.as_str())
    );
    assert_eq!(of(&local, "place").len(), 143);
    assert!(of(&local, "member").iter().all(|m| {
        m["id_number"]
            .as_str()
            .is_none_or(|n| n.contains("********"))
    }));
    assert!(!of(&local, "measure").is_empty());

    // Nothing new: an empty page, same position.
    let r = app
        .post("/sync/pull", Some(&token), json!({ "cursor": cursor }))
        .await;
    assert_eq!(r.body["changes"].as_array().unwrap().len(), 0);

    // An office edit arrives as one upsert with the current state.
    let hid = households[0]["id"].as_str().unwrap();
    let h = app.get(&format!("/households/{hid}"), &office).await;
    let r = app
        .patch(
            &format!("/households/{hid}"),
            &office,
            Some(&h.etag()),
            json!({ "phone": "13700000001" }),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .post("/sync/pull", Some(&token), json!({ "cursor": cursor }))
        .await;
    let changes = r.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{}", r.text);
    assert_eq!(changes[0]["data"]["phone"], "13700000001");
    let cursor = r.body["cursor"].as_str().unwrap().to_owned();
    let mut after_edit = local.clone();
    pull_all(&app, &token, Some(cursor.clone()), &mut after_edit, 100).await;

    // Reassignment: the old village's households leave as removals, the new ones arrive with
    // their members, plans and measures.
    let me = app.get("/me", &token).await.body;
    let other_village = app.village_id("460106001202", &office).await;
    let u = app
        .get(&format!("/users/{}", me["id"].as_str().unwrap()), &admin)
        .await;
    let r = app
        .patch(
            &format!("/users/{}", me["id"].as_str().unwrap()),
            &admin,
            Some(&u.etag()),
            json!({ "village_ids": [other_village] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    pull_all(&app, &token, Some(cursor), &mut after_edit, 100).await;
    let now_households = of(&after_edit, "household");
    assert!(!now_households.is_empty());
    assert!(
        now_households
            .iter()
            .all(|h| h["village_id"] == other_village.as_str()),
        "old households were not removed"
    );
    let new_ids: BTreeSet<_> = now_households
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    let members = of(&after_edit, "member");
    assert!(!members.is_empty());
    assert!(
        members
            .iter()
            .all(|m| new_ids.contains(m["household_id"].as_str().unwrap()))
    );
    let mut fresh = Local::new();
    pull_all(&app, &token, None, &mut fresh, 500).await;
    assert_eq!(fresh, after_edit, "incremental and fresh pulls agree");

    // The other inspector's households never appear in this user's pulls.
    let theirs = app
        .list_all("/households", &app.login("inspector2").await)
        .await;
    assert!(!theirs.is_empty());
}

/// The conflict the office lists for a device's mutation.
async fn recorded_conflict(app: &TestApp, office: &str, mutation_id: &str) -> Value {
    let list = app.get("/sync/conflicts", office).await;
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mutation_id"] == mutation_id)
        .expect("conflict recorded")
        .clone()
}

fn mutation(entity: &str, op: &str, record: &str, base: Option<i64>, fields: Value) -> Value {
    let mut m = json!({
        "mutation_id": uuid::Uuid::now_v7(),
        "entity": entity,
        "op": op,
        "record_id": record,
        "device_time": chrono::Utc::now(),
        "fields": fields,
    });
    if let Some(b) = base {
        m["base_version"] = json!(b);
    }
    m
}

async fn push_is_exactly_once_and_merges(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let mut local = Local::new();
    pull_all(&app, &token, None, &mut local, 500).await;
    let h = of(&local, "household")[0].clone();
    let hid = h["id"].as_str().unwrap().to_owned();
    let version = h["version"].as_i64().unwrap();
    let visit = uuid::Uuid::now_v7().to_string();
    let photo = uuid::Uuid::now_v7().to_string();
    // Made two days ago offline: an old device_time is normal, not a clock problem.
    let mut offline = mutation(
        "photo",
        "create",
        &photo,
        None,
        json!({ "household_id": hid, "visit_id": visit, "sha256": "ab".repeat(32), "taken_at": chrono::Utc::now(), "location": { "lat": 20.01, "lon": 110.3, "accuracy_m": 8.0 } }),
    );
    offline["device_time"] = json!(chrono::Utc::now() - chrono::Duration::days(2));
    let batch = json!({ "sent_at": chrono::Utc::now() - chrono::Duration::hours(3), "mutations": [
        mutation("visit", "create", &visit, None, json!({ "household_id": hid, "started_at": chrono::Utc::now(), "location": { "lat": 20.01, "lon": 110.3, "accuracy_m": 12.5 }, "checklist": { "food": "yes", "clothing": "yes", "education": "na", "medical": "yes", "housing": "no" }, "notes": "房屋需维修\n屋顶漏雨" })),
        offline,
        mutation("household", "update", &hid, Some(version), json!({ "phone": "13600000002" })),
    ]});
    let first = app.post("/sync/push", Some(&token), batch.clone()).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let results = first.body["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["applied", "applied", "applied"],
        "{}",
        first.text
    );
    assert_eq!(results[0]["record"]["notes"], "房屋需维修\n屋顶漏雨");
    assert_eq!(results[1]["record"]["status"], "waiting_upload");
    assert!(
        results[1]["clock_skew_secs"].as_i64().unwrap() < -3 * 3600 + 60,
        "the device clock, read when it sent the batch, is 3 hours behind: {}",
        first.text
    );
    assert_eq!(
        results[1]["record"]["clock_skew_secs"],
        results[1]["clock_skew_secs"]
    );
    assert!(results[0]["clock_skew_secs"].is_i64());
    let new_version = results[2]["version"].as_i64().unwrap();
    assert_eq!(new_version, version + 1);

    // The response was lost; the device sends the same batch again: nothing changes.
    let replay = app.post("/sync/push", Some(&token), batch).await;
    let again = replay.body["results"].as_array().unwrap();
    for (r, orig) in again.iter().zip(results) {
        assert_eq!(r["status"], "duplicate", "{}", replay.text);
        // The first answer exactly as it was sent, its mutation id included.
        assert_eq!(&r["original"], orig, "{}", replay.text);
    }
    let after = app.get(&format!("/households/{hid}"), &office).await;
    assert_eq!(after.body["version"].as_i64().unwrap(), new_version);

    // Non-overlapping edits merge: the office changes the address, the device (still on the old
    // version) changes the location.
    let r = app
        .patch(
            &format!("/households/{hid}"),
            &office,
            Some(&after.etag()),
            json!({ "address": "办公室改的地址" }),
        )
        .await;
    assert_eq!(r.status, 200);
    let merged = app.post("/sync/push", Some(&token), json!({ "mutations": [
        mutation("household", "update", &hid, Some(new_version), json!({ "location": { "lat": 20.02, "lon": 110.31 } }))
    ]})).await;
    assert_eq!(
        merged.body["results"][0]["status"], "applied",
        "{}",
        merged.text
    );
    assert_eq!(
        merged.body["results"][0]["record"]["address"],
        "办公室改的地址"
    );
    assert_eq!(
        merged.body["results"][0]["record"]["location"]["lat"],
        20.02
    );

    // The same field on both sides: the office's value stays, a conflict is recorded.
    let cur = app.get(&format!("/households/{hid}"), &office).await;
    let base = cur.body["version"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/households/{hid}"),
            &office,
            Some(&cur.etag()),
            json!({ "phone": "13511111111" }),
        )
        .await;
    assert_eq!(r.status, 200);
    let clash = mutation(
        "household",
        "update",
        &hid,
        Some(base),
        json!({ "phone": "13522222222" }),
    );
    let clash_id = clash["mutation_id"].as_str().unwrap().to_owned();
    let c = app
        .post("/sync/push", Some(&token), json!({ "mutations": [clash] }))
        .await;
    assert_eq!(c.body["results"][0]["status"], "conflict", "{}", c.text);
    assert_eq!(c.body["results"][0]["fields"][0], "phone");
    assert_eq!(c.body["results"][0]["record"]["phone"], "13511111111");
    assert_eq!(
        app.get(&format!("/households/{hid}"), &office).await.body["phone"],
        "13511111111"
    );
    let conflict = recorded_conflict(&app, &office, &clash_id).await;
    assert_eq!(conflict["field"], "phone");
    app.get("/sync/conflicts", &token)
        .await
        .assert_problem(403, "forbidden");
    // The office resolves it in the device's favour.
    let res = app
        .post(
            &format!(
                "/sync/conflicts/{}/resolve",
                conflict["id"].as_str().unwrap()
            ),
            Some(&office),
            json!({ "take": "device" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        app.get(&format!("/households/{hid}"), &office).await.body["phone"],
        "13522222222"
    );
    let twice = app
        .post(
            &format!(
                "/sync/conflicts/{}/resolve",
                conflict["id"].as_str().unwrap()
            ),
            Some(&office),
            json!({ "take": "server" }),
        )
        .await;
    twice.assert_problem(409, "duplicate");

    // Settled for the office's value, the record still reaches the phone again, at a new
    // version: that is how the phone learns the conflict is over.
    let mut before = Local::new();
    let cursor = pull_all(&app, &token, None, &mut before, 500).await;
    let cur = app.get(&format!("/households/{hid}"), &office).await;
    let r = app
        .patch(
            &format!("/households/{hid}"),
            &office,
            Some(&cur.etag()),
            json!({ "address": "办公室再改的地址" }),
        )
        .await;
    assert_eq!(r.status, 200);
    let clash = mutation(
        "household",
        "update",
        &hid,
        Some(cur.body["version"].as_i64().unwrap()),
        json!({ "address": "手机改的地址" }),
    );
    let clash_id = clash["mutation_id"].as_str().unwrap().to_owned();
    let c = app
        .post("/sync/push", Some(&token), json!({ "mutations": [clash] }))
        .await;
    assert_eq!(c.body["results"][0]["status"], "conflict", "{}", c.text);
    let conflicted = c.body["results"][0]["record"]["version"].as_i64().unwrap();
    let cursor = pull_all(&app, &token, Some(cursor), &mut before, 500).await;
    let conflict = recorded_conflict(&app, &office, &clash_id).await;
    let res = app
        .post(
            &format!(
                "/sync/conflicts/{}/resolve",
                conflict["id"].as_str().unwrap()
            ),
            Some(&office),
            json!({ "take": "server" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let mut after = Local::new();
    pull_all(&app, &token, Some(cursor), &mut after, 500).await;
    let settled = &after[&("household".to_owned(), hid.clone())];
    assert_eq!(settled["address"], "办公室再改的地址");
    assert!(
        settled["version"].as_i64().unwrap() > conflicted,
        "settled at a new version: {settled}"
    );

    // The device's own records come back to it in its pulls.
    let mut mine = Local::new();
    pull_all(&app, &token, None, &mut mine, 500).await;
    assert!(mine.contains_key(&("visit".to_owned(), visit.clone())));
    assert!(mine.contains_key(&("photo".to_owned(), photo.clone())));
    // …and not to the other inspector.
    let mut theirs = Local::new();
    pull_all(&app, &app.login("inspector2").await, None, &mut theirs, 500).await;
    assert!(!theirs.contains_key(&("visit".to_owned(), visit)));
}

async fn bad_sync_input_is_answered_per_mutation(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("inspector1").await;
    let office = app.login("office").await;
    let mut local = Local::new();
    pull_all(&app, &token, None, &mut local, 500).await;
    let hid = of(&local, "household")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = app
        .list_all("/households?district=460108&limit=1", &office)
        .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let good_visit = uuid::Uuid::now_v7().to_string();
    let batch = json!({ "mutations": [
        mutation("spaceship", "create", &uuid::Uuid::now_v7().to_string(), None, json!({})),
        json!({ "entity": "visit", "op": "create", "fields": {} }),
        mutation("visit", "create", &uuid::Uuid::now_v7().to_string(), None, json!({ "household_id": 42, "checklist": { "food": "maybe" } })),
        mutation("visit", "create", &uuid::Uuid::now_v7().to_string(), None, json!({ "household_id": foreign })),
        mutation("visit", "create", &uuid::Uuid::now_v7().to_string(), None, json!({ "household_id": hid, "location": { "lat": 123.0, "lon": 0.0 }, "notes": "ok" })),
        mutation("household", "update", &hid, None, json!({ "phone": "13800000000" })),
        mutation("household", "update", &hid, Some(1), json!({ "head_name": "改名" })),
        mutation("visit", "create", &good_visit, None, json!({ "household_id": hid })),
    ]});
    let r = app.post("/sync/push", Some(&token), batch).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = r.body["results"].as_array().unwrap();
    let codes: Vec<&str> = res
        .iter()
        .map(|x| x["code"].as_str().unwrap_or(x["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            "unknown-entity",
            "invalid-mutation",
            "validation-failed",
            "not-found",
            "validation-failed",
            "validation-failed",
            "validation-failed",
            "applied"
        ],
        "{}",
        r.text
    );
    assert!(
        res[2]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "fields.household_id")
    );
    // The foreign household is answered exactly like a missing one.
    assert!(!r.text.contains(&foreign[..8]) || res[3]["mutation_id"].is_string());
    // Nothing of the invalid visit with a valid note was stored: only the good visit exists.
    let mut mine = Local::new();
    pull_all(&app, &token, None, &mut mine, 500).await;
    assert_eq!(of(&mine, "visit").len(), 1);
    assert_eq!(of(&mine, "visit")[0]["id"], good_visit.as_str());

    // A batch over the limit, a body that is not a batch, forged and foreign cursors.
    let many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    app.post("/sync/push", Some(&token), json!({ "mutations": many }))
        .await
        .assert_problem(413, "batch-too-large");
    app.post(
        "/sync/push",
        Some(&token),
        json!({ "mutations": "all of them" }),
    )
    .await
    .assert_problem(422, "invalid-body");
    app.post("/sync/pull", Some(&token), json!({ "cursor": "forged" }))
        .await
        .assert_problem(400, "invalid-cursor");
    let theirs = app.post("/sync/pull", Some(&office), json!({})).await;
    let their_cursor = theirs.body["cursor"].as_str().unwrap();
    app.post(
        "/sync/pull",
        Some(&token),
        json!({ "cursor": their_cursor }),
    )
    .await
    .assert_problem(400, "invalid-cursor");
    app.post(
        "/sync/pull",
        Some(&app.login("assessee-longhua").await),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
}

/// A small deterministic generator, so a seed reproduces a whole simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Device {
    token: String,
    cursor: Option<String>,
    local: Local,
    /// Mutations made offline, not yet acknowledged.
    outbox: Vec<Value>,
    /// Every mutation id this device created, by entity.
    made: Vec<(String, String)>,
    /// Mutation ids the server answered `conflict` for.
    conflicts: Vec<String>,
}

async fn many_devices_converge(backend: Backend) {
    let seed: u64 = std::env::var("FIELDCHECK_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261125);
    let devices_n: usize = std::env::var("FIELDCHECK_SIM_DEVICES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let rounds = 4;
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let office = app.login("office").await;
    // 20 inspectors over 4 villages: five devices share each village, so they edit the same
    // households.
    let village_codes = [
        "460106001201",
        "460106001202",
        "460106002201",
        "460106002202",
    ];
    let mut villages = Vec::new();
    for c in village_codes {
        villages.push(app.village_id(c, &office).await);
    }
    let mut devices = Vec::new();
    for i in 0..devices_n {
        let name = format!("sim{i:02}");
        let r = app.post("/users", Some(&admin), json!({ "username": name, "display_name": name, "password": "simulated password", "role": "inspector", "village_ids": [villages[i % villages.len()]] })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let login = app.post("/auth/login", None, json!({ "username": name, "password": "simulated password", "device_id": format!("phone-{i}") })).await;
        let token = login.body["access_token"].as_str().unwrap().to_owned();
        devices.push(Device {
            token,
            cursor: None,
            local: Local::new(),
            outbox: Vec::new(),
            made: Vec::new(),
            conflicts: Vec::new(),
        });
    }
    let mut rng = Rng(seed | 1);
    let mut lost = 0usize;
    for d in devices.iter_mut() {
        d.cursor = Some(pull_all(&app, &d.token, None, &mut d.local, 200).await);
    }
    for round in 0..rounds {
        // Offline work on every device.
        for d in devices.iter_mut() {
            let households = of(&d.local, "household");
            let measures = of(&d.local, "measure");
            for _ in 0..(1 + rng.below(4)) {
                let h = &households[rng.below(households.len())];
                let hid = h["id"].as_str().unwrap();
                let m = match rng.below(4) {
                    0 => mutation(
                        "visit",
                        "create",
                        &uuid::Uuid::new_v4().to_string(),
                        None,
                        json!({ "household_id": hid, "checklist": { "food": "yes", "housing": if rng.chance(50) { "yes" } else { "no" } } }),
                    ),
                    1 => mutation(
                        "household",
                        "update",
                        hid,
                        h["version"].as_i64(),
                        json!({ "phone": format!("139{:08}", rng.below(100_000_000)) }),
                    ),
                    2 => mutation(
                        "household",
                        "update",
                        hid,
                        h["version"].as_i64(),
                        json!({ "address": format!("第{round}轮地址{}", rng.below(1000)) }),
                    ),
                    _ => {
                        let ms = &measures[rng.below(measures.len())];
                        let status = ["planned", "in_progress", "done"][rng.below(3)];
                        mutation(
                            "measure",
                            "update",
                            ms["id"].as_str().unwrap(),
                            ms["version"].as_i64(),
                            json!({ "status": status }),
                        )
                    }
                };
                d.made.push((
                    m["entity"].as_str().unwrap().to_owned(),
                    m["mutation_id"].as_str().unwrap().to_owned(),
                ));
                d.outbox.push(m);
            }
        }
        // The office edits concurrently with the devices' syncs.
        let office_task = {
            let households = app
                .list_all("/households?district=460106&limit=500", &office)
                .await;
            let ids: Vec<String> = households
                .iter()
                .filter(|h| villages.contains(&h["village_id"].as_str().unwrap().to_owned()))
                .map(|h| h["id"].as_str().unwrap().to_owned())
                .collect();
            let picks: Vec<String> = (0..6).map(|_| ids[rng.below(ids.len())].clone()).collect();
            let client = app.client.clone();
            let base = app.base.clone();
            let token = office.clone();
            tokio::spawn(async move {
                for hid in picks {
                    for _ in 0..5 {
                        let url = format!("{base}/households/{hid}");
                        let cur = client.get(&url).bearer_auth(&token).send().await.unwrap();
                        let etag = cur.headers()["etag"].to_str().unwrap().to_owned();
                        let r = client
                            .patch(&url)
                            .bearer_auth(&token)
                            .header("if-match", etag)
                            .json(&json!({ "phone": "13000000000" }))
                            .send()
                            .await
                            .unwrap();
                        if r.status() != 412 {
                            assert_eq!(r.status(), 200);
                            break;
                        }
                    }
                }
            })
        };
        // All devices sync at once, with lost responses.
        let lose: Vec<bool> = (0..devices.len()).map(|_| rng.chance(30)).collect();
        lost += lose.iter().filter(|l| **l).count();
        let app_ref = &app;
        futures_util::future::join_all(devices.iter_mut().zip(lose).map(|(d, lose)| async move {
            let batch = json!({ "mutations": d.outbox });
            let r = app_ref.post("/sync/push", Some(&d.token), batch).await;
            assert_eq!(r.status, 200, "{}", r.text);
            if lose {
                // The response never reached the phone: it keeps its outbox and retries later.
                return;
            }
            for res in r.body["results"].as_array().unwrap() {
                let status = res["status"].as_str().unwrap();
                assert_ne!(status, "rejected", "{res}");
                let effective = if status == "duplicate" {
                    res["original"]["status"].as_str().unwrap()
                } else {
                    status
                };
                if effective == "conflict" {
                    d.conflicts
                        .push(res["mutation_id"].as_str().unwrap().to_owned());
                }
            }
            d.outbox.clear();
            let cursor = d.cursor.take();
            d.cursor = Some(pull_all(app_ref, &d.token, cursor, &mut d.local, 50).await);
        }))
        .await;
        office_task.await.unwrap();
    }
    // Back in signal for good: every device flushes its outbox and pulls to the end.
    for d in devices.iter_mut() {
        let r = app
            .post(
                "/sync/push",
                Some(&d.token),
                json!({ "mutations": d.outbox }),
            )
            .await;
        for res in r.body["results"].as_array().unwrap() {
            let effective = if res["status"] == "duplicate" {
                res["original"]["status"].as_str().unwrap()
            } else {
                res["status"].as_str().unwrap()
            };
            if effective == "conflict" {
                d.conflicts
                    .push(res["mutation_id"].as_str().unwrap().to_owned());
            }
        }
        d.outbox.clear();
        let cursor = d.cursor.take();
        d.cursor = Some(pull_all(&app, &d.token, cursor, &mut d.local, 50).await);
    }
    // Every local copy equals the server's view of the device's scope.
    let db = &app.state.store.db;
    use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let mut all_made = 0;
    let mut visits_made = 0;
    for (i, d) in devices.iter().enumerate() {
        let mut fresh = Local::new();
        pull_all(&app, &d.token, None, &mut fresh, 500).await;
        assert_eq!(
            fresh.len(),
            d.local.len(),
            "device {i}: record count (seed {seed})"
        );
        assert_eq!(
            fresh, d.local,
            "device {i} diverged from the server (seed {seed})"
        );
        // Cross-check against REST: households in scope, as the API lists them.
        let rest = app.list_all("/households", &d.token).await;
        let rest_ids: BTreeSet<String> = rest
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect();
        let local_ids: BTreeSet<String> = of(&d.local, "household")
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(rest_ids, local_ids);
        all_made += d.made.len();
        visits_made += d.made.iter().filter(|(e, _)| e == "visit").count();
        // Every conflict the device was told about is recorded for the office.
        for m in &d.conflicts {
            let n = fieldcheck_store::entities::sync_conflicts::Entity::find()
                .filter(
                    fieldcheck_store::entities::sync_conflicts::Column::MutationId
                        .eq(uuid::Uuid::parse_str(m).unwrap()),
                )
                .count(db)
                .await
                .unwrap();
            assert!(
                n >= 1,
                "conflict of mutation {m} not recorded (seed {seed})"
            );
        }
    }
    let conflicts: usize = devices.iter().map(|d| d.conflicts.len()).sum();
    eprintln!(
        "simulation seed {seed}: {} devices, {all_made} mutations, {visits_made} visits, {conflicts} conflicts, {lost} lost responses",
        devices.len()
    );
    // The run exercised what it claims to: conflicts happened and responses were lost.
    assert!(conflicts > 0, "no conflict arose (seed {seed})");
    assert!(lost > 0, "no response was lost (seed {seed})");
    // Exactly once: one stored result per mutation made, one visit per visit created.
    let stored = fieldcheck_store::entities::sync_mutations::Entity::find()
        .count(db)
        .await
        .unwrap() as usize;
    assert_eq!(stored, all_made, "seed {seed}");
    let visits = fieldcheck_store::entities::visits::Entity::find()
        .count(db)
        .await
        .unwrap() as usize;
    assert_eq!(visits, visits_made, "seed {seed}");
}

/// PostgreSQL with many writer transactions that hold their change open for a random while and
/// commit in whatever order they finish, while a reader pulls continuously: every committed
/// change must reach the reader.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_make_a_pull_skip_a_change() {
    use fieldcheck_store::{Scope, registry, sync};
    let app = spawn_app(Backend::Postgres).await;
    let store = app.state.store.clone();
    let office = app.login("office").await;
    let village: fieldcheck_domain::PlaceId = app
        .village_id("460106001201", &office)
        .await
        .parse()
        .unwrap();
    let start = sync::head(&store.db).await.unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));

    let reader = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut cursor = start;
            let mut seen = BTreeSet::new();
            let mut pulls = 0;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = sync::pull(
                    &store.db,
                    &store.pii,
                    &Scope::All,
                    fieldcheck_domain::UserId::new(),
                    cursor,
                    7,
                )
                .await
                .unwrap();
                pulls += 1;
                for c in &page.changes {
                    if c.entity == "household" && c.op == "upsert" {
                        seen.insert(c.id);
                    }
                }
                cursor = page.last_seq;
                if finished && !page.has_more {
                    return (seen, pulls);
                }
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
    };

    let mut writers = Vec::new();
    for w in 0..8u64 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w + 1));
            let mut created = Vec::new();
            for i in 0..8 {
                let txn = store.write().await.unwrap();
                let h = registry::create_household(
                    &*txn,
                    &store.pii,
                    None,
                    serde_json::from_value(json!({ "registration_no": format!("HK-CONC-{w}-{i}"), "village_id": village, "head_name": "并发户", "status": "exited" })).unwrap(),
                )
                .await
                .unwrap();
                // Hold the transaction open after its change was logged, then commit.
                tokio::time::sleep(std::time::Duration::from_millis(rng.below(15) as u64)).await;
                txn.commit().await.unwrap();
                created.push(h.household.id.0);
            }
            created
        }));
    }
    let mut all = BTreeSet::new();
    for w in writers {
        all.extend(w.await.unwrap());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (seen, pulls) = reader.await.unwrap();
    assert!(
        pulls > 10,
        "the reader pulled while writers ran ({pulls} pulls)"
    );
    let missed: Vec<_> = all.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "{} of {} committed changes were skipped by the pulls",
        missed.len(),
        all.len()
    );
}
