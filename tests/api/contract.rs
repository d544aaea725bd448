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

/// The problem codes the server can send, read from its source: the codes of `ApiError::code`
/// (crates/api/src/error.rs) and the codes of the workflow's refusals (`Refused { code: … }`
/// and the step-transition errors mapped to codes) anywhere under crates/.
fn server_problem_codes() -> BTreeSet<String> {
    let root = crate::helpers::project_dir();
    let literal = regex::Regex::new(r#"=>\s*"([a-z]+(?:-[a-z]+)*)""#).unwrap();
    let refused_code = regex::Regex::new(r#"code:\s*"([a-z]+(?:-[a-z]+)*)""#).unwrap();
    let mut codes = BTreeSet::new();
    // `ApiError::code`: the arms of the function, up to the next function.
    let error_rs = std::fs::read_to_string(format!("{root}/crates/api/src/error.rs")).unwrap();
    let start = error_rs
        .find("pub fn code(&self)")
        .expect("ApiError::code in crates/api/src/error.rs");
    let body = &error_rs[start..];
    let body = &body[..body[1..].find("\n    fn ").map_or(body.len(), |e| e + 1)];
    for c in literal.captures_iter(body) {
        codes.insert(c[1].to_owned());
    }
    // Refusals: `Refused { code: "…", … }` and `TransitionError::… => "…"`.
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{root}/crates"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                files.push(p);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("Refused {") {
            let window: String = rest[at..].chars().take(200).collect();
            if let Some(c) = refused_code.captures(&window) {
                codes.insert(c[1].to_owned());
            }
            rest = &rest[at + 1..];
        }
        for line in text.lines().filter(|l| l.contains("TransitionError::")) {
            for c in literal.captures_iter(line) {
                codes.insert(c[1].to_owned());
            }
        }
    }
    codes
}

#[test]
fn every_problem_type_is_documented() {
    let spec = spec();
    let documented: BTreeSet<String> =
        spec["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
            .as_array()
            .expect("Problem.type has an enum")
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| s.strip_prefix("urn:fieldcheck:problem:"))
                    .unwrap_or_else(|| panic!("{v} is not urn:fieldcheck:problem:<code>"))
                    .to_owned()
            })
            .collect();
    let sent = server_problem_codes();
    let mut wrong = Vec::new();
    // The source scan must see what it is known to contain, so it cannot find nothing and pass.
    for known in [
        "unauthorized",
        "not-found",
        "validation-failed",
        "internal",
        "cycle-locked",
        "wrong-step",
        "step-skipped",
        "reason-required",
        "same-step",
        "not-aggregated",
        "already-submitted",
        "conflict-of-interest",
        "not-commissioned",
        "uri-too-long",
        "headers-too-large",
    ] {
        if !sent.contains(known) {
            wrong.push(format!(
                "the server's source does not send {known} (or the scan missed it)"
            ));
        }
    }
    for code in sent.difference(&documented) {
        wrong.push(format!("the server sends {code}, which Problem.type lacks"));
    }
    for code in documented.difference(&sent) {
        wrong.push(format!(
            "Problem.type lists {code}, which the server never sends"
        ));
    }
    // Each code is also in the description's table of codes.
    let description = spec["info"]["description"].as_str().unwrap();
    for code in &sent {
        if !description.contains(&format!("`{code}`")) {
            wrong.push(format!(
                "problem code {code} is missing from the table in info.description"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n(codes found in the source: {sent:?})",
        wrong.join("\n")
    );
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
