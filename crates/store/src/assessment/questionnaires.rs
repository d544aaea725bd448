//! Questionnaire versions used in fieldwork: stored, created, listed and the default ensured.

use crate::entities::questionnaires;
use crate::{StoreError, audit, now};
use fieldcheck_domain::UserId;
use fieldcheck_domain::questionnaire::{self, Questionnaire};
use fieldcheck_domain::questionnaire_xlsform::XlsForm;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
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

/// The version after the newest stored one of `code` (1 when there is none).
pub async fn next_questionnaire_version(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<i32, StoreError> {
    let newest: Option<i32> = questionnaires::Entity::find()
        .select_only()
        .column(questionnaires::Column::Version)
        .filter(questionnaires::Column::Code.eq(code))
        .order_by_desc(questionnaires::Column::Version)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(newest.unwrap_or(0) + 1)
}

/// Stores `q` as the next version of its code (whatever version it carried), through
/// [`create_questionnaire`]: the office's editor saves this way.
pub async fn create_next_questionnaire_version(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    mut q: Questionnaire,
) -> Result<StoredQuestionnaire, StoreError> {
    q.version = next_questionnaire_version(conn, &q.code).await?;
    create_questionnaire(conn, actor, q).await
}

/// Makes the stored version `id` the one phones ask. Phones pull every version and ask the
/// newest of `satisfaction` ([`questionnaire::phones_pick`]), so publishing stores its definition
/// as the next version of `satisfaction` (through [`create_questionnaire`], audited as a
/// creation) and records `questionnaire.publish` naming the source. A version that phones
/// already ask is refused as a duplicate.
pub async fn publish_questionnaire(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    id: Uuid,
) -> Result<StoredQuestionnaire, StoreError> {
    let source = get_questionnaire(conn, id).await?;
    let all = list_questionnaires(conn).await?;
    let current = questionnaire::phones_pick(
        all.iter()
            .map(|s| (s.questionnaire.code.as_str(), s.questionnaire.version)),
    )
    .map(|i| all[i].id);
    if current == Some(id) {
        return Err(StoreError::Duplicate(
            "phones already ask this questionnaire version".into(),
        ));
    }
    let mut q = source.questionnaire;
    q.code = questionnaire::PHONE_CODE.to_owned();
    let published = create_next_questionnaire_version(conn, actor, q).await?;
    audit::record(
        conn,
        actor,
        "questionnaire.publish",
        "questionnaire",
        published.id,
        json!({ "from": id, "version": published.questionnaire.version }),
    )
    .await?;
    Ok(published)
}

/// Reads the `survey`, `choices` and `settings` sheets (names in any case) of an XLSForm
/// workbook as rows of cell texts, for [`fieldcheck_domain::questionnaire_xlsform::from_xlsform`].
pub fn read_xlsform(bytes: &[u8]) -> Result<XlsForm, StoreError> {
    use calamine::{Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| StoreError::File(format!("not an .xlsx workbook: {e}")))?;
    let names = book.sheet_names();
    let mut sheet = |wanted: &str| -> Result<Vec<Vec<String>>, StoreError> {
        let Some(name) = names.iter().find(|n| n.trim().eq_ignore_ascii_case(wanted)) else {
            return Ok(Vec::new());
        };
        let range = book
            .worksheet_range(name)
            .map_err(|e| StoreError::File(format!("cannot read sheet `{wanted}`: {e}")))?;
        // Rows as the spreadsheet numbers them: leading blank rows kept, so row numbers match.
        let first = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let mut rows = vec![Vec::new(); first];
        rows.extend(range.rows().map(|row| {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(cell_text));
            cells
        }));
        // The header is the first non-blank row.
        let header = rows
            .iter()
            .position(|r| r.iter().any(|c| !c.trim().is_empty()))
            .unwrap_or(0);
        Ok(rows.split_off(header))
    };
    Ok(XlsForm {
        survey: sheet("survey")?,
        choices: sheet("choices")?,
        settings: sheet("settings")?,
    })
}

fn cell_text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::Empty => String::new(),
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Float(f) => f.to_string(),
        calamine::Data::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        other => other.to_string(),
    }
}
