//! The state of unfinished resumable uploads, shared by every server node: the whole length the
//! first chunk declared and the chunks accepted so far, one row per chunk naming the blob object
//! that holds its bytes. The object is written before its row commits, so a row never points at
//! a missing object; an object without a row is garbage `media gc` removes.

use crate::StoreError;
use crate::entities::upload_parts;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Set, Statement,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// What the database holds of one upload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    /// Bytes accepted so far (the sum of the committed parts).
    pub held: u64,
    /// The whole length the first accepted chunk declared.
    pub total: Option<u64>,
}

/// The bytes held and the declared length of upload `photo`.
pub async fn held(conn: &impl ConnectionTrait, photo: Uuid) -> Result<Held, StoreError> {
    let parts = parts(conn, photo).await?;
    Ok(Held {
        held: parts.iter().map(|p| p.length.max(0) as u64).sum(),
        total: parts.first().map(|p| p.total.max(0) as u64),
    })
}

/// Serialises the chunks of upload `photo` across every node until the transaction ends: on
/// PostgreSQL the photo's row is locked; SQLite's write transaction is already the only writer.
pub async fn lock(conn: &impl ConnectionTrait, photo: Uuid) -> Result<(), StoreError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM photo_records WHERE id = $1 FOR UPDATE",
            [photo.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Records an accepted chunk whose bytes are already in object `object_key`.
pub async fn record_part(
    conn: &impl ConnectionTrait,
    photo: Uuid,
    offset: u64,
    length: u64,
    total: u64,
    object_key: &str,
) -> Result<(), StoreError> {
    upload_parts::Entity::insert(upload_parts::ActiveModel {
        photo_id: Set(photo),
        offset: Set(offset as i64),
        length: Set(length as i64),
        total: Set(total as i64),
        object_key: Set(object_key.to_owned()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The parts of upload `photo`, in order.
pub async fn parts(
    conn: &impl ConnectionTrait,
    photo: Uuid,
) -> Result<Vec<upload_parts::Model>, StoreError> {
    Ok(upload_parts::Entity::find()
        .filter(upload_parts::Column::PhotoId.eq(photo))
        .order_by_asc(upload_parts::Column::Offset)
        .all(conn)
        .await?)
}

/// Forgets the parts of upload `photo` (their objects are the caller's to delete).
pub async fn forget(conn: &impl ConnectionTrait, photo: Uuid) -> Result<(), StoreError> {
    upload_parts::Entity::delete_many()
        .filter(upload_parts::Column::PhotoId.eq(photo))
        .exec(conn)
        .await?;
    Ok(())
}

/// Uploads whose latest part is older than `age`: abandoned, to be removed by `media gc`.
pub async fn abandoned(
    conn: &impl ConnectionTrait,
    age: std::time::Duration,
) -> Result<Vec<Uuid>, StoreError> {
    let before = chrono::Duration::from_std(age)
        .ok()
        .and_then(|age| Utc::now().checked_sub_signed(age))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let all = upload_parts::Entity::find().all(conn).await?;
    let mut latest = std::collections::BTreeMap::<Uuid, DateTime<Utc>>::new();
    for p in all {
        let e = latest.entry(p.photo_id).or_insert(p.created_at);
        if p.created_at > *e {
            *e = p.created_at;
        }
    }
    Ok(latest
        .into_iter()
        .filter(|(_, t)| *t < before)
        .map(|(id, _)| id)
        .collect())
}

/// Every object key a part row names.
pub async fn part_keys(conn: &impl ConnectionTrait) -> Result<BTreeSet<String>, StoreError> {
    Ok(upload_parts::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.object_key)
        .collect())
}
