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
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database: {e}")))?;
    state
        .blobs
        .check()
        .await
        .map_err(|e| ApiError::Unavailable(format!("blob store: {e}")))?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "status": "ready", "database": "ok", "blob_store": "ok" })))
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
