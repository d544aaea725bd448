//! A photo's bytes, `/photos/{id}/content`: resumable uploads (HEAD tells the offset, PATCH or
//! PUT continues from it), verification against the SHA-256 the device sent, processing off the
//! async threads, storage (objects first, database row second).

use super::Result;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::state::AppState;
use crate::telemetry::spawn_blocking_in_span;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use fieldcheck_domain::PhotoStatus;
use fieldcheck_media::keys::{PhotoKeys, photo_keys};
use fieldcheck_media::upload::ChunkSpec;
use fieldcheck_media::{exif, process};
use fieldcheck_store::entities::photo_records;
use fieldcheck_store::photos;
use futures_util::StreamExt;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Where an unfinished upload waits: the bytes so far and the length the first chunk declared.
struct Staging {
    part: PathBuf,
    len_file: PathBuf,
}

impl Staging {
    fn of(state: &AppState, id: Uuid) -> Self {
        let dir = state.config.data_dir.join("uploads");
        Staging {
            part: dir.join(format!("{id}.part")),
            len_file: dir.join(format!("{id}.len")),
        }
    }

    /// Bytes held so far.
    async fn held(&self) -> u64 {
        tokio::fs::metadata(&self.part)
            .await
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// The whole length the first chunk declared.
    async fn declared(&self) -> Option<u64> {
        tokio::fs::read_to_string(&self.len_file)
            .await
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Forgets the upload.
    async fn discard(&self) {
        let _ = tokio::fs::remove_file(&self.part).await;
        let _ = tokio::fs::remove_file(&self.len_file).await;
    }
}

fn upload_headers(res: &mut actix_web::HttpResponseBuilder, offset: u64, total: Option<u64>) {
    res.insert_header(("Upload-Offset", offset.to_string()));
    if let Some(t) = total {
        res.insert_header(("Upload-Length", t.to_string()));
    }
    res.insert_header((header::CACHE_CONTROL, "no-store"));
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::internal(e)
}

/// `HEAD /photos/{id}/content`: how many bytes the server holds.
pub async fn head(
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
        let staging = Staging::of(&state, id);
        upload_headers(&mut res, staging.held().await, staging.declared().await);
    }
    Ok(res.finish())
}

/// Reads the upload headers (parsing lives in the media crate, where it is fuzzed).
fn chunk_spec(req: &HttpRequest, whole: bool) -> Result<ChunkSpec> {
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
pub async fn put(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    id: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse> {
    upload(state, req, p, id, body, true).await
}

/// `PATCH /photos/{id}/content`: continues an upload at `Upload-Offset`.
pub async fn patch(
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
    body: web::Payload,
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
    // One request at a time per photo: two chunks appended at once would interleave.
    let lock = {
        let mut locks = state
            .upload_locks
            .lock()
            .map_err(|_| ApiError::Unavailable("upload locks".into()))?;
        locks.entry(id).or_default().clone()
    };
    let _guard = lock.lock().await;
    let staging = Staging::of(&state, id);
    let (held, total) = begin_chunk(&state, &staging, &spec).await?;
    let written = append_chunk(&staging, body, held, total, spec.chunk_len).await?;
    let now_held = held + written;
    if now_held < total {
        let mut res = HttpResponse::NoContent();
        upload_headers(&mut res, now_held, Some(total));
        return Ok(res.finish());
    }
    finish(&state, &p, record, &staging).await
}

/// Checks a chunk against what is staged: the whole length must not change, and the chunk must
/// start where the staged bytes end. Returns the bytes held and the whole length, which the first
/// chunk records.
async fn begin_chunk(state: &AppState, staging: &Staging, spec: &ChunkSpec) -> Result<(u64, u64)> {
    tokio::fs::create_dir_all(staging.part.parent().unwrap_or(&state.config.data_dir))
        .await
        .map_err(io_error)?;
    let held = staging.held().await;
    let known = staging.declared().await;
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
        tokio::fs::write(&staging.len_file, total.to_string())
            .await
            .map_err(io_error)?;
    }
    Ok((held, total))
}

/// Appends the request body to the staged bytes, refusing anything beyond the declared length
/// while streaming, and returns how many bytes it added. A refused chunk is discarded entirely,
/// so the offset stays where the client believes it is.
async fn append_chunk(
    staging: &Staging,
    mut body: web::Payload,
    held: u64,
    total: u64,
    chunk_len: Option<u64>,
) -> Result<u64> {
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&staging.part)
        .await
        .map_err(io_error)?;
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
        file.write_all(&chunk).await.map_err(io_error)?;
        written += chunk.len() as u64;
    }
    if failure.is_none() && chunk_len.is_some_and(|n| n != written) {
        failure = Some(ApiError::InvalidUpload(
            "the body does not match Content-Range".into(),
        ));
    }
    if let Some(err) = failure {
        file.set_len(held).await.map_err(io_error)?;
        file.sync_all().await.map_err(io_error)?;
        if held == 0 {
            // Nothing was ever accepted: forget the declared length too.
            staging.discard().await;
        }
        return Err(err);
    }
    // Acknowledged bytes survive a crash.
    file.sync_all().await.map_err(io_error)?;
    Ok(written)
}

/// What reading a complete upload found: its EXIF facts and its derivatives.
type Inspected = (exif::ExifInfo, process::Processed);

/// Stores a complete upload: checks and processes it, stores its objects, then its row.
async fn finish(
    state: &AppState,
    p: &Principal,
    record: photo_records::Model,
    staging: &Staging,
) -> Result<HttpResponse> {
    // Held until the objects are stored: the file is in memory only while this is held.
    let _finishing = state
        .finish_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let bytes = tokio::fs::read(&staging.part)
        .await
        .map_err(ApiError::internal)?;
    let (bytes, outcome) = inspect(state, bytes, record.sha256.clone()).await?;
    let (info, processed) = match outcome {
        Ok(ok) => ok,
        Err(e) => {
            staging.discard().await;
            return Err(e);
        }
    };
    let PhotoKeys {
        original: original_key,
        thumb: thumb_key,
        screen: screen_key,
    } = photo_keys(&record.sha256);
    // Objects first: a row never points at an object that is not there. Content-addressed keys
    // make storing the same photo twice a no-op.
    for (key, data) in [
        (&original_key, &bytes),
        (&thumb_key, &processed.thumb),
        (&screen_key, &processed.screen),
    ] {
        if !state.blobs.exists(key).await? {
            state.blobs.put(key, data).await?;
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
    let view = record_stored(state, p, record.id, facts).await?;
    staging.discard().await;
    Ok(HttpResponse::Created().json(view))
}

/// Hashes, reads EXIF and decodes off the async threads, one decode at a time per permit. The
/// bytes go to the worker and come back: no copy of the file.
async fn inspect(
    state: &AppState,
    bytes: Vec<u8>,
    expected_sha256: String,
) -> Result<(Vec<u8>, Result<Inspected>)> {
    let permit = state
        .decode_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    spawn_blocking_in_span(move || {
        let _permit = permit;
        let info = exif::read(&bytes).ok().flatten().unwrap_or_default();
        let orientation = if info.orientation == 0 {
            1
        } else {
            info.orientation
        };
        // The hash is computed beside the decoder; a mismatch wins over what the decoder said.
        let (digest, processed) = process::hash_and_process(&bytes, orientation);
        if hex::encode(digest) != expected_sha256 {
            return (bytes, Err(ApiError::HashMismatch));
        }
        let result = processed.map(|p| (info, p)).map_err(ApiError::from);
        (bytes, result)
    })
    .await
    .map_err(ApiError::internal)
}

/// Marks the photo stored (once, even if two uploads finished together) and returns its view.
async fn record_stored(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    facts: photos::StoredFacts,
) -> Result<photos::Photo> {
    let txn = state.store.write().await?;
    let current = photos::for_upload(&*txn, p.user, id).await?;
    let stored = if current.status == PhotoStatus::Stored.as_str() {
        current
    } else {
        photos::complete(&*txn, current, facts, &state.config.media.thresholds()).await?
    };
    let (_, loc) = photos::get(&*txn, &fieldcheck_store::Scope::All, stored.id).await?;
    txn.commit().await?;
    Ok(photos::photo_view(stored, loc, true))
}
