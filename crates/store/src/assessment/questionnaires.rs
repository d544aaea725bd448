//! Questionnaire versions used in fieldwork: stored, created, listed and the default ensured.

use crate::entities::questionnaires;
use crate::{StoreError, audit, now};
use fieldcheck_domain::UserId;
use fieldcheck_domain::questionnaire::{self, Questionnaire};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// A stored questionnaire version.
#[derive(Clone, Debug, Serialize)]
pub struct StoredQuestionnaire {
    /// Row id (responses refer to it).
    pub id: Uuid,
    /// The definition.
    #[serde(flatten)]
    pub questionnaire: Questionnaire,
}

fn stored_questionnaire(m: questionnaires::Model) -> Result<StoredQuestionnaire, StoreError> {
    Ok(StoredQuestionnaire {
        id: m.id,
        questionnaire: serde_json::from_str(&m.body)
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?,
    })
}

/// Stores a questionnaire version after checking its definition; versions never change.
pub async fn create_questionnaire(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    q: Questionnaire,
) -> Result<StoredQuestionnaire, StoreError> {
    q.validate_definition()?;
    let m = questionnaires::ActiveModel {
        id: Set(Uuid::new_v4()),
        code: Set(q.code.clone()),
        version: Set(q.version),
        title: Set(q.title.clone()),
        body: Set(serde_json::to_string(&q).unwrap_or_default()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "questionnaire.create",
        "questionnaire",
        m.id,
        json!({ "code": m.code, "version": m.version }),
    )
    .await?;
    stored_questionnaire(m)
}

pub(super) async fn ensure_default_questionnaire(
    conn: &impl ConnectionTrait,
) -> Result<(), StoreError> {
    let q = questionnaire::default_questionnaire()
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e)))?;
    let exists = questionnaires::Entity::find()
        .filter(questionnaires::Column::Code.eq(&q.code))
        .one(conn)
        .await?
        .is_some();
    if !exists {
        create_questionnaire(conn, None, q).await?;
    }
    Ok(())
}

/// Every questionnaire version.
pub async fn list_questionnaires(
    conn: &impl ConnectionTrait,
) -> Result<Vec<StoredQuestionnaire>, StoreError> {
    questionnaires::Entity::find()
        .order_by_asc(questionnaires::Column::Code)
        .order_by_asc(questionnaires::Column::Version)
        .all(conn)
        .await?
        .into_iter()
        .map(stored_questionnaire)
        .collect()
}

/// One questionnaire version.
pub async fn get_questionnaire(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<StoredQuestionnaire, StoreError> {
    questionnaires::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(stored_questionnaire)
}
