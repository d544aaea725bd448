//! The registry of poor households: households, their members (ID numbers encrypted), their
//! yearly plans and the plans' measures. Reads take a [`Scope`]; writes are the office's.

mod households;
mod members;
mod plans;

pub use households::*;
pub use members::*;
pub use plans::*;

/// Records that `fields` changed at `version` in a record's per-field version map (JSON), which
/// the sync merge uses to tell whose edit came last.
pub fn bump_field_versions(current: &str, fields: &[&str], version: i64) -> String {
    let mut map: std::collections::BTreeMap<String, i64> =
        serde_json::from_str(current).unwrap_or_default();
    for f in fields {
        map.insert((*f).to_owned(), version);
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
}

/// Whether ID numbers are shown in full (audited) or masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdNumbers {
    /// `460106********1234`.
    Masked,
    /// The full number; only for roles that may, on explicit request.
    Revealed,
}
