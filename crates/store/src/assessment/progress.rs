//! Field progress of a cycle, village by village.

use super::cycles::get_cycle;
use super::results::placeholders;
use crate::{Scope, StoreError};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use serde::Serialize;
use uuid::Uuid;

/// Field progress of one village in a cycle.
#[derive(Clone, Debug, Serialize, FromQueryResult)]
pub struct VillageProgress {
    /// Village id.
    pub village_id: Uuid,
    /// Village division code.
    pub village_code: String,
    /// Village name.
    pub village_name: String,
    /// Registered households.
    pub households: i64,
    /// Households with an assignment (directly or through their village).
    pub assigned: i64,
    /// Households visited in the cycle's window.
    pub visited: i64,
    /// Households in one of the cycle's samples.
    pub sampled: i64,
    /// Households with a survey response in the cycle.
    pub surveyed: i64,
    /// Responses saying satisfied.
    pub satisfied: i64,
    /// Responses with a satisfaction answer.
    pub rated: i64,
    /// Photos carrying at least one flag.
    pub flagged_photos: i64,
}

/// Progress per village of a cycle, within the scope; grouped queries only.
pub async fn progress(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
    district: Option<&str>,
) -> Result<Vec<VillageProgress>, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    let backend = conn.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![
        cycle_id.into(),
        cycle_id.into(),
        c.window_start.into(),
        c.window_end.into(),
        cycle_id.into(),
        cycle_id.into(),
        cycle_id.into(),
    ];
    let mut filter = String::new();
    match scope {
        Scope::All => {}
        Scope::District(d) => {
            filter.push_str(" AND h.district_code = ?");
            values.push(d.clone().into());
        }
        _ => return Ok(Vec::new()),
    }
    if let Some(d) = district {
        filter.push_str(" AND h.district_code = ?");
        values.push(d.to_owned().into());
    }
    let sql = format!(
        "SELECT p.id AS village_id, p.code AS village_code, p.name AS village_name, \
           COUNT(h.id) AS households, \
           SUM(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.cycle_id = ? AND \
               ((a.target_kind = 'household' AND a.target_id = h.id) OR (a.target_kind = 'village' AND a.target_id = h.village_id))) THEN 1 ELSE 0 END) AS assigned, \
           SUM(CASE WHEN EXISTS (SELECT 1 FROM sample_households sh JOIN samples s ON s.id = sh.sample_id \
               WHERE s.cycle_id = ? AND sh.household_id = h.id) THEN 1 ELSE 0 END) AS sampled, \
           SUM(CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id AND v.started_at >= ? AND v.started_at <= ?) THEN 1 ELSE 0 END) AS visited, \
           SUM(CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.cycle_id = ? AND r.household_id = h.id) THEN 1 ELSE 0 END) AS surveyed, \
           CAST(SUM((SELECT COUNT(*) FROM responses r WHERE r.cycle_id = ? AND r.household_id = h.id AND r.satisfied = TRUE)) AS BIGINT) AS satisfied, \
           CAST(SUM((SELECT COUNT(*) FROM responses r WHERE r.cycle_id = ? AND r.household_id = h.id AND r.satisfied IS NOT NULL)) AS BIGINT) AS rated, \
           CAST(SUM((SELECT COUNT(*) FROM photo_records ph WHERE ph.household_id = h.id AND ph.flags <> '[]')) AS BIGINT) AS flagged_photos \
         FROM places p JOIN households h ON h.village_id = p.id \
         WHERE 1 = 1{filter} GROUP BY p.id, p.code, p.name ORDER BY p.code"
    );
    let sql = placeholders(backend, &sql);
    Ok(
        VillageProgress::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(conn)
            .await?,
    )
}

/// How [`field_progress`] groups the assigned households.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressBy {
    /// Per field user holding assignments.
    User,
    /// Per village of the assigned households.
    Village,
}

/// Fieldwork of one field user or one village in a cycle, counted in households.
#[derive(Clone, Debug, Serialize, FromQueryResult)]
pub struct FieldProgress {
    /// The user's or the village's id.
    pub id: Uuid,
    /// Display name of the user, name of the village.
    pub label: String,
    /// User name of the user, division code of the village.
    pub code: String,
    /// Households with an assignment (directly or through their village).
    pub assigned: i64,
    /// Of those, visited in the cycle's window.
    pub visited: i64,
    /// Of those, with a survey response in the cycle.
    pub surveyed: i64,
    /// Of those, not done yet (a survey answered for `sample_survey`, a visit otherwise) and due
    /// today or later.
    pub due: i64,
    /// Not done yet and past their due date.
    pub overdue: i64,
}

/// Progress of a cycle's assignments per field user or per village, within the scope; `today`
/// decides what is overdue. Grouped queries only.
pub async fn field_progress(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
    today: chrono::NaiveDate,
    by: ProgressBy,
) -> Result<Vec<FieldProgress>, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    let backend = conn.get_database_backend();
    let today = today.to_string();
    let mut values: Vec<sea_orm::Value> = vec![
        today.clone().into(),
        today.into(),
        c.window_start.into(),
        c.window_end.into(),
        cycle_id.into(),
        cycle_id.into(),
    ];
    let mut filter = String::new();
    match scope {
        Scope::All => {}
        Scope::District(d) => {
            filter.push_str(" AND h.district_code = ?");
            values.push(d.clone().into());
        }
        _ => return Ok(Vec::new()),
    }
    let (join, key, label, code) = match by {
        ProgressBy::User => (
            "JOIN users g ON g.id = x.user_id",
            "g.id",
            "g.display_name",
            "g.username",
        ),
        ProgressBy::Village => (
            "JOIN places g ON g.id = x.village_id",
            "g.id",
            "g.name",
            "g.code",
        ),
    };
    let sql = format!(
        "SELECT {key} AS id, {label} AS label, {code} AS code, \
           COUNT(DISTINCT x.household_id) AS assigned, \
           COUNT(DISTINCT CASE WHEN x.visited = 1 THEN x.household_id END) AS visited, \
           COUNT(DISTINCT CASE WHEN x.surveyed = 1 THEN x.household_id END) AS surveyed, \
           COUNT(DISTINCT CASE WHEN x.done = 0 AND x.due_on >= ? THEN x.household_id END) AS due, \
           COUNT(DISTINCT CASE WHEN x.done = 0 AND x.due_on < ? THEN x.household_id END) AS overdue \
         FROM (SELECT y.*, CASE WHEN (y.method = 'sample_survey' AND y.surveyed = 1) \
                 OR (y.method <> 'sample_survey' AND y.visited = 1) THEN 1 ELSE 0 END AS done \
               FROM (SELECT a.user_id, a.method, a.due_on, h.id AS household_id, h.village_id, \
                   CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id \
                     AND v.started_at >= ? AND v.started_at <= ?) THEN 1 ELSE 0 END AS visited, \
                   CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.cycle_id = ? \
                     AND r.household_id = h.id) THEN 1 ELSE 0 END AS surveyed \
                 FROM assignments a JOIN households h ON \
                   ((a.target_kind = 'household' AND h.id = a.target_id) \
                   OR (a.target_kind = 'village' AND h.village_id = a.target_id)) \
                 WHERE a.cycle_id = ?{filter}) y) x \
         {join} GROUP BY {key}, {label}, {code} ORDER BY {code}"
    );
    let sql = placeholders(backend, &sql);
    Ok(
        FieldProgress::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(conn)
            .await?,
    )
}
