//! Household members: added under `/households/{id}/members`, read and edited at
//! `/members/{id}`; ID numbers masked.

use super::{Result, State};
use crate::auth::{self, Can, Principal};
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, web};
use fieldcheck_domain::Action;
use fieldcheck_store::registry;

/// `POST /households/{id}/members`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<registry::NewMember>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let m = registry::add_member(
        &*txn,
        &state.store.pii,
        &p.scope,
        Some(p.user),
        path_id(&id)?,
        body.into_inner()?,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(m))
}

/// `GET /members/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    with_etag(
        &req,
        &registry::get_member(&state.store.db, &state.store.pii, &p.scope, path_id(&id)?).await?,
    )
}

/// `PATCH /members/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<registry::MemberPatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let pii = &state.store.pii;
    let txn = state.store.write().await?;
    let current = registry::get_member(&*txn, pii, &p.scope, id).await?;
    check_if_match(&req, &current)?;
    let m = registry::update_member(
        &*txn,
        pii,
        &p.scope,
        Some(p.user),
        id,
        current.version,
        body.into_inner()?,
    )
    .await?;
    txn.commit().await?;
    with_etag(&req, &m)
}
