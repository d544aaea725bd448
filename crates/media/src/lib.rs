//! Photo evidence of fieldcheck: the blob-store boundary with a local-folder implementation (the
//! embedded default) and an S3 one, EXIF reading, and the derivatives and perceptual hash made
//! from one decode.
#![deny(unsafe_code)]

pub mod exif;
pub mod keys;
pub mod process;
#[cfg(feature = "s3")]
pub mod s3;
mod scanlines;
pub mod staging;

#[cfg(test)]
mod test_support {
    /// A test photograph from the project's `tests/fixtures/photos`, found when the test runs: a
    /// test binary reused from another checkout's build must read this checkout's files.
    #[allow(clippy::unwrap_used)]
    pub fn fixture(name: &str) -> Vec<u8> {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
        std::fs::read(format!("{dir}/../../tests/fixtures/photos/{name}")).unwrap()
    }
}
pub mod upload;

use std::path::{Path, PathBuf};

/// Why a blob or staging operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The store cannot be reached or written.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    /// No object under that key.
    #[error("no such object")]
    NotFound,
    /// A key that the server would never make.
    #[error("invalid object key")]
    InvalidKey,
    /// An upload chunk declares a whole length other than the first chunk did.
    #[error("Upload-Length changed from {from} to {to}")]
    UploadLengthChanged {
        /// The length the first chunk declared.
        from: u64,
        /// The length this chunk declares.
        to: u64,
    },
    /// The first chunk of an upload does not say how long the whole upload is.
    #[error("the first chunk must give Upload-Length")]
    UploadLengthMissing,
    /// An upload chunk starts somewhere other than where the staged bytes end.
    #[error("the server holds {held} bytes; continue from there")]
    UploadOffsetMismatch {
        /// Bytes staged.
        held: u64,
    },
    /// An upload chunk goes beyond the declared whole length.
    #[error("more bytes than the declared {total}")]
    UploadTooLong {
        /// The declared whole length.
        total: u64,
    },
    /// An upload chunk's body is not as long as its `Content-Range` says.
    #[error("the body does not match Content-Range")]
    UploadChunkMismatch,
    /// The staging files of an upload could not be read or written.
    #[error("upload staging: {0}")]
    Staging(#[source] std::io::Error),
}

/// Where photo bytes live. Keys are made by the server from ids and hashes, never from client
/// file names, and contain only `[a-z0-9/._-]`.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Checks the store is reachable and writable.
    async fn check(&self) -> Result<(), MediaError>;
    /// Stores `bytes` under `key`, replacing nothing half-written (write then rename).
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError>;
    /// Reads the object under `key`.
    async fn get(&self, key: &str) -> Result<Vec<u8>, MediaError>;
    /// Whether an object exists under `key`.
    async fn exists(&self, key: &str) -> Result<bool, MediaError>;
    /// Removes the object under `key` (absent is fine).
    async fn delete(&self, key: &str) -> Result<(), MediaError>;
    /// Every object under `prefix`, with its last-modified time when the store knows it.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, MediaError>;
}

/// One stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its key.
    pub key: String,
    /// Last modified.
    pub modified: Option<std::time::SystemTime>,
}

/// Blobs in a local folder.
pub struct LocalStore {
    root: PathBuf,
}

pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && !key
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/._-".contains(&b))
}

impl LocalStore {
    /// A store rooted at `root` (created when missing).
    pub fn new(root: impl AsRef<Path>) -> Result<Self, MediaError> {
        let root = root.as_ref().to_owned();
        std::fs::create_dir_all(&root).map_err(|e| MediaError::Unavailable(e.to_string()))?;
        Ok(LocalStore { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf, MediaError> {
        if valid_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(MediaError::InvalidKey)
        }
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalStore {
    async fn check(&self) -> Result<(), MediaError> {
        let probe = self.root.join(".ready-probe");
        tokio::fs::write(&probe, b"ok")
            .await
            .map_err(|e| MediaError::Unavailable(e.to_string()))?;
        tokio::fs::remove_file(&probe)
            .await
            .map_err(|e| MediaError::Unavailable(e.to_string()))
    }

    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError> {
        let path = self.path(key)?;
        let unavailable = |e: std::io::Error| MediaError::Unavailable(e.to_string());
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let mut f = tokio::fs::File::create(&tmp).await.map_err(unavailable)?;
        tokio::io::AsyncWriteExt::write_all(&mut f, bytes)
            .await
            .map_err(unavailable)?;
        f.sync_all().await.map_err(unavailable)?;
        tokio::fs::rename(&tmp, &path).await.map_err(unavailable)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, MediaError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(MediaError::NotFound),
            Err(e) => Err(MediaError::Unavailable(e.to_string())),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, MediaError> {
        Ok(tokio::fs::try_exists(self.path(key)?)
            .await
            .unwrap_or(false))
    }

    async fn delete(&self, key: &str) -> Result<(), MediaError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(MediaError::Unavailable(e.to_string())),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, MediaError> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let mut rd = match tokio::fs::read_dir(&dir).await {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(MediaError::Unavailable(e.to_string())),
            };
            while let Some(entry) = rd
                .next_entry()
                .await
                .map_err(|e| MediaError::Unavailable(e.to_string()))?
            {
                let path = entry.path();
                if entry.file_type().await.map(|t| t.is_dir()).unwrap_or(false) {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&self.root) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) && valid_key(&key) {
                        let modified = entry.metadata().await.ok().and_then(|m| m.modified().ok());
                        out.push(ObjectInfo { key, modified });
                    }
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape() {
        assert!(valid_key("photos/ab/abcdef.jpg"));
        for bad in ["../etc/passwd", "/abs", "a//b", "A.jpg", "a/./b", ""] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn put_get_check() {
        let dir = std::env::temp_dir().join(format!("fc-blobs-{}", std::process::id()));
        let s = LocalStore::new(&dir).unwrap();
        s.check().await.unwrap();
        s.put("photos/x/1.jpg", b"abc").await.unwrap();
        assert_eq!(s.get("photos/x/1.jpg").await.unwrap(), b"abc");
        assert!(matches!(
            s.get("photos/x/2.jpg").await,
            Err(MediaError::NotFound)
        ));
        assert!(matches!(
            s.put("../x", b"").await,
            Err(MediaError::InvalidKey)
        ));
    }
}
