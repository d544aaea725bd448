//! The office's pages for review queues: visits and responses to review, sync conflicts, flagged photos.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
