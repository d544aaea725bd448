//! `/plans`: each household's one-household-one-policy plan for a year, read within the
//! caller's scope.

use super::{Result, State, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{Action, PlanStatus};
use fieldcheck_store::registry;
use serde::Deserialize;

/// Filters of `GET /plans`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    household: Option<uuid::Uuid>,
    year: Option<i32>,
    status: Option<PlanStatus>,
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /plans`.
pub async fn list(state: State, p: Principal, q: web::Query<PlanQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    let key = format!(
        "plans|{}|{:?}|{:?}|{:?}|{:?}",
        p.user, q.household, q.year, q.status, q.updated_since
    );
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    let filter = registry::PlanFilter {
        household_id: q.household.map(Into::into),
        year: q.year,
        status: q.status,
        updated_since: q.updated_since,
    };
    Ok(list_response(
        &state,
        registry::list_plans(&state.store.db, &p.scope, &filter, page).await?,
        &key,
    ))
}

/// `GET /plans/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    with_etag(
        &req,
        &registry::get_plan(&state.store.db, &p.scope, path_id(&id)?).await?,
    )
}

/// `POST /plans`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<registry::NewPlan>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let plan = registry::create_plan(&*txn, &p.scope, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(plan))
}

/// `PATCH /plans/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<registry::PlanPatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let current = registry::get_plan(&*txn, &p.scope, id).await?;
    check_if_match(&req, &current)?;
    let plan = registry::update_plan(
        &*txn,
        &p.scope,
        Some(p.user),
        id,
        current.version,
        body.into_inner()?,
    )
    .await?;
    txn.commit().await?;
    with_etag(&req, &plan)
}
