//! The import's columns: their definitions and matching a file's headers to them, Chinese or English.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Col {
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

pub(super) struct ColumnDef {
    pub(super) col: Col,
    pub(super) english: &'static str,
    /// Accepted Chinese headers, the first being the canonical one.
    pub(super) chinese: &'static [&'static str],
    pub(super) required: bool,
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

pub(super) const COLUMNS: &[ColumnDef] = &[
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

pub(super) fn column_def(c: Col) -> Option<&'static ColumnDef> {
    COLUMNS.iter().find(|d| d.col == c)
}

pub(super) fn english(c: Col) -> &'static str {
    column_def(c).map_or("", |d| d.english)
}

/// A header cell as written, without BOM or surrounding whitespace.
pub(super) fn clean_header(raw: &str) -> String {
    raw.trim().trim_start_matches('\u{feff}').trim().to_owned()
}

/// Whether a text holds a long run of digits (an ID or phone number, say).
pub(super) fn looks_like_data(text: &str) -> bool {
    text.chars().filter(char::is_ascii_digit).count() >= 6
}

/// The column a header names: Chinese exactly (ignoring whitespace and full-width brackets),
/// English ignoring case.
pub(super) fn column_by_header(header: &str) -> Option<Col> {
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
