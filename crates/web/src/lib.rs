//! The office's pages, served by the same binary under `/ui`: sign-in with a session cookie,
//! the evidence gallery and photo review, the map, household pages, cycles with progress and
//! score sheets, downloads (results, streamed evidence packages), and one folder per section of
//! the year's work under `pages/`. Server-rendered HTML with
//! a little JavaScript (keyboard shortcuts) and no resource from the internet; every page is sent
//! with a strict Content-Security-Policy, every form carries a CSRF token.
#![forbid(unsafe_code)]

pub mod i18n;
mod layout;
mod multipart;
mod pages;
mod session;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{self, Next};
use actix_web::{HttpResponse, ResponseError, web};
use fieldcheck_api::error::ApiError;
use fieldcheck_api::state::AppState;

pub use session::Reviewer;

/// What a page can fail with; rendered as an HTML page, or a redirect to sign in.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in (or the session ended): go to the sign-in page, then back to `0`.
    #[error("sign in first")]
    SignIn(String),
    /// No such record within the caller's scope.
    #[error("not found")]
    NotFound,
    /// The role may not use this page.
    #[error("forbidden")]
    Forbidden,
    /// A form or query was wrong.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The workflow refuses it (an approved cycle, a record changed meanwhile, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database or the object store is down for now: try again shortly.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else; details go to the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound => WebError::NotFound,
            ApiError::Forbidden => WebError::Forbidden,
            ApiError::Unauthorized(_) => WebError::SignIn("/ui/".into()),
            ApiError::Validation(v) => WebError::BadRequest(
                v.0.iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            e @ (ApiError::Locked
            | ApiError::Refused { .. }
            | ApiError::Duplicate(_)
            | ApiError::PreconditionFailed) => WebError::Conflict(e.to_string()),
            ApiError::MissingReference(what) => WebError::BadRequest(what.to_owned()),
            ApiError::Unavailable(what) => WebError::Unavailable(what),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<fieldcheck_store::StoreError> for WebError {
    fn from(e: fieldcheck_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::SignIn(_) => StatusCode::SEE_OTHER,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let t = &i18n::ZH_CN;
        let message = match self {
            WebError::SignIn(next) => {
                return HttpResponse::SeeOther()
                    .insert_header((
                        header::LOCATION,
                        format!("/ui/login?next={}", layout::encode(next)),
                    ))
                    .finish();
            }
            WebError::NotFound => t.not_found.to_owned(),
            WebError::Forbidden => t.forbidden.to_owned(),
            WebError::BadRequest(d) => format!("{}：{d}", t.bad_request),
            WebError::Conflict(d) => format!("{}：{d}", t.conflict),
            WebError::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "page unavailable");
                t.unavailable.to_owned()
            }
            WebError::Internal(cause) => {
                tracing::error!(cause = %cause, "page failed");
                t.error.to_owned()
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, WebError::Unavailable(_)) {
            // As the API answers: the office's browser may simply reload after this long.
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        response
            .content_type("text/html; charset=utf-8")
            .body(layout::error_page(&message).into_string())
    }
}

/// `GET /`: a person who opens the server's address lands on the office's sign-in; a client
/// that does not ask for HTML gets the API's answer for a path that is no resource.
async fn root(req: actix_web::HttpRequest) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/ui/"))
            .finish()
    } else {
        ApiError::NotFound.error_response()
    }
}

/// Mounts the pages under `/ui`, the field app under `/app` beside them
/// ([`fieldcheck_app::configure`]) and the server's root, so whatever mounts the front ends mounts
/// all of them (pass this to `fieldcheck_api::build_with`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(root));
    fieldcheck_app::configure(cfg);
    cfg.service(
        web::scope("/ui")
            .wrap(middleware::from_fn(security_headers))
            .route("", web::get().to(layout::home))
            .route("/", web::get().to(layout::home))
            .route("/login", web::get().to(session::login_form))
            .route("/login", web::post().to(session::login))
            .route("/logout", web::post().to(session::logout))
            .route("/static/app.css", web::get().to(layout::css))
            .route("/static/app.js", web::get().to(layout::js))
            .route("/gallery", web::get().to(pages::gallery::gallery))
            .route("/photos/{id}", web::get().to(pages::photo::photo))
            .route("/photos/{id}/review", web::post().to(pages::photo::review))
            .route("/photos/{id}/thumb", web::get().to(pages::photo::thumb))
            .route("/photos/{id}/screen", web::get().to(pages::photo::screen))
            .route(
                "/households/{id}",
                web::get().to(pages::household::household),
            )
            .route("/map", web::get().to(pages::map::page))
            .route("/cycles", web::get().to(pages::cycles::cycles))
            .route("/cycles/{id}", web::get().to(pages::cycles::cycle))
            .route("/cycles/{id}/sheet", web::get().to(pages::sheet::sheet))
            .route(
                "/cycles/{id}/results.xlsx",
                web::get().to(pages::results::results_xlsx),
            )
            .route(
                "/cycles/{id}/results.csv",
                web::get().to(pages::results::results_csv),
            )
            .route("/evidence.zip", web::get().to(pages::package::download))
            .configure(pages::registry::routes)
            .configure(pages::people::routes)
            .configure(pages::year::routes)
            .configure(pages::fieldwork::routes)
            .configure(pages::questionnaires::routes)
            .configure(pages::scoring::routes)
            .configure(pages::queues::routes)
            .configure(pages::data::routes)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(WebError::NotFound)
            })),
    );
}

/// The tile server's origin, allowed in the Content-Security-Policy when tiles are configured.
fn tile_origin(state: &AppState) -> Option<String> {
    let url = state.config.web.tile_url.as_deref()?;
    let rest = url
        .strip_prefix("https://")
        .map(|r| ("https://", r))
        .or_else(|| url.strip_prefix("http://").map(|r| ("http://", r)))?;
    let host = rest.1.split(['/', '?']).next()?;
    Some(format!("{}{host}", rest.0))
}

async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let tiles = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| tile_origin(s))
        .unwrap_or_default();
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    // Nothing runs but our own script; nothing loads from elsewhere but configured map tiles.
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: {tiles}; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = header::HeaderValue::from_str(csp.trim()) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}
