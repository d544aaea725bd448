//! `/responses`: survey responses, submitted (or corrected) by surveyors and inspectors, read by
//! reviewers within their scope and by field workers for their own, with their versions and the
//! send-back for correction.

use super::assignments::CycleFilter;
use super::send_back::{SendBackBody, send_back};
use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::{Action, Role, UserId};
use fieldcheck_store::fieldwork::{self, Submitted};
use serde::Deserialize;
use uuid::Uuid;

/// Body of `POST /responses`: the client's id of the response and its answers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    id: Uuid,
    #[serde(flatten)]
    input: fieldwork::ResponseInput,
}

/// `POST /responses`: 201 for a new response, 200 for a correction or the same one again.
pub async fn submit(
    state: State,
    Can(p, _): Can<auth::RecordResponses>,
    body: JsonBody<ResponseBody>,
) -> Result<HttpResponse> {
    let b = body.into_inner()?;
    let who = fieldwork::Surveyor {
        user: p.user,
        device: &p.device,
        scope: &p.scope,
        clock_skew_secs: None,
    };
    let txn = state.store.write().await?;
    let out = fieldwork::submit_response(&*txn, &who, b.id, b.input).await?;
    txn.commit().await?;
    Ok(match out {
        Submitted::Created(r) => HttpResponse::Created().json(r),
        Submitted::Corrected(r) | Submitted::Same(r) => HttpResponse::Ok().json(r),
    })
}

/// Field workers read only the responses they recorded.
pub fn own_only(p: &Principal) -> Option<UserId> {
    matches!(p.role, Role::Inspector | Role::Surveyor).then_some(p.user)
}

/// `GET /responses`.
pub async fn list(state: State, p: Principal, q: web::Query<CycleFilter>) -> Result<HttpResponse> {
    p.require(Action::ReadResponses)?;
    let items = fieldwork::list_responses(
        &state.store.db,
        &p.scope,
        own_only(&p),
        q.cycle_id,
        q.household_id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /responses/{id}`.
pub async fn get(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ReadResponses)?;
    let r =
        fieldwork::get_response(&state.store.db, &p.scope, own_only(&p), uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// `GET /responses/{id}/versions`.
pub async fn versions(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ReadResponses)?;
    let id = uuid_param(&id)?;
    fieldwork::get_response(&state.store.db, &p.scope, own_only(&p), id).await?;
    let items = fieldwork::versions(&state.store.db, &p.scope, "response", id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /responses/{id}/return`.
pub async fn return_for_correction(
    state: State,
    p: Principal,
    id: web::Path<String>,
    body: JsonBody<SendBackBody>,
) -> Result<HttpResponse> {
    send_back(state, p, "response", &id, body).await
}
