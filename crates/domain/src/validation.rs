//! Field-level validation errors, reported all at once so a client can fix every field in one go.

use serde::Serialize;

/// One invalid field: where it is, a stable code, and a readable reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path or column of the field, e.g. `members[0].id_number`.
    pub field: String,
    /// Stable machine-readable code, e.g. `invalid-checksum`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

/// All the field errors of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// The same errors with their paths under `parent` (`answers.q3` → `fields.answers.q3`), for
    /// input checked on its own and then reported inside the document that carried it.
    pub fn nested_under(self, parent: &str) -> ValidationErrors {
        ValidationErrors(
            self.0
                .into_iter()
                .map(|e| FieldError {
                    field: if e.field.is_empty() {
                        parent.to_owned()
                    } else {
                        format!("{parent}.{}", e.field)
                    },
                    ..e
                })
                .collect(),
        )
    }

    /// Records one invalid field.
    pub fn add(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// True when no field was invalid.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, otherwise the collected errors.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Adds a `field` prefix to every error of `other` and keeps them.
    pub fn extend_prefixed(&mut self, prefix: &str, other: ValidationErrors) {
        for e in other.0 {
            self.0.push(FieldError {
                field: format!("{prefix}{}", e.field),
                ..e
            });
        }
    }

    /// A single-field error.
    pub fn single(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        let mut e = Self::default();
        e.add(field, code, message);
        e
    }
}

/// Checks a required free-text field: trimmed, non-empty and at most `max` characters.
pub fn text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.add(field, "required", "must not be empty");
        None
    } else if trimmed.chars().count() > max {
        errors.add(field, "too-long", format!("at most {max} characters"));
        None
    } else if trimmed.chars().any(|c| c.is_control()) {
        errors.add(
            field,
            "invalid-characters",
            "control characters are not allowed",
        );
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// Like [`text`], but line breaks and tabs are allowed (notes, comments).
pub fn multiline_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let flattened: String = value
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut probe = ValidationErrors::default();
    let checked = text(&mut probe, field, &flattened, max);
    errors.0.extend(probe.0);
    checked.map(|_| value.trim().to_owned())
}

/// Checks a mainland China phone number: an 11-digit mobile (1xx…) or a landline with area code.
pub fn phone(errors: &mut ValidationErrors, field: &str, value: &str) -> Option<String> {
    let compact: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let mobile = compact.len() == 11
        && compact.starts_with('1')
        && compact.chars().all(|c| c.is_ascii_digit());
    let landline = (10..=12).contains(&compact.len())
        && compact.starts_with('0')
        && compact.chars().all(|c| c.is_ascii_digit());
    if mobile || landline {
        Some(compact)
    } else {
        errors.add(
            field,
            "invalid-phone",
            "expected an 11-digit mobile or a landline with area code",
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_limits() {
        let mut e = ValidationErrors::default();
        assert_eq!(
            text(&mut e, "name", "  王小明 ", 10),
            Some("王小明".to_owned())
        );
        assert_eq!(text(&mut e, "name", "   ", 10), None);
        assert_eq!(text(&mut e, "name", "一二三四五六", 5), None);
        assert_eq!(
            e.0.iter().map(|f| f.code).collect::<Vec<_>>(),
            ["required", "too-long"]
        );
    }

    #[test]
    fn multiline_keeps_line_breaks() {
        let mut e = ValidationErrors::default();
        assert_eq!(
            multiline_text(&mut e, "n", "第一行\n第二行", 100),
            Some("第一行\n第二行".to_owned())
        );
        assert_eq!(multiline_text(&mut e, "n", "bell\u{7}", 100), None);
        assert_eq!(e.0.len(), 1);
    }

    #[test]
    fn phones() {
        let mut e = ValidationErrors::default();
        assert_eq!(
            phone(&mut e, "p", "138 0013 8000"),
            Some("13800138000".into())
        );
        assert_eq!(
            phone(&mut e, "p", "0898-66123456"),
            Some("089866123456".into())
        );
        assert_eq!(phone(&mut e, "p", "12345"), None);
        assert_eq!(e.0.len(), 1);
    }
}
