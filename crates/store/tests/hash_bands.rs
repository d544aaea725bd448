#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The migration that indexes perceptual hashes by band fills the index for photos hashed before
//! it, with the bands the domain crate makes: the backfill is SQL, run on SQLite and PostgreSQL.

mod common;

use chrono::{TimeZone, Utc};
use common::Backend;
use fieldcheck_domain::evidence::hash_bands;
use fieldcheck_migration::{Migrator, MigratorTrait};
use fieldcheck_store::demo;
use fieldcheck_store::entities::{households, photo_hash_bands, photo_records, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

on_both_backends!(the_band_migration_indexes_photos_hashed_before_it);

async fn the_band_migration_indexes_photos_hashed_before_it(backend: Backend) {
    let (_database, store) = common::open_store(backend, [2u8; 32]).await;
    demo::load(&store).await.unwrap();
    let household = households::Entity::find()
        .one(&store.db)
        .await
        .unwrap()
        .unwrap();
    let user = users::Entity::find().one(&store.db).await.unwrap().unwrap();

    // The schema as it was before the bands: photos are hashed, and nothing indexes them.
    let from_the_bands_on = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261125_000005_photo_hash_bands")
        .unwrap()
        + 1;
    Migrator::down(&store.db, Some(from_the_bands_on as u32))
        .await
        .unwrap();
    // Hashes whose top bit is set are stored as negative integers: the SQL must see the same bits.
    let hashes = [0u64, 0xF3A5_0123_89AB_CDEF, 0x0123_4567_89AB_CDEF, u64::MAX];
    let long_ago = Utc.with_ymd_and_hms(2001, 1, 1, 0, 0, 0).unwrap();
    let mut ids = Vec::new();
    for (i, hash) in hashes.iter().enumerate() {
        let id = uuid::Uuid::now_v7();
        photo_records::ActiveModel {
            id: Set(id),
            household_id: Set(household.id),
            user_id: Set(user.id),
            device_id: Set("before-the-bands".into()),
            sha256: Set(format!("{i:064x}")),
            taken_at: Set(long_ago),
            mock_location: Set(false),
            status: Set("stored".into()),
            version: Set(1),
            dhash: Set(Some(*hash as i64)),
            created_at: Set(long_ago),
            updated_at: Set(long_ago),
            ..Default::default()
        }
        .insert(&store.db)
        .await
        .unwrap();
        ids.push(id);
    }

    Migrator::up(&store.db, None).await.unwrap();
    for (id, hash) in ids.iter().zip(hashes) {
        let stored: Vec<i32> = photo_hash_bands::Entity::find()
            .filter(photo_hash_bands::Column::PhotoId.eq(*id))
            .order_by_asc(photo_hash_bands::Column::Band)
            .all(&store.db)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.value)
            .collect();
        assert_eq!(stored, hash_bands(hash), "{hash:016x}");
    }
}
