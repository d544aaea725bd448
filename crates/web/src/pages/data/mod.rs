//! The office's pages for raw data for analysts (responses, visits, photos' metadata), the
//! charts, and the audit log with the check of its hash chain.

mod audit;
mod charts;
mod downloads;
mod rows;
mod svg;

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/data", web::get().to(downloads::page))
        .route(
            "/data/responses.xlsx",
            web::get().to(downloads::responses_xlsx),
        )
        .route(
            "/data/responses.csv",
            web::get().to(downloads::responses_csv),
        )
        .route("/data/codebook.csv", web::get().to(downloads::codebook_csv))
        .route("/data/visits.csv", web::get().to(downloads::visits_csv))
        .route("/data/photos.csv", web::get().to(downloads::photos_csv))
        .route("/data/charts", web::get().to(charts::page))
        .route("/audit", web::get().to(audit::page))
        .route("/audit/verify", web::get().to(audit::verify));
}
