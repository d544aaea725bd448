//! The yearly assessment: templates, cycles and their steps, self-reports, commissions and scores,
//! aggregation into results, the leading group's decisions, and the lock approval puts on a cycle.
//! The rules themselves live in `fieldcheck_domain::assessment`; this module stores and loads.

use crate::entities::{
    assessees, commissions, cycles, persons, questionnaires, results, scores, self_reports,
    templates, unit_villages, users,
};
use crate::{Scope, StoreError, audit, now};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldcheck_domain::assessment::{
    self, CombineRule, ComputedSource, CycleStep, Grade, ScoringMethod, Template, Tenths,
};
use fieldcheck_domain::questionnaire::{self, Questionnaire};
use fieldcheck_domain::{AssesseeKind, Role, UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The stable wire name of a snake_case serde enum.
pub fn wire<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parses a stored wire name; a bad stored value is a database fault, not the caller's.
pub(crate) fn unwire<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_value(Value::String(s.to_owned()))
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("stored value {s:?}: {e}"))))
}

// ---------------------------------------------------------------- templates

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

// ---------------------------------------------------------------- cycles

/// A yearly cycle.
#[derive(Clone, Debug, Serialize)]
pub struct Cycle {
    /// Id.
    pub id: Uuid,
    /// Year assessed.
    pub year: i32,
    /// Current step.
    pub step: CycleStep,
    /// How several evaluators' scores of one item combine.
    pub combine_rule: CombineRule,
    /// Pass threshold in tenths of a point.
    pub pass_threshold: Tenths,
    /// Field evidence taken in this window belongs to the cycle (and freezes with it).
    pub window_start: DateTime<Utc>,
    /// End of the evidence window.
    pub window_end: DateTime<Utc>,
    /// Due date of each step.
    pub step_dates: BTreeMap<String, NaiveDate>,
    /// Approval time; the cycle is read-only from then on.
    pub locked_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn cycle(m: cycles::Model) -> Result<Cycle, StoreError> {
    Ok(Cycle {
        id: m.id,
        year: m.year,
        step: unwire(&m.step)?,
        combine_rule: unwire(&m.combine_rule)?,
        pass_threshold: m.pass_threshold,
        window_start: m.window_start,
        window_end: m.window_end,
        step_dates: serde_json::from_str(&m.step_dates).unwrap_or_default(),
        locked_at: m.locked_at,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// A new cycle.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCycle {
    /// Year assessed.
    pub year: i32,
    /// Combining rule (default mean).
    #[serde(default)]
    pub combine_rule: Option<CombineRule>,
    /// Pass threshold in tenths (default 600: 60 points).
    #[serde(default)]
    pub pass_threshold: Option<Tenths>,
    /// Step due dates; the method's defaults run from year end to 31 January.
    #[serde(default)]
    pub step_dates: Option<BTreeMap<CycleStep, NaiveDate>>,
}

fn default_step_dates(year: i32) -> BTreeMap<String, NaiveDate> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    [
        (CycleStep::SelfReport, d(year, 12, 31)),
        (CycleStep::Evaluation, d(year + 1, 1, 10)),
        (CycleStep::Aggregation, d(year + 1, 1, 15)),
        (CycleStep::Review, d(year + 1, 1, 25)),
        (CycleStep::Publication, d(year + 1, 1, 31)),
    ]
    .into_iter()
    .map(|(s, d)| (wire(&s), d))
    .collect()
}

/// Opens the cycle of a year at step 1. The year's templates are copied from the defaults of the
/// method if the office has not stored any, and the default satisfaction questionnaire is stored
/// if there is none, so a new cycle is usable at once.
pub async fn create_cycle(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    input: NewCycle,
) -> Result<Cycle, StoreError> {
    let mut errors = ValidationErrors::default();
    if !assessment::ASSESSMENT_YEARS.contains(&input.year) {
        errors.add("year", "out-of-range", "a year between 2000 and 2100");
    }
    let threshold = input.pass_threshold.unwrap_or(600);
    if !(0..=assessment::FULL_MARKS).contains(&threshold) {
        errors.add(
            "pass_threshold",
            "out-of-range",
            "between 0 and 1000 tenths",
        );
    }
    errors.into_result()?;
    let mut dates = default_step_dates(input.year);
    for (step, date) in input.step_dates.unwrap_or_default() {
        dates.insert(wire(&step), date);
    }
    let start = Utc
        .with_ymd_and_hms(input.year, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let end = Utc
        .with_ymd_and_hms(input.year + 1, 1, 31, 23, 59, 59)
        .single()
        .unwrap_or_default();
    let t = now();
    let m = cycles::ActiveModel {
        id: Set(Uuid::new_v4()),
        year: Set(input.year),
        step: Set(wire(&CycleStep::SelfReport)),
        combine_rule: Set(wire(&input.combine_rule.unwrap_or(CombineRule::Mean))),
        pass_threshold: Set(threshold),
        window_start: Set(start),
        window_end: Set(end),
        step_dates: Set(serde_json::to_string(&dates).unwrap_or_default()),
        locked_at: Set(None),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    let have = templates::Entity::find()
        .filter(templates::Column::Year.eq(input.year))
        .one(conn)
        .await?;
    if have.is_none() {
        let defaults = assessment::default_templates()
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e)))?;
        for mut tpl in defaults {
            tpl.year = input.year;
            create_template(conn, actor, tpl).await?;
        }
    }
    ensure_default_questionnaire(conn).await?;
    audit::record(
        conn,
        actor,
        "cycle.create",
        "cycle",
        m.id,
        json!({ "year": m.year, "pass_threshold": threshold }),
    )
    .await?;
    cycle(m)
}

/// Every cycle, newest first.
pub async fn list_cycles(conn: &impl ConnectionTrait) -> Result<Vec<Cycle>, StoreError> {
    cycles::Entity::find()
        .order_by_desc(cycles::Column::Year)
        .all(conn)
        .await?
        .into_iter()
        .map(cycle)
        .collect()
}

/// One cycle.
pub async fn get_cycle(conn: &impl ConnectionTrait, id: Uuid) -> Result<Cycle, StoreError> {
    cycles::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(cycle)
}

/// Refuses writes to an approved cycle (the database's triggers refuse them too).
pub fn ensure_open(c: &Cycle) -> Result<(), StoreError> {
    if c.locked_at.is_some() {
        Err(StoreError::Locked)
    } else {
        Ok(())
    }
}

fn ensure_step(c: &Cycle, step: CycleStep, what: &str) -> Result<(), StoreError> {
    ensure_open(c)?;
    if c.step != step {
        return Err(StoreError::Refused {
            code: "wrong-step",
            detail: format!(
                "{what} belongs to the {} step; the cycle is at {}",
                wire(&step),
                wire(&c.step)
            ),
        });
    }
    Ok(())
}

/// Moves a cycle to another step: forward one at a time, back with a reason, never out of
/// publication. Approval (review → publication) needs results, takes the suggested grade for
/// every result not decided otherwise, and locks the cycle.
pub async fn transition(
    conn: &impl ConnectionTrait,
    actor: UserId,
    id: Uuid,
    to: CycleStep,
    reason: Option<&str>,
) -> Result<Cycle, StoreError> {
    let c = get_cycle(conn, id).await?;
    assessment::check_transition(c.step, to, reason).map_err(|e| StoreError::Refused {
        code: match e {
            assessment::TransitionError::Skipped { .. } => "step-skipped",
            assessment::TransitionError::ReasonRequired => "reason-required",
            assessment::TransitionError::Locked => "cycle-locked",
            assessment::TransitionError::Same => "same-step",
        },
        detail: e.to_string(),
    })?;
    let t = now();
    let mut locked_at = None;
    if to == CycleStep::Publication {
        let n = results::Entity::find()
            .filter(results::Column::CycleId.eq(id))
            .count(conn)
            .await?;
        if n == 0 {
            return Err(StoreError::Refused {
                code: "not-aggregated",
                detail: "aggregate the cycle's results before approving them".into(),
            });
        }
        let backend = conn.get_database_backend();
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "UPDATE results SET decided = suggested, decided_by = ? WHERE cycle_id = ? AND decided IS NULL",
            ),
            [actor.0.into(), id.into()],
        ))
        .await?;
        locked_at = Some(t);
    }
    let am = cycles::ActiveModel {
        id: Set(id),
        step: Set(wire(&to)),
        locked_at: Set(locked_at),
        version: Set(c.version + 1),
        updated_at: Set(t),
        ..Default::default()
    };
    let m = am.update(conn).await?;
    audit::record(
        conn,
        Some(actor),
        "cycle.step",
        "cycle",
        id,
        json!({ "from": c.step, "to": to, "reason": reason }),
    )
    .await?;
    cycle(m)
}

// ---------------------------------------------------------------- self-reports

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

async fn assessee_row(
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
async fn reachable_assessees(
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

// ---------------------------------------------------------------- commissions and scores

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
        let (_, _) = assessee_row(conn, *a)
            .await
            .map_err(|_| StoreError::MissingReference("assessee_ids"))?;
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

// ---------------------------------------------------------------- aggregation and results

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

// ---------------------------------------------------------------- questionnaires

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

async fn ensure_default_questionnaire(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
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

// ---------------------------------------------------------------- progress

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
