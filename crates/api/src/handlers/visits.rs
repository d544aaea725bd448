//! Visits as the reviewers handle them: sent back for correction, and their versions. (Visits
//! are recorded through `/sync/push`.)

use super::send_back::{SendBackBody, send_back};
use super::{Result, State, uuid_param};
use crate::auth::Principal;
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::Action;
use fieldcheck_store::fieldwork;

/// `POST /visits/{id}/return`.
pub async fn return_for_correction(
    state: State,
    p: Principal,
    id: web::Path<String>,
    body: JsonBody<SendBackBody>,
) -> Result<HttpResponse> {
    send_back(state, p, "visit", &id, body).await
}

/// `GET /visits/{id}/versions`.
pub async fn versions(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ReviewEvidence)?;
    let id = uuid_param(&id)?;
    let items = fieldwork::versions(&state.store.db, &p.scope, "visit", id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
