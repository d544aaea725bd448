//! `/assignments`: fieldwork given to inspectors, surveyors and evaluators; each of them reads
//! only its own.

use super::{Result, State};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::{Action, Role};
use fieldcheck_store::fieldwork;
use serde::Deserialize;
use uuid::Uuid;

/// `POST /assignments`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<fieldwork::NewAssignment>,
) -> Result<HttpResponse> {
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let a = fieldwork::create_assignment(&*txn, p.user, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(a))
}

/// `POST /assignments/reassign`: moves a user's assignments of a cycle (the chosen ones, or all)
/// to another field user.
pub async fn reassign(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<fieldwork::Reassignment>,
) -> Result<HttpResponse> {
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let items = fieldwork::reassign(&*txn, p.user, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// Filters of `GET /assignments` and `GET /responses`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleFilter {
    pub(super) cycle_id: Option<Uuid>,
    pub(super) household_id: Option<Uuid>,
}

/// `GET /assignments`.
pub async fn list(state: State, p: Principal, q: web::Query<CycleFilter>) -> Result<HttpResponse> {
    let only = if p.role.may(Action::ManageCycles) {
        None
    } else if matches!(p.role, Role::Inspector | Role::Surveyor | Role::Evaluator) {
        Some(p.user.0)
    } else {
        return Err(ApiError::Forbidden);
    };
    let items = fieldwork::list_assignments(&state.store.db, only, q.cycle_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
