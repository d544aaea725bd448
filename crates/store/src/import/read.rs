//! Reading the file (CSV or the first sheet of an XLSX) into header-matched rows.

use super::RowError;
use super::columns::{Col, clean_header, column_by_header, english, looks_like_data};
use crate::StoreError;
use fieldcheck_domain::{FieldError, ValidationErrors};
use std::collections::BTreeMap;
use std::path::Path;

/// Non-blank rows of the first sheet with their line numbers; the first one is the header.
pub(super) fn read_raw(path: &Path) -> Result<Vec<(usize, Vec<String>)>, StoreError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rows = match ext.as_str() {
        "csv" => read_csv(path)?,
        "xlsx" | "xlsm" => read_xlsx(path)?,
        _ => {
            return Err(StoreError::File(
                "不支持的文件类型，请使用 .csv 或 .xlsx 文件".into(),
            ));
        }
    };
    Ok(rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect())
}

fn read_csv(path: &Path) -> Result<Vec<(usize, Vec<String>)>, StoreError> {
    let bytes = std::fs::read(path).map_err(|e| StoreError::File(format!("无法读取文件：{e}")))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        StoreError::File("CSV 文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8”格式".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line numbers are counted from where each record ends (a record's own start position may
    // point at blank lines before it). A quoted cell spanning several text lines is still one
    // spreadsheet row, so such extra lines are counted out.
    let (mut consumed, mut newlines, mut extra_lines) = (0usize, 0usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(String::new(), |p| format!("（第 {} 行附近）", p.line()));
                return Err(StoreError::File(format!("CSV 格式错误{at}")));
            }
        }
        let end = usize::try_from(reader.position().byte())
            .unwrap_or(usize::MAX)
            .min(text.len())
            .max(consumed);
        let chunk = text.as_bytes().get(consumed..end).unwrap_or_default();
        newlines += chunk.iter().filter(|b| **b == b'\n').count();
        consumed = end;
        let ends_with_newline = end > 0 && text.as_bytes().get(end - 1) == Some(&b'\n');
        let last_line = newlines + 1 - usize::from(ends_with_newline);
        let inner: usize = record.iter().map(|f| f.matches('\n').count()).sum();
        let line = last_line
            .saturating_sub(inner)
            .saturating_sub(extra_lines)
            .max(1);
        extra_lines += inner;
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // `f64`'s Display never uses an exponent and prints whole numbers without ".0".
        Data::Float(f) => f.to_string(),
        other => other.to_string(),
    }
}

fn read_xlsx(path: &Path) -> Result<Vec<(usize, Vec<String>)>, StoreError> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> =
        open_workbook(path).map_err(|e| StoreError::File(format!("无法打开 Excel 文件：{e}")))?;
    let range = match book.worksheet_range_at(0) {
        None => return Ok(Vec::new()),
        Some(r) => r.map_err(|e| StoreError::File(format!("无法读取第一个工作表：{e}")))?,
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| (first_row + i + 1, row.iter().map(cell_text).collect()))
        .collect())
}

/// The rows keyed by column, after matching the header.
pub(super) struct Table {
    pub(super) header_line: usize,
    /// The columns present, with their header as written.
    pub(super) labels: BTreeMap<Col, String>,
    pub(super) rows: Vec<(usize, BTreeMap<Col, String>)>,
    /// Problems of the file's structure (header, cells outside any column).
    pub(super) errors: Vec<RowError>,
}

pub(super) fn table(raw: Vec<(usize, Vec<String>)>) -> Option<Table> {
    let mut it = raw.into_iter();
    let (header_line, header) = it.next()?;
    let mut labels = BTreeMap::new();
    let mut errors = Vec::new();
    let mut positions: Vec<Option<Col>> = Vec::with_capacity(header.len());
    for h in &header {
        let text = clean_header(h);
        if text.is_empty() {
            positions.push(None);
            continue;
        }
        match column_by_header(&text) {
            None => {
                // A "header" full of digits is probably a data row: do not quote it.
                let (column, reason) = if looks_like_data(&text) {
                    (
                        format!("第{}列", positions.len() + 1),
                        format!("无法识别第{}列的列名", positions.len() + 1),
                    )
                } else {
                    (text.clone(), format!("无法识别的列「{text}」"))
                };
                errors.push(RowError {
                    line: header_line,
                    column: Some(column),
                    reason,
                });
                positions.push(None);
            }
            Some(c) => {
                if let Some(prev) = labels.get(&c) {
                    errors.push(RowError {
                        line: header_line,
                        column: Some(text.clone()),
                        reason: format!("列「{text}」与列「{prev}」重复"),
                    });
                    positions.push(None);
                } else {
                    labels.insert(c, text);
                    positions.push(Some(c));
                }
            }
        }
    }
    if labels.is_empty() {
        // No column recognised at all: most likely the header row is missing.
        errors = vec![RowError {
            line: header_line,
            column: None,
            reason: "第一行应为表头，但其中没有可识别的列名（请检查是否缺少表头行）".into(),
        }];
    }
    let mut rows = Vec::new();
    for (line, cells) in it {
        let mut map = BTreeMap::new();
        for (i, cell) in cells.iter().enumerate() {
            let value = cell.trim();
            match positions.get(i).copied().flatten() {
                Some(c) => {
                    map.insert(c, value.to_owned());
                }
                None => {
                    let unlabeled = header.get(i).is_none_or(|h| clean_header(h).is_empty());
                    if unlabeled && !value.is_empty() {
                        errors.push(RowError {
                            line,
                            column: Some(format!("第{}列", i + 1)),
                            reason: format!("第{}列没有表头，但本行在该列有内容", i + 1),
                        });
                    }
                }
            }
        }
        for c in labels.keys() {
            map.entry(*c).or_default();
        }
        rows.push((line, map));
    }
    Some(Table {
        header_line,
        labels,
        rows,
        errors,
    })
}

/// One data row: its spreadsheet line number and its cells by English column name.
pub type Row = (usize, BTreeMap<String, String>);

/// Reads a CSV (UTF-8, with or without BOM) or XLSX (first sheet) file, chosen by extension.
/// Keys are the English column names; line numbers are those a spreadsheet shows (header = 1,
/// first data row = 2); fully blank rows are skipped. Unknown or repeated columns, or cells
/// outside any column, are reported as [`StoreError::Invalid`].
pub fn read_rows(path: &Path) -> Result<Vec<Row>, StoreError> {
    let Some(t) = table(read_raw(path)?) else {
        return Ok(Vec::new());
    };
    if !t.errors.is_empty() {
        return Err(StoreError::Invalid(ValidationErrors(
            t.errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.column.unwrap_or_else(|| format!("line {}", e.line)),
                    code: "invalid-layout",
                    message: format!("第 {} 行：{}", e.line, e.reason),
                })
                .collect(),
        )));
    }
    Ok(t.rows
        .into_iter()
        .map(|(line, cells)| {
            (
                line,
                cells
                    .into_iter()
                    .map(|(c, v)| (english(c).to_owned(), v))
                    .collect(),
            )
        })
        .collect())
}
