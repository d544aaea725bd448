//! What part of the registry a caller can reach, turned into SQL conditions.

use crate::entities::{households, measures, members, plans, scope_grants};
use fieldcheck_domain::{AssesseeId, UserId};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, SimpleExpr},
};

/// The reach of a caller, derived from their role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything (admin, office).
    All,
    /// One district, by its 6-digit code.
    District(String),
    /// The villages and households granted to this field user.
    Granted(UserId),
    /// One assessee's own records.
    Assessee(AssesseeId),
}

/// Kinds of scope grant.
pub mod grant {
    /// A whole village.
    pub const VILLAGE: &str = "village";
    /// One household.
    pub const HOUSEHOLD: &str = "household";
}

fn never() -> SimpleExpr {
    Expr::cust("1 = 0")
}

fn granted(user: UserId, kind: &str) -> sea_orm::sea_query::SelectStatement {
    scope_grants::Entity::find()
        .select_only()
        .column(scope_grants::Column::TargetId)
        .filter(scope_grants::Column::UserId.eq(user.0))
        .filter(scope_grants::Column::Kind.eq(kind))
        .into_query()
}

impl Scope {
    /// Households the scope reaches.
    pub fn households(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::District(code) => {
                Condition::all().add(households::Column::DistrictCode.eq(code))
            }
            Scope::Granted(user) => Condition::any()
                .add(households::Column::Id.in_subquery(granted(*user, grant::HOUSEHOLD)))
                .add(households::Column::VillageId.in_subquery(granted(*user, grant::VILLAGE))),
            Scope::Assessee(_) => Condition::all().add(never()),
        }
    }

    /// The ids of the households the scope reaches, as a sub-query.
    pub fn household_ids(&self) -> sea_orm::sea_query::SelectStatement {
        households::Entity::find()
            .select_only()
            .column(households::Column::Id)
            .filter(self.households())
            .into_query()
    }

    /// Members the scope reaches.
    pub fn members(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            _ => {
                Condition::all().add(members::Column::HouseholdId.in_subquery(self.household_ids()))
            }
        }
    }

    /// Plans the scope reaches.
    pub fn plans(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            _ => Condition::all().add(plans::Column::HouseholdId.in_subquery(self.household_ids())),
        }
    }

    /// Measures the scope reaches.
    pub fn measures(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            _ => {
                let plan_ids = plans::Entity::find()
                    .select_only()
                    .column(plans::Column::Id)
                    .filter(self.plans())
                    .into_query();
                Condition::all().add(measures::Column::PlanId.in_subquery(plan_ids))
            }
        }
    }

    /// Assessees the scope reaches.
    pub fn assessees(&self) -> Condition {
        use crate::entities::assessees::Column;
        match self {
            Scope::All => Condition::all(),
            Scope::District(code) => Condition::all().add(Column::DistrictCode.eq(code)),
            Scope::Assessee(id) => Condition::all().add(Column::Id.eq(id.0)),
            Scope::Granted(_) => Condition::all().add(never()),
        }
    }
}
