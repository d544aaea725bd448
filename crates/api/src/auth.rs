//! Sign-in: short-lived access JWTs (HS256, pinned; `kid` names the key so keys rotate) and
//! refresh tokens that rotate on every use, are stored only as hashes, and are revoked per device.
//!
//! HS256 rather than an asymmetric algorithm: the API nodes are the only verifiers, so one
//! symmetric secret shared by them is the smaller attack surface; `kid` lets a new key sign while
//! old tokens still verify until they expire.
//!
//! This file holds the rules and the extractors ([`Principal`], [`Can`]); the `/auth` handlers
//! that use them are in [`crate::handlers::auth`].

use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::spawn_blocking_in_span;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use chrono::Duration;
use fieldcheck_domain::{Role, UserId};
use fieldcheck_store::{Scope, password, users};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;

/// One signing key.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// The keys and rules for access tokens.
pub struct TokenKeys {
    keys: Vec<SigningKey>,
    issuer: String,
    audience: String,
    access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
}

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires at (seconds).
    pub exp: i64,
    /// Role at issue time (informational: the role is re-read on every request).
    pub role: String,
    /// Device the token was issued to.
    pub did: String,
}

/// Parses `kid:base64[,kid:base64…]`.
pub fn parse_keys(spec: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kid, b64) = part
            .split_once(':')
            .ok_or("each signing key is kid:base64")?;
        let secret = STANDARD
            .decode(b64.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(b64.trim()))
            .map_err(|_| format!("signing key {kid} is not base64"))?;
        if secret.len() < 32 {
            return Err(format!("signing key {kid} must have at least 32 bytes"));
        }
        out.push((kid.trim().to_owned(), secret));
    }
    if out.is_empty() {
        return Err("no signing key".into());
    }
    Ok(out)
}

impl TokenKeys {
    /// Builds the key set; the first key signs.
    pub fn new(
        keys: Vec<(String, Vec<u8>)>,
        issuer: String,
        audience: String,
        access_ttl_secs: u64,
        refresh_ttl_secs: u64,
    ) -> Self {
        TokenKeys {
            keys: keys
                .into_iter()
                .map(|(kid, s)| SigningKey {
                    kid,
                    encoding: EncodingKey::from_secret(&s),
                    decoding: DecodingKey::from_secret(&s),
                })
                .collect(),
            issuer,
            audience,
            access_ttl: Duration::seconds(access_ttl_secs as i64),
            refresh_ttl: Duration::seconds(refresh_ttl_secs as i64),
        }
    }

    /// Issues an access token.
    pub fn issue(&self, user: UserId, role: Role, device: &str) -> Result<(String, i64), ApiError> {
        let key = self
            .keys
            .first()
            .ok_or(ApiError::Unavailable("no signing key".into()))?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.access_ttl.num_seconds(),
            role: role.as_str().to_owned(),
            did: device.to_owned(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(ApiError::internal)?;
        Ok((token, self.access_ttl.num_seconds()))
    }

    /// Verifies an access token: pinned algorithm, known `kid`, and `exp`, `iat`, `iss`, `aud`,
    /// `sub` all present and right.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let bad = ApiError::Unauthorized("invalid or expired access token");
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| ApiError::Unauthorized("invalid or expired access token"))?;
        if header.alg != Algorithm::HS256 {
            return Err(bad);
        }
        let kid = header
            .kid
            .as_deref()
            .ok_or(ApiError::Unauthorized("invalid or expired access token"))?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or(ApiError::Unauthorized("invalid or expired access token"))?;
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        v.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, &key.decoding, &v)
            .map(|d| d.claims)
            .map_err(|_| bad)
    }
}

/// The signed-in caller: who, with which role, reaching what.
#[derive(Clone, Debug)]
pub struct Principal {
    /// User id.
    pub user: UserId,
    /// Current role (read from the database on every request, so changes apply at once).
    pub role: Role,
    /// What the caller can reach.
    pub scope: Scope,
    /// The device the token was issued to.
    pub device: String,
}

impl Principal {
    /// Refuses with 403 unless the role may take `action`.
    pub fn require(&self, action: fieldcheck_domain::Action) -> Result<(), ApiError> {
        if self.role.may(action) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let auth = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or(ApiError::Unavailable("not configured".into()))?;
            let auth = auth.ok_or(ApiError::Unauthorized("missing bearer token"))?;
            let token = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))
                .ok_or(ApiError::Unauthorized("missing bearer token"))?;
            let claims = state.tokens.verify(token.trim())?;
            let id: UserId = claims
                .sub
                .parse()
                .map_err(|_| ApiError::Unauthorized("invalid or expired access token"))?;
            let account = state
                .store
                .account(id)
                .await?
                .filter(|a| !a.row.disabled)
                .ok_or(ApiError::Unauthorized("account disabled or removed"))?;
            tracing::Span::current().record("user_id", tracing::field::display(id));
            Ok(Principal {
                user: id,
                role: account.role,
                scope: account.scope(),
                device: claims.did,
            })
        })
    }
}

/// A kind of action, as a type, so a handler can demand it in its signature.
pub trait Permission {
    /// The action demanded.
    const ACTION: fieldcheck_domain::Action;
}

macro_rules! permissions {
    ($($name:ident),*) => {$(
        /// Marker for the action of the same name.
        pub struct $name;
        impl Permission for $name {
            const ACTION: fieldcheck_domain::Action = fieldcheck_domain::Action::$name;
        }
    )*};
}
permissions!(
    EditRegistry,
    EditAssessees,
    ManageUsers,
    ManageCycles,
    Score,
    SubmitSelfReport,
    RecordResponses
);

/// A caller whose role may take `P`'s action. Extracted before the body, so a caller without
/// the permission gets 403 whatever it sent.
pub struct Can<P: Permission>(pub Principal, pub std::marker::PhantomData<P>);

impl<P: Permission + 'static> FromRequest for Can<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let p = principal.await?;
            p.require(P::ACTION)?;
            Ok(Can(p, std::marker::PhantomData))
        })
    }
}

/// Tokens handed out at sign-in and refresh.
#[derive(Serialize)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    refresh_token: String,
    refresh_expires_in: i64,
    user: users::User,
}

/// How tokens are stored: their SHA-256, never the token (refresh tokens, browser sessions).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// Failed sign-ins allowed per account within the window before each further failure locks the
/// account out, doubling from one second up to fifteen minutes.
const FREE_FAILURES_PER_ACCOUNT: u32 = 5;
/// The same per client address, higher because an office or a village may share one address.
const FREE_FAILURES_PER_ADDRESS: u32 = 30;

fn lockout_after(free: u32, failures: u32) -> Duration {
    if failures < free {
        Duration::zero()
    } else {
        Duration::seconds(1i64 << (failures - free).min(10)).min(Duration::minutes(15))
    }
}

fn lockout(failures: u32) -> Duration {
    lockout_after(FREE_FAILURES_PER_ACCOUNT, failures)
}

/// Issues an access token and a refresh token of `family` for the device, storing the
/// refresh token's hash.
pub(crate) async fn issue_pair(
    state: &AppState,
    conn: &impl fieldcheck_store::sea_orm::ConnectionTrait,
    user: UserId,
    role: Role,
    family: uuid::Uuid,
    device: &str,
) -> Result<TokenResponse, ApiError> {
    let (access_token, expires_in) = state.tokens.issue(user, role, device)?;
    let refresh = new_refresh_token();
    users::store_refresh(
        conn,
        users::TokenKind::Device,
        user,
        family,
        token_hash(&refresh),
        device,
        state.tokens.refresh_ttl,
    )
    .await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in,
        refresh_token: refresh,
        refresh_expires_in: state.tokens.refresh_ttl.num_seconds(),
        user: users::get(conn, user).await?,
    })
}

/// Checks a user name and password, slowing repeated failures down per account and per client
/// address; a success clears the counters and is audited (`auth.login`). Used by the API's
/// sign-in and by the office's pages.
pub async fn authenticate(
    state: &AppState,
    addr: &str,
    username: &str,
    password: &str,
    device: &str,
) -> Result<users::Account, ApiError> {
    let keys = [
        format!("user:{}", username.to_lowercase()),
        format!("addr:{addr}"),
    ];
    for k in &keys {
        if let Some(until) = users::blocked_until(&state.store.db, k).await? {
            let wait = (until - chrono::Utc::now()).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyAttempts { retry_after: wait });
        }
    }
    let account = users::account_by_username(&state.store.db, username).await?;
    let password = password.to_owned();
    let stored = account.as_ref().map(|a| a.row.password_hash.clone());
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = spawn_blocking_in_span(move || {
        password::verify(
            &password,
            stored.as_deref().unwrap_or(password::dummy_hash()),
        )
    })
    .await
    .map_err(ApiError::internal)?;
    let txn = state.store.write().await?;
    match account {
        Some(a) if ok && !a.row.disabled => {
            for k in &keys {
                users::clear_failures(&*txn, k).await?;
            }
            let user = UserId(a.row.id);
            fieldcheck_store::audit::record(
                &*txn,
                Some(user),
                "auth.login",
                "user",
                user.to_string(),
                serde_json::json!({ "device": device }),
            )
            .await?;
            txn.commit().await?;
            Ok(a)
        }
        _ => {
            users::record_failure(&*txn, &keys[0], Duration::minutes(15), lockout).await?;
            users::record_failure(&*txn, &keys[1], Duration::minutes(15), |n| {
                lockout_after(FREE_FAILURES_PER_ADDRESS, n)
            })
            .await?;
            txn.commit().await?;
            Err(ApiError::Unauthorized("wrong user name or password"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_grows_and_caps() {
        assert_eq!(lockout(4), Duration::zero());
        assert_eq!(lockout(5), Duration::seconds(1));
        assert_eq!(lockout(7), Duration::seconds(4));
        assert_eq!(lockout(40), Duration::minutes(15));
    }

    #[test]
    fn keys_parse() {
        let k = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        assert_eq!(parse_keys(&format!("a:{k}, b:{k}")).unwrap().len(), 2);
        assert!(parse_keys("a:c2hvcnQ=").is_err());
        assert!(parse_keys("").is_err());
    }
}
