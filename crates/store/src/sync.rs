//! Offline sync: pulls read the trigger-written change log in the caller's scope and send each
//! changed record's *current* state (or a removal when it is gone or out of scope); pushes apply
//! device mutations one by one, each exactly once, merging field by field where the office edits
//! the same records.

use crate::entities::{
    changes, households, measures, members, persons, photo_records, places, plans, scope_grants,
    sync_conflicts, sync_mutations, units, visits,
};
use crate::registry::{Household, Measure, bump_field_versions};
use crate::scope::grant;
use crate::{PiiCipher, Scope, Store, StoreError, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::sync::{FieldDecision, merge_fields};
use fieldcheck_domain::{
    ChecklistAnswer, FieldError, GeoPoint, MeasureStatus, PhotoStatus, UserId, ValidationErrors,
    VisitStatus, validation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// Entities every signed-in device receives (no personal data in them).
const GLOBAL_ENTITIES: [&str; 4] = ["place", "unit", "person", "questionnaire"];

/// One change as a device receives it.
#[derive(Clone, Debug, Serialize)]
pub struct SyncChange {
    /// Kind of record.
    pub entity: String,
    /// Its id.
    pub id: Uuid,
    /// `upsert` (with the record's current state) or `delete` (gone, or no longer in scope).
    pub op: &'static str,
    /// The record, for upserts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// One page of a pull.
#[derive(Debug)]
pub struct PullPage {
    /// Changes, each record at most once.
    pub changes: Vec<SyncChange>,
    /// The change-log position reached; the next pull continues after it.
    pub last_seq: i64,
    /// Whether more changes wait.
    pub has_more: bool,
}

fn granted(user: UserId, kind: &str) -> sea_orm::sea_query::SelectStatement {
    scope_grants::Entity::find()
        .select_only()
        .column(scope_grants::Column::TargetId)
        .filter(scope_grants::Column::UserId.eq(user.0))
        .filter(scope_grants::Column::Kind.eq(kind))
        .into_query()
}

/// Change-log rows that may concern a caller (visibility is decided per record afterwards).
fn relevant(scope: &Scope) -> Condition {
    let global = Condition::all().add(changes::Column::Entity.is_in(GLOBAL_ENTITIES));
    match scope {
        Scope::All => Condition::all(),
        Scope::District(d) => Condition::any()
            .add(global)
            .add(changes::Column::DistrictCode.eq(d.as_str())),
        Scope::Granted(u) => Condition::any()
            .add(global)
            .add(changes::Column::VillageId.in_subquery(granted(*u, grant::VILLAGE)))
            .add(changes::Column::HouseholdId.in_subquery(granted(*u, grant::HOUSEHOLD)))
            .add(changes::Column::UserId.eq(u.0)),
        Scope::Assessee(_) => global,
    }
}

/// Device-created records a caller sees: their own (field roles) or those of households in scope.
fn own_records<C: ColumnTrait>(scope: &Scope, user_col: C, household_col: C) -> Condition {
    match scope {
        Scope::Granted(u) => Condition::all().add(user_col.eq(u.0)),
        Scope::All => Condition::all(),
        other => Condition::all().add(household_col.in_subquery(other.household_ids())),
    }
}

/// A visit as devices and the office see it.
#[derive(Clone, Debug, Serialize)]
pub struct Visit {
    /// Client-generated id.
    pub id: Uuid,
    /// Household visited.
    pub household_id: Uuid,
    /// Inspector.
    pub user_id: Uuid,
    /// Device.
    pub device_id: String,
    /// When the visit started, by the device's clock.
    pub started_at: DateTime<Utc>,
    /// The device's GPS fix.
    pub location: Option<DeviceFix>,
    /// The two-no-worries-three-guarantees checklist.
    pub checklist: Value,
    /// Notes.
    pub notes: Option<String>,
    /// Status: submitted, returned (for correction) or accepted.
    pub status: String,
    /// A reviewer's comments when the visit was returned, keyed by checklist item or field.
    pub review_comments: Option<Value>,
    /// Device clock minus server clock, when large enough to flag.
    pub clock_skew_secs: Option<i32>,
    /// Version.
    pub version: i64,
    /// Received by the server.
    pub received_at: DateTime<Utc>,
    /// Last change on the server.
    pub updated_at: DateTime<Utc>,
}

/// A device's GPS fix.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceFix {
    /// Latitude (WGS-84).
    pub lat: f64,
    /// Longitude (WGS-84).
    pub lon: f64,
    /// Reported accuracy in metres.
    pub accuracy_m: Option<f64>,
    /// The device reported a mock location.
    #[serde(default)]
    pub mock_location: bool,
}

fn fix(
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
    mock: bool,
) -> Option<DeviceFix> {
    Some(DeviceFix {
        lat: lat?,
        lon: lon?,
        accuracy_m,
        mock_location: mock,
    })
}

impl From<visits::Model> for Visit {
    fn from(v: visits::Model) -> Self {
        Visit {
            id: v.id,
            household_id: v.household_id,
            user_id: v.user_id,
            device_id: v.device_id,
            started_at: v.started_at,
            location: fix(v.lat, v.lon, v.accuracy_m, v.mock_location),
            checklist: serde_json::from_str(&v.checklist).unwrap_or(Value::Null),
            notes: v.notes,
            status: v.status,
            review_comments: v
                .review_comments
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok()),
            clock_skew_secs: v.clock_skew_secs,
            version: v.version,
            received_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A photo record as devices and the office see it.
#[derive(Clone, Debug, Serialize)]
pub struct PhotoRecord {
    /// Client-generated id.
    pub id: Uuid,
    /// Household.
    pub household_id: Uuid,
    /// Visit, if taken during one.
    pub visit_id: Option<Uuid>,
    /// Measure it is evidence for.
    pub measure_id: Option<Uuid>,
    /// Photographer.
    pub user_id: Uuid,
    /// Device.
    pub device_id: String,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// Capture time by the device's clock.
    pub taken_at: DateTime<Utc>,
    /// The device's GPS fix.
    pub location: Option<DeviceFix>,
    /// `waiting_upload` until the bytes arrive.
    pub status: String,
    /// Device clock minus server clock, when flagged.
    pub clock_skew_secs: Option<i32>,
    /// Version.
    pub version: i64,
    /// Received by the server.
    pub received_at: DateTime<Utc>,
}

impl From<photo_records::Model> for PhotoRecord {
    fn from(p: photo_records::Model) -> Self {
        PhotoRecord {
            id: p.id,
            household_id: p.household_id,
            visit_id: p.visit_id,
            measure_id: p.measure_id,
            user_id: p.user_id,
            device_id: p.device_id,
            sha256: p.sha256,
            taken_at: p.taken_at,
            location: fix(p.lat, p.lon, p.accuracy_m, p.mock_location),
            status: p.status,
            clock_skew_secs: p.clock_skew_secs,
            version: p.version,
            received_at: p.created_at,
        }
    }
}

fn to_json<T: Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Current state of the records of one entity that the caller sees, by id.
async fn visible(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    entity: &str,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Value>, StoreError> {
    let mut out = HashMap::new();
    match entity {
        "place" => {
            for m in places::Entity::find()
                .filter(places::Column::Id.is_in(ids))
                .all(conn)
                .await?
            {
                out.insert(m.id, to_json(crate::places::Place::from(m)));
            }
        }
        "unit" => {
            for m in units::Entity::find()
                .filter(units::Column::Id.is_in(ids))
                .all(conn)
                .await?
            {
                out.insert(m.id, json!({ "id": m.id, "name": m.name, "kind": m.kind, "district_code": m.district_code, "version": m.version }));
            }
        }
        "person" => {
            for m in persons::Entity::find()
                .filter(persons::Column::Id.is_in(ids))
                .all(conn)
                .await?
            {
                out.insert(m.id, to_json(crate::orgs::Person::from(m)));
            }
        }
        "household" => {
            let rows = households::Entity::find()
                .filter(households::Column::Id.is_in(ids))
                .filter(scope.households())
                .all(conn)
                .await?;
            for m in rows {
                out.insert(m.id, to_json(Household::from(m)));
            }
        }
        "member" => {
            let rows = members::Entity::find()
                .filter(members::Column::Id.is_in(ids))
                .filter(scope.members())
                .all(conn)
                .await?;
            for m in rows {
                out.insert(m.id, to_json(crate::registry::member_masked(pii, m)?));
            }
        }
        "plan" => {
            let rows = plans::Entity::find()
                .filter(plans::Column::Id.is_in(ids))
                .filter(scope.plans())
                .all(conn)
                .await?;
            for p in rows {
                out.insert(p.id, json!({ "id": p.id, "household_id": p.household_id, "year": p.year, "status": p.status, "version": p.version, "updated_at": p.updated_at }));
            }
        }
        "measure" => {
            let rows = measures::Entity::find()
                .filter(measures::Column::Id.is_in(ids))
                .filter(scope.measures())
                .all(conn)
                .await?;
            for m in rows {
                out.insert(m.id, to_json(Measure::from(m)));
            }
        }
        "visit" => {
            let rows = visits::Entity::find()
                .filter(visits::Column::Id.is_in(ids))
                .filter(own_records(
                    scope,
                    visits::Column::UserId,
                    visits::Column::HouseholdId,
                ))
                .all(conn)
                .await?;
            for v in rows {
                out.insert(v.id, to_json(Visit::from(v)));
            }
        }
        "photo" => {
            let rows = photo_records::Entity::find()
                .filter(photo_records::Column::Id.is_in(ids))
                .filter(own_records(
                    scope,
                    photo_records::Column::UserId,
                    photo_records::Column::HouseholdId,
                ))
                .all(conn)
                .await?;
            for p in rows {
                out.insert(p.id, to_json(PhotoRecord::from(p)));
            }
        }
        "assignment" => {
            let mut q = crate::entities::assignments::Entity::find()
                .filter(crate::entities::assignments::Column::Id.is_in(ids));
            if let Scope::Granted(user) = scope {
                q = q.filter(crate::entities::assignments::Column::UserId.eq(user.0));
            }
            for a in q.all(conn).await? {
                out.insert(a.id, to_json(crate::fieldwork::Assignment::from(a)));
            }
        }
        "questionnaire" => {
            for q in crate::entities::questionnaires::Entity::find()
                .filter(crate::entities::questionnaires::Column::Id.is_in(ids))
                .all(conn)
                .await?
            {
                let id = q.id;
                out.insert(
                    id,
                    json!({ "id": id, "code": q.code, "version": q.version, "definition": serde_json::from_str::<Value>(&q.body).unwrap_or(Value::Null) }),
                );
            }
        }
        "response" => {
            let own = match scope {
                Scope::Granted(u) => Some(*u),
                _ => None,
            };
            for r in crate::fieldwork::responses_by_ids(conn, scope, own, ids).await? {
                out.insert(r.id, to_json(r));
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Reads one page of changes after `after_seq` for a caller.
///
/// A household that enters the caller's scope (a new grant, or a move into a granted village)
/// brings its members, plans and measures along, since their own changes were logged before.
pub async fn pull(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    user: UserId,
    after_seq: i64,
    limit: u64,
) -> Result<PullPage, StoreError> {
    let mut rows = changes::Entity::find()
        .filter(changes::Column::Seq.gt(after_seq))
        .filter(relevant(scope))
        .order_by_asc(changes::Column::Seq)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let last_seq = rows.last().map_or(after_seq, |r| r.seq);

    // Each record once, in the order of its first change in the page.
    let mut order: Vec<(String, Uuid)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut entering = BTreeSet::new();
    for r in &rows {
        if seen.insert((r.entity.clone(), r.record_id)) {
            order.push((r.entity.clone(), r.record_id));
        }
        let targeted = r.user_id == Some(user.0) && r.entity == "household";
        if targeted || r.op == "moved" {
            entering.insert(r.record_id);
        }
    }
    // Children of entering households.
    if !entering.is_empty() {
        let hh: Vec<Uuid> = entering.iter().copied().collect();
        let ms = members::Entity::find()
            .filter(members::Column::HouseholdId.is_in(hh.clone()))
            .all(conn)
            .await?;
        let ps = plans::Entity::find()
            .filter(plans::Column::HouseholdId.is_in(hh))
            .all(conn)
            .await?;
        let plan_ids: Vec<Uuid> = ps.iter().map(|p| p.id).collect();
        let mss = measures::Entity::find()
            .filter(measures::Column::PlanId.is_in(plan_ids))
            .all(conn)
            .await?;
        for (e, id) in ms
            .iter()
            .map(|m| ("member", m.id))
            .chain(ps.iter().map(|p| ("plan", p.id)))
            .chain(mss.iter().map(|m| ("measure", m.id)))
        {
            if seen.insert((e.to_owned(), id)) {
                order.push((e.to_owned(), id));
            }
        }
    }
    let mut by_entity: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for (e, id) in &order {
        by_entity.entry(e.clone()).or_default().push(*id);
    }
    let mut current: HashMap<(String, Uuid), Value> = HashMap::new();
    for (entity, ids) in by_entity {
        for (id, v) in visible(conn, pii, scope, &entity, ids).await? {
            current.insert((entity.clone(), id), v);
        }
    }
    let changes = order
        .into_iter()
        .map(|(entity, id)| match current.remove(&(entity.clone(), id)) {
            Some(data) => SyncChange {
                entity,
                id,
                op: "upsert",
                data: Some(data),
            },
            None => SyncChange {
                entity,
                id,
                op: "delete",
                data: None,
            },
        })
        .collect();
    Ok(PullPage {
        changes,
        last_seq,
        has_more,
    })
}

/// One mutation from a device.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    /// Client-generated id of this mutation; the key of exactly-once application.
    pub mutation_id: Uuid,
    /// `visit`, `photo`, `household` or `measure`.
    pub entity: String,
    /// `create` or `update`.
    pub op: String,
    /// The record's (client-generated, for creations) id.
    pub record_id: Uuid,
    /// The version the device based an update on.
    pub base_version: Option<i64>,
    /// The device's clock when the change was made (stored, never used for ordering).
    pub device_time: DateTime<Utc>,
    /// The fields set.
    #[serde(default)]
    pub fields: serde_json::Map<String, Value>,
}

/// The outcome of one mutation.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; the record's new state.
    Applied {
        /// New server version.
        version: i64,
        /// The record now.
        record: Value,
        /// Device clock minus server clock, when large enough to flag.
        #[serde(skip_serializing_if = "Option::is_none")]
        clock_skew_secs: Option<i64>,
    },
    /// Already applied earlier: the same result as then.
    Duplicate {
        /// The first result, as it was sent then.
        original: Value,
    },
    /// The server's record won (in whole or for some fields); the office can see and resolve it.
    Conflict {
        /// The server's current record.
        record: Value,
        /// Fields kept at the server's value.
        fields: Vec<String>,
        /// Current server version.
        version: i64,
    },
    /// Not applied: the reason as a problem.
    Rejected {
        /// Stable problem code.
        code: String,
        /// Explanation.
        detail: String,
        /// Field errors, if any.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        errors: Vec<FieldError>,
    },
}

fn rejected(code: &str, detail: impl Into<String>) -> Outcome {
    Outcome::Rejected {
        code: code.to_owned(),
        detail: detail.into(),
        errors: Vec::new(),
    }
}

fn invalid(errors: ValidationErrors) -> Outcome {
    Outcome::Rejected {
        code: "validation-failed".into(),
        detail: "some fields are invalid".into(),
        errors: errors.0,
    }
}

/// Who is pushing, and the device's clock when it sent the batch.
pub struct Pusher<'a> {
    /// Device clock minus server clock at sending, when large enough to flag. Measured at send
    /// time because a mutation's own `device_time` may be hours old after a day offline.
    pub clock_skew_secs: Option<i64>,
    /// User.
    pub user: UserId,
    /// Device.
    pub device: &'a str,
    /// Scope.
    pub scope: &'a Scope,
    /// Whether the role may create visits and photos (inspectors, surveyors).
    pub field_worker: bool,
}

/// Applies one mutation, exactly once.
pub async fn apply(store: &Store, who: &Pusher<'_>, m: Mutation) -> Result<Outcome, StoreError> {
    let mut out = apply_batch(store, who, vec![Ok(m)]).await?;
    Ok(out
        .pop()
        .unwrap_or_else(|| rejected("internal", "could not apply")))
}

/// Applies a push: each mutation inside its own savepoint of one transaction, so a rejected
/// mutation leaves nothing behind while the others apply, and the whole batch costs one durable
/// commit (acknowledged only after it). Items already refused while parsing pass through.
pub async fn apply_batch(
    store: &Store,
    who: &Pusher<'_>,
    items: Vec<Result<Mutation, Outcome>>,
) -> Result<Vec<Outcome>, StoreError> {
    let txn = store.write().await?;
    // Which of the batch's mutation ids were seen before, in one query instead of one each.
    let ids: Vec<Uuid> = items
        .iter()
        .filter_map(|i| i.as_ref().ok().map(|m| m.mutation_id))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<Uuid> = sync_mutations::Entity::find()
            .select_only()
            .column(sync_mutations::Column::MutationId)
            .filter(sync_mutations::Column::MutationId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&*txn)
            .await?;
        seen.extend(found);
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(match item {
            Ok(m) => apply_one(&txn, who, &m, seen.contains(&m.mutation_id)).await?,
            Err(refused) => refused,
        });
    }
    txn.commit().await?;
    Ok(out)
}

async fn apply_one(
    txn: &sea_orm::DatabaseTransaction,
    who: &Pusher<'_>,
    m: &Mutation,
    seen_before: bool,
) -> Result<Outcome, StoreError> {
    use sea_orm::TransactionTrait;
    for attempt in 0..2 {
        let sp = txn.begin().await?;
        // A mutation not seen when the batch began can only have arrived since through a
        // concurrent push, which the unique key catches below; the retry then looks it up.
        let lookup = seen_before || attempt > 0;
        let done = if lookup {
            sync_mutations::Entity::find_by_id(m.mutation_id)
                .one(&sp)
                .await?
        } else {
            None
        };
        if let Some(done) = done {
            sp.rollback().await?;
            if done.user_id != who.user.0 {
                return Ok(rejected(
                    "mutation-id-taken",
                    "this mutation id was used by someone else",
                ));
            }
            let mut original: Value = serde_json::from_str(&done.result).unwrap_or(Value::Null);
            // The first answer as it was sent, which carried its mutation id beside the outcome.
            if let Value::Object(first) = &mut original {
                first
                    .entry("mutation_id")
                    .or_insert_with(|| Value::String(done.mutation_id.to_string()));
            }
            return Ok(Outcome::Duplicate { original });
        }
        let outcome = match dispatch(&sp, who, m).await {
            // A concurrent push created the same record first (PostgreSQL): start over from the
            // savepoint, and the second attempt sees it.
            Err(StoreError::Duplicate(_)) if attempt == 0 => {
                sp.rollback().await?;
                continue;
            }
            // Evidence of an approved cycle (the database's lock triggers refused the write):
            // this mutation alone is refused; the rest of the batch goes on.
            Err(StoreError::Locked) => rejected(
                "cycle-locked",
                "the assessment cycle this record belongs to is approved",
            ),
            other => other?,
        };
        if matches!(outcome, Outcome::Rejected { .. }) {
            // Nothing of a rejected mutation is kept, so a corrected retry may reuse its id.
            sp.rollback().await?;
            return Ok(outcome);
        }
        let record = sync_mutations::ActiveModel {
            mutation_id: Set(m.mutation_id),
            user_id: Set(who.user.0),
            device_id: Set(who.device.to_owned()),
            entity: Set(m.entity.clone()),
            record_id: Set(Some(m.record_id)),
            op: Set(m.op.clone()),
            result: Set(serde_json::to_string(&outcome).unwrap_or_default()),
            received_at: Set(now()),
        };
        match sync_mutations::Entity::insert(record)
            .exec_without_returning(&sp)
            .await
        {
            Ok(_) => {
                sp.commit().await?;
                return Ok(outcome);
            }
            // The same mutation committed concurrently (PostgreSQL): undo, answer duplicate.
            Err(e)
                if attempt == 0
                    && matches!(
                        e.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) =>
            {
                sp.rollback().await?;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(rejected("internal", "could not apply"))
}

async fn dispatch(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
) -> Result<Outcome, StoreError> {
    let skew = who.clock_skew_secs;
    match (m.entity.as_str(), m.op.as_str()) {
        ("visit", "create") => create_visit(conn, who, m, skew).await,
        ("visit", "update") => update_visit(conn, who, m).await,
        ("photo", "create") => create_photo(conn, who, m, skew).await,
        ("household", "update") => update_household(conn, who, m).await,
        ("measure", "update") => update_measure(conn, who, m).await,
        ("response", "create" | "update") => push_response(conn, who, m, skew).await,
        ("visit" | "photo" | "household" | "measure" | "response", op) => Ok(rejected(
            "unsupported-operation",
            format!("{op} is not supported for {}", m.entity),
        )),
        (entity, _) => Ok(rejected(
            "unknown-entity",
            format!("unknown entity {entity:?}"),
        )),
    }
}

/// A response from a device: the same validation and links as the REST API; per-question
/// errors come back as the mutation's field errors.
async fn push_response(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
    skew: Option<i64>,
) -> Result<Outcome, StoreError> {
    if !who.field_worker {
        return Ok(rejected("forbidden", "only field roles record responses"));
    }
    let input: crate::fieldwork::ResponseInput =
        match serde_json::from_value(Value::Object(m.fields.clone().into_iter().collect())) {
            Ok(i) => i,
            Err(e) => {
                return Ok(invalid(ValidationErrors::single(
                    "fields",
                    "invalid-type",
                    e.to_string(),
                )));
            }
        };
    let surveyor = crate::fieldwork::Surveyor {
        user: who.user,
        device: who.device,
        scope: who.scope,
        clock_skew_secs: skew,
    };
    use crate::fieldwork::Submitted;
    match crate::fieldwork::submit_response(conn, &surveyor, m.record_id, input).await {
        Ok(Submitted::Created(r) | Submitted::Corrected(r) | Submitted::Same(r)) => {
            Ok(Outcome::Applied {
                version: r.version,
                record: to_json(r),
                clock_skew_secs: skew,
            })
        }
        // Paths are relative to the mutation, like every other entity's: `fields.answers.q3`.
        Err(StoreError::Invalid(e)) => Ok(invalid(e.nested_under("fields"))),
        Err(StoreError::Locked) => Ok(rejected("cycle-locked", "the cycle is approved")),
        Err(StoreError::MissingReference(what)) => {
            Ok(rejected("not-found", format!("no such {what}")))
        }
        Err(StoreError::Refused { code, detail }) => Ok(rejected(code, detail)),
        Err(StoreError::Duplicate(_)) => Ok(rejected("duplicate-id", "that id is taken")),
        Err(e) => Err(e),
    }
}

fn field<T: serde::de::DeserializeOwned>(
    m: &Mutation,
    name: &str,
    errors: &mut ValidationErrors,
) -> Option<T> {
    let v = m.fields.get(name)?;
    match serde_json::from_value(v.clone()) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.add(format!("fields.{name}"), "invalid-type", e.to_string());
            None
        }
    }
}

fn unknown_fields(m: &Mutation, allowed: &[&str], errors: &mut ValidationErrors) {
    for k in m.fields.keys() {
        if !allowed.contains(&k.as_str()) {
            errors.add(
                format!("fields.{k}"),
                "unknown-field",
                "this field cannot be set from a device",
            );
        }
    }
}

fn check_fix(errors: &mut ValidationErrors, name: &str, f: &Option<DeviceFix>) {
    if let Some(f) = f {
        if let Err(msg) = GeoPoint::new(f.lat, f.lon) {
            errors.add(format!("fields.{name}"), "invalid-location", msg);
        }
        if f.accuracy_m.is_some_and(|a| !a.is_finite() || a < 0.0) {
            errors.add(
                format!("fields.{name}.accuracy_m"),
                "invalid-accuracy",
                "a non-negative number of metres",
            );
        }
    }
}

/// The two-no-worries-three-guarantees (两不愁三保障) and safe drinking water (饮水安全), which
/// exit verification checks with them.
pub const CHECKLIST_ITEMS: [&str; 6] = [
    "food",
    "clothing",
    "education",
    "medical",
    "housing",
    "water",
];

fn check_checklist(errors: &mut ValidationErrors, c: &BTreeMap<String, ChecklistAnswer>) {
    for k in c.keys() {
        if !CHECKLIST_ITEMS.contains(&k.as_str()) {
            errors.add(
                format!("fields.checklist.{k}"),
                "unknown-item",
                "items are food, clothing, education, medical, housing, water",
            );
        }
    }
}

async fn household_in_scope(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<households::Model>, StoreError> {
    Ok(households::Entity::find_by_id(id)
        .filter(scope.households())
        .one(conn)
        .await?)
}

async fn create_visit(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
    skew: Option<i64>,
) -> Result<Outcome, StoreError> {
    if !who.field_worker {
        return Ok(rejected("forbidden", "only field roles record visits"));
    }
    let mut errors = ValidationErrors::default();
    unknown_fields(
        m,
        &[
            "household_id",
            "started_at",
            "location",
            "checklist",
            "notes",
        ],
        &mut errors,
    );
    let household: Option<Uuid> = field(m, "household_id", &mut errors);
    let started: Option<DateTime<Utc>> = field(m, "started_at", &mut errors);
    let location: Option<DeviceFix> = field(m, "location", &mut errors);
    let checklist: BTreeMap<String, ChecklistAnswer> =
        field(m, "checklist", &mut errors).unwrap_or_default();
    let notes: Option<String> = field(m, "notes", &mut errors);
    if household.is_none() && !m.fields.contains_key("household_id") {
        errors.add("fields.household_id", "required", "the household visited");
    }
    check_fix(&mut errors, "location", &location);
    check_checklist(&mut errors, &checklist);
    let notes =
        notes.and_then(|n| validation::multiline_text(&mut errors, "fields.notes", &n, 4000));
    if !errors.is_empty() {
        return Ok(invalid(errors));
    }
    let Some(household) = household else {
        return Ok(invalid(errors));
    };
    if household_in_scope(conn, who.scope, household)
        .await?
        .is_none()
    {
        return Ok(rejected("not-found", "no such household in your scope"));
    }
    if let Some(existing) = visits::Entity::find_by_id(m.record_id).one(conn).await? {
        // Another mutation already created this id: the device gets the record as it is.
        let v = Visit::from(existing);
        return Ok(Outcome::Conflict {
            version: v.version,
            record: to_json(v),
            fields: vec!["id".into()],
        });
    }
    let t = now();
    let v = visits::ActiveModel {
        id: Set(m.record_id),
        household_id: Set(household),
        user_id: Set(who.user.0),
        device_id: Set(who.device.to_owned()),
        started_at: Set(started.unwrap_or(m.device_time)),
        lat: Set(location.as_ref().map(|l| l.lat)),
        lon: Set(location.as_ref().map(|l| l.lon)),
        accuracy_m: Set(location.as_ref().and_then(|l| l.accuracy_m)),
        mock_location: Set(location.as_ref().is_some_and(|l| l.mock_location)),
        checklist: Set(serde_json::to_string(&checklist).unwrap_or_else(|_| "{}".into())),
        notes: Set(notes),
        status: Set(VisitStatus::Submitted.as_str().to_owned()),
        clock_skew_secs: Set(skew.map(|s| s.clamp(i32::MIN as i64, i32::MAX as i64) as i32)),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
        review_comments: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(Outcome::Applied {
        version: v.version,
        record: to_json(Visit::from(v)),
        clock_skew_secs: skew,
    })
}

async fn update_visit(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
) -> Result<Outcome, StoreError> {
    let mut errors = ValidationErrors::default();
    unknown_fields(m, &["location", "checklist", "notes"], &mut errors);
    let location: Option<DeviceFix> = field(m, "location", &mut errors);
    let checklist: Option<BTreeMap<String, ChecklistAnswer>> = field(m, "checklist", &mut errors);
    let notes: Option<String> = field(m, "notes", &mut errors);
    check_fix(&mut errors, "location", &location);
    if let Some(c) = &checklist {
        check_checklist(&mut errors, c);
    }
    let Some(base) = m.base_version else {
        errors.add(
            "base_version",
            "required",
            "an update names the version it is based on",
        );
        return Ok(invalid(errors));
    };
    if !errors.is_empty() {
        return Ok(invalid(errors));
    }
    let Some(v) = visits::Entity::find_by_id(m.record_id)
        .filter(visits::Column::UserId.eq(who.user.0))
        .one(conn)
        .await?
    else {
        return Ok(rejected("not-found", "no such visit of yours"));
    };
    if v.version != base || v.status == VisitStatus::Accepted.as_str() {
        let current = Visit::from(v);
        return Ok(Outcome::Conflict {
            version: current.version,
            record: to_json(current),
            fields: m.fields.keys().cloned().collect(),
        });
    }
    crate::fieldwork::keep_version(
        conn,
        "visit",
        v.id,
        v.version,
        &to_json(Visit::from(v.clone())),
        who.user,
    )
    .await?;
    let version = v.version + 1;
    let mut am: visits::ActiveModel = v.into();
    if let Some(l) = location {
        am.lat = Set(Some(l.lat));
        am.lon = Set(Some(l.lon));
        am.accuracy_m = Set(l.accuracy_m);
        am.mock_location = Set(l.mock_location);
    }
    if let Some(c) = checklist {
        am.checklist = Set(serde_json::to_string(&c).unwrap_or_else(|_| "{}".into()));
    }
    if let Some(n) = notes {
        am.notes = Set(Some(n));
    }
    // A corrected visit goes back to the reviewers.
    am.status = Set(VisitStatus::Submitted.as_str().to_owned());
    am.version = Set(version);
    am.updated_at = Set(now());
    let v = am.update(conn).await?;
    Ok(Outcome::Applied {
        version,
        record: to_json(Visit::from(v)),
        clock_skew_secs: None,
    })
}

async fn create_photo(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
    skew: Option<i64>,
) -> Result<Outcome, StoreError> {
    if !who.field_worker {
        return Ok(rejected(
            "forbidden",
            "only field roles take evidence photos",
        ));
    }
    let mut errors = ValidationErrors::default();
    unknown_fields(
        m,
        &[
            "household_id",
            "visit_id",
            "measure_id",
            "sha256",
            "taken_at",
            "location",
        ],
        &mut errors,
    );
    let household: Option<Uuid> = field(m, "household_id", &mut errors);
    let visit: Option<Uuid> = field(m, "visit_id", &mut errors);
    let measure: Option<Uuid> = field(m, "measure_id", &mut errors);
    let sha: Option<String> = field(m, "sha256", &mut errors);
    let taken: Option<DateTime<Utc>> = field(m, "taken_at", &mut errors);
    let location: Option<DeviceFix> = field(m, "location", &mut errors);
    check_fix(&mut errors, "location", &location);
    let sha = sha.map(|s| s.to_ascii_lowercase());
    if !sha
        .as_ref()
        .is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        errors.add(
            "fields.sha256",
            "invalid-hash",
            "the SHA-256 of the photo as 64 hex digits",
        );
    }
    if household.is_none() {
        errors.add(
            "fields.household_id",
            "required",
            "the household the photo is evidence for",
        );
    }
    if !errors.is_empty() {
        return Ok(invalid(errors));
    }
    let (Some(household), Some(sha)) = (household, sha) else {
        return Ok(invalid(errors));
    };
    if household_in_scope(conn, who.scope, household)
        .await?
        .is_none()
    {
        return Ok(rejected("not-found", "no such household in your scope"));
    }
    if let Some(v) = visit {
        let own = visits::Entity::find_by_id(v)
            .filter(visits::Column::UserId.eq(who.user.0))
            .filter(visits::Column::HouseholdId.eq(household))
            .one(conn)
            .await?;
        if own.is_none() {
            return Ok(rejected(
                "not-found",
                "no such visit of yours for this household",
            ));
        }
    }
    if let Some(ms) = measure
        && measures::Entity::find_by_id(ms)
            .filter(who.scope.measures())
            .one(conn)
            .await?
            .is_none()
    {
        return Ok(rejected("not-found", "no such measure in your scope"));
    }
    if let Some(existing) = photo_records::Entity::find_by_id(m.record_id)
        .one(conn)
        .await?
    {
        let p = PhotoRecord::from(existing);
        return Ok(Outcome::Conflict {
            version: p.version,
            record: to_json(p),
            fields: vec!["id".into()],
        });
    }
    let t = now();
    let p = photo_records::ActiveModel {
        id: Set(m.record_id),
        household_id: Set(household),
        visit_id: Set(visit),
        measure_id: Set(measure),
        user_id: Set(who.user.0),
        device_id: Set(who.device.to_owned()),
        sha256: Set(sha),
        taken_at: Set(taken.unwrap_or(m.device_time)),
        lat: Set(location.as_ref().map(|l| l.lat)),
        lon: Set(location.as_ref().map(|l| l.lon)),
        accuracy_m: Set(location.as_ref().and_then(|l| l.accuracy_m)),
        mock_location: Set(location.as_ref().is_some_and(|l| l.mock_location)),
        status: Set(PhotoStatus::WaitingUpload.as_str().to_owned()),
        clock_skew_secs: Set(skew.map(|s| s.clamp(i32::MIN as i64, i32::MAX as i64) as i32)),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Outcome::Applied {
        version: 1,
        record: to_json(PhotoRecord::from(p)),
        clock_skew_secs: skew,
    })
}

#[allow(clippy::too_many_arguments)]
async fn record_conflict(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
    entity: &str,
    field: &str,
    device_value: &Value,
    server_value: &Value,
    base: i64,
    server_version: i64,
) -> Result<(), StoreError> {
    sync_conflicts::ActiveModel {
        id: Set(Uuid::now_v7()),
        entity: Set(entity.to_owned()),
        record_id: Set(m.record_id),
        field: Set(field.to_owned()),
        device_value: Set(device_value.to_string()),
        server_value: Set(server_value.to_string()),
        base_version: Set(base),
        server_version: Set(server_version),
        mutation_id: Set(m.mutation_id),
        user_id: Set(who.user.0),
        device_id: Set(who.device.to_owned()),
        created_at: Set(now()),
        resolved_at: Set(None),
        resolved_by: Set(None),
        resolution: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn update_household(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
) -> Result<Outcome, StoreError> {
    let mut errors = ValidationErrors::default();
    unknown_fields(m, &["phone", "address", "location"], &mut errors);
    let phone: Option<Option<String>> = m
        .fields
        .get("phone")
        .map(|_| field(m, "phone", &mut errors));
    let address: Option<Option<String>> = m
        .fields
        .get("address")
        .map(|_| field(m, "address", &mut errors));
    let location: Option<Option<GeoPoint>> = m
        .fields
        .get("location")
        .map(|_| field(m, "location", &mut errors));
    let phone = phone.map(|p| p.and_then(|p| validation::phone(&mut errors, "fields.phone", &p)));
    let address =
        address.map(|a| a.and_then(|a| validation::text(&mut errors, "fields.address", &a, 200)));
    if let Some(Some(l)) = &location
        && let Err(msg) = GeoPoint::new(l.lat, l.lon)
    {
        errors.add("fields.location", "invalid-location", msg);
    }
    let Some(base) = m.base_version else {
        errors.add(
            "base_version",
            "required",
            "an update names the version it is based on",
        );
        return Ok(invalid(errors));
    };
    if !errors.is_empty() {
        return Ok(invalid(errors));
    }
    let Some(h) = household_in_scope(conn, who.scope, m.record_id).await? else {
        return Ok(rejected("not-found", "no such household in your scope"));
    };
    let current = to_json(Household::from(h.clone()));
    let versions: BTreeMap<String, i64> =
        serde_json::from_str(&h.field_versions).unwrap_or_default();
    let device_value = |f: &str| match f {
        "phone" => phone.clone().map(|p| json!(p)),
        "address" => address.clone().map(|a| json!(a)),
        "location" => location.map(|l| json!(l)),
        _ => None,
    };
    let names: Vec<&str> = ["phone", "address", "location"]
        .into_iter()
        .filter(|f| m.fields.contains_key(*f))
        .collect();
    let decisions = merge_fields(base, &versions, names.iter().copied(), |f| {
        device_value(f).as_ref() == current.get(f)
    });
    let mut applied = Vec::new();
    let mut conflicted = Vec::new();
    for (f, d) in &decisions {
        match d {
            FieldDecision::Apply => applied.push(*f),
            FieldDecision::Conflict => conflicted.push(*f),
            FieldDecision::Same => {}
        }
    }
    let mut version = h.version;
    let mut record = current.clone();
    if !applied.is_empty() {
        version += 1;
        let fv = bump_field_versions(&h.field_versions, &applied, version);
        let mut am: households::ActiveModel = h.clone().into();
        for f in &applied {
            match *f {
                "phone" => am.phone = Set(phone.clone().flatten()),
                "address" => am.address = Set(address.clone().flatten()),
                "location" => {
                    let l = location.flatten();
                    am.lat = Set(l.map(|p| p.lat));
                    am.lon = Set(l.map(|p| p.lon));
                }
                _ => {}
            }
        }
        am.field_versions = Set(fv);
        am.version = Set(version);
        am.updated_at = Set(now());
        record = to_json(Household::from(am.update(conn).await?));
        crate::audit::record(conn, Some(who.user), "sync.household.update", "household", m.record_id.to_string(), json!({ "fields": applied, "version": version, "mutation": m.mutation_id, "device": who.device }))
        .await?;
    }
    for f in &conflicted {
        let device = device_value(f).unwrap_or(Value::Null);
        record_conflict(
            conn,
            who,
            m,
            "household",
            f,
            &device,
            current.get(*f).unwrap_or(&Value::Null),
            base,
            h.version,
        )
        .await?;
    }
    Ok(if conflicted.is_empty() {
        Outcome::Applied {
            version,
            record,
            clock_skew_secs: None,
        }
    } else {
        Outcome::Conflict {
            version,
            record,
            fields: conflicted.iter().map(|f| (*f).to_owned()).collect(),
        }
    })
}

async fn update_measure(
    conn: &impl ConnectionTrait,
    who: &Pusher<'_>,
    m: &Mutation,
) -> Result<Outcome, StoreError> {
    let mut errors = ValidationErrors::default();
    unknown_fields(m, &["status"], &mut errors);
    let status: Option<MeasureStatus> = field(m, "status", &mut errors);
    let Some(base) = m.base_version else {
        errors.add(
            "base_version",
            "required",
            "an update names the version it is based on",
        );
        return Ok(invalid(errors));
    };
    if status.is_none() && errors.is_empty() {
        errors.add("fields.status", "required", "the measure's status");
    }
    if !errors.is_empty() {
        return Ok(invalid(errors));
    }
    let Some(ms) = measures::Entity::find_by_id(m.record_id)
        .filter(who.scope.measures())
        .one(conn)
        .await?
    else {
        return Ok(rejected("not-found", "no such measure in your scope"));
    };
    let current = to_json(Measure::from(ms.clone()));
    let versions: BTreeMap<String, i64> =
        serde_json::from_str(&ms.field_versions).unwrap_or_default();
    let device = status.map(|s| json!(s));
    let d = merge_fields(base, &versions, ["status"], |_| {
        device.as_ref() == current.get("status")
    });
    match d.get("status") {
        Some(FieldDecision::Apply) => {
            let version = ms.version + 1;
            let fv = bump_field_versions(&ms.field_versions, &["status"], version);
            let mut am: measures::ActiveModel = ms.into();
            am.status = Set(status.map(|s| s.as_str().to_owned()).unwrap_or_default());
            am.field_versions = Set(fv);
            am.version = Set(version);
            am.updated_at = Set(now());
            let updated = am.update(conn).await?;
            crate::audit::record(conn, Some(who.user), "sync.measure.update", "measure", m.record_id.to_string(), json!({ "fields": ["status"], "version": version, "mutation": m.mutation_id, "device": who.device }))
            .await?;
            Ok(Outcome::Applied {
                version,
                record: to_json(Measure::from(updated)),
                clock_skew_secs: None,
            })
        }
        Some(FieldDecision::Conflict) => {
            let device = device.clone().unwrap_or(Value::Null);
            record_conflict(
                conn,
                who,
                m,
                "measure",
                "status",
                &device,
                current.get("status").unwrap_or(&Value::Null),
                base,
                ms.version,
            )
            .await?;
            Ok(Outcome::Conflict {
                version: ms.version,
                record: current,
                fields: vec!["status".into()],
            })
        }
        _ => Ok(Outcome::Applied {
            version: ms.version,
            record: current,
            clock_skew_secs: None,
        }),
    }
}

/// Lists recorded conflicts, unresolved first.
pub async fn conflicts(
    conn: &impl ConnectionTrait,
    unresolved_only: bool,
    limit: u64,
) -> Result<Vec<sync_conflicts::Model>, StoreError> {
    let mut q = sync_conflicts::Entity::find()
        .order_by_desc(sync_conflicts::Column::CreatedAt)
        .limit(limit);
    if unresolved_only {
        q = q.filter(sync_conflicts::Column::ResolvedAt.is_null());
    }
    Ok(q.all(conn).await?)
}

/// Marks a conflict resolved: `server` keeps the office's value; `device` applies the device's
/// value as a new version.
pub async fn resolve_conflict(
    conn: &impl ConnectionTrait,
    by: UserId,
    id: Uuid,
    take_device: bool,
) -> Result<sync_conflicts::Model, StoreError> {
    let c = sync_conflicts::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if c.resolved_at.is_some() {
        return Err(StoreError::Duplicate("conflict already resolved".into()));
    }
    if take_device {
        let value: Value = serde_json::from_str(&c.device_value).unwrap_or(Value::Null);
        match c.entity.as_str() {
            "household" => {
                let h = households::Entity::find_by_id(c.record_id)
                    .one(conn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let version = h.version + 1;
                let fv = bump_field_versions(&h.field_versions, &[c.field.as_str()], version);
                let mut am: households::ActiveModel = h.into();
                match c.field.as_str() {
                    "phone" => am.phone = Set(value.as_str().map(str::to_owned)),
                    "address" => am.address = Set(value.as_str().map(str::to_owned)),
                    "location" => {
                        let p: Option<GeoPoint> = serde_json::from_value(value).unwrap_or(None);
                        am.lat = Set(p.map(|p| p.lat));
                        am.lon = Set(p.map(|p| p.lon));
                    }
                    _ => {}
                }
                am.field_versions = Set(fv);
                am.version = Set(version);
                am.updated_at = Set(now());
                am.update(conn).await?;
            }
            "measure" => {
                let ms = measures::Entity::find_by_id(c.record_id)
                    .one(conn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let version = ms.version + 1;
                let fv = bump_field_versions(&ms.field_versions, &["status"], version);
                let mut am: measures::ActiveModel = ms.into();
                if let Some(s) = value.as_str().and_then(MeasureStatus::parse) {
                    am.status = Set(s.as_str().to_owned());
                }
                am.field_versions = Set(fv);
                am.version = Set(version);
                am.updated_at = Set(now());
                am.update(conn).await?;
            }
            _ => {}
        }
    } else {
        mark_settled(conn, &c.entity, c.record_id).await?;
    }
    let mut am: sync_conflicts::ActiveModel = c.into();
    am.resolved_at = Set(Some(now()));
    am.resolved_by = Set(Some(by.0));
    am.resolution = Set(Some(
        if take_device { "device" } else { "server" }.to_owned(),
    ));
    let c = am.update(conn).await?;
    crate::audit::record(
        conn,
        Some(by),
        "sync.conflict.resolve",
        &c.entity,
        c.record_id.to_string(),
        json!({ "field": c.field, "resolution": c.resolution }),
    )
    .await?;
    Ok(c)
}

/// A conflict settled for the office's value changes no field, but the record moves to a new
/// version (and so into the change log): the phone that sent the losing value learns from its
/// next pull that the conflict is over, as it does when the device's value wins.
async fn mark_settled(
    conn: &impl ConnectionTrait,
    entity: &str,
    id: Uuid,
) -> Result<(), StoreError> {
    // One UPDATE, the version moved by the database: no read first.
    let updated = match entity {
        "household" => {
            households::Entity::update_many()
                .col_expr(
                    households::Column::Version,
                    Expr::col(households::Column::Version).add(1),
                )
                .col_expr(households::Column::UpdatedAt, Expr::value(now()))
                .filter(households::Column::Id.eq(id))
                .exec(conn)
                .await?
                .rows_affected
        }
        "measure" => {
            measures::Entity::update_many()
                .col_expr(
                    measures::Column::Version,
                    Expr::col(measures::Column::Version).add(1),
                )
                .col_expr(measures::Column::UpdatedAt, Expr::value(now()))
                .filter(measures::Column::Id.eq(id))
                .exec(conn)
                .await?
                .rows_affected
        }
        _ => return Ok(()),
    };
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The newest change-log position (for tests and diagnostics).
pub async fn head(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    Ok(changes::Entity::find()
        .order_by_desc(changes::Column::Seq)
        .one(conn)
        .await?
        .map_or(0, |c| c.seq))
}

/// One page of the visits a caller sees (as [`pull`] decides: own records for field roles,
/// households in scope otherwise), in id order, optionally started within a window; for the
/// raw-data export.
pub async fn visits_page(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    started_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Visit>, StoreError> {
    let mut q = visits::Entity::find()
        .filter(own_records(
            scope,
            visits::Column::UserId,
            visits::Column::HouseholdId,
        ))
        .order_by_asc(visits::Column::Id)
        .limit(limit);
    if let Some((from, to)) = started_between {
        q = q
            .filter(visits::Column::StartedAt.gte(from))
            .filter(visits::Column::StartedAt.lte(to));
    }
    if let Some(a) = after {
        q = q.filter(visits::Column::Id.gt(a));
    }
    Ok(q.all(conn).await?.into_iter().map(Visit::from).collect())
}
