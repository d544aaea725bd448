//! Uploaded files kept between the preview and the import: under the data directory, named by a
//! random token, with a note of who uploaded them. Only that user may import them, only within
//! [`TTL`]; older files are removed whenever a file is staged.

use fieldcheck_domain::UserId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long a previewed file may still be imported.
pub(crate) const TTL: Duration = Duration::from_secs(60 * 60);

/// A staged file.
pub(crate) struct Staged {
    /// The file, with its original extension (the import reads by extension).
    pub path: PathBuf,
    /// The uploaded file's name, for the audit entry.
    pub source: String,
    note: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Note {
    user: UserId,
    source: String,
    ext: String,
}

/// Why a token does not lead to a file.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Unknown, expired, removed, or another user's.
    Gone,
    /// The disk failed.
    Io(std::io::Error),
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("import-staging")
}

fn valid_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn expired(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_none_or(|age| age > TTL)
}

/// Removes staged files older than [`TTL`].
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if expired(&e.path()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Keeps `bytes` for `user`; the token that finds them again. Blocking: call off the workers.
pub(crate) fn stage(
    data_dir: &Path,
    user: UserId,
    source: &str,
    ext: &str,
    bytes: &[u8],
) -> std::io::Result<(String, Staged)> {
    use rand::RngCore;
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    sweep(&dir);
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    let token = hex::encode(b);
    let path = dir.join(format!("{token}.{ext}"));
    let note = dir.join(format!("{token}.json"));
    std::fs::write(&path, bytes)?;
    let n = Note {
        user,
        source: source.to_owned(),
        ext: ext.to_owned(),
    };
    std::fs::write(
        &note,
        serde_json::to_vec(&n).map_err(std::io::Error::other)?,
    )?;
    Ok((
        token,
        Staged {
            path,
            source: source.to_owned(),
            note,
        },
    ))
}

/// The file staged under `token` by `user`, if still there and fresh. Blocking.
pub(crate) fn find(data_dir: &Path, user: UserId, token: &str) -> Result<Staged, Refused> {
    if !valid_token(token) {
        return Err(Refused::Gone);
    }
    let dir = dir(data_dir);
    let note = dir.join(format!("{token}.json"));
    let raw = match std::fs::read(&note) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Gone),
        Err(e) => return Err(Refused::Io(e)),
    };
    let n: Note = serde_json::from_slice(&raw).map_err(|_| Refused::Gone)?;
    if n.user != user || !matches!(n.ext.as_str(), "csv" | "xlsx") {
        return Err(Refused::Gone);
    }
    let staged = Staged {
        path: dir.join(format!("{token}.{}", n.ext)),
        source: n.source,
        note,
    };
    if expired(&staged.note) || !staged.path.is_file() {
        remove(&staged);
        return Err(Refused::Gone);
    }
    Ok(staged)
}

/// Removes a staged file and its note. Blocking.
pub(crate) fn remove(s: &Staged) {
    let _ = std::fs::remove_file(&s.path);
    let _ = std::fs::remove_file(&s.note);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_uploader_finds_a_staged_file_and_only_once_removed() {
        let tmp = std::env::temp_dir().join(format!("fc-staging-{}", uuid::Uuid::new_v4()));
        let (me, other) = (UserId::new(), UserId::new());
        let (token, s) = stage(&tmp, me, "户.csv", "csv", b"a,b").unwrap();
        assert!(matches!(find(&tmp, other, &token), Err(Refused::Gone)));
        assert!(matches!(
            find(&tmp, me, "../etc/passwd"),
            Err(Refused::Gone)
        ));
        let found = find(&tmp, me, &token).unwrap();
        assert_eq!(found.source, "户.csv");
        assert_eq!(std::fs::read(&found.path).unwrap(), b"a,b");
        remove(&s);
        assert!(matches!(find(&tmp, me, &token), Err(Refused::Gone)));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
