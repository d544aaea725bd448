//! Merge rules of offline sync. Devices edit records that the office edits too; each field keeps
//! the version at which it last changed, so a device edit based on an older version can be
//! merged field by field.

use std::collections::BTreeMap;

/// What happens to one field a device changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldDecision {
    /// Nobody else changed it since the device's base version: the device's value is applied.
    Apply,
    /// The device sent the value the server already has: nothing to do, no conflict.
    Same,
    /// Someone else changed it since the base version: the server (office) value stays and a
    /// conflict is recorded for the office to resolve.
    Conflict,
}

/// Decides, field by field, how a device's change based on `base_version` merges into a record
/// whose fields last changed at the versions in `field_versions`.
///
/// `current_equals_device(field)` tells whether the server's current value already equals the
/// device's value. Fields missing from `field_versions` have not changed since creation.
pub fn merge_fields<'a>(
    base_version: i64,
    field_versions: &BTreeMap<String, i64>,
    device_fields: impl IntoIterator<Item = &'a str>,
    current_equals_device: impl Fn(&str) -> bool,
) -> BTreeMap<&'a str, FieldDecision> {
    device_fields
        .into_iter()
        .map(|f| {
            let decision = if current_equals_device(f) {
                FieldDecision::Same
            } else if field_versions.get(f).copied().unwrap_or(0) > base_version {
                FieldDecision::Conflict
            } else {
                FieldDecision::Apply
            };
            (f, decision)
        })
        .collect()
}

/// A device clock further than this from the server's is flagged (never used for ordering).
pub const CLOCK_SKEW_FLAG_SECS: i64 = 10 * 60;

/// The skew to record for a device time, in whole seconds, when it is large enough to flag.
pub fn flagged_skew(device_unix: i64, server_unix: i64) -> Option<i64> {
    let skew = device_unix - server_unix;
    (skew.abs() > CLOCK_SKEW_FLAG_SECS).then_some(skew)
}

/// Largest number of mutations in one push.
pub const MAX_PUSH_MUTATIONS: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn non_overlapping_changes_merge() {
        // The office changed `phone` at version 5; the device, based on version 4, changed
        // `location`: applied, no conflict.
        let d = merge_fields(4, &versions(&[("phone", 5)]), ["location"], |_| false);
        assert_eq!(d["location"], FieldDecision::Apply);
    }

    #[test]
    fn same_field_keeps_the_office_value_and_records_a_conflict() {
        let d = merge_fields(4, &versions(&[("phone", 5)]), ["phone", "address"], |_| {
            false
        });
        assert_eq!(d["phone"], FieldDecision::Conflict);
        assert_eq!(d["address"], FieldDecision::Apply);
    }

    #[test]
    fn identical_values_never_conflict() {
        let d = merge_fields(4, &versions(&[("phone", 5)]), ["phone"], |_| true);
        assert_eq!(d["phone"], FieldDecision::Same);
    }

    #[test]
    fn a_field_changed_at_or_before_the_base_is_applied() {
        let d = merge_fields(5, &versions(&[("phone", 5)]), ["phone"], |_| false);
        assert_eq!(d["phone"], FieldDecision::Apply);
    }

    #[test]
    fn skew_is_flagged_only_when_large() {
        assert_eq!(flagged_skew(1_000, 1_000 + 599), None);
        assert_eq!(flagged_skew(1_000, 1_000 + 601), Some(-601));
        assert_eq!(flagged_skew(5_000, 1_000), Some(4_000));
    }
}
