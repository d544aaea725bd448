//! The closed vocabularies of the assessment method, as typed enums with stable wire names.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable wire and database name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// Where a registered household stands.
    HouseholdStatus {
        /// Still below the line (未脱贫).
        InPoverty = "in_poverty",
        /// Has exited poverty (已脱贫).
        Exited = "exited",
        /// Exited but at risk of returning (返贫风险).
        AtRisk = "at_risk",
    }
);

vocabulary!(
    /// The type of an assistance measure of a one-household-one-policy plan.
    MeasureKind {
        /// Dilapidated-housing renovation (危房改造).
        Housing = "housing",
        /// Industry support (产业扶贫).
        Industry = "industry",
        /// Education support (教育扶贫).
        Education = "education",
        /// Health support (健康扶贫).
        Health = "health",
        /// Employment support (就业扶贫).
        Employment = "employment",
        /// Social security (社会保障兜底).
        SocialSecurity = "social_security",
        /// Anything else.
        Other = "other",
    }
);

vocabulary!(
    /// Progress of one measure.
    MeasureStatus {
        /// Planned, not started.
        Planned = "planned",
        /// Under way.
        InProgress = "in_progress",
        /// Carried out.
        Done = "done",
        /// Dropped, with the reason in its description.
        Cancelled = "cancelled",
    }
);

vocabulary!(
    /// Lifecycle of a household's yearly plan.
    PlanStatus {
        /// Being drawn up.
        Draft = "draft",
        /// Agreed and being carried out.
        Active = "active",
        /// The year is over.
        Closed = "closed",
    }
);

vocabulary!(
    /// The two kinds of unit that take part.
    UnitKind {
        /// A lead department (牵头单位), e.g. the housing bureau.
        LeadUnit = "lead_unit",
        /// A paired-assistance unit (结对帮扶单位).
        PairedUnit = "paired_unit",
    }
);

vocabulary!(
    /// The four kinds of assessee (考核对象), each with its own score sheet.
    AssesseeKind {
        /// A district's party committee and government (区党委和政府).
        DistrictGovernment = "district_government",
        /// A lead department (牵头单位).
        LeadUnit = "lead_unit",
        /// A paired-assistance unit (结对帮扶单位).
        PairedUnit = "paired_unit",
        /// A responsible person (帮扶责任人).
        ResponsiblePerson = "responsible_person",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for k in AssesseeKind::ALL {
            assert_eq!(AssesseeKind::parse(k.as_str()), Some(*k));
            let json = serde_json_like(k.as_str());
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(MeasureKind::parse("housing"), Some(MeasureKind::Housing));
        assert_eq!(MeasureKind::parse("Housing"), None);
    }

    fn serde_json_like(s: &str) -> String {
        format!("\"{s}\"")
    }
}

vocabulary!(
    /// An answer of the two-no-worries-three-guarantees checklist (两不愁三保障).
    ChecklistAnswer {
        /// Guaranteed.
        Yes = "yes",
        /// Not guaranteed: a finding.
        No = "no",
        /// Does not apply (e.g. no child of school age).
        NotApplicable = "na",
    }
);

vocabulary!(
    /// Where a device-created visit stands.
    VisitStatus {
        /// Received from the device.
        Submitted = "submitted",
        /// Sent back to the device for correction.
        Returned = "returned",
        /// Accepted by a reviewer.
        Accepted = "accepted",
    }
);

vocabulary!(
    /// A reviewer's judgement of a piece of evidence.
    ReviewStatus {
        /// Not judged yet.
        Pending = "pending",
        /// Accepted as evidence.
        Accepted = "accepted",
        /// Rejected, with a reason.
        Rejected = "rejected",
    }
);

vocabulary!(
    /// Where a photo record stands.
    PhotoStatus {
        /// The record arrived; its bytes have not.
        WaitingUpload = "waiting_upload",
        /// Bytes stored and verified.
        Stored = "stored",
    }
);
