//! The office's pages for review queues: visits and responses to review (sent back with comments
//! per item, as `POST /visits/{id}/return` and `/responses/{id}/return`), sync conflicts (settled
//! as `POST /sync/conflicts/{id}/resolve`), flagged photos (into the gallery's review).

mod conflicts;
mod fieldwork;

use crate::Reviewer;
use crate::i18n::{self, queues::ZH_CN as Q};
use crate::layout::*;
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::evidence::PhotoFlag;
use fieldcheck_store::{fieldwork as store_fieldwork, photos, sync};
use maud::html;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/queues", web::get().to(overview))
        .route("/queues/fieldwork", web::get().to(fieldwork::list))
        .route(
            "/queues/{kind}/{id}/return",
            web::post().to(fieldwork::send_back),
        )
        .route("/queues/conflicts", web::get().to(conflicts::list))
        .route(
            "/queues/conflicts/{id}/resolve",
            web::post().to(conflicts::resolve),
        );
}

/// How many the queue of conflicts lists at most.
pub(super) const CONFLICT_LIMIT: u64 = 200;
/// How many visits and responses each the queue lists at most.
pub(super) const FIELDWORK_LIMIT: u64 = 500;

/// `GET /ui/queues`: what waits in each queue.
pub(crate) async fn overview(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::ReviewEvidence)?;
    let p = &who.principal;
    let db = &state.store.db;
    let waiting = store_fieldwork::review_queue(
        db,
        &p.scope,
        &store_fieldwork::QueueFilter::default(),
        FIELDWORK_LIMIT,
    )
    .await?;
    let visits = waiting.iter().filter(|e| e.kind == "visit").count();
    let responses = waiting.len() - visits;
    // Conflicts are the registry's: only roles that may edit it see and settle them (as the API).
    let conflicts = if p.role.may(Action::EditRegistry) {
        Some(sync::conflicts(db, true, CONFLICT_LIMIT).await?.len())
    } else {
        None
    };
    let flagged = photos::flagged_pending(db, &p.scope).await?;
    let pending = photos::PhotoFilter {
        review_status: Some(fieldcheck_domain::ReviewStatus::Pending),
        ..Default::default()
    };
    let per_flag = photos::counts(db, &p.scope, &pending).await?.flags;
    let body = html! {
        table #queues {
            thead { tr { th { (Q.title) } th { (Q.waiting) } } }
            tbody {
                tr { td { a href="/ui/queues/fieldwork?kind=visit" { (Q.fieldwork) " · " (Q.visit) } } td.num #count-visits { (visits) } }
                tr { td { a href="/ui/queues/fieldwork?kind=response" { (Q.fieldwork) " · " (Q.response) } } td.num #count-responses { (responses) } }
                @if let Some(n) = conflicts {
                    tr { td { a href="/ui/queues/conflicts" { (Q.conflicts) } } td.num #count-conflicts { (n) } }
                }
                tr { td { a href="#flagged" { (Q.flagged) } } td.num #count-flagged { (flagged) } }
            }
        }
        h2 #flagged { (Q.flagged) }
        ul.flag-links {
            @for f in PhotoFlag::ALL {
                @let n = per_flag.get(f.as_str()).copied().unwrap_or(0);
                @if n > 0 {
                    li { a href={ "/ui/gallery?review=pending&flag=" (f.as_str()) } { (i18n::flag_label(*f)) } " " span.count { (n) } }
                }
            }
            li { a href="/ui/gallery?review=pending" { (Q.review_in_gallery) } }
        }
        p.hint { (Q.no_accept) }
    };
    Ok(layout(&who, Q.title, body))
}

/// `GET /ui/static/scoring.js`: keyboard navigation of the queues.
pub(crate) async fn script() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=3600",
        ))
        .body(include_str!("../../../static/scoring.js"))
}
