//! `/households`: the registry's households with their members, read within the caller's scope;
//! exact lookup by ID number; revealing ID numbers (audited in the same transaction).

use super::{Result, State, check_district, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::{JsonBody, ListPage, check_if_match, path_id, with_etag};
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{Action, HouseholdId, HouseholdStatus, NationalId};
use fieldcheck_store::{PageRequest, audit, registry};
use serde::Deserialize;

/// Filters of `GET /households`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdQuery {
    district: Option<String>,
    village: Option<uuid::Uuid>,
    status: Option<HouseholdStatus>,
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /households`.
pub async fn list(
    state: State,
    p: Principal,
    q: web::Query<HouseholdQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    check_district(&q.district)?;
    // The caller is part of the key: a cursor cannot be replayed by someone with another scope.
    let key = format!(
        "households|{}|{:?}|{:?}|{:?}|{:?}",
        p.user, q.district, q.village, q.status, q.updated_since
    );
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    let filter = registry::HouseholdFilter {
        district: q.district.clone(),
        village_id: q.village.map(Into::into),
        status: q.status,
        updated_since: q.updated_since,
        id_number_index: None,
    };
    Ok(list_response(
        &state,
        registry::list_households(&state.store.db, &p.scope, &filter, page).await?,
        &key,
    ))
}

/// Body of `POST /households/lookup`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    id_number: String,
}

/// `POST /households/lookup`: exact lookup by national ID number, in the body so the number
/// never appears in a URL or an access log; matched through the keyed hash.
pub async fn lookup(
    state: State,
    p: Principal,
    body: JsonBody<LookupRequest>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    let id = NationalId::parse(&body.into_inner()?.id_number)?;
    let filter = registry::HouseholdFilter {
        id_number_index: Some(state.store.pii.index(id.expose())),
        ..Default::default()
    };
    let txn = state.store.write().await?;
    let page =
        registry::list_households(&*txn, &p.scope, &filter, PageRequest::new(None, None)).await?;
    audit::record(
        &*txn,
        Some(p.user),
        "pii.lookup",
        "household",
        "-",
        serde_json::json!({ "matches": page.items.len() }),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(ListPage {
        items: page.items,
        next_cursor: None,
    }))
}

/// Query of `GET /households/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealQuery {
    reveal: Option<String>,
}

/// `GET /households/{id}`: masked ID numbers from the rendered-body cache, or revealed ones for
/// the roles that may see them.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
    q: web::Query<RevealQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    let id = path_id(&id)?;
    let reveal = match q.reveal.as_deref() {
        None => false,
        Some("id_number") => {
            p.require(Action::RevealIdNumbers)?;
            true
        }
        Some(_) => {
            return Err(ApiError::InvalidQuery(
                "reveal accepts only id_number".into(),
            ));
        }
    };
    if !reveal {
        let h = state.store.household(&p.scope, id).await?;
        return state.household_bodies.respond(&req, id, &h);
    }
    get_revealed(&state, &req, &p, id).await
}

/// A reveal writes its audit entry in the same transaction as the read, and the answer is never
/// stored by a cache.
async fn get_revealed(
    state: &State,
    req: &HttpRequest,
    p: &Principal,
    id: HouseholdId,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let h = registry::get_household(
        &*txn,
        &state.store.pii,
        &p.scope,
        id,
        registry::IdNumbers::Revealed,
        Some(p.user),
    )
    .await?;
    txn.commit().await?;
    let mut res = with_etag(req, &h)?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /households`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<registry::NewHousehold>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let h = registry::create_household(&*txn, &state.store.pii, Some(p.user), body.into_inner()?)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(h))
}

/// `PATCH /households/{id}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<registry::HouseholdPatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let pii = &state.store.pii;
    let txn = state.store.write().await?;
    let current =
        registry::get_household(&*txn, pii, &p.scope, id, registry::IdNumbers::Masked, None)
            .await?;
    check_if_match(&req, &current)?;
    let h = registry::update_household(
        &*txn,
        pii,
        &p.scope,
        Some(p.user),
        id,
        current.household.version,
        body.into_inner()?,
    )
    .await?;
    txn.commit().await?;
    with_etag(&req, &h)
}
