//! A photo's bytes, `/photos/{id}/content`: resumable uploads (HEAD tells the offset, PATCH or
//! PUT continues from it), verification against the SHA-256 the device sent, processing off the
//! async threads, storage (objects first, database row second). The rules about the received
//! bytes are `fieldcheck_media::staging`'s; this file maps them to headers and statuses. What an
//! unfinished upload holds lives where every server node sees it: each accepted chunk is a part
//! object in the blob store (`keys::upload_part_key`) and a part row in the database
//! (`fieldcheck_store::uploads`), so a phone's next chunk may land on any node.

use super::Result;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::state::AppState;
use crate::telemetry::spawn_blocking_in_span;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use fieldcheck_domain::PhotoStatus;
use fieldcheck_media::keys::{PhotoKeys, photo_keys, upload_part_key};
use fieldcheck_media::staging::{ChunkCount, ChunkStart, begin_chunk};
use fieldcheck_media::upload::ChunkSpec;
use fieldcheck_media::{exif, process};
use fieldcheck_store::entities::photo_records;
use fieldcheck_store::{photos, uploads};
use futures_util::StreamExt;
use uuid::Uuid;

fn upload_headers(res: &mut actix_web::HttpResponseBuilder, offset: u64, total: Option<u64>) {
    res.insert_header(("Upload-Offset", offset.to_string()));
    if let Some(t) = total {
        res.insert_header(("Upload-Length", t.to_string()));
    }
    res.insert_header((header::CACHE_CONTROL, "no-store"));
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
        let held = uploads::held(&state.store.db, id).await?;
        upload_headers(&mut res, held.held, held.total);
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
    // Checked before the body is read, so a chunk at the wrong offset is refused at once;
    // checked again under the lock before the chunk is recorded.
    let held = uploads::held(&state.store.db, id).await?;
    let start = begin_chunk(held.held, held.total, spec.offset, spec.total)?;
    let spool = Spool::new(&state, id);
    let received = receive_chunk(&spool, body, start, spec.chunk_len).await;
    let now_held = match received {
        Ok(0) => Ok(start.held),
        Ok(_) => record_chunk(&state, id, start, &spool, spec.total).await,
        Err(e) => Err(e),
    };
    spool.remove().await;
    let now_held = now_held?;
    if now_held < start.total {
        let mut res = HttpResponse::NoContent();
        upload_headers(&mut res, now_held, Some(start.total));
        return Ok(res.finish());
    }
    finish(&state, &p, record).await
}

/// Where one request's chunk lands while it arrives: a file of this node's own, never shared, so
/// a slow phone holds no memory. Removed when the request ends.
struct Spool(std::path::PathBuf);

impl Spool {
    fn new(state: &AppState, id: Uuid) -> Self {
        let dir = state.config.data_dir.join("uploads");
        Spool(dir.join(format!("{id}-{}.chunk", Uuid::new_v4().simple())))
    }

    async fn remove(&self) {
        let _ = tokio::fs::remove_file(&self.0).await;
    }
}

fn spool_io(e: std::io::Error) -> ApiError {
    ApiError::from(fieldcheck_media::MediaError::Staging(e))
}

/// Writes the request body (bounded by the declared length) into the spool and returns its
/// length. A connection that broke keeps what arrived: the client resumes from HEAD's offset.
async fn receive_chunk(
    spool: &Spool,
    mut body: web::Payload,
    start: ChunkStart,
    chunk_len: Option<u64>,
) -> Result<u64> {
    use tokio::io::AsyncWriteExt;
    if let Some(dir) = spool.0.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(spool_io)?;
    }
    let mut file = tokio::fs::File::create(&spool.0).await.map_err(spool_io)?;
    let mut count = ChunkCount::new(start, chunk_len);
    let mut broken = false;
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            broken = true;
            break;
        };
        count.accept(chunk.len())?;
        file.write_all(&chunk).await.map_err(spool_io)?;
    }
    file.flush().await.map_err(spool_io)?;
    Ok(if broken {
        count.broken()
    } else {
        count.finish()?
    })
}

/// Stores a received chunk: its bytes as a part object first, then, under the upload's lock
/// (held across nodes by the database), its row if the offset still matches. Returns how many
/// bytes the upload holds now. A chunk that lost a race to another node is refused with the
/// offset the winner left, and its object removed. The chunk is in memory only while a
/// finishing permit is held, as a completed upload is.
async fn record_chunk(
    state: &AppState,
    id: Uuid,
    start: ChunkStart,
    spool: &Spool,
    declared: Option<u64>,
) -> Result<u64> {
    let key = upload_part_key(id, start.held, Uuid::new_v4());
    let length = {
        let _permit = state
            .finish_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let bytes = tokio::fs::read(&spool.0).await.map_err(spool_io)?;
        state.blobs.put(&key, &bytes).await?;
        bytes.len() as u64
    };
    let recorded = async {
        let txn = state.store.write().await?;
        uploads::lock(&*txn, id).await?;
        let now = uploads::held(&*txn, id).await?;
        let start = begin_chunk(now.held, now.total, start.held, declared)?;
        uploads::record_part(&*txn, id, start.held, length, start.total, &key).await?;
        txn.commit().await?;
        Ok::<u64, ApiError>(start.held + length)
    }
    .await;
    if recorded.is_err() {
        // No row names it: the object is garbage (and `media gc` would remove it later).
        let _ = state.blobs.delete(&key).await;
    }
    recorded
}

/// Reads a complete upload's parts back in order.
async fn assemble(state: &AppState, id: Uuid) -> Result<Vec<u8>> {
    let parts = uploads::parts(&state.store.db, id).await?;
    let total = parts.first().map_or(0, |p| p.total.max(0) as usize);
    let mut bytes = Vec::with_capacity(total);
    for part in parts {
        if part.offset.max(0) as usize != bytes.len() {
            return Err(ApiError::internal(std::io::Error::other(
                "upload parts are not contiguous",
            )));
        }
        bytes.extend_from_slice(&state.blobs.get(&part.object_key).await?);
    }
    Ok(bytes)
}

/// Forgets upload `id`: its part rows, then its part objects (an object left behind by a failure
/// between the two has no row: `media gc` removes it).
async fn discard(state: &AppState, id: Uuid) -> Result<()> {
    let parts = uploads::parts(&state.store.db, id).await?;
    let txn = state.store.write().await?;
    uploads::forget(&*txn, id).await?;
    txn.commit().await?;
    for part in parts {
        let _ = state.blobs.delete(&part.object_key).await;
    }
    Ok(())
}

/// What reading a complete upload found: its EXIF facts and its derivatives.
type Inspected = (exif::ExifInfo, process::Processed);

/// Stores a complete upload: checks and processes it, stores its objects, then its row.
async fn finish(
    state: &AppState,
    p: &Principal,
    record: photo_records::Model,
) -> Result<HttpResponse> {
    // Held until the objects are stored: the file is in memory only while this is held.
    let _finishing = state
        .finish_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let bytes = assemble(state, record.id).await?;
    let (bytes, outcome) = inspect(state, bytes, record.sha256.clone()).await?;
    let (info, processed) = match outcome {
        Ok(ok) => ok,
        Err(e) => {
            discard(state, record.id).await?;
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
    let id = record.id;
    let view = record_stored(state, p, id, facts).await?;
    discard(state, id).await?;
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
