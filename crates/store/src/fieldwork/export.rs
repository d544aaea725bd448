//! What the raw-data downloads and the charts read beside the records themselves: the labels of
//! the households, villages, assessees and users the records point to, and the dated activity
//! of a window (visits, responses, photos) in the caller's scope.

use crate::entities::{assessees, households, photo_records, places, responses, users, visits};
use crate::{Scope, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// Both engines cap the number of bound parameters in one statement.
const CHUNK: usize = 500;

/// A household as an exported row names it.
#[derive(Clone, Debug, Default)]
pub struct HouseholdLabel {
    /// Registration number.
    pub registration_no: String,
    /// Its village's id.
    pub village_id: Uuid,
    /// Its village's name.
    pub village: String,
    /// Its district's code.
    pub district_code: String,
    /// The head's name, in clear: whoever shows it decides on masking.
    pub head_name: String,
}

/// The households of these ids within `scope`, with their villages' names.
pub async fn household_labels(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, HouseholdLabel>, StoreError> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut out = HashMap::new();
    let mut villages: Vec<Uuid> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Uuid, String, Uuid, String, String)> = households::Entity::find()
            .select_only()
            .column(households::Column::Id)
            .column(households::Column::RegistrationNo)
            .column(households::Column::VillageId)
            .column(households::Column::DistrictCode)
            .column(households::Column::HeadName)
            .filter(households::Column::Id.is_in(chunk.to_vec()))
            .filter(scope.households())
            .into_tuple()
            .all(conn)
            .await?;
        for (id, registration_no, village_id, district_code, head_name) in rows {
            villages.push(village_id);
            out.insert(
                id,
                HouseholdLabel {
                    registration_no,
                    village_id,
                    village: String::new(),
                    district_code,
                    head_name,
                },
            );
        }
    }
    let names = place_names(conn, &villages).await?;
    for h in out.values_mut() {
        h.village = names.get(&h.village_id).cloned().unwrap_or_default();
    }
    Ok(out)
}

/// One text column of `E` by id, for ids given in any order and with repeats, read in chunks
/// of [`CHUNK`] ids.
async fn text_by_id<E>(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    id: E::Column,
    text: E::Column,
) -> Result<HashMap<Uuid, String>, StoreError>
where
    E: EntityTrait,
{
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Uuid, String)> = E::find()
            .select_only()
            .column(id)
            .column(text)
            .filter(id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Names of places by id.
pub async fn place_names(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, StoreError> {
    text_by_id::<places::Entity>(conn, ids, places::Column::Id, places::Column::Name).await
}

/// Names of assessees by id (the names the results show).
pub async fn assessee_names(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, StoreError> {
    text_by_id::<assessees::Entity>(conn, ids, assessees::Column::Id, assessees::Column::Name).await
}

/// User names (the sign-in name, not the display name) by id.
pub async fn usernames(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, StoreError> {
    text_by_id::<users::Entity>(conn, ids, users::Column::Id, users::Column::Username).await
}

/// The id of the user with this sign-in name.
pub async fn user_id_by_username(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Uuid>, StoreError> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Username.eq(username))
        .into_tuple()
        .one(conn)
        .await?)
}

/// A kind of field work counted by day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityKind {
    /// A household visit (by when it started).
    Visit,
    /// A survey response of the cycle (by when it was received).
    Response,
    /// A photo (by when it was taken).
    Photo,
}

/// When field work happened in a window, with the household it was for; within `scope`.
pub async fn activity(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cycle_id: Uuid,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<(ActivityKind, Uuid, DateTime<Utc>)>, StoreError> {
    let (from, to) = window;
    let mut out = Vec::new();
    let v: Vec<(Uuid, DateTime<Utc>)> = visits::Entity::find()
        .select_only()
        .column(visits::Column::HouseholdId)
        .column(visits::Column::StartedAt)
        .filter(visits::Column::HouseholdId.in_subquery(scope.household_ids()))
        .filter(visits::Column::StartedAt.gte(from))
        .filter(visits::Column::StartedAt.lte(to))
        .into_tuple()
        .all(conn)
        .await?;
    out.extend(v.into_iter().map(|(h, t)| (ActivityKind::Visit, h, t)));
    let r: Vec<(Uuid, DateTime<Utc>)> = responses::Entity::find()
        .select_only()
        .column(responses::Column::HouseholdId)
        .column(responses::Column::CreatedAt)
        .filter(responses::Column::HouseholdId.in_subquery(scope.household_ids()))
        .filter(responses::Column::CycleId.eq(cycle_id))
        .into_tuple()
        .all(conn)
        .await?;
    out.extend(r.into_iter().map(|(h, t)| (ActivityKind::Response, h, t)));
    let p: Vec<(Uuid, DateTime<Utc>)> = photo_records::Entity::find()
        .select_only()
        .column(photo_records::Column::HouseholdId)
        .column(photo_records::Column::TakenAt)
        .filter(photo_records::Column::HouseholdId.in_subquery(scope.household_ids()))
        .filter(photo_records::Column::TakenAt.gte(from))
        .filter(photo_records::Column::TakenAt.lte(to))
        .into_tuple()
        .all(conn)
        .await?;
    out.extend(p.into_iter().map(|(h, t)| (ActivityKind::Photo, h, t)));
    Ok(out)
}
