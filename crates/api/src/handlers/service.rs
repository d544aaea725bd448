//! The service's own endpoints: liveness, readiness (database and blob store), Prometheus
//! metrics and the OpenAPI document.

use super::{Result, State};
use crate::error::ApiError;
use actix_web::HttpResponse;

/// `GET /livez`: the process answers.
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database and the blob store answer too.
pub async fn readyz(state: State) -> Result<HttpResponse> {
    // Which part is down goes to the probe; the driver's and the SDK's words go to the log.
    state.store.ping().await.map_err(|e| {
        tracing::warn!(cause = %ErrorChain(&e), "readiness: database down");
        ApiError::Unavailable("the database is unavailable".into())
    })?;
    state.blobs.check().await.map_err(|e| {
        tracing::warn!(cause = %e, "readiness: blob store down");
        ApiError::Unavailable("the blob store is unavailable".into())
    })?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "status": "ready", "database": "ok", "blob_store": "ok" })))
}

/// An error with its causes, for the log.
struct ErrorChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(state: State) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// `GET /openapi.json`: the contract, as served.
pub async fn openapi() -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(crate::openapi::document()?))
}
