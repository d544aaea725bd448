//! `/templates`: the assessment's score-sheet templates, per year.

use super::{Result, State};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::Action;
use fieldcheck_domain::assessment::{ASSESSMENT_YEARS, Template};
use fieldcheck_store::assessment as store;
use serde::Deserialize;

/// Filter of `GET /templates`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    year: Option<i32>,
}

/// `GET /templates`.
pub async fn list(state: State, p: Principal, q: web::Query<YearQuery>) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    if q.year.is_some_and(|y| !ASSESSMENT_YEARS.contains(&y)) {
        return Err(ApiError::InvalidQuery("year: between 2000 and 2100".into()));
    }
    let items = store::list_templates(&state.store.db, q.year).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /templates`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<Template>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let t = store::create_template(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(t))
}
