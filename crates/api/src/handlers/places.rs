//! `/places`: the division tree (city, districts, towns, villages). Readable by every signed-in
//! user; edited by the roles that edit the registry.

use super::{Result, State, check_district, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use fieldcheck_domain::PlaceLevel;
use fieldcheck_store::places;
use serde::Deserialize;

/// Filters of `GET /places`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceQuery {
    level: Option<PlaceLevel>,
    parent: Option<uuid::Uuid>,
    district: Option<String>,
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /places`.
pub async fn list(state: State, _p: Principal, q: web::Query<PlaceQuery>) -> Result<HttpResponse> {
    check_district(&q.district)?;
    let key = format!(
        "places|{:?}|{:?}|{:?}|{:?}",
        q.level, q.parent, q.district, q.updated_since
    );
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    let filter = places::PlaceFilter {
        level: q.level,
        parent_id: q.parent.map(Into::into),
        district: q.district.clone(),
        updated_since: q.updated_since,
    };
    Ok(list_response(
        &state,
        places::list(&state.store.db, &filter, page).await?,
        &key,
    ))
}

/// `GET /places/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    _p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    with_etag(&req, &places::get(&state.store.db, path_id(&id)?).await?)
}

/// `POST /places`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<places::NewPlace>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let place = places::create(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(place))
}

/// `PATCH /places/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<places::PlacePatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let current = places::get(&*txn, id).await?;
    check_if_match(&req, &current)?;
    let place =
        places::update(&*txn, Some(p.user), id, current.version, body.into_inner()?).await?;
    txn.commit().await?;
    with_etag(&req, &place)
}
