//! `/audit`: the audit log and the check of its hash chain, for the roles that read it.

use super::{Result, State};
use crate::auth::Principal;
use crate::error::ApiError;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::Action;
use fieldcheck_store::audit;
use serde::Deserialize;

/// Filters of `GET /audit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    target_type: Option<String>,
    target_id: Option<String>,
    before: Option<i64>,
    limit: Option<u64>,
}

/// `GET /audit`.
pub async fn list(state: State, p: Principal, q: web::Query<AuditQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadAudit)?;
    let target = match (&q.target_type, &q.target_id) {
        (Some(t), Some(i)) => Some((t.as_str(), i.as_str())),
        (None, None) => None,
        _ => {
            return Err(ApiError::InvalidQuery(
                "target_type and target_id go together".into(),
            ));
        }
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let entries = audit::list(&state.store.db, target, q.before, limit).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries })))
}

/// `GET /audit/verify`: recomputes the hash chain.
pub async fn verify(state: State, p: Principal) -> Result<HttpResponse> {
    p.require(Action::ReadAudit)?;
    Ok(HttpResponse::Ok().json(audit::verify(&state.store.db).await?))
}
