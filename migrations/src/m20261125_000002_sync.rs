//! Offline sync: the change log every pull reads (filled by triggers, so no write path can forget
//! it), device-created visits and photo records, the mutation log that makes pushes idempotent,
//! recorded conflicts, and per-field versions for merging.
//!
//! The change log's sequence is taken from a one-row counter (`change_head`) that each writing
//! transaction updates; the row lock is held until commit, so sequence numbers are assigned in
//! commit order and a reader that sees number N has already seen every number below it. See
//! `api-spec/sync.md` for the argument.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Changes {
    Table,
    Seq,
    Entity,
    RecordId,
    HouseholdId,
    VillageId,
    DistrictCode,
    UserId,
    Op,
    At,
}
#[derive(DeriveIden)]
enum ChangeHead {
    Table,
    Id,
    Seq,
}
#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    HouseholdId,
    UserId,
    DeviceId,
    StartedAt,
    Lat,
    Lon,
    AccuracyM,
    MockLocation,
    Checklist,
    Notes,
    Status,
    ClockSkewSecs,
    Version,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum PhotoRecords {
    Table,
    Id,
    HouseholdId,
    VisitId,
    MeasureId,
    UserId,
    DeviceId,
    Sha256,
    TakenAt,
    Lat,
    Lon,
    AccuracyM,
    MockLocation,
    Status,
    ClockSkewSecs,
    Version,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum SyncMutations {
    Table,
    MutationId,
    UserId,
    DeviceId,
    Entity,
    RecordId,
    Op,
    Result,
    ReceivedAt,
}
#[derive(DeriveIden)]
enum SyncConflicts {
    Table,
    Id,
    Entity,
    RecordId,
    Field,
    DeviceValue,
    ServerValue,
    BaseVersion,
    ServerVersion,
    MutationId,
    UserId,
    DeviceId,
    CreatedAt,
    ResolvedAt,
    ResolvedBy,
    Resolution,
}
#[derive(DeriveIden)]
enum Households {
    Table,
    FieldVersions,
}
#[derive(DeriveIden)]
enum Measures {
    Table,
    FieldVersions,
}

/// How each table's rows map to change-log columns: (table, entity, household expr, village
/// expr, district expr, user expr), with `R.` standing for the row (NEW or OLD).
pub(crate) type ChangeSource = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const SOURCES: &[ChangeSource] = &[
    ("places", "place", "NULL", "NULL", "NULL", "NULL"),
    ("units", "unit", "NULL", "NULL", "NULL", "NULL"),
    ("persons", "person", "NULL", "NULL", "NULL", "NULL"),
    (
        "households",
        "household",
        "R.id",
        "R.village_id",
        "R.district_code",
        "NULL",
    ),
    (
        "members",
        "member",
        "R.household_id",
        "(SELECT village_id FROM households WHERE id = R.household_id)",
        "(SELECT district_code FROM households WHERE id = R.household_id)",
        "NULL",
    ),
    (
        "plans",
        "plan",
        "R.household_id",
        "(SELECT village_id FROM households WHERE id = R.household_id)",
        "(SELECT district_code FROM households WHERE id = R.household_id)",
        "NULL",
    ),
    (
        "measures",
        "measure",
        "(SELECT household_id FROM plans WHERE id = R.plan_id)",
        "(SELECT h.village_id FROM households h JOIN plans p ON p.household_id = h.id WHERE p.id = R.plan_id)",
        "(SELECT h.district_code FROM households h JOIN plans p ON p.household_id = h.id WHERE p.id = R.plan_id)",
        "NULL",
    ),
    (
        "visits",
        "visit",
        "R.household_id",
        "(SELECT village_id FROM households WHERE id = R.household_id)",
        "(SELECT district_code FROM households WHERE id = R.household_id)",
        "R.user_id",
    ),
    (
        "photo_records",
        "photo",
        "R.household_id",
        "(SELECT village_id FROM households WHERE id = R.household_id)",
        "(SELECT district_code FROM households WHERE id = R.household_id)",
        "R.user_id",
    ),
];

fn sqlite_triggers() -> Vec<String> {
    let mut out = sqlite_table_triggers(SOURCES);
    // Scope changes: the households a grant adds or removes reach that user alone.
    for (event, row) in [("INSERT", "NEW"), ("DELETE", "OLD")] {
        out.push(format!(
            "CREATE TRIGGER fc_chg_grants_{ev} AFTER {event} ON scope_grants BEGIN \
             INSERT INTO changes (seq, entity, record_id, household_id, village_id, district_code, user_id, op, at) \
             SELECT (SELECT seq FROM change_head WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY h.id), 'household', h.id, h.id, h.village_id, h.district_code, {row}.user_id, 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             FROM households h WHERE ({row}.kind = 'household' AND h.id = {row}.target_id) OR ({row}.kind = 'village' AND h.village_id = {row}.target_id); \
             UPDATE change_head SET seq = (SELECT COALESCE(MAX(seq), 0) FROM changes) WHERE id = 1; END",
            ev = event.to_lowercase()
        ));
    }
    out
}

/// SQLite triggers that write each table's inserts, updates and deletes to the change log.
pub(crate) fn sqlite_table_triggers(sources: &[ChangeSource]) -> Vec<String> {
    let mut out = Vec::new();
    let insert = |entity: &str, row: &str, h: &str, v: &str, d: &str, u: &str, op: &str| {
        let f = |e: &str| e.replace("R.", &format!("{row}."));
        format!(
            "UPDATE change_head SET seq = seq + 1 WHERE id = 1; \
             INSERT INTO changes (seq, entity, record_id, household_id, village_id, district_code, user_id, op, at) \
             SELECT seq, '{entity}', {row}.{idcol}, {h}, {v}, {d}, {u}, '{op}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM change_head WHERE id = 1;",
            idcol = "id",
            h = f(h),
            v = f(v),
            d = f(d),
            u = f(u),
        )
    };
    for (table, entity, h, v, d, u) in sources {
        out.push(format!(
            "CREATE TRIGGER fc_chg_{table}_ins AFTER INSERT ON {table} BEGIN {} END",
            insert(entity, "NEW", h, v, d, u, "upsert")
        ));
        let mut upd = insert(entity, "NEW", h, v, d, u, "upsert");
        if *table == "households" {
            // A household moved to another village must reach, as a removal, those who see the old one.
            upd.push_str(
                " INSERT INTO changes (seq, entity, record_id, household_id, village_id, district_code, user_id, op, at) \
                 SELECT seq + 1, 'household', NEW.id, NEW.id, OLD.village_id, OLD.district_code, NULL, 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 FROM change_head WHERE id = 1 AND OLD.village_id <> NEW.village_id; \
                 UPDATE change_head SET seq = seq + 1 WHERE id = 1 AND OLD.village_id <> NEW.village_id; \
                 INSERT INTO changes (seq, entity, record_id, household_id, village_id, district_code, user_id, op, at) \
                 SELECT seq + 1, 'household', NEW.id, NEW.id, NEW.village_id, NEW.district_code, NULL, 'moved', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 FROM change_head WHERE id = 1 AND OLD.village_id <> NEW.village_id; \
                 UPDATE change_head SET seq = seq + 1 WHERE id = 1 AND OLD.village_id <> NEW.village_id;"
            );
        }
        out.push(format!(
            "CREATE TRIGGER fc_chg_{table}_upd AFTER UPDATE ON {table} BEGIN {upd} END"
        ));
        out.push(format!(
            "CREATE TRIGGER fc_chg_{table}_del AFTER DELETE ON {table} BEGIN {} END",
            insert(entity, "OLD", h, v, d, u, "delete")
        ));
    }
    out
}

fn postgres_functions() -> Vec<String> {
    // Numbers come from a sequence, but only while the transaction holds the counter row's lock
    // (taken here, and first thing by every writer of the store), which it keeps until commit:
    // so numbers are handed out in commit order. Updating the counter row instead would make the
    // same order, but PostgreSQL keeps a row version per update, and a transaction writing a
    // million rows would walk an ever longer chain of them.
    let mut out = vec![
        "CREATE SEQUENCE fc_change_seq".to_owned(),
        "CREATE FUNCTION fc_record_change(p_entity text, p_id uuid, p_household uuid, p_village uuid, p_district text, p_user uuid, p_op text) \
         RETURNS void AS $$ BEGIN \
           PERFORM 1 FROM change_head WHERE id = 1 FOR UPDATE; \
           INSERT INTO changes (seq, entity, record_id, household_id, village_id, district_code, user_id, op, at) \
           VALUES (nextval('fc_change_seq'), p_entity, p_id, p_household, p_village, p_district, p_user, p_op, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')); \
         END $$ LANGUAGE plpgsql"
            .to_owned(),
    ];
    out.extend(postgres_table_triggers(SOURCES));
    out.push(
        "CREATE FUNCTION fc_chg_grants() RETURNS trigger AS $$ DECLARE g record; h record; BEGIN \
         IF TG_OP = 'DELETE' THEN g := OLD; ELSE g := NEW; END IF; \
         FOR h IN SELECT id, village_id, district_code FROM households \
             WHERE (g.kind = 'household' AND id = g.target_id) OR (g.kind = 'village' AND village_id = g.target_id) ORDER BY id LOOP \
           PERFORM fc_record_change('household', h.id, h.id, h.village_id, h.district_code, g.user_id, 'upsert'); \
         END LOOP; RETURN g; END $$ LANGUAGE plpgsql"
            .to_owned(),
    );
    out.push("CREATE TRIGGER fc_chg_grants AFTER INSERT OR DELETE ON scope_grants FOR EACH ROW EXECUTE FUNCTION fc_chg_grants()".to_owned());
    out
}

/// PostgreSQL trigger functions that write each table's changes to the change log.
pub(crate) fn postgres_table_triggers(sources: &[ChangeSource]) -> Vec<String> {
    let mut out = Vec::new();
    for (table, entity, h, v, d, u) in sources {
        let call = |row: &str, op: &str| {
            let f = |e: &str| e.replace("R.", &format!("{row}."));
            format!(
                "PERFORM fc_record_change('{entity}', {row}.id, {}, {}, {}, {}, '{op}');",
                f(h),
                f(v),
                f(d),
                f(u)
            )
        };
        let moved = if *table == "households" {
            "IF TG_OP = 'UPDATE' AND OLD.village_id <> NEW.village_id THEN \
             PERFORM fc_record_change('household', NEW.id, NEW.id, OLD.village_id, OLD.district_code, NULL, 'upsert'); \
             PERFORM fc_record_change('household', NEW.id, NEW.id, NEW.village_id, NEW.district_code, NULL, 'moved'); END IF;"
        } else {
            ""
        };
        out.push(format!(
            "CREATE FUNCTION fc_chg_{table}() RETURNS trigger AS $$ BEGIN \
             IF TG_OP = 'DELETE' THEN {del} RETURN OLD; END IF; {ups} {moved} RETURN NEW; END $$ LANGUAGE plpgsql",
            del = call("OLD", "delete"),
            ups = call("NEW", "upsert"),
        ));
        out.push(format!(
            "CREATE TRIGGER fc_chg_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION fc_chg_{table}()"
        ));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Changes::Table)
                .col(big_integer(Changes::Seq).primary_key())
                .col(string_len(Changes::Entity, 16))
                .col(uuid(Changes::RecordId))
                .col(uuid_null(Changes::HouseholdId))
                .col(uuid_null(Changes::VillageId))
                .col(string_len_null(Changes::DistrictCode, 6))
                .col(uuid_null(Changes::UserId))
                .col(string_len(Changes::Op, 8))
                .col(string_len(Changes::At, 32))
                .take(),
        )
        .await?;
        for (name, col) in [
            ("ix_changes_village", Changes::VillageId),
            ("ix_changes_household", Changes::HouseholdId),
            ("ix_changes_user", Changes::UserId),
            ("ix_changes_district", Changes::DistrictCode),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Changes::Table)
                    .col(col)
                    .col(Changes::Seq)
                    .take(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(ChangeHead::Table)
                .col(integer(ChangeHead::Id).primary_key())
                .col(big_integer(ChangeHead::Seq))
                .take(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(ChangeHead::Table)
                .columns([ChangeHead::Id, ChangeHead::Seq])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Visits::Table)
                .col(pk_uuid(Visits::Id))
                .col(uuid(Visits::HouseholdId))
                .col(uuid(Visits::UserId))
                .col(string_len(Visits::DeviceId, 128))
                .col(timestamp_with_time_zone(Visits::StartedAt))
                .col(double_null(Visits::Lat))
                .col(double_null(Visits::Lon))
                .col(double_null(Visits::AccuracyM))
                .col(boolean(Visits::MockLocation).default(false))
                .col(text(Visits::Checklist))
                .col(text_null(Visits::Notes))
                .col(string_len(Visits::Status, 16))
                .col(integer_null(Visits::ClockSkewSecs))
                .col(big_integer(Visits::Version).default(1))
                .col(timestamp_with_time_zone(Visits::CreatedAt))
                .col(timestamp_with_time_zone(Visits::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visits_household")
                        .from(Visits::Table, Visits::HouseholdId)
                        .to(Alias::new("households"), Alias::new("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visits_user")
                        .from(Visits::Table, Visits::UserId)
                        .to(Alias::new("users"), Alias::new("id")),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_visits_household")
                .table(Visits::Table)
                .col(Visits::HouseholdId)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PhotoRecords::Table)
                .col(pk_uuid(PhotoRecords::Id))
                .col(uuid(PhotoRecords::HouseholdId))
                .col(uuid_null(PhotoRecords::VisitId))
                .col(uuid_null(PhotoRecords::MeasureId))
                .col(uuid(PhotoRecords::UserId))
                .col(string_len(PhotoRecords::DeviceId, 128))
                .col(string_len(PhotoRecords::Sha256, 64))
                .col(timestamp_with_time_zone(PhotoRecords::TakenAt))
                .col(double_null(PhotoRecords::Lat))
                .col(double_null(PhotoRecords::Lon))
                .col(double_null(PhotoRecords::AccuracyM))
                .col(boolean(PhotoRecords::MockLocation).default(false))
                .col(string_len(PhotoRecords::Status, 24))
                .col(integer_null(PhotoRecords::ClockSkewSecs))
                .col(big_integer(PhotoRecords::Version).default(1))
                .col(timestamp_with_time_zone(PhotoRecords::CreatedAt))
                .col(timestamp_with_time_zone(PhotoRecords::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_photos_household")
                        .from(PhotoRecords::Table, PhotoRecords::HouseholdId)
                        .to(Alias::new("households"), Alias::new("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_photos_visit")
                        .from(PhotoRecords::Table, PhotoRecords::VisitId)
                        .to(Visits::Table, Visits::Id),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_photos_sha")
                .table(PhotoRecords::Table)
                .col(PhotoRecords::Sha256)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SyncMutations::Table)
                .col(pk_uuid(SyncMutations::MutationId))
                .col(uuid(SyncMutations::UserId))
                .col(string_len(SyncMutations::DeviceId, 128))
                .col(string_len(SyncMutations::Entity, 16))
                .col(uuid_null(SyncMutations::RecordId))
                .col(string_len(SyncMutations::Op, 16))
                .col(text(SyncMutations::Result))
                .col(timestamp_with_time_zone(SyncMutations::ReceivedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SyncConflicts::Table)
                .col(pk_uuid(SyncConflicts::Id))
                .col(string_len(SyncConflicts::Entity, 16))
                .col(uuid(SyncConflicts::RecordId))
                .col(string_len(SyncConflicts::Field, 64))
                .col(text(SyncConflicts::DeviceValue))
                .col(text(SyncConflicts::ServerValue))
                .col(big_integer(SyncConflicts::BaseVersion))
                .col(big_integer(SyncConflicts::ServerVersion))
                .col(uuid(SyncConflicts::MutationId))
                .col(uuid(SyncConflicts::UserId))
                .col(string_len(SyncConflicts::DeviceId, 128))
                .col(timestamp_with_time_zone(SyncConflicts::CreatedAt))
                .col(timestamp_with_time_zone_null(SyncConflicts::ResolvedAt))
                .col(uuid_null(SyncConflicts::ResolvedBy))
                .col(string_len_null(SyncConflicts::Resolution, 16))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_conflicts_record")
                .table(SyncConflicts::Table)
                .col(SyncConflicts::RecordId)
                .take(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(Households::Table)
                .add_column(text(Households::FieldVersions).default("{}"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Measures::Table)
                .add_column(text(Measures::FieldVersions).default("{}"))
                .take(),
        )
        .await?;

        let db = m.get_connection();
        let statements = match m.get_database_backend() {
            DatabaseBackend::Postgres => postgres_functions(),
            _ => sqlite_triggers(),
        };
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        // Records that exist already (an installation upgraded from before sync) enter the log
        // once, so a device's first sync receives them.
        for (table, entity, h, v, d, u) in SOURCES {
            let f = |e: &str| e.replace("R.", "r.");
            db.execute_unprepared(&format!(
                "INSERT INTO changes (seq, entity, record_id, household_id, village_id, district_code, user_id, op, at) \
                 SELECT (SELECT seq FROM change_head WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY r.id), '{entity}', r.id, {}, {}, {}, {}, 'upsert', '1970-01-01T00:00:00Z' FROM {table} r",
                f(h),
                f(v),
                f(d),
                f(u)
            ))
            .await?;
            db.execute_unprepared("UPDATE change_head SET seq = (SELECT COALESCE(MAX(seq), 0) FROM changes) WHERE id = 1").await?;
        }
        if m.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("SELECT setval('fc_change_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM changes), false)").await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DatabaseBackend::Postgres {
            for (table, ..) in SOURCES {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS fc_chg_{table} ON {table}; DROP FUNCTION IF EXISTS fc_chg_{table}()")).await?;
            }
            db.execute_unprepared("DROP TRIGGER IF EXISTS fc_chg_grants ON scope_grants; DROP FUNCTION IF EXISTS fc_chg_grants(); DROP FUNCTION IF EXISTS fc_record_change(text, uuid, uuid, uuid, text, uuid, text); DROP SEQUENCE IF EXISTS fc_change_seq").await?;
        } else {
            for (table, ..) in SOURCES {
                for ev in ["ins", "upd", "del"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS fc_chg_{table}_{ev}"))
                        .await?;
                }
            }
            db.execute_unprepared("DROP TRIGGER IF EXISTS fc_chg_grants_insert; DROP TRIGGER IF EXISTS fc_chg_grants_delete").await?;
        }
        m.alter_table(
            Table::alter()
                .table(Measures::Table)
                .drop_column(Measures::FieldVersions)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Households::Table)
                .drop_column(Households::FieldVersions)
                .take(),
        )
        .await?;
        for t in [
            SyncConflicts::Table.into_iden(),
            SyncMutations::Table.into_iden(),
            PhotoRecords::Table.into_iden(),
            Visits::Table.into_iden(),
            ChangeHead::Table.into_iden(),
            Changes::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
