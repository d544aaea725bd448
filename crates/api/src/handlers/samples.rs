//! Samples: the reproducible stratified draw of households for a cycle's fieldwork
//! (`/cycles/{id}/samples`), read back and re-drawn to verify at `/samples/{id}`.

use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::Action;
use fieldcheck_store::fieldwork;

/// `POST /cycles/{id}/samples`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<fieldwork::NewSample>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let s = fieldwork::draw_sample(&*txn, p.user, id, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(s))
}

/// `GET /samples/{id}`.
pub async fn get(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ManageCycles)?;
    Ok(HttpResponse::Ok().json(fieldwork::get_sample(&state.store.db, uuid_param(&id)?).await?))
}

/// `GET /samples/{id}/verify`: draws the sample again from its seed and compares.
pub async fn verify(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ManageCycles)?;
    Ok(HttpResponse::Ok().json(fieldwork::verify_sample(&state.store.db, uuid_param(&id)?).await?))
}
