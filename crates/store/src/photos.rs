//! Photo evidence in the database: the uploader's access to a record, the facts learnt when its
//! bytes arrive, the flags, the reviewers' gallery and decisions.

use crate::entities::{households, photo_hash_bands, photo_records, visits};
use crate::page::{Page, PageRequest, fetch_page};
use crate::{Scope, StoreError, audit, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::evidence::{Facts, PhotoFlag, Thresholds, flags, hash_bands};
use fieldcheck_domain::{GeoPoint, PhotoStatus, ReviewStatus, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait, Set,
};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

pub use fieldcheck_domain::evidence::NEAR_DUPLICATE_BITS;

/// The ids of photos whose perceptual hash shares a band with `hash`: every photo within
/// [`NEAR_DUPLICATE_BITS`] of it is among them, found through the bands' index rather than by
/// reading every stored hash. The caller still compares whole hashes.
fn sharing_a_band(hash: u64) -> sea_orm::sea_query::SelectStatement {
    let mut same = Condition::any();
    for (band, value) in hash_bands(hash).into_iter().enumerate() {
        same = same.add(
            Condition::all()
                .add(photo_hash_bands::Column::Band.eq(band as i16))
                .add(photo_hash_bands::Column::Value.eq(value)),
        );
    }
    photo_hash_bands::Entity::find()
        .select_only()
        .column(photo_hash_bands::Column::PhotoId)
        .filter(same)
        .into_query()
}

/// A photo as reviewers see it.
#[derive(Clone, Debug, Serialize)]
pub struct Photo {
    /// Id (client-generated).
    pub id: Uuid,
    /// Household.
    pub household_id: Uuid,
    /// Visit.
    pub visit_id: Option<Uuid>,
    /// Measure.
    pub measure_id: Option<Uuid>,
    /// Photographer.
    pub user_id: Uuid,
    /// SHA-256 of the original.
    pub sha256: String,
    /// `waiting_upload` or `stored`.
    pub status: String,
    /// Capture time from EXIF, else from the device.
    pub taken_at: DateTime<Utc>,
    /// EXIF position, for roles that may see locations.
    pub exif_position: Option<GeoPoint>,
    /// Device fix, for roles that may see locations.
    pub device_position: Option<GeoPoint>,
    /// Distance of the EXIF position from the household's registered location, in metres.
    pub distance_to_household_m: Option<f64>,
    /// Camera.
    pub camera: Option<String>,
    /// Pixel size after orientation.
    pub width: Option<i32>,
    /// Pixel size after orientation.
    pub height: Option<i32>,
    /// Size of the original in bytes.
    pub size_bytes: Option<i64>,
    /// Flags.
    pub flags: Vec<PhotoFlag>,
    /// `pending`, `accepted` or `rejected`.
    pub review_status: String,
    /// Reason of the review decision.
    pub review_reason: Option<String>,
    /// Received by the server.
    pub received_at: DateTime<Utc>,
}

/// Builds the reviewer view; `with_locations` is false for roles that may not see positions.
pub fn photo_view(
    p: photo_records::Model,
    household: Option<GeoPoint>,
    with_locations: bool,
) -> Photo {
    let exif = match (p.exif_lat, p.exif_lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => None,
    };
    let device = match (p.lat, p.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => None,
    };
    let distance = exif
        .zip(household)
        .map(|(e, h)| (e.distance_m(&h) * 10.0).round() / 10.0);
    Photo {
        id: p.id,
        household_id: p.household_id,
        visit_id: p.visit_id,
        measure_id: p.measure_id,
        user_id: p.user_id,
        sha256: p.sha256,
        status: p.status,
        taken_at: p.exif_taken_at.unwrap_or(p.taken_at),
        exif_position: exif.filter(|_| with_locations),
        device_position: device.filter(|_| with_locations),
        distance_to_household_m: distance,
        camera: match (p.make, p.model) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            (a, b) => a.or(b),
        },
        width: p.width,
        height: p.height,
        size_bytes: p.size_bytes,
        flags: serde_json::from_str::<Vec<String>>(&p.flags)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| PhotoFlag::parse(f))
            .collect(),
        review_status: p.review_status,
        review_reason: p.review_reason,
        received_at: p.created_at,
    }
}

/// Photos the scope reaches: field users their own, district reviewers their district's.
pub fn scope_condition(scope: &Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Granted(u) => Condition::all().add(photo_records::Column::UserId.eq(u.0)),
        other => Condition::all()
            .add(photo_records::Column::HouseholdId.in_subquery(other.household_ids())),
    }
}

/// The record a caller may upload bytes for: only the photographer, only their own record.
pub async fn for_upload(
    conn: &impl ConnectionTrait,
    user: UserId,
    id: Uuid,
) -> Result<photo_records::Model, StoreError> {
    photo_records::Entity::find_by_id(id)
        .filter(photo_records::Column::UserId.eq(user.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// One photo in scope, with its household's location.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<(photo_records::Model, Option<GeoPoint>), StoreError> {
    let p = photo_records::Entity::find_by_id(id)
        .filter(scope_condition(scope))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let h = households::Entity::find_by_id(p.household_id)
        .one(conn)
        .await?;
    let loc = h
        .and_then(|h| h.lat.zip(h.lon))
        .map(|(lat, lon)| GeoPoint { lat, lon });
    Ok((p, loc))
}

/// Filters of the gallery.
#[derive(Debug, Default)]
pub struct PhotoFilter {
    /// One household.
    pub household_id: Option<Uuid>,
    /// One visit.
    pub visit_id: Option<Uuid>,
    /// Photos with this flag.
    pub flag: Option<PhotoFlag>,
    /// Waiting for its bytes, or stored.
    pub status: Option<PhotoStatus>,
    /// Pending, accepted or rejected.
    pub review_status: Option<ReviewStatus>,
    /// Households of this district.
    pub district_code: Option<String>,
    /// Households of this village.
    pub village_id: Option<Uuid>,
    /// Taken within this window (a cycle's).
    pub taken_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Evidence of a measure of this kind.
    pub measure_kind: Option<String>,
    /// Households whose satisfaction or results feed this assessee.
    pub assessee_id: Option<Uuid>,
}

/// The gallery's filters as one condition; the flag and review filters can be left out, so the
/// counts per flag and per review status can be taken under the other filters.
pub fn filter_condition(filter: &PhotoFilter, with_flag: bool, with_review: bool) -> Condition {
    filter_condition_except(filter, with_flag, with_review, true)
}

fn filter_condition_except(
    filter: &PhotoFilter,
    with_flag: bool,
    with_review: bool,
    with_district: bool,
) -> Condition {
    let mut c = Condition::all();
    if let Some(h) = filter.household_id {
        c = c.add(photo_records::Column::HouseholdId.eq(h));
    }
    if let Some(v) = filter.visit_id {
        c = c.add(photo_records::Column::VisitId.eq(v));
    }
    if with_flag && let Some(f) = filter.flag {
        // Flags are stored as a JSON array of names; names are distinct, so a quoted match is exact.
        c = c.add(photo_records::Column::Flags.contains(format!("\"{}\"", f.as_str())));
    }
    if let Some(s) = filter.status {
        c = c.add(photo_records::Column::Status.eq(s.as_str()));
    }
    if with_review && let Some(s) = filter.review_status {
        c = c.add(photo_records::Column::ReviewStatus.eq(s.as_str()));
    }
    if let Some((from, to)) = filter.taken_between {
        c = c.add(photo_records::Column::TakenAt.between(from, to));
    }
    let mut households_where = Condition::all();
    let mut by_household = false;
    if with_district && let Some(d) = &filter.district_code {
        households_where = households_where.add(households::Column::DistrictCode.eq(d.as_str()));
        by_household = true;
    }
    if let Some(v) = filter.village_id {
        households_where = households_where.add(households::Column::VillageId.eq(v));
        by_household = true;
    }
    if by_household {
        c = c.add(
            photo_records::Column::HouseholdId.in_subquery(
                households::Entity::find()
                    .select_only()
                    .column(households::Column::Id)
                    .filter(households_where)
                    .into_query(),
            ),
        );
    }
    if let Some(kind) = &filter.measure_kind {
        c = c.add(
            photo_records::Column::MeasureId.in_subquery(
                crate::entities::measures::Entity::find()
                    .select_only()
                    .column(crate::entities::measures::Column::Id)
                    .filter(crate::entities::measures::Column::Kind.eq(kind.as_str()))
                    .into_query(),
            ),
        );
    }
    if let Some(a) = filter.assessee_id {
        c = c.add(of_assessee(photo_records::Column::HouseholdId, a));
    }
    c
}

/// Records (by their household column `household_col`) of the households whose evidence speaks
/// for an assessee: a district's, a responsible person's, a paired unit's villages'. Built with
/// the query builder, so both engines get their own placeholders.
pub fn of_assessee(household_col: impl ColumnTrait, a: Uuid) -> Condition {
    use crate::entities::{assessees, unit_villages};
    let of_kind = |kind: &str, col: assessees::Column| {
        assessees::Entity::find()
            .select_only()
            .column(col)
            .filter(assessees::Column::Id.eq(a))
            .filter(assessees::Column::Kind.eq(kind))
            .into_query()
    };
    let homes = |cond: Condition| {
        households::Entity::find()
            .select_only()
            .column(households::Column::Id)
            .filter(cond)
            .into_query()
    };
    let villages = unit_villages::Entity::find()
        .select_only()
        .column(unit_villages::Column::VillageId)
        .filter(
            unit_villages::Column::UnitId
                .in_subquery(of_kind("paired_unit", assessees::Column::UnitId)),
        )
        .into_query();
    Condition::any()
        .add(household_col.in_subquery(homes(Condition::all().add(
            households::Column::DistrictCode.in_subquery(of_kind(
                "district_government",
                assessees::Column::DistrictCode,
            )),
        ))))
        .add(
            household_col.in_subquery(homes(
                Condition::all().add(
                    households::Column::ResponsiblePersonId
                        .in_subquery(of_kind("responsible_person", assessees::Column::PersonId)),
                ),
            )),
        )
        .add(household_col.in_subquery(homes(
            Condition::all().add(households::Column::VillageId.in_subquery(villages)),
        )))
}

/// What the gallery's filters would show: photos per flag, per review status and per district,
/// each under the other filters.
#[derive(Debug, Default)]
pub struct GalleryCounts {
    /// Photos carrying each flag.
    pub flags: BTreeMap<String, u64>,
    /// Photos in each review status.
    pub review: BTreeMap<String, u64>,
    /// Photos of each district's households.
    pub districts: BTreeMap<String, u64>,
}

/// Counts per flag, review status and district, each under the other filters.
pub async fn counts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &PhotoFilter,
) -> Result<GalleryCounts, StoreError> {
    let mut out = GalleryCounts::default();
    let flag_rows: Vec<String> = photo_records::Entity::find()
        .select_only()
        .column(photo_records::Column::Flags)
        .filter(scope_condition(scope))
        .filter(filter_condition(filter, false, true))
        .into_tuple()
        .all(conn)
        .await?;
    for f in &flag_rows {
        for name in serde_json::from_str::<Vec<String>>(f).unwrap_or_default() {
            *out.flags.entry(name).or_insert(0) += 1;
        }
    }
    let review_rows: Vec<String> = photo_records::Entity::find()
        .select_only()
        .column(photo_records::Column::ReviewStatus)
        .filter(scope_condition(scope))
        .filter(filter_condition(filter, true, false))
        .into_tuple()
        .all(conn)
        .await?;
    for r in review_rows {
        *out.review.entry(r).or_insert(0) += 1;
    }
    let district_rows: Vec<Option<String>> = photo_records::Entity::find()
        .select_only()
        .column_as(
            sea_orm::sea_query::Expr::cust(
                "(SELECT h.district_code FROM households h WHERE h.id = photo_records.household_id)",
            ),
            "district",
        )
        .filter(scope_condition(scope))
        .filter(filter_condition_except(filter, true, true, false))
        .into_tuple()
        .all(conn)
        .await?;
    for d in district_rows.into_iter().flatten() {
        *out.districts.entry(d).or_insert(0) += 1;
    }
    Ok(out)
}

/// Other photos in scope that are the same picture: the same bytes, or a perceptual hash within
/// [`NEAR_DUPLICATE_BITS`] — the way a report is padded.
pub async fn duplicates_of(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Vec<photo_records::Model>, StoreError> {
    let Some(me) = photo_records::Entity::find_by_id(id)
        .filter(scope_condition(scope))
        .one(conn)
        .await?
    else {
        return Err(StoreError::NotFound);
    };
    // Only the columns compared, and only the candidates the bands' index gives; whole rows for
    // matches.
    let mut same_picture =
        Condition::any().add(photo_records::Column::Sha256.eq(me.sha256.as_str()));
    if let Some(hash) = me.dhash {
        same_picture =
            same_picture.add(photo_records::Column::Id.in_subquery(sharing_a_band(hash as u64)));
    }
    let candidates: Vec<(Uuid, String, Option<i64>)> = photo_records::Entity::find()
        .select_only()
        .column(photo_records::Column::Id)
        .column(photo_records::Column::Sha256)
        .column(photo_records::Column::Dhash)
        .filter(scope_condition(scope))
        .filter(photo_records::Column::Id.ne(id))
        .filter(same_picture)
        .into_tuple()
        .all(conn)
        .await?;
    let matches: Vec<Uuid> = candidates
        .into_iter()
        .filter(|(_, sha, hash)| {
            *sha == me.sha256
                || me
                    .dhash
                    .zip(*hash)
                    .is_some_and(|(a, b)| ((a ^ b) as u64).count_ones() <= NEAR_DUPLICATE_BITS)
        })
        .map(|(id, _, _)| id)
        .take(24)
        .collect();
    if matches.is_empty() {
        return Ok(Vec::new());
    }
    Ok(photo_records::Entity::find()
        .filter(photo_records::Column::Id.is_in(matches))
        .all(conn)
        .await?)
}

/// Lists photos in scope.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &PhotoFilter,
    page: PageRequest,
    with_locations: bool,
) -> Result<Page<Photo>, StoreError> {
    let q = photo_records::Entity::find()
        .filter(scope_condition(scope))
        .filter(filter_condition(filter, true, true));
    let page = fetch_page(conn, q, photo_records::Column::Id, page, |m| m.id).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|p| p.household_id).collect();
    let hs = households::Entity::find()
        .filter(households::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(page.map(|p| {
        let loc = hs
            .iter()
            .find(|h| h.id == p.household_id)
            .and_then(|h| h.lat.zip(h.lon))
            .map(|(lat, lon)| GeoPoint { lat, lon });
        photo_view(p, loc, with_locations)
    }))
}

/// What processing the bytes taught us.
#[derive(Debug, Clone)]
pub struct StoredFacts {
    /// Size of the original.
    pub size_bytes: i64,
    /// EXIF position.
    pub exif_position: Option<GeoPoint>,
    /// EXIF altitude.
    pub exif_altitude_m: Option<f64>,
    /// EXIF capture time.
    pub exif_taken_at: Option<DateTime<Utc>>,
    /// Whether the EXIF time carried its own offset.
    pub exif_offset_from_file: bool,
    /// EXIF orientation.
    pub orientation: i32,
    /// Camera make.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Oriented size.
    pub width: i32,
    /// Oriented size.
    pub height: i32,
    /// Perceptual hash.
    pub dhash: u64,
    /// Object key of the original.
    pub original_key: String,
    /// Object key of the thumbnail.
    pub thumb_key: String,
    /// Object key of the screen image.
    pub screen_key: String,
}

/// Records the facts of stored bytes and decides the flags. Called after the objects are stored,
/// so a row never points at a missing object.
pub async fn complete(
    conn: &impl ConnectionTrait,
    record: photo_records::Model,
    facts: StoredFacts,
    thresholds: &Thresholds,
) -> Result<photo_records::Model, StoreError> {
    let household = households::Entity::find_by_id(record.household_id)
        .one(conn)
        .await?;
    let household_location = household
        .as_ref()
        .and_then(|h| h.lat.zip(h.lon))
        .map(|(lat, lon)| GeoPoint { lat, lon });
    let visit = match record.visit_id {
        Some(v) => visits::Entity::find_by_id(v).one(conn).await?,
        None => None,
    };
    let (exact, near) = duplicates_elsewhere(conn, &record, facts.dhash).await?;
    let device_position = record
        .lat
        .zip(record.lon)
        .map(|(lat, lon)| GeoPoint { lat, lon });
    let decided = flags(
        &Facts {
            exif_position: facts.exif_position,
            household_location,
            device_position,
            device_accuracy_m: record.accuracy_m,
            mock_location: record.mock_location,
            taken_at: Some(facts.exif_taken_at.unwrap_or(record.taken_at)),
            visit_started_at: visit.map(|v| v.started_at),
            received_at: Some(record.created_at),
            near_duplicate_elsewhere: near,
            exact_duplicate_elsewhere: exact,
        },
        thresholds,
    );
    let names: Vec<&str> = decided.iter().map(|f| f.as_str()).collect();
    let id = record.id;
    let size_bytes = facts.size_bytes;
    let dhash = facts.dhash;
    let updated = stored_row(record, facts, &names).update(conn).await?;
    index_hash_bands(conn, id, dhash).await?;
    audit::record(
        conn,
        Some(UserId(updated.user_id)),
        "photo.store",
        "photo",
        id.to_string(),
        serde_json::json!({ "flags": names, "size": size_bytes }),
    )
    .await?;
    Ok(updated)
}

/// Whether photos filed for another household or visit have the same bytes (exact) or a hash
/// within [`NEAR_DUPLICATE_BITS`] of `dhash` (near).
async fn duplicates_elsewhere(
    conn: &impl ConnectionTrait,
    record: &photo_records::Model,
    dhash: u64,
) -> Result<(bool, bool), StoreError> {
    // Other photos filed for a different household or visit.
    let elsewhere = Condition::any()
        .add(photo_records::Column::HouseholdId.ne(record.household_id))
        .add(match record.visit_id {
            Some(v) => Condition::any()
                .add(photo_records::Column::VisitId.ne(v))
                .add(photo_records::Column::VisitId.is_null()),
            None => Condition::all().add(photo_records::Column::VisitId.is_not_null()),
        });
    // Only photos whose bytes were stored: a record announcing the same hash whose upload never
    // came (or whose objects went missing) is a claim, not a photo.
    let exact = photo_records::Entity::find()
        .filter(photo_records::Column::Sha256.eq(record.sha256.as_str()))
        .filter(photo_records::Column::Id.ne(record.id))
        .filter(photo_records::Column::Status.eq(PhotoStatus::Stored.as_str()))
        .filter(elsewhere.clone())
        .one(conn)
        .await?
        .is_some();
    // Only the photos that share a band of the hash: an index lookup, not a scan of every hash.
    let others: Vec<(Uuid, Option<i64>)> = photo_records::Entity::find()
        .select_only()
        .column(photo_records::Column::Id)
        .column(photo_records::Column::Dhash)
        .filter(photo_records::Column::Id.in_subquery(sharing_a_band(dhash)))
        .filter(photo_records::Column::Id.ne(record.id))
        .filter(photo_records::Column::Sha256.ne(record.sha256.as_str()))
        .filter(photo_records::Column::Status.eq(PhotoStatus::Stored.as_str()))
        .filter(elsewhere)
        .into_tuple()
        .all(conn)
        .await?;
    let near = others
        .iter()
        .filter_map(|(_, h)| *h)
        .any(|h| ((h as u64) ^ dhash).count_ones() <= NEAR_DUPLICATE_BITS);
    Ok((exact, near))
}

/// The row of a photo whose bytes are stored: its facts, its flags, its next version.
fn stored_row(
    record: photo_records::Model,
    facts: StoredFacts,
    names: &[&str],
) -> photo_records::ActiveModel {
    let version = record.version + 1;
    let mut am: photo_records::ActiveModel = record.into();
    am.size_bytes = Set(Some(facts.size_bytes));
    am.exif_lat = Set(facts.exif_position.map(|p| p.lat));
    am.exif_lon = Set(facts.exif_position.map(|p| p.lon));
    am.exif_altitude_m = Set(facts.exif_altitude_m);
    am.exif_taken_at = Set(facts.exif_taken_at);
    am.exif_offset_from_file = Set(facts.exif_offset_from_file);
    am.orientation = Set(Some(facts.orientation));
    am.make = Set(facts.make);
    am.model = Set(facts.model);
    am.width = Set(Some(facts.width));
    am.height = Set(Some(facts.height));
    am.dhash = Set(Some(facts.dhash as i64));
    am.original_key = Set(Some(facts.original_key));
    am.thumb_key = Set(Some(facts.thumb_key));
    am.screen_key = Set(Some(facts.screen_key));
    am.flags = Set(serde_json::to_string(names).unwrap_or_else(|_| "[]".into()));
    am.status = Set(PhotoStatus::Stored.as_str().to_owned());
    am.stored_at = Set(Some(now()));
    am.version = Set(version);
    am.updated_at = Set(now());
    am
}

/// Records the hash's bands, for later photos' near-duplicate lookup.
async fn index_hash_bands(
    conn: &impl ConnectionTrait,
    id: Uuid,
    dhash: u64,
) -> Result<(), StoreError> {
    // A photo finished again (a retried upload) has the same bands already.
    let bands = hash_bands(dhash)
        .into_iter()
        .enumerate()
        .map(|(band, value)| photo_hash_bands::ActiveModel {
            band: Set(band as i16),
            value: Set(value),
            photo_id: Set(id),
        });
    photo_hash_bands::Entity::insert_many(bands)
        .on_conflict_do_nothing_on([
            photo_hash_bands::Column::Band,
            photo_hash_bands::Column::Value,
            photo_hash_bands::Column::PhotoId,
        ])
        .exec(conn)
        .await?;
    Ok(())
}

/// A reviewer accepts or rejects a photo, with a reason; the decision is audited.
pub async fn review(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    by: UserId,
    id: Uuid,
    accept: bool,
    reason: Option<String>,
) -> Result<photo_records::Model, StoreError> {
    let p = photo_records::Entity::find_by_id(id)
        .filter(scope_condition(scope))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let status = if accept {
        ReviewStatus::Accepted
    } else {
        ReviewStatus::Rejected
    };
    let version = p.version + 1;
    let mut am: photo_records::ActiveModel = p.into();
    am.review_status = Set(status.as_str().to_owned());
    am.review_reason = Set(reason.clone());
    am.reviewed_by = Set(Some(by.0));
    am.reviewed_at = Set(Some(now()));
    am.version = Set(version);
    am.updated_at = Set(now());
    let p = am.update(conn).await?;
    audit::record(
        conn,
        Some(by),
        if accept {
            "photo.accept"
        } else {
            "photo.reject"
        },
        "photo",
        id.to_string(),
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    Ok(p)
}

/// Every object key the database refers to (for garbage collection).
pub async fn referenced_keys(
    conn: &impl ConnectionTrait,
) -> Result<std::collections::BTreeSet<String>, StoreError> {
    let rows: Vec<(Option<String>, Option<String>, Option<String>)> = photo_records::Entity::find()
        .select_only()
        .column(photo_records::Column::OriginalKey)
        .column(photo_records::Column::ThumbKey)
        .column(photo_records::Column::ScreenKey)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .flat_map(|(a, b, c)| [a, b, c])
        .flatten()
        .collect())
}

/// Stored photos whose objects are named; used by gc to find rows whose objects are missing.
pub async fn stored(conn: &impl ConnectionTrait) -> Result<Vec<photo_records::Model>, StoreError> {
    Ok(photo_records::Entity::find()
        .filter(photo_records::Column::Status.eq(PhotoStatus::Stored.as_str()))
        .all(conn)
        .await?)
}

/// Puts a photo whose objects vanished back to `waiting_upload`, so the device uploads it again.
pub async fn mark_missing(
    conn: &impl ConnectionTrait,
    p: photo_records::Model,
) -> Result<(), StoreError> {
    let id = p.id;
    let version = p.version + 1;
    let mut am: photo_records::ActiveModel = p.into();
    am.status = Set(PhotoStatus::WaitingUpload.as_str().to_owned());
    am.original_key = Set(None);
    am.thumb_key = Set(None);
    am.screen_key = Set(None);
    am.stored_at = Set(None);
    am.version = Set(version);
    am.updated_at = Set(now());
    am.update(conn).await?;
    audit::record(
        conn,
        None,
        "photo.objects_missing",
        "photo",
        id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    Ok(())
}

/// Photos in scope carrying at least one flag and still waiting for a review decision: the
/// office's queue of flagged photos.
pub async fn flagged_pending(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<u64, StoreError> {
    let q = photo_records::Entity::find()
        .filter(scope_condition(scope))
        .filter(photo_records::Column::ReviewStatus.eq(ReviewStatus::Pending.as_str()))
        .filter(photo_records::Column::Flags.ne("[]"));
    Ok(sea_orm::PaginatorTrait::count(q, conn).await?)
}
