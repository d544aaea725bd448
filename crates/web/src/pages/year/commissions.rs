//! `/ui/cycles/{id}/commissions`: commissioning an evaluator (an account with the evaluator role)
//! for assessees of the cycle, as `POST /cycles/{id}/commissions` does, with its refusals (a
//! conflict of interest, a locked cycle) shown on the form.

use super::{Refusal, alert, cycle_nav, fill, in_place, lock_badge, with_status};
use crate::i18n::ZH_CN as T;
use crate::i18n::year::ZH_CN as Y;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, Role};
use fieldcheck_store::assessment as store;
use fieldcheck_store::page::PageRequest;
use fieldcheck_store::users;
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct Notice {
    added: Option<usize>,
}

/// `GET /ui/cycles/{id}/commissions`.
pub(crate) async fn page(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<Notice>,
) -> Page {
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    render(&state, &who, cid, None, None, &[], q.added).await
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    refusal: Option<&Refusal>,
    chosen_user: Option<Uuid>,
    chosen: &[Uuid],
    added: Option<usize>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let p = &who.principal;
    let db = &state.store.db;
    let c = store::get_cycle(db, cid).await?;
    let ready = store::readiness(db, &p.scope, cid).await?;
    let evaluators = users::list(
        db,
        Some(Role::Evaluator),
        PageRequest::new(None, Some(1000)),
    )
    .await?
    .items;
    let names: HashMap<Uuid, &str> = evaluators
        .iter()
        .map(|u| (u.id.0, u.display_name.as_str()))
        .collect();
    let given = store::list_commissions(db, cid).await?;
    let body = html! {
        (lock_badge(&c))
        (cycle_nav(cid, "/commissions"))
        @if let Some(n) = added { p.notice role="status" { (fill(Y.added, &[&n])) } }
        @if evaluators.is_empty() {
            p { (Y.no_evaluators) }
        } @else if c.locked_at.is_none() {
            form.commission #commission method="post" action={ "/ui/cycles/" (cid) "/commissions" } {
                input type="hidden" name="csrf" value=(who.csrf);
                (alert(refusal.map(|r| r.message.as_str())))
                label { (Y.evaluator)
                    select #evaluator name="user_id" required {
                        option value="" { (Y.choose) }
                        @for u in &evaluators {
                            option value=(u.id.0) selected[chosen_user == Some(u.id.0)] { (u.display_name) " (" (u.username) ")" }
                        }
                    }
                }
                fieldset {
                    legend { (Y.assessees_to_score) }
                    @for (id, name) in &ready.names {
                        label.check {
                            input type="checkbox" name="assessee_ids" value=(id) checked[chosen.contains(id)];
                            " " (name)
                        }
                    }
                }
                button type="submit" { (Y.commission_button) }
            }
        }
        h2 { (Y.commissioned) }
        table #commissions {
            thead { tr { th { (Y.evaluator) } th { (T.assessee) } } }
            tbody {
                @for (u, a) in &given {
                    @if let Some(an) = ready.names.get(a) {
                        tr { td { (names.get(u).copied().unwrap_or_default()) } td { (an) } }
                    }
                }
            }
        }
    };
    let page = layout(
        who,
        &format!("{} {} · {}", T.cycle, c.year, Y.commissions),
        body,
    );
    Ok(match refusal {
        Some(r) => with_status(page, r.status),
        None => page,
    })
}

/// `POST /ui/cycles/{id}/commissions` (a form with repeated `assessee_ids`).
pub(crate) async fn create(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let mut csrf = String::new();
    let mut user = None;
    let mut assessees = Vec::new();
    for (k, v) in form.into_inner() {
        match k.as_str() {
            "csrf" => csrf = v,
            "user_id" if !v.is_empty() => {
                user = Some(Uuid::parse_str(&v).map_err(|_| {
                    WebError::BadRequest(format!("{}: {}", Y.evaluator, T.not_found))
                })?)
            }
            "assessee_ids" => {
                assessees.push(Uuid::parse_str(&v).map_err(|_| {
                    WebError::BadRequest(format!("{}: {}", T.assessee, T.not_found))
                })?)
            }
            _ => {}
        }
    }
    who.check_csrf(&csrf)?;
    let bad = |m: &str| Refusal {
        status: StatusCode::BAD_REQUEST,
        message: m.to_owned(),
    };
    let Some(user) = user else {
        let r = bad(Y.choose_evaluator);
        return render(&state, &who, cid, Some(&r), None, &assessees, None).await;
    };
    if assessees.is_empty() {
        let r = bad(Y.choose_assessees);
        return render(&state, &who, cid, Some(&r), Some(user), &assessees, None).await;
    }
    let txn = state.store.write().await?;
    match store::commission(&*txn, who.principal.user, cid, user, &assessees).await {
        Ok(n) => {
            txn.commit().await?;
            Ok(see_other(&format!(
                "/ui/cycles/{cid}/commissions?added={n}"
            )))
        }
        Err(e) => {
            drop(txn);
            let r = in_place(e)?;
            render(&state, &who, cid, Some(&r), Some(user), &assessees, None).await
        }
    }
}
