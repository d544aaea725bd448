//! The staging files of a resumable upload: the bytes received so far and the whole length the
//! first chunk declared, kept under `<data_dir>/uploads/` until the upload completes.
//!
//! The rules of the upload protocol that concern the staged bytes live here: the declared length
//! never changes, a chunk starts where the staged bytes end, a chunk never goes beyond the
//! declared length, and a refused chunk leaves nothing behind. The HTTP side (headers, status
//! codes) stays in the api crate.

use crate::MediaError;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// The folder under the data directory where unfinished uploads wait.
const STAGING_DIR: &str = "uploads";

/// Where one unfinished upload waits: the bytes so far and the length the first chunk declared.
#[derive(Clone, Debug)]
pub struct Staging {
    part: PathBuf,
    declared_length_file: PathBuf,
}

/// Where an accepted chunk goes: after the bytes held, within the declared whole length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkStart {
    /// Bytes staged before this chunk.
    pub held: u64,
    /// The whole length of the upload.
    pub total: u64,
}

fn staging_io(e: std::io::Error) -> MediaError {
    MediaError::Staging(e)
}

impl Staging {
    /// The staging files of upload `id` under `data_dir`. The id is a UUID, so the file names
    /// can never leave the staging folder.
    pub fn new(data_dir: &Path, id: Uuid) -> Self {
        let dir = data_dir.join(STAGING_DIR);
        Staging {
            part: dir.join(format!("{id}.part")),
            declared_length_file: dir.join(format!("{id}.len")),
        }
    }

    /// Bytes held so far (none when nothing was staged).
    pub async fn held(&self) -> u64 {
        tokio::fs::metadata(&self.part)
            .await
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// The whole length the first chunk declared, if one was accepted.
    pub async fn declared(&self) -> Option<u64> {
        tokio::fs::read_to_string(&self.declared_length_file)
            .await
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Every staged byte, once the upload is complete.
    pub async fn read_all(&self) -> Result<Vec<u8>, MediaError> {
        tokio::fs::read(&self.part).await.map_err(staging_io)
    }

    /// Forgets the upload (files already gone are fine).
    pub async fn discard(&self) {
        let _ = tokio::fs::remove_file(&self.part).await;
        let _ = tokio::fs::remove_file(&self.declared_length_file).await;
    }

    /// Checks a chunk starting at `offset` against what is staged, `declared` being the whole
    /// length this chunk's request gives (if any): the whole length must not change and the chunk
    /// must start where the staged bytes end. The first chunk's length is recorded.
    pub async fn begin_chunk(
        &self,
        offset: u64,
        declared: Option<u64>,
    ) -> Result<ChunkStart, MediaError> {
        if let Some(dir) = self.part.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(staging_io)?;
        }
        let held = self.held().await;
        let known = self.declared().await;
        let total = match (known, declared) {
            (Some(from), Some(to)) if from != to => {
                return Err(MediaError::UploadLengthChanged { from, to });
            }
            (Some(known), _) => known,
            (None, Some(declared)) => declared,
            (None, None) => return Err(MediaError::UploadLengthMissing),
        };
        if offset != held {
            return Err(MediaError::UploadOffsetMismatch { held });
        }
        if known.is_none() {
            tokio::fs::write(&self.declared_length_file, total.to_string())
                .await
                .map_err(staging_io)?;
        }
        Ok(ChunkStart { held, total })
    }

    /// Opens the staged bytes for appending the chunk [`Staging::begin_chunk`] accepted;
    /// `chunk_len` is the chunk's exact length when the request stated one.
    pub async fn appender(
        &self,
        start: ChunkStart,
        chunk_len: Option<u64>,
    ) -> Result<ChunkAppender<'_>, MediaError> {
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.part)
            .await
            .map_err(staging_io)?;
        Ok(ChunkAppender {
            staging: self,
            file,
            start,
            chunk_len,
            written: 0,
        })
    }
}

/// Appends one chunk's bytes as they arrive. A refused chunk is removed entirely, so the offset
/// stays where the client believes it is; an accepted one is on disk before it is acknowledged.
pub struct ChunkAppender<'a> {
    staging: &'a Staging,
    file: tokio::fs::File,
    start: ChunkStart,
    chunk_len: Option<u64>,
    written: u64,
}

impl ChunkAppender<'_> {
    /// Appends `bytes`, refusing (and removing the whole chunk) if they would go beyond the
    /// declared length.
    pub async fn append(&mut self, bytes: &[u8]) -> Result<(), MediaError> {
        let total = self.start.total;
        if self.start.held + self.written + bytes.len() as u64 > total {
            return Err(self.refuse(MediaError::UploadTooLong { total }).await);
        }
        self.file.write_all(bytes).await.map_err(staging_io)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Ends the chunk (the body ended or the connection broke): checks it has the length the
    /// request stated, makes it survive a crash, and returns how many bytes are now held.
    pub async fn finish(mut self) -> Result<u64, MediaError> {
        if self.chunk_len.is_some_and(|n| n != self.written) {
            return Err(self.refuse(MediaError::UploadChunkMismatch).await);
        }
        // Acknowledged bytes survive a crash.
        self.file.sync_all().await.map_err(staging_io)?;
        Ok(self.start.held + self.written)
    }

    /// Removes this chunk's bytes and returns `why`, or the I/O error that prevented removing.
    async fn refuse(&mut self, why: MediaError) -> MediaError {
        if let Err(e) = self.truncate_to_start().await {
            return e;
        }
        if self.start.held == 0 {
            // Nothing was ever accepted: forget the declared length too.
            self.staging.discard().await;
        }
        why
    }

    async fn truncate_to_start(&mut self) -> Result<(), MediaError> {
        self.file
            .set_len(self.start.held)
            .await
            .map_err(staging_io)?;
        // The truncation must be durable too, or a crash could bring the refused bytes back.
        self.file.sync_all().await.map_err(staging_io)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn staging(dir: &tempfile::TempDir) -> Staging {
        Staging::new(dir.path(), Uuid::from_u128(7))
    }

    async fn send(s: &Staging, offset: u64, total: Option<u64>, bytes: &[u8]) -> u64 {
        let start = s.begin_chunk(offset, total).await.unwrap();
        let mut appender = s.appender(start, Some(bytes.len() as u64)).await.unwrap();
        appender.append(bytes).await.unwrap();
        appender.finish().await.unwrap()
    }

    #[tokio::test]
    async fn files_live_under_the_uploads_folder() {
        let dir = tempfile::tempdir().unwrap();
        let s = staging(&dir);
        assert!(s.part.starts_with(dir.path().join("uploads")));
        assert!(
            s.declared_length_file
                .starts_with(dir.path().join("uploads"))
        );
        assert_ne!(s.part, s.declared_length_file);
    }

    #[tokio::test]
    async fn chunks_append_and_the_length_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let s = staging(&dir);
        assert_eq!((s.held().await, s.declared().await), (0, None));
        assert_eq!(send(&s, 0, Some(6), b"abc").await, 3);
        assert_eq!(send(&s, 3, None, b"def").await, 6);
        assert_eq!(s.read_all().await.unwrap(), b"abcdef");
        assert_eq!(s.declared().await, Some(6));
    }

    #[tokio::test]
    async fn a_reopened_upload_resumes_at_the_held_offset() {
        let dir = tempfile::tempdir().unwrap();
        send(&staging(&dir), 0, Some(10), b"abcd").await;
        // A new handle, as after a restart: it finds the offset and the length on disk.
        let reopened = staging(&dir);
        assert_eq!(reopened.held().await, 4);
        assert_eq!(reopened.declared().await, Some(10));
        assert!(matches!(
            reopened.begin_chunk(0, Some(10)).await,
            Err(MediaError::UploadOffsetMismatch { held: 4 })
        ));
        assert!(matches!(
            reopened.begin_chunk(4, Some(11)).await,
            Err(MediaError::UploadLengthChanged { from: 10, to: 11 })
        ));
        assert_eq!(send(&reopened, 4, Some(10), b"efghij").await, 10);
        assert_eq!(reopened.read_all().await.unwrap(), b"abcdefghij");
    }

    #[tokio::test]
    async fn the_first_chunk_must_declare_the_length() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            staging(&dir).begin_chunk(0, None).await,
            Err(MediaError::UploadLengthMissing)
        ));
    }

    #[tokio::test]
    async fn bytes_beyond_the_declared_length_remove_the_whole_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let s = staging(&dir);
        send(&s, 0, Some(5), b"ab").await;
        let start = s.begin_chunk(2, None).await.unwrap();
        let mut appender = s.appender(start, None).await.unwrap();
        appender.append(b"c").await.unwrap();
        assert!(matches!(
            appender.append(b"def").await,
            Err(MediaError::UploadTooLong { total: 5 })
        ));
        drop(appender);
        // Truncated back to what was acknowledged, and the length is still known.
        assert_eq!(s.read_all().await.unwrap(), b"ab");
        assert_eq!(s.declared().await, Some(5));
    }

    #[tokio::test]
    async fn a_refused_first_chunk_forgets_the_upload() {
        let dir = tempfile::tempdir().unwrap();
        let s = staging(&dir);
        let start = s.begin_chunk(0, Some(4)).await.unwrap();
        let mut appender = s.appender(start, Some(3)).await.unwrap();
        appender.append(b"ab").await.unwrap();
        assert!(matches!(
            appender.finish().await,
            Err(MediaError::UploadChunkMismatch)
        ));
        assert_eq!((s.held().await, s.declared().await), (0, None));
    }

    #[tokio::test]
    async fn discard_cleans_up_and_tolerates_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let s = staging(&dir);
        send(&s, 0, Some(3), b"abc").await;
        s.discard().await;
        assert!(!s.part.exists());
        assert!(!s.declared_length_file.exists());
        s.discard().await;
        assert_eq!((s.held().await, s.declared().await), (0, None));
    }
}
