//! The office's pages for raw data for analysts (responses, visits, photos' metadata) and the charts.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
