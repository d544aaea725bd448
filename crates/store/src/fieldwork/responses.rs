//! Satisfaction responses: submitted, listed, their kept versions, the satisfaction summary, and
//! sending visits and responses back to their devices for correction.

use crate::assessment::{ensure_open, get_cycle, get_questionnaire};
use crate::entities::{
    assessees, households, plans, record_versions, response_assessees, responses, unit_villages,
    visits,
};
use crate::{Scope, StoreError, audit, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::assessment;
use fieldcheck_domain::{UserId, ValidationErrors, validation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

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

/// One page of a cycle's responses to one questionnaire version, in id order, as the raw-data
/// export reads them: the same visibility as [`list_responses`], without its cap.
pub async fn responses_page(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    own: Option<UserId>,
    cycle_id: Uuid,
    questionnaire_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Response>, StoreError> {
    let mut q = visible_responses(scope, own)
        .filter(responses::Column::CycleId.eq(cycle_id))
        .filter(responses::Column::QuestionnaireId.eq(questionnaire_id))
        .order_by_asc(responses::Column::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(responses::Column::Id.gt(a));
    }
    let rows = q.all(conn).await?;
    with_links(conn, rows).await
}

/// Whether each response of a cycle in scope says its household is satisfied (for the charts).
pub async fn cycle_satisfaction(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
) -> Result<Vec<(Uuid, Option<bool>)>, StoreError> {
    Ok(visible_responses(scope, None)
        .select_only()
        .column(responses::Column::HouseholdId)
        .column(responses::Column::Satisfied)
        .filter(responses::Column::CycleId.eq(cycle_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Filters of the review queue of visits and responses.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// `visit` or `response`; both when `None`.
    pub kind: Option<&'static str>,
    /// Households of this district (6-digit code).
    pub district: Option<String>,
    /// Households of this village.
    pub village: Option<Uuid>,
}

/// A visit or response waiting for review (submitted, neither returned nor accepted).
#[derive(Clone, Debug, Serialize)]
pub struct QueueEntry {
    /// `visit` or `response`.
    pub kind: &'static str,
    /// Its id.
    pub id: Uuid,
    /// Household.
    pub household_id: Uuid,
    /// The household's registration number (户编号).
    pub registration_no: String,
    /// The household's district.
    pub district_code: String,
    /// The household's village.
    pub village_id: Uuid,
    /// The items a reviewer may comment on: checklist items of a visit, answered questions of a
    /// response.
    pub items: Vec<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The visits and responses in scope waiting for review, oldest first (at most `limit` of each).
pub async fn review_queue(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &QueueFilter,
    limit: u64,
) -> Result<Vec<QueueEntry>, StoreError> {
    let mut homes = households::Entity::find()
        .select_only()
        .column(households::Column::Id)
        .filter(scope.households());
    if let Some(d) = &filter.district {
        homes = homes.filter(households::Column::DistrictCode.eq(d.as_str()));
    }
    if let Some(v) = filter.village {
        homes = homes.filter(households::Column::VillageId.eq(v));
    }
    let homes = sea_orm::QueryTrait::into_query(homes);
    let keys = |text: &str| -> Vec<String> {
        serde_json::from_str::<Map<String, Value>>(text)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut out: Vec<QueueEntry> = Vec::new();
    // kind, id, household, items, last change
    type Raw = (&'static str, Uuid, Uuid, Vec<String>, DateTime<Utc>);
    let mut raw: Vec<Raw> = Vec::new();
    if filter.kind.is_none_or(|k| k == "visit") {
        for v in visits::Entity::find()
            .filter(visits::Column::Status.eq("submitted"))
            .filter(visits::Column::HouseholdId.in_subquery(homes.clone()))
            .order_by_asc(visits::Column::UpdatedAt)
            .limit(limit)
            .all(conn)
            .await?
        {
            raw.push((
                "visit",
                v.id,
                v.household_id,
                keys(&v.checklist),
                v.updated_at,
            ));
        }
    }
    if filter.kind.is_none_or(|k| k == "response") {
        for r in responses::Entity::find()
            .filter(responses::Column::Status.eq("submitted"))
            .filter(responses::Column::HouseholdId.in_subquery(homes))
            .order_by_asc(responses::Column::UpdatedAt)
            .limit(limit)
            .all(conn)
            .await?
        {
            raw.push((
                "response",
                r.id,
                r.household_id,
                keys(&r.answers),
                r.updated_at,
            ));
        }
    }
    let hs: std::collections::HashMap<Uuid, households::Model> = households::Entity::find()
        .filter(households::Column::Id.is_in(raw.iter().map(|r| r.2).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    for (kind, id, household_id, items, updated_at) in raw {
        let Some(h) = hs.get(&household_id) else {
            continue;
        };
        out.push(QueueEntry {
            kind,
            id,
            household_id,
            registration_no: h.registration_no.clone(),
            district_code: h.district_code.clone(),
            village_id: h.village_id,
            items,
            updated_at,
        });
    }
    out.sort_by_key(|e| e.updated_at);
    Ok(out)
}

/// The newest visits (at most `limit`) to the households whose evidence speaks for an assessee,
/// within scope: evidence a score can link to.
pub async fn visits_of_assessee(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    assessee: Uuid,
    limit: u64,
) -> Result<Vec<crate::sync::Visit>, StoreError> {
    Ok(visits::Entity::find()
        .filter(visits::Column::HouseholdId.in_subquery(scope.household_ids()))
        .filter(crate::photos::of_assessee(
            visits::Column::HouseholdId,
            assessee,
        ))
        .order_by_desc(visits::Column::StartedAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
