//! `/cycles/{id}/scores`: score sheets recorded per assessee, read by whoever may reach that
//! assessee.

use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::assessment::CycleStep;
use fieldcheck_domain::{Action, Role};
use fieldcheck_store::assessment as store;
use serde::Deserialize;
use uuid::Uuid;

/// `POST /cycles/{id}/scores`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::Score>,
    id: web::Path<String>,
    body: JsonBody<store::ScoreInput>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let s = store::record_score(&*txn, p.user, p.role, id, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(s))
}

/// Filter of `GET /cycles/{id}/scores`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssesseeQuery {
    assessee_id: Uuid,
}

/// `GET /cycles/{id}/scores`.
pub async fn list(
    state: State,
    p: Principal,
    id: web::Path<String>,
    q: web::Query<AssesseeQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let cycle = uuid_param(&id)?;
    // The assessee must be within the caller's reach (an assessee reads only its own sheet; a
    // commissioned evaluator the sheets it was commissioned for).
    store::sheet_reachable(
        &state.store.db,
        &p.scope,
        p.role,
        p.user,
        cycle,
        q.assessee_id,
    )
    .await?;
    // An assessee sees its sheet only once results are published, as with the results.
    if p.role == Role::Assessee
        && store::get_cycle(&state.store.db, cycle).await?.step != CycleStep::Publication
    {
        return Ok(HttpResponse::Ok().json(serde_json::json!({ "items": [] })));
    }
    let items = store::list_scores(&state.store.db, cycle, q.assessee_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
