//! The assessment: score-sheet templates, yearly cycles, self-reports, evaluators' commissions and
//! scores, field assignments, reproducible samples, questionnaires and responses, versions kept
//! for corrections, results — and the lock that approval puts on a cycle, enforced by triggers so
//! that no write path (or hand-typed SQL) can change an approved cycle's records.

use crate::m20261125_000002_sync::{ChangeSource, postgres_table_triggers, sqlite_table_triggers};
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

fn table(name: &str, cols: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = Table::create().table(a(name)).take();
    for mut c in cols {
        t.col(&mut c);
    }
    t
}

/// Version and timestamps, as every editable record carries them.
fn versioned(mut cols: Vec<ColumnDef>) -> Vec<ColumnDef> {
    cols.push(big_integer(a("version")).default(1).take());
    cols.push(timestamp_with_time_zone(a("created_at")));
    cols.push(timestamp_with_time_zone(a("updated_at")));
    cols
}

fn unique(name: &str, t: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(a(t)).unique().take();
    for c in cols {
        i.col(a(c));
    }
    i
}

fn index(name: &str, t: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(a(t)).take();
    for c in cols {
        i.col(a(c));
    }
    i
}

/// Device-facing records that pulls carry, like those of the sync migration.
const SOURCES: &[ChangeSource] = &[
    (
        "assignments",
        "assignment",
        "NULL",
        "NULL",
        "NULL",
        "R.user_id",
    ),
    (
        "responses",
        "response",
        "R.household_id",
        "(SELECT village_id FROM households WHERE id = R.household_id)",
        "(SELECT district_code FROM households WHERE id = R.household_id)",
        "R.user_id",
    ),
    (
        "questionnaires",
        "questionnaire",
        "NULL",
        "NULL",
        "NULL",
        "NULL",
    ),
];

/// Tables whose rows belong to one cycle (column `cycle_id`) and freeze when it is approved.
const CYCLE_TABLES: &[&str] = &[
    "self_reports",
    "scores",
    "responses",
    "response_assessees",
    "results",
    "assignments",
    "commissions",
    "samples",
];

/// Evidence recorded in the field belongs to the cycle whose window holds its time.
const WINDOW_TABLES: &[(&str, &str)] = &[("visits", "started_at"), ("photo_records", "taken_at")];

/// The message the lock's triggers raise; the store maps it to a 409.
pub const LOCKED_MESSAGE: &str = "fieldcheck:cycle-locked";

/// The condition that a row (`R`) belongs to an approved cycle.
fn locked_row(table: &str, row: &str) -> String {
    match WINDOW_TABLES.iter().find(|(t, _)| *t == table) {
        Some((_, at)) => format!(
            "EXISTS (SELECT 1 FROM cycles WHERE locked_at IS NOT NULL \
             AND {row}.{at} >= window_start AND {row}.{at} <= window_end)"
        ),
        None => format!(
            "EXISTS (SELECT 1 FROM cycles WHERE id = {row}.cycle_id AND locked_at IS NOT NULL)"
        ),
    }
}

fn lock_tables() -> impl Iterator<Item = &'static str> {
    CYCLE_TABLES
        .iter()
        .copied()
        .chain(WINDOW_TABLES.iter().map(|(t, _)| *t))
}

fn sqlite_lock_triggers() -> Vec<String> {
    let mut out = Vec::new();
    // An update is refused when the row is in an approved cycle before it or would be after it.
    for t in lock_tables() {
        for (ev, when) in [
            ("insert", locked_row(t, "NEW")),
            (
                "update",
                format!("{} OR {}", locked_row(t, "OLD"), locked_row(t, "NEW")),
            ),
            ("delete", locked_row(t, "OLD")),
        ] {
            out.push(format!(
                "CREATE TRIGGER fc_lock_{t}_{ev} BEFORE {ev} ON {t} WHEN {when} \
                 BEGIN SELECT RAISE(ABORT, '{LOCKED_MESSAGE}'); END"
            ));
        }
    }
    // The approved cycle itself can be neither changed nor removed (that would unfreeze it).
    for ev in ["update", "delete"] {
        out.push(format!(
            "CREATE TRIGGER fc_lock_cycles_{ev} BEFORE {ev} ON cycles WHEN OLD.locked_at IS NOT NULL \
             BEGIN SELECT RAISE(ABORT, '{LOCKED_MESSAGE}'); END"
        ));
    }
    out
}

fn postgres_lock_triggers() -> Vec<String> {
    let mut out = Vec::new();
    for t in lock_tables() {
        out.push(format!(
            "CREATE FUNCTION fc_lock_{t}() RETURNS trigger AS $$ BEGIN \
             IF (TG_OP IN ('UPDATE', 'DELETE') AND {old}) OR (TG_OP IN ('INSERT', 'UPDATE') AND {new}) THEN \
               RAISE EXCEPTION '{LOCKED_MESSAGE}' USING ERRCODE = 'check_violation'; END IF; \
             IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            old = locked_row(t, "OLD"),
            new = locked_row(t, "NEW"),
        ));
        out.push(format!(
            "CREATE TRIGGER fc_lock_{t} BEFORE INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION fc_lock_{t}()"
        ));
    }
    out.push(format!(
        "CREATE FUNCTION fc_lock_cycles() RETURNS trigger AS $$ BEGIN \
         IF OLD.locked_at IS NOT NULL THEN \
           RAISE EXCEPTION '{LOCKED_MESSAGE}' USING ERRCODE = 'check_violation'; END IF; \
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    ));
    out.push(
        "CREATE TRIGGER fc_lock_cycles BEFORE UPDATE OR DELETE ON cycles FOR EACH ROW EXECUTE FUNCTION fc_lock_cycles()"
            .to_owned(),
    );
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![
            table(
                "templates",
                vec![
                    pk_uuid(a("id")),
                    integer(a("year")),
                    string_len(a("kind"), 24),
                    integer(a("revision")),
                    text(a("body")),
                    uuid_null(a("created_by")),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "cycles",
                versioned(vec![
                    pk_uuid(a("id")),
                    integer(a("year")),
                    string_len(a("step"), 16),
                    string_len(a("combine_rule"), 8),
                    integer(a("pass_threshold")),
                    timestamp_with_time_zone(a("window_start")),
                    timestamp_with_time_zone(a("window_end")),
                    text(a("step_dates")),
                    timestamp_with_time_zone_null(a("locked_at")),
                ]),
            ),
            table(
                "self_reports",
                versioned(vec![
                    pk_uuid(a("id")),
                    uuid(a("cycle_id")),
                    uuid(a("assessee_id")),
                    string_len(a("category_code"), 16),
                    text(a("summary")),
                    text(a("materials")),
                    string_len(a("status"), 16),
                    text_null(a("review_comment")),
                    uuid(a("submitted_by")),
                ]),
            ),
            table(
                "commissions",
                vec![
                    pk_uuid(a("id")),
                    uuid(a("cycle_id")),
                    uuid(a("user_id")),
                    uuid(a("assessee_id")),
                    uuid(a("created_by")),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "scores",
                vec![
                    pk_uuid(a("id")),
                    uuid(a("cycle_id")),
                    uuid(a("assessee_id")),
                    string_len(a("item_code"), 16),
                    uuid(a("evaluator_id")),
                    integer(a("score")),
                    string_len(a("method"), 24),
                    text(a("comment")),
                    text(a("evidence")),
                    integer(a("revision")),
                    boolean(a("current")).default(true).take(),
                    text_null(a("correction_reason")),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "assignments",
                versioned(vec![
                    pk_uuid(a("id")),
                    uuid(a("cycle_id")),
                    uuid(a("user_id")),
                    string_len(a("method"), 24),
                    string_len(a("target_kind"), 16),
                    uuid(a("target_id")),
                    string_len(a("due_on"), 10),
                    text(a("note")),
                    uuid(a("created_by")),
                ]),
            ),
            table(
                "samples",
                vec![
                    pk_uuid(a("id")),
                    uuid(a("cycle_id")),
                    string_len(a("name"), 100),
                    string_len(a("seed"), 20),
                    text(a("size")),
                    string_len_null(a("district_code"), 6),
                    integer(a("candidates")),
                    integer(a("drawn")),
                    uuid(a("created_by")),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "sample_households",
                vec![
                    uuid(a("sample_id")),
                    uuid(a("household_id")),
                    string_len(a("stratum"), 12),
                ],
            ),
            table(
                "questionnaires",
                vec![
                    pk_uuid(a("id")),
                    string_len(a("code"), 40),
                    integer(a("version")),
                    string_len(a("title"), 200),
                    text(a("body")),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "responses",
                versioned(vec![
                    pk_uuid(a("id")),
                    uuid(a("cycle_id")),
                    uuid(a("questionnaire_id")),
                    uuid(a("household_id")),
                    uuid_null(a("plan_id")),
                    uuid_null(a("person_id")),
                    uuid(a("user_id")),
                    string_len(a("device_id"), 128),
                    text(a("answers")),
                    boolean_null(a("satisfied")),
                    string_len(a("status"), 16),
                    text_null(a("review_comments")),
                    integer_null(a("clock_skew_secs")),
                ]),
            ),
            table(
                "response_assessees",
                vec![
                    uuid(a("response_id")),
                    uuid(a("cycle_id")),
                    uuid(a("assessee_id")),
                    boolean_null(a("satisfied")),
                ],
            ),
            table(
                "record_versions",
                vec![
                    pk_auto(a("id")),
                    string_len(a("entity"), 16),
                    uuid(a("record_id")),
                    big_integer(a("version")),
                    text(a("body")),
                    uuid_null(a("changed_by")),
                    timestamp_with_time_zone(a("changed_at")),
                ],
            ),
            table(
                "results",
                vec![
                    uuid(a("cycle_id")),
                    uuid(a("assessee_id")),
                    integer(a("total")),
                    string_len(a("suggested"), 8),
                    string_len_null(a("decided"), 8),
                    text_null(a("reason")),
                    uuid_null(a("decided_by")),
                    text(a("breakdown")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            unique("ux_templates", "templates", &["year", "kind", "revision"]),
            unique("ux_cycles_year", "cycles", &["year"]),
            unique(
                "ux_self_reports",
                "self_reports",
                &["cycle_id", "assessee_id", "category_code"],
            ),
            unique(
                "ux_commissions",
                "commissions",
                &["cycle_id", "user_id", "assessee_id"],
            ),
            unique(
                "ux_scores",
                "scores",
                &[
                    "cycle_id",
                    "assessee_id",
                    "item_code",
                    "evaluator_id",
                    "revision",
                ],
            ),
            index("ix_scores_cycle", "scores", &["cycle_id", "assessee_id"]),
            index("ix_assignments_user", "assignments", &["user_id"]),
            unique(
                "ux_sample_households",
                "sample_households",
                &["sample_id", "household_id"],
            ),
            unique("ux_questionnaires", "questionnaires", &["code", "version"]),
            index("ix_responses_household", "responses", &["household_id"]),
            index("ix_responses_cycle", "responses", &["cycle_id"]),
            unique(
                "ux_response_assessees",
                "response_assessees",
                &["response_id", "assessee_id"],
            ),
            index(
                "ix_response_assessees_cycle",
                "response_assessees",
                &["cycle_id", "assessee_id"],
            ),
            index(
                "ix_record_versions",
                "record_versions",
                &["entity", "record_id"],
            ),
            unique("ux_results", "results", &["cycle_id", "assessee_id"]),
            // Aggregation finds a responsible person's households.
            index(
                "ix_households_person",
                "households",
                &["responsible_person_id"],
            ),
        ] {
            m.create_index(i).await?;
        }
        // Send-back comments on visits; the evaluator's employer for conflict-of-interest checks.
        for (t, mut c) in [
            ("visits", text_null(a("review_comments"))),
            ("users", uuid_null(a("unit_id"))),
        ] {
            m.alter_table(Table::alter().table(a(t)).add_column(&mut c).take())
                .await?;
        }

        let db = m.get_connection();
        let statements = match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                let mut s = postgres_table_triggers(SOURCES);
                s.extend(postgres_lock_triggers());
                s
            }
            _ => {
                let mut s = sqlite_table_triggers(SOURCES);
                s.extend(sqlite_lock_triggers());
                s
            }
        };
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DatabaseBackend::Postgres;
        for t in lock_tables().chain(["cycles"]) {
            if pg {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS fc_lock_{t} ON {t}; DROP FUNCTION IF EXISTS fc_lock_{t}()"
                ))
                .await?;
            } else {
                for ev in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS fc_lock_{t}_{ev}"))
                        .await?;
                }
            }
        }
        for (t, ..) in SOURCES {
            if pg {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS fc_chg_{t} ON {t}; DROP FUNCTION IF EXISTS fc_chg_{t}()"
                ))
                .await?;
            } else {
                for ev in ["ins", "upd", "del"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS fc_chg_{t}_{ev}"))
                        .await?;
                }
            }
        }
        for (t, c) in [("visits", "review_comments"), ("users", "unit_id")] {
            m.alter_table(Table::alter().table(a(t)).drop_column(a(c)).take())
                .await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_households_person")
                .table(a("households"))
                .to_owned(),
        )
        .await?;
        for t in [
            "results",
            "record_versions",
            "response_assessees",
            "responses",
            "questionnaires",
            "sample_households",
            "samples",
            "assignments",
            "scores",
            "commissions",
            "self_reports",
            "cycles",
            "templates",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
