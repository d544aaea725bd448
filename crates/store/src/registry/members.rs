//! Household members: ID numbers validated, encrypted and masked; members read, added and edited.

use super::IdNumbers;
use super::households::{household_row, opt_text};
use crate::entities::members;
use crate::{PiiCipher, Scope, StoreError, audit, check_version, now};
use chrono::{DateTime, Utc};
use fieldcheck_domain::{HouseholdId, MemberId, NationalId, UserId, ValidationErrors, validation};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

/// A household member.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// Its id.
    pub id: MemberId,
    /// Household.
    pub household_id: HouseholdId,
    /// Name.
    pub name: String,
    /// Relation to the head (户主, 配偶, 之子, …).
    pub relation: String,
    /// National ID number, masked unless revealed.
    pub id_number: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A member with its ID number masked.
pub fn member_masked(pii: &PiiCipher, m: members::Model) -> Result<Member, StoreError> {
    member_dto(pii, m, IdNumbers::Masked)
}

pub(super) fn member_dto(
    pii: &PiiCipher,
    m: members::Model,
    ids: IdNumbers,
) -> Result<Member, StoreError> {
    let id_number = match (ids, &m.id_number_cipher) {
        (IdNumbers::Revealed, Some(c)) => Some(pii.decrypt(c)?),
        _ => m.id_number_masked.clone(),
    };
    Ok(Member {
        id: MemberId(m.id),
        household_id: HouseholdId(m.household_id),
        name: m.name,
        relation: m.relation,
        id_number,
        version: m.version,
        updated_at: m.updated_at,
    })
}

/// A new member.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Name.
    pub name: String,
    /// Relation to the head.
    pub relation: String,
    /// National ID number.
    pub id_number: Option<String>,
}

/// Changes to a member.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// Name.
    pub name: Option<String>,
    /// Relation.
    pub relation: Option<String>,
    /// ID number, or `null` to clear it.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub id_number: Option<Option<String>>,
}

/// Validated, encrypted member fields ready to store.
pub(super) struct MemberRow {
    name: String,
    relation: String,
    id: Option<(String, String, String)>, // cipher, index, masked
}

pub(super) fn validate_member(
    pii: &PiiCipher,
    m: &NewMember,
    errors: &mut ValidationErrors,
) -> Option<MemberRow> {
    let mut e = ValidationErrors::default();
    let name = validation::text(&mut e, "name", &m.name, 50);
    let relation = validation::text(&mut e, "relation", &m.relation, 20);
    let id = match m.id_number.as_deref() {
        Some(raw) => match NationalId::parse(raw) {
            Ok(n) => Some((pii.encrypt(n.expose()), pii.index(n.expose()), n.masked())),
            Err(v) => {
                e.extend_prefixed("", v);
                None
            }
        },
        None => None,
    };
    let ok = e.is_empty();
    errors.0.extend(e.0);
    if ok {
        Some(MemberRow {
            name: name?,
            relation: relation?,
            id,
        })
    } else {
        None
    }
}

pub(super) async fn insert_member(
    conn: &impl ConnectionTrait,
    household: uuid::Uuid,
    row: MemberRow,
) -> Result<members::Model, StoreError> {
    let t = now();
    let (cipher, index, masked) = match row.id {
        Some((c, i, m)) => (Some(c), Some(i), Some(m)),
        None => (None, None, None),
    };
    Ok(members::ActiveModel {
        id: Set(MemberId::new().0),
        household_id: Set(household),
        name: Set(row.name),
        relation: Set(row.relation),
        id_number_cipher: Set(cipher),
        id_number_index: Set(index),
        id_number_masked: Set(masked),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?)
}

/// One member in scope.
pub async fn get_member(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    id: MemberId,
) -> Result<Member, StoreError> {
    let m = members::Entity::find_by_id(id.0)
        .filter(scope.members())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    member_dto(pii, m, IdNumbers::Masked)
}

/// Adds a member to a household in scope.
pub async fn add_member(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    actor: Option<UserId>,
    household: HouseholdId,
    input: NewMember,
) -> Result<Member, StoreError> {
    let h = household_row(conn, scope, household).await?;
    let mut errors = ValidationErrors::default();
    let row = validate_member(pii, &input, &mut errors);
    errors.into_result()?;
    let Some(row) = row else {
        return Err(ValidationErrors::default().into());
    };
    let m = insert_member(conn, h.id, row).await?;
    audit::record(
        conn,
        actor,
        "member.create",
        "member",
        m.id.to_string(),
        serde_json::json!({ "household": h.id }),
    )
    .await?;
    member_dto(pii, m, IdNumbers::Masked)
}

/// Edits a member when `expected_version` is current.
pub async fn update_member(
    conn: &impl ConnectionTrait,
    pii: &PiiCipher,
    scope: &Scope,
    actor: Option<UserId>,
    id: MemberId,
    expected_version: i64,
    patch: MemberPatch,
) -> Result<Member, StoreError> {
    let m = members::Entity::find_by_id(id.0)
        .filter(scope.members())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_version(m.version, expected_version)?;
    let mut errors = ValidationErrors::default();
    let name = opt_text(&mut errors, "name", patch.name.as_deref(), 50);
    let relation = opt_text(&mut errors, "relation", patch.relation.as_deref(), 20);
    let id_number = match &patch.id_number {
        Some(Some(raw)) => match NationalId::parse(raw) {
            Ok(n) => Some(Some(n)),
            Err(e) => {
                errors.extend_prefixed("", e);
                None
            }
        },
        Some(None) => Some(None),
        None => None,
    };
    errors.into_result()?;
    let version = m.version + 1;
    let mut am: members::ActiveModel = m.into();
    if let Some(v) = name {
        am.name = Set(v);
    }
    if let Some(v) = relation {
        am.relation = Set(v);
    }
    if let Some(n) = id_number {
        am.id_number_cipher = Set(n.as_ref().map(|n| pii.encrypt(n.expose())));
        am.id_number_index = Set(n.as_ref().map(|n| pii.index(n.expose())));
        am.id_number_masked = Set(n.as_ref().map(NationalId::masked));
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let m = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "member.update",
        "member",
        m.id.to_string(),
        serde_json::json!({ "version": version }),
    )
    .await?;
    member_dto(pii, m, IdNumbers::Masked)
}
