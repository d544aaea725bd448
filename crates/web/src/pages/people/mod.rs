//! The office's pages for users, grants, units and paired persons, and the audit log.

use actix_web::web;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
