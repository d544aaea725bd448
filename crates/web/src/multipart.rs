//! Reading a `multipart/form-data` body (the upload form: a CSRF token and one file) without a
//! dependency: the body is read whole, up to a limit, and split at its boundary (RFC 7578).

use actix_web::{HttpRequest, http::header, web};
use futures_util::StreamExt;

/// One field of the form.
pub(crate) struct Part {
    /// The field's `name`.
    pub name: String,
    /// The file's name as the browser sent it, for file fields.
    pub filename: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// Why a body could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than the limit.
    TooLarge,
    /// Not `multipart/form-data`, or not well formed.
    Malformed,
}

/// The boundary of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    if !parts
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A parameter of a `Content-Disposition` header (`name="…"`, `filename="…"`).
fn param(disposition: &str, key: &str) -> Option<String> {
    disposition.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| {
            v.trim()
                .trim_matches('"')
                .replace("%22", "\"")
                .replace("%0D", "\r")
                .replace("%0A", "\n")
        })
    })
}

/// Splits a body at its boundary.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, BodyError> {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0).ok_or(BodyError::Malformed)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        match body.get(at..at + 2) {
            Some(b"--") => return Ok(parts),
            Some(b"\r\n") => at += 2,
            _ => return Err(BodyError::Malformed),
        }
        let head_end = find(body, b"\r\n\r\n", at).ok_or(BodyError::Malformed)?;
        let head = std::str::from_utf8(body.get(at..head_end).ok_or(BodyError::Malformed)?)
            .map_err(|_| BodyError::Malformed)?;
        let disposition = head
            .split("\r\n")
            .find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then_some(v.trim())
            })
            .ok_or(BodyError::Malformed)?;
        let name = param(disposition, "name").ok_or(BodyError::Malformed)?;
        let filename = param(disposition, "filename");
        let data_start = head_end + 4;
        let data_end =
            find(body, next_delimiter.as_bytes(), data_start).ok_or(BodyError::Malformed)?;
        parts.push(Part {
            name,
            filename,
            data: body
                .get(data_start..data_end)
                .ok_or(BodyError::Malformed)?
                .to_vec(),
        });
        at = data_end + next_delimiter.len();
    }
}

/// Reads a `multipart/form-data` request body of at most `limit` bytes (plus room for the
/// form's other fields) and splits it into its fields. A declared length over the limit is
/// refused before anything is read.
pub(crate) async fn read(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<Part>, BodyError> {
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(boundary)
        .ok_or(BodyError::Malformed)?;
    let max = limit + 64 * 1024;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(max));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Malformed)?;
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    parse(&body, &boundary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browsers_form_is_split_into_its_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\xe6\x88\xb7.csv\"\r\n\
Content-Type: text/csv\r\n\r\na,b\r\n1,2\r\n\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].filename.as_deref(), Some("户.csv"));
        assert_eq!(parts[1].data, b"a,b\r\n1,2\r\n");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn broken_bodies_are_refused_not_panicked_on() {
        for body in [
            &b""[..],
            b"--XyZ",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"--XyZ\r\nNo-Disposition: x\r\n\r\nv\r\n--XyZ--",
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
        ] {
            assert!(parse(body, "XyZ").is_err());
        }
    }
}
