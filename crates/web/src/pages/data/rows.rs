//! Records to rows of cells, for the raw-data downloads (CSV and XLSX write the same rows).
//!
//! Responses: one row per response, one column per question with the question's text as its
//! header and the option's label as its value; a multiple choice becomes one 0/1 column per
//! option (`question：label`), as SPSS and Stata want, blank when the question was not asked.
//! The head of household's name is masked unless the caller asked for it and may see it.

use crate::i18n::data::ZH_CN as D;
use chrono::{DateTime, Utc};
use fieldcheck_domain::ChecklistAnswer;
use fieldcheck_domain::questionnaire::{QuestionKind, Questionnaire};
use fieldcheck_store::fieldwork::{HouseholdLabel, Response};
use fieldcheck_store::photos::Photo;
use fieldcheck_store::sync::{CHECKLIST_ITEMS, Visit};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// Nothing (not asked, not known).
    Empty,
    /// Text.
    Text(String),
    /// A number (XLSX writes it as one).
    Number(f64),
}

impl Cell {
    /// As CSV writes it.
    pub(crate) fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
        }
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_text(s: Option<impl Into<String>>) -> Cell {
    s.map_or(Cell::Empty, text)
}

fn time(t: DateTime<Utc>) -> Cell {
    text(t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A name masked as the pages show names to those who may not see them: the first character,
/// then one `*` per further character.
pub(crate) fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

/// What the rows of one download point to, looked up once per page of records.
#[derive(Default)]
pub(crate) struct Labels {
    /// Households by id.
    pub households: HashMap<Uuid, HouseholdLabel>,
    /// Assessees' names by id.
    pub assessees: HashMap<Uuid, String>,
    /// User names by id.
    pub users: HashMap<Uuid, String>,
    /// Whether the heads' names are shown in clear.
    pub names_in_clear: bool,
}

impl Labels {
    fn household(&self, id: Uuid) -> (Cell, Cell, Cell, Cell) {
        match self.households.get(&id) {
            Some(h) => (
                text(&h.registration_no),
                text(&h.district_code),
                text(&h.village),
                text(if self.names_in_clear {
                    h.head_name.clone()
                } else {
                    mask_name(&h.head_name)
                }),
            ),
            None => (Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty),
        }
    }

    fn user(&self, id: Uuid) -> Cell {
        text(
            self.users
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string()),
        )
    }
}

fn kind_name(k: &QuestionKind) -> &'static str {
    match k {
        QuestionKind::SingleChoice { .. } => D.kinds[0],
        QuestionKind::MultipleChoice { .. } => D.kinds[1],
        QuestionKind::Scale { .. } => D.kinds[2],
        QuestionKind::Number { .. } => D.kinds[3],
        QuestionKind::Text { .. } => D.kinds[4],
    }
}

fn option_column(question: &str, label: &str) -> String {
    format!("{question}：{label}")
}

/// The columns of a questionnaire version's responses.
pub(crate) struct ResponseTable<'a> {
    q: &'a Questionnaire,
}

impl<'a> ResponseTable<'a> {
    /// For responses to `q`.
    pub(crate) fn new(q: &'a Questionnaire) -> Self {
        ResponseTable { q }
    }

    /// The header row.
    pub(crate) fn headers(&self) -> Vec<String> {
        let mut h: Vec<String> = [
            D.col_response,
            D.col_registration_no,
            D.col_district,
            D.col_village,
            D.col_head,
            D.col_assessees,
            D.col_surveyor,
            D.col_received,
            D.col_status,
            D.col_satisfied,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for q in &self.q.questions {
            match &q.kind {
                QuestionKind::MultipleChoice { options, .. } => {
                    h.extend(options.iter().map(|o| option_column(&q.text, &o.label)));
                }
                _ => h.push(q.text.clone()),
            }
        }
        h
    }

    /// One response's row.
    pub(crate) fn row(&self, r: &Response, labels: &Labels) -> Vec<Cell> {
        let (reg, district, village, head) = labels.household(r.household_id);
        let mut assessees: Vec<String> = r
            .assessee_ids
            .iter()
            .map(|a| {
                labels
                    .assessees
                    .get(a)
                    .cloned()
                    .unwrap_or_else(|| a.to_string())
            })
            .collect();
        assessees.sort();
        let mut row = vec![
            text(r.id.to_string()),
            reg,
            district,
            village,
            head,
            text(assessees.join("；")),
            labels.user(r.user_id),
            time(r.created_at),
            text(&r.status),
            match r.satisfied {
                Some(true) => text(D.yes),
                Some(false) => text(D.no),
                None => Cell::Empty,
            },
        ];
        for q in &self.q.questions {
            let answer = r.answers.get(&q.id).filter(|v| !v.is_null());
            match &q.kind {
                QuestionKind::SingleChoice { options } => row.push(match answer {
                    None => Cell::Empty,
                    Some(v) => {
                        let raw = scalar(v);
                        text(
                            options
                                .iter()
                                .find(|o| o.value == raw)
                                .map_or(raw, |o| o.label.clone()),
                        )
                    }
                }),
                QuestionKind::MultipleChoice { options, .. } => {
                    let selected: Vec<String> = match answer {
                        Some(Value::Array(a)) => a.iter().map(scalar).collect(),
                        _ => Vec::new(),
                    };
                    for o in options {
                        row.push(match answer {
                            None => Cell::Empty,
                            Some(_) => {
                                Cell::Number(f64::from(u8::from(selected.contains(&o.value))))
                            }
                        });
                    }
                }
                QuestionKind::Scale { .. } | QuestionKind::Number { .. } => {
                    row.push(match answer.and_then(Value::as_f64) {
                        Some(n) => Cell::Number(n),
                        None => opt_text(answer.map(scalar)),
                    })
                }
                QuestionKind::Text { .. } => row.push(opt_text(answer.map(scalar))),
            }
        }
        row
    }

    /// The codebook's header row.
    pub(crate) fn codebook_headers() -> Vec<String> {
        [
            D.cb_code,
            D.cb_text,
            D.cb_kind,
            D.cb_column,
            D.cb_value,
            D.cb_label,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    /// The codebook: a line per option of each choice question (with the data column it
    /// lands in), a line per other question.
    pub(crate) fn codebook(&self) -> Vec<Vec<Cell>> {
        let mut out = Vec::new();
        for q in &self.q.questions {
            let kind = kind_name(&q.kind);
            match &q.kind {
                QuestionKind::SingleChoice { options } => {
                    for o in options {
                        out.push(vec![
                            text(&q.id),
                            text(&q.text),
                            text(kind),
                            text(&q.text),
                            text(&o.value),
                            text(&o.label),
                        ]);
                    }
                }
                QuestionKind::MultipleChoice { options, .. } => {
                    for o in options {
                        out.push(vec![
                            text(&q.id),
                            text(&q.text),
                            text(kind),
                            text(option_column(&q.text, &o.label)),
                            text(&o.value),
                            text(format!("{}（1={}，0={}）", o.label, D.yes, D.no)),
                        ]);
                    }
                }
                QuestionKind::Scale { min, max, .. } => out.push(vec![
                    text(&q.id),
                    text(&q.text),
                    text(kind),
                    text(&q.text),
                    text(format!("{min}–{max}")),
                    Cell::Empty,
                ]),
                _ => out.push(vec![
                    text(&q.id),
                    text(&q.text),
                    text(kind),
                    text(&q.text),
                    Cell::Empty,
                    Cell::Empty,
                ]),
            }
        }
        out
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The header row of visits.
pub(crate) fn visit_headers() -> Vec<String> {
    let mut h: Vec<String> = [
        D.col_visit,
        D.col_registration_no,
        D.col_district,
        D.col_village,
        D.col_head,
        D.col_inspector,
        D.col_started,
        D.col_status,
        D.col_lat,
        D.col_lon,
        D.col_accuracy,
        D.col_mock,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    h.extend(D.checklist.iter().map(|s| (*s).to_owned()));
    h.push(D.col_notes.to_owned());
    h
}

/// One visit's row: a column per checklist item. The device's position only for the roles that
/// see where photos were taken (`locations`), as the API decides for photos.
pub(crate) fn visit_row(v: &Visit, labels: &Labels, locations: bool) -> Vec<Cell> {
    let (reg, district, village, head) = labels.household(v.household_id);
    let fix = v.location.as_ref().filter(|_| locations);
    let mut row = vec![
        text(v.id.to_string()),
        reg,
        district,
        village,
        head,
        labels.user(v.user_id),
        time(v.started_at),
        text(&v.status),
        fix.map_or(Cell::Empty, |f| Cell::Number(f.lat)),
        fix.map_or(Cell::Empty, |f| Cell::Number(f.lon)),
        fix.and_then(|f| f.accuracy_m)
            .map_or(Cell::Empty, Cell::Number),
        match v.location.as_ref() {
            Some(f) => text(if f.mock_location { D.yes } else { D.no }),
            None => Cell::Empty,
        },
    ];
    for item in CHECKLIST_ITEMS {
        let answer = v.checklist.get(item).and_then(Value::as_str).map(|a| {
            match ChecklistAnswer::parse(a) {
                Some(ChecklistAnswer::Yes) => D.checklist_answers[0].to_owned(),
                Some(ChecklistAnswer::No) => D.checklist_answers[1].to_owned(),
                Some(ChecklistAnswer::NotApplicable) => D.checklist_answers[2].to_owned(),
                None => a.to_owned(),
            }
        });
        row.push(opt_text(answer));
    }
    row.push(opt_text(v.notes.clone()));
    row
}

/// The header row of photos.
pub(crate) fn photo_headers() -> Vec<String> {
    [
        D.col_photo,
        D.col_registration_no,
        D.col_district,
        D.col_village,
        D.col_taken,
        D.col_lat,
        D.col_lon,
        D.col_distance,
        D.col_flags,
        D.col_review,
        D.col_reason,
        D.col_sha256,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// One photo's row; its position is already left out by the store for roles that may not see it.
pub(crate) fn photo_row(p: &Photo, labels: &Labels) -> Vec<Cell> {
    let (reg, district, village, _) = labels.household(p.household_id);
    let flags: Vec<&str> = p
        .flags
        .iter()
        .map(|f| crate::i18n::flag_label(*f))
        .collect();
    vec![
        text(p.id.to_string()),
        reg,
        district,
        village,
        time(p.taken_at),
        p.exif_position.map_or(Cell::Empty, |g| Cell::Number(g.lat)),
        p.exif_position.map_or(Cell::Empty, |g| Cell::Number(g.lon)),
        p.distance_to_household_m
            .map_or(Cell::Empty, |d| Cell::Number(d.round())),
        text(flags.join("；")),
        text(&p.review_status),
        opt_text(p.review_reason.clone()),
        text(&p.sha256),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use fieldcheck_domain::questionnaire::default_questionnaire;
    use serde_json::json;

    fn response(answers: Value, household: Uuid) -> Response {
        Response {
            id: Uuid::nil(),
            cycle_id: Uuid::nil(),
            questionnaire_id: Uuid::nil(),
            household_id: household,
            plan_id: None,
            person_id: None,
            assessee_ids: vec![Uuid::from_u128(2), Uuid::from_u128(1)],
            user_id: Uuid::from_u128(9),
            answers,
            satisfied: Some(true),
            status: "submitted".into(),
            review_comments: None,
            version: 1,
            created_at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            updated_at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
        }
    }

    fn labels(h: Uuid, clear: bool) -> Labels {
        Labels {
            households: HashMap::from([(
                h,
                HouseholdLabel {
                    registration_no: "460106-0001".into(),
                    village_id: Uuid::nil(),
                    village: "新坡村".into(),
                    district_code: "460106".into(),
                    head_name: "王小明".into(),
                },
            )]),
            assessees: HashMap::from([
                (Uuid::from_u128(1), "龙华区人民政府".into()),
                (Uuid::from_u128(2), "李四".into()),
            ]),
            users: HashMap::from([(Uuid::from_u128(9), "surveyor1".into())]),
            names_in_clear: clear,
        }
    }

    #[test]
    fn names_are_masked_character_by_character() {
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name(" 李 "), "李");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn a_response_row_has_question_texts_as_headers_and_labels_as_values() {
        let q = default_questionnaire().unwrap();
        let t = ResponseTable::new(&q);
        let headers = t.headers();
        let h = Uuid::from_u128(7);
        let r = response(
            json!({ "overall": "very", "visited": "no", "knows_contact": "yes",
                    "measures": ["industry", "housing"], "income_change": "up", "guarantees": 4 }),
            h,
        );
        let row = t.row(&r, &labels(h, false));
        assert_eq!(headers.len(), row.len());
        let at = |header: &str| {
            let i = headers
                .iter()
                .position(|x| x == header)
                .unwrap_or_else(|| panic!("{header} in {headers:?}"));
            row[i].clone()
        };
        assert_eq!(at("您对本地的脱贫攻坚帮扶工作满意吗？"), text("很满意"));
        assert_eq!(at("今年帮扶责任人是否到您家走访过？"), text("否"));
        // Not asked: blank, not zero.
        assert_eq!(at("今年帮扶责任人到您家走访了几次？"), Cell::Empty);
        assert_eq!(
            at("哪些帮扶措施对您家帮助最大？（可多选）：产业扶贫"),
            Cell::Number(1.0)
        );
        assert_eq!(
            at("哪些帮扶措施对您家帮助最大？（可多选）：住房安全"),
            Cell::Number(1.0)
        );
        assert_eq!(
            at("哪些帮扶措施对您家帮助最大？（可多选）：就业扶贫"),
            Cell::Number(0.0)
        );
        assert_eq!(at(q.questions[6].text.as_str()), Cell::Number(4.0));
        assert_eq!(at("户主"), text("王**"));
        assert_eq!(at("被考核对象"), text("李四；龙华区人民政府"));
        assert_eq!(at("调查员"), text("surveyor1"));
        assert_eq!(at("户编号"), text("460106-0001"));
        assert_eq!(at("接收时间(UTC)").to_text(), "2025-11-24 16:00:00");
        let clear = t.row(&r, &labels(h, true));
        assert!(clear.contains(&text("王小明")));
        // A multiple choice not answered at all is blank in each of its columns.
        let none = t.row(&response(json!({ "overall": "no" }), h), &labels(h, false));
        let i = headers
            .iter()
            .position(|x| x.ends_with("：产业扶贫"))
            .unwrap();
        assert_eq!(none[i], Cell::Empty);
    }

    #[test]
    fn the_codebook_lists_every_option_with_its_column() {
        let q = default_questionnaire().unwrap();
        let t = ResponseTable::new(&q);
        let cb = t.codebook();
        let headers = t.headers();
        for line in &cb {
            assert!(headers.contains(&line[3].to_text()), "{line:?}");
        }
        assert!(
            cb.iter()
                .any(|l| l[0] == text("overall") && l[4] == text("no") && l[5] == text("不满意"))
        );
        assert_eq!(cb.iter().filter(|l| l[0] == text("measures")).count(), 6);
    }

    #[test]
    fn a_visit_row_has_a_column_per_checklist_item_and_hides_positions() {
        let h = Uuid::from_u128(7);
        let v = Visit {
            id: Uuid::nil(),
            household_id: h,
            user_id: Uuid::from_u128(9),
            device_id: "d".into(),
            started_at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            location: Some(fieldcheck_store::sync::DeviceFix {
                lat: 19.9,
                lon: 110.3,
                accuracy_m: Some(8.0),
                mock_location: false,
            }),
            checklist: json!({ "food": "yes", "housing": "no", "education": "na" }),
            notes: None,
            status: "submitted".into(),
            review_comments: None,
            clock_skew_secs: None,
            version: 1,
            received_at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            updated_at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
        };
        let headers = visit_headers();
        let row = visit_row(&v, &labels(h, false), false);
        assert_eq!(headers.len(), row.len());
        let at = |k: &str| row[headers.iter().position(|x| x == k).unwrap()].clone();
        assert_eq!(at("不愁吃"), text("有保障"));
        assert_eq!(at("住房安全"), text("未保障"));
        assert_eq!(at("义务教育"), text("不适用"));
        assert_eq!(at("不愁穿"), Cell::Empty);
        assert_eq!(at("纬度"), Cell::Empty);
        assert_eq!(at("户主"), text("王**"));
        let seen = visit_row(&v, &labels(h, false), true);
        assert_eq!(
            seen[headers.iter().position(|x| x == "纬度").unwrap()],
            Cell::Number(19.9)
        );
    }
}
