//! `/users`: accounts, for admins only; passwords hashed off the async threads.

use super::{Result, State, list_response, page_request};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::{JsonBody, check_if_match, path_id, with_etag};
use crate::telemetry::spawn_blocking_in_span;
use actix_web::{HttpRequest, HttpResponse, web};
use fieldcheck_domain::{Action, Role};
use fieldcheck_store::users;
use serde::Deserialize;

/// Filters of `GET /users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    role: Option<Role>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// `GET /users`.
pub async fn list(state: State, p: Principal, q: web::Query<UserQuery>) -> Result<HttpResponse> {
    p.require(Action::ManageUsers)?;
    let key = format!("users|{:?}", q.role);
    let page = page_request(&state, &q.cursor, q.limit, &key)?;
    Ok(list_response(
        &state,
        users::list(&state.store.db, q.role, page).await?,
        &key,
    ))
}

/// `GET /users/{id}`.
pub async fn get(
    state: State,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ManageUsers)?;
    with_etag(&req, &users::get(&state.store.db, path_id(&id)?).await?)
}

/// argon2 is deliberately slow: the hash is computed off the async workers (the office's
/// people pages call this too).
pub async fn hash_off_thread(password: Option<String>) -> Result<Option<String>> {
    match password {
        Some(pw) => Ok(Some(
            spawn_blocking_in_span(move || fieldcheck_store::password::hash(&pw))
                .await
                .map_err(ApiError::internal)?,
        )),
        None => Ok(None),
    }
}

/// `POST /users`.
pub async fn create(
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

/// `PATCH /users/{id}`.
pub async fn update(
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
