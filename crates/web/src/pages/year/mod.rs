//! The office's pages for the cycle's year: its steps as a timeline and their moves, self-reports,
//! commissions, aggregation, decisions and publication. Every write calls the store function the
//! API's handler calls, inside the same kind of write transaction, so roles, scope, audit and the
//! lock are the API's.

mod commissions;
pub(crate) mod control;
mod results;
mod self_reports;

use crate::i18n::year::ZH_CN as Y;
use actix_web::http::StatusCode;
use actix_web::web;
use fieldcheck_store::StoreError;
use fieldcheck_store::assessment::Cycle;
use maud::{Markup, html};
use uuid::Uuid;

/// Mounts this section's pages under `/ui`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles", web::post().to(control::create))
        .route(
            "/cycles/{id}/transition",
            web::post().to(control::transition),
        )
        .route(
            "/cycles/{id}/self-reports",
            web::get().to(self_reports::page),
        )
        .route(
            "/self-reports/{id}/return",
            web::post().to(self_reports::return_report),
        )
        .route("/cycles/{id}/commissions", web::get().to(commissions::page))
        .route(
            "/cycles/{id}/commissions",
            web::post().to(commissions::create),
        )
        .route("/cycles/{id}/results", web::get().to(results::page))
        .route("/cycles/{id}/aggregate", web::post().to(results::aggregate))
        .route("/cycles/{id}/decisions", web::post().to(results::decide));
}

/// A form's refusal shown in place: the status to answer with and the message.
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

/// `{0}`, `{1}` of a text filled in.
pub(crate) fn fill(text: &str, args: &[&dyn std::fmt::Display]) -> String {
    args.iter().enumerate().fold(text.to_owned(), |s, (i, a)| {
        s.replace(&format!("{{{i}}}"), &a.to_string())
    })
}

/// The office's words for a field error the store reports.
fn field_text(field: &str, code: &str) -> Option<&'static str> {
    Some(match (field, code) {
        ("reason", "required") => Y.override_needs_reason,
        ("comment", _) => Y.comment_required,
        ("year", _) => Y.year_invalid,
        ("pass_threshold", _) => Y.threshold_invalid,
        ("user_id", "not-an-evaluator") => Y.not_an_evaluator,
        _ => return None,
    })
}

/// The office's words for a workflow refusal's problem code.
fn refusal_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "wrong-step" => Y.wrong_step,
        "step-skipped" => Y.step_skipped,
        "reason-required" => Y.reason_needed,
        "cycle-locked" => Y.cycle_locked,
        "same-step" => Y.same_step,
        "not-aggregated" => Y.not_aggregated,
        "conflict-of-interest" => Y.conflict_of_interest,
        _ => return None,
    })
}

/// Sorts a store error into a refusal the form shows in place (bad input: 400; the workflow:
/// 409; a conflict of interest: 403) or an error page (not found, internal).
pub(crate) fn in_place(e: StoreError) -> Result<Refusal, crate::WebError> {
    let (status, message) = match e {
        StoreError::Invalid(v) => (
            StatusCode::BAD_REQUEST,
            v.0.iter()
                .map(|f| {
                    field_text(&f.field, f.code)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("{}: {}", f.field, f.message))
                })
                .collect::<Vec<_>>()
                .join("；"),
        ),
        StoreError::Locked => (StatusCode::CONFLICT, Y.locked_help.to_owned()),
        StoreError::Duplicate(_) => (StatusCode::CONFLICT, Y.year_exists.to_owned()),
        StoreError::Refused { code, detail } => (
            if code == "conflict-of-interest" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::CONFLICT
            },
            refusal_text(code).map(str::to_owned).unwrap_or(detail),
        ),
        other => return Err(other.into()),
    };
    Ok(Refusal { status, message })
}

/// A page answered with a status other than 200 (a form shown again with its refusal).
pub(crate) fn with_status(
    mut res: actix_web::HttpResponse,
    status: StatusCode,
) -> actix_web::HttpResponse {
    *res.status_mut() = status;
    res
}

/// The lock badge, when the cycle was approved.
pub(crate) fn lock_badge(c: &Cycle) -> Markup {
    html! {
        @if let Some(at) = c.locked_at {
            p.lock-badge #lock-badge role="status" {
                span.badge.locked { "🔒 " (Y.locked) }
                " " (at.format("%Y-%m-%d %H:%M UTC")) " · " (Y.locked_help)
            }
        }
    }
}

/// Links between the pages of one cycle.
pub(crate) fn cycle_nav(cid: Uuid, here: &str) -> Markup {
    let links = [
        ("", crate::i18n::ZH_CN.cycle),
        ("/self-reports", Y.self_reports),
        ("/commissions", Y.commissions),
        ("/results", crate::i18n::ZH_CN.results),
    ];
    html! {
        nav.cycle-nav aria-label=(Y.pages) {
            @for (tail, label) in links {
                @if tail == here {
                    span aria-current="page" { (label) }
                } @else {
                    a href={ "/ui/cycles/" (cid) (tail) } { (label) }
                }
            }
        }
    }
}

/// A refusal shown above or inside a form.
pub(crate) fn alert(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.error.form-error role="alert" { (m) } } }
}
