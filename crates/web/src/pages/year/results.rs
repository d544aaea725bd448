//! `/ui/cycles/{id}/results`: run the aggregation, see the suggested grades, record the leading
//! group's decisions (an override needs a reason: the store refuses it, the page shows it on the
//! row), publish (the move to publication), and the downloads.

use super::{Refusal, alert, cycle_nav, fill, in_place, lock_badge, with_status};
use crate::i18n::year::ZH_CN as Y;
use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::assessment::{CycleStep, Grade, format_points};
use fieldcheck_store::assessment::{self as store, wire};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct Notice {
    aggregated: Option<usize>,
}

/// What the decision form carried when it was refused, shown again on its row.
struct Typed<'a> {
    assessee: Uuid,
    grade: &'a str,
    reason: &'a str,
}

/// `GET /ui/cycles/{id}/results`.
pub(crate) async fn page(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<Notice>,
) -> Page {
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    render(&state, &who, cid, None, None, q.aggregated).await
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    refusal: Option<&Refusal>,
    typed: Option<Typed<'_>>,
    aggregated: Option<usize>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let p = &who.principal;
    let c = store::get_cycle(&state.store.db, cid).await?;
    let results = fieldcheck_api::handlers::results::visible_results(state, p, cid).await?;
    let manage = p.role.may(Action::ManageCycles) && c.locked_at.is_none();
    let deciding = manage && c.step == CycleStep::Review;
    let row_refusal = typed.as_ref().map(|t| t.assessee);
    let body = html! {
        (lock_badge(&c))
        (cycle_nav(cid, "/results"))
        p #current-step data-step=(wire(&c.step)) { (T.step) "：" (i18n::step_label(&wire(&c.step))) }
        @if let Some(n) = aggregated { p.notice role="status" { (fill(Y.aggregated, &[&n])) } }
        @if row_refusal.is_none() { (alert(refusal.map(|r| r.message.as_str()))) }
        @if manage && c.step == CycleStep::Aggregation {
            form #aggregate method="post" action={ "/ui/cycles/" (cid) "/aggregate" } {
                input type="hidden" name="csrf" value=(who.csrf);
                button type="submit" { (Y.aggregate) }
            }
        }
        h2 { (T.downloads) }
        ul.downloads {
            li { a href={ "/ui/cycles/" (cid) "/results.xlsx" } { (T.results) " XLSX" } }
            li { a href={ "/ui/cycles/" (cid) "/results.csv" } { (T.results) " CSV" } }
        }
        h2 { (T.results) }
        @if results.is_empty() {
            p { (T.not_aggregated) }
        } @else {
            table #decisions {
                thead { tr {
                    th { (T.assessee) } th { (T.district) } th { (T.score) } th { (T.suggested) }
                    th { (T.decided) } th { (T.reason) }
                    @if deciding { th { (Y.decision) } }
                } }
                tbody {
                    @for r in &results {
                        @let suggested = wire(&r.suggested);
                        tr data-assessee=(r.assessee_id) {
                            td { a href={ "/ui/cycles/" (cid) "/sheet?assessee=" (r.assessee_id) } { (r.name) } }
                            td { (r.district_code.clone().unwrap_or_default()) }
                            td.num { (format_points(r.total)) }
                            td.suggested data-grade=(suggested) { (i18n::grade_label(&suggested)) }
                            td.decided data-grade=(r.decided.map(|d| wire(&d)).unwrap_or_default()) {
                                (r.decided.map(|d| i18n::grade_label(&wire(&d))).unwrap_or(""))
                            }
                            td.reason { (r.reason.clone().unwrap_or_default()) }
                            @if deciding {
                                @let mine = typed.as_ref().filter(|t| t.assessee == r.assessee_id);
                                @let current = mine.map(|t| t.grade.to_owned())
                                    .or_else(|| r.decided.map(|d| wire(&d)))
                                    .unwrap_or_else(|| suggested.clone());
                                td {
                                    form.decide method="post" action={ "/ui/cycles/" (cid) "/decisions" } {
                                        input type="hidden" name="csrf" value=(who.csrf);
                                        input type="hidden" name="assessee_id" value=(r.assessee_id);
                                        @if mine.is_some() { (alert(refusal.map(|r| r.message.as_str()))) }
                                        label { (Y.grade)
                                            select name="grade" {
                                                @for g in ["pass", "fail"] {
                                                    option value=(g) selected[current == g] { (i18n::grade_label(g)) }
                                                }
                                            }
                                        }
                                        label { (Y.override_reason)
                                            input name="reason" maxlength="4000" value=(mine.map(|t| t.reason).unwrap_or_default());
                                        }
                                        button type="submit" { (Y.decide_button) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if deciding {
            h2 #publish-heading { (Y.publish) }
            form #publish method="post" action={ "/ui/cycles/" (cid) "/transition" } aria-labelledby="publish-heading" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="to" value="publication";
                input type="hidden" name="back" value="results";
                p { (Y.publish_help) }
                button type="submit" { (Y.publish) }
            }
        }
    };
    let page = layout(
        who,
        &format!("{} {} · {}", T.cycle, c.year, T.results),
        body,
    );
    Ok(match refusal {
        Some(r) => with_status(page, r.status),
        None => page,
    })
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// `POST /ui/cycles/{id}/aggregate`: computes the results, as `POST /cycles/{id}/aggregate`.
pub(crate) async fn aggregate(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let txn = state.store.write().await?;
    match store::aggregate(&*txn, who.principal.user, cid, state.config.pii.min_count).await {
        Ok(n) => {
            txn.commit().await?;
            Ok(see_other(&format!(
                "/ui/cycles/{cid}/results?aggregated={n}"
            )))
        }
        Err(e) => {
            drop(txn);
            let r = in_place(e)?;
            render(&state, &who, cid, Some(&r), None, None).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    csrf: String,
    assessee_id: String,
    grade: String,
    #[serde(default)]
    reason: String,
}

/// `POST /ui/cycles/{id}/decisions`: the grade decided for one assessee, as
/// `POST /cycles/{id}/decisions`.
pub(crate) async fn decide(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let aid = Uuid::parse_str(form.assessee_id.trim())
        .map_err(|_| WebError::BadRequest(format!("{}: {}", T.assessee, T.not_found)))?;
    let grade: Grade = serde_json::from_value(serde_json::Value::String(form.grade.clone()))
        .map_err(|_| WebError::BadRequest(Y.bad_grade.into()))?;
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    let txn = state.store.write().await?;
    match store::decide(&*txn, who.principal.user, cid, aid, grade, reason).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(see_other(&format!("/ui/cycles/{cid}/results")))
        }
        Err(e) => {
            drop(txn);
            let r = in_place(e)?;
            let typed = Typed {
                assessee: aid,
                grade: &form.grade,
                reason: &form.reason,
            };
            render(&state, &who, cid, Some(&r), Some(typed), None).await
        }
    }
}
