//! The HTTP API of fieldcheck: actix-web handlers, authentication, scoping, problem+json errors
//! and the OpenAPI contract. [`build`] returns a bound, not yet awaited server, so tests bind
//! port 0 and talk to the real app.
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod error;
pub mod export;
pub mod extract;
pub mod handlers;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod timeouts;
pub mod tls;

use actix_web::{
    App, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{Server, ServiceResponse},
    http::header,
    middleware::{self, ErrorHandlerResponse, ErrorHandlers},
    web,
};
pub use config::Config;
use error::ApiError;
use fieldcheck_media::{BlobStore, LocalStore};
use state::AppState;
use std::net::TcpListener;
use std::sync::Arc;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Bad configuration or missing secret.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] fieldcheck_store::StoreError),
    /// The blob store could not be opened.
    #[error("blob store: {0}")]
    Media(#[from] fieldcheck_media::MediaError),
    /// The listener failed.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be loaded.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// A server bound to its port, ready to be awaited.
pub struct Application {
    /// The running server future.
    pub server: Server,
    /// The bound port.
    pub port: u16,
    /// Shared state (for the CLI and tests that need the store).
    pub state: web::Data<AppState>,
}

/// Opens the blob store named by the configuration.
pub fn open_blobs(config: &Config) -> Result<Arc<dyn BlobStore>, StartError> {
    match config.blob.kind.as_str() {
        "local" => Ok(Arc::new(LocalStore::new(config.blob_path())?)),
        "s3" => {
            let b = &config.blob;
            let need = |v: &Option<String>, what: &'static str| {
                v.clone()
                    .filter(|s| !s.is_empty())
                    .ok_or(config::ConfigError::MissingSecret(what))
            };
            let secret = |v: &Option<config::Secret>, env: &str| {
                v.as_ref()
                    .map(|s| s.0.clone())
                    .or_else(|| std::env::var(env).ok())
                    .unwrap_or_default()
            };
            Ok(Arc::new(fieldcheck_media::s3::S3Store::new(
                &fieldcheck_media::s3::S3Settings {
                    endpoint: need(&b.s3_endpoint, "blob.s3_endpoint")?,
                    bucket: need(&b.s3_bucket, "blob.s3_bucket")?,
                    region: b.s3_region.clone().unwrap_or_else(|| "us-east-1".into()),
                    access_key: secret(&b.s3_access_key, "AWS_ACCESS_KEY_ID"),
                    secret_key: secret(&b.s3_secret_key, "AWS_SECRET_ACCESS_KEY"),
                    path_style: b.s3_path_style,
                },
            )))
        }
        other => Err(config::ConfigError::Invalid(format!(
            "blob.kind {other:?}: use \"local\" or \"s3\""
        ))
        .into()),
    }
}

/// Resolves secrets, opens the database (running migrations) and the blob store, and binds the
/// server to `listener`.
pub async fn build(config: Config, listener: TcpListener) -> Result<Application, StartError> {
    build_with(config, listener, |_| {}).await
}

/// As [`build`], with more routes mounted beside the API (the office's pages).
pub async fn build_with(
    config: Config,
    listener: TcpListener,
    mount: fn(&mut web::ServiceConfig),
) -> Result<Application, StartError> {
    let secrets = state::resolve_secrets(&config)?;
    let store = state::open_store(&config, &secrets).await?;
    // Another server on the same PostgreSQL may change what this one caches.
    store.follow_peers();
    let blobs = open_blobs(&config)?;
    let port = listener.local_addr()?.port();
    let state = web::Data::new(AppState::new(config, &secrets, store, blobs));
    let server = serve(state.clone(), listener, mount)?;
    Ok(Application {
        server,
        port,
        state,
    })
}

fn problem_for_status<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    // Problems pass through, and so do the office's pages, which render their own errors.
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    // Errors raised by the framework itself (bad URL, bad header, …) get a problem body too.
    let status = res.status();
    let err = match status.as_u16() {
        404 => ApiError::NotFound,
        405 => ApiError::MethodNotAllowed {
            allow: res
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        },
        413 => ApiError::PayloadTooLarge(0),
        414 => ApiError::UriTooLong(MAX_URI_BYTES),
        431 => ApiError::HeadersTooLarge(MAX_HEADER_FIELDS),
        415 => ApiError::UnsupportedMediaType,
        400..=499 => ApiError::InvalidQuery(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
        ),
        _ => ApiError::Unavailable(status.canonical_reason().unwrap_or("error").to_owned()),
    };
    let (req, _) = res.into_parts();
    let mut resp = actix_web::ResponseError::error_response(&err);
    *resp.status_mut() = status;
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, resp).map_into_right_body(),
    ))
}

/// The longest request target (path and query) the server reads: the longest gallery filter is
/// well under 1 KiB. Below the HTTP parser's own limit (64 KiB), so a longer one is answered as
/// every other client mistake is: problem+json, logged as a client error.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields the server reads (browsers send about 20). Below the HTTP parser's own
/// limit (96) for the same reason.
pub const MAX_HEADER_FIELDS: usize = 64;

async fn request_head_limits(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return Err(ApiError::UriTooLong(MAX_URI_BYTES).into());
    }
    if req.headers().len() > MAX_HEADER_FIELDS {
        return Err(ApiError::HeadersTooLarge(MAX_HEADER_FIELDS).into());
    }
    next.call(req).await
}

fn configure(cfg: &mut web::ServiceConfig) {
    type Resource = (&'static str, Vec<String>, Vec<actix_web::Route>);
    let mut grouped: Vec<Resource> = Vec::new();
    for (method, path, route) in routes::table() {
        match grouped.iter_mut().find(|(p, ..)| *p == path) {
            Some((_, methods, routes)) => {
                methods.push(method.to_string());
                routes.push(route);
            }
            None => grouped.push((path, vec![method.to_string()], vec![route])),
        }
    }
    for (path, methods, routes) in grouped {
        let mut resource = web::resource(path);
        for r in routes {
            resource = resource.route(r);
        }
        let allow = methods.join(", ");
        cfg.service(resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }
        })));
    }
}

/// Starts serving `state` on `listener`, over HTTPS when `tls` names a certificate. Graceful
/// shutdown on SIGTERM/SIGINT lets in-flight requests finish (up to 30 s).
pub fn serve(
    state: web::Data<AppState>,
    listener: TcpListener,
    mount: fn(&mut web::ServiceConfig),
) -> Result<Server, StartError> {
    let tls = match state.config.tls.files() {
        Some((cert, key)) => {
            let certificate = Arc::new(tls::ReloadingCertificate::load(cert, key)?);
            tracing::info!(fingerprint = %certificate.fingerprint(), "serving HTTPS");
            tls::reload_on_sighup(certificate.clone())?;
            Some(tls::server_config(certificate)?)
        }
        None => None,
    };
    let json_limit = extract::JsonLimit(state.config.limits.json_body_bytes);
    let limits = state.config.limits.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(json_limit)
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::InvalidQuery(e.to_string()).into()),
            )
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
            .configure(configure)
            .configure(mount)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound)
            }))
            .wrap(ErrorHandlers::new().default_handler(problem_for_status))
            .wrap(middleware::from_fn(timeouts::body_idle_timeout))
            .wrap(middleware::from_fn(request_head_limits))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(telemetry::request_context))
    })
    // Slow clients (see `timeouts`): a head that takes too long is answered 408 and closed; an
    // idle keep-alive connection is closed; a client that does not read the close is dropped.
    .client_request_timeout(std::time::Duration::from_secs(limits.request_head_secs))
    .keep_alive(std::time::Duration::from_secs(limits.keep_alive_secs))
    .client_disconnect_timeout(std::time::Duration::from_secs(1))
    .shutdown_timeout(30);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config)?,
        None => server.listen(listener)?,
    };
    Ok(server.run())
}
