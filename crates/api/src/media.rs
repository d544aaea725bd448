//! Photo bytes: resumable uploads (HEAD tells the offset, PATCH or PUT continues from it),
//! verification against the SHA-256 the device sent, processing off the async threads, storage
//! (objects first, database row second), and the reviewers' gallery.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{JsonBody, ListPage, path_id};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use fieldcheck_domain::{Action, PhotoStatus, ReviewStatus, Role, evidence::PhotoFlag};
use fieldcheck_media::{MediaError, exif, process};
use fieldcheck_store::{PageRequest, photos};
use futures_util::StreamExt;
use serde::Deserialize;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

type Result<T> = std::result::Result<T, ApiError>;

fn staging(state: &AppState, id: Uuid) -> (PathBuf, PathBuf) {
    let dir = state.config.data_dir.join("uploads");
    (
        dir.join(format!("{id}.part")),
        dir.join(format!("{id}.len")),
    )
}

async fn staged_len(part: &PathBuf) -> u64 {
    tokio::fs::metadata(part)
        .await
        .map(|m| m.len())
        .unwrap_or(0)
}

async fn declared_len(len_file: &PathBuf) -> Option<u64> {
    tokio::fs::read_to_string(len_file)
        .await
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn upload_headers(res: &mut actix_web::HttpResponseBuilder, offset: u64, total: Option<u64>) {
    res.insert_header(("Upload-Offset", offset.to_string()));
    if let Some(t) = total {
        res.insert_header(("Upload-Length", t.to_string()));
    }
    res.insert_header((header::CACHE_CONTROL, "no-store"));
}

/// `HEAD /photos/{id}/content`: how many bytes the server holds.
pub async fn head_content(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id: Uuid = path_id(&id)?;
    let record = photos::for_upload(&state.store.db, p.user, id).await?;
    let mut res = HttpResponse::Ok();
    if record.status == PhotoStatus::Stored.as_str() {
        let size = record.size_bytes.unwrap_or(0) as u64;
        upload_headers(&mut res, size, Some(size));
    } else {
        let (part, len) = staging(&state, id);
        upload_headers(&mut res, staged_len(&part).await, declared_len(&len).await);
    }
    Ok(res.finish())
}

/// Reads the upload headers (parsing lives in the media crate, where it is fuzzed).
fn chunk_spec(req: &HttpRequest, whole: bool) -> Result<fieldcheck_media::upload::ChunkSpec> {
    let get = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{fffd}"))
    };
    let headers = fieldcheck_media::upload::UploadHeaders {
        content_range: get(header::CONTENT_RANGE),
        upload_offset: get(header::HeaderName::from_static("upload-offset")),
        upload_length: get(header::HeaderName::from_static("upload-length")),
        content_length: get(header::CONTENT_LENGTH),
    };
    fieldcheck_media::upload::parse(headers, whole).map_err(ApiError::InvalidUpload)
}

/// `PUT /photos/{id}/content`: the whole photo, or one `Content-Range` chunk.
pub async fn put_content(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse> {
    upload(state, req, p, id, body, true).await
}

/// `PATCH /photos/{id}/content`: continues an upload at `Upload-Offset`.
pub async fn patch_content(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse> {
    upload(state, req, p, id, body, false).await
}

async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
    mut body: web::Payload,
    whole: bool,
) -> Result<HttpResponse> {
    let id: Uuid = path_id(&id)?;
    let record = photos::for_upload(&state.store.db, p.user, id).await?;
    if record.status == PhotoStatus::Stored.as_str() {
        // The same photo sent again: already stored once, nothing to do.
        let (rec, loc) = photos::get(&state.store.db, &fieldcheck_store::Scope::All, id).await?;
        return Ok(HttpResponse::Ok().json(photos::photo_view(rec, loc, true)));
    }
    let spec = chunk_spec(&req, whole)?;
    let limit = state.config.limits.upload_bytes as u64;
    if spec.total.is_some_and(|t| t > limit) {
        return Err(ApiError::PayloadTooLarge(limit as usize));
    }
    let lock = {
        let mut locks = state
            .upload_locks
            .lock()
            .map_err(|_| ApiError::Unavailable("upload locks".into()))?;
        locks.entry(id).or_default().clone()
    };
    let _guard = lock.lock().await;
    let (part, len_file) = staging(&state, id);
    let io = |e: std::io::Error| ApiError::internal(e);
    tokio::fs::create_dir_all(part.parent().unwrap_or(&state.config.data_dir))
        .await
        .map_err(io)?;
    let held = staged_len(&part).await;
    let known = declared_len(&len_file).await;
    let total = match (known, spec.total) {
        (Some(k), Some(t)) if k != t => {
            return Err(ApiError::InvalidUpload(format!(
                "Upload-Length changed from {k} to {t}"
            )));
        }
        (Some(k), _) => k,
        (None, Some(t)) => t,
        (None, None) => {
            return Err(ApiError::InvalidUpload(
                "the first chunk must give Upload-Length".into(),
            ));
        }
    };
    if spec.offset != held {
        return Err(ApiError::OffsetMismatch { held });
    }
    if known.is_none() {
        tokio::fs::write(&len_file, total.to_string())
            .await
            .map_err(io)?;
    }
    // Append, refusing anything beyond the declared length while streaming.
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&part)
        .await
        .map_err(io)?;
    let mut written = 0u64;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // The connection broke: keep what arrived; the client resumes from HEAD's offset.
            Err(_) => break,
        };
        if held + written + chunk.len() as u64 > total {
            failure = Some(ApiError::InvalidUpload(format!(
                "more bytes than the declared {total}"
            )));
            break;
        }
        file.write_all(&chunk).await.map_err(io)?;
        written += chunk.len() as u64;
    }
    if failure.is_none() && spec.chunk_len.is_some_and(|n| n != written) {
        failure = Some(ApiError::InvalidUpload(
            "the body does not match Content-Range".into(),
        ));
    }
    if let Some(err) = failure {
        // Discard this chunk entirely so the offset stays where the client believes it is.
        file.set_len(held).await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        if held == 0 {
            // Nothing was ever accepted: forget the declared length too.
            discard(&part, &len_file).await;
        }
        return Err(err);
    }
    // Acknowledged bytes survive a crash.
    file.sync_all().await.map_err(io)?;
    drop(file);
    let now_held = held + written;
    if now_held < total {
        let mut res = HttpResponse::NoContent();
        upload_headers(&mut res, now_held, Some(total));
        return Ok(res.finish());
    }
    finish(&state, &p, record, &part, &len_file).await
}

async fn discard(part: &PathBuf, len_file: &PathBuf) {
    let _ = tokio::fs::remove_file(part).await;
    let _ = tokio::fs::remove_file(len_file).await;
}

fn object_keys(sha: &str) -> (String, String, String) {
    let shard = &sha[..2];
    (
        format!("originals/{shard}/{sha}"),
        format!("derived/{shard}/{sha}-320.jpg"),
        format!("derived/{shard}/{sha}-1280.jpg"),
    )
}

fn media_error(e: MediaError) -> ApiError {
    match e {
        MediaError::Unavailable(m) => ApiError::Unavailable(format!("blob store: {m}")),
        other => ApiError::internal(other),
    }
}

async fn finish(
    state: &AppState,
    p: &Principal,
    record: fieldcheck_store::entities::photo_records::Model,
    part: &PathBuf,
    len_file: &PathBuf,
) -> Result<HttpResponse> {
    // Held until the objects are stored: the file is in memory only while this is held.
    let _finishing = state
        .finish_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let bytes = tokio::fs::read(part).await.map_err(ApiError::internal)?;
    let permit = state
        .decode_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    // Hashing megabytes and decoding both stay off the async threads. The bytes go to the worker
    // and come back: no copy of the file.
    let expected = record.sha256.clone();
    let (bytes, outcome) = web::block(move || {
        let _permit = permit;
        let info = exif::read(&bytes).ok().flatten().unwrap_or_default();
        let orientation = if info.orientation == 0 {
            1
        } else {
            info.orientation
        };
        // The hash is computed beside the decoder; a mismatch wins over what the decoder said.
        let (digest, processed) = process::hash_and_process(&bytes, orientation);
        if hex::encode(digest) != expected {
            return (bytes, Err(ApiError::HashMismatch));
        }
        let result = processed.map(|p| (info, p)).map_err(ApiError::from);
        (bytes, result)
    })
    .await
    .map_err(ApiError::internal)?;
    let (info, processed) = match outcome {
        Ok(ok) => ok,
        Err(e) => {
            discard(part, len_file).await;
            return Err(e);
        }
    };
    let (original_key, thumb_key, screen_key) = object_keys(&record.sha256);
    // Objects first: a row never points at an object that is not there. Content-addressed keys
    // make storing the same photo twice a no-op.
    for (key, data) in [
        (&original_key, &bytes),
        (&thumb_key, &processed.thumb),
        (&screen_key, &processed.screen),
    ] {
        if !state.blobs.exists(key).await.map_err(media_error)? {
            state.blobs.put(key, data).await.map_err(media_error)?;
        }
    }
    let facts = photos::StoredFacts {
        size_bytes: bytes.len() as i64,
        exif_position: info
            .lat
            .zip(info.lon)
            .map(|(lat, lon)| fieldcheck_domain::GeoPoint { lat, lon }),
        exif_altitude_m: info.altitude_m,
        exif_taken_at: info.taken_at.map(|t| t.with_timezone(&chrono::Utc)),
        exif_offset_from_file: info.offset_from_file,
        orientation: i32::from(info.orientation.max(1)),
        make: info.make.map(|m| m.chars().take(64).collect()),
        model: info.model.map(|m| m.chars().take(64).collect()),
        width: processed.width as i32,
        height: processed.height as i32,
        dhash: processed.dhash,
        original_key,
        thumb_key,
        screen_key,
    };
    let txn = state.store.write().await?;
    let current = photos::for_upload(&*txn, p.user, record.id).await?;
    let stored = if current.status == PhotoStatus::Stored.as_str() {
        current
    } else {
        photos::complete(&*txn, current, facts, &state.config.media.thresholds()).await?
    };
    let (_, loc) = photos::get(&*txn, &fieldcheck_store::Scope::All, stored.id).await?;
    txn.commit().await?;
    discard(part, len_file).await;
    Ok(HttpResponse::Created().json(photos::photo_view(stored, loc, true)))
}

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

fn sees_locations(p: &Principal) -> bool {
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
    crate::extract::with_etag(&req, &photos::photo_view(rec, loc, sees_locations(&p)))
}

/// Serves one of a photo's objects after the caller's access check (also used by the office's
/// pages).
pub async fn serve_object(
    state: &AppState,
    p: &Principal,
    id: &str,
    pick: fn(&fieldcheck_store::entities::photo_records::Model) -> Option<String>,
) -> Result<HttpResponse> {
    if p.role == Role::Assessee {
        return Err(ApiError::NotFound);
    }
    let (rec, _) = photos::get(&state.store.db, &p.scope, path_id(id)?).await?;
    let key = pick(&rec).ok_or(ApiError::NotFound)?;
    let bytes = match state.blobs.get(&key).await {
        Ok(b) => b,
        Err(MediaError::NotFound) => return Err(ApiError::NotFound),
        Err(e) => return Err(media_error(e)),
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
