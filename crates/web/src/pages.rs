//! The pages: layout, gallery, photo review, household, cycles and score sheets.

use crate::i18n::{self, ZH_CN as T};
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::assessment::format_points;
use fieldcheck_domain::evidence::PhotoFlag;
use fieldcheck_domain::{Action, HouseholdId, MeasureKind, ReviewStatus};
use fieldcheck_store::assessment as cycles_store;
use fieldcheck_store::entities::visits;
use fieldcheck_store::photos::{self, PhotoFilter};
use fieldcheck_store::registry::{self, IdNumbers};
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use fieldcheck_store::{PageRequest, fieldwork, places};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use uuid::Uuid;

type Page = Result<HttpResponse, WebError>;

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn head(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · " (T.product) }
        link rel="stylesheet" href="/ui/static/app.css";
        script src="/ui/static/app.js" defer {}
    }
}

/// A page without navigation (sign-in, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(T.lang) {
            head { (head(title)) }
            body { (body) }
        }
    }
}

/// The error page.
pub fn error_page(message: &str) -> Markup {
    bare(
        message,
        html! { main { h1 { (message) } p { a href="/ui/gallery" { (T.back) } } } },
    )
}

pub(crate) fn layout(who: &Reviewer, title: &str, body: Markup) -> HttpResponse {
    let page = html! {
        (DOCTYPE)
        html lang=(T.lang) {
            head { (head(title)) }
            body {
                header.top {
                    strong { (T.product) }
                    nav {
                        a href="/ui/gallery" { (T.nav_gallery) }
                        a href="/ui/map" { (T.nav_map) }
                        a href="/ui/cycles" { (T.nav_cycles) }
                    }
                    span.user { (who.name) }
                    form.inline method="post" action="/ui/logout" {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button type="submit" { (T.sign_out) }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    html_response(page)
}

fn html_response(page: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.into_string())
}

/// `GET /ui/`.
pub(crate) async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/ui/gallery"))
        .finish()
}

/// `GET /ui/static/app.css`.
pub(crate) async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/app.css"))
}

/// `GET /ui/static/app.js`.
pub(crate) async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/app.js"))
}

fn parse_uuid(s: &Option<String>, what: &str) -> Result<Option<Uuid>, WebError> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Uuid::parse_str(v)
            .map(Some)
            .map_err(|_| WebError::BadRequest(format!("{what}: not an id"))),
    }
}

fn empty_none(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The gallery's filters, as the query string carries them.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct GalleryQuery {
    district: Option<String>,
    village: Option<String>,
    household: Option<String>,
    assessee: Option<String>,
    measure_kind: Option<String>,
    flag: Option<String>,
    review: Option<String>,
    cycle: Option<String>,
    after: Option<String>,
}

impl GalleryQuery {
    /// The filters, as recorded in the audit log.
    pub(crate) fn audit_string(&self) -> String {
        self.without_position()
    }

    /// The query string without the page position and without the flag (for the flag badges).
    fn without_flag(&self) -> String {
        GalleryQuery {
            flag: None,
            ..self.clone()
        }
        .without_position()
    }

    /// The query string without the page position.
    fn without_position(&self) -> String {
        let pairs = [
            ("district", &self.district),
            ("village", &self.village),
            ("household", &self.household),
            ("assessee", &self.assessee),
            ("measure_kind", &self.measure_kind),
            ("flag", &self.flag),
            ("review", &self.review),
            ("cycle", &self.cycle),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| empty_none(v).map(|v| format!("{k}={}", encode(&v))))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub(crate) async fn filter(&self, state: &AppState) -> Result<PhotoFilter, WebError> {
        let flag = match empty_none(&self.flag) {
            None => None,
            Some(f) => Some(
                PhotoFlag::parse(&f).ok_or_else(|| WebError::BadRequest(format!("flag {f}")))?,
            ),
        };
        let review = match empty_none(&self.review) {
            None => None,
            Some(r) => {
                Some(ReviewStatus::parse(&r).ok_or_else(|| WebError::BadRequest("review".into()))?)
            }
        };
        let district = empty_none(&self.district);
        if district
            .as_deref()
            .is_some_and(|d| !fieldcheck_domain::DivisionCode::is_district(d))
        {
            return Err(WebError::BadRequest("district".into()));
        }
        let measure_kind = empty_none(&self.measure_kind);
        if measure_kind
            .as_deref()
            .is_some_and(|k| MeasureKind::parse(k).is_none())
        {
            return Err(WebError::BadRequest("measure_kind".into()));
        }
        let taken_between = match parse_uuid(&self.cycle, "cycle")? {
            Some(c) => {
                let c = cycles_store::get_cycle(&state.store.db, c).await?;
                Some((c.window_start, c.window_end))
            }
            None => None,
        };
        Ok(PhotoFilter {
            household_id: parse_uuid(&self.household, "household")?,
            village_id: parse_uuid(&self.village, "village")?,
            assessee_id: parse_uuid(&self.assessee, "assessee")?,
            flag,
            review_status: review,
            district_code: district,
            measure_kind,
            taken_between,
            ..Default::default()
        })
    }
}

const PAGE: u64 = 48;

/// `GET /ui/gallery`: thumbnails page by page, with counts per flag and review status.
pub(crate) async fn gallery(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<GalleryQuery>,
) -> Page {
    let p = &who.principal;
    let filter = q.filter(&state).await?;
    let after = parse_uuid(&q.after, "after")?;
    let db = &state.store.db;
    let page = photos::list(
        db,
        &p.scope,
        &filter,
        PageRequest::new(after, Some(PAGE)),
        p.role.may(Action::ReadOriginals),
    )
    .await?;
    let counts = photos::counts(db, &p.scope, &filter).await?;
    let (flag_counts, review_counts) = (&counts.flags, &counts.review);
    let districts = places::list_districts(db).await?;
    let cycles = cycles_store::list_cycles(db).await?;
    let base = q.without_position();
    let no_flag = q.without_flag();
    let ids: Vec<String> = page.items.iter().map(|ph| ph.id.to_string()).collect();
    let selected = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let body = html! {
        form.filters method="get" action="/ui/gallery" {
            label { (T.district)
                select name="district" {
                    option value="" { (T.all) }
                    @for (code, name) in &districts {
                        option value=(code) selected[selected(&q.district, code)] {
                            (name) " (" (counts.districts.get(code).copied().unwrap_or(0)) ")"
                        }
                    }
                }
            }
            label { (T.cycle)
                select name="cycle" {
                    option value="" { (T.all) }
                    @for c in &cycles {
                        @let id = c.id.to_string();
                        option value=(id) selected[selected(&q.cycle, &id)] { (c.year) }
                    }
                }
            }
            label { (T.flag)
                select name="flag" {
                    option value="" { (T.all) }
                    @for f in PhotoFlag::ALL {
                        option value=(f.as_str()) selected[selected(&q.flag, f.as_str())] {
                            (i18n::flag_label(*f)) " (" (flag_counts.get(f.as_str()).copied().unwrap_or(0)) ")"
                        }
                    }
                }
            }
            label { (T.review_status)
                select name="review" {
                    option value="" { (T.all) }
                    @for r in ["pending", "accepted", "rejected"] {
                        option value=(r) selected[selected(&q.review, r)] {
                            (i18n::review_label(r)) " (" (review_counts.get(r).copied().unwrap_or(0)) ")"
                        }
                    }
                }
            }
            label { (T.measure_kind)
                select name="measure_kind" {
                    option value="" { (T.all) }
                    @for k in MeasureKind::ALL {
                        option value=(k.as_str()) selected[selected(&q.measure_kind, k.as_str())] { (k.as_str()) }
                    }
                }
            }
            label { (T.village) input name="village" value=(q.village.clone().unwrap_or_default()) size="12"; }
            label { (T.household) input name="household" value=(q.household.clone().unwrap_or_default()) size="12"; }
            label { (T.assessee) input name="assessee" value=(q.assessee.clone().unwrap_or_default()) size="12"; }
            button type="submit" { (T.filter) }
        }
        p.counts {
            @for (flag, n) in flag_counts {
                @if let Some(f) = PhotoFlag::parse(flag) {
                    a.badge href={ "/ui/gallery?" (no_flag) "&flag=" (flag) } { (i18n::flag_label(f)) " " (n) }
                }
            }
        }
        @if page.items.is_empty() {
            p.empty { (T.no_photos) }
        } @else {
            ul.grid id="gallery" data-ids=(ids.join(",")) {
                @for ph in &page.items {
                    li.card data-review=(ph.review_status) {
                        a href={ "/ui/photos/" (ph.id) "?back=" (encode(&base)) } {
                            @if ph.status == "stored" {
                                img src={ "/ui/photos/" (ph.id) "/thumb" } loading="lazy" alt=(T.photo) width="160" height="120";
                            } @else {
                                span.placeholder { "…" }
                            }
                        }
                        span.review { (i18n::review_label(&ph.review_status)) }
                        @for f in &ph.flags { span.flag { (i18n::flag_label(*f)) } }
                    }
                }
            }
        }
        @if let Some(next) = page.next_after {
            a.next href={ "/ui/gallery?" (base) "&after=" (next) } { (T.next_page) }
        }
    };
    Ok(layout(&who, T.gallery, body))
}

#[derive(Deserialize)]
pub(crate) struct BackQuery {
    back: Option<String>,
}

fn fmt_point(p: Option<fieldcheck_domain::GeoPoint>) -> String {
    p.map_or_else(
        || T.none.to_owned(),
        |p| format!("{:.5}, {:.5}", p.lat, p.lon),
    )
}

/// `GET /ui/photos/{id}`: the picture, its facts and flags, its duplicates, the decision form.
pub(crate) async fn photo(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<BackQuery>,
) -> Page {
    let p = &who.principal;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let (rec, home) = photos::get(db, &p.scope, id).await?;
    let view = photos::photo_view(rec.clone(), home, p.role.may(Action::ReadOriginals));
    let dups = photos::duplicates_of(db, &p.scope, id).await?;
    // The household as people know it: its head and registration number (户编号).
    let household = state
        .store
        .household(&p.scope, HouseholdId(view.household_id))
        .await?;
    let household_label = format!(
        "{}（{}）",
        household.household.head_name, household.household.registration_no
    );
    let back = q.back.clone().unwrap_or_default();
    let body = html! {
        div.photo-page {
            figure {
                @if view.status == "stored" {
                    img.screen src={ "/ui/photos/" (id) "/screen" } alt=(T.photo);
                }
                figcaption { (T.keys_help) }
            }
            section.facts {
                dl {
                    dt { (T.household) } dd { a href={ "/ui/households/" (view.household_id) } { (household_label) } }
                    dt { (T.visit) } dd { (view.visit_id.map(|v| v.to_string()).unwrap_or_else(|| T.none.into())) }
                    dt { (T.taken_at) } dd { (i18n::local_time(&state, view.taken_at, true)) }
                    dt { (T.exif_position) } dd { (fmt_point(view.exif_position)) }
                    dt { (T.device_position) } dd { (fmt_point(view.device_position)) }
                    dt { (T.distance) } dd { (view.distance_to_household_m.map(|d| format!("{d:.0} m")).unwrap_or_else(|| T.none.into())) }
                    dt { (T.camera) } dd { (view.camera.clone().unwrap_or_else(|| T.none.into())) }
                    dt { (T.flags) } dd.flags {
                        @if view.flags.is_empty() { (T.none) }
                        @for f in &view.flags { span.flag { (i18n::flag_label(*f)) } }
                    }
                    dt { (T.review_status) } dd #review-status data-status=(view.review_status) {
                        (i18n::review_label(&view.review_status))
                        @if let Some(r) = &view.review_reason { " — " (r) }
                    }
                }
                form.review #review-form method="post" action={ "/ui/photos/" (id) "/review" } {
                    input type="hidden" name="csrf" value=(who.csrf);
                    input type="hidden" name="back" value=(back);
                    label { (T.reason) textarea #reason name="reason" rows="2" maxlength="1000" {} }
                    button #accept type="submit" name="decision" value="accept" { (T.accept) " (A)" }
                    button #reject type="submit" name="decision" value="reject" { (T.reject) " (R)" }
                }
                p { a #back href={ "/ui/gallery?" (back) } { (T.back) } }
            }
        }
        @if !dups.is_empty() {
            h2 { (T.duplicates) }
            ul.grid.dups {
                li.card { img src={ "/ui/photos/" (id) "/thumb" } alt=(T.photo) width="160" height="120"; span { (T.photo) } }
                @for d in &dups {
                    li.card {
                        a href={ "/ui/photos/" (d.id) } {
                            img src={ "/ui/photos/" (d.id) "/thumb" } alt=(T.photo) width="160" height="120";
                        }
                        a href={ "/ui/households/" (d.household_id) } { (T.household) }
                    }
                }
            }
        }
    };
    Ok(layout(&who, T.photo, body))
}

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    csrf: String,
    decision: String,
    reason: Option<String>,
    back: Option<String>,
}

/// `POST /ui/photos/{id}/review`: accept or reject with a reason; audited like the API's.
pub(crate) async fn review(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<ReviewForm>,
) -> Page {
    who.check_csrf(&form.csrf)?;
    let p = &who.principal;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(WebError::BadRequest("decision".into())),
    };
    let reason = empty_none(&form.reason);
    if !accept && reason.is_none() {
        return Err(WebError::BadRequest(T.reason_required.into()));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(WebError::BadRequest(T.reason.into()));
    }
    let txn = state.store.write().await?;
    photos::review(&*txn, &p.scope, p.user, id, accept, reason).await?;
    txn.commit().await?;
    let back = form.back.clone().unwrap_or_default();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/ui/photos/{id}?back={}", encode(&back)),
        ))
        .finish())
}

/// `GET /ui/photos/{id}/thumb`.
pub(crate) async fn thumb(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    Ok(
        fieldcheck_api::handlers::photos::serve_object(&state, &who.principal, &id, |r| {
            r.thumb_key.clone()
        })
        .await?,
    )
}

/// `GET /ui/photos/{id}/screen`.
pub(crate) async fn screen(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    Ok(
        fieldcheck_api::handlers::photos::serve_object(&state, &who.principal, &id, |r| {
            r.screen_key.clone()
        })
        .await?,
    )
}

/// `GET /ui/households/{id}`: members (ID numbers masked), plan and measures, visits, responses,
/// photos.
pub(crate) async fn household(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    let p = &who.principal;
    let hid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let h = registry::get_household(
        db,
        &state.store.pii,
        &p.scope,
        HouseholdId(hid),
        IdNumbers::Masked,
        Some(p.user),
    )
    .await?;
    let visits = visits::Entity::find()
        .filter(visits::Column::HouseholdId.eq(hid))
        .order_by_desc(visits::Column::StartedAt)
        .limit(100)
        .all(db)
        .await
        .map_err(fieldcheck_store::StoreError::from)?;
    let responses = if p.role.may(Action::ReadResponses) {
        fieldwork::list_responses(db, &p.scope, None, None, Some(hid)).await?
    } else {
        Vec::new()
    };
    let pics = photos::list(
        db,
        &p.scope,
        &PhotoFilter {
            household_id: Some(hid),
            ..Default::default()
        },
        PageRequest::new(None, Some(100)),
        false,
    )
    .await?;
    let hh = &h.household;
    let body = html! {
        dl {
            dt { (T.registration_no) } dd { (hh.registration_no) }
            dt { (T.district) } dd { (hh.district_code) }
            dt { (T.status) } dd { (hh.status.as_str()) }
        }
        h2 { (T.members) }
        table {
            thead { tr { th { (T.name) } th { (T.relation) } th { (T.id_number) } } }
            tbody {
                @for m in &h.members {
                    tr { td { (m.name) } td { (m.relation) } td.mono { (m.id_number.clone().unwrap_or_default()) } }
                }
            }
        }
        @if let Some(plan) = &h.current_plan {
            h2 { (T.plan) " " (plan.year) }
            table {
                thead { tr { th { (T.measure_kind) } th { (T.measures) } th { (T.budget) } th { (T.status) } } }
                tbody {
                    @for m in &plan.measures {
                        tr {
                            td { (m.kind.as_str()) }
                            td { (m.description) }
                            td.num { (format!("{:.2}", m.budget_fen as f64 / 100.0)) }
                            td { (m.status.as_str()) }
                        }
                    }
                }
            }
        }
        h2 { (T.visits) }
        table {
            thead { tr { th { (T.taken_at) } th { (T.status) } th { (T.checklist) } } }
            tbody {
                @for v in &visits {
                    tr { td { (i18n::local_time(&state, v.started_at, false)) } td { (v.status) } td.mono { (v.checklist) } }
                }
            }
        }
        @if p.role.may(Action::ReadResponses) {
            h2 { (T.responses) }
            table {
                thead { tr { th { (T.taken_at) } th { (T.satisfied) } th { (T.status) } } }
                tbody {
                    @for r in &responses {
                        tr {
                            td { (i18n::local_time(&state, r.created_at, false)) }
                            td { (match r.satisfied { Some(true) => T.yes, Some(false) => T.no, None => "—" }) }
                            td { (r.status) }
                        }
                    }
                }
            }
        }
        h2 { (T.photos) }
        ul.grid {
            @for ph in &pics.items {
                li.card {
                    a href={ "/ui/photos/" (ph.id) } {
                        @if ph.status == "stored" {
                            img src={ "/ui/photos/" (ph.id) "/thumb" } loading="lazy" alt=(T.photo) width="160" height="120";
                        } @else { span.placeholder { "…" } }
                    }
                    @for f in &ph.flags { span.flag { (i18n::flag_label(*f)) } }
                }
            }
        }
    };
    Ok(layout(
        &who,
        &format!("{} {}", T.household, hh.head_name),
        body,
    ))
}

/// `GET /ui/cycles`.
pub(crate) async fn cycles(state: web::Data<AppState>, who: Reviewer) -> Page {
    let list = cycles_store::list_cycles(&state.store.db).await?;
    let body = html! {
        table {
            thead { tr { th { (T.year) } th { (T.step) } } }
            tbody {
                @for c in &list {
                    tr {
                        td { a href={ "/ui/cycles/" (c.id) } { (c.year) } }
                        td { (i18n::step_label(&cycles_store::wire(&c.step))) }
                    }
                }
            }
        }
    };
    Ok(layout(&who, T.cycles, body))
}

#[derive(Deserialize)]
pub(crate) struct DistrictQuery {
    district: Option<String>,
}

/// `GET /ui/cycles/{id}`: progress per village and the results with their score sheets.
pub(crate) async fn cycle(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<DistrictQuery>,
) -> Page {
    let p = &who.principal;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let c = cycles_store::get_cycle(db, cid).await?;
    let district = empty_none(&q.district);
    let progress = cycles_store::progress(db, &p.scope, cid, district.as_deref()).await?;
    let results = fieldcheck_api::handlers::results::visible_results(&state, p, cid).await?;
    let districts = places::list_districts(db).await?;
    let sum = |f: fn(&cycles_store::VillageProgress) -> i64| progress.iter().map(f).sum::<i64>();
    let body = html! {
        p { (T.step) "：" (i18n::step_label(&cycles_store::wire(&c.step))) }
        h2 { (T.downloads) }
        ul.downloads {
            li { a href={ "/ui/cycles/" (cid) "/results.xlsx" } { (T.results) " XLSX" } }
            li { a href={ "/ui/cycles/" (cid) "/results.csv" } { (T.results) " CSV" } }
        }
        form.filters method="get" action="/ui/evidence.zip" {
            input type="hidden" name="cycle" value=(cid);
            label { (T.district)
                select name="district" {
                    option value="" { (T.all) }
                    @for (code, name) in &districts { option value=(code) { (name) } }
                }
            }
            label { (T.assessee) input name="assessee" size="12"; }
            label { (T.household) input name="household" size="12"; }
            label { (T.measure_kind)
                select name="measure_kind" {
                    option value="" { (T.all) }
                    @for k in MeasureKind::ALL { option value=(k.as_str()) { (k.as_str()) } }
                }
            }
            label { (T.from) input type="date" name="from"; }
            label { (T.to) input type="date" name="to"; }
            button type="submit" { (T.evidence_package) }
        }
        h2 { (T.progress) }
        form.filters method="get" {
            label { (T.district)
                select name="district" {
                    option value="" { (T.all) }
                    @for (code, name) in &districts {
                        option value=(code) selected[district.as_deref() == Some(code.as_str())] { (name) }
                    }
                }
            }
            button type="submit" { (T.filter) }
        }
        table #progress {
            thead { tr {
                th { (T.village) } th { (T.households) } th { (T.assigned) } th { (T.visited) }
                th { (T.sampled) } th { (T.surveyed) } th { (T.satisfaction_rate) } th { (T.flagged) }
            } }
            tbody {
                @for v in &progress {
                    tr {
                        td { (v.village_name) " " small { (v.village_code) } }
                        td.num { (v.households) } td.num { (v.assigned) } td.num { (v.visited) }
                        td.num { (v.sampled) } td.num { (v.surveyed) }
                        td.num { (rate(v.satisfied, v.rated)) }
                        td.num { a href={ "/ui/gallery?village=" (v.village_id) } { (v.flagged_photos) } }
                    }
                }
                tr.total {
                    td { (T.total) }
                    td.num { (sum(|v| v.households)) } td.num { (sum(|v| v.assigned)) } td.num { (sum(|v| v.visited)) }
                    td.num { (sum(|v| v.sampled)) } td.num { (sum(|v| v.surveyed)) }
                    td.num { (rate(sum(|v| v.satisfied), sum(|v| v.rated))) }
                    td.num { (sum(|v| v.flagged_photos)) }
                }
            }
        }
        h2 { (T.results) }
        @if results.is_empty() {
            p { (T.not_aggregated) }
        } @else {
            table #results {
                thead { tr { th { (T.assessee) } th { (T.district) } th { (T.score) } th { (T.suggested) } th { (T.decided) } } }
                tbody {
                    @for r in &results {
                        tr {
                            td { a href={ "/ui/cycles/" (cid) "/sheet?assessee=" (r.assessee_id) } { (r.name) } }
                            td { (r.district_code.clone().unwrap_or_default()) }
                            td.num { (format_points(r.total)) }
                            td { (i18n::grade_label(&cycles_store::wire(&r.suggested))) }
                            td { (r.decided.map(|d| i18n::grade_label(&cycles_store::wire(&d))).unwrap_or("")) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(&who, &format!("{} {}", T.cycle, c.year), body))
}

fn rate(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

#[derive(Deserialize)]
pub(crate) struct SheetQuery {
    assessee: String,
}

/// `GET /ui/cycles/{id}/sheet?assessee=`: an assessee's score sheet with every evaluator's
/// scores, methods, comments and linked evidence.
pub(crate) async fn sheet(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<SheetQuery>,
) -> Page {
    let p = &who.principal;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let aid = Uuid::parse_str(&q.assessee).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let a = fieldcheck_store::orgs::get_assessee(db, &p.scope, fieldcheck_domain::AssesseeId(aid))
        .await?;
    let results = fieldcheck_api::handlers::results::visible_results(&state, p, cid).await?;
    let result = results.iter().find(|r| r.assessee_id == aid);
    let scores = cycles_store::list_scores(db, cid, aid).await?;
    let c = cycles_store::get_cycle(db, cid).await?;
    let kind = fieldcheck_domain::AssesseeKind::parse(&cycles_store::wire(&a.kind))
        .unwrap_or(fieldcheck_domain::AssesseeKind::DistrictGovernment);
    let tpl = cycles_store::current_template(db, c.year, kind).await?;
    let body = html! {
        @if let Some(r) = result {
            p { (T.score) "：" strong { (format_points(r.total)) } "　" (T.suggested) "：" (i18n::grade_label(&cycles_store::wire(&r.suggested))) }
        }
        @if let Some(tpl) = &tpl {
            table #sheet {
                thead { tr { th { (T.item) } th { (T.max) } th { (T.score) } th { (T.method) } th { (T.comment) } th { (T.evidence) } } }
                tbody {
                    @for cat in &tpl.categories {
                        tr.category { td colspan="6" { (cat.code) " " (cat.name) } }
                        @for item in &cat.items {
                            @let line = result.and_then(|r| r.items.iter().find(|i| i.code == item.code));
                            @let given: Vec<_> = scores.iter().filter(|s| s.item_code == item.code && s.current).collect();
                            tr {
                                td { (item.code) " " (item.name) }
                                td.num { (format_points(item.max_tenths)) }
                                td.num { (line.map(|l| format_points(l.score)).unwrap_or_default()) }
                                td { (cycles_store::wire(&item.method)) }
                                td {
                                    @if let Some(l) = line { small { (T.how) "：" (l.how) } br; }
                                    @for s in &given { (format_points(s.score)) "：" (s.comment) br; }
                                }
                                td {
                                    @for s in &given {
                                        @for e in s.evidence.as_array().into_iter().flatten() {
                                            @let kind = e["kind"].as_str().unwrap_or_default();
                                            @let eid = e["id"].as_str().unwrap_or_default();
                                            @if kind == "photo" {
                                                a href={ "/ui/photos/" (eid) } { (T.photo) } " "
                                            } @else {
                                                span.mono { (kind) ":" (eid) } " "
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &who,
        &format!("{} · {}", T.score_sheet, a.name),
        body,
    ))
}

async fn results_for(
    state: &AppState,
    who: &Reviewer,
    id: &str,
) -> Result<Vec<cycles_store::AssesseeResult>, WebError> {
    let cid = Uuid::parse_str(id).map_err(|_| WebError::NotFound)?;
    Ok(fieldcheck_api::handlers::results::visible_results(state, &who.principal, cid).await?)
}

/// `GET /ui/cycles/{id}/results.xlsx`.
pub(crate) async fn results_xlsx(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    let items = results_for(&state, &who, &id).await?;
    let bytes = fieldcheck_api::telemetry::spawn_blocking_in_span(move || {
        fieldcheck_api::export::xlsx_bytes(&items)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(fieldcheck_api::export::XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"results.xlsx\"",
        ))
        .body(bytes))
}

/// `GET /ui/cycles/{id}/results.csv`.
pub(crate) async fn results_csv(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    let items = results_for(&state, &who, &id).await?;
    let bytes = fieldcheck_api::export::csv_bytes(&items)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"results.csv\"",
        ))
        .body(bytes))
}
