//! ARCHITECTURE.md matches the tree: every path it names exists, and every crate and top-level
//! folder of the project is in it.

use crate::helpers::project_dir;
use std::path::Path;

const ROOTS: [&str; 10] = [
    "src/",
    "crates/",
    "tests/",
    "migrations/",
    "api-spec/",
    "benches/",
    "bench/",
    "fuzz/",
    "deploy/",
    "README",
];

/// The backticked words of `text` that name a path in the project (`<placeholders>` and globs
/// left out; `a/{b,c}.rs` expanded).
fn named_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, word) in text.split('`').enumerate() {
        if i % 2 == 0
            || word.contains(['<', ' ', '*'])
            || !ROOTS.iter().any(|r| word.starts_with(r))
        {
            continue;
        }
        match (word.find('{'), word.find('}')) {
            (Some(open), Some(close)) => {
                for part in word[open + 1..close].split(',') {
                    out.push(format!("{}{part}{}", &word[..open], &word[close + 1..]));
                }
            }
            _ => out.push(word.to_owned()),
        }
    }
    out
}

#[test]
fn the_architecture_guide_matches_the_tree() {
    let root = project_dir();
    let guide = std::fs::read_to_string(Path::new(&root).join("ARCHITECTURE.md")).unwrap();
    let named = named_paths(&guide);
    assert!(named.len() > 20, "the guide names the tree: {named:?}");
    let missing: Vec<&String> = named
        .iter()
        .filter(|p| !Path::new(&root).join(p.trim_end_matches('/')).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );

    let mut folders: Vec<String> = std::fs::read_dir(Path::new(&root).join("crates"))
        .unwrap()
        .map(|e| format!("crates/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    folders.extend(
        [
            "src",
            "migrations",
            "api-spec",
            "tests/api",
            "tests/browser",
            "benches",
            "bench",
            "fuzz",
            "deploy",
        ]
        .map(String::from),
    );
    let absent: Vec<&String> = folders
        .iter()
        .filter(|f| {
            !named
                .iter()
                .any(|p| p.trim_end_matches('/') == f.as_str() || p.starts_with(&format!("{f}/")))
        })
        .collect();
    assert!(absent.is_empty(), "ARCHITECTURE.md leaves out: {absent:?}");
}
