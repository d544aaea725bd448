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

/// Counts one chunk's bytes as they arrive (the bytes go elsewhere), refusing bytes beyond the
/// declared length and a chunk shorter than its request stated.
#[derive(Debug)]
pub struct ChunkCount {
    start: ChunkStart,
    chunk_len: Option<u64>,
    received: u64,
}

impl ChunkCount {
    /// A count for the chunk [`begin_chunk`] accepted; `chunk_len` is the chunk's exact length
    /// when the request stated one.
    pub fn new(start: ChunkStart, chunk_len: Option<u64>) -> Self {
        ChunkCount {
            start,
            chunk_len,
            received: 0,
        }
    }

    /// Accepts `n` more bytes, refusing the whole chunk if they would go beyond the declared
    /// length.
    pub fn accept(&mut self, n: usize) -> Result<(), MediaError> {
        let total = self.start.total;
        if self.start.held + self.received + n as u64 > total {
            return Err(MediaError::UploadTooLong { total });
        }
        self.received += n as u64;
        Ok(())
    }

    /// Ends a chunk whose body ended: checks it has the length the request stated, and returns
    /// its length.
    pub fn finish(self) -> Result<u64, MediaError> {
        if self.chunk_len.is_some_and(|n| n != self.received) {
            return Err(MediaError::UploadChunkMismatch);
        }
        Ok(self.received)
    }

    /// Ends a chunk whose connection broke: what arrived is kept, the client resumes from it.
    pub fn broken(self) -> u64 {
        self.received
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
        let mut b = ChunkCount::new(begin_chunk(2, Some(5), 2, None).unwrap(), None);
        b.accept(1).unwrap();
        assert!(matches!(
            b.accept(3),
            Err(MediaError::UploadTooLong { total: 5 })
        ));
    }

    #[test]
    fn a_chunk_shorter_than_stated_is_refused_unless_the_connection_broke() {
        let start = begin_chunk(0, None, 0, Some(4)).unwrap();
        let mut b = ChunkCount::new(start, Some(3));
        b.accept(2).unwrap();
        assert!(matches!(b.finish(), Err(MediaError::UploadChunkMismatch)));
        let mut b = ChunkCount::new(start, Some(3));
        b.accept(2).unwrap();
        assert_eq!(b.broken(), 2);
    }
}
