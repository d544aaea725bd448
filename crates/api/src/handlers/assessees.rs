//! `/assessees`: who the assessment judges (district governments, units, responsible persons),
//! read within the caller's scope.

use super::{Result, State, check_district, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, web};
use fieldcheck_domain::{Action, AssesseeKind};
use fieldcheck_store::orgs;
use serde::Deserialize;

/// Filters of `GET /assessees`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssesseeQuery {
    kind: Option<AssesseeKind>,
    district: Option<String>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /assessees`.
pub async fn list(
    state: State,
    p: Principal,
    q: web::Query<AssesseeQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessees)?;
    check_district(&q.district)?;
    let key = format!("assessees|{}|{:?}|{:?}", p.user, q.kind, q.district);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    let items = orgs::list_assessees(
        &state.store.db,
        &p.scope,
        q.kind,
        q.district.as_deref(),
        page,
    )
    .await?;
    Ok(list_response(&state, items, &key))
}

/// `GET /assessees/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessees)?;
    with_etag(
        &req,
        &orgs::get_assessee(&state.store.db, &p.scope, path_id(&id)?).await?,
    )
}

/// `POST /assessees`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditAssessees>,
    body: JsonBody<orgs::NewAssessee>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let a = orgs::create_assessee(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(a))
}

/// `PATCH /assessees/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditAssessees>,
    id: web::Path<String>,
    body: JsonBody<orgs::AssesseePatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let current = orgs::get_assessee(&*txn, &p.scope, id).await?;
    check_if_match(&req, &current)?;
    let a =
        orgs::update_assessee(&*txn, Some(p.user), id, current.version, body.into_inner()?).await?;
    txn.commit().await?;
    with_etag(&req, &a)
}
