//! Checking one row: parsing its cells into household, member, plan and measure fields.

use super::RowError;
use super::columns::{Col, column_def};
use fieldcheck_domain::{
    GeoPoint, HouseholdStatus, MeasureKind, MeasureStatus, NationalId, ValidationErrors, validation,
};
use std::collections::BTreeMap;

/// One cell's checked value.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Fv<T> {
    /// The column is not in the file: leave the stored value alone.
    Absent,
    /// The value is wrong (already reported).
    Bad,
    /// The value (`None`-like blank for optional fields).
    Val(T),
}

impl<T: PartialEq> Fv<T> {
    /// Whether two rows agree, as far as both are known.
    pub(super) fn agrees(&self, other: &Fv<T>) -> bool {
        match (self, other) {
            (Fv::Val(a), Fv::Val(b)) => a == b,
            (Fv::Bad, _) | (_, Fv::Bad) => true,
            (Fv::Absent, Fv::Absent) => true,
            _ => false,
        }
    }

    pub(super) fn val(&self) -> Option<&T> {
        match self {
            Fv::Val(v) => Some(v),
            _ => None,
        }
    }
}

/// The household-level fields of one row; rows of one household must agree on all of them.
#[derive(Clone, Debug)]
pub(super) struct HhFields {
    pub(super) village_code: Fv<String>,
    pub(super) head_name: Fv<String>,
    pub(super) phone: Fv<Option<String>>,
    pub(super) address: Fv<Option<String>>,
    pub(super) location: Fv<Option<GeoPoint>>,
    pub(super) status: Fv<Option<HouseholdStatus>>,
    pub(super) exit_year: Fv<Option<i32>>,
    pub(super) unit: Fv<Option<String>>,
    pub(super) person: Fv<Option<String>>,
    pub(super) person_phone: Fv<Option<String>>,
}

#[derive(Clone, Debug)]
pub(super) struct MemberIn {
    pub(super) name: String,
    pub(super) relation: String,
    /// The number and its keyed index.
    pub(super) id: Option<(NationalId, String)>,
}

#[derive(Clone, Debug)]
pub(super) struct MeasureIn {
    pub(super) year: i32,
    pub(super) kind: MeasureKind,
    pub(super) description: String,
    pub(super) budget_fen: Option<i64>,
    pub(super) status: Option<MeasureStatus>,
}

pub(super) struct RowIn {
    pub(super) line: usize,
    pub(super) reg: Option<String>,
    pub(super) hh: HhFields,
    pub(super) member: Option<MemberIn>,
    pub(super) measure: Option<MeasureIn>,
}

pub(super) struct Checker<'a> {
    pub(super) labels: &'a BTreeMap<Col, String>,
    pub(super) errors: Vec<RowError>,
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
    pub(super) fn label(&self, c: Col) -> String {
        match (self.labels.get(&c), column_def(c)) {
            (Some(l), _) => l.clone(),
            (None, Some(d)) => d
                .chinese
                .first()
                .map_or_else(|| d.english.to_owned(), |z| (*z).to_owned()),
            (None, None) => String::new(),
        }
    }

    pub(super) fn add(&mut self, line: usize, c: Col, reason: impl Into<String>) {
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

    pub(super) fn row(
        &mut self,
        pii: &crate::PiiCipher,
        line: usize,
        row: &BTreeMap<Col, String>,
    ) -> RowIn {
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
