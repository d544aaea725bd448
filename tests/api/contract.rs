//! The OpenAPI document in api-spec/ is the contract: the served document is that file, and the
//! server's routes and the document's operations are the same set.

use crate::helpers::{Backend, spawn_app};
use std::collections::BTreeSet;

fn spec_path() -> String {
    format!("{}/api-spec/openapi.yaml", crate::helpers::project_dir())
}

fn spec() -> serde_json::Value {
    let text = std::fs::read_to_string(spec_path()).expect("spec file");
    serde_yaml::from_str(&text).expect("spec is YAML")
}

fn spec_operations(spec: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[test]
fn server_routes_and_spec_operations_are_the_same() {
    let spec = spec();
    let documented = spec_operations(&spec);
    let served: BTreeSet<(String, String)> = fieldcheck_api::routes::table()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from api-spec/openapi.yaml: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented operations the server lacks: {unserved:?}"
    );
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn every_problem_type_is_documented() {
    let text = std::fs::read_to_string(spec_path()).unwrap();
    for code in [
        "unauthorized",
        "forbidden",
        "not-found",
        "method-not-allowed",
        "validation-failed",
        "malformed-json",
        "invalid-body",
        "unsupported-media-type",
        "payload-too-large",
        "invalid-query",
        "invalid-cursor",
        "if-match-required",
        "stale-version",
        "duplicate",
        "missing-reference",
        "too-many-attempts",
        "unavailable",
        "internal",
        "cycle-locked",
        "wrong-step",
        "step-skipped",
        "reason-required",
        "not-aggregated",
        "already-submitted",
        "conflict-of-interest",
        "not-commissioned",
    ] {
        assert!(text.contains(code), "problem type {code} is not documented");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_document_is_the_file_and_every_operation_answers() {
    let app = spawn_app(Backend::Sqlite).await;
    let served = app
        .raw(reqwest::Method::GET, "/openapi.json", None, |r| r)
        .await;
    assert_eq!(served.status, 200);
    let spec = spec();
    assert_eq!(
        served.body, spec,
        "GET /openapi.json differs from api-spec/openapi.yaml"
    );
    // Each documented operation reaches a handler: never the 404/405 of an unknown route.
    for (method, path) in spec_operations(&spec) {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = app
            .raw(m, &concrete, None, |r| {
                r.header("content-type", "application/json").body("{}")
            })
            .await;
        assert_ne!(r.status, 405, "{method} {path}");
        if r.status == 404 {
            assert!(
                path.contains("{id}"),
                "{method} {path} is documented but not routed"
            );
        }
    }
}
