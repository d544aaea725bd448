//! sea-orm entities, one module per table. Relations are expressed as explicit queries in the
//! repository modules, which keeps scope conditions visible where they are applied.

/// Administrative places (district, town, village).
pub mod places {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "places")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub code: String,
        pub name: String,
        pub level: String,
        pub parent_id: Option<Uuid>,
        pub district_code: Option<String>,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Lead departments and paired-assistance units.
pub mod units {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "units")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub kind: String,
        pub district_code: Option<String>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Responsible persons of units.
pub mod persons {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "persons")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub unit_id: Uuid,
        pub phone: Option<String>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which paired unit helps which village.
pub mod unit_villages {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "unit_villages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub village_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Registered poor households.
pub mod households {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "households")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub registration_no: String,
        pub village_id: Uuid,
        pub district_code: String,
        pub head_name: String,
        pub phone: Option<String>,
        pub address: Option<String>,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub status: String,
        pub exit_year: Option<i32>,
        pub responsible_person_id: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub field_versions: String,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::members::Entity")]
        Members,
    }

    impl Related<super::members::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Members.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Members of registered households; ID numbers encrypted.
pub mod members {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub household_id: Uuid,
        pub name: String,
        pub relation: String,
        #[sea_orm(column_type = "Text")]
        pub id_number_cipher: Option<String>,
        pub id_number_index: Option<String>,
        pub id_number_masked: Option<String>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::households::Entity",
            from = "Column::HouseholdId",
            to = "super::households::Column::Id"
        )]
        Household,
    }

    impl Related<super::households::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Household.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// One-household-one-policy plans, one per household and year.
pub mod plans {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub household_id: Uuid,
        pub year: i32,
        pub status: String,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::measures::Entity")]
        Measures,
    }

    impl Related<super::measures::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Measures.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Assistance measures of a plan.
pub mod measures {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "measures")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub plan_id: Uuid,
        pub kind: String,
        pub description: String,
        pub lead_unit_id: Option<Uuid>,
        pub responsible_person_id: Option<Uuid>,
        pub budget_fen: i64,
        pub status: String,
        #[sea_orm(column_type = "Text")]
        pub field_versions: String,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::plans::Entity",
            from = "Column::PlanId",
            to = "super::plans::Column::Id"
        )]
        Plan,
    }

    impl Related<super::plans::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Plan.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Who is assessed.
pub mod assessees {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "assessees")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub name: String,
        pub district_code: Option<String>,
        pub unit_id: Option<Uuid>,
        pub person_id: Option<Uuid>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// User accounts.
pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub username: String,
        pub display_name: String,
        pub password_hash: String,
        pub role: String,
        pub district_code: Option<String>,
        pub assessee_id: Option<Uuid>,
        pub disabled: bool,
        pub unit_id: Option<Uuid>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Villages or households a field user is given.
pub mod scope_grants {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "scope_grants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub target_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Refresh tokens, stored only as hashes, grouped in rotation families.
pub mod refresh_tokens {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub family_id: Uuid,
        pub token_hash: String,
        pub device_id: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub kind: TokenKind,
    }

    /// What a stored token opens. The kinds never stand in for each other: a session's value is
    /// not a refresh token, and a refresh token is not a session cookie.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
    pub enum TokenKind {
        /// A device's sign-in through the API: rotated on every `POST /auth/refresh`.
        #[sea_orm(string_value = "device")]
        Device,
        /// A browser's session on the office pages: never rotated, never refreshed.
        #[sea_orm(string_value = "session")]
        Session,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Failed sign-in counters per account and per address.
pub mod login_throttle {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "login_throttle")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub failures: i32,
        pub window_start: DateTimeUtc,
        pub blocked_until: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The append-only, hash-chained audit log.
pub mod audit_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub at: DateTimeUtc,
        pub actor: Option<String>,
        pub action: String,
        pub target_type: String,
        pub target_id: String,
        #[sea_orm(column_type = "Text")]
        pub details: String,
        pub prev_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The audit chain's head (one row).
pub mod audit_head {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub seq: i64,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The change log that pulls read; written by triggers.
pub mod changes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "changes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub entity: String,
        pub record_id: Uuid,
        pub household_id: Option<Uuid>,
        pub village_id: Option<Uuid>,
        pub district_code: Option<String>,
        pub user_id: Option<Uuid>,
        pub op: String,
        pub at: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Household visits recorded on devices.
pub mod visits {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub household_id: Uuid,
        pub user_id: Uuid,
        pub device_id: String,
        pub started_at: DateTimeUtc,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub accuracy_m: Option<f64>,
        pub mock_location: bool,
        #[sea_orm(column_type = "Text")]
        pub checklist: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub notes: Option<String>,
        pub status: String,
        pub clock_skew_secs: Option<i32>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        #[sea_orm(column_type = "Text", nullable)]
        pub review_comments: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Photo records pushed by devices (bytes arrive through the media upload).
pub mod photo_records {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "photo_records")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub household_id: Uuid,
        pub visit_id: Option<Uuid>,
        pub measure_id: Option<Uuid>,
        pub user_id: Uuid,
        pub device_id: String,
        pub sha256: String,
        pub taken_at: DateTimeUtc,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub accuracy_m: Option<f64>,
        pub mock_location: bool,
        pub status: String,
        pub clock_skew_secs: Option<i32>,
        pub version: i64,
        pub size_bytes: Option<i64>,
        pub exif_lat: Option<f64>,
        pub exif_lon: Option<f64>,
        pub exif_altitude_m: Option<f64>,
        pub exif_taken_at: Option<DateTimeUtc>,
        pub exif_offset_from_file: bool,
        pub orientation: Option<i32>,
        pub make: Option<String>,
        pub model: Option<String>,
        pub width: Option<i32>,
        pub height: Option<i32>,
        pub dhash: Option<i64>,
        pub original_key: Option<String>,
        pub thumb_key: Option<String>,
        pub screen_key: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub flags: String,
        pub review_status: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub review_reason: Option<String>,
        pub reviewed_by: Option<Uuid>,
        pub reviewed_at: Option<DateTimeUtc>,
        pub stored_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The bands of each stored perceptual hash, for finding near duplicates by an index.
pub mod photo_hash_bands {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "photo_hash_bands")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub band: i16,
        #[sea_orm(primary_key, auto_increment = false)]
        pub value: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub photo_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One accepted chunk of an unfinished resumable upload; its bytes are the blob `object_key`.
pub mod upload_parts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "upload_parts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub photo_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub offset: i64,
        pub length: i64,
        pub total: i64,
        pub object_key: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every mutation applied from a device, with its result, so a replay answers the same.
pub mod sync_mutations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sync_mutations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub mutation_id: Uuid,
        pub user_id: Uuid,
        pub device_id: String,
        pub entity: String,
        pub record_id: Option<Uuid>,
        pub op: String,
        #[sea_orm(column_type = "Text")]
        pub result: String,
        pub received_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Conflicts between a device's edit and the office's, kept for the office to resolve.
pub mod sync_conflicts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "sync_conflicts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub entity: String,
        pub record_id: Uuid,
        pub field: String,
        #[sea_orm(column_type = "Text")]
        pub device_value: String,
        #[sea_orm(column_type = "Text")]
        pub server_value: String,
        pub base_version: i64,
        pub server_version: i64,
        pub mutation_id: Uuid,
        pub user_id: Uuid,
        pub device_id: String,
        pub created_at: DateTimeUtc,
        pub resolved_at: Option<DateTimeUtc>,
        pub resolved_by: Option<Uuid>,
        pub resolution: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Score-sheet templates, one revision per edit.
pub mod templates {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "templates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub year: i32,
        pub kind: String,
        pub revision: i32,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Yearly assessment cycles.
pub mod cycles {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cycles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub year: i32,
        pub step: String,
        pub combine_rule: String,
        pub pass_threshold: i32,
        pub window_start: DateTimeUtc,
        pub window_end: DateTimeUtc,
        #[sea_orm(column_type = "Text")]
        pub step_dates: String,
        pub locked_at: Option<DateTimeUtc>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Assessees' self-reports per category.
pub mod self_reports {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "self_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub cycle_id: Uuid,
        pub assessee_id: Uuid,
        pub category_code: String,
        #[sea_orm(column_type = "Text")]
        pub summary: String,
        #[sea_orm(column_type = "Text")]
        pub materials: String,
        pub status: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub review_comment: Option<String>,
        pub submitted_by: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which assessees a commissioned evaluator may score.
pub mod commissions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "commissions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub cycle_id: Uuid,
        pub user_id: Uuid,
        pub assessee_id: Uuid,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Evaluators' item scores; a re-score is a new revision.
pub mod scores {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "scores")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub cycle_id: Uuid,
        pub assessee_id: Uuid,
        pub item_code: String,
        pub evaluator_id: Uuid,
        pub score: i32,
        pub method: String,
        #[sea_orm(column_type = "Text")]
        pub comment: String,
        #[sea_orm(column_type = "Text")]
        pub evidence: String,
        pub revision: i32,
        pub current: bool,
        #[sea_orm(column_type = "Text", nullable)]
        pub correction_reason: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Field tasks given to inspectors and survey teams.
pub mod assignments {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "assignments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub cycle_id: Uuid,
        pub user_id: Uuid,
        pub method: String,
        pub target_kind: String,
        pub target_id: Uuid,
        pub due_on: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub created_by: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Reproducible household samples.
pub mod samples {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "samples")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub cycle_id: Uuid,
        pub name: String,
        pub seed: String,
        #[sea_orm(column_type = "Text")]
        pub size: String,
        pub district_code: Option<String>,
        pub candidates: i32,
        pub drawn: i32,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The households a sample drew.
pub mod sample_households {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sample_households")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sample_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub household_id: Uuid,
        pub stratum: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Versioned satisfaction questionnaires.
pub mod questionnaires {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "questionnaires")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub code: String,
        pub version: i32,
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Satisfaction survey responses.
pub mod responses {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "responses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub cycle_id: Uuid,
        pub questionnaire_id: Uuid,
        pub household_id: Uuid,
        pub plan_id: Option<Uuid>,
        pub person_id: Option<Uuid>,
        pub user_id: Uuid,
        pub device_id: String,
        #[sea_orm(column_type = "Text")]
        pub answers: String,
        pub satisfied: Option<bool>,
        pub status: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub review_comments: Option<String>,
        pub clock_skew_secs: Option<i32>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which assessees' satisfaction a response feeds.
pub mod response_assessees {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "response_assessees")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub response_id: Uuid,
        pub cycle_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub assessee_id: Uuid,
        pub satisfied: Option<bool>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Totals and grades per assessee and cycle.
pub mod results {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "results")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub cycle_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub assessee_id: Uuid,
        pub total: i32,
        pub suggested: String,
        pub decided: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub reason: Option<String>,
        pub decided_by: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub breakdown: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Earlier versions of corrected records (visits, responses), kept for their history.
pub mod record_versions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "record_versions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub entity: String,
        pub record_id: Uuid,
        pub version: i64,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub changed_by: Option<Uuid>,
        pub changed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
