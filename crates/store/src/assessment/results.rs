//! Aggregation of scores into results, the results' breakdowns, and the leading group's decisions.

use super::cycles::{ensure_step, get_cycle};
use super::self_reports::reachable_assessees;
use super::templates::current_template;
use super::{unwire, wire};
use crate::entities::{assessees, results, scores};
use crate::{Scope, StoreError, audit, now};
use fieldcheck_domain::assessment::{self, ComputedSource, CycleStep, Grade, Tenths};
use fieldcheck_domain::{AssesseeKind, UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// One item's line in a result's breakdown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ItemResult {
    /// Item code.
    pub code: String,
    /// Item name.
    pub name: String,
    /// Maximum in tenths.
    pub max_tenths: Tenths,
    /// Score in tenths (0 when nobody scored it).
    pub score: Tenths,
    /// How the score was reached, for a person to check.
    pub how: String,
}

/// An assessee's result in a cycle.
#[derive(Clone, Debug, Serialize)]
pub struct AssesseeResult {
    /// Assessee.
    pub assessee_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Its district, if any.
    pub district_code: Option<String>,
    /// Total in tenths.
    pub total: Tenths,
    /// Grade the threshold suggests.
    pub suggested: Grade,
    /// The leading group's decision.
    pub decided: Option<Grade>,
    /// Why the decision differs from the suggestion.
    pub reason: Option<String>,
    /// Per item.
    pub items: Vec<ItemResult>,
}

/// Hand-written SQL is written with `?`; PostgreSQL numbers its placeholders.
pub(crate) fn placeholders(backend: sea_orm::DatabaseBackend, sql: &str) -> String {
    if backend != sea_orm::DatabaseBackend::Postgres {
        return sql.to_owned();
    }
    let mut n = 0;
    let mut out = String::with_capacity(sql.len() + 16);
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[derive(FromQueryResult)]
struct Ratio {
    key: Uuid,
    num: i64,
    den: i64,
}

async fn ratios(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<HashMap<Uuid, (u64, u64)>, StoreError> {
    let backend = conn.get_database_backend();
    let sql = placeholders(backend, sql);
    let rows = Ratio::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key, (r.num.max(0) as u64, r.den.max(0) as u64)))
        .collect())
}

/// Computes every assessee's result in step 3: evaluators' scores combined by the cycle's rule,
/// computed items from the data (satisfaction, poverty exits, survey coverage), totals and
/// suggested grades. Decisions taken before are kept only where the suggestion did not change.
/// Set-based: a handful of grouped queries whatever the number of assessees. Results are
/// published to assessees, so a satisfaction item over fewer than `min_count` answers says so
/// instead of giving its counts.
pub async fn aggregate(
    conn: &impl ConnectionTrait,
    actor: UserId,
    cycle_id: Uuid,
    min_count: u64,
) -> Result<usize, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    ensure_step(&c, CycleStep::Aggregation, "aggregation")?;
    let mut tpls = HashMap::new();
    for kind in AssesseeKind::ALL {
        if let Some(t) = current_template(conn, c.year, *kind).await? {
            tpls.insert(*kind, t);
        }
    }
    let all = assessees::Entity::find().all(conn).await?;
    // Evaluators' current scores per (assessee, item).
    let mut given: HashMap<(Uuid, String), Vec<Tenths>> = HashMap::new();
    let rows: Vec<(Uuid, String, i32)> = scores::Entity::find()
        .select_only()
        .column(scores::Column::AssesseeId)
        .column(scores::Column::ItemCode)
        .column(scores::Column::Score)
        .filter(scores::Column::CycleId.eq(cycle_id))
        .filter(scores::Column::Current.eq(true))
        .into_tuple()
        .all(conn)
        .await?;
    for (a, item, s) in rows {
        given.entry((a, item)).or_default().push(s);
    }
    let cid: sea_orm::Value = cycle_id.into();
    let satisfaction = ratios(
        conn,
        // A response sent back for correction has no answer on its links until it is resubmitted.
        "SELECT assessee_id AS key, SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS num, COUNT(satisfied) AS den \
         FROM response_assessees WHERE cycle_id = ? GROUP BY assessee_id",
        vec![cid.clone()],
    )
    .await?;
    // Households behind each assessee: a district's own, a person's, a paired unit's villages'.
    const LINKS: &str = "(SELECT a.id AS assessee_id, h.id AS household_id, h.status AS status FROM assessees a \
          JOIN households h ON a.kind = 'district_government' AND h.district_code = a.district_code \
        UNION ALL SELECT a.id, h.id, h.status FROM assessees a \
          JOIN households h ON a.kind = 'responsible_person' AND h.responsible_person_id = a.person_id \
        UNION ALL SELECT a.id, h.id, h.status FROM assessees a \
          JOIN unit_villages uv ON a.kind = 'paired_unit' AND uv.unit_id = a.unit_id \
          JOIN households h ON h.village_id = uv.village_id)";
    let exits = ratios(
        conn,
        &format!(
            "SELECT l.assessee_id AS key, SUM(CASE WHEN l.status = 'exited' THEN 1 ELSE 0 END) AS num, COUNT(*) AS den \
             FROM {LINKS} l GROUP BY l.assessee_id"
        ),
        vec![],
    )
    .await?;
    let coverage = ratios(
        conn,
        &format!(
            "SELECT l.assessee_id AS key, \
               COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.cycle_id = ? AND r.household_id = l.household_id AND r.status <> 'returned') THEN l.household_id END) AS num, \
               COUNT(DISTINCT l.household_id) AS den \
             FROM {LINKS} l JOIN sample_households sh ON sh.household_id = l.household_id \
             JOIN samples s ON s.id = sh.sample_id AND s.cycle_id = ? GROUP BY l.assessee_id"
        ),
        vec![cid.clone(), cid],
    )
    .await?;
    let previous: HashMap<Uuid, results::Model> = results::Entity::find()
        .filter(results::Column::CycleId.eq(cycle_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.assessee_id, r))
        .collect();
    results::Entity::delete_many()
        .filter(results::Column::CycleId.eq(cycle_id))
        .exec(conn)
        .await?;
    let t = now();
    let mut batch = Vec::with_capacity(all.len());
    for a in &all {
        let Some(kind) = AssesseeKind::parse(&a.kind) else {
            continue;
        };
        let Some(tpl) = tpls.get(&kind) else {
            continue;
        };
        let mut items = Vec::new();
        for item in tpl.categories.iter().flat_map(|k| &k.items) {
            let (score, how) = match item.source {
                Some(src) => {
                    let (label, map) = match src {
                        ComputedSource::Satisfaction => ("satisfied responses", &satisfaction),
                        ComputedSource::PovertyExits => ("households exited", &exits),
                        ComputedSource::SurveyCoverage => {
                            ("sampled households surveyed", &coverage)
                        }
                    };
                    let (n, d) = map.get(&a.id).copied().unwrap_or((0, 0));
                    let how = if src == ComputedSource::Satisfaction
                        && assessment::counts_withheld(d, min_count)
                    {
                        format!("{label}: fewer than {min_count} answers, counts withheld")
                    } else {
                        format!("{label}: {n} of {d}")
                    };
                    (assessment::computed_score(item.max_tenths, n, d), how)
                }
                None => {
                    let s = given
                        .get(&(a.id, item.code.clone()))
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    match assessment::combine(c.combine_rule, s) {
                        Some(v) => (
                            v.min(item.max_tenths),
                            format!(
                                "{} of {} evaluator score(s)",
                                wire(&c.combine_rule),
                                s.len()
                            ),
                        ),
                        None => (0, "not scored".to_owned()),
                    }
                }
            };
            items.push(ItemResult {
                code: item.code.clone(),
                name: item.name.clone(),
                max_tenths: item.max_tenths,
                score,
                how,
            });
        }
        let total: Tenths = items.iter().map(|i| i.score).sum();
        let suggested = assessment::suggested_grade(total, c.pass_threshold);
        let kept = previous
            .get(&a.id)
            .filter(|p| p.suggested == wire(&suggested) && p.decided.is_some());
        batch.push(results::ActiveModel {
            cycle_id: Set(cycle_id),
            assessee_id: Set(a.id),
            total: Set(total),
            suggested: Set(wire(&suggested)),
            decided: Set(kept.and_then(|p| p.decided.clone())),
            reason: Set(kept.and_then(|p| p.reason.clone())),
            decided_by: Set(kept.and_then(|p| p.decided_by)),
            breakdown: Set(serde_json::to_string(&items).unwrap_or_default()),
            updated_at: Set(t),
        });
    }
    let n = batch.len();
    // Chunks keep each statement under both engines' bound-parameter limits.
    let mut rest = batch;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(500));
        results::Entity::insert_many(rest).exec(conn).await?;
        rest = tail;
    }
    audit::record(
        conn,
        Some(actor),
        "cycle.aggregate",
        "cycle",
        cycle_id,
        json!({ "results": n }),
    )
    .await?;
    Ok(n)
}

fn assessee_result(
    r: results::Model,
    a: Option<&assessees::Model>,
) -> Result<AssesseeResult, StoreError> {
    Ok(AssesseeResult {
        assessee_id: r.assessee_id,
        name: a.map(|a| a.name.clone()).unwrap_or_default(),
        kind: a.map(|a| a.kind.clone()).unwrap_or_default(),
        district_code: a.and_then(|a| a.district_code.clone()),
        total: r.total,
        suggested: unwire(&r.suggested)?,
        decided: r.decided.as_deref().map(unwire).transpose()?,
        reason: r.reason,
        items: serde_json::from_str(&r.breakdown).unwrap_or_default(),
    })
}

/// Results of a cycle the scope reaches, ordered by kind, district and name.
pub async fn list_results(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
) -> Result<Vec<AssesseeResult>, StoreError> {
    let reach = reachable_assessees(conn, scope).await?;
    let mut q = results::Entity::find().filter(results::Column::CycleId.eq(cycle_id));
    if let Some(ids) = &reach {
        q = q.filter(results::Column::AssesseeId.is_in(ids.clone()));
    }
    let rows = q.all(conn).await?;
    let names: HashMap<Uuid, assessees::Model> = assessees::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out = rows
        .into_iter()
        .map(|r| {
            let a = names.get(&r.assessee_id);
            assessee_result(r, a)
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|x, y| {
        (&x.kind, &x.district_code, &x.name).cmp(&(&y.kind, &y.district_code, &y.name))
    });
    Ok(out)
}

/// The leading group's decision on one assessee's grade, in step 4.
pub async fn decide(
    conn: &impl ConnectionTrait,
    actor: UserId,
    cycle_id: Uuid,
    assessee_id: Uuid,
    grade: Grade,
    reason: Option<String>,
) -> Result<AssesseeResult, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    ensure_step(&c, CycleStep::Review, "a decision")?;
    let r = results::Entity::find()
        .filter(results::Column::CycleId.eq(cycle_id))
        .filter(results::Column::AssesseeId.eq(assessee_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let suggested: Grade = unwire(&r.suggested)?;
    assessment::check_decision(suggested, grade, reason.as_deref())?;
    let mut errors = ValidationErrors::default();
    let reason = match reason {
        Some(r) => validation::multiline_text(&mut errors, "reason", &r, 4000),
        None => None,
    };
    errors.into_result()?;
    let mut am: results::ActiveModel = r.into();
    am.decided = Set(Some(wire(&grade)));
    am.reason = Set(reason.clone());
    am.decided_by = Set(Some(actor.0));
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        Some(actor),
        "result.decide",
        "assessee",
        assessee_id,
        json!({ "cycle": cycle_id, "suggested": suggested, "decided": grade, "reason": reason }),
    )
    .await?;
    let a = assessees::Entity::find_by_id(assessee_id).one(conn).await?;
    assessee_result(m, a.as_ref())
}
