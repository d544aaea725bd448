//! The cycle's results: the office's decisions (`/cycles/{id}/decisions`) and the results as
//! JSON, CSV and XLSX, each limited to what the caller may see.

use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::export::{XLSX, attachment, csv_bytes, xlsx_bytes};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::telemetry::spawn_blocking_in_span;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::assessment::{CycleStep, Grade};
use fieldcheck_domain::{Action, Role};
use fieldcheck_store::assessment::{self as store, AssesseeResult};
use serde::Deserialize;
use uuid::Uuid;

/// Body of `POST /cycles/{id}/decisions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    assessee_id: Uuid,
    grade: Grade,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /cycles/{id}/decisions`: the grade the office decides for one assessee.
pub async fn decide(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<DecisionBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let r = store::decide(&*txn, p.user, id, b.assessee_id, b.grade, b.reason).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Results the caller may see: the office and district reviewers at any time after aggregation,
/// an assessee its own once published.
pub async fn visible_results(
    state: &AppState,
    p: &Principal,
    cycle: Uuid,
) -> Result<Vec<AssesseeResult>> {
    p.require(Action::ReadAssessment)?;
    let c = store::get_cycle(&state.store.db, cycle).await?;
    if matches!(p.role, Role::Assessee | Role::Evaluator) && c.step != CycleStep::Publication {
        return Ok(Vec::new());
    }
    if p.role == Role::Evaluator {
        return Ok(Vec::new());
    }
    Ok(store::list_results(&state.store.db, &p.scope, cycle).await?)
}

/// `GET /cycles/{id}/results`.
pub async fn list(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    let items = visible_results(&state, &p, uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /cycles/{id}/results.csv`.
pub async fn csv(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    let cycle = uuid_param(&id)?;
    let items = visible_results(&state, &p, cycle).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment("results.csv"))
        .body(csv_bytes(&items)?))
}

/// `GET /cycles/{id}/results.xlsx`: the workbook is written off the async threads.
pub async fn xlsx(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    let cycle = uuid_param(&id)?;
    let items = visible_results(&state, &p, cycle).await?;
    let bytes = spawn_blocking_in_span(move || xlsx_bytes(&items))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header(attachment("results.xlsx"))
        .body(bytes))
}
