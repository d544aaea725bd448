//! Yearly cycles: creating and listing them, their step dates, and moving a cycle through its steps.

use super::questionnaires::ensure_default_questionnaire;
use super::results::placeholders;
use super::templates::create_template;
use super::{unwire, wire};
use crate::entities::{cycles, templates};
use crate::{Scope, StoreError, audit, now};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldcheck_domain::assessment::{self, CombineRule, CycleStep, Tenths};
use fieldcheck_domain::{UserId, ValidationErrors};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

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

pub(super) fn ensure_step(c: &Cycle, step: CycleStep, what: &str) -> Result<(), StoreError> {
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
    // Forward, what the next step needs is the domain's rule; what of it blocks is refused here
    // (the pages show the rest before the move).
    if to > c.step {
        let counts = super::steps::readiness(conn, &Scope::All, id).await?.counts;
        if let Some(m) = assessment::step_needs(to, &counts)
            .into_iter()
            .find(assessment::Missing::blocks)
        {
            // Only approval without results blocks today; a new blocking need gets its own code.
            return Err(match m {
                assessment::Missing::NotAggregated => StoreError::Refused {
                    code: "not-aggregated",
                    detail: "aggregate the cycle's results before approving them".into(),
                },
                other => StoreError::Refused {
                    code: "wrong-step",
                    detail: format!("the next step needs: {other:?}"),
                },
            });
        }
    }
    let t = now();
    let mut locked_at = None;
    if to == CycleStep::Publication {
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
