//! Spreadsheet import of registered households (建档立卡贫困户), one row per household member.
//!
//! The file is CSV (UTF-8, with or without BOM) or XLSX (first sheet). Columns are matched by
//! header, Chinese or English. Every row is checked first and every problem is reported with its
//! line and column; only a file without problems is written, all in one transaction with one audit
//! entry. Importing the same file again changes nothing.
//!
//! Existing records are found by their natural keys: households by registration number, members
//! by ID number (or by name when the row has none), plans by year, measures by type and
//! description, units by name, persons by unit and name. Household fields are overwritten from
//! the file: a column missing from the file leaves its field alone, a blank cell clears it (a
//! blank status keeps the current one; new households default to 未脱贫). Existing members,
//! measures and persons are never overwritten, so changes made in the app survive a re-import;
//! the one exception is a member registered without ID number, who gets the file's number.
//!
//! Reasons never quote a cell's value: a cell may hold an ID number or a phone number.

use crate::entities::places::Model as PlaceRow;
use crate::entities::{households, measures, members, persons, plans, unit_villages, units};
use crate::{Store, StoreError, audit, now};
use fieldcheck_domain::{
    FieldError, GeoPoint, HouseholdId, HouseholdStatus, MeasureId, MeasureKind, MeasureStatus,
    MemberId, NationalId, PersonId, PlaceLevel, PlanId, PlanStatus, UnitId, UnitKind,
    ValidationErrors, validation,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use uuid::Uuid;

/// What an import wrote. Every household of the file counts once, as created, updated (anything
/// about it written: its own fields, or a member, plan or measure added) or unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Households registered.
    pub households_created: usize,
    /// Households already registered that the file left as they were.
    pub households_unchanged: usize,
    /// Households already registered that the file changed.
    pub households_updated: usize,
    /// Members added.
    pub members_created: usize,
    /// Yearly plans added.
    pub plans_created: usize,
    /// Measures added.
    pub measures_created: usize,
    /// Paired units added.
    pub units_created: usize,
    /// Responsible persons added.
    pub persons_created: usize,
}

/// One problem of the file, where a spreadsheet user finds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Line as the spreadsheet shows it: header = 1, first data row = 2.
    pub line: usize,
    /// The column as its header is written in the file, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong, in plain language (never quoting the cell's value).
    pub reason: String,
}

/// The result of an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Everything was written.
    Imported(ImportReport),
    /// Nothing was written; every problem found, in line order.
    Rejected(Vec<RowError>),
}

// ---------------------------------------------------------------------------------------------
// Columns

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Col {
    RegistrationNo,
    VillageCode,
    HeadName,
    Phone,
    Address,
    Lat,
    Lon,
    Status,
    ExitYear,
    MemberName,
    Relation,
    IdNumber,
    PairedUnit,
    ResponsiblePerson,
    PersonPhone,
    PlanYear,
    MeasureKind,
    MeasureDescription,
    BudgetYuan,
    MeasureStatus,
}

struct ColumnDef {
    col: Col,
    english: &'static str,
    /// Accepted Chinese headers, the first being the canonical one.
    chinese: &'static [&'static str],
    required: bool,
}

const fn def(
    col: Col,
    english: &'static str,
    chinese: &'static [&'static str],
    required: bool,
) -> ColumnDef {
    ColumnDef {
        col,
        english,
        chinese,
        required,
    }
}

const COLUMNS: &[ColumnDef] = &[
    def(Col::RegistrationNo, "registration_no", &["户编号"], true),
    def(Col::VillageCode, "village_code", &["村代码"], true),
    def(Col::HeadName, "head_name", &["户主姓名"], true),
    def(Col::Phone, "phone", &["联系电话"], false),
    def(Col::Address, "address", &["住址"], false),
    def(Col::Lat, "lat", &["纬度"], false),
    def(Col::Lon, "lon", &["经度"], false),
    def(Col::Status, "status", &["状态"], false),
    def(Col::ExitYear, "exit_year", &["脱贫年度"], false),
    def(Col::MemberName, "member_name", &["成员姓名"], false),
    def(Col::Relation, "relation", &["与户主关系"], false),
    def(
        Col::IdNumber,
        "id_number",
        &["身份证号", "身份证号码"],
        false,
    ),
    def(Col::PairedUnit, "paired_unit", &["帮扶单位"], false),
    def(
        Col::ResponsiblePerson,
        "responsible_person",
        &["帮扶责任人"],
        false,
    ),
    def(Col::PersonPhone, "person_phone", &["责任人电话"], false),
    def(Col::PlanYear, "plan_year", &["计划年度"], false),
    def(Col::MeasureKind, "measure_kind", &["措施类型"], false),
    def(
        Col::MeasureDescription,
        "measure_description",
        &["措施内容"],
        false,
    ),
    def(Col::BudgetYuan, "budget_yuan", &["预算(元)", "预算"], false),
    def(Col::MeasureStatus, "measure_status", &["措施状态"], false),
];

fn column_def(c: Col) -> Option<&'static ColumnDef> {
    COLUMNS.iter().find(|d| d.col == c)
}

fn english(c: Col) -> &'static str {
    column_def(c).map_or("", |d| d.english)
}

/// A header cell as written, without BOM or surrounding whitespace.
fn clean_header(raw: &str) -> String {
    raw.trim().trim_start_matches('\u{feff}').trim().to_owned()
}

/// Whether a text holds a long run of digits (an ID or phone number, say).
fn looks_like_data(text: &str) -> bool {
    text.chars().filter(char::is_ascii_digit).count() >= 6
}

/// The column a header names: Chinese exactly (ignoring whitespace and full-width brackets),
/// English ignoring case.
fn column_by_header(header: &str) -> Option<Col> {
    let compact: String = header
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    COLUMNS
        .iter()
        .find(|d| d.english.eq_ignore_ascii_case(&compact) || d.chinese.contains(&compact.as_str()))
        .map(|d| d.col)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Non-blank rows of the first sheet with their line numbers; the first one is the header.
fn read_raw(path: &Path) -> Result<Vec<(usize, Vec<String>)>, StoreError> {
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
struct Table {
    header_line: usize,
    /// The columns present, with their header as written.
    labels: BTreeMap<Col, String>,
    rows: Vec<(usize, BTreeMap<Col, String>)>,
    /// Problems of the file's structure (header, cells outside any column).
    errors: Vec<RowError>,
}

fn table(raw: Vec<(usize, Vec<String>)>) -> Option<Table> {
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

// ---------------------------------------------------------------------------------------------
// Checking one row

/// One cell's checked value.
#[derive(Clone, Debug, PartialEq)]
enum Fv<T> {
    /// The column is not in the file: leave the stored value alone.
    Absent,
    /// The value is wrong (already reported).
    Bad,
    /// The value (`None`-like blank for optional fields).
    Val(T),
}

impl<T: PartialEq> Fv<T> {
    /// Whether two rows agree, as far as both are known.
    fn agrees(&self, other: &Fv<T>) -> bool {
        match (self, other) {
            (Fv::Val(a), Fv::Val(b)) => a == b,
            (Fv::Bad, _) | (_, Fv::Bad) => true,
            (Fv::Absent, Fv::Absent) => true,
            _ => false,
        }
    }

    fn val(&self) -> Option<&T> {
        match self {
            Fv::Val(v) => Some(v),
            _ => None,
        }
    }
}

/// The household-level fields of one row; rows of one household must agree on all of them.
#[derive(Clone, Debug)]
struct HhFields {
    village_code: Fv<String>,
    head_name: Fv<String>,
    phone: Fv<Option<String>>,
    address: Fv<Option<String>>,
    location: Fv<Option<GeoPoint>>,
    status: Fv<Option<HouseholdStatus>>,
    exit_year: Fv<Option<i32>>,
    unit: Fv<Option<String>>,
    person: Fv<Option<String>>,
    person_phone: Fv<Option<String>>,
}

#[derive(Clone, Debug)]
struct MemberIn {
    name: String,
    relation: String,
    /// The number and its keyed index.
    id: Option<(NationalId, String)>,
}

#[derive(Clone, Debug)]
struct MeasureIn {
    year: i32,
    kind: MeasureKind,
    description: String,
    budget_fen: Option<i64>,
    status: Option<MeasureStatus>,
}

struct RowIn {
    line: usize,
    reg: Option<String>,
    hh: HhFields,
    member: Option<MemberIn>,
    measure: Option<MeasureIn>,
}

struct Checker<'a> {
    labels: &'a BTreeMap<Col, String>,
    errors: Vec<RowError>,
}

fn text_reason(code: &str, max: usize) -> String {
    match code {
        "required" => "不能为空".to_owned(),
        "too-long" => format!("不能超过 {max} 个字符"),
        "invalid-characters" => "不能包含换行等控制字符".to_owned(),
        _ => "内容无效".to_owned(),
    }
}

fn id_reason(e: &ValidationErrors) -> &'static str {
    match e.0.first().map(|f| f.code) {
        Some("invalid-length") => "身份证号应为 18 位",
        Some("invalid-characters") => "身份证号应为 17 位数字加 1 位数字或 X",
        Some("invalid-birth-date") => "身份证号中的出生日期无效",
        Some("invalid-checksum") => "身份证号校验位错误",
        _ => "身份证号无效",
    }
}

fn parse_year(s: &str) -> Option<i32> {
    let s = s.trim().trim_end_matches('年').trim();
    s.parse::<i32>().ok().filter(|y| (2013..=2100).contains(y))
}

/// Decimal yuan to integer fen: "20000.50" → 2000050.
fn parse_fen(s: &str) -> Result<i64, &'static str> {
    const FORMAT: &str = "预算应为金额数字（单位：元），如 20000.50";
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '，') && !c.is_whitespace())
        .collect();
    let t = compact.trim_start_matches(['¥', '￥']);
    if t.starts_with('-') {
        return Err("预算不能为负数");
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(FORMAT);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 {
        return Err("预算最多保留两位小数（到分）");
    }
    let int = int.trim_start_matches('0');
    let yuan: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| "预算金额过大")?
    };
    let fen: i64 = format!("{frac:0<2}").parse().map_err(|_| FORMAT)?;
    yuan.checked_mul(100)
        .and_then(|v| v.checked_add(fen))
        .ok_or("预算金额过大")
}

fn household_status(s: &str) -> Option<HouseholdStatus> {
    match s {
        "未脱贫" | "在贫" => Some(HouseholdStatus::InPoverty),
        "已脱贫" => Some(HouseholdStatus::Exited),
        "返贫风险" | "监测户" => Some(HouseholdStatus::AtRisk),
        _ => HouseholdStatus::parse(&s.to_ascii_lowercase()),
    }
}

fn measure_kind(s: &str) -> Option<MeasureKind> {
    let t = s.strip_suffix("扶贫").unwrap_or(s);
    match t {
        "住房" | "危房改造" | "住房保障" => Some(MeasureKind::Housing),
        "产业" => Some(MeasureKind::Industry),
        "教育" => Some(MeasureKind::Education),
        "健康" | "医疗" => Some(MeasureKind::Health),
        "就业" => Some(MeasureKind::Employment),
        "社会保障" | "兜底" | "社会保障兜底" => Some(MeasureKind::SocialSecurity),
        "其他" | "其它" => Some(MeasureKind::Other),
        _ => MeasureKind::parse(&s.to_ascii_lowercase()),
    }
}

fn measure_status(s: &str) -> Option<MeasureStatus> {
    match s {
        "计划" | "计划中" => Some(MeasureStatus::Planned),
        "实施中" => Some(MeasureStatus::InProgress),
        "已完成" => Some(MeasureStatus::Done),
        "已取消" => Some(MeasureStatus::Cancelled),
        _ => MeasureStatus::parse(&s.to_ascii_lowercase()),
    }
}

impl Checker<'_> {
    fn label(&self, c: Col) -> String {
        match (self.labels.get(&c), column_def(c)) {
            (Some(l), _) => l.clone(),
            (None, Some(d)) => d
                .chinese
                .first()
                .map_or_else(|| d.english.to_owned(), |z| (*z).to_owned()),
            (None, None) => String::new(),
        }
    }

    fn add(&mut self, line: usize, c: Col, reason: impl Into<String>) {
        let column = Some(self.label(c));
        self.errors.push(RowError {
            line,
            column,
            reason: reason.into(),
        });
    }

    /// Optional free text: absent, blank (`None`) or checked.
    fn text(
        &mut self,
        line: usize,
        row: &BTreeMap<Col, String>,
        c: Col,
        max: usize,
    ) -> Fv<Option<String>> {
        let Some(v) = row.get(&c) else {
            return Fv::Absent;
        };
        if v.is_empty() {
            return Fv::Val(None);
        }
        let mut e = ValidationErrors::default();
        match validation::text(&mut e, "", v, max) {
            Some(t) => Fv::Val(Some(t)),
            None => {
                let code = e.0.first().map_or("", |f| f.code);
                self.add(line, c, text_reason(code, max));
                Fv::Bad
            }
        }
    }

    /// Required free text.
    fn required(
        &mut self,
        line: usize,
        row: &BTreeMap<Col, String>,
        c: Col,
        max: usize,
    ) -> Fv<String> {
        match self.text(line, row, c, max) {
            Fv::Val(Some(t)) => Fv::Val(t),
            Fv::Val(None) => {
                self.add(line, c, "不能为空");
                Fv::Bad
            }
            // A missing required column is reported once, for the header.
            Fv::Absent | Fv::Bad => Fv::Bad,
        }
    }

    fn phone(&mut self, line: usize, row: &BTreeMap<Col, String>, c: Col) -> Fv<Option<String>> {
        let Some(v) = row.get(&c) else {
            return Fv::Absent;
        };
        if v.is_empty() {
            return Fv::Val(None);
        }
        let mut e = ValidationErrors::default();
        match validation::phone(&mut e, "", v) {
            Some(p) => Fv::Val(Some(p)),
            None => {
                self.add(
                    line,
                    c,
                    "电话号码格式不正确（应为 11 位手机号或带区号的固定电话）",
                );
                Fv::Bad
            }
        }
    }

    fn parse<T>(
        &mut self,
        line: usize,
        row: &BTreeMap<Col, String>,
        c: Col,
        parse: impl Fn(&str) -> Option<T>,
        reason: &str,
    ) -> Fv<Option<T>> {
        let Some(v) = row.get(&c) else {
            return Fv::Absent;
        };
        if v.is_empty() {
            return Fv::Val(None);
        }
        match parse(v) {
            Some(t) => Fv::Val(Some(t)),
            None => {
                self.add(line, c, reason);
                Fv::Bad
            }
        }
    }

    fn location(&mut self, line: usize, row: &BTreeMap<Col, String>) -> Fv<Option<GeoPoint>> {
        let (lat, lon) = (row.get(&Col::Lat), row.get(&Col::Lon));
        if lat.is_none() && lon.is_none() {
            return Fv::Absent;
        }
        let lat = lat.map_or("", String::as_str);
        let lon = lon.map_or("", String::as_str);
        match (lat.is_empty(), lon.is_empty()) {
            (true, true) => return Fv::Val(None),
            (true, false) => {
                self.add(line, Col::Lat, "纬度和经度须同时填写");
                return Fv::Bad;
            }
            (false, true) => {
                self.add(line, Col::Lon, "纬度和经度须同时填写");
                return Fv::Bad;
            }
            (false, false) => {}
        }
        let la = lat.parse::<f64>().ok();
        let lo = lon.parse::<f64>().ok();
        if la.is_none() {
            self.add(line, Col::Lat, "纬度应为数字（度），如 20.0442");
        }
        if lo.is_none() {
            self.add(line, Col::Lon, "经度应为数字（度），如 110.1999");
        }
        let (Some(la), Some(lo)) = (la, lo) else {
            return Fv::Bad;
        };
        match GeoPoint::new(la, lo) {
            Ok(p) => Fv::Val(Some(p)),
            Err(_) => {
                self.add(
                    line,
                    Col::Lat,
                    "纬度应在 -90 至 90 之间，经度应在 -180 至 180 之间",
                );
                Fv::Bad
            }
        }
    }

    fn member(
        &mut self,
        pii: &crate::PiiCipher,
        line: usize,
        row: &BTreeMap<Col, String>,
    ) -> Option<MemberIn> {
        let get = |c: Col| row.get(&c).map_or("", String::as_str);
        let (name, relation, id) = (get(Col::MemberName), get(Col::Relation), get(Col::IdNumber));
        if name.is_empty() {
            if !relation.is_empty() || !id.is_empty() {
                self.add(line, Col::MemberName, "填写了成员信息，但缺少成员姓名");
            }
            return None;
        }
        let before = self.errors.len();
        let name = self.required(line, row, Col::MemberName, 50).val().cloned();
        let relation = if row.contains_key(&Col::Relation) {
            self.required(line, row, Col::Relation, 20).val().cloned()
        } else {
            self.add(
                line,
                Col::Relation,
                "填写了成员姓名，但文件中没有「与户主关系」列",
            );
            None
        };
        let id = if id.is_empty() {
            None
        } else {
            match NationalId::parse(id) {
                Ok(n) => {
                    let ix = pii.index(n.expose());
                    Some((n, ix))
                }
                Err(e) => {
                    self.add(line, Col::IdNumber, id_reason(&e));
                    None
                }
            }
        };
        if self.errors.len() > before {
            return None;
        }
        Some(MemberIn {
            name: name?,
            relation: relation?,
            id,
        })
    }

    fn measure(&mut self, line: usize, row: &BTreeMap<Col, String>) -> Option<MeasureIn> {
        const COLS: [Col; 5] = [
            Col::PlanYear,
            Col::MeasureKind,
            Col::MeasureDescription,
            Col::BudgetYuan,
            Col::MeasureStatus,
        ];
        if COLS.iter().all(|c| row.get(c).is_none_or(String::is_empty)) {
            return None;
        }
        let before = self.errors.len();
        let year = match row.get(&Col::PlanYear).map(String::as_str) {
            None | Some("") => {
                self.add(line, Col::PlanYear, "填写了帮扶措施，但缺少计划年度");
                None
            }
            Some(v) => {
                let y = parse_year(v);
                if y.is_none() {
                    self.add(line, Col::PlanYear, "计划年度应为 2013 至 2100 之间的年份");
                }
                y
            }
        };
        let kind = match row.get(&Col::MeasureKind).map(String::as_str) {
            None | Some("") => {
                self.add(line, Col::MeasureKind, "填写了帮扶措施，但缺少措施类型");
                None
            }
            Some(v) => {
                let k = measure_kind(v);
                if k.is_none() {
                    self.add(
                        line,
                        Col::MeasureKind,
                        "无法识别的措施类型，应为 住房、产业、教育、健康、就业、社会保障、其他 之一",
                    );
                }
                k
            }
        };
        let description = match self.text(line, row, Col::MeasureDescription, 500) {
            Fv::Val(Some(d)) => Some(d),
            Fv::Val(None) | Fv::Absent => {
                self.add(
                    line,
                    Col::MeasureDescription,
                    "填写了帮扶措施，但缺少措施内容",
                );
                None
            }
            Fv::Bad => None,
        };
        let budget_fen = match row.get(&Col::BudgetYuan).map(String::as_str) {
            None | Some("") => None,
            Some(v) => match parse_fen(v) {
                Ok(f) => Some(f),
                Err(reason) => {
                    self.add(line, Col::BudgetYuan, reason);
                    None
                }
            },
        };
        let status = match self.parse(
            line,
            row,
            Col::MeasureStatus,
            measure_status,
            "无法识别的措施状态，应为 计划、实施中、已完成、已取消 之一",
        ) {
            Fv::Val(s) => s,
            _ => None,
        };
        if self.errors.len() > before {
            return None;
        }
        Some(MeasureIn {
            year: year?,
            kind: kind?,
            description: description?,
            budget_fen,
            status,
        })
    }

    fn row(&mut self, pii: &crate::PiiCipher, line: usize, row: &BTreeMap<Col, String>) -> RowIn {
        let reg = self
            .required(line, row, Col::RegistrationNo, 32)
            .val()
            .cloned();
        let village_code = match self.required(line, row, Col::VillageCode, 64) {
            Fv::Val(code) if code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit()) => {
                Fv::Val(code)
            }
            Fv::Val(_) => {
                self.add(line, Col::VillageCode, "村代码应为 12 位数字");
                Fv::Bad
            }
            other => other,
        };
        let head_name = self.required(line, row, Col::HeadName, 50);
        let phone = self.phone(line, row, Col::Phone);
        let address = self.text(line, row, Col::Address, 200);
        let location = self.location(line, row);
        let status = self.parse(
            line,
            row,
            Col::Status,
            household_status,
            "无法识别的状态，应为 未脱贫、已脱贫、返贫风险（或 in_poverty、exited、at_risk）之一",
        );
        let exit_year = self.parse(
            line,
            row,
            Col::ExitYear,
            parse_year,
            "脱贫年度应为 2013 至 2100 之间的年份",
        );
        let unit = self.text(line, row, Col::PairedUnit, 100);
        let person = self.text(line, row, Col::ResponsiblePerson, 50);
        let person_phone = self.phone(line, row, Col::PersonPhone);
        if matches!(person, Fv::Val(Some(_))) && !matches!(unit, Fv::Val(Some(_)) | Fv::Bad) {
            self.add(
                line,
                Col::ResponsiblePerson,
                "填写了帮扶责任人，但缺少帮扶单位",
            );
        }
        if matches!(person_phone, Fv::Val(Some(_))) && !matches!(person, Fv::Val(Some(_)) | Fv::Bad)
        {
            self.add(line, Col::PersonPhone, "填写了责任人电话，但缺少帮扶责任人");
        }
        let member = self.member(pii, line, row);
        let measure = self.measure(line, row);
        RowIn {
            line,
            reg,
            hh: HhFields {
                village_code,
                head_name,
                phone,
                address,
                location,
                status,
                exit_year,
                unit,
                person,
                person_phone,
            },
            member,
            measure,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checking the whole file

/// One household of the file, checked and ready to write.
struct HouseholdIn {
    registration_no: String,
    village: PlaceRow,
    fields: HhFields,
    members: Vec<MemberIn>,
    measures: Vec<MeasureIn>,
}

/// What the database already holds that the checks depend on.
#[derive(Default)]
struct Known {
    villages: HashMap<String, Option<PlaceRow>>,
    units: HashMap<String, Option<units::Model>>,
    households: HashMap<String, Option<households::Model>>,
    /// ID-number index → household of the member holding it.
    id_holders: HashMap<String, Option<Uuid>>,
}

async fn load_known(conn: &impl ConnectionTrait, rows: &[RowIn]) -> Result<Known, StoreError> {
    let mut k = Known::default();
    for r in rows {
        if let Fv::Val(code) = &r.hh.village_code
            && !k.villages.contains_key(code)
        {
            let v = crate::places::by_code(conn, code).await?;
            k.villages.insert(code.clone(), v);
        }
        if let Fv::Val(Some(name)) = &r.hh.unit
            && !k.units.contains_key(name)
        {
            let u = crate::orgs::unit_by_name(conn, name).await?;
            k.units.insert(name.clone(), u);
        }
        if let Some(reg) = &r.reg
            && !k.households.contains_key(reg)
        {
            let h = households::Entity::find()
                .filter(households::Column::RegistrationNo.eq(reg.as_str()))
                .one(conn)
                .await?;
            k.households.insert(reg.clone(), h);
        }
        if let Some(MemberIn {
            id: Some((_, ix)), ..
        }) = &r.member
            && !k.id_holders.contains_key(ix)
        {
            let m = members::Entity::find()
                .filter(members::Column::IdNumberIndex.eq(ix.as_str()))
                .one(conn)
                .await?;
            k.id_holders.insert(ix.clone(), m.map(|m| m.household_id));
        }
    }
    Ok(k)
}

/// Checks every row against the others and the database; returns the households or every
/// problem found.
async fn check(
    store: &Store,
    conn: &impl ConnectionTrait,
    t: &Table,
) -> Result<Result<Vec<HouseholdIn>, Vec<RowError>>, StoreError> {
    if t.labels.is_empty() {
        // Without a header there is nothing else worth saying.
        return Ok(Err(t.errors.clone()));
    }
    let mut ck = Checker {
        labels: &t.labels,
        errors: t.errors.clone(),
    };
    for d in COLUMNS
        .iter()
        .filter(|d| d.required && !t.labels.contains_key(&d.col))
    {
        let name = d.chinese.first().copied().unwrap_or(d.english);
        ck.errors.push(RowError {
            line: t.header_line,
            column: Some(name.to_owned()),
            reason: format!("缺少必填列「{name}」（或 {}）", d.english),
        });
    }
    if t.rows.is_empty() {
        ck.errors.push(RowError {
            line: t.header_line,
            column: None,
            reason: "文件中没有数据行".into(),
        });
    }
    let mut rows: Vec<RowIn> = t
        .rows
        .iter()
        .map(|(line, row)| ck.row(&store.pii, *line, row))
        .collect();
    let known = load_known(conn, &rows).await?;

    // Cells whose value must match the database.
    for r in &mut rows {
        if let Fv::Val(code) = &r.hh.village_code {
            let is_village = known
                .villages
                .get(code)
                .and_then(Option::as_ref)
                .is_some_and(|v| v.level == PlaceLevel::Village.as_str());
            if !is_village {
                ck.add(r.line, Col::VillageCode, "找不到该村代码对应的村");
                r.hh.village_code = Fv::Bad;
            }
        }
        if let Fv::Val(Some(name)) = &r.hh.unit
            && let Some(Some(u)) = known.units.get(name)
            && u.kind != UnitKind::PairedUnit.as_str()
        {
            ck.add(
                r.line,
                Col::PairedUnit,
                "该单位已登记为牵头单位，不是结对帮扶单位",
            );
            r.hh.unit = Fv::Bad;
        }
        if let (
            Some(reg),
            Some(MemberIn {
                id: Some((_, ix)), ..
            }),
        ) = (&r.reg, &r.member)
            && let Some(Some(holder)) = known.id_holders.get(ix)
        {
            let own = known
                .households
                .get(reg)
                .and_then(Option::as_ref)
                .map(|h| h.id);
            if own != Some(*holder) {
                ck.add(r.line, Col::IdNumber, "该身份证号已登记为其他户的成员");
            }
        }
    }

    // Rows of one household must agree; members and measures must not repeat.
    struct Acc {
        first_line: usize,
        fields: HhFields,
        members: Vec<MemberIn>,
        measures: Vec<MeasureIn>,
        /// Member name → (line, whether that row had an ID number).
        names: HashMap<String, (usize, bool)>,
        measure_keys: HashMap<(i32, MeasureKind, String), usize>,
    }
    let mut order: Vec<String> = Vec::new();
    let mut acc: HashMap<String, Acc> = HashMap::new();
    let mut ids_seen: HashMap<String, usize> = HashMap::new();
    let mut person_phones: HashMap<(String, String), (usize, String)> = HashMap::new();
    for r in rows {
        let Some(reg) = r.reg else { continue };
        if let (Fv::Val(Some(u)), Fv::Val(Some(p)), Fv::Val(Some(ph))) =
            (&r.hh.unit, &r.hh.person, &r.hh.person_phone)
        {
            match person_phones.get(&(u.clone(), p.clone())) {
                Some((l, prev)) if prev != ph => ck.add(
                    r.line,
                    Col::PersonPhone,
                    format!("同一帮扶责任人的电话与第 {l} 行不一致"),
                ),
                Some(_) => {}
                None => {
                    person_phones.insert((u.clone(), p.clone()), (r.line, ph.clone()));
                }
            }
        }
        if let Some(a) = acc.get(&reg) {
            let (f, g, l) = (&a.fields, &r.hh, a.first_line);
            let checks = [
                (Col::VillageCode, f.village_code.agrees(&g.village_code)),
                (Col::HeadName, f.head_name.agrees(&g.head_name)),
                (Col::Phone, f.phone.agrees(&g.phone)),
                (Col::Address, f.address.agrees(&g.address)),
                (Col::Lat, f.location.agrees(&g.location)),
                (Col::Status, f.status.agrees(&g.status)),
                (Col::ExitYear, f.exit_year.agrees(&g.exit_year)),
                (Col::PairedUnit, f.unit.agrees(&g.unit)),
                (Col::ResponsiblePerson, f.person.agrees(&g.person)),
                (Col::PersonPhone, f.person_phone.agrees(&g.person_phone)),
            ];
            for (c, same) in checks {
                if !same {
                    let what = if c == Col::Lat {
                        format!("{}/{}", ck.label(Col::Lat), ck.label(Col::Lon))
                    } else {
                        ck.label(c)
                    };
                    ck.add(
                        r.line,
                        c,
                        format!("同一户编号的「{what}」与第 {l} 行不一致"),
                    );
                }
            }
        } else {
            order.push(reg.clone());
            acc.insert(
                reg.clone(),
                Acc {
                    first_line: r.line,
                    fields: r.hh,
                    members: Vec::new(),
                    measures: Vec::new(),
                    names: HashMap::new(),
                    measure_keys: HashMap::new(),
                },
            );
        }
        let Some(a) = acc.get_mut(&reg) else { continue };
        if let Some(m) = r.member {
            let mut ok = true;
            if let Some((_, ix)) = &m.id {
                if let Some(l) = ids_seen.get(ix) {
                    ck.add(r.line, Col::IdNumber, format!("身份证号与第 {l} 行重复"));
                    ok = false;
                } else {
                    ids_seen.insert(ix.clone(), r.line);
                }
            }
            let has_id = m.id.is_some();
            match a.names.get(&m.name) {
                Some((l, prev_has_id)) if ok && (!has_id || !prev_has_id) => {
                    ck.add(
                        r.line,
                        Col::MemberName,
                        format!("同户第 {l} 行已有同名成员；同名成员须分别填写身份证号"),
                    );
                    ok = false;
                }
                Some(_) => {}
                None => {
                    a.names.insert(m.name.clone(), (r.line, has_id));
                }
            }
            if ok {
                a.members.push(m);
            }
        }
        if let Some(m) = r.measure {
            let key = (m.year, m.kind, m.description.clone());
            if let Some(l) = a.measure_keys.get(&key) {
                ck.add(
                    r.line,
                    Col::MeasureDescription,
                    format!("与第 {l} 行的帮扶措施重复（计划年度、措施类型、措施内容都相同）"),
                );
            } else {
                a.measure_keys.insert(key, r.line);
                a.measures.push(m);
            }
        }
    }

    if !ck.errors.is_empty() {
        let mut errors = ck.errors;
        errors.sort_by_key(|e| e.line);
        return Ok(Err(errors));
    }
    let mut out = Vec::with_capacity(order.len());
    for reg in order {
        let Some(a) = acc.remove(&reg) else { continue };
        let village = a
            .fields
            .village_code
            .val()
            .and_then(|c| known.villages.get(c))
            .and_then(Option::clone)
            .ok_or(StoreError::MissingReference("village"))?;
        out.push(HouseholdIn {
            registration_no: reg,
            village,
            fields: a.fields,
            members: a.members,
            measures: a.measures,
        });
    }
    Ok(Ok(out))
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Caches of shared records found or created during one import.
#[derive(Default)]
struct Shared {
    units: HashMap<String, Uuid>,
    persons: HashMap<(Uuid, String), Uuid>,
    pairs: BTreeSet<(Uuid, Uuid)>,
}

async fn ensure_unit(
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    report: &mut ImportReport,
    name: &str,
) -> Result<Uuid, StoreError> {
    if let Some(id) = shared.units.get(name) {
        return Ok(*id);
    }
    let id = match crate::orgs::unit_by_name(conn, name).await? {
        Some(u) => u.id,
        None => {
            let t = now();
            let u = units::ActiveModel {
                id: Set(UnitId::new().0),
                name: Set(name.to_owned()),
                kind: Set(UnitKind::PairedUnit.as_str().to_owned()),
                district_code: Set(None),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?;
            report.units_created += 1;
            u.id
        }
    };
    shared.units.insert(name.to_owned(), id);
    Ok(id)
}

async fn ensure_pair(
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    unit: Uuid,
    village: Uuid,
) -> Result<(), StoreError> {
    if !shared.pairs.insert((unit, village)) {
        return Ok(());
    }
    if unit_villages::Entity::find_by_id((unit, village))
        .one(conn)
        .await?
        .is_none()
    {
        unit_villages::ActiveModel {
            unit_id: Set(unit),
            village_id: Set(village),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Finds or creates a person; the phone is only set on a new person.
async fn ensure_person(
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    report: &mut ImportReport,
    unit: Uuid,
    name: &str,
    phone: Option<&str>,
) -> Result<Uuid, StoreError> {
    let key = (unit, name.to_owned());
    if let Some(id) = shared.persons.get(&key) {
        return Ok(*id);
    }
    let id = match crate::orgs::person_by_name(conn, UnitId(unit), name).await? {
        Some(p) => p.id,
        None => {
            let t = now();
            let p = persons::ActiveModel {
                id: Set(PersonId::new().0),
                name: Set(name.to_owned()),
                unit_id: Set(unit),
                phone: Set(phone.map(str::to_owned)),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?;
            report.persons_created += 1;
            p.id
        }
    };
    shared.persons.insert(key, id);
    Ok(id)
}

/// Writes one household and counts it as created, updated or unchanged.
async fn write_household(
    store: &Store,
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    report: &mut ImportReport,
    h: HouseholdIn,
) -> Result<(), StoreError> {
    let f = &h.fields;
    let unit = match f.unit.val().cloned().flatten() {
        Some(name) => {
            let u = ensure_unit(conn, shared, report, &name).await?;
            ensure_pair(conn, shared, u, h.village.id).await?;
            Some(u)
        }
        None => None,
    };
    // None: leave alone; Some(None): clear.
    let person: Option<Option<Uuid>> = match (&f.person, unit) {
        (Fv::Val(Some(name)), Some(u)) => {
            let phone = f.person_phone.val().cloned().flatten();
            Some(Some(
                ensure_person(conn, shared, report, u, name, phone.as_deref()).await?,
            ))
        }
        (Fv::Val(_), _) => Some(None),
        _ => None,
    };
    let district = h.village.district_code.clone().unwrap_or_default();
    let existing = households::Entity::find()
        .filter(households::Column::RegistrationNo.eq(h.registration_no.as_str()))
        .one(conn)
        .await?;
    let mut touched = false;
    let mut is_new = false;
    let hh = match existing {
        None => {
            let t = now();
            let loc = f.location.val().copied().flatten();
            let m = households::ActiveModel {
                id: Set(HouseholdId::new().0),
                registration_no: Set(h.registration_no.clone()),
                village_id: Set(h.village.id),
                district_code: Set(district),
                head_name: Set(f.head_name.val().cloned().unwrap_or_default()),
                phone: Set(f.phone.val().cloned().flatten()),
                address: Set(f.address.val().cloned().flatten()),
                lat: Set(loc.map(|p| p.lat)),
                lon: Set(loc.map(|p| p.lon)),
                status: Set(f
                    .status
                    .val()
                    .copied()
                    .flatten()
                    .unwrap_or(HouseholdStatus::InPoverty)
                    .as_str()
                    .to_owned()),
                exit_year: Set(f.exit_year.val().copied().flatten()),
                responsible_person_id: Set(person.flatten()),
                field_versions: Set("{}".to_owned()),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?;
            is_new = true;
            m
        }
        Some(cur) => {
            let mut next = cur.clone();
            next.village_id = h.village.id;
            next.district_code = district;
            if let Fv::Val(v) = &f.head_name {
                next.head_name.clone_from(v);
            }
            if let Fv::Val(v) = &f.phone {
                next.phone.clone_from(v);
            }
            if let Fv::Val(v) = &f.address {
                next.address.clone_from(v);
            }
            if let Fv::Val(v) = &f.location {
                next.lat = v.map(|p| p.lat);
                next.lon = v.map(|p| p.lon);
            }
            if let Fv::Val(Some(s)) = &f.status {
                s.as_str().clone_into(&mut next.status);
            }
            if let Fv::Val(v) = &f.exit_year {
                next.exit_year = *v;
            }
            if let Some(p) = person {
                next.responsible_person_id = p;
            }
            if next == cur {
                cur
            } else {
                touched = true;
                let mut changed = Vec::new();
                for (field, differs) in [
                    ("village_id", next.village_id != cur.village_id),
                    ("head_name", next.head_name != cur.head_name),
                    ("phone", next.phone != cur.phone),
                    ("address", next.address != cur.address),
                    ("location", next.lat != cur.lat || next.lon != cur.lon),
                    ("status", next.status != cur.status),
                    ("exit_year", next.exit_year != cur.exit_year),
                    (
                        "responsible_person_id",
                        next.responsible_person_id != cur.responsible_person_id,
                    ),
                ] {
                    if differs {
                        changed.push(field);
                    }
                }
                let mut am: households::ActiveModel = cur.clone().into();
                am.field_versions = Set(crate::registry::bump_field_versions(
                    &cur.field_versions,
                    &changed,
                    cur.version + 1,
                ));
                am.village_id = Set(next.village_id);
                am.district_code = Set(next.district_code);
                am.head_name = Set(next.head_name);
                am.phone = Set(next.phone);
                am.address = Set(next.address);
                am.lat = Set(next.lat);
                am.lon = Set(next.lon);
                am.status = Set(next.status);
                am.exit_year = Set(next.exit_year);
                am.responsible_person_id = Set(next.responsible_person_id);
                am.version = Set(cur.version + 1);
                am.updated_at = Set(now());
                am.update(conn).await?
            }
        }
    };
    // Members.
    let mut current = members::Entity::find()
        .filter(members::Column::HouseholdId.eq(hh.id))
        .all(conn)
        .await?;
    for m in h.members {
        // A member with an ID number is found by it, or else is a same-named member registered
        // without one (who then gets it); a member without is found by name.
        let same_name = |c: &members::Model| c.name == m.name;
        let found = match &m.id {
            Some((_, ix)) => current
                .iter()
                .position(|c| c.id_number_index.as_deref() == Some(ix.as_str()))
                .map(|_| None)
                .or_else(|| {
                    current
                        .iter()
                        .position(|c| c.id_number_index.is_none() && same_name(c))
                        .map(Some)
                }),
            None => current
                .iter()
                .position(|c| c.id_number_index.is_none() && same_name(c))
                .or_else(|| current.iter().position(same_name))
                .map(|_| None),
        };
        match (found, &m.id) {
            // Already registered: existing members are not overwritten.
            (Some(None), _) => {}
            (Some(Some(i)), Some((n, ix))) => {
                let Some(c) = current.get(i).cloned() else {
                    continue;
                };
                let version = c.version + 1;
                let mut am: members::ActiveModel = c.into();
                am.id_number_cipher = Set(Some(store.pii.encrypt(n.expose())));
                am.id_number_index = Set(Some(ix.clone()));
                am.id_number_masked = Set(Some(n.masked()));
                am.version = Set(version);
                am.updated_at = Set(now());
                let updated = am.update(conn).await?;
                if let Some(slot) = current.get_mut(i) {
                    *slot = updated;
                }
                touched = true;
            }
            _ => {
                let t = now();
                let row = members::ActiveModel {
                    id: Set(MemberId::new().0),
                    household_id: Set(hh.id),
                    name: Set(m.name.clone()),
                    relation: Set(m.relation.clone()),
                    id_number_cipher: Set(m
                        .id
                        .as_ref()
                        .map(|(n, _)| store.pii.encrypt(n.expose()))),
                    id_number_index: Set(m.id.as_ref().map(|(_, ix)| ix.clone())),
                    id_number_masked: Set(m.id.as_ref().map(|(n, _)| n.masked())),
                    version: Set(1),
                    created_at: Set(t),
                    updated_at: Set(t),
                }
                .insert(conn)
                .await?;
                current.push(row);
                report.members_created += 1;
                touched = true;
            }
        }
    }

    // Plans and measures.
    let mut plan_ids: HashMap<i32, Uuid> = plans::Entity::find()
        .filter(plans::Column::HouseholdId.eq(hh.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.year, p.id))
        .collect();
    let mut measures_of: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
    for m in h.measures {
        let plan = match plan_ids.get(&m.year) {
            Some(p) => *p,
            None => {
                let t = now();
                let p = plans::ActiveModel {
                    id: Set(PlanId::new().0),
                    household_id: Set(hh.id),
                    year: Set(m.year),
                    status: Set(PlanStatus::Draft.as_str().to_owned()),
                    version: Set(1),
                    created_at: Set(t),
                    updated_at: Set(t),
                }
                .insert(conn)
                .await?;
                report.plans_created += 1;
                touched = true;
                plan_ids.insert(m.year, p.id);
                p.id
            }
        };
        if let std::collections::hash_map::Entry::Vacant(e) = measures_of.entry(plan) {
            let ms = measures::Entity::find()
                .filter(measures::Column::PlanId.eq(plan))
                .all(conn)
                .await?
                .into_iter()
                .map(|x| (x.kind, x.description))
                .collect();
            e.insert(ms);
        }
        let key = (m.kind.as_str().to_owned(), m.description.clone());
        let known = measures_of.entry(plan).or_default();
        if known.contains(&key) {
            continue;
        }
        let t = now();
        measures::ActiveModel {
            id: Set(MeasureId::new().0),
            plan_id: Set(plan),
            kind: Set(key.0.clone()),
            description: Set(m.description),
            lead_unit_id: Set(None),
            responsible_person_id: Set(None),
            budget_fen: Set(m.budget_fen.unwrap_or(0)),
            status: Set(m
                .status
                .unwrap_or(MeasureStatus::Planned)
                .as_str()
                .to_owned()),
            field_versions: Set("{}".to_owned()),
            version: Set(1),
            created_at: Set(t),
            updated_at: Set(t),
        }
        .insert(conn)
        .await?;
        known.push(key);
        report.measures_created += 1;
        touched = true;
    }
    if is_new {
        report.households_created += 1;
    } else if touched {
        report.households_updated += 1;
    } else {
        report.households_unchanged += 1;
    }
    Ok(())
}

/// Imports registered households from a CSV or XLSX file (see the module documentation for the
/// layout). Every row is checked first; if anything is wrong nothing is written and every problem
/// is returned. Otherwise everything is written in one transaction with one audit entry.
pub async fn import_households(store: &Store, path: &Path) -> Result<ImportOutcome, StoreError> {
    let Some(t) = table(read_raw(path)?) else {
        return Ok(ImportOutcome::Rejected(vec![RowError {
            line: 1,
            column: None,
            reason: "文件为空，缺少表头行".into(),
        }]));
    };
    let txn = store.write().await?;
    let households = match check(store, &*txn, &t).await? {
        Ok(h) => h,
        // Dropping the transaction rolls it back; nothing was written anyway.
        Err(errors) => return Ok(ImportOutcome::Rejected(errors)),
    };
    let mut report = ImportReport::default();
    let mut shared = Shared::default();
    for h in households {
        write_household(store, &*txn, &mut shared, &mut report, h).await?;
    }
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    audit::record(
        &*txn,
        None,
        "household.import",
        "import",
        file,
        serde_json::json!({
            "households_created": report.households_created,
            "households_unchanged": report.households_unchanged,
            "households_updated": report.households_updated,
            "members_created": report.members_created,
            "plans_created": report.plans_created,
            "measures_created": report.measures_created,
            "units_created": report.units_created,
            "persons_created": report.persons_created,
        }),
    )
    .await?;
    txn.commit().await?;
    store.refresh_statistics().await?;
    tracing::info!(
        households_created = report.households_created,
        households_updated = report.households_updated,
        households_unchanged = report.households_unchanged,
        members_created = report.members_created,
        "households imported"
    );
    Ok(ImportOutcome::Imported(report))
}
