//! A questionnaire as the editor's form holds it (every field as typed), and its conversion to
//! and from the domain's [`Questionnaire`]. The rules are the domain's
//! ([`Questionnaire::validate_definition`]); here only the form's own parsing (numbers, option
//! lines) is checked, reported under the same paths.

use crate::i18n::questionnaires::ZH_CN as Q;
use fieldcheck_domain::ValidationErrors;
use fieldcheck_domain::questionnaire::{Choice, Condition, Question, QuestionKind, Questionnaire};
use serde_json::Value;
use std::collections::BTreeMap;

/// One question's fields as typed.
#[derive(Clone, Debug, Default)]
pub(super) struct DraftQuestion {
    pub id: String,
    pub text: String,
    pub kind: String,
    pub required: bool,
    pub satisfaction: bool,
    /// One option a line: `value | label | yes/no`.
    pub options: String,
    pub min: String,
    pub max: String,
    pub satisfied_from: String,
    pub integer: bool,
    pub max_chars: String,
    pub min_selected: String,
    pub max_selected: String,
    pub show_if_question: String,
    pub show_if_equals: String,
}

/// The whole form.
#[derive(Clone, Debug, Default)]
pub(super) struct Draft {
    pub code: String,
    pub title: String,
    pub questions: Vec<DraftQuestion>,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl Draft {
    pub(super) fn from_questionnaire(q: &Questionnaire) -> Draft {
        let questions = q
            .questions
            .iter()
            .map(|q| {
                let mut d = DraftQuestion {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    required: q.required,
                    satisfaction: q.satisfaction,
                    show_if_question: q
                        .show_if
                        .as_ref()
                        .map(|c| c.question.clone())
                        .unwrap_or_default(),
                    show_if_equals: q
                        .show_if
                        .as_ref()
                        .map(|c| text_of(&c.equals))
                        .unwrap_or_default(),
                    ..DraftQuestion::default()
                };
                match &q.kind {
                    QuestionKind::SingleChoice { options } => {
                        d.kind = "single_choice".into();
                        d.options = option_lines(options);
                    }
                    QuestionKind::MultipleChoice {
                        options,
                        min_selected,
                        max_selected,
                    } => {
                        d.kind = "multiple_choice".into();
                        d.options = option_lines(options);
                        d.min_selected = opt(min_selected);
                        d.max_selected = opt(max_selected);
                    }
                    QuestionKind::Scale {
                        min,
                        max,
                        satisfied_from,
                    } => {
                        d.kind = "scale".into();
                        d.min = min.to_string();
                        d.max = max.to_string();
                        d.satisfied_from = opt(satisfied_from);
                    }
                    QuestionKind::Number { min, max, integer } => {
                        d.kind = "number".into();
                        d.min = opt(min);
                        d.max = opt(max);
                        d.integer = *integer;
                    }
                    QuestionKind::Text { max_chars } => {
                        d.kind = "text".into();
                        d.max_chars = max_chars.to_string();
                    }
                }
                d
            })
            .collect();
        Draft {
            code: q.code.clone(),
            title: q.title.clone(),
            questions,
        }
    }

    /// The form's fields: `code`, `title`, `q<i>.<field>`; checkboxes are present when ticked.
    pub(super) fn from_form(pairs: &[(String, String)]) -> Draft {
        let mut d = Draft::default();
        let mut qs: BTreeMap<usize, DraftQuestion> = BTreeMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "code" => d.code = v.trim().to_owned(),
                "title" => d.title = v.trim().to_owned(),
                _ => {
                    let Some((i, field)) = k
                        .strip_prefix('q')
                        .and_then(|r| r.split_once('.'))
                        .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
                    else {
                        continue;
                    };
                    if i >= 200 {
                        continue;
                    }
                    let q = qs.entry(i).or_default();
                    let v = v.clone();
                    match field {
                        "id" => q.id = v.trim().to_owned(),
                        "text" => q.text = v.trim().to_owned(),
                        "kind" => q.kind = v,
                        "required" => q.required = true,
                        "satisfaction" => q.satisfaction = true,
                        "integer" => q.integer = true,
                        "options" => q.options = v,
                        "min" => q.min = v,
                        "max" => q.max = v,
                        "satisfied_from" => q.satisfied_from = v,
                        "max_chars" => q.max_chars = v,
                        "min_selected" => q.min_selected = v,
                        "max_selected" => q.max_selected = v,
                        "show_if_question" => q.show_if_question = v,
                        "show_if_equals" => q.show_if_equals = v,
                        _ => {}
                    }
                }
            }
        }
        d.questions = qs.into_values().collect();
        d
    }

    /// The questionnaire (version 1: the store numbers it when saving) and every problem: the
    /// form's own (a number that is none, an option line without a label) and the domain's.
    pub(super) fn to_questionnaire(&self) -> (Questionnaire, ValidationErrors) {
        let mut errors = ValidationErrors::default();
        let mut questions = Vec::with_capacity(self.questions.len());
        for (i, d) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            let kind = match d.kind.as_str() {
                "single_choice" => QuestionKind::SingleChoice {
                    options: options(&mut errors, &at, &d.options),
                },
                "multiple_choice" => QuestionKind::MultipleChoice {
                    options: options(&mut errors, &at, &d.options),
                    min_selected: num(&mut errors, &at, "min_selected", &d.min_selected),
                    max_selected: num(&mut errors, &at, "max_selected", &d.max_selected),
                },
                "scale" => QuestionKind::Scale {
                    min: num(&mut errors, &at, "min", &d.min).unwrap_or(1),
                    max: num(&mut errors, &at, "max", &d.max).unwrap_or(5),
                    satisfied_from: num(&mut errors, &at, "satisfied_from", &d.satisfied_from),
                },
                "number" => QuestionKind::Number {
                    min: num(&mut errors, &at, "min", &d.min),
                    max: num(&mut errors, &at, "max", &d.max),
                    integer: d.integer,
                },
                "text" => QuestionKind::Text {
                    max_chars: num(&mut errors, &at, "max_chars", &d.max_chars).unwrap_or(500),
                },
                _ => {
                    errors.add(format!("{at}.type"), "required", "choose a kind");
                    QuestionKind::Text { max_chars: 500 }
                }
            };
            let show_if = match d.show_if_question.trim() {
                "" => None,
                target => {
                    let numeric = self
                        .questions
                        .iter()
                        .any(|o| o.id == target && matches!(o.kind.as_str(), "scale" | "number"));
                    let raw = d.show_if_equals.trim();
                    let equals = if numeric {
                        raw.parse::<i64>()
                            .map(Value::from)
                            .ok()
                            .or_else(|| {
                                raw.parse::<f64>()
                                    .ok()
                                    .filter(|f| f.is_finite())
                                    .map(Value::from)
                            })
                            .unwrap_or_else(|| Value::String(raw.to_owned()))
                    } else {
                        Value::String(raw.to_owned())
                    };
                    Some(Condition {
                        question: target.to_owned(),
                        equals,
                    })
                }
            };
            questions.push(Question {
                id: d.id.clone(),
                text: d.text.clone(),
                kind,
                required: d.required,
                satisfaction: d.satisfaction,
                show_if,
            });
        }
        let q = Questionnaire {
            code: self.code.clone(),
            version: 1,
            title: self.title.clone(),
            questions,
        };
        if let Err(v) = q.validate_definition() {
            errors.0.extend(v.0);
        }
        (q, errors)
    }
}

fn option_lines(options: &[Choice]) -> String {
    options
        .iter()
        .map(|o| match o.satisfied {
            None => format!("{} | {}", o.value, o.label),
            Some(true) => format!("{} | {} | 是", o.value, o.label),
            Some(false) => format!("{} | {} | 否", o.value, o.label),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn options(errors: &mut ValidationErrors, at: &str, lines: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let oi = out.len();
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let satisfied = match parts.get(2).copied() {
            None | Some("") => None,
            Some("是" | "yes" | "y" | "true" | "1" | "满意") => Some(true),
            Some("否" | "no" | "n" | "false" | "0" | "不满意") => Some(false),
            Some(_) => {
                errors.add(
                    format!("{at}.options[{oi}].satisfied"),
                    "invalid-value",
                    "是 or 否",
                );
                None
            }
        };
        if parts.len() < 2 || parts.len() > 3 {
            errors.add(
                format!("{at}.options[{oi}].label"),
                "bad-option",
                Q.bad_option,
            );
        }
        out.push(Choice {
            value: parts.first().copied().unwrap_or_default().to_owned(),
            label: parts.get(1).copied().unwrap_or_default().to_owned(),
            satisfied,
        });
    }
    out
}

fn num<T: std::str::FromStr>(
    errors: &mut ValidationErrors,
    at: &str,
    field: &str,
    raw: &str,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.add(format!("{at}.{field}"), "not-a-number", Q.not_a_number);
            None
        }
    }
}

/// Which question an error path concerns (`questions[3].options[1].value` → 3).
pub(super) fn question_of(field: &str) -> Option<usize> {
    field
        .strip_prefix("questions[")?
        .split_once(']')?
        .0
        .parse()
        .ok()
}

/// An error as the editor shows it: where, in Chinese by its code, and the domain's detail.
pub(super) fn describe(e: &fieldcheck_domain::FieldError) -> String {
    let place = match question_of(&e.field) {
        Some(_) => e
            .field
            .split_once("].")
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or_default(),
        None => e.field.clone(),
    };
    let zh = Q
        .codes
        .iter()
        .find(|(c, _)| *c == e.code)
        .map_or(e.code, |(_, t)| t);
    if place.is_empty() {
        format!("{zh}（{}）", e.message)
    } else {
        format!("{place}：{zh}（{}）", e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_round_trips_through_the_form() {
        let q = fieldcheck_domain::questionnaire::default_questionnaire().unwrap();
        let d = Draft::from_questionnaire(&q);
        let (back, errors) = d.to_questionnaire();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back, q);
    }

    #[test]
    fn form_fields_and_their_problems() {
        let pairs: Vec<(String, String)> = [
            ("code", "s"),
            ("title", "t"),
            ("q0.id", "a"),
            ("q0.text", "A"),
            ("q0.kind", "single_choice"),
            ("q0.satisfaction", "on"),
            ("q0.options", "y | 是 | 是\nn | 否\n"),
            ("q1.id", "b"),
            ("q1.text", "B"),
            ("q1.kind", "number"),
            ("q1.min", "x"),
            ("q1.show_if_question", "a"),
            ("q1.show_if_equals", "y"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let d = Draft::from_form(&pairs);
        assert_eq!(d.questions.len(), 2);
        let (_, e) = d.to_questionnaire();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("questions[1].min", "not-a-number"),
                ("questions[0].options[1].satisfied", "required"),
            ]
        );
        assert_eq!(question_of("questions[12].options[1].value"), Some(12));
        assert_eq!(question_of("code"), None);
    }
}
