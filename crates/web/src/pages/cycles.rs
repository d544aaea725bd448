//! The list of cycles and one cycle's progress and results.

use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::pages::year::{self, Refusal};
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::MeasureKind;
use fieldcheck_domain::assessment::format_points;
use fieldcheck_store::assessment as cycles_store;
use fieldcheck_store::places;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

/// `GET /ui/cycles`: the list, and the form that opens a new cycle.
pub(crate) async fn cycles(state: web::Data<AppState>, who: Reviewer) -> Page {
    crate::pages::year::control::list(&state, &who).await
}

#[derive(Deserialize)]
pub(crate) struct DistrictQuery {
    district: Option<String>,
}

/// `GET /ui/cycles/{id}`: progress per village and the results with their score sheets.
pub(crate) async fn cycle(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<DistrictQuery>,
) -> Page {
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    render(&state, &who, cid, empty_none(&q.district), None).await
}

/// The cycle page, with a refused move's message in its control section (and that status).
pub(crate) async fn render(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    district: Option<String>,
    refusal: Option<&Refusal>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let p = &who.principal;
    let db = &state.store.db;
    let c = cycles_store::get_cycle(db, cid).await?;
    let control = year::control::section(state, who, &c, refusal).await?;
    let progress = cycles_store::progress(db, &p.scope, cid, district.as_deref()).await?;
    let results = fieldcheck_api::handlers::results::visible_results(state, p, cid).await?;
    let districts = places::list_districts(db).await?;
    let sum = |f: fn(&cycles_store::VillageProgress) -> i64| progress.iter().map(f).sum::<i64>();
    let body = html! {
        (year::lock_badge(&c))
        (year::cycle_nav(cid, ""))
        p #current-step data-step=(cycles_store::wire(&c.step)) { (T.step) "：" (i18n::step_label(&cycles_store::wire(&c.step))) }
        (control)
        h2 { (T.downloads) }
        ul.downloads {
            li { a href={ "/ui/cycles/" (cid) "/results.xlsx" } { (T.results) " XLSX" } }
            li { a href={ "/ui/cycles/" (cid) "/results.csv" } { (T.results) " CSV" } }
        }
        form.filters method="get" action="/ui/evidence.zip" {
            input type="hidden" name="cycle" value=(cid);
            label { (T.district)
                select name="district" {
                    option value="" { (T.all) }
                    @for (code, name) in &districts { option value=(code) { (name) } }
                }
            }
            label { (T.assessee) input name="assessee" size="12"; }
            label { (T.household) input name="household" size="12"; }
            label { (T.measure_kind)
                select name="measure_kind" {
                    option value="" { (T.all) }
                    @for k in MeasureKind::ALL { option value=(k.as_str()) { (k.as_str()) } }
                }
            }
            label { (T.from) input type="date" name="from"; }
            label { (T.to) input type="date" name="to"; }
            button type="submit" { (T.evidence_package) }
        }
        h2 { (T.progress) }
        form.filters method="get" {
            label { (T.district)
                select name="district" {
                    option value="" { (T.all) }
                    @for (code, name) in &districts {
                        option value=(code) selected[district.as_deref() == Some(code.as_str())] { (name) }
                    }
                }
            }
            button type="submit" { (T.filter) }
        }
        table #progress {
            thead { tr {
                th { (T.village) } th { (T.households) } th { (T.assigned) } th { (T.visited) }
                th { (T.sampled) } th { (T.surveyed) } th { (T.satisfaction_rate) } th { (T.flagged) }
            } }
            tbody {
                @for v in &progress {
                    tr {
                        td { (v.village_name) " " small { (v.village_code) } }
                        td.num { (v.households) } td.num { (v.assigned) } td.num { (v.visited) }
                        td.num { (v.sampled) } td.num { (v.surveyed) }
                        td.num { (rate(v.satisfied, v.rated)) }
                        td.num { a href={ "/ui/gallery?village=" (v.village_id) } { (v.flagged_photos) } }
                    }
                }
                tr.total {
                    td { (T.total) }
                    td.num { (sum(|v| v.households)) } td.num { (sum(|v| v.assigned)) } td.num { (sum(|v| v.visited)) }
                    td.num { (sum(|v| v.sampled)) } td.num { (sum(|v| v.surveyed)) }
                    td.num { (rate(sum(|v| v.satisfied), sum(|v| v.rated))) }
                    td.num { (sum(|v| v.flagged_photos)) }
                }
            }
        }
        h2 { (T.results) }
        @if results.is_empty() {
            p { (T.not_aggregated) }
        } @else {
            table #results {
                thead { tr { th { (T.assessee) } th { (T.district) } th { (T.score) } th { (T.suggested) } th { (T.decided) } } }
                tbody {
                    @for r in &results {
                        tr {
                            td { a href={ "/ui/cycles/" (cid) "/sheet?assessee=" (r.assessee_id) } { (r.name) } }
                            td { (r.district_code.clone().unwrap_or_default()) }
                            td.num { (format_points(r.total)) }
                            td { (i18n::grade_label(&cycles_store::wire(&r.suggested))) }
                            td { (r.decided.map(|d| i18n::grade_label(&cycles_store::wire(&d))).unwrap_or("")) }
                        }
                    }
                }
            }
        }
    };
    let page = layout(who, &format!("{} {}", T.cycle, c.year), body);
    Ok(match refusal {
        Some(r) => year::with_status(page, r.status),
        None => page,
    })
}

fn rate(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}
