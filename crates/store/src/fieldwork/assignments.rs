//! Assignments: inspection tasks of a cycle, created and listed.

use crate::assessment::{ensure_open, get_cycle};
use crate::entities::{assignments, households, places, scope_grants, users};
use crate::scope::grant;
use crate::{StoreError, audit, now};
use chrono::NaiveDate;
use fieldcheck_domain::{Role, UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// An inspection task.
#[derive(Clone, Debug, Serialize)]
pub struct Assignment {
    /// Id.
    pub id: Uuid,
    /// Cycle.
    pub cycle_id: Uuid,
    /// Who does it.
    pub user_id: Uuid,
    /// on_site_verification, sample_survey or spot_check.
    pub method: String,
    /// household or village.
    pub target_kind: String,
    /// The household or village.
    pub target_id: Uuid,
    /// Due date.
    pub due_on: NaiveDate,
    /// Instructions.
    pub note: String,
    /// Version.
    pub version: i64,
}

impl From<assignments::Model> for Assignment {
    fn from(m: assignments::Model) -> Self {
        Assignment {
            id: m.id,
            cycle_id: m.cycle_id,
            user_id: m.user_id,
            method: m.method,
            target_kind: m.target_kind,
            target_id: m.target_id,
            due_on: m.due_on.parse().unwrap_or_default(),
            note: m.note,
            version: m.version,
        }
    }
}

/// A new assignment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    /// Cycle.
    pub cycle_id: Uuid,
    /// Inspector, surveyor or evaluator.
    pub user_id: Uuid,
    /// on_site_verification, sample_survey or spot_check.
    pub method: String,
    /// household or village.
    pub target_kind: String,
    /// The household or village.
    pub target_id: Uuid,
    /// Due date.
    pub due_on: NaiveDate,
    /// Instructions.
    #[serde(default)]
    pub note: String,
}

const METHODS: &[&str] = &["on_site_verification", "sample_survey", "spot_check"];

/// Gives a field user a task; the household or village joins the user's scope, so the device
/// receives it (and the task itself) on its next pull.
pub async fn create_assignment(
    conn: &impl ConnectionTrait,
    actor: UserId,
    input: NewAssignment,
) -> Result<Assignment, StoreError> {
    let c = get_cycle(conn, input.cycle_id)
        .await
        .map_err(|_| StoreError::MissingReference("cycle_id"))?;
    ensure_open(&c)?;
    let mut errors = ValidationErrors::default();
    if !METHODS.contains(&input.method.as_str()) {
        errors.add(
            "method",
            "invalid",
            "on_site_verification, sample_survey or spot_check",
        );
    }
    let kind = match input.target_kind.as_str() {
        "household" => grant::HOUSEHOLD,
        "village" => grant::VILLAGE,
        _ => {
            errors.add("target_kind", "invalid", "household or village");
            grant::HOUSEHOLD
        }
    };
    let note = validation::multiline_text(&mut errors, "note", &input.note, 2000);
    let user = users::Entity::find_by_id(input.user_id).one(conn).await?;
    match user.as_ref().and_then(|u| Role::parse(&u.role)) {
        None => errors.add("user_id", "not-found", "no such user"),
        Some(Role::Inspector | Role::Surveyor | Role::Evaluator) => {}
        Some(_) => errors.add(
            "user_id",
            "not-a-field-user",
            "assignments go to inspectors, surveyors or evaluators",
        ),
    }
    let target_exists = if kind == grant::HOUSEHOLD {
        households::Entity::find_by_id(input.target_id)
            .one(conn)
            .await?
            .is_some()
    } else {
        places::Entity::find_by_id(input.target_id)
            .filter(places::Column::Level.eq("village"))
            .one(conn)
            .await?
            .is_some()
    };
    if !target_exists {
        errors.add("target_id", "not-found", "no such household or village");
    }
    errors.into_result()?;
    let granted = scope_grants::Entity::find()
        .filter(scope_grants::Column::UserId.eq(input.user_id))
        .filter(scope_grants::Column::Kind.eq(kind))
        .filter(scope_grants::Column::TargetId.eq(input.target_id))
        .one(conn)
        .await?
        .is_some();
    if !granted {
        scope_grants::ActiveModel {
            user_id: Set(input.user_id),
            kind: Set(kind.to_owned()),
            target_id: Set(input.target_id),
        }
        .insert(conn)
        .await?;
    }
    let t = now();
    let m = assignments::ActiveModel {
        id: Set(Uuid::new_v4()),
        cycle_id: Set(input.cycle_id),
        user_id: Set(input.user_id),
        method: Set(input.method),
        target_kind: Set(kind.to_owned()),
        target_id: Set(input.target_id),
        due_on: Set(input.due_on.to_string()),
        note: Set(note.unwrap_or_default()),
        created_by: Set(actor.0),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        Some(actor),
        "assignment.create",
        "assignment",
        m.id,
        json!({ "user": m.user_id, "target": m.target_id, "method": m.method }),
    )
    .await?;
    Ok(m.into())
}

/// Assignments of a cycle: everyone's for the office, one's own for a field user.
pub async fn list_assignments(
    conn: &impl ConnectionTrait,
    only_user: Option<Uuid>,
    cycle_id: Option<Uuid>,
) -> Result<Vec<Assignment>, StoreError> {
    let mut q = assignments::Entity::find().order_by_asc(assignments::Column::CreatedAt);
    if let Some(u) = only_user {
        q = q.filter(assignments::Column::UserId.eq(u));
    }
    if let Some(c) = cycle_id {
        q = q.filter(assignments::Column::CycleId.eq(c));
    }
    Ok(q.all(conn).await?.into_iter().map(Into::into).collect())
}
