//! Evidence packages: a ZIP of the photos a filter selects, with a manifest, streamed while it is
//! built. Photos are stored (JPEGs do not compress), one at a time: only the photo being written
//! is in memory; ZIP64 records are written when the archive passes 4 GiB or 65,535 entries. The
//! whole package never sits in memory or on disk.

use crate::pages::gallery::GalleryQuery;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header, web};
use bytes::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::entities::households;
use fieldcheck_store::photos::{self, Photo};
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use fieldcheck_store::{PageRequest, audit};
use serde::Deserialize;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// General-purpose flags: bit 11, names are UTF-8.
const FLAGS: u16 = 0x0800;

/// A file name part from free text: letters, digits, `-` and `_` only, so no entry can climb out
/// of the folder it is extracted to.
fn safe_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "_".to_owned()
    } else {
        cleaned
    }
}

/// One finished entry, as the central directory needs it.
struct Entry {
    name: Vec<u8>,
    crc: u32,
    size: u64,
    offset: u64,
    time: u16,
    date: u16,
}

/// Builds a stored ZIP as a sequence of byte chunks.
#[derive(Default)]
pub(crate) struct ZipStream {
    offset: u64,
    entries: Vec<Entry>,
    force_zip64: bool,
}

fn dos_time(t: DateTime<Utc>) -> (u16, u16) {
    let year = (t.year().clamp(1980, 2107) - 1980) as u16;
    let date = (year << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    (time, date)
}

impl ZipStream {
    /// One entry, whole: local header (with CRC and sizes, since the data is at hand), data.
    pub(crate) fn entry(&mut self, name: &str, data: &[u8], at: DateTime<Utc>) -> Vec<Bytes> {
        let (time, date) = dos_time(at);
        let crc = crc32fast::hash(data);
        let mut head = Vec::with_capacity(30 + name.len());
        head.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        head.extend_from_slice(&20u16.to_le_bytes());
        // Bit 11: the name is UTF-8. No data descriptor: streaming readers (Java's, among
        // others) refuse stored entries that have one.
        head.extend_from_slice(&FLAGS.to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(&time.to_le_bytes());
        head.extend_from_slice(&date.to_le_bytes());
        head.extend_from_slice(&crc.to_le_bytes());
        head.extend_from_slice(&(data.len() as u32).to_le_bytes());
        head.extend_from_slice(&(data.len() as u32).to_le_bytes());
        head.extend_from_slice(&(name.len() as u16).to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(name.as_bytes());
        self.entries.push(Entry {
            name: name.as_bytes().to_vec(),
            crc,
            size: data.len() as u64,
            offset: self.offset,
            time,
            date,
        });
        self.offset += (head.len() + data.len()) as u64;
        vec![Bytes::from(head), Bytes::copy_from_slice(data)]
    }

    /// The central directory and end records.
    pub(crate) fn finish(self) -> Bytes {
        const MAX32: u64 = 0xFFFF_FFFF;
        let mut out = Vec::new();
        let cd_start = self.offset;
        for e in &self.entries {
            let big = self.force_zip64 || e.offset >= MAX32;
            out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            out.extend_from_slice(&(45u16 | (3 << 8)).to_le_bytes());
            out.extend_from_slice(&(if big { 45u16 } else { 20 }).to_le_bytes());
            out.extend_from_slice(&FLAGS.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&e.time.to_le_bytes());
            out.extend_from_slice(&e.date.to_le_bytes());
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&(e.size as u32).to_le_bytes());
            out.extend_from_slice(&(e.size as u32).to_le_bytes());
            out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&(if big { 12u16 } else { 0 }).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
            out.extend_from_slice(&(if big { MAX32 } else { e.offset } as u32).to_le_bytes());
            out.extend_from_slice(&e.name);
            if big {
                out.extend_from_slice(&1u16.to_le_bytes());
                out.extend_from_slice(&8u16.to_le_bytes());
                out.extend_from_slice(&e.offset.to_le_bytes());
            }
        }
        let cd_size = out.len() as u64;
        let n = self.entries.len() as u64;
        let zip64 = self.force_zip64 || n >= 0xFFFF || cd_start >= MAX32 || cd_size >= MAX32;
        if zip64 {
            let eocd64 = cd_start + cd_size;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&cd_size.to_le_bytes());
            out.extend_from_slice(&cd_start.to_le_bytes());
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&eocd64.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        let n16 = if zip64 { 0xFFFF } else { n as u16 };
        out.extend_from_slice(&n16.to_le_bytes());
        out.extend_from_slice(&n16.to_le_bytes());
        let clamp = |v: u64| if zip64 { MAX32 as u32 } else { v as u32 };
        out.extend_from_slice(&clamp(cd_size).to_le_bytes());
        out.extend_from_slice(&clamp(cd_start).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        Bytes::from(out)
    }
}

/// The package's filters: the gallery's, plus a date range.
#[derive(Deserialize)]
pub(crate) struct PackageQuery {
    #[serde(flatten)]
    gallery: GalleryQuery,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /ui/evidence.zip`: streams the package; the download is audited.
pub(crate) async fn download(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<PackageQuery>,
) -> Result<HttpResponse, WebError> {
    who.require(Action::ReviewEvidence)?;
    let p = who.principal.clone();
    let mut filter = q.gallery.filter(&state).await?;
    let day = |s: &Option<String>, end: bool| -> Result<Option<DateTime<Utc>>, WebError> {
        match s.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => {
                let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| WebError::BadRequest(format!("date {v}")))?;
                let t = if end {
                    d.and_hms_opt(23, 59, 59)
                } else {
                    d.and_hms_opt(0, 0, 0)
                };
                Ok(t.map(|t| t.and_utc()))
            }
        }
    };
    let (from, to) = (day(&q.from, false)?, day(&q.to, true)?);
    if from.is_some() || to.is_some() {
        // Bounds both engines store and compare as written (SQLite compares text).
        let open = (
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
                .single()
                .unwrap_or_default(),
        );
        let (w0, w1) = filter.taken_between.unwrap_or(open);
        filter.taken_between = Some((from.unwrap_or(w0).max(w0), to.unwrap_or(w1).min(w1)));
    }
    filter.status = Some(fieldcheck_domain::PhotoStatus::Stored);
    // The selection's records (not their bytes), page by page.
    let db = &state.store.db;
    let mut selected: Vec<Photo> = Vec::new();
    let mut after = None;
    loop {
        let page = photos::list(
            db,
            &p.scope,
            &filter,
            PageRequest::new(after, Some(500)),
            true,
        )
        .await?;
        selected.extend(page.items);
        match page.next_after {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    let mut ids: Vec<uuid::Uuid> = selected.iter().map(|ph| ph.household_id).collect();
    ids.sort();
    ids.dedup();
    let mut homes: HashMap<uuid::Uuid, String> = HashMap::new();
    // In chunks: both engines cap the number of bound parameters in one statement.
    for chunk in ids.chunks(500) {
        let rows = households::Entity::find()
            .filter(households::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await
            .map_err(fieldcheck_store::StoreError::from)?;
        homes.extend(rows.into_iter().map(|h| (h.id, h.registration_no)));
    }
    let txn = state.store.write().await?;
    audit::record(
        &*txn,
        Some(p.user),
        "evidence.package",
        "photo",
        "*",
        serde_json::json!({ "photos": selected.len(), "filter": q.audit_key() }),
    )
    .await?;
    txn.commit().await?;
    let originals = p.role.may(Action::ReadOriginals);
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let state = state.clone();
    tokio::spawn(async move {
        let mut zip = ZipStream::default();
        let header = format!("\u{feff}{}\n", crate::i18n::ZH_CN.manifest_header);
        let mut manifest = csv::Writer::from_writer(header.into_bytes());
        for ph in selected {
            let Ok((rec, _)) = photos::get(&state.store.db, &p.scope, ph.id).await else {
                continue;
            };
            let key = if originals {
                rec.original_key.clone()
            } else {
                rec.screen_key.clone()
            };
            let Some(key) = key else { continue };
            let bytes = match state.blobs.get(&key).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(photo = %ph.id, error = %e, "photo missing from the package");
                    continue;
                }
            };
            let reg = homes.get(&ph.household_id).cloned().unwrap_or_default();
            let name = format!("{}/{}.jpg", safe_name(&reg), ph.id);
            for chunk in zip.entry(&name, &bytes, ph.taken_at) {
                if tx.send(Ok(chunk)).await.is_err() {
                    return; // The client went away.
                }
            }
            let pos = ph.exif_position;
            let flags: Vec<&str> = ph.flags.iter().map(|f| f.as_str()).collect();
            let row = [
                name,
                ph.id.to_string(),
                reg,
                ph.taken_at.to_rfc3339(),
                pos.map(|g| format!("{:.6}", g.lat)).unwrap_or_default(),
                pos.map(|g| format!("{:.6}", g.lon)).unwrap_or_default(),
                ph.distance_to_household_m
                    .map(|d| format!("{d:.0}"))
                    .unwrap_or_default(),
                flags.join(" "),
                ph.review_status,
                ph.sha256,
            ];
            if let Err(e) = manifest.write_record(&row) {
                tracing::warn!(photo = %ph.id, error = %e, "manifest line not written");
            }
        }
        let manifest = manifest.into_inner().unwrap_or_default();
        for chunk in zip.entry("manifest.csv", &manifest, Utc::now()) {
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
        let _ = tx.send(Ok(zip.finish())).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"evidence.zip\"",
        ))
        .streaming(stream))
}

impl PackageQuery {
    /// What was selected, for the audit log: who exported which photos must be traceable.
    fn audit_key(&self) -> serde_json::Value {
        serde_json::json!({ "gallery": self.gallery.audit_string(), "from": self.from, "to": self.to })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn build(force_zip64: bool) -> Vec<u8> {
        let mut z = ZipStream {
            force_zip64,
            ..Default::default()
        };
        let mut out = Vec::new();
        let t = Utc::now();
        for (name, data) in [
            ("460106/照片一.jpg", vec![1u8; 5000]),
            ("manifest.csv", "文件,照片ID\n".as_bytes().to_vec()),
            ("empty.txt", Vec::new()),
        ] {
            for c in z.entry(name, &data, t) {
                out.extend_from_slice(&c);
            }
        }
        out.extend_from_slice(&z.finish());
        out
    }

    fn check_with_python(zip: &[u8]) {
        let dir = std::env::temp_dir().join(format!("fc-zip-{}", uuid::Uuid::new_v4()));
        std::fs::write(&dir, zip).unwrap();
        // An independent reader: Python's zipfile checks every CRC and the directory.
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg("import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; \
                  n = z.namelist(); assert n == ['460106/照片一.jpg', 'manifest.csv', 'empty.txt'], n; \
                  assert z.read(n[0]) == bytes([1]) * 5000; assert z.read(n[1]).decode() == '文件,照片ID\\n'; print('ok')")
            .arg(&dir)
            .output()
            .expect("python3 runs");
        let _ = std::fs::remove_file(&dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn a_streamed_zip_reads_back() {
        check_with_python(&build(false));
    }

    #[test]
    fn the_zip64_records_read_back() {
        check_with_python(&build(true));
    }
}
