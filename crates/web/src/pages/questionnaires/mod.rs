//! The office's pages for questionnaires: the versions and which one phones ask, new versions in
//! an editor with a live preview of the phone's form, XLSForm import, publication.

mod draft;
mod editor;
mod import;
mod list;

use actix_web::{HttpResponse, http::header, web};

/// Most bytes an uploaded XLSForm may have.
const MAX_UPLOAD: usize = 4 << 20;

/// Most bytes of the editor's form: 200 questions of long Chinese texts, percent-encoded
/// (the default 16 KiB hold about ten).
const MAX_FORM: usize = 2 << 20;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/questionnaires", web::get().to(list::list))
        .route("/questionnaires/new", web::get().to(editor::new))
        .service(
            web::resource("/questionnaires/edit")
                .app_data(web::FormConfig::default().limit(MAX_FORM))
                .route(web::post().to(editor::edit)),
        )
        .service(
            web::resource("/questionnaires/preview")
                .app_data(web::FormConfig::default().limit(MAX_FORM))
                .route(web::post().to(editor::preview)),
        )
        .service(
            web::resource("/questionnaires/import")
                .route(web::get().to(import::form))
                .route(web::post().to(import::upload)),
        )
        .route("/questionnaires/{id}", web::get().to(list::view))
        .route(
            "/questionnaires/{id}/publish",
            web::post().to(list::publish),
        )
        .route("/static/questionnaires.js", web::get().to(js));
}

/// `GET /ui/static/questionnaires.js`: the editor's live preview.
async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/questionnaires.js"))
}
