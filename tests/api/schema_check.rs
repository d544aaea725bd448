//! Every response the end-to-end tests receive is checked against the OpenAPI document (the
//! served one: `contract.rs` keeps `GET /openapi.json` equal to the file). A response breaks the
//! contract, and the test that made the request fails, when
//!
//! * its status is not documented for the operation (exact code, then `4XX`-style ranges; the
//!   `default` response covers server errors (5xx) only, so every client error a route can
//!   answer must be listed),
//! * a method the path does not document answers anything but `405`,
//! * its `Content-Type` is not one the documented response declares, or it has a body where the
//!   response declares none,
//! * a header the response declares `required` is missing,
//! * or its JSON body does not validate against the response's schema (JSON Schema 2020-12,
//!   formats asserted).
//!
//! Paths that match no path of the document (the office's pages, unknown routes) are not part
//! of the contract and are skipped. Non-JSON bodies (images, CSV, XLSX) are checked for their
//! content type only.

use jsonschema::Validator;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let file = format!("{}/api-spec/openapi.yaml", crate::helpers::project_dir());
    let text = std::fs::read_to_string(&file).expect("api-spec/openapi.yaml");
    serde_yaml::from_str(&text).expect("the OpenAPI document is YAML")
});

/// Compiled validators by the JSON pointer of their schema in the document.
static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The validator of the schema at `pointer` in the document. The schema is compiled with the
/// document's `components` beside it, so its `#/components/...` references resolve.
fn validator(pointer: &str) -> Arc<Validator> {
    if let Some(v) = VALIDATORS.lock().expect("validator cache").get(pointer) {
        return v.clone();
    }
    let schema = SPEC
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no schema at {pointer}"));
    let mut root = match schema {
        Value::Object(m) => m.clone(),
        Value::Bool(b) => {
            let mut m = Map::new();
            if !b {
                m.insert("not".into(), Value::Object(Map::new()));
            }
            m
        }
        other => panic!("{pointer} is not a schema: {other}"),
    };
    assert!(
        !root.contains_key("components"),
        "{pointer}: a schema with a `components` keyword"
    );
    root.insert("components".into(), SPEC["components"].clone());
    let compiled = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&Value::Object(root))
        .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"));
    let compiled = Arc::new(compiled);
    VALIDATORS
        .lock()
        .expect("validator cache")
        .insert(pointer.to_owned(), compiled.clone());
    compiled
}

/// Escapes one JSON pointer token.
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The document's path template that `path` instantiates: a literal segment matches itself, a
/// `{param}` segment any non-empty segment; the template with the most literal segments wins.
fn template_of(path: &str) -> Option<&'static str> {
    let segs: Vec<&str> = path.split('/').collect();
    let mut best: Option<(&'static str, usize)> = None;
    for template in SPEC["paths"].as_object().expect("paths").keys() {
        let tsegs: Vec<&str> = template.split('/').collect();
        if tsegs.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let matches = tsegs.iter().zip(&segs).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        if matches && best.is_none_or(|(_, l)| literal > l) {
            best = Some((template.as_str(), literal));
        }
    }
    best.map(|(t, _)| t)
}

/// Follows `$ref`s to `#/components/...`; the object and its pointer.
fn resolve(mut pointer: String) -> (String, &'static Value) {
    loop {
        let v = SPEC
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("no {pointer} in the document"));
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("external $ref {r}"))
                    .to_owned()
            }
            None => return (pointer, v),
        }
    }
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// Answers the HTTP layer may give any request before it reaches an operation, when the
/// operation does not list the status itself.
fn answered_before_routing(status: u16) -> Option<&'static str> {
    match status {
        414 => Some("/components/responses/UriTooLong"),
        431 => Some("/components/responses/HeadersTooLarge"),
        _ => None,
    }
}

struct Ctx<'a> {
    method: &'a str,
    url_path: &'a str,
    template: &'a str,
    status: u16,
    body: &'a [u8],
}

/// Raised instead of a panic when `CONTRACT_VIOLATIONS_LOG` names a file: violations are
/// appended to it and the test goes on, so one run lists them all.
struct Logged;

impl Ctx<'_> {
    fn fail(&self, what: String) -> ! {
        let message = format!(
            "contract violation: {} {} (operation {} {}) answered {}: {what}\nbody: {}",
            self.method,
            self.url_path,
            self.method,
            self.template,
            self.status,
            String::from_utf8_lossy(&self.body[..self.body.len().min(2000)])
        );
        if let Some(file) = std::env::var_os("CONTRACT_VIOLATIONS_LOG") {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .expect("contract log");
            writeln!(f, "{message}\n").expect("contract log");
            std::panic::resume_unwind(Box::new(Logged));
        }
        panic!("{message}")
    }
}

/// Checks one response against the document; panics with what is wrong. Without `body` (a
/// caller that streams it), everything but the body is checked.
pub fn check(method: &str, url_path: &str, status: u16, headers: &HeaderMap, body: Option<&[u8]>) {
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_inner(method, url_path, status, headers, body)
    }));
    if let Err(e) = checked
        && !e.is::<Logged>()
    {
        std::panic::resume_unwind(e);
    }
}

fn check_inner(
    method: &str,
    url_path: &str,
    status: u16,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) {
    let unread = body.is_none();
    let body = body.unwrap_or_default();
    let path = url_path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let Some(template) = template_of(&path) else {
        return;
    };
    let method_lc = method.to_ascii_lowercase();
    let ctx = Ctx {
        method,
        url_path,
        template,
        status,
        body,
    };
    let item = &SPEC["paths"][template];
    // The response object (a pointer into the document).
    let response_ptr = if item.get(&method_lc).is_some() {
        let responses_ptr = format!("/paths/{}/{method_lc}/responses", token(template));
        let responses = SPEC
            .pointer(&responses_ptr)
            .and_then(Value::as_object)
            .unwrap_or_else(|| ctx.fail("the operation documents no responses".into()));
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let key = if responses.contains_key(&exact) {
            exact
        } else if responses.contains_key(&range) {
            range
        } else if status >= 500 && responses.contains_key("default") {
            "default".to_owned()
        } else if let Some(any) = answered_before_routing(status) {
            any.to_owned()
        } else {
            ctx.fail(format!(
                "status {status} is not documented for this operation (documented: {:?})",
                responses.keys().collect::<Vec<_>>()
            ))
        };
        if key.starts_with("/components/") {
            key
        } else {
            format!("{responses_ptr}/{}", token(&key))
        }
    } else if let Some(any) = answered_before_routing(status) {
        any.to_owned()
    } else {
        // A method the path does not have: the router's 405.
        if status != 405 {
            ctx.fail("the path does not document this method, so only 405 is allowed".into());
        }
        "/components/responses/MethodNotAllowed".to_owned()
    };
    let (response_ptr, response) = resolve(response_ptr);

    // Required headers.
    if let Some(declared) = response.get("headers").and_then(Value::as_object) {
        for name in declared.keys() {
            let (_, h) = resolve(format!("{response_ptr}/headers/{}", token(name)));
            let required = h.get("required").and_then(Value::as_bool) == Some(true);
            if required && !headers.contains_key(name.as_str()) {
                ctx.fail(format!("the required header {name} is missing"));
            }
        }
    }

    let content = response.get("content").and_then(Value::as_object);
    if method == "HEAD" {
        return;
    }
    let Some(content) = content else {
        if !unread && !body.is_empty() {
            ctx.fail(format!(
                "the documented response ({response_ptr}) has no content, but a body came"
            ));
        }
        return;
    };
    let Some(media) = media_type(headers) else {
        ctx.fail(format!(
            "no Content-Type; the documented response ({response_ptr}) declares {:?}",
            content.keys().collect::<Vec<_>>()
        ))
    };
    let declared = content.keys().find(|k| {
        let k = k.to_ascii_lowercase();
        k == media
            || k == "*/*"
            || k.strip_suffix("/*")
                .is_some_and(|p| media.starts_with(&format!("{p}/")))
    });
    let Some(declared) = declared else {
        ctx.fail(format!(
            "Content-Type {media} is not among those the documented response ({response_ptr}) \
             declares: {:?}",
            content.keys().collect::<Vec<_>>()
        ))
    };
    if unread || !is_json(&media) || headers.contains_key(CONTENT_ENCODING) {
        return;
    }
    let instance: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| ctx.fail(format!("a {media} body that is not JSON: {e}")));
    let schema_ptr = format!("{response_ptr}/content/{}/schema", token(declared));
    if SPEC.pointer(&schema_ptr).is_none() {
        return;
    }
    let v = validator(&schema_ptr);
    let errors: Vec<String> = v
        .iter_errors(&instance)
        .map(|e| {
            format!(
                "at instance {:?} (schema {}): {e}",
                e.instance_path().to_string(),
                e.schema_path()
            )
        })
        .collect();
    if !errors.is_empty() {
        ctx.fail(format!(
            "the body does not match {schema_ptr}:\n  {}",
            errors.join("\n  ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

    fn typed(ct: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        h
    }

    fn violates(method: &str, path: &str, status: u16, ct: &'static str, body: &str) -> bool {
        let h = typed(ct);
        std::panic::catch_unwind(|| check(method, path, status, &h, Some(body.as_bytes()))).is_err()
    }

    #[test]
    fn the_check_finds_what_breaks_the_contract() {
        let json = "application/json";
        let problem = "application/problem+json";
        let page = r#"{"items": [], "next_cursor": null}"#;
        // A conforming answer passes, with its query string and a `{id}` segment.
        assert!(!violates("GET", "/households?limit=5", 200, json, page));
        let not_found =
            r#"{"type": "urn:fieldcheck:problem:not-found", "title": "Not found", "status": 404}"#;
        assert!(!violates("GET", "/households/abc", 404, problem, not_found));
        // A missing required property, a wrong type, a bad format.
        assert!(violates(
            "GET",
            "/households",
            200,
            json,
            r#"{"items": []}"#
        ));
        assert!(violates(
            "GET",
            "/households",
            200,
            json,
            r#"{"items": {}, "next_cursor": null}"#
        ));
        assert!(violates(
            "GET",
            "/households",
            200,
            json,
            r#"{"items": [{"id": "not-a-uuid"}], "next_cursor": null}"#
        ));
        // A problem type outside the response's enum.
        let other = r#"{"type": "urn:fieldcheck:problem:internal", "title": "x", "status": 404}"#;
        assert!(violates("GET", "/households/abc", 404, problem, other));
        // A status the operation does not document (`default` covers 5xx only).
        assert!(violates("GET", "/households", 418, problem, not_found));
        // A content type the response does not declare.
        assert!(violates("GET", "/households", 200, "text/plain", page));
        // A method the path does not have answers 405 only.
        assert!(violates("DELETE", "/households", 200, json, page));
        // Paths outside the API are not checked.
        assert!(!violates("GET", "/ui/households", 200, "text/html", "<p>"));
    }
}
