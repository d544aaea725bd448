//! The audit log: entries newest first with filters (actor, action, record kind and id, dates),
//! keyset paging on the sequence number, and the check of the hash chain (the same
//! [`audit::verify`] as `GET /audit/verify`).

use crate::i18n::data::ZH_CN as D;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::{audit, fieldwork};
use maud::{Markup, html};
use serde::Deserialize;

const PAGE: u64 = 50;

/// The log's filters, as the query string carries them.
#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

impl AuditQuery {
    fn without_position(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target_type", &self.target_type),
            ("target_id", &self.target_id),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter_map(|(k, v)| empty_none(v).map(|v| format!("{k}={}", encode(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// A field's problem, shown beside it.
type Problems = Vec<(&'static str, &'static str)>;

fn day(s: &Option<String>, end: bool) -> Result<Option<DateTime<Utc>>, ()> {
    match empty_none(s) {
        None => Ok(None),
        Some(v) => {
            let d = NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| ())?;
            let t = if end {
                d.and_hms_micro_opt(23, 59, 59, 999_999)
            } else {
                d.and_hms_opt(0, 0, 0)
            };
            Ok(t.map(|t| t.and_utc()))
        }
    }
}

/// The filter the query asks for, or the problems of its fields.
async fn filter(
    state: &AppState,
    q: &AuditQuery,
) -> Result<Result<audit::AuditFilter, Problems>, WebError> {
    let mut problems = Problems::new();
    let actor = match empty_none(&q.actor) {
        None => None,
        Some(name) => match fieldwork::user_id_by_username(&state.store.db, &name).await? {
            Some(id) => Some(id.to_string()),
            None => {
                problems.push(("actor", D.unknown_user));
                None
            }
        },
    };
    let from = day(&q.from, false).unwrap_or_else(|_| {
        problems.push(("from", D.bad_date));
        None
    });
    let to = day(&q.to, true).unwrap_or_else(|_| {
        problems.push(("to", D.bad_date));
        None
    });
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(audit::AuditFilter {
        actor,
        action: empty_none(&q.action),
        target_type: empty_none(&q.target_type),
        target_id: empty_none(&q.target_id),
        from,
        to,
    }))
}

fn form(q: &AuditQuery, problems: &Problems) -> Markup {
    let field = |name: &'static str, label: &str, value: &Option<String>, kind: &str| {
        let problem = problems.iter().find(|(f, _)| *f == name).map(|(_, m)| *m);
        let id = format!("audit-{name}");
        let err = format!("{id}-error");
        html! {
            label for=(id) {
                (label)
                input id=(id) name=(name) type=(kind) value=(value.as_deref().unwrap_or(""))
                    aria-invalid=[problem.map(|_| "true")] aria-describedby=[problem.map(|_| err.as_str())];
                @if let Some(m) = problem { span.error id=(err) role="alert" { (m) } }
            }
        }
    };
    html! {
        form.filters method="get" action="/ui/audit" {
            (field("actor", D.actor, &q.actor, "text"))
            (field("action", D.action, &q.action, "text"))
            (field("target_type", D.target_type, &q.target_type, "text"))
            (field("target_id", D.target_id, &q.target_id, "text"))
            (field("from", D.from, &q.from, "date"))
            (field("to", D.to, &q.to, "date"))
            button type="submit" { (D.show) }
        }
        form.inline method="get" action="/ui/audit/verify" {
            button type="submit" { (D.verify) }
        }
    }
}

/// `GET /ui/audit`.
pub(crate) async fn page(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<AuditQuery>,
) -> Page {
    who.require(Action::ReadAudit)?;
    let before = match empty_none(&q.before) {
        None => None,
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| WebError::BadRequest("before".into()))?,
        ),
    };
    let f = match filter(&state, &q).await? {
        Ok(f) => f,
        Err(problems) => {
            let mut res = layout(&who, crate::i18n::ZH_CN.nav_audit, form(&q, &problems));
            *res.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
            return Ok(res);
        }
    };
    let db = &state.store.db;
    let entries = audit::search(db, &f, before, PAGE).await?;
    let actors: Vec<uuid::Uuid> = entries
        .iter()
        .filter_map(|e| e.actor.as_deref().and_then(|a| a.parse().ok()))
        .collect();
    let names = fieldwork::usernames(db, &actors).await?;
    let actor_name = |a: &Option<String>| match a {
        None => D.system.to_owned(),
        Some(id) => id
            .parse::<uuid::Uuid>()
            .ok()
            .and_then(|u| names.get(&u).cloned())
            .unwrap_or_else(|| id.clone()),
    };
    let base = q.without_position();
    let next = (entries.len() as u64 == PAGE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let body = html! {
        (form(&q, &Problems::new()))
        @if entries.is_empty() {
            p { (D.no_entries) }
        } @else {
            table.audit {
                thead { tr {
                    th scope="col" { (D.seq) } th scope="col" { (D.at) } th scope="col" { (D.actor) }
                    th scope="col" { (D.action) } th scope="col" { (D.target_type) } th scope="col" { (D.target_id) }
                    th scope="col" { (D.details) }
                } }
                tbody {
                    @for e in &entries {
                        tr {
                            td.num { (e.seq) }
                            td { (crate::i18n::local_time(&state, e.at, true)) }
                            td { (actor_name(&e.actor)) }
                            td.mono { (e.action) }
                            td { (e.target_type) }
                            td.mono { (e.target_id) }
                            td.mono.details { (e.details) }
                        }
                    }
                }
            }
        }
        @if let Some(seq) = next {
            a.next href={ "/ui/audit?" (base) @if !base.is_empty() { "&" } "before=" (seq) } { (D.older) }
        }
    };
    Ok(layout(&who, crate::i18n::ZH_CN.nav_audit, body))
}

/// `GET /ui/audit/verify`: recomputes the hash chain and shows the outcome.
pub(crate) async fn verify(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::ReadAudit)?;
    let r = audit::verify(&state.store.db).await?;
    let body = html! {
        @if r.ok {
            p.ok.chain role="status" { (D.chain_ok) }
        } @else {
            p.error.chain role="alert" { (D.chain_broken) }
        }
        dl {
            dt { (D.entries_checked) } dd { (r.entries) }
            @if let Some(s) = r.first_bad_seq {
                dt { (D.first_bad) } dd { (s) " " (r.problem.as_deref().unwrap_or("")) }
            }
        }
        p { a href="/ui/audit" { (D.back_to_log) } }
    };
    let res: HttpResponse = layout(&who, D.verify, body);
    Ok(res)
}
