//! Blobs in any S3-compatible object store (Garage, MinIO, Ceph RGW, the Chinese clouds' OSS/COS),
//! through aws-sdk-s3 with path-style addressing and static credentials.

use crate::{BlobStore, MediaError, ObjectInfo, valid_key};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::primitives::ByteStream;
use std::time::Duration;

/// Where and how to reach the bucket.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// Endpoint URL, e.g. `http://127.0.0.1:3900`.
    pub endpoint: String,
    /// Bucket.
    pub bucket: String,
    /// Region name the server expects (`garage`, `us-east-1`, …).
    pub region: String,
    /// Access key id.
    pub access_key: String,
    /// Secret key (never logged).
    pub secret_key: String,
    /// Path-style addressing (bucket in the path), which self-hosted stores need.
    pub path_style: bool,
}

/// How long connecting to the object store may take before the attempt fails.
pub const S3_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the store may stay silent while a response is expected (no byte read).
pub const S3_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one attempt of an operation (one request and its whole response) may take.
pub const S3_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long an operation may take with its retries: a store that hangs holds a request at
/// most this long, which then answers `503 unavailable` with `Retry-After`.
pub const S3_OPERATION_TIMEOUT: Duration = Duration::from_secs(25);
/// Attempts per operation (the first and one retry), with the SDK's standard backoff.
pub const S3_MAX_ATTEMPTS: u32 = 2;

/// An S3 bucket as a blob store.
pub struct S3Store {
    client: Client,
    bucket: String,
}

impl S3Store {
    /// Builds the client; nothing is contacted until the first call.
    pub fn new(s: &S3Settings) -> Self {
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .endpoint_url(&s.endpoint)
            .credentials_provider(Credentials::new(
                &s.access_key,
                &s.secret_key,
                None,
                None,
                "fieldcheck-config",
            ))
            .force_path_style(s.path_style)
            // Only the checksums S3 requires: self-hosted stores differ in the optional ones.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            // A store that is down fails fast; one that hangs cannot hold a request for ever.
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(S3_CONNECT_TIMEOUT)
                    .read_timeout(S3_READ_TIMEOUT)
                    .operation_attempt_timeout(S3_ATTEMPT_TIMEOUT)
                    .operation_timeout(S3_OPERATION_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(S3_MAX_ATTEMPTS))
            .build();
        S3Store {
            client: Client::from_conf(conf),
            bucket: s.bucket.clone(),
        }
    }

    fn key(key: &str) -> Result<&str, MediaError> {
        if valid_key(key) {
            Ok(key)
        } else {
            Err(MediaError::InvalidKey)
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> MediaError {
    MediaError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn check(&self) -> Result<(), MediaError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(e)))
    }

    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(Self::key(key)?)
            .body(ByteStream::from(bytes.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(e)))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, MediaError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(Self::key(key)?)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    MediaError::NotFound
                } else {
                    unavailable(aws_sdk_s3::error::DisplayErrorContext(e))
                }
            })?;
        let body = out.body.collect().await.map_err(unavailable)?;
        Ok(body.into_bytes().to_vec())
    }

    async fn exists(&self, key: &str) -> Result<bool, MediaError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(Self::key(key)?)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) => Err(unavailable(aws_sdk_s3::error::DisplayErrorContext(e))),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), MediaError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(Self::key(key)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(e)))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, MediaError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(e)))?;
            keys.extend(out.contents().iter().filter_map(|o| {
                let modified = o
                    .last_modified()
                    .and_then(|t| std::time::SystemTime::try_from(*t).ok());
                o.key().map(|k| ObjectInfo {
                    key: k.to_owned(),
                    modified,
                })
            }));
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => return Ok(keys),
            }
        }
    }
}
