//! The office's pages for scoring an assessee's sheet with the evidence beside each item:
//! `/ui/scoring` (cycles), `/ui/scoring/{cycle}` (the assessees the caller may score, with items
//! scored and missing), `/ui/scoring/{cycle}/{assessee}` (the sheet with a form per item, saved
//! through the same store function as `POST /cycles/{id}/scores`).

mod list;
mod sheet;

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/static/scoring.js",
        web::get().to(crate::pages::queues::script),
    )
    .route("/scoring", web::get().to(list::cycles))
    .route("/scoring/{cycle}", web::get().to(list::assessees))
    .route("/scoring/{cycle}/{assessee}", web::get().to(sheet::page))
    .route("/scoring/{cycle}/{assessee}", web::post().to(sheet::save));
}
