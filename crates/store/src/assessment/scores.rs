//! Commissions of third-party evaluators and the scores they record.

use super::cycles::{ensure_open, ensure_step, get_cycle};
use super::self_reports::assessee_row;
use super::templates::current_template;
use super::wire;
use crate::entities::{assessees, commissions, persons, scores, unit_villages, users};
use crate::{StoreError, audit, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::assessment::{self, CycleStep, ScoringMethod, Tenths};
use fieldcheck_domain::{AssesseeKind, Role, UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// Commissions a third-party evaluator to score some assessees of a cycle.
pub async fn commission(
    conn: &impl ConnectionTrait,
    actor: UserId,
    cycle_id: Uuid,
    evaluator: Uuid,
    assessee_ids: &[Uuid],
) -> Result<usize, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    ensure_open(&c)?;
    let u = users::Entity::find_by_id(evaluator)
        .one(conn)
        .await?
        .ok_or(StoreError::MissingReference("user_id"))?;
    if u.role != Role::Evaluator.as_str() {
        return Err(ValidationErrors::single(
            "user_id",
            "not-an-evaluator",
            "only accounts with the evaluator role are commissioned",
        )
        .into());
    }
    let mut added = 0;
    for a in assessee_ids {
        let (row, kind) = assessee_row(conn, *a)
            .await
            .map_err(|_| StoreError::MissingReference("assessee_ids"))?;
        // The same rule scoring applies: nobody is commissioned to score their own side.
        if assessment::conflict_of_interest(u.unit_id, &tied_units(conn, &row, kind).await?) {
            return Err(StoreError::Refused {
                code: "conflict-of-interest",
                detail: format!(
                    "the evaluator works for, or is paired with, the assessee {}",
                    row.name
                ),
            });
        }
        let exists = commissions::Entity::find()
            .filter(commissions::Column::CycleId.eq(cycle_id))
            .filter(commissions::Column::UserId.eq(evaluator))
            .filter(commissions::Column::AssesseeId.eq(*a))
            .one(conn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        commissions::ActiveModel {
            id: Set(Uuid::new_v4()),
            cycle_id: Set(cycle_id),
            user_id: Set(evaluator),
            assessee_id: Set(*a),
            created_by: Set(actor.0),
            created_at: Set(now()),
        }
        .insert(conn)
        .await?;
        added += 1;
    }
    audit::record(
        conn,
        Some(actor),
        "cycle.commission",
        "user",
        evaluator,
        json!({ "cycle": cycle_id, "assessees": assessee_ids }),
    )
    .await?;
    Ok(added)
}

/// A piece of evidence a score points at.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvidenceLink {
    /// photo, visit, response or document.
    pub kind: String,
    /// Its id (or a document reference).
    pub id: String,
}

/// A score as an evaluator gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    /// Assessee scored.
    pub assessee_id: Uuid,
    /// Item of the assessee's score sheet.
    pub item_code: String,
    /// Score in tenths of a point, within the item's maximum.
    pub score: Tenths,
    /// Method used.
    pub method: ScoringMethod,
    /// Comment.
    #[serde(default)]
    pub comment: String,
    /// Evidence.
    #[serde(default)]
    pub evidence: Vec<EvidenceLink>,
}

/// A stored score.
#[derive(Clone, Debug, Serialize)]
pub struct Score {
    /// Id.
    pub id: Uuid,
    /// Cycle.
    pub cycle_id: Uuid,
    /// Assessee.
    pub assessee_id: Uuid,
    /// Item.
    pub item_code: String,
    /// Evaluator.
    pub evaluator_id: Uuid,
    /// Score in tenths.
    pub score: Tenths,
    /// Method.
    pub method: String,
    /// Comment.
    pub comment: String,
    /// Evidence.
    pub evidence: Value,
    /// 1 for the first score of this evaluator and item, then one more per re-score.
    pub revision: i32,
    /// Whether this is the evaluator's current score (earlier revisions stay for the record).
    pub current: bool,
    /// Given at.
    pub created_at: DateTime<Utc>,
}

impl From<scores::Model> for Score {
    fn from(m: scores::Model) -> Self {
        Score {
            id: m.id,
            cycle_id: m.cycle_id,
            assessee_id: m.assessee_id,
            item_code: m.item_code,
            evaluator_id: m.evaluator_id,
            score: m.score,
            method: m.method,
            comment: m.comment,
            evidence: serde_json::from_str(&m.evidence).unwrap_or(Value::Null),
            revision: m.revision,
            current: m.current,
            created_at: m.created_at,
        }
    }
}

/// The units an assessee is tied to: its own unit, a person's unit, the units paired with a
/// district's villages. An evaluator working for one of them has a conflict of interest.
async fn tied_units(
    conn: &impl ConnectionTrait,
    a: &assessees::Model,
    kind: AssesseeKind,
) -> Result<Vec<Uuid>, StoreError> {
    let mut out: Vec<Uuid> = a.unit_id.into_iter().collect();
    if let Some(p) = a.person_id
        && let Some(p) = persons::Entity::find_by_id(p).one(conn).await?
    {
        out.push(p.unit_id);
    }
    if kind == AssesseeKind::DistrictGovernment
        && let Some(d) = &a.district_code
    {
        let rows = unit_villages::Entity::find()
            .select_only()
            .column(unit_villages::Column::UnitId)
            .filter(
                unit_villages::Column::VillageId.in_subquery(sea_orm::QueryTrait::into_query(
                    crate::entities::places::Entity::find()
                        .select_only()
                        .column(crate::entities::places::Column::Id)
                        .filter(crate::entities::places::Column::Code.starts_with(d)),
                )),
            )
            .into_tuple::<Uuid>()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Records an evaluator's score of an item in step 2. A re-score by the same evaluator is a new
/// revision; the earlier one stays, marked not current.
pub async fn record_score(
    conn: &impl ConnectionTrait,
    evaluator: UserId,
    role: Role,
    cycle_id: Uuid,
    input: ScoreInput,
) -> Result<Score, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    ensure_step(&c, CycleStep::Evaluation, "scoring")?;
    let (a, kind) = assessee_row(conn, input.assessee_id)
        .await
        .map_err(|_| StoreError::MissingReference("assessee_id"))?;
    if role == Role::Evaluator {
        let commissioned = commissions::Entity::find()
            .filter(commissions::Column::CycleId.eq(cycle_id))
            .filter(commissions::Column::UserId.eq(evaluator.0))
            .filter(commissions::Column::AssesseeId.eq(a.id))
            .one(conn)
            .await?
            .is_some();
        if !commissioned {
            return Err(StoreError::Refused {
                code: "not-commissioned",
                detail: "you were not commissioned to score this assessee".into(),
            });
        }
    }
    let me = users::Entity::find_by_id(evaluator.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if assessment::conflict_of_interest(me.unit_id, &tied_units(conn, &a, kind).await?) {
        return Err(StoreError::Refused {
            code: "conflict-of-interest",
            detail: "you work for, or are paired with, the assessee you would score".into(),
        });
    }
    let tpl = current_template(conn, c.year, kind).await?;
    let Some(item) = tpl.as_ref().and_then(|t| t.item(&input.item_code)) else {
        return Err(ValidationErrors::single(
            "item_code",
            "unknown-item",
            "not an item of the assessee's score sheet",
        )
        .into());
    };
    let mut errors = ValidationErrors::default();
    if item.method == ScoringMethod::Computed {
        errors.add(
            "item_code",
            "computed-item",
            "this item is computed from data in the aggregation step",
        );
    }
    if input.method == ScoringMethod::Computed {
        errors.add(
            "method",
            "invalid",
            "an evaluator's method is not `computed`",
        );
    }
    if let Err(e) = assessment::check_score(input.score, item.max_tenths) {
        errors.extend_prefixed("", e);
    }
    // A comment is optional; when given it is checked like any free text.
    let comment = if input.comment.trim().is_empty() {
        Some(String::new())
    } else {
        validation::multiline_text(&mut errors, "comment", &input.comment, 4000)
    };
    if input.evidence.len() > 100 {
        errors.add("evidence", "too-many", "at most 100 pieces of evidence");
    }
    for (i, e) in input.evidence.iter().enumerate() {
        if !matches!(e.kind.as_str(), "photo" | "visit" | "response" | "document") {
            errors.add(
                format!("evidence[{i}].kind"),
                "invalid",
                "photo, visit, response or document",
            );
        }
        if e.id.is_empty() || e.id.chars().count() > 200 {
            errors.add(
                format!("evidence[{i}].id"),
                "invalid",
                "1 to 200 characters",
            );
        }
    }
    errors.into_result()?;
    let previous = scores::Entity::find()
        .filter(scores::Column::CycleId.eq(cycle_id))
        .filter(scores::Column::AssesseeId.eq(a.id))
        .filter(scores::Column::ItemCode.eq(&input.item_code))
        .filter(scores::Column::EvaluatorId.eq(evaluator.0))
        .filter(scores::Column::Current.eq(true))
        .one(conn)
        .await?;
    let revision = previous.as_ref().map_or(1, |p| p.revision + 1);
    if let Some(p) = previous {
        let mut am: scores::ActiveModel = p.into();
        am.current = Set(false);
        am.update(conn).await?;
    }
    let m = scores::ActiveModel {
        id: Set(Uuid::new_v4()),
        cycle_id: Set(cycle_id),
        assessee_id: Set(a.id),
        item_code: Set(input.item_code),
        evaluator_id: Set(evaluator.0),
        score: Set(input.score),
        method: Set(wire(&input.method)),
        comment: Set(comment.unwrap_or_default()),
        evidence: Set(serde_json::to_string(&input.evidence).unwrap_or_default()),
        revision: Set(revision),
        current: Set(true),
        correction_reason: Set(None),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        Some(evaluator),
        "score.record",
        "score",
        m.id,
        json!({ "assessee": m.assessee_id, "item": m.item_code, "score": m.score, "revision": m.revision }),
    )
    .await?;
    Ok(m.into())
}

/// The commissions of a cycle as (evaluator, assessee) pairs, oldest first.
pub async fn list_commissions(
    conn: &impl ConnectionTrait,
    cycle_id: Uuid,
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    get_cycle(conn, cycle_id).await?;
    Ok(commissions::Entity::find()
        .select_only()
        .column(commissions::Column::UserId)
        .column(commissions::Column::AssesseeId)
        .filter(commissions::Column::CycleId.eq(cycle_id))
        .order_by_asc(commissions::Column::CreatedAt)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Whether an evaluator was commissioned to score an assessee in a cycle.
pub async fn is_commissioned(
    conn: &impl ConnectionTrait,
    cycle_id: Uuid,
    user: UserId,
    assessee_id: Uuid,
) -> Result<bool, StoreError> {
    Ok(commissions::Entity::find()
        .filter(commissions::Column::CycleId.eq(cycle_id))
        .filter(commissions::Column::UserId.eq(user.0))
        .filter(commissions::Column::AssesseeId.eq(assessee_id))
        .one(conn)
        .await?
        .is_some())
}

/// Every score (all revisions) of an assessee in a cycle.
pub async fn list_scores(
    conn: &impl ConnectionTrait,
    cycle_id: Uuid,
    assessee_id: Uuid,
) -> Result<Vec<Score>, StoreError> {
    get_cycle(conn, cycle_id).await?;
    Ok(scores::Entity::find()
        .filter(scores::Column::CycleId.eq(cycle_id))
        .filter(scores::Column::AssesseeId.eq(assessee_id))
        .order_by_asc(scores::Column::ItemCode)
        .order_by_asc(scores::Column::EvaluatorId)
        .order_by_asc(scores::Column::Revision)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Whether the caller may see an assessee's score sheet of a cycle: a commissioned evaluator
/// the assessees it was commissioned for, everyone else the assessees within its scope. Out of
/// reach answers [`StoreError::NotFound`], like an assessee that does not exist.
pub async fn sheet_reachable(
    conn: &impl ConnectionTrait,
    scope: &crate::Scope,
    role: Role,
    user: UserId,
    cycle_id: Uuid,
    assessee_id: Uuid,
) -> Result<(), StoreError> {
    if role == Role::Evaluator {
        if !is_commissioned(conn, cycle_id, user, assessee_id).await? {
            return Err(StoreError::NotFound);
        }
    } else {
        crate::orgs::get_assessee(conn, scope, fieldcheck_domain::AssesseeId(assessee_id)).await?;
    }
    Ok(())
}

/// One assessee the caller may score, with how far its sheet is.
#[derive(Clone, Debug, Serialize)]
pub struct ScoringLine {
    /// The assessee.
    pub assessee: crate::orgs::Assessee,
    /// Items of its sheet an evaluator scores (computed items left out).
    pub items: usize,
    /// Of these, how many have a current score (an evaluator's own; anyone's for the office).
    pub scored: usize,
}

/// The assessees the caller may score in a cycle, with scored and missing items: a commissioned
/// evaluator its commissioned assessees, everyone else the assessees within its scope.
pub async fn scoring_list(
    conn: &impl ConnectionTrait,
    scope: &crate::Scope,
    role: Role,
    user: UserId,
    cycle_id: Uuid,
) -> Result<Vec<ScoringLine>, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    let mut q = assessees::Entity::find().order_by_asc(assessees::Column::Name);
    if role == Role::Evaluator {
        q = q.filter(
            assessees::Column::Id.in_subquery(sea_orm::QueryTrait::into_query(
                commissions::Entity::find()
                    .select_only()
                    .column(commissions::Column::AssesseeId)
                    .filter(commissions::Column::CycleId.eq(cycle_id))
                    .filter(commissions::Column::UserId.eq(user.0)),
            )),
        );
    } else {
        q = q.filter(scope.assessees());
    }
    let rows = q.all(conn).await?;
    let mut given = scores::Entity::find()
        .select_only()
        .column(scores::Column::AssesseeId)
        .column(scores::Column::ItemCode)
        .filter(scores::Column::CycleId.eq(cycle_id))
        .filter(scores::Column::Current.eq(true));
    if role == Role::Evaluator {
        given = given.filter(scores::Column::EvaluatorId.eq(user.0));
    }
    let given: std::collections::BTreeSet<(Uuid, String)> =
        given.into_tuple().all(conn).await?.into_iter().collect();
    let mut templates = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let a = crate::orgs::Assessee::from(m);
        if let std::collections::hash_map::Entry::Vacant(e) = templates.entry(a.kind) {
            e.insert(current_template(conn, c.year, a.kind).await?);
        }
        let codes: Vec<&str> = templates[&a.kind]
            .iter()
            .flat_map(|t| &t.categories)
            .flat_map(|cat| &cat.items)
            .filter(|i| i.method != ScoringMethod::Computed)
            .map(|i| i.code.as_str())
            .collect();
        let scored = codes
            .iter()
            .filter(|code| given.contains(&(a.id.0, (**code).to_owned())))
            .count();
        out.push(ScoringLine {
            items: codes.len(),
            scored,
            assessee: a,
        });
    }
    Ok(out)
}
