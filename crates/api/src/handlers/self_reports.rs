//! Self-reports: an assessee submits its own under `/cycles/{id}/self-reports`; the office reads
//! them there and returns one for correction at `/self-reports/{id}/return`.

use super::{Result, State, uuid_param};
use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::{Action, AssesseeId};
use fieldcheck_store::Scope;
use fieldcheck_store::assessment as store;
use serde::Deserialize;
use uuid::Uuid;

/// The assessee an assessee's account speaks for; any other role has none.
fn own_assessee(p: &Principal) -> Result<Uuid> {
    match p.scope {
        Scope::Assessee(AssesseeId(a)) => Ok(a),
        _ => Err(ApiError::Forbidden),
    }
}

/// `POST /cycles/{id}/self-reports`.
pub async fn submit(
    state: State,
    Can(p, _): Can<auth::SubmitSelfReport>,
    id: web::Path<String>,
    body: JsonBody<store::SelfReportInput>,
) -> Result<HttpResponse> {
    let cycle = uuid_param(&id)?;
    let assessee = own_assessee(&p)?;
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let r = store::submit_self_report(&*txn, p.user, assessee, cycle, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(r))
}

/// `GET /cycles/{id}/self-reports`.
pub async fn list(state: State, p: Principal, id: web::Path<String>) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let items = store::list_self_reports(&state.store.db, &p.scope, uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// Body of `POST /self-reports/{id}/return`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    comment: String,
}

/// `POST /self-reports/{id}/return`: back to the assessee with the office's comment.
pub async fn return_for_correction(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<CommentBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let r = store::return_self_report(&*txn, p.user, id, &b.comment).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(r))
}
