//! Field work of a cycle: assignments, reproducible samples, satisfaction responses, and sending
//! visits and responses back to their devices for correction with their earlier versions kept.

use crate::assessment::{ensure_open, get_cycle, get_questionnaire};
use crate::entities::{
    assessees, assignments, households, places, plans, record_versions, response_assessees,
    responses, sample_households, samples, scope_grants, unit_villages, users, visits,
};
use crate::scope::grant;
use crate::{Scope, StoreError, audit, now};
use chrono::{DateTime, NaiveDate, Utc};
use fieldcheck_domain::assessment::{self, Candidate, SampleSize};
use fieldcheck_domain::{Role, UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

// ---------------------------------------------------------------- assignments

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

const METHODS: &[&str] = &["on_site_verification", "sample_survey", "spot_check"];

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
    let user = users::Entity::find_by_id(input.user_id).one(conn).await?;
    match user.as_ref().and_then(|u| Role::parse(&u.role)) {
        None => errors.add("user_id", "not-found", "no such user"),
        Some(Role::Inspector | Role::Surveyor | Role::Evaluator) => {}
        Some(_) => errors.add(
            "user_id",
            "not-a-field-user",
            "assignments go to inspectors, surveyors or evaluators",
        ),
    }
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
    let granted = scope_grants::Entity::find()
        .filter(scope_grants::Column::UserId.eq(input.user_id))
        .filter(scope_grants::Column::Kind.eq(kind))
        .filter(scope_grants::Column::TargetId.eq(input.target_id))
        .one(conn)
        .await?
        .is_some();
    if !granted {
        scope_grants::ActiveModel {
            user_id: Set(input.user_id),
            kind: Set(kind.to_owned()),
            target_id: Set(input.target_id),
        }
        .insert(conn)
        .await?;
    }
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

// ---------------------------------------------------------------- samples

/// How a sample is drawn.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSample {
    /// A name for people.
    pub name: String,
    /// Size per village.
    pub size: SampleSize,
    /// The seed, as decimal text (u64); drawn by the server when absent, and recorded.
    #[serde(default)]
    pub seed: Option<String>,
    /// Limit to one district.
    #[serde(default)]
    pub district_code: Option<String>,
    /// Give every drawn household to this surveyor as a sample-survey assignment.
    #[serde(default)]
    pub assign_to: Option<Uuid>,
    /// Due date of those assignments.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// A drawn sample.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    /// Id.
    pub id: Uuid,
    /// Cycle.
    pub cycle_id: Uuid,
    /// Name.
    pub name: String,
    /// The seed (decimal u64), so anyone can recompute the draw.
    pub seed: String,
    /// The size rule.
    pub size: Value,
    /// District limit.
    pub district_code: Option<String>,
    /// Households it was drawn from.
    pub candidates: i32,
    /// Households drawn.
    pub drawn: i32,
    /// How to recompute it.
    pub algorithm: &'static str,
    /// The households drawn, by village code.
    pub households: Vec<SampledHousehold>,
    /// Drawn at.
    pub created_at: DateTime<Utc>,
}

/// One drawn household.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SampledHousehold {
    /// Household.
    pub household_id: Uuid,
    /// Its village's division code (the stratum).
    pub stratum: String,
}

/// Where the algorithm is described, for the record of every sample.
pub const SAMPLE_ALGORITHM: &str = "fieldcheck stratified-v1: strata = village codes; in each, households sorted by id, shuffled by Fisher-Yates with SplitMix64 seeded with seed XOR FNV-1a(village code); first n kept (see api-spec/assessment.md)";

async fn candidates(
    conn: &impl ConnectionTrait,
    district: Option<&str>,
) -> Result<Vec<Candidate>, StoreError> {
    let mut q = households::Entity::find()
        .select_only()
        .column(households::Column::Id)
        .column(households::Column::VillageId);
    if let Some(d) = district {
        q = q.filter(households::Column::DistrictCode.eq(d));
    }
    let rows: Vec<(Uuid, Uuid)> = q.into_tuple().all(conn).await?;
    let codes: std::collections::HashMap<Uuid, String> = places::Entity::find()
        .select_only()
        .column(places::Column::Id)
        .column(places::Column::Code)
        .filter(places::Column::Level.eq("village"))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, village)| {
            Some(Candidate {
                stratum: codes.get(&village)?.clone(),
                id: id.to_string(),
            })
        })
        .collect())
}

/// Draws and stores a sample of a cycle's households (see [`SAMPLE_ALGORITHM`]).
pub async fn draw_sample(
    conn: &impl ConnectionTrait,
    actor: UserId,
    cycle_id: Uuid,
    input: NewSample,
) -> Result<Sample, StoreError> {
    let c = get_cycle(conn, cycle_id).await?;
    ensure_open(&c)?;
    let mut errors = ValidationErrors::default();
    let name = validation::text(&mut errors, "name", &input.name, 100);
    match input.size {
        SampleSize::PerStratum(0) => errors.add("size", "out-of-range", "at least 1"),
        SampleSize::Proportion(p) if !(p > 0.0 && p <= 1.0) => {
            errors.add("size", "out-of-range", "a proportion in (0, 1]")
        }
        _ => {}
    }
    let seed: u64 = match &input.seed {
        Some(s) => s.trim().parse().unwrap_or_else(|_| {
            errors.add("seed", "invalid", "a decimal number from 0 to 2^64-1");
            0
        }),
        None => {
            let b = Uuid::new_v4();
            let (hi, _) = b.as_u64_pair();
            hi
        }
    };
    if input
        .district_code
        .as_deref()
        .is_some_and(|d| !fieldcheck_domain::DivisionCode::is_district(d))
    {
        errors.add("district_code", "invalid", "a 6-digit district code");
    }
    if input.assign_to.is_some() && input.due_on.is_none() {
        errors.add("due_on", "required", "assignments need a due date");
    }
    errors.into_result()?;
    let pool = candidates(conn, input.district_code.as_deref()).await?;
    let drawn = assessment::stratified_sample(&pool, input.size, seed);
    let t = now();
    let m = samples::ActiveModel {
        id: Set(Uuid::new_v4()),
        cycle_id: Set(cycle_id),
        name: Set(name.unwrap_or_default()),
        seed: Set(seed.to_string()),
        size: Set(serde_json::to_string(&input.size).unwrap_or_default()),
        district_code: Set(input.district_code.clone()),
        candidates: Set(pool.len() as i32),
        drawn: Set(drawn.len() as i32),
        created_by: Set(actor.0),
        created_at: Set(t),
    }
    .insert(conn)
    .await?;
    let rows: Vec<sample_households::ActiveModel> = drawn
        .iter()
        .filter_map(|d| {
            Some(sample_households::ActiveModel {
                sample_id: Set(m.id),
                household_id: Set(d.id.parse().ok()?),
                stratum: Set(d.stratum.clone()),
            })
        })
        .collect();
    let mut rest = rows;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(300));
        sample_households::Entity::insert_many(rest)
            .exec(conn)
            .await?;
        rest = tail;
    }
    audit::record(
        conn,
        Some(actor),
        "sample.draw",
        "sample",
        m.id,
        json!({ "seed": m.seed, "candidates": m.candidates, "drawn": m.drawn }),
    )
    .await?;
    if let (Some(user), Some(due)) = (input.assign_to, input.due_on) {
        for d in &drawn {
            let Ok(h) = d.id.parse() else { continue };
            crate::fieldwork::create_assignment(
                conn,
                actor,
                NewAssignment {
                    cycle_id,
                    user_id: user,
                    method: "sample_survey".into(),
                    target_kind: "household".into(),
                    target_id: h,
                    due_on: due,
                    note: format!("抽样调查：{}", m.name),
                },
            )
            .await?;
        }
    }
    get_sample(conn, m.id).await
}

/// A sample with its households.
pub async fn get_sample(conn: &impl ConnectionTrait, id: Uuid) -> Result<Sample, StoreError> {
    let m = samples::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let households = sample_households::Entity::find()
        .filter(sample_households::Column::SampleId.eq(id))
        .order_by_asc(sample_households::Column::Stratum)
        .order_by_asc(sample_households::Column::HouseholdId)
        .all(conn)
        .await?
        .into_iter()
        .map(|h| SampledHousehold {
            household_id: h.household_id,
            stratum: h.stratum,
        })
        .collect();
    Ok(Sample {
        id: m.id,
        cycle_id: m.cycle_id,
        name: m.name,
        seed: m.seed,
        size: serde_json::from_str(&m.size).unwrap_or(Value::Null),
        district_code: m.district_code,
        candidates: m.candidates,
        drawn: m.drawn,
        algorithm: SAMPLE_ALGORITHM,
        households,
        created_at: m.created_at,
    })
}

/// Recomputes a sample from its seed over today's households; true when the stored draw is what
/// the algorithm gives (as long as the registry has not changed since).
pub async fn verify_sample(conn: &impl ConnectionTrait, id: Uuid) -> Result<Value, StoreError> {
    let s = get_sample(conn, id).await?;
    let size: SampleSize = serde_json::from_value(s.size.clone())
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let seed: u64 = s.seed.parse().unwrap_or_default();
    let pool = candidates(conn, s.district_code.as_deref()).await?;
    let again: Vec<(String, String)> = assessment::stratified_sample(&pool, size, seed)
        .into_iter()
        .map(|c| (c.stratum, c.id))
        .collect();
    let mut stored: Vec<(String, String)> = s
        .households
        .iter()
        .map(|h| (h.stratum.clone(), h.household_id.to_string()))
        .collect();
    stored.sort();
    let mut again_sorted = again.clone();
    again_sorted.sort();
    Ok(json!({
        "matches": stored == again_sorted,
        "candidates_then": s.candidates,
        "candidates_now": pool.len(),
        "seed": s.seed,
        "algorithm": SAMPLE_ALGORITHM,
    }))
}

// ---------------------------------------------------------------- responses

/// A survey response as the office and its surveyor see it.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// Client-generated id.
    pub id: Uuid,
    /// Cycle.
    pub cycle_id: Uuid,
    /// Questionnaire version answered.
    pub questionnaire_id: Uuid,
    /// Household.
    pub household_id: Uuid,
    /// The household's plan for the cycle's year.
    pub plan_id: Option<Uuid>,
    /// Its responsible person.
    pub person_id: Option<Uuid>,
    /// The assessees whose satisfaction item it feeds.
    pub assessee_ids: Vec<Uuid>,
    /// Surveyor.
    pub user_id: Uuid,
    /// Answers by question id.
    pub answers: Value,
    /// Whether the household said it is satisfied.
    pub satisfied: Option<bool>,
    /// submitted, returned (for correction) or accepted.
    pub status: String,
    /// A reviewer's comments per question when returned.
    pub review_comments: Option<Value>,
    /// Version.
    pub version: i64,
    /// Received.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn response(m: responses::Model, assessee_ids: Vec<Uuid>) -> Response {
    Response {
        id: m.id,
        cycle_id: m.cycle_id,
        questionnaire_id: m.questionnaire_id,
        household_id: m.household_id,
        plan_id: m.plan_id,
        person_id: m.person_id,
        assessee_ids,
        user_id: m.user_id,
        answers: serde_json::from_str(&m.answers).unwrap_or(Value::Null),
        satisfied: m.satisfied,
        status: m.status,
        review_comments: m
            .review_comments
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Responses whose household is in scope (and, for field users, their own).
fn visible_responses(scope: &Scope, own: Option<UserId>) -> sea_orm::Select<responses::Entity> {
    let q = responses::Entity::find()
        .filter(responses::Column::HouseholdId.in_subquery(scope.household_ids()));
    match own {
        Some(u) => q.filter(responses::Column::UserId.eq(u.0)),
        None => q,
    }
}

/// Responses with the assessees each one feeds, in one query for all of them.
async fn with_links(
    conn: &impl ConnectionTrait,
    rows: Vec<responses::Model>,
) -> Result<Vec<Response>, StoreError> {
    let mut links: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
    for chunk in rows.chunks(500) {
        let pairs: Vec<(Uuid, Uuid)> = response_assessees::Entity::find()
            .select_only()
            .column(response_assessees::Column::ResponseId)
            .column(response_assessees::Column::AssesseeId)
            .filter(response_assessees::Column::ResponseId.is_in(chunk.iter().map(|r| r.id)))
            .into_tuple()
            .all(conn)
            .await?;
        for (r, a) in pairs {
            links.entry(r).or_default().push(a);
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let l = links.remove(&m.id).unwrap_or_default();
            response(m, l)
        })
        .collect())
}

/// The responses of these ids the caller sees (for sync pulls).
pub async fn responses_by_ids(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    own: Option<UserId>,
    ids: Vec<Uuid>,
) -> Result<Vec<Response>, StoreError> {
    let rows = visible_responses(scope, own)
        .filter(responses::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    with_links(conn, rows).await
}

async fn linked_assessees(
    conn: &impl ConnectionTrait,
    response_id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(response_assessees::Entity::find()
        .select_only()
        .column(response_assessees::Column::AssesseeId)
        .filter(response_assessees::Column::ResponseId.eq(response_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// A response as a device or the REST API sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// Cycle.
    pub cycle_id: Uuid,
    /// Questionnaire version.
    pub questionnaire_id: Uuid,
    /// Household surveyed.
    pub household_id: Uuid,
    /// Answers by question id.
    pub answers: Map<String, Value>,
}

/// Who records a response.
pub struct Surveyor<'a> {
    /// User.
    pub user: UserId,
    /// Device (or `web`).
    pub device: &'a str,
    /// Scope.
    pub scope: &'a Scope,
    /// Device clock minus server clock, when flagged.
    pub clock_skew_secs: Option<i64>,
}

/// What storing a response did.
pub enum Submitted {
    /// A new response.
    Created(Response),
    /// A returned response corrected (a new version; the old one is kept).
    Corrected(Response),
    /// The very same response again (a retry): nothing changed.
    Same(Response),
}

/// Stores a response, validated against its questionnaire with per-question errors, linked to
/// the household's plan, responsible person and the assessees whose satisfaction it feeds. The
/// client's id makes retries harmless; resubmitting a returned response makes a new version.
pub async fn submit_response(
    conn: &impl ConnectionTrait,
    who: &Surveyor<'_>,
    id: Uuid,
    input: ResponseInput,
) -> Result<Submitted, StoreError> {
    let c = get_cycle(conn, input.cycle_id)
        .await
        .map_err(|_| StoreError::MissingReference("cycle_id"))?;
    ensure_open(&c)?;
    let h = households::Entity::find_by_id(input.household_id)
        .filter(who.scope.households())
        .one(conn)
        .await?
        .ok_or(StoreError::MissingReference("household_id"))?;
    let q = get_questionnaire(conn, input.questionnaire_id)
        .await
        .map_err(|_| StoreError::MissingReference("questionnaire_id"))?;
    let checked = q.questionnaire.check_answers(&input.answers)?;
    let answers = serde_json::to_string(&input.answers).unwrap_or_default();
    if let Some(existing) = responses::Entity::find_by_id(id).one(conn).await? {
        if existing.user_id != who.user.0 {
            return Err(StoreError::Duplicate("response id".into()));
        }
        let same = existing.answers == answers
            && existing.household_id == input.household_id
            && existing.questionnaire_id == input.questionnaire_id;
        if same && existing.status != "returned" {
            let links = linked_assessees(conn, id).await?;
            return Ok(Submitted::Same(response(existing, links)));
        }
        if existing.status != "returned" || existing.household_id != input.household_id {
            return Err(StoreError::Refused {
                code: "already-submitted",
                detail: "this response was submitted; it changes only after a reviewer returns it"
                    .into(),
            });
        }
        keep_version(
            conn,
            "response",
            existing.id,
            existing.version,
            &to_value(&existing),
            who.user,
        )
        .await?;
        let version = existing.version + 1;
        let mut am: responses::ActiveModel = existing.into();
        am.answers = Set(answers);
        am.questionnaire_id = Set(input.questionnaire_id);
        am.satisfied = Set(checked.satisfied);
        am.status = Set("submitted".into());
        am.version = Set(version);
        am.updated_at = Set(now());
        let m = am.update(conn).await?;
        let rows = response_assessees::Entity::find()
            .filter(response_assessees::Column::ResponseId.eq(id))
            .all(conn)
            .await?;
        for r in rows {
            let mut ar: response_assessees::ActiveModel = r.into();
            ar.satisfied = Set(checked.satisfied);
            ar.update(conn).await?;
        }
        audit::record(
            conn,
            Some(who.user),
            "response.correct",
            "response",
            id,
            json!({ "version": version }),
        )
        .await?;
        let links = linked_assessees(conn, id).await?;
        return Ok(Submitted::Corrected(response(m, links)));
    }
    let plan = plans::Entity::find()
        .filter(plans::Column::HouseholdId.eq(h.id))
        .filter(plans::Column::Year.eq(c.year))
        .one(conn)
        .await?;
    // The assessees this household's satisfaction speaks for: its district, its responsible
    // person, and the units paired with its village.
    let mut feeds: Vec<Uuid> = assessees::Entity::find()
        .select_only()
        .column(assessees::Column::Id)
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(assessees::Column::Kind.eq("district_government"))
                        .add(assessees::Column::DistrictCode.eq(&h.district_code)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(assessees::Column::Kind.eq("responsible_person"))
                        .add(assessees::Column::PersonId.eq(h.responsible_person_id)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(assessees::Column::Kind.eq("paired_unit"))
                        .add(
                            assessees::Column::UnitId.in_subquery(sea_orm::QueryTrait::into_query(
                                unit_villages::Entity::find()
                                    .select_only()
                                    .column(unit_villages::Column::UnitId)
                                    .filter(unit_villages::Column::VillageId.eq(h.village_id)),
                            )),
                        ),
                ),
        )
        .into_tuple()
        .all(conn)
        .await?;
    feeds.sort();
    feeds.dedup();
    let t = now();
    let m = responses::ActiveModel {
        id: Set(id),
        cycle_id: Set(input.cycle_id),
        questionnaire_id: Set(input.questionnaire_id),
        household_id: Set(h.id),
        plan_id: Set(plan.map(|p| p.id)),
        person_id: Set(h.responsible_person_id),
        user_id: Set(who.user.0),
        device_id: Set(who.device.to_owned()),
        answers: Set(answers),
        satisfied: Set(checked.satisfied),
        status: Set("submitted".into()),
        review_comments: Set(None),
        clock_skew_secs: Set(who
            .clock_skew_secs
            .map(|s| s.clamp(i32::MIN as i64, i32::MAX as i64) as i32)),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    for a in &feeds {
        response_assessees::ActiveModel {
            response_id: Set(id),
            cycle_id: Set(input.cycle_id),
            assessee_id: Set(*a),
            satisfied: Set(checked.satisfied),
        }
        .insert(conn)
        .await?;
    }
    audit::record(
        conn,
        Some(who.user),
        "response.submit",
        "response",
        id,
        json!({ "household": h.id, "assessees": feeds.len() }),
    )
    .await?;
    Ok(Submitted::Created(response(m, feeds)))
}

fn to_value(m: &responses::Model) -> Value {
    json!({
        "answers": serde_json::from_str::<Value>(&m.answers).unwrap_or(Value::Null),
        "satisfied": m.satisfied,
        "status": m.status,
        "review_comments": m.review_comments.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
        "updated_at": m.updated_at,
    })
}

/// Keeps a record's state before a correction, for its history.
pub async fn keep_version(
    conn: &impl ConnectionTrait,
    entity: &str,
    record_id: Uuid,
    version: i64,
    body: &Value,
    by: UserId,
) -> Result<(), StoreError> {
    record_versions::ActiveModel {
        entity: Set(entity.to_owned()),
        record_id: Set(record_id),
        version: Set(version),
        body: Set(body.to_string()),
        changed_by: Set(Some(by.0)),
        changed_at: Set(now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Earlier versions of a visit or response in scope, oldest first.
pub async fn versions(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    entity: &str,
    record_id: Uuid,
) -> Result<Vec<Value>, StoreError> {
    let in_scope = scope.household_ids();
    let found = match entity {
        "visit" => visits::Entity::find_by_id(record_id)
            .filter(visits::Column::HouseholdId.in_subquery(in_scope))
            .one(conn)
            .await?
            .is_some(),
        _ => responses::Entity::find_by_id(record_id)
            .filter(responses::Column::HouseholdId.in_subquery(in_scope))
            .one(conn)
            .await?
            .is_some(),
    };
    if !found {
        return Err(StoreError::NotFound);
    }
    Ok(record_versions::Entity::find()
        .filter(record_versions::Column::Entity.eq(entity))
        .filter(record_versions::Column::RecordId.eq(record_id))
        .order_by_asc(record_versions::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|v| {
            json!({
                "version": v.version,
                "record": serde_json::from_str::<Value>(&v.body).unwrap_or(Value::Null),
                "replaced_at": v.changed_at,
            })
        })
        .collect())
}

/// One response, if its household is in scope (and, for field users, if it is their own).
pub async fn get_response(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    own: Option<UserId>,
    id: Uuid,
) -> Result<Response, StoreError> {
    let m = visible_responses(scope, own)
        .filter(responses::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let links = linked_assessees(conn, id).await?;
    Ok(response(m, links))
}

/// Responses of a cycle in scope, optionally for one household.
pub async fn list_responses(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    own: Option<UserId>,
    cycle_id: Option<Uuid>,
    household: Option<Uuid>,
) -> Result<Vec<Response>, StoreError> {
    let mut q = visible_responses(scope, own)
        .order_by_asc(responses::Column::CreatedAt)
        .limit(1000);
    if let Some(c) = cycle_id {
        q = q.filter(responses::Column::CycleId.eq(c));
    }
    if let Some(h) = household {
        q = q.filter(responses::Column::HouseholdId.eq(h));
    }
    let rows = q.all(conn).await?;
    with_links(conn, rows).await
}

/// Satisfaction per assessee of a cycle: counts only, never individual responses, so an
/// assessee can see how households judge it without learning who said what. With
/// `withhold_below`, lines over fewer answers than that show no counts (`suppressed`).
pub async fn satisfaction(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
    withhold_below: Option<u64>,
) -> Result<Vec<Value>, StoreError> {
    get_cycle(conn, cycle_id).await?;
    let rows: Vec<(Uuid, Option<bool>)> = response_assessees::Entity::find()
        .select_only()
        .column(response_assessees::Column::AssesseeId)
        .column(response_assessees::Column::Satisfied)
        .filter(response_assessees::Column::CycleId.eq(cycle_id))
        .filter(
            response_assessees::Column::AssesseeId.in_subquery(sea_orm::QueryTrait::into_query(
                assessees::Entity::find()
                    .select_only()
                    .column(assessees::Column::Id)
                    .filter(scope.assessees()),
            )),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut by: BTreeMap<Uuid, (u64, u64, u64)> = BTreeMap::new();
    for (a, s) in rows {
        let e = by.entry(a).or_default();
        e.0 += 1;
        if let Some(s) = s {
            e.2 += 1;
            if s {
                e.1 += 1;
            }
        }
    }
    Ok(by
        .into_iter()
        .map(|(a, (n, sat, rated))| {
            if withhold_below.is_some_and(|min| assessment::counts_withheld(rated, min)) {
                return json!({
                    "assessee_id": a,
                    "responses": n,
                    "satisfied": null,
                    "rated": null,
                    "rate": null,
                    "suppressed": true,
                });
            }
            json!({
                "assessee_id": a,
                "responses": n,
                "satisfied": sat,
                "rated": rated,
                "rate": if rated == 0 { Value::Null } else { json!(sat as f64 / rated as f64) },
                "suppressed": false,
            })
        })
        .collect())
}

/// Returns a visit or response to its device for correction, with comments per question or
/// checklist item; the device receives it on its next pull.
pub async fn send_back(
    conn: &impl ConnectionTrait,
    actor: UserId,
    scope: &Scope,
    entity: &str,
    id: Uuid,
    comments: &BTreeMap<String, String>,
) -> Result<Value, StoreError> {
    let mut errors = ValidationErrors::default();
    if comments.is_empty() {
        errors.add("comments", "required", "say what needs correcting");
    }
    for (k, v) in comments {
        if k.is_empty() || k.chars().count() > 64 {
            errors.add(format!("comments.{k}"), "invalid", "a question or item id");
        }
        validation::multiline_text(&mut errors, &format!("comments.{k}"), v, 2000);
    }
    errors.into_result()?;
    let text = serde_json::to_string(comments).unwrap_or_default();
    let in_scope = scope.household_ids();
    let version = match entity {
        "visit" => {
            let v = visits::Entity::find_by_id(id)
                .filter(visits::Column::HouseholdId.in_subquery(in_scope))
                .one(conn)
                .await?
                .ok_or(StoreError::NotFound)?;
            let version = v.version + 1;
            let mut am: visits::ActiveModel = v.into();
            am.status = Set("returned".into());
            am.review_comments = Set(Some(text));
            am.version = Set(version);
            am.updated_at = Set(now());
            am.update(conn).await?;
            version
        }
        _ => {
            let r = responses::Entity::find_by_id(id)
                .filter(responses::Column::HouseholdId.in_subquery(in_scope))
                .one(conn)
                .await?
                .ok_or(StoreError::NotFound)?;
            let c = get_cycle(conn, r.cycle_id).await?;
            ensure_open(&c)?;
            let version = r.version + 1;
            let mut am: responses::ActiveModel = r.into();
            am.status = Set("returned".into());
            am.review_comments = Set(Some(text));
            am.version = Set(version);
            am.updated_at = Set(now());
            am.update(conn).await?;
            // Until it is corrected, the response says nothing about anyone's satisfaction: the
            // links carry no answer (resubmitting sets it again), so aggregation needs no status.
            response_assessees::Entity::update_many()
                .col_expr(
                    response_assessees::Column::Satisfied,
                    sea_orm::sea_query::Expr::value(Option::<bool>::None),
                )
                .filter(response_assessees::Column::ResponseId.eq(id))
                .exec(conn)
                .await?;
            version
        }
    };
    audit::record(
        conn,
        Some(actor),
        &format!("{entity}.return"),
        entity,
        id,
        json!({ "items": comments.keys().collect::<Vec<_>>(), "version": version }),
    )
    .await?;
    Ok(json!({ "id": id, "status": "returned", "version": version, "review_comments": comments }))
}
