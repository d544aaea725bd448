//! Reproducible samples of households: candidates, the draw, reading and re-verifying a sample.

use super::assignments::NewAssignment;
use crate::assessment::{ensure_open, get_cycle};
use crate::entities::{households, places, sample_households, samples};
use crate::{StoreError, audit, now};
use chrono::{DateTime, NaiveDate, Utc};
use fieldcheck_domain::assessment::{self, Candidate, SampleSize};
use fieldcheck_domain::{UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

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

/// One village of a draw: how many households it has now, and so how many a size rule takes.
#[derive(Clone, Debug, Serialize)]
pub struct Stratum {
    /// The village's division code (the stratum).
    pub code: String,
    /// The village's name.
    pub name: String,
    /// Households the draw would choose from.
    pub households: usize,
}

/// The strata a draw over `district` (or everything) would use, by code: the same candidates as
/// [`draw_sample`], counted, so the sizes shown before drawing are the sizes drawn.
pub async fn strata(
    conn: &impl ConnectionTrait,
    district: Option<&str>,
) -> Result<Vec<Stratum>, StoreError> {
    let pool = candidates(conn, district).await?;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for c in pool {
        *counts.entry(c.stratum).or_default() += 1;
    }
    let names: std::collections::HashMap<String, String> = places::Entity::find()
        .select_only()
        .column(places::Column::Code)
        .column(places::Column::Name)
        .filter(places::Column::Level.eq("village"))
        .filter(places::Column::Code.is_in(counts.keys().cloned()))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(counts
        .into_iter()
        .map(|(code, households)| Stratum {
            name: names.get(&code).cloned().unwrap_or_default(),
            code,
            households,
        })
        .collect())
}

/// A sample without its households, for lists.
#[derive(Clone, Debug, Serialize)]
pub struct SampleSummary {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Seed.
    pub seed: String,
    /// District limit.
    pub district_code: Option<String>,
    /// Households drawn.
    pub drawn: i32,
    /// Households it was drawn from.
    pub candidates: i32,
    /// Drawn at.
    pub created_at: DateTime<Utc>,
}

/// The samples of a cycle, newest first.
pub async fn list_samples(
    conn: &impl ConnectionTrait,
    cycle_id: Uuid,
) -> Result<Vec<SampleSummary>, StoreError> {
    Ok(samples::Entity::find()
        .filter(samples::Column::CycleId.eq(cycle_id))
        .order_by_desc(samples::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| SampleSummary {
            id: m.id,
            name: m.name,
            seed: m.seed,
            district_code: m.district_code,
            drawn: m.drawn,
            candidates: m.candidates,
            created_at: m.created_at,
        })
        .collect())
}
