//! Spawns the real app on a random port with its own database (a SQLite file, or a fresh
//! PostgreSQL database) loaded with the demo data, and talks HTTP to it.

use base64::Engine;
use fieldcheck_api::{Config, state::AppState};
use fieldcheck_store::sea_orm::{ConnectionTrait, Database};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use sha2::Digest;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Once;

pub const PASSWORD: &str = fieldcheck_store::demo::DEMO_PASSWORD;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one scenario on both backends as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

pub fn artifacts_dir() -> Option<PathBuf> {
    std::env::var_os("FIELDCHECK_TEST_ARTIFACTS").map(PathBuf::from)
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = artifacts_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("logs");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("test-{}.log", std::process::id()));
        let _ = fieldcheck_api::telemetry::init_tracing_file(&file, "debug,sqlx=warn,sea_orm=warn");
    });
}

/// The PostgreSQL server the tests use; `./dev test` starts one. Without it the PostgreSQL tests
/// fail rather than pass silently.
pub fn pg_admin_url() -> String {
    std::env::var("FIELDCHECK_TEST_PG_URL").expect(
        "FIELDCHECK_TEST_PG_URL is not set: run the suite with ./dev test, which starts PostgreSQL",
    )
}

pub async fn fresh_pg_database() -> String {
    let admin = pg_admin_url();
    let name = format!("fc_test_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(&admin)
        .await
        .expect("connect to test PostgreSQL");
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    db.close().await.ok();
    let (base, _) = admin.rsplit_once('/').expect("database url has a path");
    format!("{base}/{name}")
}

pub fn test_config(backend: Backend, data_dir: &std::path::Path, pg_url: Option<String>) -> Config {
    let mut config = Config {
        data_dir: data_dir.to_owned(),
        ..Default::default()
    };
    let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    config.auth.signing_keys = Some(fieldcheck_api::config::Secret(format!("test-1:{key}")));
    config.pii.key = Some(fieldcheck_api::config::Secret(
        base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
    ));
    if backend == Backend::Postgres {
        config.database_url = pg_url.map(fieldcheck_api::config::Secret);
    }
    config
}

/// The signing secret the test config uses (for forging tokens in the token tests).
pub fn test_signing_secret() -> [u8; 32] {
    [42u8; 32]
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let (tmp, data_dir) = match artifacts_dir() {
        Some(dir) => {
            let d = dir
                .join("data")
                .join(uuid::Uuid::new_v4().simple().to_string());
            std::fs::create_dir_all(&d).expect("artifacts dir");
            (None, d)
        }
        None => {
            let t = tempfile::tempdir().expect("temp dir");
            let p = t.path().to_owned();
            (Some(t), p)
        }
    };
    let pg = match backend {
        Backend::Postgres => Some(fresh_pg_database().await),
        Backend::Sqlite => None,
    };
    let mut config = test_config(backend, &data_dir, pg);
    adjust(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = fieldcheck_api::build_with(config, listener, fieldcheck_web::configure)
        .await
        .expect("app builds");
    fieldcheck_store::demo::load(&app.state.store)
        .await
        .expect("demo data loads");
    let base = format!("http://127.0.0.1:{}", app.port);
    let state = app.state.clone();
    tokio::spawn(app.server);
    TestApp {
        base,
        client: reqwest::Client::new(),
        state,
        data_dir,
        _tmp: tmp,
    }
}

/// Another server node beside `first`: the same database and the same blob store, its own data
/// directory and process state (caches, permits), as a second replica behind one address.
pub async fn spawn_peer(first: &TestApp) -> TestApp {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data_dir = tmp.path().to_owned();
    let mut config = first.state.config.clone();
    config.database_url = Some(fieldcheck_api::config::Secret(
        first.state.config.database_url(),
    ));
    config.blob.path = Some(first.state.config.blob_path());
    config.data_dir = data_dir.clone();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = fieldcheck_api::build_with(config, listener, fieldcheck_web::configure)
        .await
        .expect("peer builds");
    let base = format!("http://127.0.0.1:{}", app.port);
    let state = app.state.clone();
    tokio::spawn(app.server);
    TestApp {
        base,
        client: reqwest::Client::new(),
        state,
        data_dir,
        _tmp: Some(tmp),
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn etag(&self) -> String {
        self.headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Asserts a problem+json answer with this status and type code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let ct = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            ct.starts_with("application/problem+json"),
            "content type {ct}: {}",
            self.text
        );
        assert_eq!(
            self.body["type"],
            format!("urn:fieldcheck:problem:{code}"),
            "body: {}",
            self.text
        );
        assert_eq!(self.body["status"], status);
    }
}

impl TestApp {
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Resp {
        let method_name = method.to_string();
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let r = build(rb).send().await.expect("request sent");
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap_or_default();
        // Every answer must be one the OpenAPI document allows.
        crate::schema_check::check(&method_name, path, status.as_u16(), &headers, Some(&bytes));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.raw(Method::GET, path, Some(token), |r| r).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.raw(Method::POST, path, token, |r| r.json(&body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, etag: Option<&str>, body: Value) -> Resp {
        self.raw(Method::PATCH, path, Some(token), |r| {
            let r = r.json(&body);
            match etag {
                Some(e) => r.header(header::IF_MATCH, e),
                None => r,
            }
        })
        .await
    }

    pub async fn login_full(&self, username: &str) -> Value {
        let r = self
            .post(
                "/auth/login",
                None,
                json!({ "username": username, "password": PASSWORD, "device_id": "test-device" }),
            )
            .await;
        assert_eq!(r.status, 200, "login {username}: {}", r.text);
        r.body
    }

    /// Signs `username` in to the office's web pages as a browser would (the login form's CSRF
    /// cookie, then the form): the session cookie, as a `Cookie` header value.
    pub async fn web_session(&self, username: &str) -> String {
        let cookie = |r: &reqwest::Response, name: &str| {
            r.headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| v.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.split(';').next())
                .map(str::to_owned)
        };
        // Its own client: the session cookie comes with the redirect, which is not followed.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let form = client
            .get(format!("{}/ui/login", self.base))
            .send()
            .await
            .unwrap();
        let csrf = cookie(&form, "fc_login").expect("login CSRF cookie");
        let r = client
            .post(format!("{}/ui/login", self.base))
            .header(header::COOKIE, format!("fc_login={csrf}"))
            .form(&[
                ("username", username),
                ("password", PASSWORD),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_redirection(),
            "web login {username}: {}",
            r.status()
        );
        format!(
            "fc_session={}",
            cookie(&r, "fc_session").expect("session cookie")
        )
    }

    /// A web page's HTML, with a session from [`TestApp::web_session`].
    pub async fn web_page(&self, path: &str, session: &str) -> String {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.text().await.unwrap()
    }

    /// Disables a user through the API, as an admin would.
    pub async fn disable_user(&self, admin: &str, user_id: &str) {
        let path = format!("/users/{user_id}");
        let u = self.get(&path, admin).await;
        let r = self
            .patch(
                &path,
                admin,
                Some(&u.etag()),
                serde_json::json!({ "disabled": true }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    pub async fn login(&self, username: &str) -> String {
        self.login_full(username).await["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Every item of a list, following cursors.
    pub async fn list_all(&self, path: &str, token: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next: Option<String> = None;
        loop {
            let url = match &next {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let r = self.get(&url, token).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text);
            out.extend(r.body["items"].as_array().cloned().unwrap_or_default());
            match r.body["next_cursor"].as_str() {
                Some(c) => next = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// The first household of a village given by its code, as seen by `token`.
    pub async fn village_id(&self, code: &str, token: &str) -> String {
        let places = self
            .list_all("/places?level=village&limit=500", token)
            .await;
        places
            .iter()
            .find(|p| p["code"] == code)
            .and_then(|p| p["id"].as_str())
            .expect("village exists")
            .to_owned()
    }
}

/// The project's folder, read when the test runs: a test binary reused from a build in another
/// checkout (one shared target folder) must still read this checkout's files.
pub fn project_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}

/// A test photograph from `tests/fixtures/photos`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/photos/{name}", project_dir())).expect("fixture")
}

/// Pushes a photo record through sync, as a phone does before uploading the bytes; its id.
pub async fn push_photo(
    app: &TestApp,
    token: &str,
    household: &str,
    sha256: &str,
    device: Option<Value>,
) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let mut fields = serde_json::json!({ "household_id": household, "sha256": sha256, "taken_at": chrono::Utc::now() });
    if let Some(d) = device {
        fields["location"] = d;
    }
    let r = app
        .post("/sync/push", Some(token), serde_json::json!({ "mutations": [{ "mutation_id": uuid::Uuid::now_v7(), "entity": "photo", "op": "create", "record_id": id, "device_time": chrono::Utc::now(), "fields": fields }] }))
        .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    id
}

/// Runs a browser script of `tests/browser` with node, off the runtime's threads (the server runs
/// on them), and requires that it exited well and printed "all checks passed". Its standard
/// output, for what else the test reads from it.
pub async fn run_browser_script(mut cmd: std::process::Command) -> String {
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("joins")
        .expect("node runs (./dev test installs it with the npm package and Chromium)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    stdout
}

/// A self-signed certificate for HTTPS tests, valid for `names` (host names or IP addresses).
pub struct TestCert {
    pub cert_pem: String,
    pub key_pem: String,
    /// base64 SHA-256 of the public key, as Chromium's `--ignore-certificate-errors-spki-list`
    /// takes it (the browser then trusts this certificate, service workers included).
    pub spki_sha256: String,
}

pub fn make_cert(names: &[&str]) -> TestCert {
    use rcgen::PublicKeyData;
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names).expect("a certificate");
    let spki = sha2::Sha256::digest(made.signing_key.subject_public_key_info());
    TestCert {
        cert_pem: made.cert.pem(),
        key_pem: made.signing_key.serialize_pem(),
        spki_sha256: base64::engine::general_purpose::STANDARD.encode(spki),
    }
}

impl TestCert {
    /// Writes the pair as `<stem>.crt` and `<stem>.key` in `dir`; returns the two paths.
    pub fn write(&self, dir: &std::path::Path, stem: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{stem}.crt"));
        let key = dir.join(format!("{stem}.key"));
        std::fs::write(&cert, &self.cert_pem).expect("write certificate");
        std::fs::write(&key, &self.key_pem).expect("write key");
        (cert, key)
    }

    /// A client that trusts this certificate and nothing else, on a fresh connection pool.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(
                reqwest::Certificate::from_pem(self.cert_pem.as_bytes()).expect("PEM"),
            )
            .build()
            .expect("client")
    }
}

/// As [`spawn_app`], serving HTTPS with `cert` (made for `127.0.0.1`); the test client trusts it.
pub async fn spawn_app_https(backend: Backend, cert: &TestCert) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert_path, key_path) = cert.write(dir.path(), "server");
    let mut app = spawn_app_with(backend, |c| {
        c.tls.cert_path = Some(cert_path);
        c.tls.key_path = Some(key_path);
    })
    .await;
    app.base = app.base.replacen("http://", "https://", 1);
    app.client = cert.client();
    // The files are read at start-up (and again on SIGHUP only): the folder may go.
    drop(dir);
    app
}
