//! The route table: every route of the API declared once, as method, path (OpenAPI syntax) and
//! handler. [`table`] both registers the routes (see `configure` in the crate root) and lets the
//! contract test compare the server's routes with `api-spec/openapi.yaml`. The handlers are in
//! [`crate::handlers`], one file per resource.

use crate::handlers::{
    assessees, assignments, audit, auth, commissions, conflicts, cycles, households, measures,
    members, persons, photos, places, plans, questionnaires, responses, results, samples, scores,
    self_reports, service, sync, templates, units, uploads, users, visits,
};
use actix_web::{Route, http::Method, http::Method as M, web};

/// One route: method, path (OpenAPI syntax) and handler.
pub type Row = (Method, &'static str, Route);

/// Every route, in the order they are registered (a fixed path such as `/households/lookup`
/// before the `{id}` path beside it).
pub fn table() -> Vec<Row> {
    [
        service_routes(),
        sign_in_routes(),
        registry_routes(),
        accounts_routes(),
        sync_routes(),
        assessment_routes(),
        fieldwork_routes(),
        evidence_routes(),
        audit_routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The service's own endpoints.
fn service_routes() -> Vec<Row> {
    vec![
        (M::GET, "/livez", web::get().to(service::livez)),
        (M::GET, "/readyz", web::get().to(service::readyz)),
        (M::GET, "/metrics", web::get().to(service::metrics)),
        (M::GET, "/openapi.json", web::get().to(service::openapi)),
    ]
}

/// Signing in and out, and who the caller is.
fn sign_in_routes() -> Vec<Row> {
    vec![
        (M::POST, "/auth/login", web::post().to(auth::login)),
        (M::POST, "/auth/refresh", web::post().to(auth::refresh)),
        (M::POST, "/auth/logout", web::post().to(auth::logout)),
        (M::GET, "/me", web::get().to(auth::me)),
    ]
}

/// The registry: places, households and their members, plans and their measures, units,
/// persons, assessees.
fn registry_routes() -> Vec<Row> {
    vec![
        (M::GET, "/places", web::get().to(places::list)),
        (M::POST, "/places", web::post().to(places::create)),
        (M::GET, "/places/{id}", web::get().to(places::get)),
        (M::PATCH, "/places/{id}", web::patch().to(places::update)),
        (M::GET, "/households", web::get().to(households::list)),
        (M::POST, "/households", web::post().to(households::create)),
        (
            M::POST,
            "/households/lookup",
            web::post().to(households::lookup),
        ),
        (M::GET, "/households/{id}", web::get().to(households::get)),
        (
            M::PATCH,
            "/households/{id}",
            web::patch().to(households::update),
        ),
        (
            M::POST,
            "/households/{id}/members",
            web::post().to(members::create),
        ),
        (M::GET, "/members/{id}", web::get().to(members::get)),
        (M::PATCH, "/members/{id}", web::patch().to(members::update)),
        (M::GET, "/plans", web::get().to(plans::list)),
        (M::POST, "/plans", web::post().to(plans::create)),
        (M::GET, "/plans/{id}", web::get().to(plans::get)),
        (M::PATCH, "/plans/{id}", web::patch().to(plans::update)),
        (
            M::POST,
            "/plans/{id}/measures",
            web::post().to(measures::create),
        ),
        (M::GET, "/measures/{id}", web::get().to(measures::get)),
        (
            M::PATCH,
            "/measures/{id}",
            web::patch().to(measures::update),
        ),
        (M::GET, "/units", web::get().to(units::list)),
        (M::POST, "/units", web::post().to(units::create)),
        (M::GET, "/units/{id}", web::get().to(units::get)),
        (M::PATCH, "/units/{id}", web::patch().to(units::update)),
        (M::GET, "/persons", web::get().to(persons::list)),
        (M::POST, "/persons", web::post().to(persons::create)),
        (M::GET, "/persons/{id}", web::get().to(persons::get)),
        (M::PATCH, "/persons/{id}", web::patch().to(persons::update)),
        (M::GET, "/assessees", web::get().to(assessees::list)),
        (M::POST, "/assessees", web::post().to(assessees::create)),
        (M::GET, "/assessees/{id}", web::get().to(assessees::get)),
        (
            M::PATCH,
            "/assessees/{id}",
            web::patch().to(assessees::update),
        ),
    ]
}

/// User accounts.
fn accounts_routes() -> Vec<Row> {
    vec![
        (M::GET, "/users", web::get().to(users::list)),
        (M::POST, "/users", web::post().to(users::create)),
        (M::GET, "/users/{id}", web::get().to(users::get)),
        (M::PATCH, "/users/{id}", web::patch().to(users::update)),
    ]
}

/// The phones' offline sync and its conflicts.
fn sync_routes() -> Vec<Row> {
    vec![
        (M::POST, "/sync/pull", web::post().to(sync::pull)),
        (M::POST, "/sync/push", web::post().to(sync::push)),
        (M::GET, "/sync/conflicts", web::get().to(conflicts::list)),
        (
            M::POST,
            "/sync/conflicts/{id}/resolve",
            web::post().to(conflicts::resolve),
        ),
    ]
}

/// The assessment: templates, cycles and their steps, self-reports, commissions, scores,
/// results, samples.
fn assessment_routes() -> Vec<Row> {
    vec![
        (M::GET, "/templates", web::get().to(templates::list)),
        (M::POST, "/templates", web::post().to(templates::create)),
        (M::GET, "/cycles", web::get().to(cycles::list)),
        (M::POST, "/cycles", web::post().to(cycles::create)),
        (M::GET, "/cycles/{id}", web::get().to(cycles::get)),
        (
            M::POST,
            "/cycles/{id}/transition",
            web::post().to(cycles::transition),
        ),
        (
            M::GET,
            "/cycles/{id}/self-reports",
            web::get().to(self_reports::list),
        ),
        (
            M::POST,
            "/cycles/{id}/self-reports",
            web::post().to(self_reports::submit),
        ),
        (
            M::POST,
            "/self-reports/{id}/return",
            web::post().to(self_reports::return_for_correction),
        ),
        (
            M::POST,
            "/cycles/{id}/commissions",
            web::post().to(commissions::create),
        ),
        (M::GET, "/cycles/{id}/scores", web::get().to(scores::list)),
        (
            M::POST,
            "/cycles/{id}/scores",
            web::post().to(scores::create),
        ),
        (
            M::POST,
            "/cycles/{id}/aggregate",
            web::post().to(cycles::aggregate),
        ),
        (
            M::POST,
            "/cycles/{id}/decisions",
            web::post().to(results::decide),
        ),
        (M::GET, "/cycles/{id}/results", web::get().to(results::list)),
        (
            M::GET,
            "/cycles/{id}/results.csv",
            web::get().to(results::csv),
        ),
        (
            M::GET,
            "/cycles/{id}/results.xlsx",
            web::get().to(results::xlsx),
        ),
        (
            M::GET,
            "/cycles/{id}/progress",
            web::get().to(cycles::progress),
        ),
        (
            M::GET,
            "/cycles/{id}/satisfaction",
            web::get().to(cycles::satisfaction),
        ),
        (
            M::POST,
            "/cycles/{id}/samples",
            web::post().to(samples::create),
        ),
        (M::GET, "/samples/{id}", web::get().to(samples::get)),
        (
            M::GET,
            "/samples/{id}/verify",
            web::get().to(samples::verify),
        ),
    ]
}

/// Fieldwork: assignments, questionnaires, survey responses, visits sent back.
fn fieldwork_routes() -> Vec<Row> {
    vec![
        (M::GET, "/assignments", web::get().to(assignments::list)),
        (M::POST, "/assignments", web::post().to(assignments::create)),
        (
            M::POST,
            "/assignments/reassign",
            web::post().to(assignments::reassign),
        ),
        (
            M::GET,
            "/questionnaires",
            web::get().to(questionnaires::list),
        ),
        (
            M::POST,
            "/questionnaires",
            web::post().to(questionnaires::create),
        ),
        (
            M::GET,
            "/questionnaires/{id}",
            web::get().to(questionnaires::get),
        ),
        (M::GET, "/responses", web::get().to(responses::list)),
        (M::POST, "/responses", web::post().to(responses::submit)),
        (M::GET, "/responses/{id}", web::get().to(responses::get)),
        (
            M::GET,
            "/responses/{id}/versions",
            web::get().to(responses::versions),
        ),
        (
            M::POST,
            "/responses/{id}/return",
            web::post().to(responses::return_for_correction),
        ),
        (
            M::POST,
            "/visits/{id}/return",
            web::post().to(visits::return_for_correction),
        ),
        (
            M::GET,
            "/visits/{id}/versions",
            web::get().to(visits::versions),
        ),
    ]
}

/// Photos: the gallery, uploads, objects and review.
fn evidence_routes() -> Vec<Row> {
    vec![
        (M::GET, "/photos", web::get().to(photos::list)),
        (M::GET, "/photos/{id}", web::get().to(photos::get)),
        (
            M::HEAD,
            "/photos/{id}/content",
            web::head().to(uploads::head),
        ),
        (M::PUT, "/photos/{id}/content", web::put().to(uploads::put)),
        (
            M::PATCH,
            "/photos/{id}/content",
            web::patch().to(uploads::patch),
        ),
        (M::GET, "/photos/{id}/thumb", web::get().to(photos::thumb)),
        (M::GET, "/photos/{id}/screen", web::get().to(photos::screen)),
        (
            M::GET,
            "/photos/{id}/original",
            web::get().to(photos::original),
        ),
        (
            M::POST,
            "/photos/{id}/review",
            web::post().to(photos::review),
        ),
    ]
}

/// The audit log.
fn audit_routes() -> Vec<Row> {
    vec![
        (M::GET, "/audit", web::get().to(audit::list)),
        (M::GET, "/audit/verify", web::get().to(audit::verify)),
    ]
}
