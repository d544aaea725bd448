//! `/ui/people`: the users, for admins: list, add, edit role and grants, disable or enable,
//! reset a password. The same store functions as the API's `/users` (validation, audit and the
//! ending of sessions live there), the same password hashing off the workers.

use crate::i18n::people::{ZH_CN as P, role_label};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use fieldcheck_api::handlers::users::hash_off_thread;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, HouseholdId, PlaceId, PlaceLevel, Role, UserId, ValidationErrors};
use fieldcheck_store::places::{self, PlaceFilter};
use fieldcheck_store::users::{self, NewUser, User, UserPatch};
use fieldcheck_store::{PageRequest, StoreError, registry};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Messages per form field (`""`: the form as a whole).
type Problems = BTreeMap<&'static str, String>;

/// What the user typed, to show again with the problems.
#[derive(Default)]
struct Fields {
    csrf: String,
    username: String,
    display_name: String,
    password: String,
    role: String,
    district_code: String,
    villages: Vec<String>,
    households: String,
    version: String,
}

impl Fields {
    fn from_pairs(pairs: Vec<(String, String)>) -> Fields {
        let mut f = Fields::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "username" => f.username = v,
                "display_name" => f.display_name = v,
                "password" => f.password = v,
                "role" => f.role = v,
                "district_code" => f.district_code = v,
                "village" => f.villages.push(v),
                "households" => f.households = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    fn district(&self) -> Option<String> {
        empty_none(&Some(self.district_code.clone()))
    }

    fn version(&self) -> Result<i64, WebError> {
        self.version
            .trim()
            .parse()
            .map_err(|_| WebError::BadRequest("version".into()))
    }
}

/// The store's validation problems, in the office's words, by field.
fn problems_of(e: &ValidationErrors, out: &mut Problems) {
    for f in &e.0 {
        let (field, text): (&'static str, &str) = match (f.field.as_str(), f.code) {
            ("username", _) => ("username", P.bad_username),
            ("display_name", _) => ("display_name", P.bad_display_name),
            ("password", "too-long") => ("password", P.password_long),
            ("password", _) => ("password", P.password_short),
            ("district_code", _) => ("district_code", P.district_required),
            ("assessee_id", _) => ("role", P.assessee_required),
            _ => ("", f.message.as_str()),
        };
        out.entry(field).or_insert_with(|| text.to_owned());
    }
}

/// The villages to choose from, by id.
async fn villages(state: &AppState) -> Result<Vec<places::Place>, WebError> {
    let filter = PlaceFilter {
        level: Some(PlaceLevel::Village),
        ..PlaceFilter::default()
    };
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page =
            places::list(&state.store.db, &filter, PageRequest::new(after, Some(500))).await?;
        out.extend(page.items);
        match page.next_after {
            Some(a) => after = Some(a),
            None => return Ok(out),
        }
    }
}

/// Parses the grant fields: village ids (a bad one is a bad request; an unknown one a problem)
/// and registration numbers (unknown ones a problem).
async fn grants(
    state: &AppState,
    f: &Fields,
    known: &[places::Place],
    problems: &mut Problems,
) -> Result<(Vec<PlaceId>, Vec<HouseholdId>), WebError> {
    let mut village_ids = Vec::new();
    for v in &f.villages {
        let id = Uuid::parse_str(v.trim())
            .map_err(|_| WebError::BadRequest(format!("{}: {}", P.villages, P.unknown_village)))?;
        if known.iter().any(|k| k.id.0 == id) {
            village_ids.push(PlaceId(id));
        } else {
            problems.insert("village", P.unknown_village.to_owned());
        }
    }
    let numbers: Vec<String> = f
        .households
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let found = registry::ids_by_registration_no(&state.store.db, &numbers).await?;
    let unknown: Vec<&str> = found
        .iter()
        .filter(|(_, id)| id.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    if !unknown.is_empty() {
        problems.insert(
            "households",
            format!("{}：{}", P.unknown_household, unknown.join("、")),
        );
    }
    Ok((
        village_ids,
        found.into_iter().filter_map(|(_, id)| id).collect(),
    ))
}

fn role_of(f: &Fields, problems: &mut Problems) -> Option<Role> {
    let r = Role::parse(f.role.trim());
    if r.is_none() {
        problems.insert("role", P.bad_role.to_owned());
    }
    r
}

fn problem(problems: &Problems, field: &str) -> Markup {
    html! {
        @if let Some(m) = problems.get(field) { span.error id={ "err-" (field) } { (m) } }
    }
}

fn role_select(selected: &str, problems: &Problems) -> Markup {
    html! {
        label {
            (P.role)
            select name="role" aria-invalid=[problems.get("role").map(|_| "true")] {
                @for r in Role::ALL {
                    option value=(r.as_str()) selected[r.as_str() == selected] { (role_label(*r)) }
                }
            }
            (problem(problems, "role"))
        }
    }
}

/// The role, district and grant fields, shared by the add and edit forms.
fn scope_fields(f: &Fields, known: &[places::Place], problems: &Problems) -> Markup {
    html! {
        (role_select(&f.role, problems))
        label {
            (P.district_code) " (" (P.district_hint) ")"
            input name="district_code" value=(f.district_code) inputmode="numeric" maxlength="6"
                aria-invalid=[problems.get("district_code").map(|_| "true")];
            (problem(problems, "district_code"))
        }
        fieldset.villages {
            legend { (P.villages) }
            @for v in known {
                @let id = v.id.0.to_string();
                label.check {
                    input type="checkbox" name="village" value=(id) checked[f.villages.contains(&id)];
                    " " (v.name) " " span.mono { (v.code) }
                }
            }
            (problem(problems, "village"))
        }
        label {
            (P.households) " (" (P.households_hint) ")"
            textarea name="households" rows="3" aria-invalid=[problems.get("households").map(|_| "true")] { (f.households) }
            (problem(problems, "households"))
        }
    }
}

fn summary(problems: &Problems) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.error #form-problems role="alert" {
                p { (P.form_problems) }
                @if let Some(m) = problems.get("") { p { (m) } }
            }
        }
    }
}

fn scope_text(u: &User) -> String {
    match u.role {
        Role::Admin | Role::OfficeReviewer => P.scope_all.to_owned(),
        Role::DistrictReviewer => u.district_code.clone().unwrap_or_default(),
        _ => format!(
            "{} {}，{} {}",
            u.village_ids.len(),
            P.n_villages,
            u.household_ids.len(),
            P.n_households
        ),
    }
}

fn list_page(
    who: &Reviewer,
    all: &[User],
    known: &[places::Place],
    f: &Fields,
    problems: &Problems,
) -> HttpResponse {
    let body = html! {
        p { a href="/ui/units" { (P.units_title) } }
        table #users {
            thead { tr {
                th scope="col" { (P.username) } th scope="col" { (P.display_name) } th scope="col" { (P.role) }
                th scope="col" { (P.scope) } th scope="col" { (P.status) } th scope="col" { (P.edit) }
            } }
            tbody {
                @for u in all {
                    tr data-username=(u.username) data-disabled=(u.disabled) {
                        td.mono { (u.username) }
                        td { (u.display_name) }
                        td { (role_label(u.role)) }
                        td { (scope_text(u)) }
                        td { (if u.disabled { P.disabled } else { P.active }) }
                        td { a href={ "/ui/people/" (u.id) } { (P.edit) span.visually-hidden { " " (u.username) } } }
                    }
                }
            }
        }
        h2 #add { (P.add) }
        (summary(problems))
        form.user #add-user method="post" action="/ui/people" {
            input type="hidden" name="csrf" value=(who.csrf);
            label {
                (P.username)
                input name="username" value=(f.username) required maxlength="64" autocomplete="off"
                    aria-invalid=[problems.get("username").map(|_| "true")];
                (problem(problems, "username"))
            }
            label {
                (P.display_name)
                input name="display_name" value=(f.display_name) required maxlength="100"
                    aria-invalid=[problems.get("display_name").map(|_| "true")];
                (problem(problems, "display_name"))
            }
            label {
                (P.password) " (" (P.password_hint) ")"
                input name="password" type="password" autocomplete="new-password" required
                    aria-invalid=[problems.get("password").map(|_| "true")];
                (problem(problems, "password"))
            }
            (scope_fields(f, known, problems))
            button #create type="submit" { (P.create) }
        }
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut r = layout(who, P.title, body);
    *r.status_mut() = status;
    r
}

async fn all_users(state: &AppState) -> Result<Vec<User>, WebError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = users::list(&state.store.db, None, PageRequest::new(after, Some(500))).await?;
        out.extend(page.items);
        match page.next_after {
            Some(a) => after = Some(a),
            None => return Ok(out),
        }
    }
}

/// `GET /ui/people`.
pub(crate) async fn list(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::ManageUsers)?;
    let all = all_users(&state).await?;
    let known = villages(&state).await?;
    let f = Fields {
        role: Role::Inspector.as_str().to_owned(),
        ..Fields::default()
    };
    Ok(list_page(&who, &all, &known, &f, &Problems::new()))
}

/// `POST /ui/people`: adds a user (audited by the store as the API's `POST /users`).
pub(crate) async fn create(
    state: web::Data<AppState>,
    who: Reviewer,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageUsers)?;
    let f = Fields::from_pairs(form.into_inner());
    who.check_csrf(&f.csrf)?;
    let known = villages(&state).await?;
    let mut problems = Problems::new();
    let role = role_of(&f, &mut problems);
    let (village_ids, household_ids) = grants(&state, &f, &known, &mut problems).await?;
    let again = |problems: Problems| {
        let state = state.clone();
        let who = &who;
        let known = &known;
        let f = &f;
        async move {
            let all = all_users(&state).await?;
            Ok::<_, WebError>(list_page(who, &all, known, f, &problems))
        }
    };
    let Some(role) = role else {
        return again(problems).await;
    };
    if !problems.is_empty() {
        return again(problems).await;
    }
    let input = NewUser {
        username: f.username.trim().to_owned(),
        display_name: f.display_name.trim().to_owned(),
        password: f.password.clone(),
        role,
        district_code: f.district(),
        assessee_id: None,
        unit_id: None,
        village_ids,
        household_ids,
    };
    let hash = hash_off_thread(Some(f.password.clone()))
        .await?
        .unwrap_or_default();
    let txn = state.store.write().await?;
    match users::create(&*txn, Some(who.principal.user), input, hash).await {
        Ok(_) => {}
        Err(StoreError::Invalid(v)) => {
            drop(txn);
            problems_of(&v, &mut problems);
            return again(problems).await;
        }
        Err(StoreError::Duplicate(_)) => {
            drop(txn);
            problems.insert("username", P.duplicate.to_owned());
            return again(problems).await;
        }
        Err(e) => return Err(e.into()),
    }
    txn.commit().await?;
    Ok(see_other("/ui/people"))
}

#[derive(Deserialize)]
pub(crate) struct Flash {
    done: Option<String>,
}

fn user_id(id: &str) -> Result<UserId, WebError> {
    Uuid::parse_str(id)
        .map(UserId)
        .map_err(|_| WebError::NotFound)
}

async fn user_page(
    state: &AppState,
    who: &Reviewer,
    u: &User,
    f: &Fields,
    problems: &Problems,
    flash: Option<&str>,
    status: StatusCode,
) -> Page {
    let known = villages(state).await?;
    let body = html! {
        p { a href="/ui/people" { (P.back) } }
        dl {
            dt { (P.username) } dd.mono #username { (u.username) }
            dt { (P.status) } dd #status data-disabled=(u.disabled) { (if u.disabled { P.disabled } else { P.active }) }
        }
        @if let Some(m) = flash { p.ok #flash role="status" { (m) } }
        (summary(problems))
        h2 { (P.details) }
        form.user #edit-user method="post" action={ "/ui/people/" (u.id) } {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="version" value=(u.version);
            label {
                (P.display_name)
                input name="display_name" value=(f.display_name) required maxlength="100"
                    aria-invalid=[problems.get("display_name").map(|_| "true")];
                (problem(problems, "display_name"))
            }
            (scope_fields(f, &known, problems))
            button #save type="submit" { (P.save) }
        }
        h2 { (P.reset_password) }
        form.user #password-form method="post" action={ "/ui/people/" (u.id) "/password" } {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="version" value=(u.version);
            label {
                (P.new_password) " (" (P.password_hint) ")"
                input name="password" type="password" autocomplete="new-password" required
                    aria-invalid=[problems.get("password").map(|_| "true")];
                (problem(problems, "password"))
            }
            button #reset type="submit" { (P.reset_password) }
        }
        h2 { (P.account) }
        form.user #status-form method="post" action={ "/ui/people/" (u.id) "/status" } {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="version" value=(u.version);
            @if u.disabled {
                button #enable type="submit" name="disabled" value="false" { (P.enable) }
            } @else {
                button #disable type="submit" name="disabled" value="true" { (P.disable) }
            }
        }
    };
    let mut r = layout(who, &format!("{} {}", P.user, u.username), body);
    *r.status_mut() = status;
    Ok(r)
}

async fn fields_of(state: &AppState, u: &User) -> Result<Fields, WebError> {
    Ok(Fields {
        display_name: u.display_name.clone(),
        role: u.role.as_str().to_owned(),
        district_code: u.district_code.clone().unwrap_or_default(),
        villages: u.village_ids.iter().map(|v| v.0.to_string()).collect(),
        households: registry::registration_nos(&state.store.db, &u.household_ids)
            .await?
            .join("\n"),
        version: u.version.to_string(),
        ..Fields::default()
    })
}

/// `GET /ui/people/{id}`.
pub(crate) async fn user(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<Flash>,
) -> Page {
    who.require(Action::ManageUsers)?;
    let u = users::get(&state.store.db, user_id(&id)?).await?;
    let f = fields_of(&state, &u).await?;
    let flash = match q.done.as_deref() {
        Some("password") => Some(P.password_changed),
        Some(_) => Some(P.saved),
        None => None,
    };
    user_page(
        &state,
        &who,
        &u,
        &f,
        &Problems::new(),
        flash,
        StatusCode::OK,
    )
    .await
}

/// Applies a change the way the API's `PATCH /users/{id}` does, at the version the form showed;
/// problems and a change made meanwhile are shown on the user's page.
async fn apply(
    state: &AppState,
    who: &Reviewer,
    id: UserId,
    f: &Fields,
    patch: UserPatch,
    mut problems: Problems,
    done: &str,
) -> Page {
    let current = users::get(&state.store.db, id).await?;
    let version = f.version()?;
    if problems.is_empty() {
        let hash = hash_off_thread(patch.password.clone()).await?;
        let txn = state.store.write().await?;
        match users::update(
            &*txn,
            Some(who.principal.user),
            id,
            Some(version),
            patch,
            hash,
        )
        .await
        {
            Ok(_) => {
                txn.commit().await?;
                return Ok(see_other(&format!("/ui/people/{}?done={done}", id.0)));
            }
            Err(StoreError::Invalid(v)) => problems_of(&v, &mut problems),
            Err(StoreError::Stale { .. }) => {
                problems.insert("", P.stale.to_owned());
                let shown = fields_of(state, &current).await?;
                return user_page(
                    state,
                    who,
                    &current,
                    &shown,
                    &problems,
                    None,
                    StatusCode::CONFLICT,
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut shown = fields_of(state, &current).await?;
    if done == "saved" {
        shown = Fields {
            version: shown.version,
            ..Fields::from_pairs(Vec::new())
        };
        shown.display_name.clone_from(&f.display_name);
        shown.role.clone_from(&f.role);
        shown.district_code.clone_from(&f.district_code);
        shown.villages.clone_from(&f.villages);
        shown.households.clone_from(&f.households);
    }
    user_page(
        state,
        who,
        &current,
        &shown,
        &problems,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// `POST /ui/people/{id}`: name, role, district and grants.
pub(crate) async fn update(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageUsers)?;
    let f = Fields::from_pairs(form.into_inner());
    who.check_csrf(&f.csrf)?;
    let id = user_id(&id)?;
    let known = villages(&state).await?;
    let mut problems = Problems::new();
    let role = role_of(&f, &mut problems);
    let (village_ids, household_ids) = grants(&state, &f, &known, &mut problems).await?;
    let patch = UserPatch {
        display_name: Some(f.display_name.trim().to_owned()),
        role,
        district_code: Some(f.district()),
        village_ids: Some(village_ids),
        household_ids: Some(household_ids),
        ..UserPatch::default()
    };
    apply(&state, &who, id, &f, patch, problems, "saved").await
}

/// `POST /ui/people/{id}/password`: a new password typed by the admin; the store ends the user's
/// sessions and tokens, as for the API.
pub(crate) async fn password(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageUsers)?;
    let f = Fields::from_pairs(form.into_inner());
    who.check_csrf(&f.csrf)?;
    let id = user_id(&id)?;
    let patch = UserPatch {
        password: Some(f.password.clone()),
        ..UserPatch::default()
    };
    apply(&state, &who, id, &f, patch, Problems::new(), "password").await
}

#[derive(Deserialize)]
pub(crate) struct StatusForm {
    csrf: String,
    version: String,
    disabled: String,
}

/// `POST /ui/people/{id}/status`: disable (ending every session and token) or enable.
pub(crate) async fn status(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Page {
    who.require(Action::ManageUsers)?;
    who.check_csrf(&form.csrf)?;
    let id = user_id(&id)?;
    let disabled = match form.disabled.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(WebError::BadRequest(P.status.into())),
    };
    let f = Fields {
        version: form.version.clone(),
        ..Fields::default()
    };
    let patch = UserPatch {
        disabled: Some(disabled),
        ..UserPatch::default()
    };
    apply(&state, &who, id, &f, patch, Problems::new(), "saved").await
}
