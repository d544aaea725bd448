//! Request extraction with precise errors: JSON bodies (content type, size limit while reading,
//! the path of a wrong field), typed path ids, signed cursors and conditional-request headers.

use crate::error::ApiError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, http::header, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use fieldcheck_store::cache::{Freshness, ReadCache};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

/// Body size limit for JSON requests, set as app data.
#[derive(Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A JSON body: read (content type and size checked while streaming) by the extractor, and
/// deserialised by [`JsonBody::into_inner`] once the handler has checked the caller's role, so a
/// caller without permission learns nothing about the expected shape.
pub struct JsonBody<T>(web::Bytes, std::marker::PhantomData<T>);

impl<T: DeserializeOwned> JsonBody<T> {
    /// Deserialises the body, reporting the path of the first wrong field. Every body of the API
    /// is an object: serde would also fill a struct from an array of its fields in order
    /// (`["admin", "password", "device"]`), which no client is meant to send.
    pub fn into_inner(self) -> Result<T, ApiError> {
        let de = &mut serde_json::Deserializer::from_slice(&self.0);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(_) if self.0.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') => {
                Err(ApiError::InvalidBody {
                    path: ".".into(),
                    detail: "the body must be a JSON object".into(),
                })
            }
            Ok(v) => Ok(v),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                    Err(ApiError::MalformedJson(inner.to_string()))
                } else {
                    Err(ApiError::InvalidBody {
                        path,
                        detail: inner.to_string(),
                    })
                }
            }
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<JsonLimit>().map_or(1024 * 1024, |l| l.0);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| match crate::timeouts::idle_seconds(&e) {
                    Some(secs) => ApiError::RequestTimeout(secs),
                    None => ApiError::MalformedJson(e.to_string()),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(JsonBody(body.freeze(), std::marker::PhantomData))
        })
    }
}

/// Parses a path id; anything that is not a UUID cannot name a record, so it is a 404.
pub fn path_id<T: From<Uuid>>(raw: &str) -> Result<T, ApiError> {
    Uuid::parse_str(raw)
        .map(T::from)
        .map_err(|_| ApiError::NotFound)
}

/// Signs and checks list cursors, so a client cannot forge a position or reuse a cursor with
/// other filters.
#[derive(Clone)]
pub struct CursorKey(pub [u8; 32]);

impl CursorKey {
    fn mac(&self, data: &[u8]) -> [u8; 16] {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        m.update(data);
        let full = m.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    /// Encodes the position after `after` for the query described by `query_key`.
    pub fn encode(&self, after: Uuid, query_key: &str) -> String {
        let mut data = after.as_bytes().to_vec();
        data.extend_from_slice(&Sha256::digest(query_key.as_bytes())[..8]);
        let mac = self.mac(&data);
        data.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(data)
    }

    /// Decodes a cursor issued for the same query.
    pub fn decode(&self, cursor: &str, query_key: &str) -> Result<Uuid, ApiError> {
        let data = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| ApiError::InvalidCursor)?;
        if data.len() != 16 + 8 + 16 {
            return Err(ApiError::InvalidCursor);
        }
        let (body, mac) = data.split_at(24);
        // Constant-time comparison of the MAC.
        let expected = self.mac(body);
        if expected
            .iter()
            .zip(mac)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
        {
            return Err(ApiError::InvalidCursor);
        }
        if body[16..24] != Sha256::digest(query_key.as_bytes())[..8] {
            return Err(ApiError::InvalidCursor);
        }
        Uuid::from_slice(&body[..16]).map_err(|_| ApiError::InvalidCursor)
    }
}

/// A list page as sent to clients.
#[derive(Serialize)]
pub struct ListPage<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The strong ETag of a JSON representation: a hash of its bytes, so it changes whenever
/// anything shown changes (including nested members or measures).
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..12]))
}

fn header_matches(value: &str, etag: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|v| v == "*" || v.trim_start_matches("W/") == etag)
}

/// Serialises `value` with its ETag, answering 304 when `If-None-Match` already has it.
pub fn with_etag<T: Serialize>(req: &HttpRequest, value: &T) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    let etag = etag_of(&body);
    Ok(respond_with_etag(req, body.into(), etag))
}

/// Remembers the JSON body and ETag of records the store hands out from its cache (the same
/// `Arc`), so a record read again and again is serialised and hashed once, not per request.
pub struct RenderedBodies<K, T> {
    cache: ReadCache<K, (Arc<T>, Bytes, String)>,
}

impl<K: Eq + Hash, T: Serialize> RenderedBodies<K, T> {
    /// Entries follow the store's cache (`freshness`); at most `capacity` of them.
    pub fn new(freshness: Arc<Freshness>, capacity: usize) -> Self {
        RenderedBodies {
            cache: ReadCache::new(freshness, capacity),
        }
    }

    /// `value` answered with its ETag, honouring `If-None-Match`.
    pub fn respond(
        &self,
        req: &HttpRequest,
        key: K,
        value: &Arc<T>,
    ) -> Result<HttpResponse, ApiError> {
        if let Some((v, body, etag)) = self.cache.get(&key)
            && Arc::ptr_eq(&v, value)
        {
            return Ok(respond_with_etag(req, body, etag));
        }
        let ticket = self.cache.ticket();
        let body = Bytes::from(serde_json::to_vec(&**value).map_err(ApiError::internal)?);
        let etag = etag_of(&body);
        self.cache
            .put(key, (value.clone(), body.clone(), etag.clone()), ticket);
        Ok(respond_with_etag(req, body, etag))
    }
}

fn respond_with_etag(req: &HttpRequest, body: Bytes, etag: String) -> HttpResponse {
    if let Some(inm) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && header_matches(inm, &etag)
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .content_type("application/json")
        .body(body)
}

/// Requires `If-Match` to name the current representation of `current`.
pub fn check_if_match<T: Serialize>(req: &HttpRequest, current: &T) -> Result<(), ApiError> {
    let Some(im) = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(ApiError::PreconditionRequired);
    };
    let body = serde_json::to_vec(current).map_err(ApiError::internal)?;
    if header_matches(im, &etag_of(&body)) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_tamper_evident_and_bound_to_the_query() {
        let k = CursorKey([3u8; 32]);
        let id = Uuid::now_v7();
        let c = k.encode(id, "households?district=460106");
        assert_eq!(k.decode(&c, "households?district=460106").unwrap(), id);
        assert!(k.decode(&c, "households?district=460107").is_err());
        let mut forged = URL_SAFE_NO_PAD.decode(&c).unwrap();
        forged[0] ^= 1;
        assert!(
            k.decode(
                &URL_SAFE_NO_PAD.encode(forged),
                "households?district=460106"
            )
            .is_err()
        );
        assert!(k.decode("not a cursor", "x").is_err());
        assert!(
            CursorKey([4u8; 32])
                .decode(&c, "households?district=460106")
                .is_err()
        );
    }

    #[test]
    fn etag_matching() {
        assert!(header_matches("\"a\", \"b\"", "\"b\""));
        assert!(header_matches("W/\"b\"", "\"b\""));
        assert!(header_matches("*", "\"b\""));
        assert!(!header_matches("\"c\"", "\"b\""));
    }
}
