//! Browser sessions: an opaque random token in an `HttpOnly`, `SameSite=Strict` cookie (`Secure`
//! behind TLS), stored only as a hash beside the API's refresh tokens, so disabling a user or
//! changing a password ends their browser sessions too. Forms carry a CSRF token derived from
//! the session with a server key; the sign-in form uses a double-submit cookie.

use crate::{WebError, i18n::ZH_CN as T, layout};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, http::header, web};
use fieldcheck_api::auth::{Principal, token_hash};
use fieldcheck_api::config::Mode;
use fieldcheck_api::error::ApiError;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, UserId};
use fieldcheck_store::users;
use hmac::{Hmac, Mac};
use maud::html;
use serde::Deserialize;
use sha2::Sha256;
use std::future::Future;
use std::pin::Pin;

const SESSION: &str = "fc_session";
const LOGIN_CSRF: &str = "fc_login";
/// The device name sessions are stored under (their kind, not this name, makes them sessions).
const DEVICE: &str = "web-session";

/// 32 random bytes as hex: cookie-safe.
fn encode_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The CSRF token of a session: a MAC of its family id under the server's key.
fn csrf_for(state: &AppState, family: uuid::Uuid) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&state.cursors.0)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(b"csrf:");
    m.update(family.as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

fn same(a: &str, b: &str) -> bool {
    // Constant time, so the token cannot be guessed byte by byte.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn secure(state: &AppState, req: &HttpRequest) -> bool {
    state
        .config
        .web
        .secure_cookies
        .unwrap_or(state.config.mode == Mode::Production)
        || req.connection_info().scheme() == "https"
}

/// Who may sign in to the pages at all: reviewers and the office, and commissioned evaluators
/// (who see only the scoring of their assessees).
const OFFICE_ACTIONS: [Action; 2] = [Action::ReviewEvidence, Action::Score];

/// A signed-in office user on the pages.
pub struct Reviewer {
    /// As the API's handlers see a caller (same scope rules).
    pub principal: Principal,
    /// Display name.
    pub name: String,
    /// The token forms must carry.
    pub csrf: String,
}

impl Reviewer {
    /// Refuses the page unless the caller's role may do `action` (the API's matrix, not a copy).
    pub fn require(&self, action: Action) -> Result<(), WebError> {
        if self.principal.role.may(action) {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if same(token, &self.csrf) {
            Ok(())
        } else {
            Err(WebError::BadRequest("CSRF token".into()))
        }
    }
}

impl FromRequest for Reviewer {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION).map(|c| c.value().to_owned());
        let here = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Box::pin(async move {
            let state = state.ok_or_else(|| WebError::Internal("no state".into()))?;
            let token = token.ok_or_else(|| WebError::SignIn(here.clone()))?;
            let (user, family) = users::session(&state.store.db, &token_hash(&token))
                .await?
                .ok_or_else(|| WebError::SignIn(here.clone()))?;
            let account = state
                .store
                .account(user)
                .await?
                .filter(|a| !a.row.disabled)
                .ok_or_else(|| WebError::SignIn(here.clone()))?;
            // The pages are the office's and its evaluators'; each page asks for its own action.
            if !OFFICE_ACTIONS.iter().any(|a| account.role.may(*a)) {
                return Err(WebError::Forbidden);
            }
            tracing::Span::current().record("user_id", tracing::field::display(user));
            Ok(Reviewer {
                name: account.row.display_name.clone(),
                csrf: csrf_for(&state, family),
                principal: Principal {
                    user,
                    role: account.role,
                    scope: account.scope(),
                    device: DEVICE.into(),
                },
            })
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Only paths of the pages themselves: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/ui/")
                && !n.contains("\\")
                && n.chars().all(|c| !c.is_control() && c != ' ') =>
        {
            n.to_owned()
        }
        _ => "/ui/".to_owned(),
    }
}

fn login_page(next: &str, token: &str, message: Option<&str>) -> maud::Markup {
    layout::bare(
        T.sign_in,
        html! {
            main.login {
                h1 { (T.product) }
                @if let Some(m) = message { p.error role="alert" { (m) } }
                form method="post" action="/ui/login" {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="next" value=(next);
                    label { (T.username) input name="username" autocomplete="username" required autofocus; }
                    label { (T.password) input name="password" type="password" autocomplete="current-password" required; }
                    button type="submit" { (T.sign_in) }
                }
            }
        },
    )
}

fn login_cookie(state: &AppState, req: &HttpRequest, token: &str) -> Cookie<'static> {
    Cookie::build(LOGIN_CSRF, token.to_owned())
        .path("/ui/login")
        .http_only(true)
        .secure(secure(state, req))
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::minutes(30))
        .finish()
}

/// `GET /ui/login`.
pub(crate) async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<NextQuery>,
) -> HttpResponse {
    let token = encode_token();
    let next = safe_next(q.next.as_deref());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .cookie(login_cookie(&state, &req, &token))
        .body(login_page(&next, &token, None).into_string())
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /ui/login`.
pub(crate) async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let f = form.into_inner();
    let expected = req.cookie(LOGIN_CSRF).map(|c| c.value().to_owned());
    if !expected.is_some_and(|e| same(&e, &f.csrf)) {
        return Err(WebError::BadRequest("CSRF token".into()));
    }
    let next = safe_next(f.next.as_deref());
    let addr = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let refused = |message: &str| {
        let token = encode_token();
        HttpResponse::Unauthorized()
            .content_type("text/html; charset=utf-8")
            .cookie(login_cookie(&state, &req, &token))
            .body(login_page(&next, &token, Some(message)).into_string())
    };
    let account =
        match fieldcheck_api::auth::authenticate(&state, &addr, &f.username, &f.password, DEVICE)
            .await
        {
            Ok(a) => a,
            Err(ApiError::Unauthorized(_)) => return Ok(refused(T.wrong_password)),
            Err(ApiError::TooManyAttempts { .. }) => return Ok(refused(T.too_many_attempts)),
            Err(e) => return Err(e.into()),
        };
    // The office and reviewers, and commissioned evaluators (who score, and see nothing else).
    if !OFFICE_ACTIONS.iter().any(|a| account.role.may(*a)) {
        return Err(WebError::Forbidden);
    }
    let token = encode_token();
    let ttl = state.config.web.session_ttl_secs;
    let txn = state.store.write().await?;
    users::store_refresh(
        &*txn,
        users::TokenKind::Session,
        UserId(account.row.id),
        uuid::Uuid::now_v7(),
        token_hash(&token),
        DEVICE,
        chrono::Duration::seconds(ttl as i64),
    )
    .await?;
    txn.commit().await?;
    let cookie = Cookie::build(SESSION, token)
        .path("/ui")
        .http_only(true)
        .secure(secure(&state, &req))
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(ttl as i64))
        .finish();
    let mut gone = Cookie::build(LOGIN_CSRF, "").path("/ui/login").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(cookie)
        .cookie(gone)
        .finish())
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// `POST /ui/logout`: ends this browser's session.
pub(crate) async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Reviewer,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    who.check_csrf(&form.csrf)?;
    if let Some(c) = req.cookie(SESSION)
        && let Some((_, family)) = users::session(&state.store.db, &token_hash(c.value())).await?
    {
        let txn = state.store.write().await?;
        users::revoke_family(&*txn, family).await?;
        txn.commit().await?;
    }
    let mut gone = Cookie::build(SESSION, "").path("/ui").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/ui/login"))
        .cookie(gone)
        .finish())
}
