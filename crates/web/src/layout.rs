//! What every page shares: the document head, the frame with its navigation (links only to the
//! sections the caller's role may use), query helpers, the static files.

use crate::i18n::ZH_CN as T;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header};
use fieldcheck_domain::Action;
use maud::{DOCTYPE, Markup, html};
use uuid::Uuid;

pub(crate) type Page = Result<HttpResponse, WebError>;

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn head(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · " (T.product) }
        link rel="stylesheet" href="/ui/static/app.css";
        script src="/ui/static/app.js" defer {}
    }
}

/// A page without navigation (sign-in, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(T.lang) {
            head { (head(title)) }
            body { (body) }
        }
    }
}

/// The error page.
pub fn error_page(message: &str) -> Markup {
    bare(
        message,
        html! { main { h1 { (message) } p { a href="/ui/gallery" { (T.back) } } } },
    )
}

/// The sections of the office's work, in the order of its year, each shown to the roles that
/// may do what it is for.
const NAV: &[(&str, &str, Action)] = &[
    ("/ui/gallery", T.nav_gallery, Action::ReviewEvidence),
    ("/ui/map", T.nav_map, Action::ReviewEvidence),
    ("/ui/import", T.nav_import, Action::EditRegistry),
    // Evaluators' first (and only) work: scoring their commissioned assessees.
    (
        "/ui/scoring",
        crate::i18n::scoring::ZH_CN.title,
        Action::Score,
    ),
    ("/ui/cycles", T.nav_cycles, Action::ReadAssessment),
    ("/ui/fieldwork", T.nav_fieldwork, Action::ManageCycles),
    (
        "/ui/questionnaires",
        T.nav_questionnaires,
        Action::ManageCycles,
    ),
    ("/ui/queues", T.nav_queues, Action::ReviewEvidence),
    ("/ui/data", T.nav_data, Action::ReadResponses),
    ("/ui/people", T.nav_people, Action::ManageUsers),
    ("/ui/audit", T.nav_audit, Action::ReadAudit),
];

pub(crate) fn layout(who: &Reviewer, title: &str, body: Markup) -> HttpResponse {
    let page = html! {
        (DOCTYPE)
        html lang=(T.lang) {
            head { (head(title)) }
            body {
                header.top {
                    strong { (T.product) }
                    nav {
                        @for (href, label, action) in NAV {
                            @if who.principal.role.may(*action) { a href=(href) { (label) } }
                        }
                    }
                    span.user { (who.name) }
                    form.inline method="post" action="/ui/logout" {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button type="submit" { (T.sign_out) }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    html_response(page)
}

pub(crate) fn html_response(page: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.into_string())
}

/// `GET /ui/`: the first section the caller's role may use.
pub(crate) async fn home(who: Reviewer) -> HttpResponse {
    let first = NAV
        .iter()
        .find(|(_, _, action)| who.principal.role.may(*action))
        .map_or("/ui/cycles", |(href, _, _)| href);
    see_other(first)
}

/// `GET /ui/static/app.css`.
pub(crate) async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/app.css"))
}

/// `GET /ui/static/app.js`.
pub(crate) async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/app.js"))
}

pub(crate) fn parse_uuid(s: &Option<String>, what: &str) -> Result<Option<Uuid>, WebError> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Uuid::parse_str(v)
            .map(Some)
            .map_err(|_| WebError::BadRequest(format!("{what}: not an id"))),
    }
}

pub(crate) fn empty_none(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A redirect after a form (Post/Redirect/Get), so reloading the page does not send it again.
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
