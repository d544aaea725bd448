//! Units (lead departments and paired units), their responsible persons, which villages a paired
//! unit helps, and the assessees scored each year.

use crate::entities::{assessees, persons, places, unit_villages, units};
use crate::page::{Page, PageRequest, fetch_page};
use crate::{Scope, StoreError, audit, check_version, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{
    AssesseeId, AssesseeKind, PersonId, PlaceId, PlaceLevel, UnitId, UnitKind, UserId,
    ValidationErrors, validation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};

/// A unit as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    /// Its id.
    pub id: UnitId,
    /// Name.
    pub name: String,
    /// Lead or paired unit.
    pub kind: UnitKind,
    /// District it belongs to, if district-level.
    pub district_code: Option<String>,
    /// Villages it is paired with.
    pub village_ids: Vec<PlaceId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A new unit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// Name (unique).
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// District, if district-level.
    pub district_code: Option<String>,
    /// Paired villages.
    #[serde(default)]
    pub village_ids: Vec<PlaceId>,
}

/// Changes to a unit.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    /// Name.
    pub name: Option<String>,
    /// District.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub district_code: Option<Option<String>>,
    /// Replaces the paired villages.
    pub village_ids: Option<Vec<PlaceId>>,
}

async fn unit_dto(conn: &impl ConnectionTrait, u: units::Model) -> Result<Unit, StoreError> {
    let villages = unit_villages::Entity::find()
        .filter(unit_villages::Column::UnitId.eq(u.id))
        .all(conn)
        .await?;
    Ok(Unit {
        id: UnitId(u.id),
        name: u.name,
        kind: UnitKind::parse(&u.kind).unwrap_or(UnitKind::PairedUnit),
        district_code: u.district_code,
        village_ids: villages
            .into_iter()
            .map(|v| PlaceId(v.village_id))
            .collect(),
        version: u.version,
        updated_at: u.updated_at,
    })
}

fn check_district(errors: &mut ValidationErrors, d: &Option<String>) {
    if let Some(d) = d
        && !fieldcheck_domain::DivisionCode::is_district(d)
    {
        errors.add(
            "district_code",
            "invalid-code",
            "a district code has 6 digits",
        );
    }
}

async fn check_villages(
    conn: &impl ConnectionTrait,
    errors: &mut ValidationErrors,
    ids: &[PlaceId],
) -> Result<(), StoreError> {
    for (i, v) in ids.iter().enumerate() {
        let found = places::Entity::find_by_id(v.0)
            .filter(places::Column::Level.eq(PlaceLevel::Village.as_str()))
            .count(conn)
            .await?;
        if found == 0 {
            errors.add(
                format!("village_ids[{i}]"),
                "unknown-village",
                "no village with this id",
            );
        }
    }
    Ok(())
}

async fn set_villages(
    conn: &impl ConnectionTrait,
    unit: uuid::Uuid,
    ids: &[PlaceId],
) -> Result<(), StoreError> {
    unit_villages::Entity::delete_many()
        .filter(unit_villages::Column::UnitId.eq(unit))
        .exec(conn)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for v in ids {
        if seen.insert(v.0) {
            unit_villages::ActiveModel {
                unit_id: Set(unit),
                village_id: Set(v.0),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// Lists units.
pub async fn list_units(
    conn: &impl ConnectionTrait,
    kind: Option<UnitKind>,
    page: PageRequest,
) -> Result<Page<Unit>, StoreError> {
    let mut q = units::Entity::find();
    if let Some(k) = kind {
        q = q.filter(units::Column::Kind.eq(k.as_str()));
    }
    let p = fetch_page(conn, q, units::Column::Id, page, |m| m.id).await?;
    let mut items = Vec::with_capacity(p.items.len());
    for u in p.items {
        items.push(unit_dto(conn, u).await?);
    }
    Ok(Page {
        items,
        next_after: p.next_after,
    })
}

/// One unit.
pub async fn get_unit(conn: &impl ConnectionTrait, id: UnitId) -> Result<Unit, StoreError> {
    let u = units::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    unit_dto(conn, u).await
}

/// Finds a unit by its exact name.
pub async fn unit_by_name(
    conn: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<units::Model>, StoreError> {
    Ok(units::Entity::find()
        .filter(units::Column::Name.eq(name))
        .one(conn)
        .await?)
}

/// Creates a unit.
pub async fn create_unit(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    input: NewUnit,
) -> Result<Unit, StoreError> {
    let mut errors = ValidationErrors::default();
    let name = validation::text(&mut errors, "name", &input.name, 100);
    check_district(&mut errors, &input.district_code);
    check_villages(conn, &mut errors, &input.village_ids).await?;
    errors.into_result()?;
    let Some(name) = name else {
        return Err(ValidationErrors::default().into());
    };
    let t = now();
    let u = units::ActiveModel {
        id: Set(UnitId::new().0),
        name: Set(name),
        kind: Set(input.kind.as_str().to_owned()),
        district_code: Set(input.district_code),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    set_villages(conn, u.id, &input.village_ids).await?;
    audit::record(
        conn,
        actor,
        "unit.create",
        "unit",
        u.id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    unit_dto(conn, u).await
}

/// Edits a unit.
pub async fn update_unit(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    id: UnitId,
    expected_version: i64,
    patch: UnitPatch,
) -> Result<Unit, StoreError> {
    let u = units::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(u.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| validation::text(&mut errors, "name", n, 100));
    if let Some(d) = &patch.district_code {
        check_district(&mut errors, d);
    }
    if let Some(v) = &patch.village_ids {
        check_villages(conn, &mut errors, v).await?;
    }
    errors.into_result()?;
    let version = u.version + 1;
    let mut am: units::ActiveModel = u.into();
    if let Some(n) = name {
        am.name = Set(n);
    }
    if let Some(d) = patch.district_code {
        am.district_code = Set(d);
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let u = am.update(conn).await?;
    if let Some(v) = &patch.village_ids {
        set_villages(conn, u.id, v).await?;
    }
    audit::record(
        conn,
        actor,
        "unit.update",
        "unit",
        u.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    unit_dto(conn, u).await
}

/// A responsible person.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// Its id.
    pub id: PersonId,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Work phone.
    pub phone: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<persons::Model> for Person {
    fn from(p: persons::Model) -> Self {
        Person {
            id: PersonId(p.id),
            name: p.name,
            unit_id: UnitId(p.unit_id),
            phone: p.phone,
            version: p.version,
            updated_at: p.updated_at,
        }
    }
}

/// A new person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// Name.
    pub name: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Work phone.
    pub phone: Option<String>,
}

/// Changes to a person.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    /// Name.
    pub name: Option<String>,
    /// Unit.
    pub unit_id: Option<UnitId>,
    /// Phone.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub phone: Option<Option<String>>,
}

/// Lists persons, optionally of one unit.
pub async fn list_persons(
    conn: &impl ConnectionTrait,
    unit: Option<UnitId>,
    page: PageRequest,
) -> Result<Page<Person>, StoreError> {
    let mut q = persons::Entity::find();
    if let Some(u) = unit {
        q = q.filter(persons::Column::UnitId.eq(u.0));
    }
    Ok(fetch_page(conn, q, persons::Column::Id, page, |m| m.id)
        .await?
        .map(Person::from))
}

/// One person.
pub async fn get_person(conn: &impl ConnectionTrait, id: PersonId) -> Result<Person, StoreError> {
    persons::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .map(Person::from)
        .ok_or(StoreError::NotFound)
}

/// Finds a person by unit and name.
pub async fn person_by_name(
    conn: &impl ConnectionTrait,
    unit: UnitId,
    name: &str,
) -> Result<Option<persons::Model>, StoreError> {
    Ok(persons::Entity::find()
        .filter(persons::Column::UnitId.eq(unit.0))
        .filter(persons::Column::Name.eq(name))
        .one(conn)
        .await?)
}

async fn check_unit(
    conn: &impl ConnectionTrait,
    errors: &mut ValidationErrors,
    unit: UnitId,
) -> Result<(), StoreError> {
    if units::Entity::find_by_id(unit.0).count(conn).await? == 0 {
        errors.add("unit_id", "unknown-unit", "no unit with this id");
    }
    Ok(())
}

/// Creates a person.
pub async fn create_person(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    input: NewPerson,
) -> Result<Person, StoreError> {
    let mut errors = ValidationErrors::default();
    let name = validation::text(&mut errors, "name", &input.name, 50);
    let phone = input
        .phone
        .as_deref()
        .and_then(|p| validation::phone(&mut errors, "phone", p));
    check_unit(conn, &mut errors, input.unit_id).await?;
    errors.into_result()?;
    let Some(name) = name else {
        return Err(ValidationErrors::default().into());
    };
    let t = now();
    let p = persons::ActiveModel {
        id: Set(PersonId::new().0),
        name: Set(name),
        unit_id: Set(input.unit_id.0),
        phone: Set(phone),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "person.create",
        "person",
        p.id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    Ok(p.into())
}

/// Edits a person.
pub async fn update_person(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    id: PersonId,
    expected_version: i64,
    patch: PersonPatch,
) -> Result<Person, StoreError> {
    let p = persons::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(p.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| validation::text(&mut errors, "name", n, 50));
    let phone = patch.phone.as_ref().map(|p| {
        p.as_deref()
            .and_then(|p| validation::phone(&mut errors, "phone", p))
    });
    if let Some(u) = patch.unit_id {
        check_unit(conn, &mut errors, u).await?;
    }
    errors.into_result()?;
    let version = p.version + 1;
    let mut am: persons::ActiveModel = p.into();
    if let Some(n) = name {
        am.name = Set(n);
    }
    if let Some(u) = patch.unit_id {
        am.unit_id = Set(u.0);
    }
    if let Some(ph) = phone {
        am.phone = Set(ph);
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let p = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "person.update",
        "person",
        p.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    Ok(p.into())
}

/// An assessee.
#[derive(Clone, Debug, Serialize)]
pub struct Assessee {
    /// Its id.
    pub id: AssesseeId,
    /// Kind (decides its score sheet).
    pub kind: AssesseeKind,
    /// Name.
    pub name: String,
    /// District, for district governments and district-level units.
    pub district_code: Option<String>,
    /// The unit it is, for unit kinds.
    pub unit_id: Option<UnitId>,
    /// The person it is, for responsible persons.
    pub person_id: Option<PersonId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<assessees::Model> for Assessee {
    fn from(a: assessees::Model) -> Self {
        Assessee {
            id: AssesseeId(a.id),
            kind: AssesseeKind::parse(&a.kind).unwrap_or(AssesseeKind::PairedUnit),
            name: a.name,
            district_code: a.district_code,
            unit_id: a.unit_id.map(UnitId),
            person_id: a.person_id.map(PersonId),
            version: a.version,
            updated_at: a.updated_at,
        }
    }
}

/// A new assessee.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssessee {
    /// Kind.
    pub kind: AssesseeKind,
    /// Name.
    pub name: String,
    /// District.
    pub district_code: Option<String>,
    /// Unit (lead or paired unit kinds).
    pub unit_id: Option<UnitId>,
    /// Person (responsible person kind).
    pub person_id: Option<PersonId>,
}

/// Changes to an assessee.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssesseePatch {
    /// Name.
    pub name: Option<String>,
    /// District.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub district_code: Option<Option<String>>,
}

/// Lists assessees in scope.
pub async fn list_assessees(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: Option<AssesseeKind>,
    district: Option<&str>,
    page: PageRequest,
) -> Result<Page<Assessee>, StoreError> {
    let mut q = assessees::Entity::find().filter(scope.assessees());
    if let Some(k) = kind {
        q = q.filter(assessees::Column::Kind.eq(k.as_str()));
    }
    if let Some(d) = district {
        q = q.filter(assessees::Column::DistrictCode.eq(d));
    }
    Ok(fetch_page(conn, q, assessees::Column::Id, page, |m| m.id)
        .await?
        .map(Assessee::from))
}

/// One assessee in scope.
pub async fn get_assessee(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: AssesseeId,
) -> Result<Assessee, StoreError> {
    assessees::Entity::find_by_id(id.0)
        .filter(scope.assessees())
        .one(conn)
        .await?
        .map(Assessee::from)
        .ok_or(StoreError::NotFound)
}

/// Creates an assessee; the link it needs depends on its kind.
pub async fn create_assessee(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    input: NewAssessee,
) -> Result<Assessee, StoreError> {
    let mut errors = ValidationErrors::default();
    let name = validation::text(&mut errors, "name", &input.name, 100);
    check_district(&mut errors, &input.district_code);
    match input.kind {
        AssesseeKind::DistrictGovernment if input.district_code.is_none() => errors.add(
            "district_code",
            "required",
            "a district government needs its district code",
        ),
        AssesseeKind::LeadUnit | AssesseeKind::PairedUnit => match input.unit_id {
            Some(u) => check_unit(conn, &mut errors, u).await?,
            None => errors.add("unit_id", "required", "a unit assessee needs its unit"),
        },
        AssesseeKind::ResponsiblePerson => match input.person_id {
            Some(p) if persons::Entity::find_by_id(p.0).count(conn).await? == 0 => {
                errors.add("person_id", "unknown-person", "no person with this id")
            }
            Some(_) => {}
            None => errors.add(
                "person_id",
                "required",
                "a responsible-person assessee needs the person",
            ),
        },
        _ => {}
    }
    errors.into_result()?;
    let Some(name) = name else {
        return Err(ValidationErrors::default().into());
    };
    let t = now();
    let a = assessees::ActiveModel {
        id: Set(AssesseeId::new().0),
        kind: Set(input.kind.as_str().to_owned()),
        name: Set(name),
        district_code: Set(input.district_code),
        unit_id: Set(input.unit_id.map(|u| u.0)),
        person_id: Set(input.person_id.map(|p| p.0)),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "assessee.create",
        "assessee",
        a.id.to_string(),
        serde_json::json!({ "kind": a.kind }),
    )
    .await?;
    Ok(a.into())
}

/// Edits an assessee.
pub async fn update_assessee(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    id: AssesseeId,
    expected_version: i64,
    patch: AssesseePatch,
) -> Result<Assessee, StoreError> {
    let a = assessees::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(a.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| validation::text(&mut errors, "name", n, 100));
    if let Some(d) = &patch.district_code {
        check_district(&mut errors, d);
    }
    errors.into_result()?;
    let version = a.version + 1;
    let mut am: assessees::ActiveModel = a.into();
    if let Some(n) = name {
        am.name = Set(n);
    }
    if let Some(d) = patch.district_code {
        am.district_code = Set(d);
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let a = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "assessee.update",
        "assessee",
        a.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    Ok(a.into())
}
