//! `/cycles/{id}/commissions`: which assessees a third-party evaluator is commissioned to score.

use super::{Result, State, uuid_param};
use crate::auth::{self, Can};
use crate::extract::JsonBody;
use actix_web::{HttpResponse, web};
use fieldcheck_store::assessment as store;
use serde::Deserialize;
use uuid::Uuid;

/// Body of `POST /cycles/{id}/commissions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommissionBody {
    user_id: Uuid,
    assessee_ids: Vec<Uuid>,
}

/// `POST /cycles/{id}/commissions`.
pub async fn create(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<CommissionBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let n = store::commission(&*txn, p.user, id, b.user_id, &b.assessee_ids).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "added": n })))
}
