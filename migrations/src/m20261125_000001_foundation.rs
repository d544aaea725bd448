//! Places, the household registry with plans and measures, units, persons and pairings,
//! assessees, users with their scopes, refresh tokens, login throttling and the audit chain.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Places {
    Table,
    Id,
    Code,
    Name,
    Level,
    ParentId,
    DistrictCode,
    Lat,
    Lon,
}
#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Name,
    Kind,
    DistrictCode,
}
#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    Name,
    UnitId,
    Phone,
}
#[derive(DeriveIden)]
enum UnitVillages {
    Table,
    UnitId,
    VillageId,
}
#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
    RegistrationNo,
    VillageId,
    DistrictCode,
    HeadName,
    Phone,
    Address,
    Lat,
    Lon,
    Status,
    ExitYear,
    ResponsiblePersonId,
}
#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    HouseholdId,
    Name,
    Relation,
    IdNumberCipher,
    IdNumberIndex,
    IdNumberMasked,
}
#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    HouseholdId,
    Year,
    Status,
}
#[derive(DeriveIden)]
enum Measures {
    Table,
    Id,
    PlanId,
    Kind,
    Description,
    LeadUnitId,
    ResponsiblePersonId,
    BudgetFen,
    Status,
}
#[derive(DeriveIden)]
enum Assessees {
    Table,
    Id,
    Kind,
    Name,
    DistrictCode,
    UnitId,
    PersonId,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    DistrictCode,
    AssesseeId,
    Disabled,
}
#[derive(DeriveIden)]
enum ScopeGrants {
    Table,
    UserId,
    Kind,
    TargetId,
}
#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    DeviceId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}
#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStart,
    BlockedUntil,
}
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    Actor,
    Action,
    TargetType,
    TargetId,
    Details,
    PrevHash,
    Hash,
}
#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}
#[derive(DeriveIden)]
enum Common {
    Version,
    CreatedAt,
    UpdatedAt,
}

/// Adds the optimistic-concurrency version and the timestamps every editable record carries.
fn versioned(mut t: TableCreateStatement) -> TableCreateStatement {
    t.col(big_integer(Common::Version).default(1))
        .col(timestamp_with_time_zone(Common::CreatedAt))
        .col(timestamp_with_time_zone(Common::UpdatedAt));
    t
}

fn fk(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(versioned(
            Table::create()
                .table(Places::Table)
                .col(pk_uuid(Places::Id))
                .col(string_len_uniq(Places::Code, 12))
                .col(string(Places::Name))
                .col(string_len(Places::Level, 16))
                .col(uuid_null(Places::ParentId))
                .col(string_len_null(Places::DistrictCode, 6))
                .col(double_null(Places::Lat))
                .col(double_null(Places::Lon))
                .foreign_key(&mut fk(
                    "fk_places_parent",
                    (Places::Table, Places::ParentId),
                    (Places::Table, Places::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ix_places_parent")
                .table(Places::Table)
                .col(Places::ParentId)
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Units::Table)
                .col(pk_uuid(Units::Id))
                .col(string_uniq(Units::Name))
                .col(string_len(Units::Kind, 16))
                .col(string_len_null(Units::DistrictCode, 6))
                .take(),
        ))
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Persons::Table)
                .col(pk_uuid(Persons::Id))
                .col(string(Persons::Name))
                .col(uuid(Persons::UnitId))
                .col(string_len_null(Persons::Phone, 16))
                .foreign_key(&mut fk(
                    "fk_persons_unit",
                    (Persons::Table, Persons::UnitId),
                    (Units::Table, Units::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ux_persons_unit_name")
                .table(Persons::Table)
                .col(Persons::UnitId)
                .col(Persons::Name)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UnitVillages::Table)
                .col(uuid(UnitVillages::UnitId))
                .col(uuid(UnitVillages::VillageId))
                .primary_key(
                    Index::create()
                        .col(UnitVillages::UnitId)
                        .col(UnitVillages::VillageId),
                )
                .foreign_key(&mut fk(
                    "fk_uv_unit",
                    (UnitVillages::Table, UnitVillages::UnitId),
                    (Units::Table, Units::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_uv_village",
                    (UnitVillages::Table, UnitVillages::VillageId),
                    (Places::Table, Places::Id),
                ))
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Households::Table)
                .col(pk_uuid(Households::Id))
                .col(string_len_uniq(Households::RegistrationNo, 32))
                .col(uuid(Households::VillageId))
                .col(string_len(Households::DistrictCode, 6))
                .col(string(Households::HeadName))
                .col(string_len_null(Households::Phone, 16))
                .col(string_null(Households::Address))
                .col(double_null(Households::Lat))
                .col(double_null(Households::Lon))
                .col(string_len(Households::Status, 16))
                .col(integer_null(Households::ExitYear))
                .col(uuid_null(Households::ResponsiblePersonId))
                .foreign_key(&mut fk(
                    "fk_households_village",
                    (Households::Table, Households::VillageId),
                    (Places::Table, Places::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_households_person",
                    (Households::Table, Households::ResponsiblePersonId),
                    (Persons::Table, Persons::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ix_households_village")
                .table(Households::Table)
                .col(Households::VillageId)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_households_district")
                .table(Households::Table)
                .col(Households::DistrictCode)
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Members::Table)
                .col(pk_uuid(Members::Id))
                .col(uuid(Members::HouseholdId))
                .col(string(Members::Name))
                .col(string_len(Members::Relation, 32))
                .col(text_null(Members::IdNumberCipher))
                .col(string_len_null(Members::IdNumberIndex, 64))
                .col(string_len_null(Members::IdNumberMasked, 18))
                .foreign_key(&mut fk(
                    "fk_members_household",
                    (Members::Table, Members::HouseholdId),
                    (Households::Table, Households::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ix_members_household")
                .table(Members::Table)
                .col(Members::HouseholdId)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_members_id_index")
                .table(Members::Table)
                .col(Members::IdNumberIndex)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Plans::Table)
                .col(pk_uuid(Plans::Id))
                .col(uuid(Plans::HouseholdId))
                .col(integer(Plans::Year))
                .col(string_len(Plans::Status, 16))
                .foreign_key(&mut fk(
                    "fk_plans_household",
                    (Plans::Table, Plans::HouseholdId),
                    (Households::Table, Households::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ux_plans_household_year")
                .table(Plans::Table)
                .col(Plans::HouseholdId)
                .col(Plans::Year)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Measures::Table)
                .col(pk_uuid(Measures::Id))
                .col(uuid(Measures::PlanId))
                .col(string_len(Measures::Kind, 24))
                .col(string(Measures::Description))
                .col(uuid_null(Measures::LeadUnitId))
                .col(uuid_null(Measures::ResponsiblePersonId))
                .col(big_integer(Measures::BudgetFen))
                .col(string_len(Measures::Status, 16))
                .foreign_key(&mut fk(
                    "fk_measures_plan",
                    (Measures::Table, Measures::PlanId),
                    (Plans::Table, Plans::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_measures_unit",
                    (Measures::Table, Measures::LeadUnitId),
                    (Units::Table, Units::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_measures_person",
                    (Measures::Table, Measures::ResponsiblePersonId),
                    (Persons::Table, Persons::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ix_measures_plan")
                .table(Measures::Table)
                .col(Measures::PlanId)
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Assessees::Table)
                .col(pk_uuid(Assessees::Id))
                .col(string_len(Assessees::Kind, 24))
                .col(string(Assessees::Name))
                .col(string_len_null(Assessees::DistrictCode, 6))
                .col(uuid_null(Assessees::UnitId))
                .col(uuid_null(Assessees::PersonId))
                .foreign_key(&mut fk(
                    "fk_assessees_unit",
                    (Assessees::Table, Assessees::UnitId),
                    (Units::Table, Units::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_assessees_person",
                    (Assessees::Table, Assessees::PersonId),
                    (Persons::Table, Persons::Id),
                ))
                .take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("ux_assessees_kind_name")
                .table(Assessees::Table)
                .col(Assessees::Kind)
                .col(Assessees::Name)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(versioned(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_len_uniq(Users::Username, 64))
                .col(string(Users::DisplayName))
                .col(string(Users::PasswordHash))
                .col(string_len(Users::Role, 24))
                .col(string_len_null(Users::DistrictCode, 6))
                .col(uuid_null(Users::AssesseeId))
                .col(boolean(Users::Disabled).default(false))
                .foreign_key(&mut fk(
                    "fk_users_assessee",
                    (Users::Table, Users::AssesseeId),
                    (Assessees::Table, Assessees::Id),
                ))
                .take(),
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ScopeGrants::Table)
                .col(uuid(ScopeGrants::UserId))
                .col(string_len(ScopeGrants::Kind, 16))
                .col(uuid(ScopeGrants::TargetId))
                .primary_key(
                    Index::create()
                        .col(ScopeGrants::UserId)
                        .col(ScopeGrants::Kind)
                        .col(ScopeGrants::TargetId),
                )
                .foreign_key(&mut fk(
                    "fk_grants_user",
                    (ScopeGrants::Table, ScopeGrants::UserId),
                    (Users::Table, Users::Id),
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(pk_uuid(RefreshTokens::Id))
                .col(uuid(RefreshTokens::UserId))
                .col(uuid(RefreshTokens::FamilyId))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(string_len(RefreshTokens::DeviceId, 128))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .foreign_key(&mut fk(
                    "fk_refresh_user",
                    (RefreshTokens::Table, RefreshTokens::UserId),
                    (Users::Table, Users::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(string_len(LoginThrottle::Key, 200).primary_key())
                .col(integer(LoginThrottle::Failures))
                .col(timestamp_with_time_zone(LoginThrottle::WindowStart))
                .col(timestamp_with_time_zone_null(LoginThrottle::BlockedUntil))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_integer(AuditLog::Seq).primary_key())
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string_len_null(AuditLog::Actor, 64))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::TargetType, 32))
                .col(string_len(AuditLog::TargetId, 64))
                .col(text(AuditLog::Details))
                .col(string_len(AuditLog::PrevHash, 64))
                .col(string_len(AuditLog::Hash, 64))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_target")
                .table(AuditLog::Table)
                .col(AuditLog::TargetType)
                .col(AuditLog::TargetId)
                .take(),
        )
        .await?;

        // One row holding the chain's head. Appending updates it first, which serialises
        // concurrent appenders on PostgreSQL (row lock) as SQLite's single writer does anyway.
        m.create_table(
            Table::create()
                .table(AuditHead::Table)
                .col(integer(AuditHead::Id).primary_key())
                .col(big_integer(AuditHead::Seq))
                .col(string_len(AuditHead::Hash, 64))
                .take(),
        )
        .await?;
        let genesis = Query::insert()
            .into_table(AuditHead::Table)
            .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
            .values_panic([1.into(), 0i64.into(), "0".repeat(64).into()])
            .to_owned();
        m.exec_stmt(genesis).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditHead::Table.into_iden(),
            AuditLog::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            ScopeGrants::Table.into_iden(),
            Users::Table.into_iden(),
            Assessees::Table.into_iden(),
            Measures::Table.into_iden(),
            Plans::Table.into_iden(),
            Members::Table.into_iden(),
            Households::Table.into_iden(),
            UnitVillages::Table.into_iden(),
            Persons::Table.into_iden(),
            Units::Table.into_iden(),
            Places::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
