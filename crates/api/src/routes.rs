//! Thin handlers: extract, check the role, call the store inside the caller's scope, shape the
//! response. Every route is declared once in [`table`], which both registers it and lets the
//! contract test compare the server's routes with `api-spec/openapi.yaml`.

use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::{JsonBody, ListPage, check_if_match, path_id, with_etag};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, Route, http::Method, http::header, web};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{
    Action, AssesseeKind, HouseholdStatus, NationalId, PlaceLevel, PlanStatus, Role, UnitKind,
};
use fieldcheck_store::{PageRequest, audit, orgs, places, registry, users};
use serde::{Deserialize, Serialize};

type Result<T> = std::result::Result<T, ApiError>;
type State = web::Data<AppState>;

/// Every route: method, path (OpenAPI syntax) and handler.
pub fn table() -> Vec<(Method, &'static str, Route)> {
    use crate::assessment as a;
    use Method as M;
    vec![
        (M::GET, "/livez", web::get().to(livez)),
        (M::GET, "/readyz", web::get().to(readyz)),
        (M::GET, "/metrics", web::get().to(metrics)),
        (M::GET, "/openapi.json", web::get().to(openapi)),
        (M::POST, "/auth/login", web::post().to(auth::login)),
        (M::POST, "/auth/refresh", web::post().to(auth::refresh)),
        (M::POST, "/auth/logout", web::post().to(auth::logout)),
        (M::GET, "/me", web::get().to(auth::me)),
        (M::GET, "/places", web::get().to(list_places)),
        (M::POST, "/places", web::post().to(create_place)),
        (M::GET, "/places/{id}", web::get().to(get_place)),
        (M::PATCH, "/places/{id}", web::patch().to(update_place)),
        (M::GET, "/households", web::get().to(list_households)),
        (M::POST, "/households", web::post().to(create_household)),
        (
            M::POST,
            "/households/lookup",
            web::post().to(lookup_households),
        ),
        (M::GET, "/households/{id}", web::get().to(get_household)),
        (
            M::PATCH,
            "/households/{id}",
            web::patch().to(update_household),
        ),
        (
            M::POST,
            "/households/{id}/members",
            web::post().to(add_member),
        ),
        (M::GET, "/members/{id}", web::get().to(get_member)),
        (M::PATCH, "/members/{id}", web::patch().to(update_member)),
        (M::GET, "/plans", web::get().to(list_plans)),
        (M::POST, "/plans", web::post().to(create_plan)),
        (M::GET, "/plans/{id}", web::get().to(get_plan)),
        (M::PATCH, "/plans/{id}", web::patch().to(update_plan)),
        (M::POST, "/plans/{id}/measures", web::post().to(add_measure)),
        (M::GET, "/measures/{id}", web::get().to(get_measure)),
        (M::PATCH, "/measures/{id}", web::patch().to(update_measure)),
        (M::GET, "/units", web::get().to(list_units)),
        (M::POST, "/units", web::post().to(create_unit)),
        (M::GET, "/units/{id}", web::get().to(get_unit)),
        (M::PATCH, "/units/{id}", web::patch().to(update_unit)),
        (M::GET, "/persons", web::get().to(list_persons)),
        (M::POST, "/persons", web::post().to(create_person)),
        (M::GET, "/persons/{id}", web::get().to(get_person)),
        (M::PATCH, "/persons/{id}", web::patch().to(update_person)),
        (M::GET, "/assessees", web::get().to(list_assessees)),
        (M::POST, "/assessees", web::post().to(create_assessee)),
        (M::GET, "/assessees/{id}", web::get().to(get_assessee)),
        (
            M::PATCH,
            "/assessees/{id}",
            web::patch().to(update_assessee),
        ),
        (M::GET, "/users", web::get().to(list_users)),
        (M::POST, "/users", web::post().to(create_user)),
        (M::GET, "/users/{id}", web::get().to(get_user)),
        (M::PATCH, "/users/{id}", web::patch().to(update_user)),
        (M::POST, "/sync/pull", web::post().to(crate::sync::pull)),
        (M::POST, "/sync/push", web::post().to(crate::sync::push)),
        (
            M::GET,
            "/sync/conflicts",
            web::get().to(crate::sync::conflicts),
        ),
        (
            M::POST,
            "/sync/conflicts/{id}/resolve",
            web::post().to(crate::sync::resolve),
        ),
        (M::GET, "/templates", web::get().to(a::list_templates)),
        (M::POST, "/templates", web::post().to(a::create_template)),
        (M::GET, "/cycles", web::get().to(a::list_cycles)),
        (M::POST, "/cycles", web::post().to(a::create_cycle)),
        (M::GET, "/cycles/{id}", web::get().to(a::get_cycle)),
        (
            M::POST,
            "/cycles/{id}/transition",
            web::post().to(a::transition),
        ),
        (
            M::GET,
            "/cycles/{id}/self-reports",
            web::get().to(a::list_self_reports),
        ),
        (
            M::POST,
            "/cycles/{id}/self-reports",
            web::post().to(a::submit_self_report),
        ),
        (
            M::POST,
            "/self-reports/{id}/return",
            web::post().to(a::return_self_report),
        ),
        (
            M::POST,
            "/cycles/{id}/commissions",
            web::post().to(a::commission),
        ),
        (M::GET, "/cycles/{id}/scores", web::get().to(a::list_scores)),
        (
            M::POST,
            "/cycles/{id}/scores",
            web::post().to(a::record_score),
        ),
        (
            M::POST,
            "/cycles/{id}/aggregate",
            web::post().to(a::aggregate),
        ),
        (M::POST, "/cycles/{id}/decisions", web::post().to(a::decide)),
        (M::GET, "/cycles/{id}/results", web::get().to(a::results)),
        (
            M::GET,
            "/cycles/{id}/results.csv",
            web::get().to(a::results_csv),
        ),
        (
            M::GET,
            "/cycles/{id}/results.xlsx",
            web::get().to(a::results_xlsx),
        ),
        (M::GET, "/cycles/{id}/progress", web::get().to(a::progress)),
        (
            M::GET,
            "/cycles/{id}/satisfaction",
            web::get().to(a::satisfaction),
        ),
        (
            M::POST,
            "/cycles/{id}/samples",
            web::post().to(a::draw_sample),
        ),
        (M::GET, "/samples/{id}", web::get().to(a::get_sample)),
        (
            M::GET,
            "/samples/{id}/verify",
            web::get().to(a::verify_sample),
        ),
        (M::GET, "/assignments", web::get().to(a::list_assignments)),
        (
            M::POST,
            "/assignments",
            web::post().to(a::create_assignment),
        ),
        (
            M::GET,
            "/questionnaires",
            web::get().to(a::list_questionnaires),
        ),
        (
            M::POST,
            "/questionnaires",
            web::post().to(a::create_questionnaire),
        ),
        (
            M::GET,
            "/questionnaires/{id}",
            web::get().to(a::get_questionnaire),
        ),
        (M::GET, "/responses", web::get().to(a::list_responses)),
        (M::POST, "/responses", web::post().to(a::submit_response)),
        (M::GET, "/responses/{id}", web::get().to(a::get_response)),
        (
            M::GET,
            "/responses/{id}/versions",
            web::get().to(a::response_versions),
        ),
        (
            M::POST,
            "/responses/{id}/return",
            web::post().to(a::return_response),
        ),
        (
            M::POST,
            "/visits/{id}/return",
            web::post().to(a::return_visit),
        ),
        (
            M::GET,
            "/visits/{id}/versions",
            web::get().to(a::visit_versions),
        ),
        (M::GET, "/photos", web::get().to(crate::media::list)),
        (M::GET, "/photos/{id}", web::get().to(crate::media::get)),
        (
            M::HEAD,
            "/photos/{id}/content",
            web::head().to(crate::media::head_content),
        ),
        (
            M::PUT,
            "/photos/{id}/content",
            web::put().to(crate::media::put_content),
        ),
        (
            M::PATCH,
            "/photos/{id}/content",
            web::patch().to(crate::media::patch_content),
        ),
        (
            M::GET,
            "/photos/{id}/thumb",
            web::get().to(crate::media::thumb),
        ),
        (
            M::GET,
            "/photos/{id}/screen",
            web::get().to(crate::media::screen),
        ),
        (
            M::GET,
            "/photos/{id}/original",
            web::get().to(crate::media::original),
        ),
        (
            M::POST,
            "/photos/{id}/review",
            web::post().to(crate::media::review),
        ),
        (M::GET, "/audit", web::get().to(list_audit)),
        (M::GET, "/audit/verify", web::get().to(verify_audit)),
    ]
}

async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(state: State) -> Result<HttpResponse> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database: {e}")))?;
    state
        .blobs
        .check()
        .await
        .map_err(|e| ApiError::Unavailable(format!("blob store: {e}")))?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "status": "ready", "database": "ok", "blob_store": "ok" })))
}

async fn metrics(state: State) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

async fn openapi() -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(crate::openapi::document()?))
}

/// Parses the cursor of a list query bound to `key`, and builds the page request.
fn page_request(
    state: &AppState,
    cursor: &Option<String>,
    limit: Option<u64>,
    key: &str,
) -> Result<PageRequest> {
    let after = match cursor {
        Some(c) => Some(state.cursors.decode(c, key)?),
        None => None,
    };
    Ok(PageRequest::new(after, limit))
}

fn list_response<T: Serialize>(
    state: &AppState,
    page: fieldcheck_store::Page<T>,
    key: &str,
) -> HttpResponse {
    let next_cursor = page.next_after.map(|a| state.cursors.encode(a, key));
    HttpResponse::Ok().json(ListPage {
        items: page.items,
        next_cursor,
    })
}

fn parse_district(d: &Option<String>) -> Result<()> {
    match d {
        Some(d) if d.len() != 6 || !d.bytes().all(|b| b.is_ascii_digit()) => Err(
            ApiError::InvalidQuery("district must be a 6-digit code".into()),
        ),
        _ => Ok(()),
    }
}

// ---- places ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceQuery {
    level: Option<PlaceLevel>,
    parent: Option<uuid::Uuid>,
    district: Option<String>,
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_places(
    state: State,
    _p: Principal,
    q: web::Query<PlaceQuery>,
) -> Result<HttpResponse> {
    parse_district(&q.district)?;
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

async fn get_place(
    state: State,
    req: HttpRequest,
    _p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    with_etag(&req, &places::get(&state.store.db, path_id(&id)?).await?)
}

async fn create_place(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<places::NewPlace>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let place = places::create(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(place))
}

async fn update_place(
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

// ---- households and members ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HouseholdQuery {
    district: Option<String>,
    village: Option<uuid::Uuid>,
    status: Option<HouseholdStatus>,
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_households(
    state: State,
    p: Principal,
    q: web::Query<HouseholdQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    parse_district(&q.district)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupRequest {
    id_number: String,
}

/// Exact lookup by national ID number, in the body so the number never appears in a URL or an
/// access log; matched through the keyed hash.
async fn lookup_households(
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealQuery {
    reveal: Option<String>,
}

async fn get_household(
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
    // A reveal writes its audit entry in the same transaction as the read.
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
    let mut res = with_etag(&req, &h)?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

async fn create_household(
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

async fn update_household(
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

async fn add_member(
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

async fn get_member(
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

async fn update_member(
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

// ---- plans and measures ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanQuery {
    household: Option<uuid::Uuid>,
    year: Option<i32>,
    status: Option<PlanStatus>,
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_plans(state: State, p: Principal, q: web::Query<PlanQuery>) -> Result<HttpResponse> {
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

async fn get_plan(
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

async fn create_plan(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<registry::NewPlan>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let plan = registry::create_plan(&*txn, &p.scope, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(plan))
}

async fn update_plan(
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

async fn add_measure(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<registry::NewMeasure>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let m = registry::add_measure(
        &*txn,
        &p.scope,
        Some(p.user),
        path_id(&id)?,
        body.into_inner()?,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(m))
}

async fn get_measure(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadHouseholds)?;
    with_etag(
        &req,
        &registry::get_measure(&state.store.db, &p.scope, path_id(&id)?).await?,
    )
}

async fn update_measure(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<registry::MeasurePatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let current = registry::get_measure(&*txn, &p.scope, id).await?;
    check_if_match(&req, &current)?;
    let m = registry::update_measure(
        &*txn,
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

// ---- units and persons ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitQuery {
    kind: Option<UnitKind>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_units(state: State, p: Principal, q: web::Query<UnitQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    let key = format!("units|{:?}", q.kind);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    Ok(list_response(
        &state,
        orgs::list_units(&state.store.db, q.kind, page).await?,
        &key,
    ))
}

async fn get_unit(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    with_etag(&req, &orgs::get_unit(&state.store.db, path_id(&id)?).await?)
}

async fn create_unit(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<orgs::NewUnit>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let u = orgs::create_unit(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(u))
}

async fn update_unit(
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonQuery {
    unit: Option<uuid::Uuid>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_persons(
    state: State,
    p: Principal,
    q: web::Query<PersonQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadUnits)?;
    let key = format!("persons|{:?}", q.unit);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    Ok(list_response(
        &state,
        orgs::list_persons(&state.store.db, q.unit.map(Into::into), page).await?,
        &key,
    ))
}

async fn get_person(
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

async fn create_person(
    state: State,
    Can(p, _): Can<auth::EditRegistry>,
    body: JsonBody<orgs::NewPerson>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let person = orgs::create_person(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(person))
}

async fn update_person(
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

// ---- assessees ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssesseeQuery {
    kind: Option<AssesseeKind>,
    district: Option<String>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_assessees(
    state: State,
    p: Principal,
    q: web::Query<AssesseeQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessees)?;
    parse_district(&q.district)?;
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

async fn get_assessee(
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

async fn create_assessee(
    state: State,
    Can(p, _): Can<auth::EditAssessees>,
    body: JsonBody<orgs::NewAssessee>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let a = orgs::create_assessee(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(a))
}

async fn update_assessee(
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

// ---- users ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserQuery {
    role: Option<Role>,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_users(state: State, p: Principal, q: web::Query<UserQuery>) -> Result<HttpResponse> {
    p.require(Action::ManageUsers)?;
    let key = format!("users|{:?}", q.role);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    Ok(list_response(
        &state,
        users::list(&state.store.db, q.role, page).await?,
        &key,
    ))
}

async fn get_user(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ManageUsers)?;
    with_etag(&req, &users::get(&state.store.db, path_id(&id)?).await?)
}

async fn hash_off_thread(password: Option<String>) -> Result<Option<String>> {
    match password {
        Some(pw) => Ok(Some(
            web::block(move || fieldcheck_store::password::hash(&pw))
                .await
                .map_err(ApiError::internal)?,
        )),
        None => Ok(None),
    }
}

async fn create_user(
    state: State,
    Can(p, _): Can<auth::ManageUsers>,
    body: JsonBody<users::NewUser>,
) -> Result<HttpResponse> {
    let input = body.into_inner()?;
    let hash = hash_off_thread(Some(input.password.clone()))
        .await?
        .unwrap_or_default();
    let txn = state.store.write().await?;
    let u = users::create(&*txn, Some(p.user), input, hash).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(u))
}

async fn update_user(
    state: State,
    req: HttpRequest,
    Can(p, _): Can<auth::ManageUsers>,
    id: web::Path<String>,
    body: JsonBody<users::UserPatch>,
) -> Result<HttpResponse> {
    let id = path_id(&id)?;
    let input = body.into_inner()?;
    let hash = hash_off_thread(input.password.clone()).await?;
    let txn = state.store.write().await?;
    let current = users::get(&*txn, id).await?;
    check_if_match(&req, &current)?;
    let u = users::update(&*txn, Some(p.user), id, Some(current.version), input, hash).await?;
    txn.commit().await?;
    with_etag(&req, &u)
}

// ---- audit ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    target_type: Option<String>,
    target_id: Option<String>,
    before: Option<i64>,
    limit: Option<u64>,
}

async fn list_audit(state: State, p: Principal, q: web::Query<AuditQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadAudit)?;
    let target = match (&q.target_type, &q.target_id) {
        (Some(t), Some(i)) => Some((t.as_str(), i.as_str())),
        (None, None) => None,
        _ => {
            return Err(ApiError::InvalidQuery(
                "target_type and target_id go together".into(),
            ));
        }
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let entries = audit::list(&state.store.db, target, q.before, limit).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries })))
}

async fn verify_audit(state: State, p: Principal) -> Result<HttpResponse> {
    p.require(Action::ReadAudit)?;
    Ok(HttpResponse::Ok().json(audit::verify(&state.store.db).await?))
}
