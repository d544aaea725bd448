//! What the server learns when a photo's bytes arrive: EXIF facts, derivatives' keys, the
//! perceptual hash, the flags, and the office's review.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PhotoRecords {
    Table,
    SizeBytes,
    ExifLat,
    ExifLon,
    ExifAltitudeM,
    ExifTakenAt,
    ExifOffsetFromFile,
    Orientation,
    Make,
    Model,
    Width,
    Height,
    Dhash,
    OriginalKey,
    ThumbKey,
    ScreenKey,
    Flags,
    ReviewStatus,
    ReviewReason,
    ReviewedBy,
    ReviewedAt,
    StoredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let cols = [
            big_integer_null(PhotoRecords::SizeBytes),
            double_null(PhotoRecords::ExifLat),
            double_null(PhotoRecords::ExifLon),
            double_null(PhotoRecords::ExifAltitudeM),
            timestamp_with_time_zone_null(PhotoRecords::ExifTakenAt),
            boolean(PhotoRecords::ExifOffsetFromFile)
                .default(false)
                .take(),
            integer_null(PhotoRecords::Orientation),
            string_len_null(PhotoRecords::Make, 64),
            string_len_null(PhotoRecords::Model, 64),
            integer_null(PhotoRecords::Width),
            integer_null(PhotoRecords::Height),
            big_integer_null(PhotoRecords::Dhash),
            string_len_null(PhotoRecords::OriginalKey, 200),
            string_len_null(PhotoRecords::ThumbKey, 200),
            string_len_null(PhotoRecords::ScreenKey, 200),
            text(PhotoRecords::Flags).default("[]").take(),
            string_len(PhotoRecords::ReviewStatus, 16)
                .default("pending")
                .take(),
            text_null(PhotoRecords::ReviewReason),
            uuid_null(PhotoRecords::ReviewedBy),
            timestamp_with_time_zone_null(PhotoRecords::ReviewedAt),
            timestamp_with_time_zone_null(PhotoRecords::StoredAt),
        ];
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        for mut c in cols {
            m.alter_table(
                Table::alter()
                    .table(PhotoRecords::Table)
                    .add_column(&mut c)
                    .take(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_photos_household")
                .table(PhotoRecords::Table)
                .col(Alias::new("household_id"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_photos_household")
                .table(PhotoRecords::Table)
                .to_owned(),
        )
        .await?;
        for c in [
            PhotoRecords::SizeBytes,
            PhotoRecords::ExifLat,
            PhotoRecords::ExifLon,
            PhotoRecords::ExifAltitudeM,
            PhotoRecords::ExifTakenAt,
            PhotoRecords::ExifOffsetFromFile,
            PhotoRecords::Orientation,
            PhotoRecords::Make,
            PhotoRecords::Model,
            PhotoRecords::Width,
            PhotoRecords::Height,
            PhotoRecords::Dhash,
            PhotoRecords::OriginalKey,
            PhotoRecords::ThumbKey,
            PhotoRecords::ScreenKey,
            PhotoRecords::Flags,
            PhotoRecords::ReviewStatus,
            PhotoRecords::ReviewReason,
            PhotoRecords::ReviewedBy,
            PhotoRecords::ReviewedAt,
            PhotoRecords::StoredAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(PhotoRecords::Table)
                    .drop_column(c)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
