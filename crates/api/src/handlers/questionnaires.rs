//! `/questionnaires`: versions of the survey questionnaires (questions, skip logic, rules).

use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::questionnaire::Questionnaire;
use fieldcheck_store::assessment as store;

/// `GET /questionnaires`.
pub async fn list(state: State, _p: Principal) -> Result<HttpResponse> {
    let items = store::list_questionnaires(&state.store.db).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /questionnaires`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<Questionnaire>,
) -> Result<HttpResponse> {
    let q = body.into_inner()?;
    let txn = state.store.write().await?;
    let q = store::create_questionnaire(&*txn, Some(p.user), q).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(q))
}

/// `GET /questionnaires/{id}`.
pub async fn get(state: State, _p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::get_questionnaire(&state.store.db, uuid_param(&id)?).await?))
}
