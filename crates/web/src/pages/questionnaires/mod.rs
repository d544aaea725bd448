//! The office's pages for questionnaires: new versions, live preview, XLSForm import, publication.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
