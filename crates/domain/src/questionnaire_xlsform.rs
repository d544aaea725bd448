//! XLSForm (the ODK / KoboToolbox spreadsheet format) → a fieldcheck [`Questionnaire`]: a pure
//! function over the rows of the `survey`, `choices` and (optional) `settings` sheets, each row
//! a list of cell texts, the first row the header.
//!
//! Supported: `select_one <list>`, `select_multiple <list>`, `integer`, `decimal`, `text`,
//! `range` (whole steps of 1, read as a scale), the columns `name`, `label` (or
//! `label::<language>`, a Chinese one preferred), `required`, `relevant` of the forms
//! `${q} = 'x'`, `${q} = 3` and `selected(${q}, 'x')`. Metadata rows (`start`, `end`, `today`,
//! `deviceid`, …) are skipped, as the phone records those itself. Anything else (groups, repeats,
//! `calculate`, notes, dates, locations, other expressions) is refused with the row and what
//! was not understood. fieldcheck's own notions travel in extra columns that ODK tools ignore:
//! `satisfaction` (survey: `yes` on the one question that decides satisfaction),
//! `satisfied_from` (survey, for a range) and `satisfied` (choices: `yes`/`no`).
//!
//! The result is not validated here: the office checks it in the editor, where
//! [`Questionnaire::validate_definition`]'s errors are shown beside each question.

use crate::questionnaire::{Choice, Condition, Question, QuestionKind, Questionnaire};
use serde_json::Value;
use std::collections::HashMap;

/// The sheets of an XLSForm, as rows of cell texts (header first).
#[derive(Clone, Debug, Default)]
pub struct XlsForm {
    /// The `survey` sheet.
    pub survey: Vec<Vec<String>>,
    /// The `choices` sheet.
    pub choices: Vec<Vec<String>>,
    /// The `settings` sheet, if any (`form_id`, `form_title`).
    pub settings: Vec<Vec<String>>,
}

/// Why a row could not be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XlsFormError {
    /// `survey`, `choices` or `settings`.
    pub sheet: &'static str,
    /// Row number as the spreadsheet shows it (the header is row 1); 0 for the sheet as a whole.
    pub row: usize,
    /// What was wrong, naming the type or expression.
    pub message: String,
}

impl std::fmt::Display for XlsFormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(f, "{}: {}", self.sheet, self.message)
        } else {
            write!(f, "{} row {}: {}", self.sheet, self.row, self.message)
        }
    }
}

/// Types whose values the phone records by itself: skipped.
const METADATA: &[&str] = &[
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
];

/// The code used when the form has no `settings` sheet with a `form_id`.
pub const DEFAULT_CODE: &str = "satisfaction";

struct Sheet<'a> {
    name: &'static str,
    columns: HashMap<String, usize>,
    label: Option<usize>,
    rows: &'a [Vec<String>],
}

impl<'a> Sheet<'a> {
    fn new(name: &'static str, rows: &'a [Vec<String>]) -> Sheet<'a> {
        let header = rows.first().map(Vec::as_slice).unwrap_or_default();
        let mut columns = HashMap::new();
        let mut labels: Vec<(usize, String)> = Vec::new();
        for (i, h) in header.iter().enumerate() {
            let h = h.trim().to_lowercase();
            if h == "label" || h.starts_with("label::") {
                labels.push((i, h.clone()));
            }
            columns.entry(h).or_insert(i);
        }
        let chinese = |h: &str| {
            let lang = h.trim_start_matches("label::");
            lang.contains("chinese") || lang.contains("中文") || lang.starts_with("zh")
        };
        let label = labels
            .iter()
            .find(|(_, h)| chinese(h))
            .or_else(|| labels.iter().find(|(_, h)| h == "label"))
            .or(labels.first())
            .map(|(i, _)| *i);
        Sheet {
            name,
            columns,
            label,
            rows,
        }
    }

    /// Data rows with their spreadsheet row number, blank rows left out.
    fn data(&self) -> impl Iterator<Item = (usize, &'a Vec<String>)> {
        self.rows
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
            .map(|(i, r)| (i + 1, r))
    }

    fn cell<'r>(&self, row: &'r [String], column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|i| row.get(*i))
            .map_or("", |s| s.trim())
    }

    fn label<'r>(&self, row: &'r [String]) -> &'r str {
        self.label.and_then(|i| row.get(i)).map_or("", |s| s.trim())
    }
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "no" | "false" | "false()" | "0" | "否" => Some(false),
        "yes" | "true" | "true()" | "1" | "是" => Some(true),
        _ => None,
    }
}

/// Converts the sheets; every problem is reported, not only the first.
pub fn from_xlsform(form: &XlsForm) -> Result<Questionnaire, Vec<XlsFormError>> {
    let mut errors = Vec::new();
    let mut err = |sheet: &'static str, row: usize, message: String| {
        errors.push(XlsFormError {
            sheet,
            row,
            message,
        })
    };
    let survey = Sheet::new("survey", &form.survey);
    let choices = Sheet::new("choices", &form.choices);
    let settings = Sheet::new("settings", &form.settings);
    for (sheet, needed) in [
        (&survey, &["type", "name"][..]),
        (&choices, &["list_name", "name"][..]),
    ] {
        if sheet.rows.is_empty() && sheet.name == "choices" {
            continue;
        }
        for c in needed {
            if !sheet.columns.contains_key(*c) {
                err(sheet.name, 0, format!("no `{c}` column"));
            }
        }
        if sheet.label.is_none() {
            err(sheet.name, 0, "no `label` column".into());
        }
    }
    if survey.rows.is_empty() {
        err("survey", 0, "the `survey` sheet is missing or empty".into());
    }

    // Choice lists, in sheet order.
    let mut lists: HashMap<String, Vec<Choice>> = HashMap::new();
    for (row, cells) in choices.data() {
        let list = choices.cell(cells, "list_name");
        let satisfied = match yes_no(choices.cell(cells, "satisfied")) {
            Some(s) => (!choices.cell(cells, "satisfied").is_empty()).then_some(s),
            None => {
                err(
                    "choices",
                    row,
                    format!(
                        "`satisfied` is `{}`, expected yes or no",
                        choices.cell(cells, "satisfied")
                    ),
                );
                None
            }
        };
        lists.entry(list.to_owned()).or_default().push(Choice {
            value: choices.cell(cells, "name").to_owned(),
            label: choices.label(cells).to_owned(),
            satisfied,
        });
    }

    let mut questions: Vec<Question> = Vec::new();
    for (row, cells) in survey.data() {
        let ty = survey.cell(cells, "type");
        let mut words = ty.split_whitespace();
        let base = words.next().unwrap_or_default().to_lowercase();
        let rest: Vec<&str> = words.collect();
        if METADATA.contains(&base.as_str()) {
            continue;
        }
        let name = survey.cell(cells, "name").to_owned();
        let list = |errs: &mut dyn FnMut(&'static str, usize, String)| -> Vec<Choice> {
            match rest.as_slice() {
                [l] => lists.get(*l).cloned().unwrap_or_else(|| {
                    errs("survey", row, format!("no choice list `{l}` in `choices`"));
                    Vec::new()
                }),
                _ => {
                    errs(
                        "survey",
                        row,
                        format!(
                            "unsupported type `{ty}` (one list name after select_one / select_multiple)"
                        ),
                    );
                    Vec::new()
                }
            }
        };
        let kind = match base.as_str() {
            "select_one" => QuestionKind::SingleChoice {
                options: list(&mut err),
            },
            "select_multiple" => QuestionKind::MultipleChoice {
                options: list(&mut err),
                min_selected: None,
                max_selected: None,
            },
            "integer" | "decimal" => QuestionKind::Number {
                min: None,
                max: None,
                integer: base == "integer",
            },
            "text" => QuestionKind::Text { max_chars: 500 },
            "range" => match range(survey.cell(cells, "parameters")) {
                Ok((min, max)) => {
                    let from = survey.cell(cells, "satisfied_from");
                    let satisfied_from = if from.is_empty() {
                        None
                    } else if let Ok(v) = from.parse::<i32>() {
                        Some(v)
                    } else {
                        err(
                            "survey",
                            row,
                            format!("`satisfied_from` `{from}` is not a whole number"),
                        );
                        None
                    };
                    QuestionKind::Scale {
                        min,
                        max,
                        satisfied_from,
                    }
                }
                Err(m) => {
                    err("survey", row, m);
                    continue;
                }
            },
            "" => {
                err("survey", row, "no type".into());
                continue;
            }
            _ => {
                err(
                    "survey",
                    row,
                    format!(
                        "unsupported type `{ty}` (fieldcheck takes select_one, select_multiple, integer, decimal, text and range)"
                    ),
                );
                continue;
            }
        };
        if !rest.is_empty() && !base.starts_with("select_") {
            err("survey", row, format!("unsupported type `{ty}`"));
        }
        let required = match yes_no(survey.cell(cells, "required")) {
            Some(r) => r,
            None => {
                err(
                    "survey",
                    row,
                    format!(
                        "`required` is `{}`, expected yes or no",
                        survey.cell(cells, "required")
                    ),
                );
                false
            }
        };
        let satisfaction = yes_no(survey.cell(cells, "satisfaction")).unwrap_or_else(|| {
            err("survey", row, "`satisfaction` is neither yes nor no".into());
            false
        });
        let show_if = match survey.cell(cells, "relevant") {
            "" => None,
            expr => match relevant(expr, &questions) {
                Ok(c) => Some(c),
                Err(m) => {
                    err("survey", row, m);
                    None
                }
            },
        };
        for column in ["constraint", "calculation", "repeat_count", "choice_filter"] {
            let v = survey.cell(cells, column);
            if !v.is_empty() {
                err("survey", row, format!("unsupported `{column}` `{v}`"));
            }
        }
        questions.push(Question {
            id: name,
            text: survey.label(cells).to_owned(),
            kind,
            required,
            satisfaction,
            show_if,
        });
    }

    let mut code = DEFAULT_CODE.to_owned();
    let mut title = String::new();
    if let Some((_, cells)) = settings.data().next() {
        let id = settings.cell(cells, "form_id");
        if !id.is_empty() {
            code = id.to_owned();
        }
        title = settings.cell(cells, "form_title").to_owned();
    }
    if title.is_empty() {
        title = code.clone();
    }
    if errors.is_empty() {
        Ok(Questionnaire {
            code,
            version: 1,
            title,
            questions,
        })
    } else {
        Err(errors)
    }
}

/// `start=1 end=5 step=1` → (1, 5); only whole steps of 1 make a scale.
fn range(parameters: &str) -> Result<(i32, i32), String> {
    let (mut start, mut end, mut step) = (None, None, 1.0f64);
    for p in parameters.split_whitespace() {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("unsupported range parameter `{p}`"))?;
        let n: f64 = v
            .parse()
            .map_err(|_| format!("range parameter `{p}` is not a number"))?;
        match k {
            "start" => start = Some(n),
            "end" => end = Some(n),
            "step" => step = n,
            _ => return Err(format!("unsupported range parameter `{p}`")),
        }
    }
    let whole = |x: f64| x.fract() == 0.0 && x.abs() < 1.0e9;
    match (start, end) {
        (Some(s), Some(e)) if step == 1.0 && whole(s) && whole(e) => Ok((s as i32, e as i32)),
        _ => Err(format!(
            "unsupported range `{parameters}` (a scale needs whole start and end and step=1)"
        )),
    }
}

/// `${q} = 'x'`, `${q} = 3` or `selected(${q}, 'x')` → a condition on an earlier question.
fn relevant(expr: &str, earlier: &[Question]) -> Result<Condition, String> {
    let unsupported = || {
        format!(
            "unsupported relevant `{expr}` (fieldcheck takes ${{q}} = 'x' or selected(${{q}}, 'x'))"
        )
    };
    let e = expr.trim();
    let (question, literal) = if let Some(inner) = e
        .strip_prefix("selected(")
        .and_then(|r| r.trim_end().strip_suffix(')'))
    {
        let (q, v) = inner.split_once(',').ok_or_else(unsupported)?;
        (reference(q).ok_or_else(unsupported)?, v.trim())
    } else {
        let (q, v) = e.split_once('=').ok_or_else(unsupported)?;
        if q.ends_with(['!', '<', '>']) {
            return Err(unsupported());
        }
        (reference(q).ok_or_else(unsupported)?, v.trim())
    };
    let text = literal
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| literal.strip_prefix('"').and_then(|v| v.strip_suffix('"')));
    let numeric_target = earlier.iter().any(|q| {
        q.id == question
            && matches!(
                q.kind,
                QuestionKind::Number { .. } | QuestionKind::Scale { .. }
            )
    });
    let equals = match text {
        Some(t) if t.contains(['\'', '"']) => return Err(unsupported()),
        Some(t) if numeric_target => number(t).unwrap_or_else(|| Value::String(t.to_owned())),
        Some(t) => Value::String(t.to_owned()),
        None => number(literal).ok_or_else(unsupported)?,
    };
    Ok(Condition { question, equals })
}

fn reference(s: &str) -> Option<String> {
    let name = s.trim().strip_prefix("${")?.strip_suffix('}')?;
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    .then(|| name.to_owned())
}

fn number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::from(i));
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter()
            .map(|row| row.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    fn choices() -> Vec<Vec<String>> {
        rows(&[
            &[
                "list_name",
                "name",
                "label::Chinese (zh)",
                "label::English (en)",
                "satisfied",
            ],
            &["sat", "very", "很满意", "Very", "yes"],
            &["sat", "no", "不满意", "No", "no"],
            &["yn", "yes", "是", "Yes", ""],
            &["yn", "no", "否", "No", ""],
        ])
    }

    fn form(survey: &[&[&str]]) -> XlsForm {
        XlsForm {
            survey: rows(survey),
            choices: choices(),
            settings: Vec::new(),
        }
    }

    const HEADER: &[&str] = &[
        "type",
        "name",
        "label::English (en)",
        "label::Chinese (zh)",
        "required",
        "relevant",
        "satisfaction",
        "parameters",
    ];

    #[test]
    fn every_supported_type_converts() {
        let f = XlsForm {
            settings: rows(&[&["form_id", "form_title"], &["sat_2027", "满意度调查"]]),
            ..form(&[
                HEADER,
                &["start", "start", "", "", "", "", "", ""],
                &[
                    "select_one sat",
                    "overall",
                    "Satisfied?",
                    "满意吗？",
                    "yes",
                    "",
                    "yes",
                    "",
                ],
                &["select_multiple yn", "many", "", "多选", "", "", "", ""],
                &["integer", "count", "", "次数", "true()", "", "", ""],
                &["decimal", "income", "", "收入", "no", "", "", ""],
                &["text", "why", "", "原因", "", "", "", ""],
                &[
                    "range",
                    "trust",
                    "",
                    "信心",
                    "",
                    "",
                    "",
                    "start=1 end=5 step=1",
                ],
                &["", "", "", "", "", "", "", ""],
            ])
        };
        let q = from_xlsform(&f).unwrap();
        assert_eq!(
            (q.code.as_str(), q.title.as_str()),
            ("sat_2027", "满意度调查")
        );
        let kinds: Vec<_> = q.questions.iter().map(|q| q.kind.clone()).collect();
        assert_eq!(
            q.questions.len(),
            6,
            "the metadata and blank rows are skipped"
        );
        assert_eq!(
            q.questions[0].text, "满意吗？",
            "the Chinese label is preferred"
        );
        assert!(q.questions[0].required && q.questions[0].satisfaction);
        assert_eq!(
            kinds[0],
            QuestionKind::SingleChoice {
                options: vec![
                    Choice {
                        value: "very".into(),
                        label: "很满意".into(),
                        satisfied: Some(true)
                    },
                    Choice {
                        value: "no".into(),
                        label: "不满意".into(),
                        satisfied: Some(false)
                    },
                ]
            }
        );
        assert!(
            matches!(&kinds[1], QuestionKind::MultipleChoice { options, .. } if options.len() == 2 && options[0].satisfied.is_none())
        );
        assert_eq!(
            kinds[2],
            QuestionKind::Number {
                min: None,
                max: None,
                integer: true
            }
        );
        assert!(q.questions[2].required && !q.questions[3].required);
        assert_eq!(
            kinds[3],
            QuestionKind::Number {
                min: None,
                max: None,
                integer: false
            }
        );
        assert_eq!(kinds[4], QuestionKind::Text { max_chars: 500 });
        assert_eq!(
            kinds[5],
            QuestionKind::Scale {
                min: 1,
                max: 5,
                satisfied_from: None
            }
        );
        q.validate_definition().unwrap();
    }

    #[test]
    fn relevant_expressions_become_conditions() {
        let f = form(&[
            HEADER,
            &[
                "select_one yn",
                "visited",
                "",
                "走访过吗",
                "yes",
                "",
                "",
                "",
            ],
            &["integer", "n", "", "几次", "", "${visited} = 'yes'", "", ""],
            &["select_multiple yn", "m", "", "多选", "", "${n}=3", "", ""],
            &[
                "text",
                "t",
                "",
                "文字",
                "",
                "selected( ${m} , \"no\" )",
                "",
                "",
            ],
            &["text", "u", "", "文字", "", "${n} = '2'", "", ""],
        ]);
        let q = from_xlsform(&f).unwrap();
        let c = |i: usize| q.questions[i].show_if.clone().unwrap();
        assert_eq!(
            c(1),
            Condition {
                question: "visited".into(),
                equals: json!("yes")
            }
        );
        assert_eq!(
            c(2),
            Condition {
                question: "n".into(),
                equals: json!(3)
            }
        );
        assert_eq!(
            c(3),
            Condition {
                question: "m".into(),
                equals: json!("no")
            }
        );
        assert_eq!(
            c(4),
            Condition {
                question: "n".into(),
                equals: json!(2)
            },
            "a number question's quoted value is a number"
        );
    }

    #[test]
    fn unsupported_rows_are_named() {
        let f = form(&[
            HEADER,
            &["begin_group", "g", "", "组", "", "", "", ""],
            &["select_one yn", "a", "", "甲", "", "", "", ""],
            &["calculate", "c", "", "", "", "", "", ""],
            &["text", "b", "", "乙", "", "${a} != 'yes'", "", ""],
            &[
                "text",
                "d",
                "",
                "丙",
                "",
                "${a} = 'yes' and ${b} = 'x'",
                "",
                "",
            ],
            &["select_one nolist", "e", "", "丁", "", "", "", ""],
            &["range", "r", "", "戊", "", "", "", "start=0 end=1 step=0.5"],
            &["text", "f", "", "己", "maybe", "", "", ""],
            &["begin repeat", "rep", "", "", "", "", "", ""],
        ]);
        let e = from_xlsform(&f).unwrap_err();
        let got: Vec<(usize, &str)> = e
            .iter()
            .map(|e| {
                (
                    e.row,
                    e.message.split_whitespace().take(2).last().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(e.len(), 8, "{e:?}");
        assert_eq!(e[0].row, 2);
        assert!(e[0].message.contains("`begin_group`"), "{}", e[0]);
        assert_eq!(e[1].row, 4);
        assert!(e[1].message.contains("`calculate`"));
        assert_eq!(e[2].row, 5);
        assert!(e[2].message.contains("${a} != 'yes'"));
        assert_eq!(e[3].row, 6);
        assert!(e[3].message.contains("and"));
        assert_eq!(e[4].row, 7);
        assert!(e[4].message.contains("nolist"));
        assert_eq!(e[5].row, 8);
        assert!(e[5].message.contains("step=0.5"));
        assert_eq!(e[6].row, 9);
        assert!(e[6].message.contains("maybe"));
        assert_eq!(e[7].row, 10);
        assert!(e[7].message.contains("begin repeat"));
        assert!(got.iter().all(|(r, _)| *r > 0));
        assert_eq!(e[0].to_string(), format!("survey row 2: {}", e[0].message));
    }

    #[test]
    fn missing_columns_and_sheets_are_reported() {
        let f = XlsForm {
            survey: rows(&[&["type", "label"], &["text", "x"]]),
            choices: Vec::new(),
            settings: Vec::new(),
        };
        let e = from_xlsform(&f).unwrap_err();
        assert_eq!(e[0].sheet, "survey");
        assert!(e[0].message.contains("`name`"));
        let e = from_xlsform(&XlsForm::default()).unwrap_err();
        assert!(e.iter().any(|e| e.message.contains("missing or empty")));
    }

    #[test]
    fn without_settings_the_code_is_the_default() {
        let q = from_xlsform(&form(&[
            HEADER,
            &[
                "select_one sat",
                "overall",
                "",
                "满意吗",
                "yes",
                "",
                "yes",
                "",
            ],
        ]))
        .unwrap();
        assert_eq!(q.code, DEFAULT_CODE);
        assert_eq!(q.title, DEFAULT_CODE);
    }
}
