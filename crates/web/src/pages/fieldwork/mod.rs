//! The office's pages for samples, assignments and progress per inspector and village. Every
//! write goes through the store functions the API's handlers call (`draw_sample`,
//! `create_assignment` in bulk, `reassign`), in one write transaction, audited there.

mod assignments;
mod progress;
mod samples;

use crate::i18n::fieldwork::ZH_CN as F;
use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::{StoreError, assessment as cycles_store, fieldwork};
use maud::{Markup, html};
use uuid::Uuid;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/fieldwork.js", web::get().to(script))
        .route("/fieldwork", web::get().to(index))
        .route("/fieldwork/cycles/{id}", web::get().to(cycle))
        .route(
            "/fieldwork/cycles/{id}/samples/new",
            web::get().to(samples::new),
        )
        .route(
            "/fieldwork/cycles/{id}/samples",
            web::post().to(samples::draw),
        )
        .route("/fieldwork/samples/{id}", web::get().to(samples::show))
        .route(
            "/fieldwork/samples/{id}/verify",
            web::get().to(samples::verify),
        )
        .route(
            "/fieldwork/samples/{id}/assign",
            web::post().to(samples::assign),
        )
        .route(
            "/fieldwork/cycles/{id}/assignments",
            web::get().to(assignments::list),
        )
        .route(
            "/fieldwork/cycles/{id}/reassign",
            web::post().to(assignments::reassign),
        )
        .route(
            "/fieldwork/cycles/{id}/progress",
            web::get().to(progress::page),
        );
}

/// `GET /ui/static/fieldwork.js`: "select the village's households" on the sample page.
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/fieldwork.js"))
}

/// A path id: anything but a UUID is no page.
fn path_id(s: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(s.trim()).map_err(|_| WebError::NotFound)
}

/// What a form shows above itself when the store refused it: the field messages of a validation
/// failure (400), or the workflow's refusal (409). Anything else is the page's error.
struct Refusal {
    status: actix_web::http::StatusCode,
    messages: Vec<String>,
}

impl Refusal {
    fn invalid(messages: Vec<String>) -> Refusal {
        Refusal {
            status: actix_web::http::StatusCode::BAD_REQUEST,
            messages,
        }
    }

    /// Sorts a store error into a refusal shown on the form, or the page's error.
    fn from_store(e: StoreError) -> Result<Refusal, WebError> {
        match e {
            StoreError::Invalid(v) => Ok(Refusal::invalid(
                v.0.iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect(),
            )),
            StoreError::MissingReference(what) => Ok(Refusal::invalid(vec![what.to_owned()])),
            e @ StoreError::Locked => Ok(Refusal {
                status: actix_web::http::StatusCode::CONFLICT,
                messages: vec![format!("{}：{}", F.refused, WebError::from(e))],
            }),
            other => Err(other.into()),
        }
    }

    fn markup(&self) -> Markup {
        html! {
            div.form-errors #form-errors role="alert" {
                p { strong { (F.errors) } }
                ul { @for m in &self.messages { li { (m) } } }
            }
        }
    }
}

/// A page shown with a refusal's status.
fn refused_page(who: &Reviewer, title: &str, body: Markup, r: &Refusal) -> HttpResponse {
    let mut res = layout(who, title, body);
    *res.status_mut() = r.status;
    res
}

/// `GET /ui/fieldwork`: the cycles, each with its samples, assignments and progress.
async fn index(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::ManageCycles)?;
    let db = &state.store.db;
    let list = cycles_store::list_cycles(db).await?;
    let mut rows = Vec::with_capacity(list.len());
    for c in list {
        let n = fieldwork::list_samples(db, c.id).await?.len();
        rows.push((c, n));
    }
    let body = html! {
        table #cycles {
            thead { tr { th { (F.year) } th { (F.step) } th { (F.samples) } th { (F.assignments) } th { (F.progress) } } }
            tbody {
                @for (c, n) in &rows {
                    tr {
                        td { a href={ "/ui/fieldwork/cycles/" (c.id) } { (c.year) } }
                        td { (i18n::step_label(&cycles_store::wire(&c.step))) }
                        td.num { (n) }
                        td { a href={ "/ui/fieldwork/cycles/" (c.id) "/assignments" } { (F.assignments) } }
                        td { a href={ "/ui/fieldwork/cycles/" (c.id) "/progress" } { (F.progress) } }
                    }
                }
            }
        }
    };
    Ok(layout(&who, F.title, body))
}

/// The links between the pages of one cycle.
fn cycle_nav(cid: Uuid) -> Markup {
    html! {
        nav.subnav aria-label=(F.title) {
            a href={ "/ui/fieldwork/cycles/" (cid) } { (F.samples) }
            a href={ "/ui/fieldwork/cycles/" (cid) "/samples/new" } { (F.draw) }
            a href={ "/ui/fieldwork/cycles/" (cid) "/assignments" } { (F.assignments) }
            a href={ "/ui/fieldwork/cycles/" (cid) "/progress" } { (F.progress) }
        }
    }
}

/// `GET /ui/fieldwork/cycles/{id}`: the cycle's samples.
async fn cycle(state: web::Data<AppState>, who: Reviewer, id: web::Path<String>) -> Page {
    who.require(Action::ManageCycles)?;
    let cid = path_id(&id)?;
    let db = &state.store.db;
    let c = cycles_store::get_cycle(db, cid).await?;
    let list = fieldwork::list_samples(db, cid).await?;
    let body = html! {
        (cycle_nav(cid))
        h2 { (F.samples) }
        @if list.is_empty() {
            p { (F.no_samples) }
        } @else {
            table #samples {
                thead { tr { th { (F.name) } th { (F.seed) } th { (F.district) } th { (F.candidates) } th { (F.drawn) } th { (F.created_at) } } }
                tbody {
                    @for s in &list {
                        tr {
                            td { a href={ "/ui/fieldwork/samples/" (s.id) } { (s.name) } }
                            td { code { (s.seed) } }
                            td { (s.district_code.as_deref().unwrap_or(F.all_districts)) }
                            td.num { (s.candidates) }
                            td.num { (s.drawn) }
                            td { (i18n::local_time(&state, s.created_at, true)) }
                        }
                    }
                }
            }
        }
        p { a.button href={ "/ui/fieldwork/cycles/" (cid) "/samples/new" } { (F.draw) } }
    };
    Ok(layout(
        &who,
        &format!("{} {} · {}", T.cycle, c.year, F.title),
        body,
    ))
}
