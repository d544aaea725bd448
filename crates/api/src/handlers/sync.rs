//! `POST /sync/pull` and `POST /sync/push`: the phones' offline sync. The protocol is described
//! in `api-spec/sync.md`; the conflicts a push leaves are in [`super::conflicts`].

use super::Result;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use fieldcheck_domain::{Action, Role, sync::MAX_PUSH_MUTATIONS};
use fieldcheck_store::sync::{self, Mutation, Outcome, Pusher};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Pull request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// The cursor of the previous pull; absent on a device's first sync.
    cursor: Option<String>,
    /// Changes per page (1..=1000, default 500).
    limit: Option<u64>,
}

#[derive(Serialize)]
struct PullResponse {
    changes: Vec<sync::SyncChange>,
    cursor: String,
    has_more: bool,
}

/// A cursor is bound to the user and to their scope: after a change of role or district the old
/// cursor is refused and the device starts a fresh full sync.
fn cursor_key(p: &Principal) -> String {
    format!("sync|{}|{:?}", p.user, p.scope)
}

/// `POST /sync/pull`.
pub async fn pull(
    state: web::Data<AppState>,
    p: Principal,
    body: JsonBody<PullRequest>,
) -> Result<HttpResponse> {
    if p.role == Role::Assessee {
        return Err(ApiError::Forbidden);
    }
    let req = body.into_inner()?;
    let after = match &req.cursor {
        Some(c) => {
            let raw = state.cursors.decode(c, &cursor_key(&p))?.as_u128();
            i64::try_from(raw).map_err(|_| ApiError::InvalidCursor)?
        }
        None => 0,
    };
    let limit = req.limit.unwrap_or(500).clamp(1, 1000);
    let page = sync::pull(
        &state.store.db,
        &state.store.pii,
        &p.scope,
        p.user,
        after,
        limit,
    )
    .await?;
    let cursor = state
        .cursors
        .encode(Uuid::from_u128(page.last_seq as u128), &cursor_key(&p));
    Ok(HttpResponse::Ok().json(PullResponse {
        changes: page.changes,
        cursor,
        has_more: page.has_more,
    }))
}

/// Push request: mutations are parsed one by one, so one malformed mutation is rejected alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The device's clock when it sent this batch; a large difference from the server's is
    /// flagged on the records the batch creates (never used for ordering).
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
    mutations: Vec<Value>,
}

#[derive(Serialize)]
struct MutationResult {
    mutation_id: Option<Value>,
    #[serde(flatten)]
    outcome: Outcome,
}

/// `POST /sync/push`.
pub async fn push(
    state: web::Data<AppState>,
    p: Principal,
    body: JsonBody<PushRequest>,
) -> Result<HttpResponse> {
    let field_worker = matches!(p.role, Role::Inspector | Role::Surveyor);
    if !field_worker && !p.role.may(Action::EditRegistry) {
        return Err(ApiError::Forbidden);
    }
    let req = body.into_inner()?;
    if req.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(ApiError::BatchTooLarge(MAX_PUSH_MUTATIONS));
    }
    let clock_skew_secs = req.sent_at.and_then(|t| {
        fieldcheck_domain::sync::flagged_skew(t.timestamp(), chrono::Utc::now().timestamp())
    });
    let who = Pusher {
        user: p.user,
        device: &p.device,
        scope: &p.scope,
        field_worker,
        clock_skew_secs,
    };
    let mut ids = Vec::with_capacity(req.mutations.len());
    let mut items = Vec::with_capacity(req.mutations.len());
    for raw in req.mutations {
        ids.push(raw.get("mutation_id").cloned());
        items.push(
            serde_path_to_error::deserialize::<_, Mutation>(raw).map_err(|e| Outcome::Rejected {
                code: "invalid-mutation".into(),
                detail: format!("{}: {}", e.path(), e.inner()),
                errors: Vec::new(),
            }),
        );
    }
    let outcomes = sync::apply_batch(&state.store, &who, items).await?;
    let results: Vec<MutationResult> = ids
        .into_iter()
        .zip(outcomes)
        .map(|(mutation_id, outcome)| MutationResult {
            mutation_id,
            outcome,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": results })))
}
