//! `/auth` and `/me`: signing in, rotating the refresh token, signing a device out, and who the
//! caller is. The token rules themselves live in [`crate::auth`].

use crate::auth::{Principal, authenticate, issue_pair, token_hash};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::Duration;
use fieldcheck_domain::UserId;
use fieldcheck_store::users;
use serde::Deserialize;

/// Sign-in request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
    /// Names the device so its sign-in can be revoked alone.
    device_id: Option<String>,
}

/// Refresh or sign-out request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// `POST /auth/login`.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let device = body
        .device_id
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("unnamed");
    if device.len() > 128 {
        return Err(ApiError::Validation(
            fieldcheck_domain::ValidationErrors::single(
                "device_id",
                "too-long",
                "at most 128 characters",
            ),
        ));
    }
    let addr = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let account = authenticate(&state, &addr, &body.username, &body.password, device).await?;
    let user = UserId(account.row.id);
    let txn = state.store.write().await?;
    let resp = issue_pair(
        &state,
        &*txn,
        user,
        account.role,
        uuid::Uuid::now_v7(),
        device,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(resp))
}

/// `POST /auth/refresh`: spends the token and returns its successor. Presenting a spent token
/// revokes the whole family (one of the two holders is not the user), unless it is the same
/// device retrying a refresh whose answer it lost (see `users::spend_refresh`).
pub async fn refresh(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let txn = state.store.write().await?;
    let retry_grace = Duration::seconds(state.config.auth.refresh_retry_secs as i64);
    let hash = token_hash(&body.into_inner()?.refresh_token);
    match users::spend_refresh(&*txn, &hash, retry_grace).await? {
        users::RefreshOutcome::Rotated {
            user,
            family,
            device_id,
        } => {
            let account = users::account(&*txn, user)
                .await?
                .filter(|a| !a.row.disabled);
            let Some(account) = account else {
                users::revoke_family(&*txn, family).await?;
                txn.commit().await?;
                return Err(ApiError::Unauthorized("account disabled or removed"));
            };
            let resp = issue_pair(&state, &*txn, user, account.role, family, &device_id).await?;
            txn.commit().await?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(resp))
        }
        users::RefreshOutcome::Reused => {
            txn.commit().await?;
            tracing::warn!("refresh token reused; its family is revoked");
            Err(ApiError::Unauthorized(
                "refresh token already used; sign in again",
            ))
        }
        users::RefreshOutcome::Invalid => {
            Err(ApiError::Unauthorized("invalid or expired refresh token"))
        }
    }
}

/// `POST /auth/logout`: revokes the device's sign-in (the token's family). Idempotent.
pub async fn logout(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let txn = state.store.write().await?;
    if let Some((user, family)) =
        users::family_of(&*txn, &token_hash(&body.into_inner()?.refresh_token)).await?
    {
        users::revoke_family(&*txn, family).await?;
        fieldcheck_store::audit::record(
            &*txn,
            Some(user),
            "auth.logout",
            "user",
            user.to_string(),
            serde_json::json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /me`: the signed-in account.
pub async fn me(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(users::get(&state.store.db, p.user).await?))
}
