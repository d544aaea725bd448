//! Two corrections found by testing the server from outside.
//!
//! 1. **Browser sessions and device sign-ins are different kinds of token.** Both are stored in
//!    `refresh_tokens`; they used to be told apart only by the device name `web-session`, which a
//!    client could choose at `POST /auth/login`, and `POST /auth/refresh` took a session's value.
//!    A `kind` column now says which is which, and every query names the kind it accepts. Rows
//!    from before cannot be told apart (an API sign-in may have called itself `web-session`), so
//!    they all become device tokens and the old `web-session` rows are revoked: office users sign
//!    in to the pages once more.
//! 2. **SQLite's lock triggers compared timestamps as text**, so `2027-02-01T05:00:00+08:00` or
//!    `2026-01-01 05:00:00+00:00` slipped past a window written `…T…+00:00`. They now compare
//!    instants (`julianday`, which reads every ISO 8601 spelling and offset SQLite knows), and a
//!    time SQLite cannot read at all counts as inside a locked window rather than outside it.
//!    PostgreSQL's columns are `timestamptz`, which already compare as instants.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Kind,
}

/// The raise message of the lock (as in migration 4; copied, not imported: a migration stays as
/// it was written).
const LOCKED_MESSAGE: &str = "fieldcheck:cycle-locked";

/// Field evidence belongs to the approved cycle whose window holds its time.
const WINDOW_TABLES: &[(&str, &str)] = &[("visits", "started_at"), ("photo_records", "taken_at")];

fn in_locked_window(row: &str, at: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM cycles WHERE locked_at IS NOT NULL AND \
         (julianday({row}.{at}) IS NULL OR julianday({row}.{at}) BETWEEN julianday(window_start) \
         AND julianday(window_end)))"
    )
}

fn sqlite_window_triggers(compare: impl Fn(&str, &str) -> String) -> Vec<String> {
    let mut out = Vec::new();
    for (t, at) in WINDOW_TABLES {
        for (ev, when) in [
            ("insert", compare("NEW", at)),
            (
                "update",
                format!("{} OR {}", compare("OLD", at), compare("NEW", at)),
            ),
            ("delete", compare("OLD", at)),
        ] {
            out.push(format!("DROP TRIGGER IF EXISTS fc_lock_{t}_{ev}"));
            out.push(format!(
                "CREATE TRIGGER fc_lock_{t}_{ev} BEFORE {ev} ON {t} WHEN {when} \
                 BEGIN SELECT RAISE(ABORT, '{LOCKED_MESSAGE}'); END"
            ));
        }
    }
    out
}

/// Migration 4's text comparison, for `down`.
fn as_text(row: &str, at: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM cycles WHERE locked_at IS NOT NULL \
         AND {row}.{at} >= window_start AND {row}.{at} <= window_end)"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: each trigger is dropped and created again on the same
    /// connection, and a failure leaves the old ones in place.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(
                    ColumnDef::new(RefreshTokens::Kind)
                        .string_len(16)
                        .not_null()
                        .default("device"),
                )
                .take(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE refresh_tokens SET revoked_at = created_at \
             WHERE device_id = 'web-session' AND revoked_at IS NULL",
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Sqlite {
            // A pooled connection may hold the schema as it was before migration 4 created the
            // triggers: SQLite prepares `DROP TRIGGER IF EXISTS` against that copy (a no-op) and
            // only notices the change when the `CREATE` runs ("already exists"). Reading the
            // catalogue first makes this connection load the current schema.
            db.execute_unprepared("SELECT count(*) FROM sqlite_master")
                .await?;
            for sql in sqlite_window_triggers(in_locked_window) {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Sqlite {
            m.get_connection()
                .execute_unprepared("SELECT count(*) FROM sqlite_master")
                .await?;
            for sql in sqlite_window_triggers(as_text) {
                m.get_connection().execute_unprepared(&sql).await?;
            }
        }
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::Kind)
                .take(),
        )
        .await
    }
}
