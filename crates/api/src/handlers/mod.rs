//! Thin handlers, one file per resource: each extracts the request, checks the caller's role,
//! calls the store inside the caller's scope and shapes the response. The route table that
//! mounts them is [`crate::routes::table`]. What several resources share (paging, the district
//! filter, path ids) is here.

pub mod assessees;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod commissions;
pub mod conflicts;
pub mod cycles;
pub mod households;
pub mod measures;
pub mod members;
pub mod persons;
pub mod photos;
pub mod places;
pub mod plans;
pub mod questionnaires;
pub mod responses;
pub mod results;
pub mod samples;
pub mod scores;
pub mod self_reports;
pub mod send_back;
pub mod service;
pub mod sync;
pub mod templates;
pub mod units;
pub mod uploads;
pub mod users;
pub mod visits;

use crate::error::ApiError;
use crate::extract::{ListPage, path_id};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use fieldcheck_store::PageRequest;
use serde::Serialize;
use uuid::Uuid;

type Result<T> = std::result::Result<T, ApiError>;
type State = web::Data<AppState>;

/// A path id as a plain UUID (the assessment's records have no typed id yet).
fn uuid_param(raw: &str) -> Result<Uuid> {
    path_id::<Uuid>(raw)
}

/// Parses the cursor of a list query bound to `key`, and builds the page request.
fn page_request(
    state: &AppState,
    cursor: &Option<String>,
    limit: Option<u64>,
    key: &str,
) -> Result<PageRequest> {
    let after = match cursor {
        Some(c) => Some(state.cursors.decode(c, key)?),
        None => None,
    };
    Ok(PageRequest::new(after, limit))
}

/// One page of a list, with the cursor of the next page bound to the same `key`.
fn list_response<T: Serialize>(
    state: &AppState,
    page: fieldcheck_store::Page<T>,
    key: &str,
) -> HttpResponse {
    let next_cursor = page.next_after.map(|a| state.cursors.encode(a, key));
    HttpResponse::Ok().json(ListPage {
        items: page.items,
        next_cursor,
    })
}

/// The `district` filter of the registry's lists: a six-digit code.
fn check_district(d: &Option<String>) -> Result<()> {
    match d {
        Some(d) if d.len() != 6 || !d.bytes().all(|b| b.is_ascii_digit()) => Err(
            ApiError::InvalidQuery("district must be a 6-digit code".into()),
        ),
        _ => Ok(()),
    }
}
