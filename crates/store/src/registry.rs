//! The registry of poor households: households, their members (ID numbers encrypted), their
//! yearly plans and the plans' measures. Reads take a [`Scope`]; writes are the office's.

use crate::entities::{households, measures, members, places, plans};
use crate::page::{Page, PageRequest, fetch_page};
use crate::places::{check_location, location};
use crate::{PiiCipher, Scope, StoreError, audit, check_version, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{
    GeoPoint, HouseholdId, HouseholdStatus, MeasureId, MeasureKind, MeasureStatus, MemberId,
    NationalId, PersonId, PlaceId, PlaceLevel, PlanId, PlanStatus, UnitId, UserId,
    ValidationErrors, validation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

/// Records that `fields` changed at `version` in a record's per-field version map (JSON), which
/// the sync merge uses to tell whose edit came last.
pub fn bump_field_versions(current: &str, fields: &[&str], version: i64) -> String {
    let mut map: std::collections::BTreeMap<String, i64> =
        serde_json::from_str(current).unwrap_or_default();
    for f in fields {
        map.insert((*f).to_owned(), version);
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
}

/// Whether ID numbers are shown in full (audited) or masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdNumbers {
    /// `460106********1234`.
    Masked,
    /// The full number; only for roles that may, on explicit request.
    Revealed,
}

/// A household as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Household {
    /// Its id.
    pub id: HouseholdId,
    /// The registration number (户编号) from the national system.
    pub registration_no: String,
    /// Its village.
    pub village_id: PlaceId,
    /// Its district.
    pub district_code: String,
    /// Name of the head of household.
    pub head_name: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Registered location of the house.
    pub location: Option<GeoPoint>,
    /// Where it stands.
    pub status: HouseholdStatus,
    /// Year of exit from poverty.
    pub exit_year: Option<i32>,
    /// Its responsible person (帮扶责任人).
    pub responsible_person_id: Option<PersonId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<households::Model> for Household {
    fn from(m: households::Model) -> Self {
        Household {
            id: HouseholdId(m.id),
            registration_no: m.registration_no,
            village_id: PlaceId(m.village_id),
            district_code: m.district_code,
            head_name: m.head_name,
            phone: m.phone,
            address: m.address,
            location: location(m.lat, m.lon),
            status: HouseholdStatus::parse(&m.status).unwrap_or(HouseholdStatus::InPoverty),
            exit_year: m.exit_year,
            responsible_person_id: m.responsible_person_id.map(PersonId),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A household with its members and its current plan.
#[derive(Clone, Debug, Serialize)]
pub struct HouseholdDetail {
    /// The household.
    #[serde(flatten)]
    pub household: Household,
    /// Its members.
    pub members: Vec<Member>,
    /// The plan of the latest year.
    pub current_plan: Option<Plan>,
}

/// A household member.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// Its id.
    pub id: MemberId,
    /// Household.
    pub household_id: HouseholdId,
    /// Name.
    pub name: String,
    /// Relation to the head (户主, 配偶, 之子, …).
    pub relation: String,
    /// National ID number, masked unless revealed.
    pub id_number: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A member with its ID number masked.
pub fn member_masked(pii: &PiiCipher, m: members::Model) -> Result<Member, StoreError> {
    member_dto(pii, m, IdNumbers::Masked)
}

fn member_dto(pii: &PiiCipher, m: members::Model, ids: IdNumbers) -> Result<Member, StoreError> {
    let id_number = match (ids, &m.id_number_cipher) {
        (IdNumbers::Revealed, Some(c)) => Some(pii.decrypt(c)?),
        _ => m.id_number_masked.clone(),
    };
    Ok(Member {
        id: MemberId(m.id),
        household_id: HouseholdId(m.household_id),
        name: m.name,
        relation: m.relation,
        id_number,
        version: m.version,
        updated_at: m.updated_at,
    })
}

/// A plan with its measures.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Its id.
    pub id: PlanId,
    /// Household.
    pub household_id: HouseholdId,
    /// Year.
    pub year: i32,
    /// Status.
    pub status: PlanStatus,
    /// Measures.
    pub measures: Vec<Measure>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One assistance measure.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// Its id.
    pub id: MeasureId,
    /// Plan.
    pub plan_id: PlanId,
    /// Type.
    pub kind: MeasureKind,
    /// What is done.
    pub description: String,
    /// Lead unit.
    pub lead_unit_id: Option<UnitId>,
    /// Responsible person.
    pub responsible_person_id: Option<PersonId>,
    /// Budget in fen (0.01 yuan), integer so sums are exact.
    pub budget_fen: i64,
    /// Progress.
    pub status: MeasureStatus,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<measures::Model> for Measure {
    fn from(m: measures::Model) -> Self {
        Measure {
            id: MeasureId(m.id),
            plan_id: PlanId(m.plan_id),
            kind: MeasureKind::parse(&m.kind).unwrap_or(MeasureKind::Other),
            description: m.description,
            lead_unit_id: m.lead_unit_id.map(UnitId),
            responsible_person_id: m.responsible_person_id.map(PersonId),
            budget_fen: m.budget_fen,
            status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Planned),
            version: m.version,
            updated_at: m.updated_at,
        }
    }
}

fn plan_dto(p: plans::Model, ms: Vec<measures::Model>) -> Plan {
    Plan {
        id: PlanId(p.id),
        household_id: HouseholdId(p.household_id),
        year: p.year,
        status: PlanStatus::parse(&p.status).unwrap_or(PlanStatus::Draft),
        measures: ms.into_iter().map(Measure::from).collect(),
        version: p.version,
        updated_at: p.updated_at,
    }
}

/// A new household with its members.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHousehold {
    /// Registration number (unique).
    pub registration_no: String,
    /// Village.
    pub village_id: PlaceId,
    /// Head of household.
    pub head_name: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Registered location.
    pub location: Option<GeoPoint>,
    /// Status.
    pub status: HouseholdStatus,
    /// Year of exit.
    pub exit_year: Option<i32>,
    /// Responsible person.
    pub responsible_person_id: Option<PersonId>,
    /// Members.
    #[serde(default)]
    pub members: Vec<NewMember>,
}

/// A new member.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Name.
    pub name: String,
    /// Relation to the head.
    pub relation: String,
    /// National ID number.
    pub id_number: Option<String>,
}

/// Changes to a household; absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdPatch {
    /// Head of household.
    pub head_name: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub phone: Option<Option<String>>,
    /// Address.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub address: Option<Option<String>>,
    /// Location.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub location: Option<Option<GeoPoint>>,
    /// Status.
    pub status: Option<HouseholdStatus>,
    /// Year of exit.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub exit_year: Option<Option<i32>>,
    /// Responsible person.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub responsible_person_id: Option<Option<PersonId>>,
}

/// Changes to a member.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// Name.
    pub name: Option<String>,
    /// Relation.
    pub relation: Option<String>,
    /// ID number, or `null` to clear it.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub id_number: Option<Option<String>>,
}

/// Filters of the household list.
#[derive(Debug, Default)]
pub struct HouseholdFilter {
    /// District code.
    pub district: Option<String>,
    /// Village.
    pub village_id: Option<PlaceId>,
    /// Status.
    pub status: Option<HouseholdStatus>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Exact ID-number lookup (through the keyed hash; never stored or logged in clear).
    pub id_number_index: Option<String>,
}

/// Lists households in scope.
pub async fn list_households(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &HouseholdFilter,
    page: PageRequest,
) -> Result<Page<Household>, StoreError> {
    let mut q = households::Entity::find().filter(scope.households());
    if let Some(d) = &filter.district {
        q = q.filter(households::Column::DistrictCode.eq(d.as_str()));
    }
    if let Some(v) = filter.village_id {
        q = q.filter(households::Column::VillageId.eq(v.0));
    }
    if let Some(s) = filter.status {
        q = q.filter(households::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(households::Column::UpdatedAt.gte(t));
    }
    if let Some(ix) = &filter.id_number_index {
        use sea_orm::{QuerySelect, QueryTrait};
        let hh = members::Entity::find()
            .select_only()
            .column(members::Column::HouseholdId)
            .filter(members::Column::IdNumberIndex.eq(ix.as_str()))
            .into_query();
        q = q.filter(households::Column::Id.in_subquery(hh));
    }
    Ok(fetch_page(conn, q, households::Column::Id, page, |m| m.id)
        .await?
        .map(Household::from))
}

async fn household_row(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: HouseholdId,
) -> Result<households::Model, StoreError> {
    households::Entity::find_by_id(id.0)
        .filter(scope.households())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Whether `scope` reaches household `id`; one indexed look-up.
pub async fn household_in_scope(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: HouseholdId,
) -> Result<bool, StoreError> {
    Ok(households::Entity::find_by_id(id.0)
        .select_only()
        .column(households::Column::Id)
        .filter(scope.households())
        .into_tuple::<uuid::Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// One household with members and current plan; a reveal is written to the audit log.
pub async fn get_household(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    id: HouseholdId,
    ids: IdNumbers,
    actor: Option<UserId>,
) -> Result<HouseholdDetail, StoreError> {
    // Two queries, each a join: the household with its members, then its plans with their
    // measures (a plan per year, so a handful of rows).
    let (h, ms) = households::Entity::find_by_id(id.0)
        .filter(scope.households())
        .find_with_related(members::Entity)
        .order_by_asc(members::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    let current_plan = plans::Entity::find()
        .filter(plans::Column::HouseholdId.eq(h.id))
        .find_with_related(measures::Entity)
        .order_by_asc(measures::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .max_by_key(|(p, _)| p.year)
        .map(|(p, ms)| plan_dto(p, ms));
    if ids == IdNumbers::Revealed {
        audit::record(
            conn,
            actor,
            "pii.reveal",
            "household",
            h.id.to_string(),
            serde_json::json!({ "fields": ["members.id_number"], "members": ms.len() }),
        )
        .await?;
    }
    let members = ms
        .into_iter()
        .map(|m| member_dto(pii, m, ids))
        .collect::<Result<_, _>>()?;
    Ok(HouseholdDetail {
        household: h.into(),
        members,
        current_plan,
    })
}

async fn measures_of(
    conn: &impl ConnectionTrait,
    plan: uuid::Uuid,
) -> Result<Vec<measures::Model>, StoreError> {
    Ok(measures::Entity::find()
        .filter(measures::Column::PlanId.eq(plan))
        .order_by_asc(measures::Column::Id)
        .all(conn)
        .await?)
}

fn opt_text(
    errors: &mut ValidationErrors,
    field: &str,
    v: Option<&str>,
    max: usize,
) -> Option<String> {
    v.and_then(|s| validation::text(errors, field, s, max))
}

fn check_exit_year(errors: &mut ValidationErrors, y: Option<i32>) {
    if let Some(y) = y
        && !(2013..=2100).contains(&y)
    {
        errors.add("exit_year", "out-of-range", "a year between 2013 and 2100");
    }
}

/// Validated, encrypted member fields ready to store.
struct MemberRow {
    name: String,
    relation: String,
    id: Option<(String, String, String)>, // cipher, index, masked
}

fn validate_member(
    pii: &PiiCipher,
    m: &NewMember,
    errors: &mut ValidationErrors,
) -> Option<MemberRow> {
    let mut e = ValidationErrors::default();
    let name = validation::text(&mut e, "name", &m.name, 50);
    let relation = validation::text(&mut e, "relation", &m.relation, 20);
    let id = match m.id_number.as_deref() {
        Some(raw) => match NationalId::parse(raw) {
            Ok(n) => Some((pii.encrypt(n.expose()), pii.index(n.expose()), n.masked())),
            Err(v) => {
                e.extend_prefixed("", v);
                None
            }
        },
        None => None,
    };
    let ok = e.is_empty();
    errors.0.extend(e.0);
    if ok {
        Some(MemberRow {
            name: name?,
            relation: relation?,
            id,
        })
    } else {
        None
    }
}

async fn insert_member(
    conn: &impl ConnectionTrait,
    household: uuid::Uuid,
    row: MemberRow,
) -> Result<members::Model, StoreError> {
    let t = now();
    let (cipher, index, masked) = match row.id {
        Some((c, i, m)) => (Some(c), Some(i), Some(m)),
        None => (None, None, None),
    };
    Ok(members::ActiveModel {
        id: Set(MemberId::new().0),
        household_id: Set(household),
        name: Set(row.name),
        relation: Set(row.relation),
        id_number_cipher: Set(cipher),
        id_number_index: Set(index),
        id_number_masked: Set(masked),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?)
}

async fn village(
    conn: &impl ConnectionTrait,
    id: PlaceId,
) -> Result<Option<places::Model>, StoreError> {
    Ok(places::Entity::find_by_id(id.0)
        .filter(places::Column::Level.eq(PlaceLevel::Village.as_str()))
        .one(conn)
        .await?)
}

/// Registers a household with its members.
pub async fn create_household(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    actor: Option<UserId>,
    input: NewHousehold,
) -> Result<HouseholdDetail, StoreError> {
    let mut errors = ValidationErrors::default();
    let reg = validation::text(&mut errors, "registration_no", &input.registration_no, 32);
    let head = validation::text(&mut errors, "head_name", &input.head_name, 50);
    let phone = input
        .phone
        .as_deref()
        .and_then(|p| validation::phone(&mut errors, "phone", p));
    let address = opt_text(&mut errors, "address", input.address.as_deref(), 200);
    check_location(&mut errors, &input.location);
    check_exit_year(&mut errors, input.exit_year);
    let v = village(conn, input.village_id).await?;
    if v.is_none() {
        errors.add("village_id", "unknown-village", "no village with this id");
    }
    let mut rows = Vec::new();
    for (i, m) in input.members.iter().enumerate() {
        let mut e = ValidationErrors::default();
        if let Some(r) = validate_member(pii, m, &mut e) {
            rows.push(r);
        }
        errors.extend_prefixed(&format!("members[{i}]."), e);
    }
    errors.into_result()?;
    let (Some(reg), Some(head), Some(v)) = (reg, head, v) else {
        return Err(ValidationErrors::default().into());
    };
    let t = now();
    let h = households::ActiveModel {
        id: Set(HouseholdId::new().0),
        registration_no: Set(reg),
        village_id: Set(v.id),
        district_code: Set(v.district_code.unwrap_or_default()),
        head_name: Set(head),
        phone: Set(phone),
        address: Set(address),
        lat: Set(input.location.map(|p| p.lat)),
        lon: Set(input.location.map(|p| p.lon)),
        status: Set(input.status.as_str().to_owned()),
        exit_year: Set(input.exit_year),
        responsible_person_id: Set(input.responsible_person_id.map(|p| p.0)),
        field_versions: Set("{}".to_owned()),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    let mut members = Vec::new();
    for r in rows {
        members.push(member_dto(
            pii,
            insert_member(conn, h.id, r).await?,
            IdNumbers::Masked,
        )?);
    }
    audit::record(
        conn,
        actor,
        "household.create",
        "household",
        h.id.to_string(),
        serde_json::json!({ "members": members.len() }),
    )
    .await?;
    Ok(HouseholdDetail {
        household: h.into(),
        members,
        current_plan: None,
    })
}

/// Edits a household when `expected_version` is current.
pub async fn update_household(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    actor: Option<UserId>,
    id: HouseholdId,
    expected_version: i64,
    patch: HouseholdPatch,
) -> Result<HouseholdDetail, StoreError> {
    let h = household_row(conn, scope, id).await?;
    check_version(h.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let head = opt_text(&mut errors, "head_name", patch.head_name.as_deref(), 50);
    let phone = patch.phone.as_ref().map(|p| {
        p.as_deref()
            .and_then(|p| validation::phone(&mut errors, "phone", p))
    });
    let address = patch
        .address
        .as_ref()
        .map(|a| opt_text(&mut errors, "address", a.as_deref(), 200));
    if let Some(loc) = &patch.location {
        check_location(&mut errors, loc);
    }
    if let Some(y) = patch.exit_year {
        check_exit_year(&mut errors, y);
    }
    errors.into_result()?;
    let mut changed = Vec::new();
    let version = h.version + 1;
    let mut am: households::ActiveModel = h.into();
    if let Some(v) = head {
        am.head_name = Set(v);
        changed.push("head_name");
    }
    if let Some(v) = phone {
        am.phone = Set(v);
        changed.push("phone");
    }
    if let Some(v) = address {
        am.address = Set(v);
        changed.push("address");
    }
    if let Some(v) = patch.location {
        am.lat = Set(v.map(|p| p.lat));
        am.lon = Set(v.map(|p| p.lon));
        changed.push("location");
    }
    if let Some(v) = patch.status {
        am.status = Set(v.as_str().to_owned());
        changed.push("status");
    }
    if let Some(v) = patch.exit_year {
        am.exit_year = Set(v);
        changed.push("exit_year");
    }
    if let Some(v) = patch.responsible_person_id {
        am.responsible_person_id = Set(v.map(|p| p.0));
        changed.push("responsible_person_id");
    }
    if let sea_orm::ActiveValue::Unchanged(fv) | sea_orm::ActiveValue::Set(fv) = &am.field_versions
    {
        let fv = bump_field_versions(fv, &changed, version);
        am.field_versions = Set(fv);
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let h = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "household.update",
        "household",
        h.id.to_string(),
        serde_json::json!({ "fields": changed, "version": version }),
    )
    .await?;
    get_household(conn, pii, scope, id, IdNumbers::Masked, actor).await
}

/// One member in scope.
pub async fn get_member(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    id: MemberId,
) -> Result<Member, StoreError> {
    let m = members::Entity::find_by_id(id.0)
        .filter(scope.members())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    member_dto(pii, m, IdNumbers::Masked)
}

/// Adds a member to a household in scope.
pub async fn add_member(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    actor: Option<UserId>,
    household: HouseholdId,
    input: NewMember,
) -> Result<Member, StoreError> {
    let h = household_row(conn, scope, household).await?;
    let mut errors = ValidationErrors::default();
    let row = validate_member(pii, &input, &mut errors);
    errors.into_result()?;
    let Some(row) = row else {
        return Err(ValidationErrors::default().into());
    };
    let m = insert_member(conn, h.id, row).await?;
    audit::record(
        conn,
        actor,
        "member.create",
        "member",
        m.id.to_string(),
        serde_json::json!({ "household": h.id }),
    )
    .await?;
    member_dto(pii, m, IdNumbers::Masked)
}

/// Edits a member when `expected_version` is current.
pub async fn update_member(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    actor: Option<UserId>,
    id: MemberId,
    expected_version: i64,
    patch: MemberPatch,
) -> Result<Member, StoreError> {
    let m = members::Entity::find_by_id(id.0)
        .filter(scope.members())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(m.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let name = opt_text(&mut errors, "name", patch.name.as_deref(), 50);
    let relation = opt_text(&mut errors, "relation", patch.relation.as_deref(), 20);
    let id_number = match &patch.id_number {
        Some(Some(raw)) => match NationalId::parse(raw) {
            Ok(n) => Some(Some(n)),
            Err(e) => {
                errors.extend_prefixed("", e);
                None
            }
        },
        Some(None) => Some(None),
        None => None,
    };
    errors.into_result()?;
    let version = m.version + 1;
    let mut am: members::ActiveModel = m.into();
    if let Some(v) = name {
        am.name = Set(v);
    }
    if let Some(v) = relation {
        am.relation = Set(v);
    }
    if let Some(n) = id_number {
        am.id_number_cipher = Set(n.as_ref().map(|n| pii.encrypt(n.expose())));
        am.id_number_index = Set(n.as_ref().map(|n| pii.index(n.expose())));
        am.id_number_masked = Set(n.as_ref().map(NationalId::masked));
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "member.update",
        "member",
        m.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    member_dto(pii, m, IdNumbers::Masked)
}

/// A new plan with its measures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// Household.
    pub household_id: HouseholdId,
    /// Year.
    pub year: i32,
    /// Status (default draft).
    pub status: Option<PlanStatus>,
    /// Measures.
    #[serde(default)]
    pub measures: Vec<NewMeasure>,
}

/// A new measure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeasure {
    /// Type.
    pub kind: MeasureKind,
    /// What is done.
    pub description: String,
    /// Lead unit.
    pub lead_unit_id: Option<UnitId>,
    /// Responsible person.
    pub responsible_person_id: Option<PersonId>,
    /// Budget in fen.
    #[serde(default)]
    pub budget_fen: i64,
    /// Progress (default planned).
    pub status: Option<MeasureStatus>,
}

/// Changes to a plan.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    /// Status.
    pub status: Option<PlanStatus>,
}

/// Changes to a measure.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurePatch {
    /// Description.
    pub description: Option<String>,
    /// Progress.
    pub status: Option<MeasureStatus>,
    /// Budget.
    pub budget_fen: Option<i64>,
    /// Lead unit.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub lead_unit_id: Option<Option<UnitId>>,
    /// Responsible person.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub responsible_person_id: Option<Option<PersonId>>,
}

/// Filters of the plan list.
#[derive(Debug, Default)]
pub struct PlanFilter {
    /// Household.
    pub household_id: Option<HouseholdId>,
    /// Year.
    pub year: Option<i32>,
    /// Status.
    pub status: Option<PlanStatus>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Lists plans in scope, each with its measures.
pub async fn list_plans(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &PlanFilter,
    page: PageRequest,
) -> Result<Page<Plan>, StoreError> {
    let mut q = plans::Entity::find().filter(scope.plans());
    if let Some(h) = filter.household_id {
        q = q.filter(plans::Column::HouseholdId.eq(h.0));
    }
    if let Some(y) = filter.year {
        q = q.filter(plans::Column::Year.eq(y));
    }
    if let Some(s) = filter.status {
        q = q.filter(plans::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(plans::Column::UpdatedAt.gte(t));
    }
    let page = fetch_page(conn, q, plans::Column::Id, page, |m| m.id).await?;
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|p| p.id).collect();
    let all = measures::Entity::find()
        .filter(measures::Column::PlanId.is_in(ids))
        .order_by_asc(measures::Column::Id)
        .all(conn)
        .await?;
    Ok(page.map(|p| {
        let ms = all.iter().filter(|m| m.plan_id == p.id).cloned().collect();
        plan_dto(p, ms)
    }))
}

/// One plan in scope.
pub async fn get_plan(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: PlanId,
) -> Result<Plan, StoreError> {
    let p = plans::Entity::find_by_id(id.0)
        .filter(scope.plans())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let ms = measures_of(conn, p.id).await?;
    Ok(plan_dto(p, ms))
}

fn validate_measure(m: &NewMeasure, errors: &mut ValidationErrors) -> Option<String> {
    if m.budget_fen < 0 {
        errors.add("budget_fen", "negative", "a budget cannot be negative");
    }
    validation::text(errors, "description", &m.description, 500)
}

async fn insert_measure(
    conn: &impl ConnectionTrait,
    plan: uuid::Uuid,
    m: NewMeasure,
    description: String,
) -> Result<measures::Model, StoreError> {
    let t = now();
    Ok(measures::ActiveModel {
        id: Set(MeasureId::new().0),
        plan_id: Set(plan),
        kind: Set(m.kind.as_str().to_owned()),
        description: Set(description),
        lead_unit_id: Set(m.lead_unit_id.map(|u| u.0)),
        responsible_person_id: Set(m.responsible_person_id.map(|p| p.0)),
        budget_fen: Set(m.budget_fen),
        status: Set(m
            .status
            .unwrap_or(MeasureStatus::Planned)
            .as_str()
            .to_owned()),
        field_versions: Set("{}".to_owned()),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?)
}

/// Creates a plan (one per household and year) with its measures.
pub async fn create_plan(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    input: NewPlan,
) -> Result<Plan, StoreError> {
    let mut errors = ValidationErrors::default();
    if !(2013..=2100).contains(&input.year) {
        errors.add("year", "out-of-range", "a year between 2013 and 2100");
    }
    let mut descriptions = Vec::new();
    for (i, m) in input.measures.iter().enumerate() {
        let mut e = ValidationErrors::default();
        descriptions.push(validate_measure(m, &mut e));
        errors.extend_prefixed(&format!("measures[{i}]."), e);
    }
    let h = households::Entity::find_by_id(input.household_id.0)
        .filter(scope.households())
        .one(conn)
        .await?;
    if h.is_none() {
        errors.add(
            "household_id",
            "unknown-household",
            "no household with this id",
        );
    }
    errors.into_result()?;
    let t = now();
    let p = plans::ActiveModel {
        id: Set(PlanId::new().0),
        household_id: Set(input.household_id.0),
        year: Set(input.year),
        status: Set(input
            .status
            .unwrap_or(PlanStatus::Draft)
            .as_str()
            .to_owned()),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    let mut ms = Vec::new();
    for (m, d) in input.measures.into_iter().zip(descriptions) {
        ms.push(insert_measure(conn, p.id, m, d.unwrap_or_default()).await?);
    }
    audit::record(
        conn,
        actor,
        "plan.create",
        "plan",
        p.id.to_string(),
        serde_json::json!({ "household": p.household_id, "year": p.year }),
    )
    .await?;
    Ok(plan_dto(p, ms))
}

/// Edits a plan.
pub async fn update_plan(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    id: PlanId,
    expected_version: i64,
    patch: PlanPatch,
) -> Result<Plan, StoreError> {
    let p = plans::Entity::find_by_id(id.0)
        .filter(scope.plans())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(p.version, expected_version)?;
    let version = p.version + 1;
    let mut am: plans::ActiveModel = p.into();
    if let Some(s) = patch.status {
        am.status = Set(s.as_str().to_owned());
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let p = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "plan.update",
        "plan",
        p.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    let ms = measures_of(conn, p.id).await?;
    Ok(plan_dto(p, ms))
}

/// Adds a measure to a plan in scope.
pub async fn add_measure(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    plan: PlanId,
    input: NewMeasure,
) -> Result<Measure, StoreError> {
    let p = plans::Entity::find_by_id(plan.0)
        .filter(scope.plans())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut errors = ValidationErrors::default();
    let d = validate_measure(&input, &mut errors);
    errors.into_result()?;
    let m = insert_measure(conn, p.id, input, d.unwrap_or_default()).await?;
    audit::record(
        conn,
        actor,
        "measure.create",
        "measure",
        m.id.to_string(),
        serde_json::json!({ "plan": p.id }),
    )
    .await?;
    Ok(m.into())
}

/// One measure in scope.
pub async fn get_measure(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: MeasureId,
) -> Result<Measure, StoreError> {
    measures::Entity::find_by_id(id.0)
        .filter(scope.measures())
        .one(conn)
        .await?
        .map(Measure::from)
        .ok_or(StoreError::NotFound)
}

/// Edits a measure.
pub async fn update_measure(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: Option<UserId>,
    id: MeasureId,
    expected_version: i64,
    patch: MeasurePatch,
) -> Result<Measure, StoreError> {
    let m = measures::Entity::find_by_id(id.0)
        .filter(scope.measures())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(m.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let description = opt_text(
        &mut errors,
        "description",
        patch.description.as_deref(),
        500,
    );
    if patch.budget_fen.is_some_and(|b| b < 0) {
        errors.add("budget_fen", "negative", "a budget cannot be negative");
    }
    errors.into_result()?;
    let version = m.version + 1;
    let mut changed = Vec::new();
    for (field, present) in [
        ("description", description.is_some()),
        ("status", patch.status.is_some()),
        ("budget_fen", patch.budget_fen.is_some()),
        ("lead_unit_id", patch.lead_unit_id.is_some()),
        (
            "responsible_person_id",
            patch.responsible_person_id.is_some(),
        ),
    ] {
        if present {
            changed.push(field);
        }
    }
    let field_versions = bump_field_versions(&m.field_versions, &changed, version);
    let mut am: measures::ActiveModel = m.into();
    am.field_versions = Set(field_versions);
    if let Some(v) = description {
        am.description = Set(v);
    }
    if let Some(v) = patch.status {
        am.status = Set(v.as_str().to_owned());
    }
    if let Some(v) = patch.budget_fen {
        am.budget_fen = Set(v);
    }
    if let Some(v) = patch.lead_unit_id {
        am.lead_unit_id = Set(v.map(|u| u.0));
    }
    if let Some(v) = patch.responsible_person_id {
        am.responsible_person_id = Set(v.map(|p| p.0));
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "measure.update",
        "measure",
        m.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    Ok(m.into())
}
