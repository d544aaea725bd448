//! Self-reports: an assessee's own report per category, submitted, returned and listed.

use super::cycles::{ensure_step, get_cycle};
use super::templates::current_template;
use crate::entities::{assessees, self_reports};
use crate::{Scope, StoreError, audit, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::assessment::CycleStep;
use fieldcheck_domain::{AssesseeKind, UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// An assessee's self-report for one category.
#[derive(Clone, Debug, Serialize)]
pub struct SelfReport {
    /// Id.
    pub id: Uuid,
    /// Cycle.
    pub cycle_id: Uuid,
    /// Assessee.
    pub assessee_id: Uuid,
    /// Category of the assessee's score sheet.
    pub category_code: String,
    /// The summary.
    pub summary: String,
    /// Attached materials (photo ids or document references).
    pub materials: Value,
    /// submitted, returned (for rework) or accepted.
    pub status: String,
    /// The office's comment when returned.
    pub review_comment: Option<String>,
    /// Version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<self_reports::Model> for SelfReport {
    fn from(m: self_reports::Model) -> Self {
        SelfReport {
            id: m.id,
            cycle_id: m.cycle_id,
            assessee_id: m.assessee_id,
            category_code: m.category_code,
            summary: m.summary,
            materials: serde_json::from_str(&m.materials).unwrap_or(Value::Null),
            status: m.status,
            review_comment: m.review_comment,
            version: m.version,
            updated_at: m.updated_at,
        }
    }
}

/// A self-report as submitted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfReportInput {
    /// Category code of the assessee's score sheet.
    pub category_code: String,
    /// Summary of the year's work for the category.
    pub summary: String,
    /// Attached materials: photo ids or document references.
    #[serde(default)]
    pub materials: Vec<String>,
}

pub(super) async fn assessee_row(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(assessees::Model, AssesseeKind), StoreError> {
    let a = assessees::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let kind = AssesseeKind::parse(&a.kind).ok_or(StoreError::NotFound)?;
    Ok((a, kind))
}

/// Submits (or resubmits) the caller's own self-report for a category, in step 1.
pub async fn submit_self_report(
    conn: &impl ConnectionTrait,
    actor: UserId,
    assessee_id: Uuid,
    cycle_id: Uuid,
    input: SelfReportInput,
) -> Result<SelfReport, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    ensure_step(&c, CycleStep::SelfReport, "a self-report")?;
    let (_, kind) = assessee_row(conn, assessee_id).await?;
    let mut errors = ValidationErrors::default();
    let tpl = current_template(conn, c.year, kind).await?;
    if !tpl
        .as_ref()
        .is_some_and(|t| t.categories.iter().any(|k| k.code == input.category_code))
    {
        errors.add(
            "category_code",
            "unknown-category",
            "not a category of your score sheet",
        );
    }
    let summary = validation::multiline_text(&mut errors, "summary", &input.summary, 20_000);
    if input.materials.len() > 200 {
        errors.add("materials", "too-many", "at most 200 materials");
    }
    errors.into_result()?;
    let summary = summary.unwrap_or_default();
    let materials = serde_json::to_string(&input.materials).unwrap_or_default();
    let t = now();
    let existing = self_reports::Entity::find()
        .filter(self_reports::Column::CycleId.eq(cycle_id))
        .filter(self_reports::Column::AssesseeId.eq(assessee_id))
        .filter(self_reports::Column::CategoryCode.eq(&input.category_code))
        .one(conn)
        .await?;
    let m = match existing {
        Some(e) => {
            let version = e.version + 1;
            let mut am: self_reports::ActiveModel = e.into();
            am.summary = Set(summary);
            am.materials = Set(materials);
            am.status = Set("submitted".into());
            am.version = Set(version);
            am.updated_at = Set(t);
            am.update(conn).await?
        }
        None => {
            self_reports::ActiveModel {
                id: Set(Uuid::new_v4()),
                cycle_id: Set(cycle_id),
                assessee_id: Set(assessee_id),
                category_code: Set(input.category_code),
                summary: Set(summary),
                materials: Set(materials),
                status: Set("submitted".into()),
                review_comment: Set(None),
                submitted_by: Set(actor.0),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?
        }
    };
    audit::record(
        conn,
        Some(actor),
        "self_report.submit",
        "self_report",
        m.id,
        json!({ "category": m.category_code, "version": m.version }),
    )
    .await?;
    Ok(m.into())
}

/// Returns a self-report to its assessee for rework.
pub async fn return_self_report(
    conn: &impl ConnectionTrait,
    actor: UserId,
    id: Uuid,
    comment: &str,
) -> Result<SelfReport, StoreError> {
    let e = self_reports::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let c = get_cycle(conn, e.cycle_id).await?;
    // Only while the assessee can still resubmit.
    ensure_step(&c, CycleStep::SelfReport, "returning a self-report")?;
    let mut errors = ValidationErrors::default();
    let comment = validation::multiline_text(&mut errors, "comment", comment, 4000);
    errors.into_result()?;
    let version = e.version + 1;
    let mut am: self_reports::ActiveModel = e.into();
    am.status = Set("returned".into());
    am.review_comment = Set(comment);
    am.version = Set(version);
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        Some(actor),
        "self_report.return",
        "self_report",
        id,
        json!({ "version": m.version }),
    )
    .await?;
    Ok(m.into())
}

/// Self-reports of a cycle the scope reaches.
pub async fn list_self_reports(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
) -> Result<Vec<SelfReport>, StoreError> {
    get_cycle(conn, cycle_id).await?;
    let ids = reachable_assessees(conn, scope).await?;
    let mut q = self_reports::Entity::find()
        .filter(self_reports::Column::CycleId.eq(cycle_id))
        .order_by_asc(self_reports::Column::AssesseeId)
        .order_by_asc(self_reports::Column::CategoryCode);
    if let Some(ids) = ids {
        q = q.filter(self_reports::Column::AssesseeId.is_in(ids));
    }
    Ok(q.all(conn).await?.into_iter().map(Into::into).collect())
}

/// The assessees a scope reaches; `None` for all.
pub(super) async fn reachable_assessees(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Option<Vec<Uuid>>, StoreError> {
    if *scope == Scope::All {
        return Ok(None);
    }
    Ok(Some(
        assessees::Entity::find()
            .select_only()
            .column(assessees::Column::Id)
            .filter(scope.assessees())
            .into_tuple::<Uuid>()
            .all(conn)
            .await?,
    ))
}
