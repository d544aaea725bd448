//! Parsing the headers of a resumable upload, as a pure function so it can be fuzzed.

/// Where a chunk goes and how long the whole upload is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkSpec {
    /// Offset of the chunk's first byte.
    pub offset: u64,
    /// Declared length of the whole upload, when given.
    pub total: Option<u64>,
    /// Exact length of this chunk, when a `Content-Range` says so.
    pub chunk_len: Option<u64>,
}

/// The raw header values of an upload request.
#[derive(Clone, Copy, Debug, Default)]
pub struct UploadHeaders<'a> {
    /// `Content-Range`.
    pub content_range: Option<&'a str>,
    /// `Upload-Offset` (tus).
    pub upload_offset: Option<&'a str>,
    /// `Upload-Length` (tus).
    pub upload_length: Option<&'a str>,
    /// `Content-Length`.
    pub content_length: Option<&'a str>,
}

fn number(name: &str, v: Option<&str>) -> Result<Option<u64>, String> {
    match v {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} must be a whole number")),
    }
}

/// Reads `Content-Range: bytes START-END/TOTAL`, or `Upload-Offset`/`Upload-Length` (tus style);
/// a whole-file PUT without either starts at 0 and is `Content-Length` long.
pub fn parse(h: UploadHeaders<'_>, whole_file: bool) -> Result<ChunkSpec, String> {
    if let Some(range) = h.content_range {
        let bad = || "Content-Range must be `bytes START-END/TOTAL`".to_owned();
        let rest = range.trim().strip_prefix("bytes ").ok_or_else(bad)?;
        let (span, total) = rest.split_once('/').ok_or_else(bad)?;
        let total: u64 = total.trim().parse().map_err(|_| bad())?;
        let (a, b) = span.split_once('-').ok_or_else(bad)?;
        let (a, b): (u64, u64) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        if b < a || b >= total {
            return Err(bad());
        }
        return Ok(ChunkSpec {
            offset: a,
            total: Some(total),
            chunk_len: Some(b - a + 1),
        });
    }
    let offset = number("Upload-Offset", h.upload_offset)?;
    let total = number("Upload-Length", h.upload_length)?;
    match (offset, whole_file) {
        (Some(o), _) => Ok(ChunkSpec {
            offset: o,
            total,
            chunk_len: None,
        }),
        (None, true) => Ok(ChunkSpec {
            offset: 0,
            total: total.or(number("Content-Length", h.content_length)?),
            chunk_len: None,
        }),
        (None, false) => Err("Upload-Offset is required".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let h = |r| UploadHeaders {
            content_range: Some(r),
            ..Default::default()
        };
        assert_eq!(
            parse(h("bytes 0-99/1000"), true),
            Ok(ChunkSpec {
                offset: 0,
                total: Some(1000),
                chunk_len: Some(100)
            })
        );
        assert!(parse(h("bytes 500-100/1000"), true).is_err());
        assert!(parse(h("bytes 0-1000/1000"), true).is_err());
        assert!(parse(h("bytes */1000"), true).is_err());
        assert!(parse(h("bytes 0-18446744073709551615/18446744073709551615"), true).is_err());
    }

    #[test]
    fn tus_and_whole() {
        let tus = UploadHeaders {
            upload_offset: Some("10"),
            upload_length: Some("20"),
            ..Default::default()
        };
        assert_eq!(
            parse(tus, false),
            Ok(ChunkSpec {
                offset: 10,
                total: Some(20),
                chunk_len: None
            })
        );
        let whole = UploadHeaders {
            content_length: Some("5"),
            ..Default::default()
        };
        assert_eq!(
            parse(whole, true),
            Ok(ChunkSpec {
                offset: 0,
                total: Some(5),
                chunk_len: None
            })
        );
        assert!(parse(UploadHeaders::default(), false).is_err());
        assert!(
            parse(
                UploadHeaders {
                    upload_offset: Some("-1"),
                    ..Default::default()
                },
                false
            )
            .is_err()
        );
    }
}
