//! `/persons`: the responsible persons (帮扶责任人) of the units (not scoped).

use super::{Result, State, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, web};
use fieldcheck_domain::Action;
use fieldcheck_store::orgs;
use serde::Deserialize;

/// Filters of `GET /persons`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    unit: Option<uuid::Uuid>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /persons`.
pub async fn list(state: State, p: Principal, q: web::Query<PersonQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    let key = format!("persons|{:?}", q.unit);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    Ok(list_response(
        &state,
        orgs::list_persons(&state.store.db, q.unit.map(Into::into), page).await?,
        &key,
    ))
}

/// `GET /persons/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    with_etag(
        &req,
        &orgs::get_person(&state.store.db, path_id(&id)?).await?,
    )
}

/// `POST /persons`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<orgs::NewPerson>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let person = orgs::create_person(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(person))
}

/// `PATCH /persons/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<orgs::PersonPatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let current = orgs::get_person(&*txn, id).await?;
    check_if_match(&req, &current)?;
    let person =
        orgs::update_person(&*txn, Some(p.user), id, current.version, body.into_inner()?).await?;
    txn.commit().await?;
    with_etag(&req, &person)
}
