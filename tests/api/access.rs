use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;
use serde_json::{Value, json};

on_both_backends!(
    inspectors_cannot_reach_each_others_records,
    roles_without_permission_get_403,
    district_reviewer_sees_only_their_district
);

/// Ids of one household of the inspector's scope and of its member, plan and measure.
async fn ids_in_scope(app: &TestApp, token: &str) -> (String, String, String, String) {
    let hs = app.list_all("/households", token).await;
    assert!(!hs.is_empty());
    let hid = hs[0]["id"].as_str().unwrap().to_owned();
    let d = app.get(&format!("/households/{hid}"), token).await;
    let member = d.body["members"][0]["id"].as_str().unwrap().to_owned();
    let plan = d.body["current_plan"]["id"].as_str().unwrap().to_owned();
    let measure = d.body["current_plan"]["measures"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (hid, member, plan, measure)
}

async fn inspectors_cannot_reach_each_others_records(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.login("inspector1").await;
    let two = app.login("inspector2").await;
    let mine = app.list_all("/households", &one).await;
    let theirs = app.list_all("/households", &two).await;
    assert!(!mine.is_empty() && !theirs.is_empty());
    let village = |h: &Value| h["village_id"].as_str().unwrap().to_owned();
    assert!(mine.iter().all(|h| village(h) == village(&mine[0])));
    assert!(
        theirs.iter().all(|h| village(h) != village(&mine[0])),
        "sibling villages must not overlap"
    );

    for (me, other) in [(&one, &two), (&two, &one)] {
        let (hid, member, plan, measure) = ids_in_scope(&app, other).await;
        // Each record answers for its owner…
        for path in [
            format!("/households/{hid}"),
            format!("/members/{member}"),
            format!("/plans/{plan}"),
            format!("/measures/{measure}"),
        ] {
            assert_eq!(app.get(&path, other).await.status, 200, "{path}");
            // …and is absent for the sibling: 404, no data, the same body as a made-up id.
            let r = app.get(&path, me).await;
            r.assert_problem(404, "not-found");
            assert!(
                !r.text.contains(&hid) && !r.text.contains("head_name"),
                "{}",
                r.text
            );
            let made_up = app
                .get(
                    &path.replace(
                        &path[path.rfind('/').unwrap() + 1..],
                        &uuid::Uuid::now_v7().to_string(),
                    ),
                    me,
                )
                .await;
            assert_eq!(made_up.text, r.text);
        }
        // Filters cannot widen the scope, and lists do not leak.
        let by_village = app
            .list_all(
                &format!(
                    "/households?village={}",
                    village(&app.get(&format!("/households/{hid}"), other).await.body)
                ),
                me,
            )
            .await;
        assert!(by_village.is_empty());
        let plans = app.list_all(&format!("/plans?household={hid}"), me).await;
        assert!(plans.is_empty());
        // Writes with the other's ids are refused too (field roles cannot edit over REST at all).
        let w = app
            .patch(
                &format!("/households/{hid}"),
                me,
                Some("\"x\""),
                json!({ "phone": "13800000000" }),
            )
            .await;
        assert!(w.status == 403 || w.status == 404, "{}", w.text);
        let w = app
            .post(
                &format!("/households/{hid}/members"),
                Some(me),
                json!({ "name": "x", "relation": "x" }),
            )
            .await;
        assert!(w.status == 403 || w.status == 404, "{}", w.text);
        let w = app
            .post(
                &format!("/plans/{plan}/measures"),
                Some(me),
                json!({ "kind": "other", "description": "x" }),
            )
            .await;
        assert!(w.status == 403 || w.status == 404, "{}", w.text);
    }
}

async fn roles_without_permission_get_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let inspector = app.login("inspector1").await;
    let office = app.login("office").await;
    let some_user = app
        .get("/users?limit=1", &app.login("admin").await)
        .await
        .body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let gets = [
        "/users".to_owned(),
        format!("/users/{some_user}"),
        "/audit".to_owned(),
        "/audit/verify".to_owned(),
        "/assessees".to_owned(),
    ];
    for path in &gets {
        app.get(path, &inspector)
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/users", &office)
        .await
        .assert_problem(403, "forbidden");
    let posts = [
        ("/places", json!({})),
        ("/households", json!({})),
        ("/plans", json!({})),
        ("/units", json!({})),
        ("/persons", json!({})),
        ("/assessees", json!({})),
        ("/users", json!({})),
    ];
    for (path, body) in posts {
        // The role check comes before the body is looked at, so even an empty body gets 403.
        let r = app.post(path, Some(&inspector), body).await;
        assert_eq!(r.status, 403, "{path}: {}", r.text);
    }
    // Revealing ID numbers needs a role that may; the office may, and the reveal is audited.
    let hid = app.list_all("/households", &inspector).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/households/{hid}?reveal=id_number"), &inspector)
        .await
        .assert_problem(403, "forbidden");
    let revealed = app
        .get(&format!("/households/{hid}?reveal=id_number"), &office)
        .await;
    assert_eq!(revealed.status, 200);
    let number = revealed.body["members"][0]["id_number"].as_str().unwrap();
    assert_eq!(number.len(), 18);
    assert!(!number.contains('*'));
    assert_eq!(revealed.headers.get("cache-control").unwrap(), "no-store");
    let masked = app.get(&format!("/households/{hid}"), &office).await;
    assert!(
        masked.body["members"][0]["id_number"]
            .as_str()
            .unwrap()
            .contains("********")
    );
    let admin = app.login("admin").await;
    let log = app
        .get(
            &format!("/audit?target_type=household&target_id={hid}"),
            &admin,
        )
        .await;
    let reveal = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "pii.reveal")
        .expect("reveal audited");
    assert!(!reveal.to_string().contains(number));
    // Lookup by ID number goes through the keyed hash and is audited.
    let found = app
        .post(
            "/households/lookup",
            Some(&office),
            json!({ "id_number": number }),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.body["items"][0]["id"], hid.as_str());
}

async fn district_reviewer_sees_only_their_district(backend: Backend) {
    let app = spawn_app(backend).await;
    let reviewer = app.login("reviewer-longhua").await;
    let office = app.login("office").await;
    let seen = app.list_all("/households?limit=500", &reviewer).await;
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|h| h["district_code"] == "460106"));
    let elsewhere = app
        .list_all("/households?district=460108&limit=5", &office)
        .await;
    let foreign = elsewhere[0]["id"].as_str().unwrap();
    app.get(&format!("/households/{foreign}"), &reviewer)
        .await
        .assert_problem(404, "not-found");
    let assessees = app.list_all("/assessees", &reviewer).await;
    assert!(!assessees.is_empty() && assessees.iter().all(|a| a["district_code"] == "460106"));
    // The assessee account sees only itself.
    let own = app.login("assessee-longhua").await;
    let list = app.list_all("/assessees", &own).await;
    assert_eq!(list.len(), 1);
    app.get("/households", &own)
        .await
        .assert_problem(403, "forbidden");
}
