//! One id type per entity, so a `HouseholdId` can never be passed where a `PlaceId` is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7), so keyset pages follow creation order.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    )*};
}

typed_id!(
    /// An administrative place: district, town or village.
    PlaceId,
    /// A registered poor household (建档立卡贫困户).
    HouseholdId,
    /// A member of a registered household.
    MemberId,
    /// A household's yearly one-household-one-policy plan (一户一策).
    PlanId,
    /// One assistance measure of a plan.
    MeasureId,
    /// A unit: a lead department or a paired-assistance unit.
    UnitId,
    /// A responsible person (帮扶责任人) of a paired unit.
    PersonId,
    /// Someone who is assessed (考核对象).
    AssesseeId,
    /// A user account of fieldcheck.
    UserId,
);
