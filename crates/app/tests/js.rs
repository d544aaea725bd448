//! The field app's JavaScript unit tests (`crates/app/tests/js/*.test.mjs`) under Node's own test
//! runner, so `cargo nextest` and `./dev test` run them: today the questionnaire cases shared with
//! the server (tests/fixtures/questionnaire-cases.json). Fails, never skips, without Node.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_apps_javascript_tests_pass_under_node() {
    // The checkout the test runs in (cargo sets the variable when it runs a test); the path
    // compiled in is only a fall-back, as in tests/api's `project_dir`.
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let dir = format!("{crate_dir}/tests/js");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/js")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert!(!files.is_empty(), "JavaScript tests in {dir}");
    let out = std::process::Command::new("node")
        .arg("--test")
        .args(&files)
        .output()
        .expect("node runs (Debian's nodejs; ./dev test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node --test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
    // The closing counts, for the log.
    for line in stdout
        .lines()
        .filter(|l| l.starts_with("# pass") || l.starts_with("# tests"))
    {
        println!("{line}");
    }
}
