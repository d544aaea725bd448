//! Households: their views, list and detail reads (a reveal audited), registration and edits.

use super::members::{Member, NewMember, insert_member, member_dto, validate_member};
use super::plans::{Plan, plan_dto};
use super::{IdNumbers, bump_field_versions};
use crate::entities::{households, measures, members, places, plans};
use crate::page::{Page, PageRequest, fetch_page};
use crate::places::{check_location, location};
use crate::{PiiCipher, Scope, StoreError, audit, check_version, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{
    GeoPoint, HouseholdId, HouseholdStatus, PersonId, PlaceId, PlaceLevel, UserId,
    ValidationErrors, validation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

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

pub(super) async fn household_row(
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

pub(super) fn opt_text(
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

/// Registration numbers (户编号) with the households they name, for forms where people type
/// numbers rather than ids: each number given, with its household if one is registered.
pub async fn ids_by_registration_no(
    conn: &impl ConnectionTrait,
    numbers: &[String],
) -> Result<Vec<(String, Option<HouseholdId>)>, StoreError> {
    let found: std::collections::HashMap<String, uuid::Uuid> = households::Entity::find()
        .filter(households::Column::RegistrationNo.is_in(numbers.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| (h.registration_no, h.id))
        .collect();
    Ok(numbers
        .iter()
        .map(|n| (n.clone(), found.get(n).copied().map(HouseholdId)))
        .collect())
}

/// The registration numbers of the given households (those that exist), in registration order.
pub async fn registration_nos(
    conn: &impl ConnectionTrait,
    ids: &[HouseholdId],
) -> Result<Vec<String>, StoreError> {
    let mut nos: Vec<String> = households::Entity::find()
        .filter(households::Column::Id.is_in(ids.iter().map(|h| h.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| h.registration_no)
        .collect();
    nos.sort();
    Ok(nos)
}
