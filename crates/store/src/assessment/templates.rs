//! Assessment templates: stored revisions, the current one, and creating a new revision.

use super::unwire;
use crate::entities::{cycles, templates};
use crate::{StoreError, audit, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::assessment::{CycleStep, Template};
use fieldcheck_domain::{AssesseeKind, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// A stored template revision.
#[derive(Clone, Debug, Serialize)]
pub struct StoredTemplate {
    /// Row id.
    pub id: Uuid,
    /// Revision within year and kind (the highest is current).
    pub revision: i32,
    /// The template.
    #[serde(flatten)]
    pub template: Template,
    /// Stored at.
    pub created_at: DateTime<Utc>,
}

fn stored_template(m: templates::Model) -> Result<StoredTemplate, StoreError> {
    Ok(StoredTemplate {
        id: m.id,
        revision: m.revision,
        template: serde_json::from_str(&m.body)
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?,
        created_at: m.created_at,
    })
}

/// Templates of a year (every revision), or of every year.
pub async fn list_templates(
    conn: &impl ConnectionTrait,
    year: Option<i32>,
) -> Result<Vec<StoredTemplate>, StoreError> {
    let mut q = templates::Entity::find()
        .order_by_asc(templates::Column::Year)
        .order_by_asc(templates::Column::Kind)
        .order_by_asc(templates::Column::Revision);
    if let Some(y) = year {
        q = q.filter(templates::Column::Year.eq(y));
    }
    q.all(conn)
        .await?
        .into_iter()
        .map(stored_template)
        .collect()
}

/// The current (highest) revision of a year's template for a kind.
pub async fn current_template(
    conn: &impl ConnectionTrait,
    year: i32,
    kind: AssesseeKind,
) -> Result<Option<Template>, StoreError> {
    let m = templates::Entity::find()
        .filter(templates::Column::Year.eq(year))
        .filter(templates::Column::Kind.eq(kind.as_str()))
        .order_by_desc(templates::Column::Revision)
        .one(conn)
        .await?;
    m.map(|m| stored_template(m).map(|t| t.template))
        .transpose()
}

/// Stores a new revision of a template after checking it (maxima must add up to 100); refused
/// once the year's cycle has left the self-report step, since scores already refer to it.
pub async fn create_template(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    template: Template,
) -> Result<StoredTemplate, StoreError> {
    template.validate()?;
    if let Some(c) = cycles::Entity::find()
        .filter(cycles::Column::Year.eq(template.year))
        .one(conn)
        .await?
        && unwire::<CycleStep>(&c.step)? != CycleStep::SelfReport
    {
        return Err(StoreError::Refused {
            code: "wrong-step",
            detail: "the year's cycle is past self-reports; its score sheets no longer change"
                .into(),
        });
    }
    let last = templates::Entity::find()
        .filter(templates::Column::Year.eq(template.year))
        .filter(templates::Column::Kind.eq(template.kind.as_str()))
        .order_by_desc(templates::Column::Revision)
        .one(conn)
        .await?
        .map_or(0, |m| m.revision);
    let m = templates::ActiveModel {
        id: Set(Uuid::new_v4()),
        year: Set(template.year),
        kind: Set(template.kind.as_str().to_owned()),
        revision: Set(last + 1),
        body: Set(serde_json::to_string(&template).unwrap_or_default()),
        created_by: Set(actor.map(|a| a.0)),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "template.create",
        "template",
        m.id,
        json!({ "year": m.year, "kind": m.kind, "revision": m.revision }),
    )
    .await?;
    stored_template(m)
}
