//! An assessee's score sheet.

use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::assessment::format_points;
use fieldcheck_store::assessment as cycles_store;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct SheetQuery {
    assessee: String,
}

/// `GET /ui/cycles/{id}/sheet?assessee=`: an assessee's score sheet with every evaluator's
/// scores, methods, comments and linked evidence.
pub(crate) async fn sheet(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<SheetQuery>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let p = &who.principal;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let aid = Uuid::parse_str(&q.assessee).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let a = fieldcheck_store::orgs::get_assessee(db, &p.scope, fieldcheck_domain::AssesseeId(aid))
        .await?;
    let results = fieldcheck_api::handlers::results::visible_results(&state, p, cid).await?;
    let result = results.iter().find(|r| r.assessee_id == aid);
    let scores = cycles_store::list_scores(db, cid, aid).await?;
    let c = cycles_store::get_cycle(db, cid).await?;
    let kind = fieldcheck_domain::AssesseeKind::parse(&cycles_store::wire(&a.kind))
        .unwrap_or(fieldcheck_domain::AssesseeKind::DistrictGovernment);
    let tpl = cycles_store::current_template(db, c.year, kind).await?;
    let body = html! {
        (crate::pages::year::lock_badge(&c))
        @if who.principal.role.may(Action::Score) {
            p { a href={ "/ui/scoring/" (cid) "/" (aid) } { (crate::i18n::scoring::ZH_CN.open) } }
        }
        @if let Some(r) = result {
            p { (T.score) "：" strong { (format_points(r.total)) } "　" (T.suggested) "：" (i18n::grade_label(&cycles_store::wire(&r.suggested))) }
        }
        @if let Some(tpl) = &tpl {
            table #sheet {
                thead { tr { th { (T.item) } th { (T.max) } th { (T.score) } th { (T.method) } th { (T.comment) } th { (T.evidence) } } }
                tbody {
                    @for cat in &tpl.categories {
                        tr.category { td colspan="6" { (cat.code) " " (cat.name) } }
                        @for item in &cat.items {
                            @let line = result.and_then(|r| r.items.iter().find(|i| i.code == item.code));
                            @let given: Vec<_> = scores.iter().filter(|s| s.item_code == item.code && s.current).collect();
                            tr {
                                td { (item.code) " " (item.name) }
                                td.num { (format_points(item.max_tenths)) }
                                td.num { (line.map(|l| format_points(l.score)).unwrap_or_default()) }
                                td { (cycles_store::wire(&item.method)) }
                                td {
                                    @if let Some(l) = line { small { (T.how) "：" (l.how) } br; }
                                    @for s in &given { (format_points(s.score)) "：" (s.comment) br; }
                                }
                                td {
                                    @for s in &given {
                                        @for e in s.evidence.as_array().into_iter().flatten() {
                                            @let kind = e["kind"].as_str().unwrap_or_default();
                                            @let eid = e["id"].as_str().unwrap_or_default();
                                            @if kind == "photo" {
                                                a href={ "/ui/photos/" (eid) } { (T.photo) } " "
                                            } @else {
                                                span.mono { (kind) ":" (eid) } " "
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
    Ok(layout(
        &who,
        &format!("{} · {}", T.score_sheet, a.name),
        body,
    ))
}
