use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::on_both_backends;
use reqwest::Method;
use serde_json::json;

on_both_backends!(bad_input_gets_clear_problems);

async fn bad_input_gets_clear_problems(backend: Backend) {
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let village = app.village_id("460106001201", &office).await;
    let post_raw = |body: &'static str, ct: &'static str| {
        let app = &app;
        let office = office.clone();
        async move {
            app.raw(Method::POST, "/households", Some(&office), |r| {
                r.header("content-type", ct).body(body)
            })
            .await
        }
    };
    post_raw("{\"registration_no\": ", "application/json")
        .await
        .assert_problem(400, "malformed-json");
    post_raw("not json", "application/json")
        .await
        .assert_problem(400, "malformed-json");
    post_raw("{}", "text/plain")
        .await
        .assert_problem(415, "unsupported-media-type");
    post_raw("{}", "application/x-www-form-urlencoded")
        .await
        .assert_problem(415, "unsupported-media-type");

    // Wrong type, unknown enum value, unknown field: 422 with the path of the field.
    let base = json!({ "registration_no": "HK-ERR-1", "village_id": village, "head_name": "张三", "status": "exited" });
    let mut wrong_type = base.clone();
    wrong_type["head_name"] = json!(12);
    let r = app.post("/households", Some(&office), wrong_type).await;
    r.assert_problem(422, "invalid-body");
    assert!(
        r.body["detail"].as_str().unwrap().contains("head_name"),
        "{}",
        r.text
    );
    let mut bad_enum = base.clone();
    bad_enum["status"] = json!("rich");
    let r = app.post("/households", Some(&office), bad_enum).await;
    r.assert_problem(422, "invalid-body");
    assert!(
        r.body["detail"].as_str().unwrap().contains("status"),
        "{}",
        r.text
    );
    let mut unknown = base.clone();
    unknown["favourite_colour"] = json!("red");
    app.post("/households", Some(&office), unknown)
        .await
        .assert_problem(422, "invalid-body");
    let mut bad_member = base.clone();
    bad_member["members"] =
        json!([{ "name": "张三", "relation": "户主", "id_number": "460106197001010010" }]);
    let r = app.post("/households", Some(&office), bad_member).await;
    r.assert_problem(422, "validation-failed");
    assert_eq!(r.body["errors"][0]["field"], "members[0].id_number");
    assert!(
        !r.text.contains("460106197001010010"),
        "the rejected number is not echoed"
    );
    let mut bad_loc = base.clone();
    bad_loc["location"] = json!({ "lat": 95.0, "lon": 110.0 });
    let r = app.post("/households", Some(&office), bad_loc).await;
    assert_eq!(r.body["errors"][0]["field"], "location", "{}", r.text);
    // Nothing of the refused requests was stored.
    let lookup = app.list_all("/households?limit=500", &office).await;
    assert!(lookup.iter().all(|h| h["registration_no"] != "HK-ERR-1"));

    // Query and path problems.
    app.get("/households?cursor=forged", &office)
        .await
        .assert_problem(400, "invalid-cursor");
    let page = app.get("/households?limit=2", &office).await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    app.get(
        &format!("/households?limit=2&status=exited&cursor={cursor}"),
        &office,
    )
    .await
    .assert_problem(400, "invalid-cursor");
    let other = app.login("admin").await;
    app.get(&format!("/households?limit=2&cursor={cursor}"), &other)
        .await
        .assert_problem(400, "invalid-cursor");
    app.get("/households?status=rich", &office)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/households?bogus=1", &office)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/households?district=46", &office)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/households?limit=-1", &office)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/households/not-a-uuid", &office)
        .await
        .assert_problem(404, "not-found");
    app.get("/no/such/route", &office)
        .await
        .assert_problem(404, "not-found");
    app.raw(Method::DELETE, "/households", Some(&office), |r| r)
        .await
        .assert_problem(405, "method-not-allowed");

    // Oversized bodies: 413 from the declared length and while streaming.
    let small = spawn_app_with(backend, |c| c.limits.json_body_bytes = 2048).await;
    let token = small.login("office").await;
    let big = format!("{{\"registration_no\": \"{}\"}}", "x".repeat(10_000));
    let r = small
        .raw(Method::POST, "/households", Some(&token), |r| {
            r.header("content-type", "application/json")
                .body(big.clone())
        })
        .await;
    r.assert_problem(413, "payload-too-large");
    let stream = futures_stream(big.into_bytes());
    let r = small
        .raw(Method::POST, "/households", Some(&token), |r| {
            r.header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(stream))
        })
        .await;
    r.assert_problem(413, "payload-too-large");
}

fn futures_stream(
    bytes: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::iter(
        bytes
            .chunks(1000)
            .map(|c| Ok(c.to_vec()))
            .collect::<Vec<_>>(),
    )
}
