//! The schema of fieldcheck as sea-orm migrations. The same migrations run on SQLite (the embedded
//! default) and PostgreSQL (production); nothing here is backend-specific. Seed and demo data are
//! data loaded by the `fieldcheck demo` command, never migrations.
#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_sync;
mod m20261125_000003_photos;
mod m20261125_000004_assessment;
mod m20261125_000005_photo_hash_bands;
mod m20261201_000006_token_kinds_and_instants;
mod m20261202_000007_upload_parts;

pub use m20261125_000004_assessment::LOCKED_MESSAGE;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_sync::Migration),
            Box::new(m20261125_000003_photos::Migration),
            Box::new(m20261125_000004_assessment::Migration),
            Box::new(m20261125_000005_photo_hash_bands::Migration),
            Box::new(m20261201_000006_token_kinds_and_instants::Migration),
            Box::new(m20261202_000007_upload_parts::Migration),
        ]
    }
}
