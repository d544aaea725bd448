//! Roles and the actions each may take. Which *records* a role reaches is a matter of scope,
//! enforced by the store's queries; this module decides which *kinds of action* are allowed.

use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: users, keys, everything.
    Admin,
    /// The poverty-alleviation office: reads and edits everything, reviews evidence.
    OfficeReviewer,
    /// Reviews one district.
    DistrictReviewer,
    /// Verifies households on site (assigned households or villages).
    Inspector,
    /// Records satisfaction surveys (assigned households or villages).
    Surveyor,
    /// An assessee submitting its own self-report.
    Assessee,
    /// A commissioned third-party evaluator: scores only the assessees it was commissioned for.
    Evaluator,
}

/// A kind of action that needs a role's permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read registered households, members and plans (within scope).
    ReadHouseholds,
    /// Create or edit places, households, members, plans, measures, units and persons.
    EditRegistry,
    /// Read assessees (within scope).
    ReadAssessees,
    /// Create or edit assessees.
    EditAssessees,
    /// Read units and responsible persons.
    ReadUnits,
    /// See full national ID numbers (each reveal is audited).
    RevealIdNumbers,
    /// Manage user accounts.
    ManageUsers,
    /// Read and verify the audit log.
    ReadAudit,
    /// Download original photos (which carry their EXIF positions).
    ReadOriginals,
    /// Accept or reject evidence.
    ReviewEvidence,
    /// Run assessment cycles: templates, steps, assignments, samples, commissions, decisions.
    ManageCycles,
    /// Score assessees' items (office, or a commissioned third party within its commission).
    Score,
    /// Read cycles, score sheets, results and progress (within scope).
    ReadAssessment,
    /// Submit the assessee's own self-report.
    SubmitSelfReport,
    /// Record survey responses on households in scope.
    RecordResponses,
    /// Read individual survey responses; never an assessee, so households can answer frankly.
    ReadResponses,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::OfficeReviewer,
        Role::DistrictReviewer,
        Role::Inspector,
        Role::Surveyor,
        Role::Assessee,
        Role::Evaluator,
    ];

    /// The stable wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::OfficeReviewer => "office_reviewer",
            Role::DistrictReviewer => "district_reviewer",
            Role::Inspector => "inspector",
            Role::Surveyor => "surveyor",
            Role::Assessee => "assessee",
            Role::Evaluator => "evaluator",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// Whether this role may take `action` at all.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            ReadHouseholds => matches!(
                self,
                Admin | OfficeReviewer | DistrictReviewer | Inspector | Surveyor
            ),
            EditRegistry => matches!(self, Admin | OfficeReviewer),
            ReadAssessees => matches!(self, Admin | OfficeReviewer | DistrictReviewer | Assessee),
            EditAssessees => matches!(self, Admin | OfficeReviewer),
            ReadUnits => !matches!(self, Assessee),
            RevealIdNumbers => matches!(self, Admin | OfficeReviewer),
            ManageUsers | ReadAudit => matches!(self, Admin),
            ReadOriginals | ReviewEvidence => {
                matches!(self, Admin | OfficeReviewer | DistrictReviewer)
            }
            ManageCycles => matches!(self, Admin | OfficeReviewer),
            Score => matches!(self, Admin | OfficeReviewer | Evaluator),
            ReadAssessment => matches!(
                self,
                Admin | OfficeReviewer | DistrictReviewer | Evaluator | Assessee
            ),
            SubmitSelfReport => matches!(self, Assessee),
            RecordResponses => matches!(self, Surveyor | Inspector),
            ReadResponses => matches!(
                self,
                Admin | OfficeReviewer | DistrictReviewer | Surveyor | Inspector
            ),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_roles_cannot_edit_or_reveal() {
        for r in [
            Role::Inspector,
            Role::Surveyor,
            Role::DistrictReviewer,
            Role::Assessee,
        ] {
            assert!(!r.may(Action::EditRegistry), "{r}");
            assert!(!r.may(Action::RevealIdNumbers), "{r}");
            assert!(!r.may(Action::ManageUsers), "{r}");
        }
        assert!(Role::Admin.may(Action::ManageUsers));
        assert!(!Role::Assessee.may(Action::ReadHouseholds));
        assert!(!Role::Assessee.may(Action::ReadResponses));
        assert!(!Role::Evaluator.may(Action::ManageCycles));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
    }
}
