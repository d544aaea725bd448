//! `/ui/cycles/{id}/self-reports`: the self-reports per assessee with their materials and status,
//! and "return with a comment" (the store function `POST /self-reports/{id}/return` calls).

use super::{Refusal, alert, cycle_nav, in_place, lock_badge, with_status};
use crate::i18n::year::ZH_CN as Y;
use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::assessment::CycleStep;
use fieldcheck_store::assessment::{self as store, wire};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

fn status_label(s: &str) -> &'static str {
    match s {
        "submitted" => Y.report_status_submitted,
        "returned" => Y.report_status_returned,
        "accepted" => Y.report_status_accepted,
        _ => "",
    }
}

/// A material: a photo (its id, or `photo:<id>`) links to its page; anything else is shown as
/// written.
fn material(m: &str) -> Markup {
    let id = Uuid::parse_str(m.strip_prefix("photo:").unwrap_or(m)).ok();
    html! {
        @match id {
            Some(id) => a href={ "/ui/photos/" (id) } { (T.photo) " " (id.to_string()[..8]) },
            None => span.material { (m) },
        }
    }
}

/// `GET /ui/cycles/{id}/self-reports`.
pub(crate) async fn page(state: web::Data<AppState>, who: Reviewer, id: web::Path<String>) -> Page {
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    render(&state, &who, cid, None, "").await
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    refused: Option<(Uuid, &Refusal)>,
    typed: &str,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let p = &who.principal;
    let db = &state.store.db;
    let c = store::get_cycle(db, cid).await?;
    let reports = store::list_self_reports(db, &p.scope, cid).await?;
    let ready = store::readiness(db, &p.scope, cid).await?;
    let may_return = p.role.may(Action::ManageCycles)
        && c.step == CycleStep::SelfReport
        && c.locked_at.is_none();
    let body = html! {
        (lock_badge(&c))
        (cycle_nav(cid, "/self-reports"))
        p { (T.step) "：" (i18n::step_label(&wire(&c.step))) }
        @if !may_return && p.role.may(Action::ManageCycles) { p.note { (Y.returns_only_in_step1) } }
        @for a in &ready.counts.assessees {
            @let mine: Vec<_> = reports.iter().filter(|r| r.assessee_id == a.assessee).collect();
            section.assessee-reports data-assessee=(a.assessee) {
                h2 { (ready.names.get(&a.assessee).cloned().unwrap_or_default())
                     " " small { (a.reports_submitted) " / " (a.categories) } }
                @if mine.is_empty() {
                    p { (Y.no_reports) }
                } @else {
                    table.reports {
                        thead { tr { th { (Y.category) } th { (Y.summary) } th { (Y.materials) } th { (T.status) } th { (Y.return_comment) } } }
                        tbody {
                            @for r in &mine {
                                tr #{ "report-" (r.id) } data-status=(r.status) {
                                    td { (r.category_code) }
                                    td.summary { (r.summary) }
                                    td {
                                        @for m in r.materials.as_array().into_iter().flatten() {
                                            (material(m.as_str().unwrap_or_default())) br;
                                        }
                                    }
                                    td.status { (status_label(&r.status)) }
                                    td {
                                        @if let Some(comment) = &r.review_comment { p.comment { (comment) } }
                                        @if may_return && r.status == "submitted" {
                                            @let here = refused.filter(|(id, _)| *id == r.id);
                                            form.return-report method="post" action={ "/ui/self-reports/" (r.id) "/return" } {
                                                input type="hidden" name="csrf" value=(who.csrf);
                                                input type="hidden" name="cycle" value=(cid);
                                                (alert(here.map(|(_, f)| f.message.as_str())))
                                                label { (Y.return_comment)
                                                    textarea name="comment" rows="2" maxlength="4000" { (if here.is_some() { typed } else { "" }) }
                                                }
                                                button type="submit" { (Y.return_button) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let page = layout(
        who,
        &format!("{} {} · {}", T.cycle, c.year, Y.self_reports),
        body,
    );
    Ok(match refused {
        Some((_, r)) => with_status(page, r.status),
        None => page,
    })
}

/// The return form.
#[derive(Deserialize)]
pub(crate) struct ReturnForm {
    csrf: String,
    cycle: String,
    #[serde(default)]
    comment: String,
}

/// `POST /ui/self-reports/{id}/return`: back to the assessee with the office's comment.
pub(crate) async fn return_report(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<ReturnForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let rid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let cid = Uuid::parse_str(&form.cycle)
        .map_err(|_| WebError::BadRequest(format!("{}: {}", T.cycle, T.not_found)))?;
    let txn = state.store.write().await?;
    match store::return_self_report(&*txn, who.principal.user, rid, &form.comment).await {
        Ok(r) => {
            txn.commit().await?;
            Ok(see_other(&format!(
                "/ui/cycles/{}/self-reports#report-{}",
                r.cycle_id, r.id
            )))
        }
        Err(e) => {
            drop(txn);
            let r = in_place(e)?;
            render(&state, &who, cid, Some((rid, &r)), &form.comment).await
        }
    }
}
