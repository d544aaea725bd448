//! The office's pages for the cycle's year: its steps as a timeline and their moves, self-reports, aggregation, decisions and publication.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
