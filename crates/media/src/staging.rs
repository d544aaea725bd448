//! The rules of the resumable upload protocol that concern the received bytes: the declared
//! length never changes, a chunk starts where the held bytes end, a chunk never goes beyond the
//! declared length, and a refused chunk leaves nothing behind. Where the bytes are kept (part
//! objects in the blob store, part rows in the database, so that every node sees them) is the
//! api crate's; so are the headers and statuses.

use crate::MediaError;

/// Where an accepted chunk goes: after the bytes held, within the declared whole length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkStart {
    /// Bytes held before this chunk.
    pub held: u64,
    /// The whole length of the upload.
    pub total: u64,
}

/// Checks a chunk starting at `offset` against what is held (`held` bytes, `known` the whole
/// length the first accepted chunk declared), `declared` being the whole length this chunk's
/// request gives (if any): the whole length must not change and the chunk must start where the
/// held bytes end.
pub fn begin_chunk(
    held: u64,
    known: Option<u64>,
    offset: u64,
    declared: Option<u64>,
) -> Result<ChunkStart, MediaError> {
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
    Ok(ChunkStart { held, total })
}

/// Collects one chunk's bytes as they arrive, in memory (a chunk is at most the upload limit).
#[derive(Debug)]
pub struct ChunkBuffer {
    start: ChunkStart,
    chunk_len: Option<u64>,
    bytes: Vec<u8>,
}

impl ChunkBuffer {
    /// A buffer for the chunk [`begin_chunk`] accepted; `chunk_len` is the chunk's exact length
    /// when the request stated one.
    pub fn new(start: ChunkStart, chunk_len: Option<u64>) -> Self {
        let room = start.total.saturating_sub(start.held);
        let cap = chunk_len.unwrap_or(room).min(room).min(16 << 20) as usize;
        ChunkBuffer {
            start,
            chunk_len,
            bytes: Vec::with_capacity(cap),
        }
    }

    /// Appends `bytes`, refusing the whole chunk if they would go beyond the declared length.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), MediaError> {
        let total = self.start.total;
        if self.start.held + self.bytes.len() as u64 + bytes.len() as u64 > total {
            return Err(MediaError::UploadTooLong { total });
        }
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    /// Ends a chunk whose body ended: checks it has the length the request stated.
    pub fn finish(self) -> Result<Vec<u8>, MediaError> {
        if self.chunk_len.is_some_and(|n| n != self.bytes.len() as u64) {
            return Err(MediaError::UploadChunkMismatch);
        }
        Ok(self.bytes)
    }

    /// Ends a chunk whose connection broke: what arrived is kept, the client resumes from it.
    pub fn broken(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_and_the_length_are_checked() {
        assert_eq!(
            begin_chunk(0, None, 0, Some(6)).unwrap(),
            ChunkStart { held: 0, total: 6 }
        );
        assert_eq!(
            begin_chunk(3, Some(6), 3, None).unwrap(),
            ChunkStart { held: 3, total: 6 }
        );
        assert!(matches!(
            begin_chunk(4, Some(10), 0, Some(10)),
            Err(MediaError::UploadOffsetMismatch { held: 4 })
        ));
        assert!(matches!(
            begin_chunk(4, Some(10), 4, Some(11)),
            Err(MediaError::UploadLengthChanged { from: 10, to: 11 })
        ));
        assert!(matches!(
            begin_chunk(0, None, 0, None),
            Err(MediaError::UploadLengthMissing)
        ));
    }

    #[test]
    fn bytes_beyond_the_declared_length_refuse_the_chunk() {
        let mut b = ChunkBuffer::new(begin_chunk(2, Some(5), 2, None).unwrap(), None);
        b.append(b"c").unwrap();
        assert!(matches!(
            b.append(b"def"),
            Err(MediaError::UploadTooLong { total: 5 })
        ));
    }

    #[test]
    fn a_chunk_shorter_than_stated_is_refused_unless_the_connection_broke() {
        let start = begin_chunk(0, None, 0, Some(4)).unwrap();
        let mut b = ChunkBuffer::new(start, Some(3));
        b.append(b"ab").unwrap();
        assert!(matches!(b.finish(), Err(MediaError::UploadChunkMismatch)));
        let mut b = ChunkBuffer::new(start, Some(3));
        b.append(b"ab").unwrap();
        assert_eq!(b.broken(), b"ab");
    }
}
