//! The questionnaire cases the server and the field app share (tests/fixtures/
//! questionnaire-cases.json), run against the server's check. The app's check
//! (crates/app/static/js/survey.js) runs the same file in crates/app/tests/js/survey.test.mjs, so
//! a rule changed on one side only fails one of the two.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fieldcheck_domain::questionnaire::{Questionnaire, default_questionnaire};
use serde_json::Value;
use std::collections::BTreeMap;

fn cases() -> Value {
    // The checkout the test runs in (cargo sets the variable when it runs a test); the path
    // compiled in is only a fall-back.
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let path = format!("{crate_dir}/../../tests/fixtures/questionnaire-cases.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the shared cases")).expect("JSON")
}

#[test]
fn the_shared_cases_hold_on_the_server() {
    let doc = cases();
    let mut questionnaires = BTreeMap::new();
    for (name, def) in doc["questionnaires"].as_object().expect("questionnaires") {
        let q: Questionnaire = serde_json::from_value(def.clone()).expect("a definition");
        q.validate_definition()
            .unwrap_or_else(|e| panic!("{name} is a valid definition: {e:?}"));
        questionnaires.insert(name.clone(), q);
    }
    // The default questionnaire in the file is the one the server installs.
    assert_eq!(
        questionnaires["default"],
        default_questionnaire().expect("default"),
        "tests/fixtures/questionnaire-cases.json has the server's default questionnaire"
    );

    let mut failures = Vec::new();
    let list = doc["cases"].as_array().expect("cases");
    assert!(list.len() >= 20, "cases are there");
    for case in list {
        let name = case["name"].as_str().expect("name");
        let q = &questionnaires[case["questionnaire"].as_str().expect("questionnaire")];
        let answers = case["answers"].as_object().expect("answers");
        let mut want: Vec<(String, String)> = case["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    format!("answers.{}", e["question"].as_str().expect("question")),
                    e["code"].as_str().expect("code").to_owned(),
                )
            })
            .collect();
        want.sort();
        match q.check_answers(answers) {
            Ok(checked) => {
                if !want.is_empty() {
                    failures.push(format!("{name}: accepted, expected {want:?}"));
                    continue;
                }
                let satisfied = case["satisfied"].as_bool();
                if checked.satisfied != satisfied {
                    failures.push(format!(
                        "{name}: satisfied {:?}, expected {satisfied:?}",
                        checked.satisfied
                    ));
                }
                if Some(checked.answered as u64) != case["answered"].as_u64() {
                    failures.push(format!(
                        "{name}: answered {}, expected {}",
                        checked.answered, case["answered"]
                    ));
                }
            }
            Err(errors) => {
                let mut got: Vec<(String, String)> = errors
                    .0
                    .iter()
                    .map(|e| (e.field.clone(), e.code.to_owned()))
                    .collect();
                got.sort();
                if got != want {
                    failures.push(format!("{name}: got {got:?}, expected {want:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
