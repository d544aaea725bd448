//! Sending a visit or a survey response back to its author for correction, with the reviewer's
//! comment per field: the one review step the two share.

use super::{Result, State, uuid_param};
use crate::auth::Principal;
use crate::extract::JsonBody;
use actix_web::HttpResponse;
use fieldcheck_domain::Action;
use fieldcheck_store::fieldwork;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Body of `POST /visits/{id}/return` and `POST /responses/{id}/return`: comments by field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBackBody {
    comments: BTreeMap<String, String>,
}

/// Sends the `entity` (`visit` or `response`) with path id `id` back.
pub(super) async fn send_back(
    state: State,
    p: Principal,
    entity: &str,
    id: &str,
    body: JsonBody<SendBackBody>,
) -> Result<HttpResponse> {
    p.require(Action::ReviewEvidence)?;
    let id = uuid_param(id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let out = fieldwork::send_back(&*txn, p.user, &p.scope, entity, id, &b.comments).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(out))
}
