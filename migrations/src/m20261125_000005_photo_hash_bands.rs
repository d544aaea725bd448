//! Near-duplicate photos found through an index instead of a scan of every stored hash: each
//! perceptual hash is kept as seven bands (`fieldcheck_domain::evidence::hash_bands`), and two
//! hashes within six bits agree on at least one band. The bands live in a table of their own,
//! filled by inserts: new columns on `photo_records` would need an `UPDATE` of every photo to fill
//! them, which the approved-cycle lock refuses on locked rows and the change log would record as
//! a change to every photo.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PhotoHashBands {
    Table,
    Band,
    Value,
    PhotoId,
}

/// Bits per band but the last (which holds the remaining ten), as the domain crate cuts them
/// (copied, not imported: a migration stays as it was written).
const BAND_BITS: u32 = 9;
/// Bands per hash, as in the domain crate.
const BANDS: u32 = 7;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PhotoHashBands::Table)
                .col(small_integer(PhotoHashBands::Band))
                .col(integer(PhotoHashBands::Value))
                .col(uuid(PhotoHashBands::PhotoId))
                // Looked up by band and value; the photo id makes each row unique.
                .primary_key(
                    Index::create()
                        .col(PhotoHashBands::Band)
                        .col(PhotoHashBands::Value)
                        .col(PhotoHashBands::PhotoId),
                )
                .take(),
        )
        .await?;
        // Photos hashed before this migration. The stored hash is the 64 bits as a signed
        // integer: an arithmetic shift then a mask gives the same bits as the domain's.
        for band in 0..BANDS {
            let shift = BAND_BITS * band;
            let width = if band + 1 == BANDS {
                64 - shift
            } else {
                BAND_BITS
            };
            let mask = (1u64 << width) - 1;
            m.get_connection()
                .execute_unprepared(&format!(
                    "INSERT INTO photo_hash_bands (band, value, photo_id) \
                     SELECT {band}, (dhash >> {shift}) & {mask}, id FROM photo_records \
                     WHERE dhash IS NOT NULL"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PhotoHashBands::Table).take())
            .await
    }
}
