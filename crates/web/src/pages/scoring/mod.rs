//! The office's pages for scoring an assessee's sheet with the evidence beside each item.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
