use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::on_both_backends;
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    bad_input_gets_clear_problems,
    every_path_names_its_methods_on_405,
    refused_writes_side_by_side_fail_nobody_else
);

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
    // serde fills a struct from an array of its fields; the API takes objects only.
    let r = app
        .raw(Method::POST, "/auth/login", None, |r| {
            r.header("content-type", "application/json")
                .body(r#"["admin", "fieldcheck-demo", "laptop"]"#)
        })
        .await;
    r.assert_problem(422, "invalid-body");
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
    // A request head larger than the server reads: problem+json like every other mistake.
    let long = format!(
        "/households?district={}",
        "1".repeat(fieldcheck_api::MAX_URI_BYTES)
    );
    app.get(&long, &office)
        .await
        .assert_problem(414, "uri-too-long");
    app.raw(Method::GET, "/households", Some(&office), |mut r| {
        for i in 0..=fieldcheck_api::MAX_HEADER_FIELDS {
            r = r.header(format!("x-filler-{i}"), "x");
        }
        r
    })
    .await
    .assert_problem(431, "headers-too-large");

    // The server's address: a browser lands on the office's sign-in, an API client gets the
    // problem of a path that is no resource.
    app.raw(Method::GET, "/", None, |r| {
        r.header("accept", "application/json")
    })
    .await
    .assert_problem(404, "not-found");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let landing = browser
        .get(format!("{}/", app.base))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(landing.status(), 303);
    assert_eq!(landing.headers()["location"], "/ui/");
    app.raw(Method::DELETE, "/households", Some(&office), |r| r)
        .await
        .assert_problem(405, "method-not-allowed");

    // One rule for every list: a filter value outside its vocabulary is a 400, a path naming a
    // record that does not exist is a 404 — never an empty 200.
    for bad in [
        "/templates?year=1999",
        "/templates?year=2101",
        "/photos?status=bogus",
        "/photos?review_status=bogus",
        "/photos?flag=bogus",
        "/households?district=bogus",
    ] {
        app.get(bad, &office)
            .await
            .assert_problem(400, "invalid-query");
    }
    let cycle = app.get("/cycles", &office).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/cycles/{cycle}/progress?district=bogus"), &office)
        .await
        .assert_problem(400, "invalid-query");
    assert_eq!(
        app.get(
            &format!("/cycles/{cycle}/progress?district=460106"),
            &office
        )
        .await
        .status,
        200
    );
    let unknown = uuid::Uuid::now_v7();
    let assessee = app.get("/assessees?limit=1", &office).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/cycles/{unknown}/satisfaction"),
        format!("/cycles/{unknown}/self-reports"),
        format!("/cycles/{unknown}/results"),
        format!("/cycles/{unknown}/progress"),
        format!("/cycles/{unknown}/scores?assessee_id={assessee}"),
    ] {
        app.get(&path, &office)
            .await
            .assert_problem(404, "not-found");
    }

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

/// RFC 9110 §15.5.6: a 405 carries `Allow` with the methods the resource has, on every path.
async fn every_path_names_its_methods_on_405(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut methods: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (method, path, _) in fieldcheck_api::routes::table() {
        methods.entry(path).or_default().push(method.to_string());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let parameter = regex::Regex::new(r"\{[^}]+\}").unwrap();
    for (path, allowed) in methods {
        let unused = ["DELETE", "PUT", "PATCH", "POST", "GET"]
            .into_iter()
            .find(|m| !allowed.iter().any(|a| a == m))
            .unwrap();
        let concrete = parameter.replace_all(path, id.as_str()).into_owned();
        let r = app
            .raw(
                Method::from_bytes(unused.as_bytes()).unwrap(),
                &concrete,
                None,
                |r| r,
            )
            .await;
        r.assert_problem(405, "method-not-allowed");
        let allow = r
            .headers
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let mut listed: Vec<String> = allow
            .unwrap_or_else(|| panic!("{unused} {path}: 405 without Allow"))
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect();
        listed.sort();
        let mut expected = allowed.clone();
        expected.sort();
        assert_eq!(listed, expected, "{unused} {path}");
    }
}

/// Writes refused by the store (here: a second plan for the same household and year), four at a
/// time: each is answered 409 and none disturbs another. A refused transaction's rollback must be
/// done before the next writer starts, or SQLite's write lock is still held when it begins.
async fn refused_writes_side_by_side_fail_nobody_else(backend: Backend) {
    use futures_util::StreamExt;
    let app = spawn_app(backend).await;
    let office = app.login("office").await;
    let household = app.get("/households?limit=1", &office).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({ "household_id": household, "year": 2026, "measures": [] });
    let statuses: Vec<u16> = futures_util::stream::iter(0..200)
        .map(|_| {
            let (app, office, body) = (&app, &office, body.clone());
            async move { app.post("/plans", Some(office), body).await.status.as_u16() }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 409 || *s == 201),
        "{:?}",
        statuses.iter().filter(|s| **s != 409).collect::<Vec<_>>()
    );
}
