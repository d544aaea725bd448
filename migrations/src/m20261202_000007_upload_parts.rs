//! The parts of unfinished resumable uploads, kept in the database so that any server node can
//! continue an upload another one began: one row per accepted chunk, naming the blob object that
//! holds the chunk's bytes. The whole length the first chunk declared is repeated on every row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UploadParts {
    Table,
    PhotoId,
    Offset,
    Length,
    Total,
    ObjectKey,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UploadParts::Table)
                .col(uuid(UploadParts::PhotoId))
                .col(big_integer(UploadParts::Offset))
                .col(big_integer(UploadParts::Length))
                .col(big_integer(UploadParts::Total))
                .col(string_len(UploadParts::ObjectKey, 255))
                .col(timestamp_with_time_zone(UploadParts::CreatedAt))
                // One part per offset: two chunks at the same offset cannot both be recorded.
                .primary_key(
                    Index::create()
                        .col(UploadParts::PhotoId)
                        .col(UploadParts::Offset),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("upload_parts_created_at")
                .table(UploadParts::Table)
                .col(UploadParts::CreatedAt)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UploadParts::Table).take())
            .await
    }
}
