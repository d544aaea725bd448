#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End-to-end tests of the whole app over HTTP, each scenario on SQLite and on PostgreSQL.

mod helpers;

mod access;
mod app;
mod assessment;
mod auth;
mod browser;
mod cache;
mod cli;
mod contract;
mod docs;
mod errors;
mod faults;
mod media;
mod office_data;
mod office_fieldwork;
mod office_questionnaires;
mod office_registry;
mod office_scoring;
mod office_whole_year;
mod office_year;
mod privacy;
mod resources;
mod schema_check;
mod slow_clients;
mod sync;
mod tls;
mod upload_nodes;
