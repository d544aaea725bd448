//! The office's pages for users, grants, units and paired persons, and the audit log.

mod units;
mod users;

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/people", web::get().to(users::list))
        .route("/people", web::post().to(users::create))
        .route("/people/{id}", web::get().to(users::user))
        .route("/people/{id}", web::post().to(users::update))
        .route("/people/{id}/password", web::post().to(users::password))
        .route("/people/{id}/status", web::post().to(users::status))
        .route("/units", web::get().to(units::list))
        .route("/units", web::post().to(units::create_unit))
        .route("/persons", web::post().to(units::create_person));
}
