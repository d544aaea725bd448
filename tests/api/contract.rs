//! The OpenAPI document in api-spec/ is the contract: the served document is that file, the
//! server's routes and the document's operations are the same set, and so are the server's
//! problem codes (`ProblemCode`) and the document's `Problem.type`.

use crate::helpers::{Backend, spawn_app};
use fieldcheck_api::error::{PROBLEM_PREFIX, ProblemCode};
use std::collections::{BTreeMap, BTreeSet};

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

/// The codes of the spec's `Problem.type` enum (each `urn:fieldcheck:problem:<code>`).
fn documented_problem_codes(spec: &serde_json::Value) -> BTreeSet<String> {
    spec["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
        .as_array()
        .expect("Problem.type has an enum")
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| s.strip_prefix(PROBLEM_PREFIX))
                .unwrap_or_else(|| panic!("{v} is not {PROBLEM_PREFIX}<code>"))
                .to_owned()
        })
        .collect()
}

/// The table of codes in `info.description`: each row's codes (one or more, in backticks) and
/// its status.
fn described_statuses(spec: &serde_json::Value) -> BTreeMap<String, u16> {
    let description = spec["info"]["description"]
        .as_str()
        .expect("info.description");
    let code = regex::Regex::new(r"`([a-z]+(?:-[a-z]+)*)`").unwrap();
    let mut table = BTreeMap::new();
    for row in description.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let status: u16 = cells[2]
            .parse()
            .unwrap_or_else(|_| panic!("no status in the row {row:?}"));
        for c in code.captures_iter(cells[1]) {
            table.insert(c[1].to_owned(), status);
        }
    }
    table
}

/// What the spec's problem responses say: for each code a response names (as the `type`'s
/// `const` or `enum`, or in its example), the statuses those responses give (`status`'s `const`,
/// or the example's). Found wherever `application/problem+json` content appears.
fn response_statuses(spec: &serde_json::Value) -> BTreeMap<String, BTreeSet<u16>> {
    fn strings(v: &serde_json::Value) -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a.iter().flat_map(strings).collect(),
            _ => Vec::new(),
        }
    }
    fn visit(v: &serde_json::Value, out: &mut BTreeMap<String, BTreeSet<u16>>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(content) = map.get("application/problem+json") {
                    let mut types = Vec::new();
                    let mut statuses = BTreeSet::new();
                    let parts = content["schema"]["allOf"].as_array().cloned();
                    for part in parts.unwrap_or_default() {
                        let props = &part["properties"];
                        types.extend(strings(&props["type"]["const"]));
                        types.extend(strings(&props["type"]["enum"]));
                        statuses.extend(props["status"]["const"].as_u64());
                    }
                    types.extend(strings(&content["example"]["type"]));
                    statuses.extend(content["example"]["status"].as_u64());
                    for t in types {
                        let code = t.strip_prefix(PROBLEM_PREFIX).unwrap_or(&t).to_owned();
                        let entry = out.entry(code).or_default();
                        entry.extend(statuses.iter().map(|s| *s as u16));
                    }
                }
                map.values().for_each(|v| visit(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| visit(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    visit(spec, &mut out);
    out
}

/// The server's problem codes are `ProblemCode::ALL`; the spec's are the `Problem.type` enum.
/// The two are the same set, each code is in the description's table with the variant's status,
/// and a response of the spec that names a code gives the variant's status.
#[test]
fn problem_codes_and_the_spec_agree() {
    let spec = spec();
    let documented = documented_problem_codes(&spec);
    let table = described_statuses(&spec);
    let responses = response_statuses(&spec);
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for variant in ProblemCode::ALL {
        let code = variant.code();
        let status = variant.status().as_u16();
        if !seen.insert(code) {
            wrong.push(format!("two variants share the code {code}"));
        }
        if ProblemCode::from_code(code) != Some(*variant) {
            wrong.push(format!("{code} does not read back as {variant:?}"));
        }
        if !documented.contains(code) {
            wrong.push(format!("the server sends {code}, which Problem.type lacks"));
        }
        match table.get(code) {
            None => wrong.push(format!(
                "problem code {code} is missing from the table in info.description"
            )),
            Some(&described) if described != status => wrong.push(format!(
                "{code}: the server sends {status}, the table in info.description says {described}"
            )),
            Some(_) => {}
        }
        if let Some(given) = responses.get(code)
            && !given.is_empty()
            && !given.contains(&status)
        {
            wrong.push(format!(
                "{code}: the server sends {status}, the spec's responses naming it give {given:?}"
            ));
        }
    }
    for code in &documented {
        if ProblemCode::from_code(code).is_none() {
            wrong.push(format!(
                "Problem.type lists {code}, which is no ProblemCode variant"
            ));
        }
    }
    for code in table.keys() {
        if ProblemCode::from_code(code).is_none() {
            wrong.push(format!(
                "the table in info.description lists {code}, which is no ProblemCode variant"
            ));
        }
    }
    for code in responses.keys() {
        if ProblemCode::from_code(code).is_none() {
            wrong.push(format!(
                "a response of the spec names {code}, which is no ProblemCode variant"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The store names its refusals by their wire code (`StoreError::Refused { code: "…" }`, and the
/// step-transition errors mapped to codes); each must be a `ProblemCode`, or the API would answer
/// it as `internal`. Read from the store's source, which holds them as text.
#[test]
fn the_stores_refusals_are_problem_codes() {
    let root = crate::helpers::project_dir();
    let literal = regex::Regex::new(r#"=>\s*"([a-z]+(?:-[a-z]+)*)""#).unwrap();
    let refused_code = regex::Regex::new(r#"code:\s*"([a-z]+(?:-[a-z]+)*)""#).unwrap();
    let mut codes = BTreeSet::new();
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{root}/crates/store/src"))];
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
    // The scan must see what it is known to contain, so it cannot find nothing and pass.
    for known in [
        "wrong-step",
        "step-skipped",
        "reason-required",
        "same-step",
        "cycle-locked",
        "not-aggregated",
        "already-submitted",
        "conflict-of-interest",
        "not-commissioned",
    ] {
        assert!(
            codes.contains(known),
            "the scan of crates/store missed {known}: {codes:?}"
        );
    }
    let unknown: Vec<_> = codes
        .iter()
        .filter(|c| ProblemCode::from_code(c).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "the store refuses with codes that are no ProblemCode: {unknown:?}"
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
