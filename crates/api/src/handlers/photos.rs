//! `/photos`: the reviewers' gallery, a photo's record, its objects (thumbnail, screen size,
//! original) and the review decision. The bytes arrive through [`super::uploads`].

use super::Result;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{JsonBody, ListPage, path_id, with_etag};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use fieldcheck_domain::{Action, PhotoStatus, ReviewStatus, Role, evidence::PhotoFlag};
use fieldcheck_media::MediaError;
use fieldcheck_store::entities::photo_records;
use fieldcheck_store::{PageRequest, photos};
use serde::Deserialize;
use uuid::Uuid;

/// Gallery query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    household: Option<Uuid>,
    visit: Option<Uuid>,
    flag: Option<PhotoFlag>,
    status: Option<PhotoStatus>,
    review_status: Option<ReviewStatus>,
    cursor: Option<String>,
    limit: Option<u64>,
}

/// Whether the caller sees where photos were taken (EXIF and device positions).
pub fn sees_locations(p: &Principal) -> bool {
    p.role.may(Action::ReadOriginals) || matches!(p.role, Role::Inspector | Role::Surveyor)
}

/// `GET /photos`.
pub async fn list(
    state: web::Data<AppState>,
    p: Principal,
    q: web::Query<PhotoQuery>,
) -> Result<HttpResponse> {
    if p.role == Role::Assessee {
        return Err(ApiError::Forbidden);
    }
    let key = format!(
        "photos|{}|{:?}|{:?}|{:?}|{:?}|{:?}",
        p.user, q.household, q.visit, q.flag, q.status, q.review_status
    );
    let after = match &q.cursor {
        Some(c) => Some(state.cursors.decode(c, &key)?),
        None => None,
    };
    let filter = photos::PhotoFilter {
        household_id: q.household,
        visit_id: q.visit,
        flag: q.flag,
        status: q.status,
        review_status: q.review_status,
        ..Default::default()
    };
    let page = photos::list(
        &state.store.db,
        &p.scope,
        &filter,
        PageRequest::new(after, q.limit),
        sees_locations(&p),
    )
    .await?;
    let next_cursor = page.next_after.map(|a| state.cursors.encode(a, &key));
    Ok(HttpResponse::Ok().json(ListPage {
        items: page.items,
        next_cursor,
    }))
}

/// `GET /photos/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    if p.role == Role::Assessee {
        return Err(ApiError::NotFound);
    }
    let (rec, loc) = photos::get(&state.store.db, &p.scope, path_id(&id)?).await?;
    with_etag(&req, &photos::photo_view(rec, loc, sees_locations(&p)))
}

/// Serves one of a photo's objects after the caller's access check (also used by the office's
/// pages).
pub async fn serve_object(
    state: &AppState,
    p: &Principal,
    id: &str,
    pick: fn(&photo_records::Model) -> Option<String>,
) -> Result<HttpResponse> {
    if p.role == Role::Assessee {
        return Err(ApiError::NotFound);
    }
    let (rec, _) = photos::get(&state.store.db, &p.scope, path_id(id)?).await?;
    let key = pick(&rec).ok_or(ApiError::NotFound)?;
    let bytes = match state.blobs.get(&key).await {
        Ok(b) => b,
        Err(MediaError::NotFound) => return Err(ApiError::NotFound),
        Err(e) => return Err(e.into()),
    };
    // Derivatives are always JPEG; an original is JPEG or PNG (the only formats accepted), told
    // apart by the PNG signature.
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// `GET /photos/{id}/thumb`.
pub async fn thumb(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    serve_object(&state, &p, &id, |r| r.thumb_key.clone()).await
}

/// `GET /photos/{id}/screen`.
pub async fn screen(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    serve_object(&state, &p, &id, |r| r.screen_key.clone()).await
}

/// `GET /photos/{id}/original`: the file as taken, with its EXIF position; only for roles that
/// may see locations.
pub async fn original(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadOriginals)?;
    serve_object(&state, &p, &id, |r| r.original_key.clone()).await
}

/// A review decision.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    decision: Decision,
    reason: Option<String>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Decision {
    Accept,
    Reject,
}

/// `POST /photos/{id}/review`: accept or reject, a reason required for rejection; audited.
pub async fn review(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: JsonBody<ReviewRequest>,
) -> Result<HttpResponse> {
    p.require(Action::ReviewEvidence)?;
    let r = body.into_inner()?;
    let mut errors = fieldcheck_domain::ValidationErrors::default();
    let reason = r.reason.as_deref().and_then(|s| {
        fieldcheck_domain::validation::multiline_text(&mut errors, "reason", s, 1000)
    });
    if r.decision == Decision::Reject && reason.is_none() && errors.is_empty() {
        errors.add("reason", "required", "a rejection needs a reason");
    }
    errors.into_result()?;
    let txn = state.store.write().await?;
    let rec = photos::review(
        &*txn,
        &p.scope,
        p.user,
        path_id(&id)?,
        r.decision == Decision::Accept,
        reason,
    )
    .await?;
    let (_, loc) = photos::get(&*txn, &p.scope, rec.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(photos::photo_view(rec, loc, true)))
}
