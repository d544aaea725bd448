//! `/cycles`: an assessment cycle and its steps (transition, aggregation), with the progress
//! of its fieldwork and the summary of its satisfaction survey.

use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::assessment::CycleStep;
use fieldcheck_domain::{Action, DivisionCode};
use fieldcheck_store::assessment as store;
use fieldcheck_store::fieldwork;
use serde::Deserialize;

/// `GET /cycles`.
pub async fn list(state: State, p: Principal) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let items = store::list_cycles(&state.store.db).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /cycles`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<store::NewCycle>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let c = store::create_cycle(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(c))
}

/// `GET /cycles/{id}`.
pub async fn get(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let c = store::get_cycle(&state.store.db, uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(c))
}

/// Body of `POST /cycles/{id}/transition`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    to: CycleStep,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /cycles/{id}/transition`: moves the cycle to another step (the rules of the order are
/// the domain's).
pub async fn transition(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<TransitionBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let c = store::transition(&*txn, p.user, id, b.to, b.reason.as_deref()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(c))
}

/// `POST /cycles/{id}/aggregate`: computes every assessee's result from the scores.
pub async fn aggregate(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let txn = state.store.write().await?;
    let n = store::aggregate(&*txn, p.user, id, state.config.pii.min_count).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": n })))
}

/// Filter of `GET /cycles/{id}/progress`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictQuery {
    district: Option<String>,
}

/// `GET /cycles/{id}/progress`: fieldwork done per village, within the caller's scope.
pub async fn progress(
    state: State,
    p: Principal,
    id: web::Path<String>,
    q: web::Query<DistrictQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    if q.district
        .as_deref()
        .is_some_and(|d| !DivisionCode::is_district(d))
    {
        return Err(ApiError::InvalidQuery(
            "district: a district's six-digit division code".into(),
        ));
    }
    let items = store::progress(
        &state.store.db,
        &p.scope,
        uuid_param(&id)?,
        q.district.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /cycles/{id}/satisfaction`: the survey's answers counted.
pub async fn satisfaction(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    // Whoever may read the responses themselves sees exact counts; others (assessees) do not see
    // counts small enough to tell one household's answer.
    let withhold_below = (!p.role.may(Action::ReadResponses)).then_some(state.config.pii.min_count);
    let items =
        fieldwork::satisfaction(&state.store.db, &p.scope, uuid_param(&id)?, withhold_below)
            .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
