//! The append-only audit log. Each entry holds the hash of the one before, and the chain's head
//! (last sequence number and hash) is kept in its own row, so editing, removing or truncating
//! entries is detected by [`verify`].

use crate::entities::{audit_head, audit_log};
use crate::{StoreError, now};
use chrono::SecondsFormat;
use fieldcheck_domain::UserId;
use sea_orm::{
    ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use sha2::{Digest, Sha256};

/// What happened, by whom, to what.
pub struct AuditEvent<'a> {
    /// The acting user; `None` for the system (CLI, imports).
    pub actor: Option<UserId>,
    /// Stable action name, e.g. `pii.reveal`, `household.update`.
    pub action: &'a str,
    /// Kind of record acted on.
    pub target_type: &'a str,
    /// Id of the record acted on.
    pub target_id: String,
    /// Extra facts (never personal data in clear).
    pub details: serde_json::Value,
}

fn entry_hash(e: &audit_log::Model) -> String {
    let mut h = Sha256::new();
    for part in [
        e.seq.to_string().as_str(),
        &e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor.as_deref().unwrap_or("-"),
        &e.action,
        &e.target_type,
        &e.target_id,
        &e.details,
        &e.prev_hash,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an event inside the caller's transaction, so the entry commits with the change it
/// describes or not at all.
pub async fn append(conn: &impl ConnectionTrait, event: AuditEvent<'_>) -> Result<i64, StoreError> {
    // Taking the head row's write lock first serialises appenders on PostgreSQL.
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(1),
        )
        .filter(ColumnTrait::eq(&audit_head::Column::Id, 1))
        .exec(conn)
        .await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or(StoreError::MissingReference("audit head"))?;
    let mut entry = audit_log::Model {
        seq: head.seq,
        at: now(),
        actor: event.actor.map(|a| a.to_string()),
        action: event.action.to_owned(),
        target_type: event.target_type.to_owned(),
        target_id: event.target_id,
        details: event.details.to_string(),
        prev_hash: head.hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    let seq = entry.seq;
    let hash = entry.hash.clone();
    audit_log::Entity::insert(audit_log::ActiveModel::from(entry))
        .exec_without_returning(conn)
        .await?;
    audit_head::Entity::update(audit_head::ActiveModel {
        id: Set(1),
        seq: Set(seq),
        hash: Set(hash),
    })
    .exec(conn)
    .await?;
    Ok(seq)
}

/// Appends an event given field by field: the form every write path uses.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    action: &str,
    target_type: &str,
    target_id: impl ToString,
    details: serde_json::Value,
) -> Result<i64, StoreError> {
    append(
        conn,
        AuditEvent {
            actor,
            action,
            target_type,
            target_id: target_id.to_string(),
            details,
        },
    )
    .await
}

/// The outcome of checking the whole chain.
#[derive(Debug, serde::Serialize)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: i64,
    /// Whether the chain is intact.
    pub ok: bool,
    /// The first entry found wrong, if any.
    pub first_bad_seq: Option<i64>,
    /// Why it is wrong.
    pub problem: Option<String>,
}

/// Walks the chain from the first entry, recomputing every hash.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<VerifyReport, StoreError> {
    let bad = |entries, seq, problem: &str| VerifyReport {
        entries,
        ok: false,
        first_bad_seq: Some(seq),
        problem: Some(problem.to_owned()),
    };
    let mut expected_seq = 1i64;
    let mut prev = "0".repeat(64);
    loop {
        let batch = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(1000)
            .all(conn)
            .await?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            if e.seq != expected_seq {
                return Ok(bad(expected_seq - 1, expected_seq, "entry missing"));
            }
            if e.prev_hash != prev {
                return Ok(bad(
                    expected_seq - 1,
                    e.seq,
                    "link to previous entry broken",
                ));
            }
            if entry_hash(&e) != e.hash {
                return Ok(bad(expected_seq - 1, e.seq, "entry content changed"));
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or(StoreError::MissingReference("audit head"))?;
    let count = expected_seq - 1;
    if head.seq != count || head.hash != prev {
        return Ok(bad(count, count + 1, "entries removed from the end"));
    }
    Ok(VerifyReport {
        entries: count,
        ok: true,
        first_bad_seq: None,
        problem: None,
    })
}

/// One page of the log, newest first, optionally for one target.
pub async fn list(
    conn: &impl ConnectionTrait,
    target: Option<(&str, &str)>,
    before_seq: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, StoreError> {
    let filter = AuditFilter {
        target_type: target.map(|t| t.0.to_owned()),
        target_id: target.map(|t| t.1.to_owned()),
        ..Default::default()
    };
    search(conn, &filter, before_seq, limit).await
}

/// Which entries to read; every field narrows the selection.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// The acting user's id (`-` for the system's entries, which have none).
    pub actor: Option<String>,
    /// The action, e.g. `pii.reveal`.
    pub action: Option<String>,
    /// Kind of record acted on.
    pub target_type: Option<String>,
    /// Id of the record acted on.
    pub target_id: Option<String>,
    /// At or after.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// At or before.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// One page of the entries `filter` selects, newest first, before sequence number `before_seq`
/// (keyset paging: the next page starts before the last entry's `seq`).
pub async fn search(
    conn: &impl ConnectionTrait,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, StoreError> {
    let mut q = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .limit(limit);
    match filter.actor.as_deref() {
        Some("-") => q = q.filter(audit_log::Column::Actor.is_null()),
        Some(a) => q = q.filter(audit_log::Column::Actor.eq(a)),
        None => {}
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::Column::Action.eq(a.as_str()));
    }
    if let Some(t) = &filter.target_type {
        q = q.filter(audit_log::Column::TargetType.eq(t.as_str()));
    }
    if let Some(i) = &filter.target_id {
        q = q.filter(audit_log::Column::TargetId.eq(i.as_str()));
    }
    if let Some(f) = filter.from {
        q = q.filter(audit_log::Column::At.gte(f));
    }
    if let Some(t) = filter.to {
        q = q.filter(audit_log::Column::At.lte(t));
    }
    if let Some(b) = before_seq {
        q = q.filter(audit_log::Column::Seq.lt(b));
    }
    Ok(q.all(conn).await?)
}

use sea_orm::ColumnTrait;
