//! The published results as downloads: CSV (UTF-8 with a byte-order mark) and XLSX, both with
//! Chinese headers. Shared by the API's `/cycles/{id}/results.*` and the office's pages.

use crate::error::ApiError;
use actix_web::http::header;
use fieldcheck_domain::assessment::{Grade, format_points};
use fieldcheck_store::assessment::AssesseeResult;

/// The content type of an XLSX file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const HEADERS: [&str; 8] = [
    "考核对象",
    "类别",
    "所属区",
    "得分",
    "建议等次",
    "审定等次",
    "问责",
    "说明",
];

/// The column of the score, written as a number in XLSX.
const SCORE_COLUMN: usize = 3;

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "district_government" => "区党委和政府",
        "lead_unit" => "牵头单位",
        "paired_unit" => "结对帮扶单位",
        "responsible_person" => "帮扶责任人",
        _ => "其他",
    }
}

fn grade_zh(g: Option<Grade>) -> &'static str {
    match g {
        Some(Grade::Pass) => "达标",
        Some(Grade::Fail) => "不达标",
        None => "",
    }
}

fn rows(items: &[AssesseeResult]) -> Vec<[String; 8]> {
    items
        .iter()
        .map(|r| {
            let decided = r.decided;
            [
                r.name.clone(),
                kind_zh(&r.kind).to_owned(),
                r.district_code.clone().unwrap_or_default(),
                format_points(r.total),
                grade_zh(Some(r.suggested)).to_owned(),
                grade_zh(decided).to_owned(),
                if decided == Some(Grade::Fail) {
                    "通报问责".to_owned()
                } else {
                    String::new()
                },
                r.reason.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// The `Content-Disposition` header of a download named `name`.
pub fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// The published results as CSV: UTF-8 with a byte-order mark, so spreadsheet programs on
/// Chinese Windows read the headers right.
pub fn csv_bytes(items: &[AssesseeResult]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| ApiError::internal(e);
    w.write_record(HEADERS).map_err(io)?;
    for r in rows(items) {
        w.write_record(&r).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(e.into_error()))
}

/// The published results as an XLSX workbook (sheet 考核结果; scores as numbers).
pub fn xlsx_bytes(items: &[AssesseeResult]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("考核结果")?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, (r, item)) in rows(items).iter().zip(items).enumerate() {
        let row = i as u32 + 1;
        for (c, v) in r.iter().enumerate() {
            if c == SCORE_COLUMN {
                sheet.write_number(row, c as u16, f64::from(item.total) / 10.0)?;
            } else {
                sheet.write_string(row, c as u16, v)?;
            }
        }
    }
    book.save_to_buffer()
}
