//! Administrative places. Places carry no personal data, so every signed-in role may read them.

use crate::entities::places;
use crate::page::{Page, PageRequest, fetch_page};
use crate::{StoreError, audit, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{
    DivisionCode, GeoPoint, PlaceId, PlaceLevel, UserId, ValidationErrors, validation,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

/// A place as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Place {
    /// Its id.
    pub id: PlaceId,
    /// National division code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Level.
    pub level: PlaceLevel,
    /// Enclosing place.
    pub parent_id: Option<PlaceId>,
    /// The 6-digit district it lies in (none for the city).
    pub district_code: Option<String>,
    /// Representative location (village committee office, …).
    pub location: Option<GeoPoint>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn location(lat: Option<f64>, lon: Option<f64>) -> Option<GeoPoint> {
    match (lat, lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => None,
    }
}

pub(crate) fn check_location(errors: &mut ValidationErrors, p: &Option<GeoPoint>) {
    if let Some(p) = p
        && let Err(msg) = GeoPoint::new(p.lat, p.lon)
    {
        errors.add("location", "invalid-location", msg);
    }
}

impl From<places::Model> for Place {
    fn from(m: places::Model) -> Self {
        Place {
            id: PlaceId(m.id),
            code: m.code,
            name: m.name,
            level: PlaceLevel::parse(&m.level).unwrap_or(PlaceLevel::Village),
            parent_id: m.parent_id.map(PlaceId),
            district_code: m.district_code,
            location: location(m.lat, m.lon),
            version: m.version,
            updated_at: m.updated_at,
        }
    }
}

/// A new place.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPlace {
    /// National division code; its length must fit the level.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Level.
    pub level: PlaceLevel,
    /// Enclosing place (required below the city).
    pub parent_id: Option<PlaceId>,
    /// Representative location.
    pub location: Option<GeoPoint>,
}

/// Changes to a place.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacePatch {
    /// New name.
    pub name: Option<String>,
    /// New location, or `null` to clear it.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub location: Option<Option<GeoPoint>>,
}

/// Filters of the place list.
#[derive(Debug, Default)]
pub struct PlaceFilter {
    /// Only this level.
    pub level: Option<PlaceLevel>,
    /// Only children of this place.
    pub parent_id: Option<PlaceId>,
    /// Only places in this district.
    pub district: Option<String>,
    /// Only places changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Lists places.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &PlaceFilter,
    page: PageRequest,
) -> Result<Page<Place>, StoreError> {
    let mut q = places::Entity::find();
    if let Some(l) = filter.level {
        q = q.filter(places::Column::Level.eq(l.as_str()));
    }
    if let Some(p) = filter.parent_id {
        q = q.filter(places::Column::ParentId.eq(p.0));
    }
    if let Some(d) = &filter.district {
        q = q.filter(places::Column::DistrictCode.eq(d.as_str()));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(places::Column::UpdatedAt.gte(t));
    }
    Ok(fetch_page(conn, q, places::Column::Id, page, |m| m.id)
        .await?
        .map(Place::from))
}

/// One place.
pub async fn get(conn: &impl ConnectionTrait, id: PlaceId) -> Result<Place, StoreError> {
    places::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .map(Place::from)
        .ok_or(StoreError::NotFound)
}

/// Finds a place by its division code.
pub async fn by_code(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<places::Model>, StoreError> {
    Ok(places::Entity::find()
        .filter(places::Column::Code.eq(code))
        .one(conn)
        .await?)
}

/// Creates a place after checking its code nests under its parent's.
pub async fn create(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    input: NewPlace,
) -> Result<Place, StoreError> {
    let mut errors = ValidationErrors::default();
    let name = validation::text(&mut errors, "name", &input.name, 100);
    check_location(&mut errors, &input.location);
    let code = match DivisionCode::parse(&input.code) {
        Ok(c) if c.fits(input.level) => Some(c),
        Ok(_) => {
            errors.add(
                "code",
                "code-level-mismatch",
                "the code's length does not fit the level",
            );
            None
        }
        Err(msg) => {
            errors.add("code", "invalid-code", msg);
            None
        }
    };
    let parent = match input.parent_id {
        Some(pid) => places::Entity::find_by_id(pid.0).one(conn).await?,
        None => None,
    };
    if let Some(code) = &code {
        match (&parent, input.level) {
            (None, PlaceLevel::City) => {}
            (None, _) => errors.add(
                "parent_id",
                "required",
                "a place below the city needs a parent",
            ),
            (Some(p), level) => {
                let parent_level = PlaceLevel::parse(&p.level);
                let parent_code = DivisionCode::parse(&p.code).ok();
                if parent_level.and_then(PlaceLevel::child) != Some(level)
                    || !parent_code.is_some_and(|pc| pc.is_parent_of(code))
                {
                    errors.add(
                        "parent_id",
                        "not-parent",
                        "the parent's level or code does not enclose this place",
                    );
                }
            }
        }
    }
    errors.into_result()?;
    let (Some(code), Some(name)) = (code, name) else {
        return Err(ValidationErrors::default().into());
    };
    let t = now();
    let district = (input.level != PlaceLevel::City).then(|| code.district().to_owned());
    let m = places::ActiveModel {
        id: Set(PlaceId::new().0),
        code: Set(code.as_str().to_owned()),
        name: Set(name),
        level: Set(input.level.as_str().to_owned()),
        parent_id: Set(parent.map(|p| p.id)),
        district_code: Set(district),
        lat: Set(input.location.map(|p| p.lat)),
        lon: Set(input.location.map(|p| p.lon)),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "place.create",
        "place",
        m.id.to_string(),
        serde_json::json!({ "code": m.code }),
    )
    .await?;
    Ok(m.into())
}

/// Applies a patch when `expected_version` is current.
pub async fn update(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    id: PlaceId,
    expected_version: i64,
    patch: PlacePatch,
) -> Result<Place, StoreError> {
    let current = places::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    crate::check_version(current.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| validation::text(&mut errors, "name", n, 100));
    if let Some(loc) = &patch.location {
        check_location(&mut errors, loc);
    }
    errors.into_result()?;
    let version = current.version + 1;
    let mut am: places::ActiveModel = current.into();
    if let Some(n) = name {
        am.name = Set(n);
    }
    if let Some(loc) = patch.location {
        am.lat = Set(loc.map(|p| p.lat));
        am.lon = Set(loc.map(|p| p.lon));
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "place.update",
        "place",
        m.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    Ok(m.into())
}

/// Every district as (code, name), by code: for the filters of the office's pages.
pub async fn list_districts(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(String, String)>, StoreError> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(places::Entity::find()
        .select_only()
        .column(places::Column::Code)
        .column(places::Column::Name)
        .filter(places::Column::Level.eq("district"))
        .order_by_asc(places::Column::Code)
        .into_tuple()
        .all(conn)
        .await?)
}
