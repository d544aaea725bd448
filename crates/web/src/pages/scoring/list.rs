//! The cycles to score and, for one cycle, the assessees the caller may score.

use crate::i18n::{self, ZH_CN as T, scoring::ZH_CN as S};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::assessment::CycleStep;
use fieldcheck_store::assessment as store;
use maud::html;
use uuid::Uuid;

/// `GET /ui/scoring`: the cycles, the one in its evaluation step first.
pub(crate) async fn cycles(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::Score)?;
    let mut list = store::list_cycles(&state.store.db).await?;
    list.sort_by_key(|c| (c.step != CycleStep::Evaluation, -c.year));
    let body = html! {
        table #scoring-cycles {
            thead { tr { th { (T.year) } th { (T.step) } th { (S.open) } } }
            tbody {
                @for c in &list {
                    tr {
                        td { (c.year) }
                        td { (i18n::step_label(&store::wire(&c.step))) }
                        td { a href={ "/ui/scoring/" (c.id) } { (S.assessees_title) } }
                    }
                }
            }
        }
    };
    Ok(layout(&who, S.title, body))
}

/// `GET /ui/scoring/{cycle}`: the assessees the caller may score (a commissioned evaluator
/// only its own), with how many items each has scored and how many are missing.
pub(crate) async fn assessees(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    who.require(Action::Score)?;
    let p = &who.principal;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let c = store::get_cycle(db, cid).await?;
    let lines = store::scoring_list(db, &p.scope, p.role, p.user, cid).await?;
    let body = html! {
        p { (T.step) "：" (i18n::step_label(&store::wire(&c.step))) }
        @if c.step != CycleStep::Evaluation { p.notice role="status" { (S.not_evaluation_step) } }
        @if lines.is_empty() {
            p { (S.nothing_to_score) }
        } @else {
            table #scoring-assessees {
                thead { tr { th { (S.assessee) } th { (S.scored) } th { (S.missing) } } }
                tbody {
                    @for l in &lines {
                        tr data-missing=(l.items - l.scored) {
                            td { a href={ "/ui/scoring/" (cid) "/" (l.assessee.id.0) } { (l.assessee.name) } }
                            td.num { (l.scored) " / " (l.items) }
                            td.num { (l.items - l.scored) }
                        }
                    }
                }
            }
        }
        p { a href="/ui/scoring" { (S.back_to_cycles) } }
    };
    Ok(layout(
        &who,
        &format!("{} · {} {}", S.assessees_title, c.year, T.cycles),
        body,
    ))
}
