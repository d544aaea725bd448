//! The office's pages for the registry import: upload, preview of what would change, import.

mod import;
mod staging;

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/import", web::get().to(import::page))
        .route("/import/preview", web::post().to(import::preview))
        .route("/import/commit", web::post().to(import::commit));
}
