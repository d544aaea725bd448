//! User accounts with their scopes, refresh tokens (hashes only, in rotation families) and the
//! failed-sign-in counters that slow down password guessing.

pub use crate::entities::refresh_tokens::TokenKind;
use crate::entities::{login_throttle, refresh_tokens, scope_grants, users};
use crate::page::{Page, PageRequest, fetch_page};
use crate::scope::grant;
use crate::{Scope, StoreError, audit, check_version, now};
use chrono::{DateTime, Duration, Utc};
use fieldcheck_domain::{
    AssesseeId, HouseholdId, PlaceId, Role, UnitId, UserId, ValidationErrors, validation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user as the API shows it (never the password hash).
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// District, for district reviewers.
    pub district_code: Option<String>,
    /// Assessee, for assessee accounts.
    pub assessee_id: Option<AssesseeId>,
    /// The unit the user works for (an evaluator never scores it or those paired with it).
    pub unit_id: Option<UnitId>,
    /// Disabled accounts cannot sign in or refresh.
    pub disabled: bool,
    /// Villages given to a field user.
    pub village_ids: Vec<PlaceId>,
    /// Households given to a field user.
    pub household_ids: Vec<HouseholdId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A user account with what is needed to check a sign-in.
#[derive(Clone, Debug)]
pub struct Account {
    /// The stored row.
    pub row: users::Model,
    /// The parsed role.
    pub role: Role,
}

impl Account {
    /// The scope this account's role reaches.
    pub fn scope(&self) -> Scope {
        scope_for(
            self.role,
            UserId(self.row.id),
            self.row.district_code.as_deref(),
            self.row.assessee_id,
        )
    }
}

/// The scope a role reaches.
pub fn scope_for(
    role: Role,
    user: UserId,
    district: Option<&str>,
    assessee: Option<Uuid>,
) -> Scope {
    match role {
        Role::Admin | Role::OfficeReviewer => Scope::All,
        // A district reviewer without a district reaches nothing rather than everything.
        Role::DistrictReviewer => Scope::District(district.unwrap_or("-").to_owned()),
        Role::Inspector | Role::Surveyor | Role::Evaluator => Scope::Granted(user),
        Role::Assessee => Scope::Assessee(AssesseeId(assessee.unwrap_or_default())),
    }
}

/// A new user; the caller hashes the password.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Sign-in name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Initial password.
    pub password: String,
    /// Role.
    pub role: Role,
    /// District (district reviewers).
    pub district_code: Option<String>,
    /// Assessee (assessee accounts).
    pub assessee_id: Option<AssesseeId>,
    /// The unit the user works for, if any: an evaluator never scores it or those it is paired
    /// with.
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    /// Villages given (field users).
    #[serde(default)]
    pub village_ids: Vec<PlaceId>,
    /// Households given (field users).
    #[serde(default)]
    pub household_ids: Vec<HouseholdId>,
}

/// Changes to a user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// Display name.
    pub display_name: Option<String>,
    /// New password.
    pub password: Option<String>,
    /// Role.
    pub role: Option<Role>,
    /// District.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub district_code: Option<Option<String>>,
    /// Assessee.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub assessee_id: Option<Option<AssesseeId>>,
    /// Disable or re-enable.
    pub disabled: Option<bool>,
    /// Replaces the villages given.
    pub village_ids: Option<Vec<PlaceId>>,
    /// Replaces the households given.
    pub household_ids: Option<Vec<HouseholdId>>,
}

/// Minimum password length; long passphrases beat composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a password against the length policy.
pub fn check_password(errors: &mut ValidationErrors, password: &str) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        errors.add(
            "password",
            "too-short",
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        );
    } else if n > 256 {
        errors.add("password", "too-long", "at most 256 characters");
    }
}

fn check_role_fields(
    errors: &mut ValidationErrors,
    role: Role,
    district: &Option<String>,
    assessee: &Option<AssesseeId>,
) {
    if role == Role::DistrictReviewer
        && !district
            .as_ref()
            .is_some_and(|d| fieldcheck_domain::DivisionCode::is_district(d))
    {
        errors.add(
            "district_code",
            "required",
            "a district reviewer needs a 6-digit district code",
        );
    }
    if role == Role::Assessee && assessee.is_none() {
        errors.add(
            "assessee_id",
            "required",
            "an assessee account needs its assessee",
        );
    }
}

async fn user_dto(conn: &impl ConnectionTrait, u: users::Model) -> Result<User, StoreError> {
    let grants = scope_grants::Entity::find()
        .filter(scope_grants::Column::UserId.eq(u.id))
        .all(conn)
        .await?;
    Ok(User {
        id: UserId(u.id),
        username: u.username,
        display_name: u.display_name,
        role: Role::parse(&u.role).unwrap_or(Role::Assessee),
        district_code: u.district_code,
        assessee_id: u.assessee_id.map(AssesseeId),
        unit_id: u.unit_id.map(UnitId),
        disabled: u.disabled,
        village_ids: grants
            .iter()
            .filter(|g| g.kind == grant::VILLAGE)
            .map(|g| PlaceId(g.target_id))
            .collect(),
        household_ids: grants
            .iter()
            .filter(|g| g.kind == grant::HOUSEHOLD)
            .map(|g| HouseholdId(g.target_id))
            .collect(),
        version: u.version,
        updated_at: u.updated_at,
    })
}

async fn set_grants(
    conn: &impl ConnectionTrait,
    user: Uuid,
    kind: &str,
    ids: &[Uuid],
) -> Result<(), StoreError> {
    scope_grants::Entity::delete_many()
        .filter(scope_grants::Column::UserId.eq(user))
        .filter(scope_grants::Column::Kind.eq(kind))
        .exec(conn)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if seen.insert(*id) {
            scope_grants::ActiveModel {
                user_id: Set(user),
                kind: Set(kind.to_owned()),
                target_id: Set(*id),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// Lists users.
pub async fn list(
    conn: &impl ConnectionTrait,
    role: Option<Role>,
    page: PageRequest,
) -> Result<Page<User>, StoreError> {
    let mut q = users::Entity::find();
    if let Some(r) = role {
        q = q.filter(users::Column::Role.eq(r.as_str()));
    }
    let p = fetch_page(conn, q, users::Column::Id, page, |m| m.id).await?;
    let mut items = Vec::with_capacity(p.items.len());
    for u in p.items {
        items.push(user_dto(conn, u).await?);
    }
    Ok(Page {
        items,
        next_after: p.next_after,
    })
}

/// One user.
pub async fn get(conn: &impl ConnectionTrait, id: UserId) -> Result<User, StoreError> {
    let u = users::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    user_dto(conn, u).await
}

/// The account behind a sign-in name.
pub async fn account_by_username(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Account>, StoreError> {
    let row = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(conn)
        .await?;
    Ok(row.and_then(|row| Role::parse(&row.role).map(|role| Account { row, role })))
}

/// The account behind an id.
pub async fn account(
    conn: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<Account>, StoreError> {
    let row = users::Entity::find_by_id(id.0).one(conn).await?;
    Ok(row.and_then(|row| Role::parse(&row.role).map(|role| Account { row, role })))
}

/// Creates a user with an already-hashed password.
pub async fn create(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    input: NewUser,
    password_hash: String,
) -> Result<User, StoreError> {
    let mut errors = ValidationErrors::default();
    let username = validation::text(&mut errors, "username", &input.username, 64);
    if username.as_ref().is_some_and(|u| {
        !u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    }) {
        errors.add(
            "username",
            "invalid-characters",
            "letters, digits, '.', '_' and '-' only",
        );
    }
    let display = validation::text(&mut errors, "display_name", &input.display_name, 100);
    check_password(&mut errors, &input.password);
    check_role_fields(
        &mut errors,
        input.role,
        &input.district_code,
        &input.assessee_id,
    );
    errors.into_result()?;
    let (Some(username), Some(display)) = (username, display) else {
        return Err(ValidationErrors::default().into());
    };
    let t = now();
    let u = users::ActiveModel {
        id: Set(UserId::new().0),
        username: Set(username),
        display_name: Set(display),
        password_hash: Set(password_hash),
        role: Set(input.role.as_str().to_owned()),
        district_code: Set(input.district_code),
        assessee_id: Set(input.assessee_id.map(|a| a.0)),
        disabled: Set(false),
        unit_id: Set(input.unit_id.map(|u| u.0)),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    let villages: Vec<Uuid> = input.village_ids.iter().map(|v| v.0).collect();
    let households: Vec<Uuid> = input.household_ids.iter().map(|h| h.0).collect();
    set_grants(conn, u.id, grant::VILLAGE, &villages).await?;
    set_grants(conn, u.id, grant::HOUSEHOLD, &households).await?;
    audit::record(
        conn,
        actor,
        "user.create",
        "user",
        u.id.to_string(),
        serde_json::json!({ "role": u.role }),
    )
    .await?;
    user_dto(conn, u).await
}

/// Edits a user; a new password hash, if any, is computed by the caller.
pub async fn update(
    conn: &impl ConnectionTrait,
    actor: Option<UserId>,
    id: UserId,
    expected_version: Option<i64>,
    patch: UserPatch,
    password_hash: Option<String>,
) -> Result<User, StoreError> {
    let u = users::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if let Some(v) = expected_version {
        check_version(u.version, v)?;
    }
    let mut errors = ValidationErrors::default();
    let display = patch
        .display_name
        .as_deref()
        .and_then(|d| validation::text(&mut errors, "display_name", d, 100));
    if let Some(p) = &patch.password {
        check_password(&mut errors, p);
    }
    let role = patch
        .role
        .unwrap_or(Role::parse(&u.role).unwrap_or(Role::Assessee));
    let district = patch
        .district_code
        .clone()
        .unwrap_or(u.district_code.clone());
    let assessee = patch.assessee_id.unwrap_or(u.assessee_id.map(AssesseeId));
    check_role_fields(&mut errors, role, &district, &assessee);
    errors.into_result()?;
    let disabling = patch.disabled == Some(true);
    let version = u.version + 1;
    let mut am: users::ActiveModel = u.into();
    if let Some(d) = display {
        am.display_name = Set(d);
    }
    if let Some(h) = password_hash {
        am.password_hash = Set(h);
    }
    am.role = Set(role.as_str().to_owned());
    am.district_code = Set(district);
    am.assessee_id = Set(assessee.map(|a| a.0));
    if let Some(d) = patch.disabled {
        am.disabled = Set(d);
    }
    am.version = Set(version);
    am.updated_at = Set(now());
    let u = am.update(conn).await?;
    if let Some(v) = &patch.village_ids {
        set_grants(
            conn,
            u.id,
            grant::VILLAGE,
            &v.iter().map(|v| v.0).collect::<Vec<_>>(),
        )
        .await?;
    }
    if let Some(h) = &patch.household_ids {
        set_grants(
            conn,
            u.id,
            grant::HOUSEHOLD,
            &h.iter().map(|h| h.0).collect::<Vec<_>>(),
        )
        .await?;
    }
    if disabling || patch.password.is_some() {
        revoke_all(conn, UserId(u.id)).await?;
    }
    audit::record(
        conn,
        actor,
        if disabling {
            "user.disable"
        } else {
            "user.update"
        },
        "user",
        u.id.to_string(),
        serde_json::json!({ "version": version, "password_changed": patch.password.is_some() }),
    )
    .await?;
    user_dto(conn, u).await
}

/// Stores a new token of `kind` (by hash) in `family`: a device's refresh token, or a browser
/// session.
pub async fn store_refresh(
    conn: &impl ConnectionTrait,
    kind: TokenKind,
    user: UserId,
    family: Uuid,
    token_hash: String,
    device_id: &str,
    ttl: Duration,
) -> Result<(), StoreError> {
    let t = now();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.0),
        family_id: Set(family),
        token_hash: Set(token_hash),
        device_id: Set(device_id.to_owned()),
        created_at: Set(t),
        expires_at: Set(t + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
        kind: Set(kind),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What presenting a refresh token led to.
pub enum RefreshOutcome {
    /// Valid and now spent; issue its successor in the same family.
    Rotated {
        /// The token's user.
        user: UserId,
        /// Its family.
        family: Uuid,
        /// Its device.
        device_id: String,
    },
    /// Already spent or revoked: a copy is in someone else's hands, so the family is revoked.
    Reused,
    /// Unknown or expired.
    Invalid,
}

/// Spends a device's refresh token. Marking it used is conditional on it being unused, so two
/// concurrent refreshes with the same token cannot both succeed. A browser session's value is
/// not a refresh token: it is `Invalid` here.
///
/// A spent token presented again within `retry_grace` of its first use, while no token issued
/// after it has been used, is the same phone asking again because the answer was lost on the way
/// (a dropped connection in a village): its unused successors are revoked and it is rotated
/// again, so one chain stays alive. Anything else presenting a spent token (after the grace, or
/// once the chain has moved on) is a copy in someone else's hands: the family is revoked.
pub async fn spend_refresh(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    retry_grace: Duration,
) -> Result<RefreshOutcome, StoreError> {
    let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .filter(refresh_tokens::Column::Kind.eq(TokenKind::Device))
        .one(conn)
        .await?
    else {
        return Ok(RefreshOutcome::Invalid);
    };
    let t = now();
    let rotated = RefreshOutcome::Rotated {
        user: UserId(row.user_id),
        family: row.family_id,
        device_id: row.device_id.clone(),
    };
    if row.revoked_at.is_none()
        && let Some(used) = row.used_at
        && t - used <= retry_grace
        && supersede_unused_successors(conn, &row, used).await?
    {
        return Ok(rotated);
    }
    if row.used_at.is_some() || row.revoked_at.is_some() {
        revoke_family(conn, row.family_id).await?;
        return Ok(RefreshOutcome::Reused);
    }
    if row.expires_at <= t {
        return Ok(RefreshOutcome::Invalid);
    }
    let res = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(t))
        .filter(refresh_tokens::Column::Id.eq(row.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        revoke_family(conn, row.family_id).await?;
        return Ok(RefreshOutcome::Reused);
    }
    Ok(rotated)
}

/// Revokes the tokens issued in `spent`'s family since it was used at `used`, if none of them has
/// been used or revoked (the phone never received them). False when the chain has moved on.
async fn supersede_unused_successors(
    conn: &impl ConnectionTrait,
    spent: &refresh_tokens::Model,
    used: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let successors = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::FamilyId.eq(spent.family_id))
        .filter(refresh_tokens::Column::Id.ne(spent.id))
        .filter(refresh_tokens::Column::CreatedAt.gte(used))
        .all(conn)
        .await?;
    if successors.is_empty()
        || successors
            .iter()
            .any(|s| s.used_at.is_some() || s.revoked_at.is_some())
    {
        return Ok(false);
    }
    let ids: Vec<Uuid> = successors.iter().map(|s| s.id).collect();
    let res = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::Id.is_in(ids.clone()))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    // A concurrent refresh got there first: not a lost answer.
    Ok(res.rows_affected == ids.len() as u64)
}

/// The user and family of a live browser session (stored beside refresh tokens, never spent):
/// unknown, expired and revoked tokens, and every device's refresh token, give nothing.
pub async fn session(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(UserId, Uuid)>, StoreError> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .filter(refresh_tokens::Column::Kind.eq(TokenKind::Session))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(now()))
        .one(conn)
        .await?
        .map(|r| (UserId(r.user_id), r.family_id)))
}

/// Revokes every token of a family (one device's sign-in).
pub async fn revoke_family(conn: &impl ConnectionTrait, family: Uuid) -> Result<(), StoreError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// The family of a device's refresh token, if it is known (a session's value gives nothing:
/// sessions end through the pages' sign-out).
pub async fn family_of(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(UserId, Uuid)>, StoreError> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .filter(refresh_tokens::Column::Kind.eq(TokenKind::Device))
        .one(conn)
        .await?
        .map(|r| (UserId(r.user_id), r.family_id)))
}

/// Revokes all of a user's tokens.
pub async fn revoke_all(conn: &impl ConnectionTrait, user: UserId) -> Result<(), StoreError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::UserId.eq(user.0))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Until when sign-ins for `key` are refused, if they are.
pub async fn blocked_until(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = login_throttle::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?;
    Ok(row.and_then(|r| r.blocked_until).filter(|t| *t > now()))
}

/// Counts a failed sign-in for `key`; `delay` maps the failure count to a lock-out.
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    key: &str,
    window: Duration,
    delay: impl Fn(u32) -> Duration,
) -> Result<(), StoreError> {
    let t = now();
    let row = login_throttle::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?;
    let (failures, start) = match &row {
        Some(r) if t - r.window_start < window => (r.failures + 1, r.window_start),
        _ => (1, t),
    };
    let d = delay(failures.max(0) as u32);
    let blocked = (d > Duration::zero()).then(|| t + d);
    let am = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        window_start: Set(start),
        blocked_until: Set(blocked),
    };
    if row.is_some() {
        am.update(conn).await?;
    } else {
        am.insert(conn).await?;
    }
    Ok(())
}

/// Forgets the failures of `key` after a successful sign-in.
pub async fn clear_failures(conn: &impl ConnectionTrait, key: &str) -> Result<(), StoreError> {
    login_throttle::Entity::delete_by_id(key.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}
