//! `/sync/conflicts`: where a phone's edit met the office's change of the same field; the
//! office lists them and settles each for one side.

use super::Result;
use crate::auth::{self, Can};
use crate::extract::{JsonBody, path_id};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use fieldcheck_store::sync;
use serde::Deserialize;
use uuid::Uuid;

/// Query of the conflict list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictQuery {
    unresolved: Option<bool>,
    limit: Option<u64>,
}

/// `GET /sync/conflicts`.
pub async fn list(
    state: web::Data<AppState>,
    Can(_, _): Can<auth::EditRegistry>,
    q: web::Query<ConflictQuery>,
) -> Result<HttpResponse> {
    let items = sync::conflicts(
        &state.store.db,
        q.unresolved.unwrap_or(true),
        q.limit.unwrap_or(100).clamp(1, 500),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// How a conflict is settled.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// `server` keeps the office's value; `device` applies the device's.
    take: Side,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Side {
    Server,
    Device,
}

/// `POST /sync/conflicts/{id}/resolve`.
pub async fn resolve(
    state: web::Data<AppState>,
    Can(p, _): Can<auth::EditRegistry>,
    id: web::Path<String>,
    body: JsonBody<Resolve>,
) -> Result<HttpResponse> {
    let id: Uuid = path_id(&id)?;
    let take = body.into_inner()?.take;
    let txn = state.store.write().await?;
    let c = sync::resolve_conflict(&*txn, p.user, id, take == Side::Device).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(c))
}
