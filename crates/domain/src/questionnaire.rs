//! Versioned satisfaction questionnaires (满意度问卷): the rules a definition must follow, and the
//! server-side check of one household's answers, reported per question.

use crate::{ValidationErrors, validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

// Keeps one response and its error list small enough to show on a phone.
const MAX_QUESTIONS: usize = 200;
// Ids end up in error paths (`answers.<id>`) and export column names, so they stay short and plain.
const MAX_ID_CHARS: usize = 40;

/// A questionnaire; responses keep its `code` and `version`, so a published version is never edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// Stable code, e.g. `satisfaction`.
    pub code: String,
    /// Version of this code, from 1.
    pub version: i32,
    /// Title shown to the surveyor.
    pub title: String,
    /// Questions, in the order they are asked.
    pub questions: Vec<Question>,
}

/// One question.
// No deny_unknown_fields here: serde does not support it together with `flatten`; `QuestionKind`
// rejects the unknown keys instead, since everything not consumed here is passed on to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Id, unique in the questionnaire; answers are keyed by it.
    pub id: String,
    /// The question as read out.
    pub text: String,
    /// What kind of answer it takes, with the kind's settings.
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// Whether a visible question must be answered.
    #[serde(default)]
    pub required: bool,
    /// Whether this is the one question that decides if the household is satisfied.
    #[serde(default)]
    pub satisfaction: bool,
    /// Asked only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
}

/// The kind of answer a question takes (JSON field `type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuestionKind {
    /// Exactly one option.
    SingleChoice {
        /// The options.
        options: Vec<Choice>,
    },
    /// Any number of distinct options, within bounds.
    MultipleChoice {
        /// The options.
        options: Vec<Choice>,
        /// Fewest options a non-empty answer selects.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_selected: Option<usize>,
        /// Most options an answer selects.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_selected: Option<usize>,
    },
    /// A whole number on a scale, e.g. 1 to 5.
    Scale {
        /// Lowest value.
        min: i32,
        /// Highest value.
        max: i32,
        /// Values from this one up count as satisfied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        satisfied_from: Option<i32>,
    },
    /// A number, e.g. a count of visits.
    Number {
        /// Lowest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Highest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        /// Whether only whole numbers are allowed.
        #[serde(default)]
        integer: bool,
    },
    /// Free text.
    Text {
        /// Most characters (not bytes) after trimming.
        #[serde(default = "default_max_chars")]
        max_chars: usize,
    },
}

fn default_max_chars() -> usize {
    500
}

impl QuestionKind {
    fn options(&self) -> Option<&[Choice]> {
        match self {
            QuestionKind::SingleChoice { options }
            | QuestionKind::MultipleChoice { options, .. } => Some(options),
            _ => None,
        }
    }
}

/// One option of a choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored value, unique in its question.
    pub value: String,
    /// Label shown to the surveyor.
    pub label: String,
    /// Whether choosing it means satisfied; set on every option of the satisfaction question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfied: Option<bool>,
}

/// Shows a question only when an earlier question's answer equals `equals`; for a multiple choice,
/// when its selection contains `equals`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Id of the earlier question.
    pub question: String,
    /// The answer (or selected option) that shows the question.
    pub equals: Value,
}

impl Condition {
    fn matches(&self, answer: &Value) -> bool {
        match answer {
            Value::Array(selected) => selected.iter().any(|v| same_value(v, &self.equals)),
            other => same_value(other, &self.equals),
        }
    }
}

// serde_json tells `3` from `3.0`; a surveyor's app may send either for the same answer.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

// Accepts `4.0` as well as `4`, for the same reason as `same_value`.
fn as_integer(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// The outcome of a response that passed [`Questionnaire::check_answers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedResponse {
    /// Whether the household is satisfied; `None` when the satisfaction question was not answered.
    pub satisfied: Option<bool>,
    /// How many visible questions were answered.
    pub answered: usize,
}

enum Outcome {
    Blank,
    Answered { satisfied: Option<bool> },
}

impl Questionnaire {
    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Checks the definition before it is stored: ids, options, ranges, conditions, and the single
    /// satisfaction question.
    pub fn validate_definition(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.code.trim().is_empty() {
            errors.add("code", "required", "a questionnaire has a code");
        }
        if self.version < 1 {
            errors.add("version", "out-of-range", "versions start at 1");
        }
        validation::text(&mut errors, "title", &self.title, 200);
        if self.questions.is_empty() {
            errors.add("questions", "required", "a questionnaire has questions");
        } else if self.questions.len() > MAX_QUESTIONS {
            errors.add(
                "questions",
                "too-many",
                format!("at most {MAX_QUESTIONS} questions"),
            );
        }

        let mut earlier: HashMap<&str, &Question> = HashMap::new();
        let mut satisfaction_at: Option<usize> = None;
        for (qi, q) in self.questions.iter().enumerate() {
            let at = format!("questions[{qi}]");
            check_id(&mut errors, &format!("{at}.id"), &q.id);
            if earlier.contains_key(q.id.as_str()) {
                errors.add(
                    format!("{at}.id"),
                    "duplicate-id",
                    format!("`{}` is the id of an earlier question", q.id),
                );
            }
            validation::text(&mut errors, &format!("{at}.text"), &q.text, 500);
            check_kind(&mut errors, &at, &q.kind);
            if let Some(condition) = &q.show_if {
                self.check_condition(&mut errors, &at, condition, &earlier);
            }
            if q.satisfaction {
                match satisfaction_at {
                    Some(first) => errors.add(
                        format!("{at}.satisfaction"),
                        "duplicate-satisfaction",
                        format!("questions[{first}] already decides satisfaction"),
                    ),
                    None => satisfaction_at = Some(qi),
                }
                check_satisfaction(&mut errors, &at, &q.kind);
            }
            earlier.entry(q.id.as_str()).or_insert(q);
        }
        if satisfaction_at.is_none() && !self.questions.is_empty() {
            errors.add(
                "questions",
                "no-satisfaction-question",
                "exactly one question has `satisfaction: true`",
            );
        }
        errors.into_result()
    }

    fn check_condition(
        &self,
        errors: &mut ValidationErrors,
        at: &str,
        condition: &Condition,
        earlier: &HashMap<&str, &Question>,
    ) {
        let field = format!("{at}.show_if");
        let Some(target) = earlier.get(condition.question.as_str()) else {
            // Only earlier questions may be referenced, which rules out loops.
            if self.question(&condition.question).is_some() {
                errors.add(
                    field,
                    "forward-reference",
                    format!("`{}` is not an earlier question", condition.question),
                );
            } else {
                errors.add(
                    field,
                    "unknown-question",
                    format!("no question `{}`", condition.question),
                );
            }
            return;
        };
        let equals = &condition.equals;
        let fits = match &target.kind {
            QuestionKind::SingleChoice { options }
            | QuestionKind::MultipleChoice { options, .. } => equals
                .as_str()
                .is_some_and(|v| options.iter().any(|o| o.value == v)),
            QuestionKind::Scale { min, max, .. } => {
                as_integer(equals).is_some_and(|v| (i64::from(*min)..=i64::from(*max)).contains(&v))
            }
            QuestionKind::Number { .. } => equals.is_number(),
            QuestionKind::Text { .. } => {
                errors.add(
                    field,
                    "invalid-condition",
                    "a condition refers to a choice, scale or number question",
                );
                return;
            }
        };
        if !fits {
            errors.add(
                field,
                "invalid-value",
                format!("`{equals}` is not a possible answer of `{}`", target.id),
            );
        }
    }

    /// Checks a household's answers, keyed by question id, against this (valid) definition and
    /// reports every problem at once under `answers.<id>`. Visibility follows the question order:
    /// a question is asked when its condition holds on the answers submitted for earlier visible
    /// questions.
    pub fn check_answers(
        &self,
        answers: &Map<String, Value>,
    ) -> Result<CheckedResponse, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut visible_answers: HashMap<&str, &Value> = HashMap::new();
        let mut satisfied = None;
        let mut answered = 0;
        for q in &self.questions {
            let field = format!("answers.{}", q.id);
            // A client may send null for a question it skipped; that is no answer.
            let answer = answers.get(&q.id).filter(|v| !v.is_null());
            let visible = q.show_if.as_ref().is_none_or(|c| {
                visible_answers
                    .get(c.question.as_str())
                    .is_some_and(|a| c.matches(a))
            });
            if !visible {
                if answer.is_some() {
                    errors.add(
                        field,
                        "not-applicable",
                        "the question is not asked given the other answers",
                    );
                }
                continue;
            }
            let Some(answer) = answer else {
                if q.required {
                    errors.add(field, "required", "this question must be answered");
                }
                continue;
            };
            visible_answers.insert(q.id.as_str(), answer);
            match check_answer(&mut errors, &field, &q.kind, answer) {
                Some(Outcome::Blank) if q.required => {
                    errors.add(field, "required", "this question must be answered");
                }
                Some(Outcome::Blank) | None => {}
                Some(Outcome::Answered { satisfied: s }) => {
                    answered += 1;
                    if q.satisfaction {
                        satisfied = s;
                    }
                }
            }
        }
        for id in answers.keys() {
            if self.question(id).is_none() {
                errors.add(
                    format!("answers.{id}"),
                    "unknown-question",
                    "the questionnaire has no such question",
                );
            }
        }
        errors.into_result()?;
        Ok(CheckedResponse {
            satisfied,
            answered,
        })
    }
}

fn check_id(errors: &mut ValidationErrors, field: &str, id: &str) {
    if id.is_empty() {
        errors.add(field, "required", "a question has an id");
    } else if id.chars().count() > MAX_ID_CHARS
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        errors.add(
            field,
            "invalid-id",
            format!("at most {MAX_ID_CHARS} characters of A-Z, a-z, 0-9, _, . and -"),
        );
    }
}

fn check_kind(errors: &mut ValidationErrors, at: &str, kind: &QuestionKind) {
    if let Some(options) = kind.options() {
        if options.is_empty() {
            errors.add(
                format!("{at}.options"),
                "required",
                "a choice question has options",
            );
        }
        for (oi, o) in options.iter().enumerate() {
            let field = format!("{at}.options[{oi}].value");
            if o.value.is_empty() {
                errors.add(field, "required", "an option has a value");
            } else if options[..oi].iter().any(|p| p.value == o.value) {
                errors.add(
                    field,
                    "duplicate-value",
                    format!("`{}` is the value of an earlier option", o.value),
                );
            }
            validation::text(errors, &format!("{at}.options[{oi}].label"), &o.label, 200);
        }
    }
    match kind {
        QuestionKind::MultipleChoice {
            options,
            min_selected,
            max_selected,
        } => {
            if min_selected.is_some_and(|m| m > options.len()) {
                errors.add(
                    format!("{at}.min_selected"),
                    "out-of-range",
                    "more than there are options",
                );
            }
            if *max_selected == Some(0) {
                errors.add(format!("{at}.max_selected"), "out-of-range", "at least 1");
            }
            if let (Some(lo), Some(hi)) = (min_selected, max_selected)
                && lo > hi
            {
                errors.add(
                    format!("{at}.max_selected"),
                    "invalid-range",
                    "not below min_selected",
                );
            }
        }
        QuestionKind::Scale {
            min,
            max,
            satisfied_from,
        } => {
            if min >= max {
                errors.add(format!("{at}.max"), "invalid-range", "above min");
            } else if satisfied_from.is_some_and(|s| s < *min || s > *max) {
                errors.add(
                    format!("{at}.satisfied_from"),
                    "out-of-range",
                    format!("within {min}..={max}"),
                );
            }
        }
        QuestionKind::Number { min, max, .. } => {
            for (name, bound) in [("min", min), ("max", max)] {
                if bound.is_some_and(|b| !b.is_finite()) {
                    errors.add(format!("{at}.{name}"), "out-of-range", "a finite number");
                }
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                errors.add(format!("{at}.max"), "invalid-range", "not below min");
            }
        }
        QuestionKind::Text { max_chars } => {
            if *max_chars == 0 {
                errors.add(format!("{at}.max_chars"), "out-of-range", "at least 1");
            }
        }
        QuestionKind::SingleChoice { .. } => {}
    }
}

fn check_satisfaction(errors: &mut ValidationErrors, at: &str, kind: &QuestionKind) {
    match kind {
        QuestionKind::SingleChoice { options } => {
            for (oi, o) in options.iter().enumerate() {
                if o.satisfied.is_none() {
                    errors.add(
                        format!("{at}.options[{oi}].satisfied"),
                        "required",
                        "every option of the satisfaction question says whether it is satisfied",
                    );
                }
            }
        }
        QuestionKind::Scale { satisfied_from, .. } => {
            if satisfied_from.is_none() {
                errors.add(
                    format!("{at}.satisfied_from"),
                    "required",
                    "the satisfaction scale says from which value on it is satisfied",
                );
            }
        }
        _ => errors.add(
            format!("{at}.satisfaction"),
            "invalid-satisfaction-question",
            "satisfaction is decided by a single choice or a scale",
        ),
    }
}

// Adds the problems of one visible, non-null answer; `None` when there were any.
fn check_answer(
    errors: &mut ValidationErrors,
    field: &str,
    kind: &QuestionKind,
    answer: &Value,
) -> Option<Outcome> {
    let before = errors.0.len();
    let outcome = match kind {
        QuestionKind::SingleChoice { options } => match answer.as_str() {
            None => {
                errors.add(field, "wrong-type", "expected one option value");
                None
            }
            Some(v) => match options.iter().find(|o| o.value == v) {
                Some(o) => Some(Outcome::Answered {
                    satisfied: o.satisfied,
                }),
                None => {
                    errors.add(field, "invalid-choice", format!("`{v}` is not an option"));
                    None
                }
            },
        },
        QuestionKind::MultipleChoice {
            options,
            min_selected,
            max_selected,
        } => check_selection(errors, field, options, *min_selected, *max_selected, answer),
        QuestionKind::Scale {
            min,
            max,
            satisfied_from,
        } => match as_integer(answer) {
            None => {
                errors.add(field, "wrong-type", "expected a whole number");
                None
            }
            Some(v) if v < i64::from(*min) || v > i64::from(*max) => {
                errors.add(field, "out-of-range", format!("within {min}..={max}"));
                None
            }
            Some(v) => Some(Outcome::Answered {
                satisfied: satisfied_from.map(|s| v >= i64::from(s)),
            }),
        },
        QuestionKind::Number { min, max, integer } => match answer.as_f64() {
            Some(v) if v.is_finite() && (!integer || v.fract() == 0.0) => {
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    let lo = min.map_or(String::new(), |m| m.to_string());
                    let hi = max.map_or(String::new(), |m| m.to_string());
                    errors.add(field, "out-of-range", format!("within {lo}..={hi}"));
                    None
                } else {
                    Some(Outcome::Answered { satisfied: None })
                }
            }
            _ => {
                let expected = if *integer {
                    "expected a whole number"
                } else {
                    "expected a number"
                };
                errors.add(field, "wrong-type", expected);
                None
            }
        },
        QuestionKind::Text { max_chars } => match answer.as_str().map(str::trim) {
            None => {
                errors.add(field, "wrong-type", "expected text");
                None
            }
            Some("") => Some(Outcome::Blank),
            Some(t) if t.chars().count() > *max_chars => {
                errors.add(field, "too-long", format!("at most {max_chars} characters"));
                None
            }
            Some(_) => Some(Outcome::Answered { satisfied: None }),
        },
    };
    debug_assert_eq!(outcome.is_none(), errors.0.len() > before);
    outcome
}

fn check_selection(
    errors: &mut ValidationErrors,
    field: &str,
    options: &[Choice],
    min_selected: Option<usize>,
    max_selected: Option<usize>,
    answer: &Value,
) -> Option<Outcome> {
    let Some(items) = answer.as_array() else {
        errors.add(field, "wrong-type", "expected a list of option values");
        return None;
    };
    if items.is_empty() {
        return Some(Outcome::Blank);
    }
    let before = errors.0.len();
    let mut seen: Vec<&str> = Vec::with_capacity(items.len());
    let mut invalid: Vec<String> = Vec::new();
    let mut duplicate = false;
    for item in items {
        match item.as_str() {
            None => invalid.push(item.to_string()),
            Some(v) if !options.iter().any(|o| o.value == v) => invalid.push(format!("`{v}`")),
            Some(v) if seen.contains(&v) => duplicate = true,
            Some(v) => seen.push(v),
        }
    }
    if !invalid.is_empty() {
        errors.add(
            field,
            "invalid-choice",
            format!("not options: {}", invalid.join(", ")),
        );
    }
    if duplicate {
        errors.add(field, "duplicate", "an option is selected more than once");
    }
    if let Some(m) = min_selected.filter(|m| items.len() < *m) {
        errors.add(field, "too-few", format!("at least {m} options"));
    }
    if let Some(m) = max_selected.filter(|m| items.len() > *m) {
        errors.add(field, "too-many", format!("at most {m} options"));
    }
    (errors.0.len() == before).then_some(Outcome::Answered { satisfied: None })
}

/// The default satisfaction questionnaire (贫困户满意度调查), version 1, which the office copies
/// and edits for a new version.
pub const DEFAULT_QUESTIONNAIRE_JSON: &str = r#"{
  "code": "satisfaction",
  "version": 1,
  "title": "贫困户满意度调查",
  "questions": [
    {
      "id": "overall",
      "text": "您对本地的脱贫攻坚帮扶工作满意吗？",
      "type": "single_choice",
      "required": true,
      "satisfaction": true,
      "options": [
        { "value": "very", "label": "很满意", "satisfied": true },
        { "value": "fairly", "label": "比较满意", "satisfied": true },
        { "value": "no", "label": "不满意", "satisfied": false }
      ]
    },
    {
      "id": "visited",
      "text": "今年帮扶责任人是否到您家走访过？",
      "type": "single_choice",
      "required": true,
      "options": [
        { "value": "yes", "label": "是" },
        { "value": "no", "label": "否" }
      ]
    },
    {
      "id": "visit_count",
      "text": "今年帮扶责任人到您家走访了几次？",
      "type": "number",
      "min": 0,
      "max": 365,
      "integer": true,
      "required": true,
      "show_if": { "question": "visited", "equals": "yes" }
    },
    {
      "id": "knows_contact",
      "text": "您知道帮扶责任人的姓名和联系方式吗？",
      "type": "single_choice",
      "required": true,
      "options": [
        { "value": "yes", "label": "知道" },
        { "value": "no", "label": "不知道" }
      ]
    },
    {
      "id": "measures",
      "text": "哪些帮扶措施对您家帮助最大？（可多选）",
      "type": "multiple_choice",
      "options": [
        { "value": "industry", "label": "产业扶贫" },
        { "value": "employment", "label": "就业扶贫" },
        { "value": "education", "label": "教育扶贫" },
        { "value": "medical", "label": "医疗保障" },
        { "value": "housing", "label": "住房安全" },
        { "value": "safety_net", "label": "兜底保障" }
      ]
    },
    {
      "id": "income_change",
      "text": "与去年相比，您家今年的收入有什么变化？",
      "type": "single_choice",
      "required": true,
      "options": [
        { "value": "up", "label": "增加" },
        { "value": "same", "label": "持平" },
        { "value": "down", "label": "减少" }
      ]
    },
    {
      "id": "guarantees",
      "text": "您对“两不愁三保障”（不愁吃、不愁穿，义务教育、基本医疗、住房安全有保障）落实情况有多大信心？（1分最低，5分最高）",
      "type": "scale",
      "min": 1,
      "max": 5,
      "required": true
    },
    {
      "id": "reasons",
      "text": "您不满意的主要原因是什么？",
      "type": "text",
      "max_chars": 500,
      "required": true,
      "show_if": { "question": "overall", "equals": "no" }
    },
    {
      "id": "suggestions",
      "text": "您对帮扶工作还有什么意见和建议？",
      "type": "text",
      "max_chars": 500
    }
  ]
}"#;

/// Parses [`DEFAULT_QUESTIONNAIRE_JSON`].
pub fn default_questionnaire() -> Result<Questionnaire, String> {
    serde_json::from_str(DEFAULT_QUESTIONNAIRE_JSON).map_err(|e| e.to_string())
}

/// The code of the questionnaire phones ask when it exists.
pub const PHONE_CODE: &str = "satisfaction";

/// Which of these versions (code, version) a phone asks, as the field app decides it
/// (`currentQuestionnaire` in `crates/app/static/js/survey-view.js`): every version is pulled,
/// and the phone takes the newest version of `satisfaction`, else the newest of any. The index
/// into `versions`, `None` when it is empty.
pub fn phones_pick<'a>(versions: impl IntoIterator<Item = (&'a str, i32)>) -> Option<usize> {
    let all: Vec<(&str, i32)> = versions.into_iter().collect();
    let newest = |of: &dyn Fn(&str) -> bool| {
        all.iter()
            .enumerate()
            .filter(|(_, (c, _))| of(c))
            .max_by_key(|(i, (_, v))| (*v, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
    };
    newest(&|c| c == PHONE_CODE).or_else(|| newest(&|_| true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXAMPLE: &str = r#"{"code":"satisfaction","version":1,"title":"贫困户满意度调查","questions":[{"id":"q1","text":"您对帮扶工作满意吗？","type":"single_choice","required":true,"satisfaction":true,"options":[{"value":"very","label":"很满意","satisfied":true},{"value":"ok","label":"满意","satisfied":true},{"value":"no","label":"不满意","satisfied":false}]},{"id":"q2","text":"不满意的原因","type":"text","show_if":{"question":"q1","equals":"no"},"required":true}]}"#;

    fn default_q() -> Questionnaire {
        default_questionnaire().expect("the default questionnaire parses")
    }

    fn answers(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    fn codes(e: &ValidationErrors) -> Vec<(&str, &str)> {
        e.0.iter().map(|f| (f.field.as_str(), f.code)).collect()
    }

    fn full_answers() -> Map<String, Value> {
        answers(json!({
            "overall": "fairly",
            "visited": "yes",
            "visit_count": 6,
            "knows_contact": "yes",
            "measures": ["industry", "medical"],
            "income_change": "up",
            "guarantees": 4,
            "suggestions": "希望多组织技能培训",
        }))
    }

    #[test]
    fn example_shape_parses_and_validates() {
        let q: Questionnaire = serde_json::from_str(EXAMPLE).unwrap();
        assert_eq!(q.questions.len(), 2);
        assert!(q.questions[0].satisfaction);
        assert!(!q.questions[1].satisfaction);
        assert_eq!(q.questions[1].kind, QuestionKind::Text { max_chars: 500 });
        assert_eq!(q.questions[1].show_if.as_ref().unwrap().equals, json!("no"));
        q.validate_definition().unwrap();
    }

    #[test]
    fn phones_take_the_newest_satisfaction_else_the_newest() {
        assert_eq!(phones_pick([]), None);
        assert_eq!(
            phones_pick([
                ("satisfaction", 1),
                ("other", 9),
                ("satisfaction", 3),
                ("satisfaction", 2)
            ]),
            Some(2)
        );
        assert_eq!(phones_pick([("a", 1), ("b", 4), ("a", 2)]), Some(1));
    }

    #[test]
    fn default_questionnaire_parses_validates_and_round_trips() {
        let q = default_q();
        assert_eq!((q.code.as_str(), q.version), ("satisfaction", 1));
        q.validate_definition().unwrap();
        let again: Questionnaire =
            serde_json::from_value(serde_json::to_value(&q).unwrap()).unwrap();
        assert_eq!(again, q);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let typo = EXAMPLE.replace(
            "\"required\":true,\"satisfaction\"",
            "\"requird\":true,\"satisfaction\"",
        );
        assert!(serde_json::from_str::<Questionnaire>(&typo).is_err());
        let option_typo = EXAMPLE.replace("\"satisfied\":false", "\"satisfed\":false");
        assert!(serde_json::from_str::<Questionnaire>(&option_typo).is_err());
        let unknown_type = EXAMPLE.replace("\"type\":\"text\"", "\"type\":\"essay\"");
        assert!(serde_json::from_str::<Questionnaire>(&unknown_type).is_err());
    }

    #[test]
    fn forward_show_if_is_rejected() {
        let mut q = default_q();
        // `visit_count` (2) now depends on `income_change` (5), which comes later.
        q.questions[2].show_if = Some(Condition {
            question: "income_change".into(),
            equals: json!("up"),
        });
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions[2].show_if", "forward-reference")]);

        q.questions[2].show_if = Some(Condition {
            question: "visit_count".into(),
            equals: json!(1),
        });
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions[2].show_if", "forward-reference")]);

        q.questions[2].show_if = Some(Condition {
            question: "nope".into(),
            equals: json!(1),
        });
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions[2].show_if", "unknown-question")]);
    }

    #[test]
    fn show_if_value_and_target_kind_are_checked() {
        let mut q = default_q();
        q.questions[2].show_if = Some(Condition {
            question: "visited".into(),
            equals: json!("maybe"),
        });
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions[2].show_if", "invalid-value")]);

        let mut q = default_q();
        q.questions[8].show_if = Some(Condition {
            question: "reasons".into(),
            equals: json!("x"),
        });
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions[8].show_if", "invalid-condition")]);

        let mut q = default_q();
        q.questions[8].show_if = Some(Condition {
            question: "guarantees".into(),
            equals: json!(6),
        });
        assert_eq!(
            codes(&q.validate_definition().unwrap_err()),
            [("questions[8].show_if", "invalid-value")]
        );
        q.questions[8].show_if = Some(Condition {
            question: "guarantees".into(),
            equals: json!(2),
        });
        q.validate_definition().unwrap();
    }

    #[test]
    fn duplicate_and_malformed_ids_are_rejected() {
        let mut q = default_q();
        q.questions[3].id = "visited".into();
        q.questions[4].id = "措施".into();
        q.questions[5].id = String::new();
        let e = q.validate_definition().unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("questions[3].id", "duplicate-id"),
                ("questions[4].id", "invalid-id"),
                ("questions[5].id", "required"),
            ]
        );
    }

    #[test]
    fn exactly_one_satisfaction_question() {
        let mut q = default_q();
        q.questions[1].satisfaction = true;
        for o in match &mut q.questions[1].kind {
            QuestionKind::SingleChoice { options } => options,
            _ => unreachable!(),
        } {
            o.satisfied = Some(true);
        }
        let e = q.validate_definition().unwrap_err();
        assert_eq!(
            codes(&e),
            [("questions[1].satisfaction", "duplicate-satisfaction")]
        );

        let mut q = default_q();
        q.questions[0].satisfaction = false;
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions", "no-satisfaction-question")]);
    }

    #[test]
    fn satisfaction_question_must_say_what_satisfied_means() {
        let mut q = default_q();
        if let QuestionKind::SingleChoice { options } = &mut q.questions[0].kind {
            options[1].satisfied = None;
        }
        let e = q.validate_definition().unwrap_err();
        assert_eq!(
            codes(&e),
            [("questions[0].options[1].satisfied", "required")]
        );

        // A scale decides it once it says from which value on.
        let mut q = default_q();
        q.questions[0].satisfaction = false;
        q.questions[6].satisfaction = true;
        let e = q.validate_definition().unwrap_err();
        assert_eq!(codes(&e), [("questions[6].satisfied_from", "required")]);
        q.questions[6].kind = QuestionKind::Scale {
            min: 1,
            max: 5,
            satisfied_from: Some(4),
        };
        q.validate_definition().unwrap();

        q.questions[6].satisfaction = false;
        q.questions[8].satisfaction = true;
        let e = q.validate_definition().unwrap_err();
        assert_eq!(
            codes(&e),
            [("questions[8].satisfaction", "invalid-satisfaction-question")]
        );
    }

    #[test]
    fn options_and_ranges_are_checked() {
        let mut q = default_q();
        q.code = " ".into();
        q.version = 0;
        if let QuestionKind::MultipleChoice {
            options,
            min_selected,
            max_selected,
        } = &mut q.questions[4].kind
        {
            options[1].value = "industry".into();
            options[2].value = String::new();
            *min_selected = Some(3);
            *max_selected = Some(2);
        }
        q.questions[5].kind = QuestionKind::SingleChoice { options: vec![] };
        q.questions[6].kind = QuestionKind::Scale {
            min: 5,
            max: 5,
            satisfied_from: None,
        };
        q.questions[2].kind = QuestionKind::Number {
            min: Some(10.0),
            max: Some(1.0),
            integer: true,
        };
        let e = q.validate_definition().unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("code", "required"),
                ("version", "out-of-range"),
                ("questions[2].max", "invalid-range"),
                ("questions[4].options[1].value", "duplicate-value"),
                ("questions[4].options[2].value", "required"),
                ("questions[4].max_selected", "invalid-range"),
                ("questions[5].options", "required"),
                ("questions[6].max", "invalid-range"),
            ]
        );

        let mut q = default_q();
        q.questions[6].kind = QuestionKind::Scale {
            min: 1,
            max: 5,
            satisfied_from: Some(6),
        };
        assert_eq!(
            codes(&q.validate_definition().unwrap_err()),
            [("questions[6].satisfied_from", "out-of-range")]
        );

        let mut q = default_q();
        q.questions.clear();
        assert_eq!(
            codes(&q.validate_definition().unwrap_err()),
            [("questions", "required")]
        );
    }

    #[test]
    fn too_many_questions_are_rejected() {
        let mut q = default_q();
        let extra = q.questions[8].clone();
        for i in 0..MAX_QUESTIONS {
            let mut e = extra.clone();
            e.id = format!("extra_{i}");
            q.questions.push(e);
        }
        assert_eq!(
            codes(&q.validate_definition().unwrap_err()),
            [("questions", "too-many")]
        );
    }

    #[test]
    fn full_valid_response_is_accepted() {
        let q = default_q();
        let checked = q.check_answers(&full_answers()).unwrap();
        assert_eq!(
            checked,
            CheckedResponse {
                satisfied: Some(true),
                answered: 8,
            }
        );
    }

    #[test]
    fn dissatisfied_response_needs_a_reason() {
        let q = default_q();
        let mut a = full_answers();
        a.insert("overall".into(), json!("no"));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(codes(&e), [("answers.reasons", "required")]);
        a.insert("reasons".into(), json!("   "));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(codes(&e), [("answers.reasons", "required")]);
        a.insert("reasons".into(), json!("走访次数太少"));
        let checked = q.check_answers(&a).unwrap();
        assert_eq!(checked.satisfied, Some(false));
        assert_eq!(checked.answered, 9);
    }

    #[test]
    fn satisfaction_from_a_scale() {
        let mut q = default_q();
        q.questions[0].satisfaction = false;
        q.questions[6].satisfaction = true;
        q.questions[6].kind = QuestionKind::Scale {
            min: 1,
            max: 5,
            satisfied_from: Some(4),
        };
        q.validate_definition().unwrap();
        let mut a = full_answers();
        assert_eq!(q.check_answers(&a).unwrap().satisfied, Some(true));
        a.insert("guarantees".into(), json!(3));
        assert_eq!(q.check_answers(&a).unwrap().satisfied, Some(false));
        q.questions[6].required = false;
        a.remove("guarantees");
        assert_eq!(q.check_answers(&a).unwrap().satisfied, None);
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let q = default_q();
        let mut a = full_answers();
        a.remove("overall");
        a.insert("guarantees".into(), json!(9));
        a.insert("q99".into(), json!("x"));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("answers.overall", "required"),
                ("answers.guarantees", "out-of-range"),
                ("answers.q99", "unknown-question"),
            ]
        );
    }

    #[test]
    fn wrong_types_and_values() {
        let q = default_q();
        let mut a = full_answers();
        a.insert("overall".into(), json!("maybe"));
        a.insert("visit_count".into(), json!(2.5));
        a.insert("knows_contact".into(), json!(true));
        a.insert("income_change".into(), json!(["up"]));
        a.insert("guarantees".into(), json!(3.5));
        a.insert("suggestions".into(), json!(12));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("answers.overall", "invalid-choice"),
                ("answers.visit_count", "wrong-type"),
                ("answers.knows_contact", "wrong-type"),
                ("answers.income_change", "wrong-type"),
                ("answers.guarantees", "wrong-type"),
                ("answers.suggestions", "wrong-type"),
            ]
        );

        let mut a = full_answers();
        a.insert("visit_count".into(), json!(366));
        a.insert("guarantees".into(), json!(4.0));
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.visit_count", "out-of-range")]
        );
        a.insert("visit_count".into(), json!(-1));
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.visit_count", "out-of-range")]
        );
    }

    #[test]
    fn hidden_question_answered_is_not_applicable() {
        let q = default_q();
        let mut a = full_answers();
        a.insert("reasons".into(), json!("不满意"));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(codes(&e), [("answers.reasons", "not-applicable")]);

        let mut a = full_answers();
        a.insert("visited".into(), json!("no"));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(codes(&e), [("answers.visit_count", "not-applicable")]);
    }

    #[test]
    fn hidden_required_question_may_be_missing() {
        let q = default_q();
        let mut a = full_answers();
        a.insert("visited".into(), json!("no"));
        a.remove("visit_count");
        // Null is no answer, so it is fine on a hidden question too.
        a.insert("reasons".into(), Value::Null);
        let checked = q.check_answers(&a).unwrap();
        assert_eq!(checked.answered, 7);
    }

    #[test]
    fn condition_on_a_hidden_question_hides_its_dependants() {
        let mut q = default_q();
        q.questions[8].show_if = Some(Condition {
            question: "visit_count".into(),
            equals: json!(3),
        });
        q.validate_definition().unwrap();
        let mut a = full_answers();
        a.insert("visit_count".into(), json!(3.0));
        assert!(q.check_answers(&a).is_ok());
        a.insert("visited".into(), json!("no"));
        a.remove("visit_count");
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(codes(&e), [("answers.suggestions", "not-applicable")]);
    }

    #[test]
    fn text_length_counts_characters() {
        let q = default_q();
        let mut a = full_answers();
        // 500 Chinese characters are 1500 bytes in UTF-8 and still fit.
        a.insert("suggestions".into(), json!("好".repeat(500)));
        assert!(q.check_answers(&a).is_ok());
        a.insert(
            "suggestions".into(),
            json!(format!("  {}  ", "好".repeat(500))),
        );
        assert!(q.check_answers(&a).is_ok());
        a.insert("suggestions".into(), json!("好".repeat(501)));
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.suggestions", "too-long")]
        );
    }

    #[test]
    fn multiple_choice_rules() {
        let mut q = default_q();
        let mut a = full_answers();
        a.insert("measures".into(), json!(["industry", "industry"]));
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.measures", "duplicate")]
        );
        a.insert("measures".into(), json!(["industry", "tourism", 3]));
        let e = q.check_answers(&a).unwrap_err();
        assert_eq!(codes(&e), [("answers.measures", "invalid-choice")]);
        assert!(e.0[0].message.contains("tourism"));

        if let QuestionKind::MultipleChoice {
            min_selected,
            max_selected,
            ..
        } = &mut q.questions[4].kind
        {
            *min_selected = Some(2);
            *max_selected = Some(3);
        }
        q.validate_definition().unwrap();
        a.insert(
            "measures".into(),
            json!(["industry", "employment", "education", "medical"]),
        );
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.measures", "too-many")]
        );
        a.insert("measures".into(), json!(["industry"]));
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.measures", "too-few")]
        );
        // Nothing selected is no answer, which an optional question allows.
        a.insert("measures".into(), json!([]));
        assert_eq!(q.check_answers(&a).unwrap().answered, 7);
        q.questions[4].required = true;
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.measures", "required")]
        );
    }

    #[test]
    fn show_if_on_a_multiple_choice_tests_membership() {
        let mut q = default_q();
        q.questions[5].show_if = Some(Condition {
            question: "measures".into(),
            equals: json!("employment"),
        });
        q.validate_definition().unwrap();
        let mut a = full_answers();
        // `income_change` is hidden now: `measures` does not contain `employment`.
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.income_change", "not-applicable")]
        );
        a.insert("measures".into(), json!(["industry", "employment"]));
        assert!(q.check_answers(&a).is_ok());
        a.remove("income_change");
        assert_eq!(
            codes(&q.check_answers(&a).unwrap_err()),
            [("answers.income_change", "required")]
        );
    }
}
