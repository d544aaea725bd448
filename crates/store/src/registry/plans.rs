//! Yearly plans and their assistance measures: read, created and edited.

use super::bump_field_versions;
use super::households::opt_text;
use crate::entities::{households, measures, plans};
use crate::page::{Page, PageRequest, fetch_page};
use crate::{Scope, StoreError, audit, check_version, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{
    HouseholdId, MeasureId, MeasureKind, MeasureStatus, PersonId, PlanId, PlanStatus, UnitId,
    UserId, ValidationErrors, validation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

/// A plan with its measures.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Its id.
    pub id: PlanId,
    /// Household.
    pub household_id: HouseholdId,
    /// Year.
    pub year: i32,
    /// Status.
    pub status: PlanStatus,
    /// Measures.
    pub measures: Vec<Measure>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One assistance measure.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// Its id.
    pub id: MeasureId,
    /// Plan.
    pub plan_id: PlanId,
    /// Type.
    pub kind: MeasureKind,
    /// What is done.
    pub description: String,
    /// Lead unit.
    pub lead_unit_id: Option<UnitId>,
    /// Responsible person.
    pub responsible_person_id: Option<PersonId>,
    /// Budget in fen (0.01 yuan), integer so sums are exact.
    pub budget_fen: i64,
    /// Progress.
    pub status: MeasureStatus,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<measures::Model> for Measure {
    fn from(m: measures::Model) -> Self {
        Measure {
            id: MeasureId(m.id),
            plan_id: PlanId(m.plan_id),
            kind: MeasureKind::parse(&m.kind).unwrap_or(MeasureKind::Other),
            description: m.description,
            lead_unit_id: m.lead_unit_id.map(UnitId),
            responsible_person_id: m.responsible_person_id.map(PersonId),
            budget_fen: m.budget_fen,
            status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Planned),
            version: m.version,
            updated_at: m.updated_at,
        }
    }
}

pub(super) fn plan_dto(p: plans::Model, ms: Vec<measures::Model>) -> Plan {
    Plan {
        id: PlanId(p.id),
        household_id: HouseholdId(p.household_id),
        year: p.year,
        status: PlanStatus::parse(&p.status).unwrap_or(PlanStatus::Draft),
        measures: ms.into_iter().map(Measure::from).collect(),
        version: p.version,
        updated_at: p.updated_at,
    }
}

async fn measures_of(
    conn: &impl ConnectionTrait,
    plan: uuid::Uuid,
) -> Result<Vec<measures::Model>, StoreError> {
    Ok(measures::Entity::find()
        .filter(measures::Column::PlanId.eq(plan))
        .order_by_asc(measures::Column::Id)
        .all(conn)
        .await?)
}

/// A new plan with its measures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// Household.
    pub household_id: HouseholdId,
    /// Year.
    pub year: i32,
    /// Status (default draft).
    pub status: Option<PlanStatus>,
    /// Measures.
    #[serde(default)]
    pub measures: Vec<NewMeasure>,
}

/// A new measure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeasure {
    /// Type.
    pub kind: MeasureKind,
    /// What is done.
    pub description: String,
    /// Lead unit.
    pub lead_unit_id: Option<UnitId>,
    /// Responsible person.
    pub responsible_person_id: Option<PersonId>,
    /// Budget in fen.
    #[serde(default)]
    pub budget_fen: i64,
    /// Progress (default planned).
    pub status: Option<MeasureStatus>,
}

/// Changes to a plan.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    /// Status.
    pub status: Option<PlanStatus>,
}

/// Changes to a measure.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurePatch {
    /// Description.
    pub description: Option<String>,
    /// Progress.
    pub status: Option<MeasureStatus>,
    /// Budget.
    pub budget_fen: Option<i64>,
    /// Lead unit.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub lead_unit_id: Option<Option<UnitId>>,
    /// Responsible person.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub responsible_person_id: Option<Option<PersonId>>,
}

/// Filters of the plan list.
#[derive(Debug, Default)]
pub struct PlanFilter {
    /// Household.
    pub household_id: Option<HouseholdId>,
    /// Year.
    pub year: Option<i32>,
    /// Status.
    pub status: Option<PlanStatus>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Lists plans in scope, each with its measures.
pub async fn list_plans(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &PlanFilter,
    page: PageRequest,
) -> Result<Page<Plan>, StoreError> {
    let mut q = plans::Entity::find().filter(scope.plans());
    if let Some(h) = filter.household_id {
        q = q.filter(plans::Column::HouseholdId.eq(h.0));
    }
    if let Some(y) = filter.year {
        q = q.filter(plans::Column::Year.eq(y));
    }
    if let Some(s) = filter.status {
        q = q.filter(plans::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(plans::Column::UpdatedAt.gte(t));
    }
    let page = fetch_page(conn, q, plans::Column::Id, page, |m| m.id).await?;
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|p| p.id).collect();
    let all = measures::Entity::find()
        .filter(measures::Column::PlanId.is_in(ids))
        .order_by_asc(measures::Column::Id)
        .all(conn)
        .await?;
    Ok(page.map(|p| {
        let ms = all.iter().filter(|m| m.plan_id == p.id).cloned().collect();
        plan_dto(p, ms)
    }))
}

/// One plan in scope.
pub async fn get_plan(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: PlanId,
) -> Result<Plan, StoreError> {
    let p = plans::Entity::find_by_id(id.0)
        .filter(scope.plans())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let ms = measures_of(conn, p.id).await?;
    Ok(plan_dto(p, ms))
}

fn validate_measure(m: &NewMeasure, errors: &mut ValidationErrors) -> Option<String> {
    if m.budget_fen < 0 {
        errors.add("budget_fen", "negative", "a budget cannot be negative");
    }
    validation::text(errors, "description", &m.description, 500)
}

async fn insert_measure(
    conn: &impl ConnectionTrait,
    plan: uuid::Uuid,
    m: NewMeasure,
    description: String,
) -> Result<measures::Model, StoreError> {
    let t = now();
    Ok(measures::ActiveModel {
        id: Set(MeasureId::new().0),
        plan_id: Set(plan),
        kind: Set(m.kind.as_str().to_owned()),
        description: Set(description),
        lead_unit_id: Set(m.lead_unit_id.map(|u| u.0)),
        responsible_person_id: Set(m.responsible_person_id.map(|p| p.0)),
        budget_fen: Set(m.budget_fen),
        status: Set(m
            .status
            .unwrap_or(MeasureStatus::Planned)
            .as_str()
            .to_owned()),
        field_versions: Set("{}".to_owned()),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?)
}

/// Creates a plan (one per household and year) with its measures.
pub async fn create_plan(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    input: NewPlan,
) -> Result<Plan, StoreError> {
    let mut errors = ValidationErrors::default();
    if !(2013..=2100).contains(&input.year) {
        errors.add("year", "out-of-range", "a year between 2013 and 2100");
    }
    let mut descriptions = Vec::new();
    for (i, m) in input.measures.iter().enumerate() {
        let mut e = ValidationErrors::default();
        descriptions.push(validate_measure(m, &mut e));
        errors.extend_prefixed(&format!("measures[{i}]."), e);
    }
    let h = households::Entity::find_by_id(input.household_id.0)
        .filter(scope.households())
        .one(conn)
        .await?;
    if h.is_none() {
        errors.add(
            "household_id",
            "unknown-household",
            "no household with this id",
        );
    }
    errors.into_result()?;
    let t = now();
    let p = plans::ActiveModel {
        id: Set(PlanId::new().0),
        household_id: Set(input.household_id.0),
        year: Set(input.year),
        status: Set(input
            .status
            .unwrap_or(PlanStatus::Draft)
            .as_str()
            .to_owned()),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    let mut ms = Vec::new();
    for (m, d) in input.measures.into_iter().zip(descriptions) {
        ms.push(insert_measure(conn, p.id, m, d.unwrap_or_default()).await?);
    }
    audit::record(
        conn,
        actor,
        "plan.create",
        "plan",
        p.id.to_string(),
        serde_json::json!({ "household": p.household_id, "year": p.year }),
    )
    .await?;
    Ok(plan_dto(p, ms))
}

/// Edits a plan.
pub async fn update_plan(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    id: PlanId,
    expected_version: i64,
    patch: PlanPatch,
) -> Result<Plan, StoreError> {
    let p = plans::Entity::find_by_id(id.0)
        .filter(scope.plans())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(p.version, expected_version)?;
    let version = p.version + 1;
    let mut am: plans::ActiveModel = p.into();
    if let Some(s) = patch.status {
        am.status = Set(s.as_str().to_owned());
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let p = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "plan.update",
        "plan",
        p.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    let ms = measures_of(conn, p.id).await?;
    Ok(plan_dto(p, ms))
}

/// Adds a measure to a plan in scope.
pub async fn add_measure(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    plan: PlanId,
    input: NewMeasure,
) -> Result<Measure, StoreError> {
    let p = plans::Entity::find_by_id(plan.0)
        .filter(scope.plans())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut errors = ValidationErrors::default();
    let d = validate_measure(&input, &mut errors);
    errors.into_result()?;
    let m = insert_measure(conn, p.id, input, d.unwrap_or_default()).await?;
    audit::record(
        conn,
        actor,
        "measure.create",
        "measure",
        m.id.to_string(),
        serde_json::json!({ "plan": p.id }),
    )
    .await?;
    Ok(m.into())
}

/// One measure in scope.
pub async fn get_measure(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: MeasureId,
) -> Result<Measure, StoreError> {
    measures::Entity::find_by_id(id.0)
        .filter(scope.measures())
        .one(conn)
        .await?
        .map(Measure::from)
        .ok_or(StoreError::NotFound)
}

/// Edits a measure.
pub async fn update_measure(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    id: MeasureId,
    expected_version: i64,
    patch: MeasurePatch,
) -> Result<Measure, StoreError> {
    let m = measures::Entity::find_by_id(id.0)
        .filter(scope.measures())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(m.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let description = opt_text(
        &mut errors,
        "description",
        patch.description.as_deref(),
        500,
    );
    if patch.budget_fen.is_some_and(|b| b < 0) {
        errors.add("budget_fen", "negative", "a budget cannot be negative");
    }
    errors.into_result()?;
    let version = m.version + 1;
    let mut changed = Vec::new();
    for (field, present) in [
        ("description", description.is_some()),
        ("status", patch.status.is_some()),
        ("budget_fen", patch.budget_fen.is_some()),
        ("lead_unit_id", patch.lead_unit_id.is_some()),
        (
            "responsible_person_id",
            patch.responsible_person_id.is_some(),
        ),
    ] {
        if present {
            changed.push(field);
        }
    }
    let field_versions = bump_field_versions(&m.field_versions, &changed, version);
    let mut am: measures::ActiveModel = m.into();
    am.field_versions = Set(field_versions);
    if let Some(v) = description {
        am.description = Set(v);
    }
    if let Some(v) = patch.status {
        am.status = Set(v.as_str().to_owned());
    }
    if let Some(v) = patch.budget_fen {
        am.budget_fen = Set(v);
    }
    if let Some(v) = patch.lead_unit_id {
        am.lead_unit_id = Set(v.map(|u| u.0));
    }
    if let Some(v) = patch.responsible_person_id {
        am.responsible_person_id = Set(v.map(|p| p.0));
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "measure.update",
        "measure",
        m.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    Ok(m.into())
}
