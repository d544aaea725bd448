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

/// The kinds of assignment (`method`), as the API takes them.
pub const METHODS: &[&str] = &["on_site_verification", "sample_survey", "spot_check"];

/// Adds a "user_id"-style error unless `user` is an inspector, surveyor or evaluator.
async fn check_field_user(
    conn: &impl ConnectionTrait,
    errors: &mut ValidationErrors,
    field: &str,
    user: Uuid,
) -> Result<(), StoreError> {
    let row = users::Entity::find_by_id(user).one(conn).await?;
    match row.as_ref().and_then(|u| Role::parse(&u.role)) {
        None => errors.add(field, "not-found", "no such user"),
        Some(Role::Inspector | Role::Surveyor | Role::Evaluator) => {}
        Some(_) => errors.add(
            field,
            "not-a-field-user",
            "assignments go to inspectors, surveyors or evaluators",
        ),
    }
    Ok(())
}

/// Puts the household or village into the user's scope, unless it is there already.
async fn ensure_grant(
    conn: &impl ConnectionTrait,
    user: Uuid,
    kind: &str,
    target: Uuid,
) -> Result<(), StoreError> {
    let granted = scope_grants::Entity::find()
        .filter(scope_grants::Column::UserId.eq(user))
        .filter(scope_grants::Column::Kind.eq(kind))
        .filter(scope_grants::Column::TargetId.eq(target))
        .one(conn)
        .await?
        .is_some();
    if !granted {
        scope_grants::ActiveModel {
            user_id: Set(user),
            kind: Set(kind.to_owned()),
            target_id: Set(target),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

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
    check_field_user(conn, &mut errors, "user_id", input.user_id).await?;
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
    ensure_grant(conn, input.user_id, kind, input.target_id).await?;
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

/// Creates many assignments at once (the office's bulk form), each exactly as
/// [`create_assignment`] does it: validated, granted, audited one by one. Run it in one
/// transaction: the first refusal refuses the batch.
pub async fn create_assignments(
    conn: &impl ConnectionTrait,
    actor: UserId,
    inputs: Vec<NewAssignment>,
) -> Result<Vec<Assignment>, StoreError> {
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        out.push(create_assignment(conn, actor, input).await?);
    }
    Ok(out)
}

/// Moving assignments of a cycle from one field user to another.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reassignment {
    /// Cycle.
    pub cycle_id: Uuid,
    /// Who has them now.
    pub from_user: Uuid,
    /// Who gets them.
    pub to_user: Uuid,
    /// Which of `from_user`'s assignments of the cycle; all of them when absent.
    #[serde(default)]
    pub assignment_ids: Option<Vec<Uuid>>,
}

/// Moves assignments to another field user: the target joins the new user's scope, each
/// assignment's version goes up, and each move is audited (`assignment.reassign`). The previous
/// user's scope grants stay (they may come from elsewhere). Refuses unknown ids and ids of
/// another user or cycle, and moves nothing then.
pub async fn reassign(
    conn: &impl ConnectionTrait,
    actor: UserId,
    input: Reassignment,
) -> Result<Vec<Assignment>, StoreError> {
    let c = get_cycle(conn, input.cycle_id)
        .await
        .map_err(|_| StoreError::MissingReference("cycle_id"))?;
    ensure_open(&c)?;
    let mut errors = ValidationErrors::default();
    check_field_user(conn, &mut errors, "to_user", input.to_user).await?;
    if input.to_user == input.from_user {
        errors.add(
            "to_user",
            "same-user",
            "the assignments are this user's already",
        );
    }
    let mut q = assignments::Entity::find()
        .filter(assignments::Column::CycleId.eq(input.cycle_id))
        .filter(assignments::Column::UserId.eq(input.from_user))
        .order_by_asc(assignments::Column::CreatedAt);
    if let Some(ids) = &input.assignment_ids {
        if ids.is_empty() {
            errors.add(
                "assignment_ids",
                "required",
                "choose at least one assignment",
            );
        }
        q = q.filter(assignments::Column::Id.is_in(ids.iter().copied()));
    }
    let rows = q.all(conn).await?;
    if let Some(ids) = &input.assignment_ids {
        let found: std::collections::HashSet<Uuid> = rows.iter().map(|r| r.id).collect();
        if ids.iter().any(|i| !found.contains(i)) {
            errors.add(
                "assignment_ids",
                "not-found",
                "not an assignment of this user in this cycle",
            );
        }
    } else if rows.is_empty() {
        errors.add(
            "from_user",
            "not-found",
            "this user has no assignment in the cycle",
        );
    }
    errors.into_result()?;
    let t = now();
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        ensure_grant(conn, input.to_user, &m.target_kind, m.target_id).await?;
        let version = m.version + 1;
        let mut a: assignments::ActiveModel = m.into();
        a.user_id = Set(input.to_user);
        a.version = Set(version);
        a.updated_at = Set(t);
        let m = a.update(conn).await?;
        audit::record(
            conn,
            Some(actor),
            "assignment.reassign",
            "assignment",
            m.id,
            json!({ "from": input.from_user, "to": m.user_id, "target": m.target_id }),
        )
        .await?;
        out.push(m.into());
    }
    Ok(out)
}

/// A user assignments may go to.
#[derive(Clone, Debug, Serialize)]
pub struct FieldUser {
    /// Id.
    pub id: Uuid,
    /// Sign-in name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Inspector, surveyor or evaluator.
    pub role: Role,
}

/// The enabled users [`create_assignment`] accepts, by sign-in name.
pub async fn field_users(conn: &impl ConnectionTrait) -> Result<Vec<FieldUser>, StoreError> {
    let field = [Role::Inspector, Role::Surveyor, Role::Evaluator];
    Ok(users::Entity::find()
        .filter(users::Column::Role.is_in(field.iter().map(|r| r.as_str())))
        .filter(users::Column::Disabled.eq(false))
        .order_by_asc(users::Column::Username)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|u| {
            Some(FieldUser {
                role: Role::parse(&u.role)?,
                id: u.id,
                username: u.username,
                display_name: u.display_name,
            })
        })
        .collect())
}
