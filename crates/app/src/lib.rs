//! The field app for inspectors and survey teams: an offline-first web app (PWA) that the same
//! binary serves under `/app/`. Its files live in `crates/app/static/` and are embedded into the
//! binary when it is compiled (`include_bytes!`), so a plain `cargo build` produces a working app
//! with no JavaScript build step: the scripts are plain ES modules.
//!
//! The service worker (`/app/sw.js`, scope `/app/`) precaches every file of the app shell under
//! a version that is the SHA-256 of all embedded files, computed once at start-up and written
//! into the worker's script as it is served. A new binary with any changed file therefore ships
//! a new worker, which installs the new shell and drops the old cache. The HTTP answers
//! themselves are `Cache-Control: no-cache` with an `ETag`: the worker's cache is what makes the
//! shell fast and available offline, and the browser always revalidates what the worker fetches.
//!
//! Every answer carries a Content-Security-Policy as strict as the office pages': our own
//! scripts only, no inline code, no request to anywhere but this server.
//!
//! Mounted by [`configure`], which `fieldcheck_web::configure` calls, so everything that mounts
//! the office's pages (the `serve` command, the tests' `spawn_app`) mounts the app beside them.
#![forbid(unsafe_code)]

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{self, Next};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Where the app is mounted.
pub const MOUNT: &str = "/app";

/// One embedded file: its path under `/app/`, its bytes and its content type.
struct Embedded {
    path: &'static str,
    body: &'static [u8],
    content_type: &'static str,
}

macro_rules! embed {
    ($path:literal, $ct:expr) => {
        Embedded {
            path: $path,
            body: include_bytes!(concat!("../static/", $path)),
            content_type: $ct,
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the app. Adding a file here adds it to the precache list too.
const FILES: &[Embedded] = &[
    embed!("index.html", "text/html; charset=utf-8"),
    embed!("app.css", "text/css; charset=utf-8"),
    embed!("manifest.webmanifest", "application/manifest+json"),
    embed!("sw.js", JS),
    embed!("icon.svg", "image/svg+xml"),
    embed!("icon-192.png", "image/png"),
    embed!("icon-512.png", "image/png"),
    embed!("js/main.js", JS),
    embed!("js/views.js", JS),
    embed!("js/ui.js", JS),
    embed!("js/i18n.js", JS),
    embed!("js/db.js", JS),
    embed!("js/api.js", JS),
    embed!("js/sync.js", JS),
    embed!("js/uuid.js", JS),
    embed!("js/survey.js", JS),
    embed!("js/survey-view.js", JS),
    embed!("js/edit-view.js", JS),
];

/// The service worker's script; its placeholders are replaced when it is served.
const WORKER: &str = "sw.js";
const VERSION_PLACEHOLDER: &str = "__FIELDCHECK_APP_VERSION__";
const PRECACHE_PLACEHOLDER: &str = "/*__FIELDCHECK_APP_PRECACHE__*/[]";

/// A file as it is served.
struct Served {
    path: &'static str,
    body: Vec<u8>,
    content_type: &'static str,
    etag: String,
}

/// The app as served: the version and every file, the worker's script filled in.
struct Shell {
    version: String,
    files: Vec<Served>,
}

fn shell() -> &'static Shell {
    static SHELL: OnceLock<Shell> = OnceLock::new();
    SHELL.get_or_init(build_shell)
}

fn build_shell() -> Shell {
    let mut all = Sha256::new();
    for f in FILES {
        all.update(f.path.as_bytes());
        all.update((f.body.len() as u64).to_le_bytes());
        all.update(f.body);
    }
    let version = hex::encode(&all.finalize()[..8]);
    // The shell the worker precaches: the start page under its own URL, then every other file.
    let mut precache = vec![format!("{MOUNT}/")];
    precache.extend(
        FILES
            .iter()
            .filter(|f| f.path != WORKER && f.path != "index.html")
            .map(|f| format!("{MOUNT}/{}", f.path)),
    );
    let precache = serde_json::Value::from(precache).to_string();
    let files = FILES
        .iter()
        .map(|f| {
            let body = if f.path == WORKER {
                String::from_utf8_lossy(f.body)
                    .replace(VERSION_PLACEHOLDER, &version)
                    .replace(PRECACHE_PLACEHOLDER, &precache)
                    .into_bytes()
            } else {
                f.body.to_vec()
            };
            let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
            Served {
                path: f.path,
                body,
                content_type: f.content_type,
                etag,
            }
        })
        .collect();
    Shell { version, files }
}

/// The version of the embedded app (the service worker's cache name ends with it).
pub fn version() -> &'static str {
    &shell().version
}

/// Mounts the app under `/app` (`/app` itself redirects to `/app/`, the worker's scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(MOUNT)
            .wrap(middleware::from_fn(security_headers))
            .route("", web::get().to(to_root))
            .route("/", web::get().to(index))
            .route("/", web::head().to(index))
            .route("/{path:.*}", web::get().to(file))
            .route("/{path:.*}", web::head().to(file)),
    );
}

async fn to_root() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, format!("{MOUNT}/")))
        .finish()
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

async fn file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &path.into_inner())
}

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(f) = shell().files.iter().find(|f| f.path == path) else {
        return HttpResponse::NotFound().finish();
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == f.etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, f.etag.clone()))
        // Revalidate every time: the worker's cache, not the HTTP cache, keeps the shell.
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if f.path == WORKER {
        // The worker controls /app/ only, which is its own folder; said explicitly anyway.
        res.insert_header(("Service-Worker-Allowed", "/app/"));
    }
    if fresh {
        return res.finish();
    }
    res.content_type(f.content_type).body(f.body.clone())
}

/// The app's Content-Security-Policy: only this server's scripts, styles, images, manifest and
/// worker; photos shown from the phone's storage as `blob:` URLs; no request to anywhere else.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("geolocation=(self), camera=(self), microphone=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use actix_web::{App, test as web_test};

    #[test]
    fn the_worker_precaches_every_file_under_the_version() {
        let s = shell();
        assert_eq!(s.version.len(), 16);
        let sw = s.files.iter().find(|f| f.path == WORKER).unwrap();
        let text = String::from_utf8(sw.body.clone()).unwrap();
        assert!(!text.contains("__FIELDCHECK_APP"), "placeholders replaced");
        assert!(text.contains(&s.version));
        for f in FILES
            .iter()
            .filter(|f| f.path != WORKER && f.path != "index.html")
        {
            assert!(
                text.contains(&format!("\"/app/{}\"", f.path)),
                "{} precached",
                f.path
            );
        }
        assert!(text.contains("\"/app/\""));
    }

    #[test]
    fn every_module_the_scripts_import_is_embedded() {
        let names: Vec<&str> = FILES.iter().map(|f| f.path).collect();
        for f in FILES.iter().filter(|f| f.path.ends_with(".js")) {
            let text = std::str::from_utf8(f.body).unwrap();
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let Some(spec) = line.split(['"', '\'']).nth(1) else {
                    continue;
                };
                let file = spec.trim_start_matches("./");
                let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
                let full = if dir.is_empty() {
                    file.to_owned()
                } else {
                    format!("{dir}/{file}")
                };
                assert!(names.contains(&full.as_str()), "{} imports {spec}", f.path);
            }
        }
    }

    #[actix_web::test]
    async fn files_are_served_with_types_csp_and_revalidation() {
        let app = web_test::init_service(App::new().configure(configure)).await;
        let res =
            web_test::call_service(&app, web_test::TestRequest::get().uri("/app").to_request())
                .await;
        assert_eq!(res.status(), 308);
        assert_eq!(res.headers().get("location").unwrap(), "/app/");

        let res =
            web_test::call_service(&app, web_test::TestRequest::get().uri("/app/").to_request())
                .await;
        assert_eq!(res.status(), 200);
        let h = res.headers();
        assert!(
            h.get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(h.get("content-security-policy").unwrap(), CSP);
        assert_eq!(h.get("cache-control").unwrap(), "no-cache");
        let etag = h.get("etag").unwrap().clone();
        let body = web_test::read_body(res).await;
        let html = std::str::from_utf8(&body).unwrap();
        assert!(!html.contains("<script>"), "no inline script");

        let res = web_test::call_service(
            &app,
            web_test::TestRequest::get()
                .uri("/app/")
                .insert_header(("if-none-match", etag))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), 304);

        for (path, ct) in [
            ("/app/js/main.js", "text/javascript"),
            ("/app/app.css", "text/css"),
            ("/app/manifest.webmanifest", "application/manifest+json"),
            ("/app/icon-192.png", "image/png"),
        ] {
            let res =
                web_test::call_service(&app, web_test::TestRequest::get().uri(path).to_request())
                    .await;
            assert_eq!(res.status(), 200, "{path}");
            let got = res.headers().get("content-type").unwrap().to_str().unwrap();
            assert!(got.starts_with(ct), "{path}: {got}");
        }
        let res = web_test::call_service(
            &app,
            web_test::TestRequest::get().uri("/app/sw.js").to_request(),
        )
        .await;
        assert_eq!(
            res.headers().get("service-worker-allowed").unwrap(),
            "/app/"
        );
        let res = web_test::call_service(
            &app,
            web_test::TestRequest::get()
                .uri("/app/nothing.js")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), 404);
    }
}
