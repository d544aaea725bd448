//! The office's pages for samples, assignments and progress per inspector and village.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
