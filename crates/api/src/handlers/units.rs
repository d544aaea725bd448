//! `/units`: the lead and paired units of poverty alleviation (not scoped).

use super::{Result, State, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, web};
use fieldcheck_domain::{Action, UnitKind};
use fieldcheck_store::orgs;
use serde::Deserialize;

/// Filters of `GET /units`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    kind: Option<UnitKind>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /units`.
pub async fn list(state: State, p: Principal, q: web::Query<UnitQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    let key = format!("units|{:?}", q.kind);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    Ok(list_response(
        &state,
        orgs::list_units(&state.store.db, q.kind, page).await?,
        &key,
    ))
}

/// `GET /units/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    with_etag(&req, &orgs::get_unit(&state.store.db, path_id(&id)?).await?)
}

/// `POST /units`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<orgs::NewUnit>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let u = orgs::create_unit(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(u))
}

/// `PATCH /units/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<orgs::UnitPatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let current = orgs::get_unit(&*txn, id).await?;
    check_if_match(&req, &current)?;
    let u = orgs::update_unit(&*txn, Some(p.user), id, current.version, body.into_inner()?).await?;
    txn.commit().await?;
    with_etag(&req, &u)
}
