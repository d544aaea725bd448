//! Drawing a sample (sizes per village shown first, the seed shown and settable), the sample's
//! page (households by village, the map, the verification link) and assigning its households.

use super::{Refusal, cycle_nav, path_id, refused_page};
use crate::i18n::fieldwork::{ZH_CN as F, method_label};
use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::pages::map;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::assessment::SampleSize;
use fieldcheck_domain::{Action, GeoPoint};
use fieldcheck_store::entities::{households, places};
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use fieldcheck_store::{StoreError, assessment as cycles_store, fieldwork, places as places_store};
use maud::html;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// The draw form's values, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct DrawQuery {
    name: Option<String>,
    district: Option<String>,
    rule: Option<String>,
    size: Option<String>,
    seed: Option<String>,
}

/// The draw form as posted.
#[derive(Deserialize)]
pub(crate) struct DrawForm {
    csrf: String,
    #[serde(flatten)]
    values: DrawQuery,
}

/// A fresh seed to show in the form (the office may type its own).
fn new_seed() -> String {
    Uuid::new_v4().as_u64_pair().0.to_string()
}

/// The size rule of the form, or what is wrong with it.
fn parse_size(q: &DrawQuery) -> Result<SampleSize, String> {
    let raw = q.size.as_deref().map(str::trim).unwrap_or_default();
    match q.rule.as_deref().unwrap_or("per_stratum") {
        "per_stratum" => raw
            .parse::<usize>()
            .map(SampleSize::PerStratum)
            .map_err(|_| format!("{}: {}", F.size, F.not_a_number)),
        "proportion" => raw
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite())
            .map(SampleSize::Proportion)
            .ok_or_else(|| format!("{}: {}", F.size, F.not_a_number)),
        _ => Err(format!("{}: {}", F.size_rule, F.not_an_id)),
    }
}

fn with_defaults(mut q: DrawQuery) -> DrawQuery {
    if q.rule.is_none() && q.size.is_none() {
        q.rule = Some("per_stratum".into());
        q.size = Some("2".into());
    }
    if q.seed.as_deref().is_none_or(|s| s.trim().is_empty()) {
        q.seed = Some(new_seed());
    }
    q
}

/// A sample's size rule as people read it.
fn size_label(size: &serde_json::Value) -> String {
    match serde_json::from_value::<SampleSize>(size.clone()) {
        Ok(SampleSize::PerStratum(n)) => format!("{} {n}", F.per_stratum),
        Ok(SampleSize::Proportion(p)) => format!("{} {p}", F.proportion),
        Err(_) => size.to_string(),
    }
}

/// The draw page: the form (GET, to preview), the sizes per village, and the draw button
/// (POST, with exactly the previewed values).
async fn draw_page(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    q: DrawQuery,
    refusal: Option<Refusal>,
) -> Page {
    let db = &state.store.db;
    let c = cycles_store::get_cycle(db, cid).await?;
    let districts = places_store::list_districts(db).await?;
    let district = empty_none(&q.district);
    let size = parse_size(&q);
    let refusal = match (&size, refusal) {
        (_, Some(r)) => Some(r),
        (Err(m), None) => Some(Refusal::invalid(vec![m.clone()])),
        (Ok(_), None) => None,
    };
    let strata = fieldwork::strata(db, district.as_deref()).await?;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let rule = q.rule.clone().unwrap_or_else(|| "per_stratum".into());
    let body = html! {
        (cycle_nav(cid))
        @if let Some(r) = &refusal { (r.markup()) }
        form.filters #preview-form method="get" action={ "/ui/fieldwork/cycles/" (cid) "/samples/new" } {
            label { (F.name) input #sample-name name="name" value=(v(&q.name)) maxlength="100"; }
            label { (F.district)
                select name="district" {
                    option value="" { (F.all_districts) }
                    @for (code, name) in &districts {
                        option value=(code) selected[district.as_deref() == Some(code.as_str())] { (name) " " (code) }
                    }
                }
            }
            label { (F.size_rule)
                select name="rule" {
                    option value="per_stratum" selected[rule == "per_stratum"] { (F.per_stratum) }
                    option value="proportion" selected[rule == "proportion"] { (F.proportion) }
                }
            }
            label { (F.size) input name="size" value=(v(&q.size)) size="6" inputmode="decimal"; }
            label { (F.seed) input #seed name="seed" value=(v(&q.seed)) size="22" inputmode="numeric"; }
            button #preview type="submit" { (F.preview) }
        }
        p.muted { (F.seed_help) }
        @if let Ok(size) = size {
            h2 { (F.sizes) }
            table #strata {
                thead { tr { th { (F.village) } th { (F.households) } th { (F.to_draw) } } }
                tbody {
                    @for s in &strata {
                        tr {
                            td { (s.name) " " small { (s.code) } }
                            td.num { (s.households) }
                            td.num { (size.of(s.households)) }
                        }
                    }
                    tr.total {
                        td { (F.total) }
                        td.num { (strata.iter().map(|s| s.households).sum::<usize>()) }
                        td.num #draw-total { (strata.iter().map(|s| size.of(s.households)).sum::<usize>()) }
                    }
                }
            }
            form #draw-form method="post" action={ "/ui/fieldwork/cycles/" (cid) "/samples" } {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="name" value=(v(&q.name));
                input type="hidden" name="district" value=(district.clone().unwrap_or_default());
                input type="hidden" name="rule" value=(rule);
                input type="hidden" name="size" value=(v(&q.size));
                input type="hidden" name="seed" value=(v(&q.seed));
                p { (F.seed) " " code #shown-seed { (v(&q.seed)) } }
                button #draw type="submit" { (F.draw) }
            }
        }
    };
    let title = format!("{} {} · {}", T.cycle, c.year, F.draw);
    Ok(match &refusal {
        Some(r) => refused_page(who, &title, body, r),
        None => layout(who, &title, body),
    })
}

/// `GET /ui/fieldwork/cycles/{id}/samples/new`.
pub(crate) async fn new(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<DrawQuery>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let cid = path_id(&id)?;
    draw_page(&state, &who, cid, with_defaults(q.into_inner()), None).await
}

/// `POST /ui/fieldwork/cycles/{id}/samples`: the draw, validated by the store as
/// `POST /cycles/{id}/samples` is.
pub(crate) async fn draw(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<DrawForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let cid = path_id(&id)?;
    let q = form.into_inner().values;
    let size = match parse_size(&q) {
        Ok(s) => s,
        Err(m) => return draw_page(&state, &who, cid, q, Some(Refusal::invalid(vec![m]))).await,
    };
    let input = fieldwork::NewSample {
        name: q.name.clone().unwrap_or_default(),
        size,
        seed: empty_none(&q.seed),
        district_code: empty_none(&q.district),
        assign_to: None,
        due_on: None,
    };
    let txn = state.store.write().await?;
    match fieldwork::draw_sample(&*txn, who.principal.user, cid, input).await {
        Ok(s) => {
            txn.commit().await?;
            Ok(see_other(&format!("/ui/fieldwork/samples/{}", s.id)))
        }
        Err(e) => {
            drop(txn);
            let r = Refusal::from_store(e)?;
            draw_page(&state, &who, cid, q, Some(r)).await
        }
    }
}

/// The assignment form's values, as typed (checkboxes repeat their names).
#[derive(Debug, Default)]
struct AssignInput {
    households: BTreeSet<String>,
    strata: BTreeSet<String>,
    villages: BTreeSet<String>,
    user: String,
    method: String,
    due_on: String,
    note: String,
}

impl AssignInput {
    fn from_pairs(pairs: Vec<(String, String)>) -> (String, AssignInput) {
        let mut csrf = String::new();
        let mut a = AssignInput::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => csrf = v,
                "household" => {
                    a.households.insert(v);
                }
                "stratum" => {
                    a.strata.insert(v);
                }
                "village" => {
                    a.villages.insert(v);
                }
                "user" => a.user = v,
                "method" => a.method = v,
                "due_on" => a.due_on = v,
                "note" => a.note = v,
                _ => {}
            }
        }
        (csrf, a)
    }
}

/// What the sample's page shows about its households.
struct Home {
    id: Uuid,
    registration_no: String,
    at: Option<GeoPoint>,
}

/// `?assigned=n` after a successful form.
#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    assigned: Option<usize>,
}

async fn sample_page(
    state: &AppState,
    who: &Reviewer,
    sid: Uuid,
    input: &AssignInput,
    refusal: Option<Refusal>,
    assigned: Option<usize>,
) -> Page {
    let db = &state.store.db;
    let s = fieldwork::get_sample(db, sid).await?;
    let cid = s.cycle_id;
    let c = cycles_store::get_cycle(db, cid).await?;
    let ids: Vec<Uuid> = s.households.iter().map(|h| h.household_id).collect();
    let mut homes: HashMap<Uuid, Home> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, String, Option<f64>, Option<f64>)> = households::Entity::find()
            .select_only()
            .column(households::Column::Id)
            .column(households::Column::RegistrationNo)
            .column(households::Column::Lat)
            .column(households::Column::Lon)
            .filter(who.principal.scope.households())
            .filter(households::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .map_err(StoreError::from)?;
        for (id, registration_no, lat, lon) in rows {
            let at = lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon });
            homes.insert(
                id,
                Home {
                    id,
                    registration_no,
                    at,
                },
            );
        }
    }
    let codes: BTreeSet<&str> = s.households.iter().map(|h| h.stratum.as_str()).collect();
    let villages: HashMap<String, (Uuid, String)> = places::Entity::find()
        .select_only()
        .column(places::Column::Code)
        .column(places::Column::Id)
        .column(places::Column::Name)
        .filter(places::Column::Level.eq("village"))
        .filter(places::Column::Code.is_in(codes.iter().map(|c| c.to_string())))
        .into_tuple::<(String, Uuid, String)>()
        .all(db)
        .await
        .map_err(StoreError::from)?
        .into_iter()
        .map(|(code, id, name)| (code, (id, name)))
        .collect();
    // By village, in code order; households outside the caller's scope are not shown.
    let mut by_village: BTreeMap<&str, Vec<&Home>> = BTreeMap::new();
    for h in &s.households {
        let list = by_village.entry(h.stratum.as_str()).or_default();
        if let Some(home) = homes.get(&h.household_id) {
            list.push(home);
        }
    }
    let users = fieldwork::field_users(db).await?;
    let names: HashMap<Uuid, &str> = users
        .iter()
        .map(|u| (u.id, u.display_name.as_str()))
        .collect();
    let mut holders: HashMap<Uuid, Vec<&str>> = HashMap::new();
    let current = fieldwork::list_assignments(db, None, Some(cid)).await?;
    for a in &current {
        holders
            .entry(a.target_id)
            .or_default()
            .push(names.get(&a.user_id).copied().unwrap_or("?"));
    }
    let mut points = Vec::new();
    for (i, (code, list)) in by_village.iter().enumerate() {
        let name = villages.get(*code).map_or("", |v| v.1.as_str());
        for h in list {
            if let Some(at) = h.at {
                points.push(map::Point::new(
                    state,
                    at,
                    format!("sample v{}", i % 6),
                    format!("/ui/households/{}", h.id),
                    format!("{name} {}", h.registration_no),
                ));
            }
        }
    }
    let today = chrono::Utc::now().date_naive();
    let due_default = (today + chrono::Duration::days(14)).to_string();
    let due = if input.due_on.is_empty() {
        due_default
    } else {
        input.due_on.clone()
    };
    let note = if input.note.is_empty() && refusal.is_none() {
        format!("{}：{}", F.sample_note, s.name)
    } else {
        input.note.clone()
    };
    let method = if input.method.is_empty() {
        "on_site_verification"
    } else {
        input.method.as_str()
    };
    let body = html! {
        (cycle_nav(cid))
        @if let Some(n) = assigned { p.notice #notice role="status" { (F.created) "：" (n) } }
        dl.sample {
            dt { (F.seed) } dd { code #seed { (s.seed) } }
            dt { (F.district) } dd { (s.district_code.as_deref().unwrap_or(F.all_districts)) }
            dt { (F.size_rule) } dd { (size_label(&s.size)) }
            dt { (F.candidates) } dd { (s.candidates) }
            dt { (F.drawn) } dd #drawn { (s.drawn) }
            dt { (F.created_at) } dd { (i18n::local_time(state, s.created_at, true)) }
            dt { (F.algorithm) } dd.muted { (s.algorithm) }
        }
        p { a #verify href={ "/ui/fieldwork/samples/" (sid) "/verify" } { (F.verify) } }
        h2 { (F.map) }
        ul.legend {
            @for (i, code) in by_village.keys().enumerate() {
                li { span class={ "swatch v" (i % 6) } {} (villages.get(*code).map_or("", |v| v.1.as_str())) " " small { (code) } }
            }
        }
        (map::svg(state, "sample-map", &points))
        h2 #assign { (F.assign) }
        @if let Some(r) = &refusal { (r.markup()) }
        form #assign-form method="post" action={ "/ui/fieldwork/samples/" (sid) "/assign" } {
            input type="hidden" name="csrf" value=(who.csrf);
            @for (code, list) in &by_village {
                @let village = villages.get(*code);
                fieldset.village data-stratum=(code) {
                    legend { (village.map_or("", |v| v.1.as_str())) " " small { (code) } }
                    label.select-village {
                        input type="checkbox" name="stratum" value=(code) data-select-stratum=(code) checked[input.strata.contains(*code)];
                        (F.select_village)
                    }
                    @if let Some((vid, _)) = village {
                        label.whole-village {
                            input type="checkbox" name="village" value=(vid) checked[input.villages.contains(&vid.to_string())];
                            (F.whole_village)
                            @if let Some(h) = holders.get(vid) { " — " (F.assigned_to) "：" (h.join("、")) }
                        }
                    }
                    ul.households {
                        @for h in list {
                            li {
                                label {
                                    input type="checkbox" name="household" value=(h.id) data-stratum=(code) checked[input.households.contains(&h.id.to_string())];
                                    (F.registration_no) " " (h.registration_no)
                                }
                                " " a href={ "/ui/households/" (h.id) } { (T.household) }
                                @if let Some(names) = holders.get(&h.id) {
                                    span.holders { " " (F.assigned_to) "：" (names.join("、")) }
                                }
                            }
                        }
                    }
                }
            }
            div.assign-fields {
                label { (F.user)
                    select #assign-user name="user" required {
                        option value="" { (F.choose) }
                        @for u in &users {
                            option value=(u.id) selected[input.user == u.id.to_string()] { (u.display_name) " (" (u.username) ")" }
                        }
                    }
                }
                label { (F.method)
                    select #assign-method name="method" {
                        @for m in fieldwork::METHODS {
                            option value=(m) selected[method == *m] { (method_label(m)) }
                        }
                    }
                }
                label { (F.due_on) input #due-on type="date" name="due_on" value=(due) required; }
                label { (F.note) input #note name="note" value=(note) maxlength="2000"; }
                button #assign-submit type="submit" { (F.create) }
            }
        }
        script src="/ui/static/fieldwork.js" defer {}
    };
    let title = format!("{} · {} {}", s.name, T.cycle, c.year);
    Ok(match &refusal {
        Some(r) => refused_page(who, &title, body, r),
        None => layout(who, &title, body),
    })
}

/// `GET /ui/fieldwork/samples/{id}`.
pub(crate) async fn show(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let sid = path_id(&id)?;
    sample_page(&state, &who, sid, &AssignInput::default(), None, q.assigned).await
}

/// `POST /ui/fieldwork/samples/{id}/assign`: one assignment per chosen household (directly or
/// through "the village's sampled households") and per whole village, through
/// `create_assignments` (each as `POST /assignments` makes it) in one transaction.
pub(crate) async fn assign(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let (csrf, input) = AssignInput::from_pairs(form.into_inner());
    who.check_csrf(&csrf)?;
    let sid = path_id(&id)?;
    let db = &state.store.db;
    let s = fieldwork::get_sample(db, sid).await?;
    let mut errors = Vec::new();
    let in_sample: HashMap<Uuid, &str> = s
        .households
        .iter()
        .map(|h| (h.household_id, h.stratum.as_str()))
        .collect();
    let mut targets: BTreeSet<(&'static str, Uuid)> = BTreeSet::new();
    for h in &input.households {
        match Uuid::parse_str(h.trim()) {
            Ok(u) if in_sample.contains_key(&u) => {
                targets.insert(("household", u));
            }
            Ok(_) => errors.push(format!("{}: {}", T.household, F.not_in_sample)),
            Err(_) => errors.push(format!("{}: {}", T.household, F.not_an_id)),
        }
    }
    for code in &input.strata {
        if !in_sample.values().any(|c| c == code) {
            errors.push(format!("{}: {}", F.village, F.not_in_sample));
        }
        for (h, c) in &in_sample {
            if c == code {
                targets.insert(("household", *h));
            }
        }
    }
    let sample_villages: BTreeSet<Uuid> = places::Entity::find()
        .select_only()
        .column(places::Column::Id)
        .filter(places::Column::Level.eq("village"))
        .filter(places::Column::Code.is_in(in_sample.values().map(|c| c.to_string())))
        .into_tuple::<Uuid>()
        .all(db)
        .await
        .map_err(StoreError::from)?
        .into_iter()
        .collect();
    for v in &input.villages {
        match Uuid::parse_str(v.trim()) {
            Ok(u) if sample_villages.contains(&u) => {
                targets.insert(("village", u));
            }
            Ok(_) => errors.push(format!("{}: {}", F.village, F.not_in_sample)),
            Err(_) => errors.push(format!("{}: {}", F.village, F.not_an_id)),
        }
    }
    if targets.is_empty() && errors.is_empty() {
        errors.push(F.nothing_chosen.to_owned());
    }
    let user = Uuid::parse_str(input.user.trim()).ok();
    if user.is_none() {
        errors.push(format!("{}: {}", F.user, F.not_a_user));
    }
    if !fieldwork::METHODS.contains(&input.method.as_str()) {
        errors.push(format!("{}: {}", F.method, F.unknown_method));
    }
    let due = NaiveDate::parse_from_str(input.due_on.trim(), "%Y-%m-%d").ok();
    if due.is_none() {
        errors.push(format!("{}: {}", F.due_on, F.not_a_date));
    }
    let (Some(user), Some(due), true) = (user, due, errors.is_empty()) else {
        return sample_page(
            &state,
            &who,
            sid,
            &input,
            Some(Refusal::invalid(errors)),
            None,
        )
        .await;
    };
    let batch: Vec<fieldwork::NewAssignment> = targets
        .iter()
        .map(|(kind, target)| fieldwork::NewAssignment {
            cycle_id: s.cycle_id,
            user_id: user,
            method: input.method.clone(),
            target_kind: (*kind).to_owned(),
            target_id: *target,
            due_on: due,
            note: input.note.clone(),
        })
        .collect();
    let txn = state.store.write().await?;
    match fieldwork::create_assignments(&*txn, who.principal.user, batch).await {
        Ok(made) => {
            txn.commit().await?;
            Ok(see_other(&format!(
                "/ui/fieldwork/samples/{sid}?assigned={}#assign",
                made.len()
            )))
        }
        Err(e) => {
            drop(txn);
            let r = Refusal::from_store(e)?;
            sample_page(&state, &who, sid, &input, Some(r), None).await
        }
    }
}

/// `GET /ui/fieldwork/samples/{id}/verify`: the sample drawn again from its seed, compared.
pub(crate) async fn verify(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    who.require(Action::ManageCycles)?;
    let sid = path_id(&id)?;
    let db = &state.store.db;
    let s = fieldwork::get_sample(db, sid).await?;
    let v = fieldwork::verify_sample(db, sid).await?;
    let matches = v["matches"].as_bool().unwrap_or(false);
    let body = html! {
        (cycle_nav(s.cycle_id))
        p #verdict .(if matches { "ok" } else { "warning" }) data-matches=(matches) {
            (if matches { F.matches } else { F.differs })
        }
        dl {
            dt { (F.seed) } dd { code { (s.seed) } }
            dt { (F.candidates_then) } dd { (v["candidates_then"]) }
            dt { (F.candidates_now) } dd { (v["candidates_now"]) }
            dt { (F.algorithm) } dd.muted { (s.algorithm) }
        }
        p { a href={ "/ui/fieldwork/samples/" (sid) } { (F.back_to_sample) } }
    };
    Ok(layout(
        &who,
        &format!("{} · {}", F.verification, s.name),
        body,
    ))
}
