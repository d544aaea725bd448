//! What a cycle's steps need: where every assessee stands (self-reports, scores, results,
//! decisions), counted for `fieldcheck_domain::assessment::step_needs`, and who moved the cycle
//! when, read from the audit log.

use super::cycles::get_cycle;
use super::self_reports::reachable_assessees;
use super::templates::current_template;
use crate::entities::{assessees, audit_log, results, scores, self_reports, users};
use crate::{Scope, StoreError};
use chrono::{DateTime, Utc};
use fieldcheck_domain::AssesseeKind;
use fieldcheck_domain::assessment::{AssesseeReadiness, CycleCounts, ScoringMethod};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Where a cycle stands, for the assessees a scope reaches.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    /// The counts the domain reads (results counted over the whole cycle).
    pub counts: CycleCounts,
    /// The assessees' names.
    pub names: BTreeMap<Uuid, String>,
}

/// Counts, per assessee the scope reaches, the self-reports, scores, results and decisions of a
/// cycle against its score sheets; `results` counts every result of the cycle.
pub async fn readiness(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
) -> Result<Readiness, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    let mut q = assessees::Entity::find()
        .order_by_asc(assessees::Column::Kind)
        .order_by_asc(assessees::Column::DistrictCode)
        .order_by_asc(assessees::Column::Name);
    if let Some(ids) = reachable_assessees(conn, scope).await? {
        q = q.filter(assessees::Column::Id.is_in(ids));
    }
    let all = q.all(conn).await?;
    // Per kind: categories, and the items an evaluator scores.
    let mut sheets: HashMap<String, (u32, HashSet<String>)> = HashMap::new();
    for kind in AssesseeKind::ALL {
        if let Some(t) = current_template(conn, c.year, *kind).await? {
            let items = t
                .categories
                .iter()
                .flat_map(|k| &k.items)
                .filter(|i| i.method != ScoringMethod::Computed)
                .map(|i| i.code.clone())
                .collect();
            sheets.insert(kind.as_str().to_owned(), (t.categories.len() as u32, items));
        }
    }
    let reports: Vec<(Uuid, String)> = self_reports::Entity::find()
        .select_only()
        .column(self_reports::Column::AssesseeId)
        .column(self_reports::Column::Status)
        .filter(self_reports::Column::CycleId.eq(cycle_id))
        .into_tuple()
        .all(conn)
        .await?;
    let scored: Vec<(Uuid, String)> = scores::Entity::find()
        .select_only()
        .column(scores::Column::AssesseeId)
        .column(scores::Column::ItemCode)
        .filter(scores::Column::CycleId.eq(cycle_id))
        .filter(scores::Column::Current.eq(true))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let mut scored_by: HashMap<Uuid, HashSet<String>> = HashMap::new();
    for (a, item) in scored {
        scored_by.entry(a).or_default().insert(item);
    }
    let stored: HashMap<Uuid, bool> = results::Entity::find()
        .select_only()
        .column(results::Column::AssesseeId)
        .column(results::Column::Decided)
        .filter(results::Column::CycleId.eq(cycle_id))
        .into_tuple::<(Uuid, Option<String>)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(a, d)| (a, d.is_some()))
        .collect();
    let mut out = Readiness {
        counts: CycleCounts {
            assessees: Vec::with_capacity(all.len()),
            results: stored.len() as u64,
        },
        names: BTreeMap::new(),
    };
    for a in all {
        let (categories, items) = sheets
            .get(&a.kind)
            .map(|(n, items)| (*n, Some(items)))
            .unwrap_or((0, None));
        let mine = reports.iter().filter(|(id, _)| *id == a.id);
        let submitted = mine
            .clone()
            .filter(|(_, s)| s == "submitted" || s == "accepted")
            .count() as u32;
        let returned = mine.filter(|(_, s)| s == "returned").count() as u32;
        let done = scored_by.get(&a.id);
        let items_scored = items.map_or(0, |items| {
            items
                .iter()
                .filter(|i| done.is_some_and(|d| d.contains(*i)))
                .count() as u32
        });
        out.counts.assessees.push(AssesseeReadiness {
            assessee: a.id,
            categories,
            reports_submitted: submitted,
            reports_returned: returned,
            items_to_score: items.map_or(0, |i| i.len() as u32),
            items_scored,
            has_result: stored.contains_key(&a.id),
            decided: stored.get(&a.id).copied().unwrap_or(false),
        });
        out.names.insert(a.id, a.name);
    }
    Ok(out)
}

/// One move of a cycle between steps, as the audit log recorded it.
#[derive(Clone, Debug, Serialize)]
pub struct StepMove {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (their display name; `None` when the account is gone or the move had no actor).
    pub actor_name: Option<String>,
    /// From which step (wire name).
    pub from: String,
    /// To which step (wire name).
    pub to: String,
    /// Why, for a move back.
    pub reason: Option<String>,
}

/// The cycle's moves between steps, oldest first, from its `cycle.step` audit entries. Callers
/// check that the reader may read the assessment (`Action::ReadAssessment`).
pub async fn step_history(
    conn: &impl ConnectionTrait,
    cycle_id: Uuid,
) -> Result<Vec<StepMove>, StoreError> {
    get_cycle(conn, cycle_id).await?;
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("cycle.step"))
        .filter(audit_log::Column::TargetType.eq("cycle"))
        .filter(audit_log::Column::TargetId.eq(cycle_id.to_string()))
        .order_by_asc(audit_log::Column::Seq)
        .all(conn)
        .await?;
    let actors: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.actor.as_deref().and_then(|a| Uuid::parse_str(a).ok()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<Uuid, String> = if actors.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(actors))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let d: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
            let s = |k: &str| d[k].as_str().map(str::to_owned);
            StepMove {
                at: r.at,
                actor_name: r
                    .actor
                    .as_deref()
                    .and_then(|a| Uuid::parse_str(a).ok())
                    .and_then(|a| names.get(&a).cloned()),
                from: s("from").unwrap_or_default(),
                to: s("to").unwrap_or_default(),
                reason: s("reason"),
            }
        })
        .collect())
}
