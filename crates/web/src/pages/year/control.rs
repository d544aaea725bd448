//! The cycles list with its "new cycle" form, and the control of one cycle's steps: the timeline
//! with who moved it when, what the next step needs and what is missing, the moves themselves.

use super::{Refusal, alert, fill, in_place, with_status};
use crate::i18n::year::ZH_CN as Y;
use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::assessment::{self, CycleStep, Missing};
use fieldcheck_store::assessment::{self as store, Cycle, NewCycle, wire};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The "new cycle" form as typed.
#[derive(Deserialize, Default)]
pub(crate) struct NewCycleForm {
    csrf: String,
    year: String,
    #[serde(default)]
    pass_threshold: String,
    #[serde(default)]
    self_report: String,
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    aggregation: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    publication: String,
}

impl NewCycleForm {
    fn date(&self, step: CycleStep) -> &str {
        match step {
            CycleStep::SelfReport => &self.self_report,
            CycleStep::Evaluation => &self.evaluation,
            CycleStep::Aggregation => &self.aggregation,
            CycleStep::Review => &self.review,
            CycleStep::Publication => &self.publication,
        }
    }

    /// The store's input, or the office's words for what is wrong with the form.
    fn parse(&self) -> Result<NewCycle, Vec<&'static str>> {
        let mut errors = Vec::new();
        let year = self.year.trim().parse::<i32>().ok();
        if year.is_none() {
            errors.push(Y.year_invalid);
        }
        let threshold = match self.pass_threshold.trim() {
            "" => None,
            t => match parse_points(t) {
                Some(v) => Some(v),
                None => {
                    errors.push(Y.threshold_invalid);
                    None
                }
            },
        };
        let mut dates = BTreeMap::new();
        for step in CycleStep::ORDER {
            match self.date(step).trim() {
                "" => {}
                d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Ok(d) => {
                        dates.insert(step, d);
                    }
                    Err(_) => {
                        if !errors.contains(&Y.date_invalid) {
                            errors.push(Y.date_invalid);
                        }
                    }
                },
            }
        }
        match (errors.is_empty(), year) {
            (true, Some(year)) => Ok(NewCycle {
                year,
                combine_rule: None,
                pass_threshold: threshold,
                step_dates: (!dates.is_empty()).then_some(dates),
            }),
            _ => Err(errors),
        }
    }
}

/// Points as typed (`60`, `60.5`) in tenths.
fn parse_points(s: &str) -> Option<i32> {
    let (whole, tenth) = match s.split_once('.') {
        Some((w, t)) if t.len() == 1 => (w, t),
        Some(_) => return None,
        None => (s, "0"),
    };
    let w: i32 = whole.parse().ok().filter(|w| *w >= 0)?;
    let t: i32 = tenth.parse().ok()?;
    w.checked_mul(10)?.checked_add(t)
}

/// `GET /ui/cycles` (the list, and the form for who may open a cycle).
pub(crate) async fn list(state: &AppState, who: &Reviewer) -> Page {
    list_page(state, who, &NewCycleForm::default(), None).await
}

async fn list_page(
    state: &AppState,
    who: &Reviewer,
    form: &NewCycleForm,
    refusal: Option<&Refusal>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let list = store::list_cycles(&state.store.db).await?;
    let body = html! {
        table #cycles {
            thead { tr { th { (T.year) } th { (T.step) } th { (Y.locked) } } }
            tbody {
                @for c in &list {
                    tr {
                        td { a href={ "/ui/cycles/" (c.id) } { (c.year) } }
                        td { (i18n::step_label(&wire(&c.step))) }
                        td { @if c.locked_at.is_some() { span.badge.locked { "🔒 " (Y.locked) } } }
                    }
                }
            }
        }
        @if who.principal.role.may(Action::ManageCycles) {
            h2 #new-cycle-heading { (Y.new_cycle) }
            form.new-cycle #new-cycle method="post" action="/ui/cycles" aria-labelledby="new-cycle-heading" {
                input type="hidden" name="csrf" value=(who.csrf);
                (alert(refusal.map(|r| r.message.as_str())))
                label { (T.year) input #year name="year" inputmode="numeric" required value=(form.year); }
                label { (Y.pass_threshold) input #pass-threshold name="pass_threshold" inputmode="decimal" placeholder="60" value=(form.pass_threshold); }
                fieldset {
                    legend { (Y.step_dates) }
                    @for step in CycleStep::ORDER {
                        @let name = wire(&step);
                        label { (i18n::step_label(&name)) input type="date" name=(name) value=(form.date(step)); }
                    }
                }
                button type="submit" { (Y.create) }
            }
        }
    };
    let page = layout(who, T.cycles, body);
    Ok(match refusal {
        Some(r) => with_status(page, r.status),
        None => page,
    })
}

/// `POST /ui/cycles`: opens a cycle, as `POST /cycles` does.
pub(crate) async fn create(
    state: web::Data<AppState>,
    who: Reviewer,
    form: web::Form<NewCycleForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let input = match form.parse() {
        Ok(i) => i,
        Err(messages) => {
            let r = Refusal {
                status: StatusCode::BAD_REQUEST,
                message: messages.join("；"),
            };
            return list_page(&state, &who, &form, Some(&r)).await;
        }
    };
    let txn = state.store.write().await?;
    match store::create_cycle(&*txn, Some(who.principal.user), input).await {
        Ok(c) => {
            txn.commit().await?;
            Ok(see_other(&format!("/ui/cycles/{}", c.id)))
        }
        Err(e) => {
            drop(txn);
            let r = in_place(e)?;
            list_page(&state, &who, &form, Some(&r)).await
        }
    }
}

/// The transition form as sent.
#[derive(Deserialize)]
pub(crate) struct TransitionForm {
    csrf: String,
    to: String,
    reason: Option<String>,
    /// `results` to come back to the results page (publishing from there).
    back: Option<String>,
}

/// `POST /ui/cycles/{id}/transition`: a move forward, or back with a reason, as
/// `POST /cycles/{id}/transition` does; a refusal is shown on the cycle page.
pub(crate) async fn transition(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<TransitionForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let cid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let to: CycleStep = serde_json::from_value(serde_json::Value::String(form.to.clone()))
        .map_err(|_| WebError::BadRequest(Y.bad_step.into()))?;
    let reason = empty_none(&form.reason);
    let txn = state.store.write().await?;
    match store::transition(&*txn, who.principal.user, cid, to, reason.as_deref()).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(see_other(&match form.back.as_deref() {
                Some("results") => format!("/ui/cycles/{cid}/results"),
                _ => format!("/ui/cycles/{cid}#control"),
            }))
        }
        Err(e) => {
            drop(txn);
            let mut r = in_place(e)?;
            if r.message == Y.reason_needed {
                r.status = StatusCode::BAD_REQUEST;
            }
            crate::pages::cycles::render(&state, &who, cid, None, Some(&r)).await
        }
    }
}

/// The words for something the next step is missing.
fn missing_text(m: &Missing, names: &BTreeMap<Uuid, String>) -> String {
    let name = |a: &Uuid| names.get(a).cloned().unwrap_or_default();
    match m {
        Missing::SelfReports {
            assessee,
            submitted,
            expected,
        } => format!(
            "{}：{}",
            name(assessee),
            fill(Y.missing_reports, &[submitted, expected])
        ),
        Missing::ReturnedReports { assessee, count } => {
            format!("{}：{}", name(assessee), fill(Y.returned_reports, &[count]))
        }
        Missing::Scores {
            assessee,
            scored,
            expected,
        } => format!(
            "{}：{}",
            name(assessee),
            fill(Y.missing_scores, &[scored, expected])
        ),
        Missing::Results { without } => fill(Y.missing_results, &[without]),
        Missing::NotAggregated => Y.not_aggregated.to_owned(),
        Missing::Decisions { pending } => fill(Y.pending_decisions, &[pending]),
    }
}

/// The cycle's control: the lock, the steps as a timeline with their moves, what the next step
/// needs, and (for who may) the moves forward and back.
pub(crate) async fn section(
    state: &AppState,
    who: &Reviewer,
    c: &Cycle,
    refusal: Option<&Refusal>,
) -> Result<Markup, WebError> {
    who.require(Action::ReadAssessment)?;
    let db = &state.store.db;
    let moves = store::step_history(db, c.id).await?;
    let at = CycleStep::ORDER
        .iter()
        .position(|s| *s == c.step)
        .unwrap_or(0);
    let next = CycleStep::ORDER.get(at + 1).copied();
    let needs = match next {
        Some(n) => {
            let r = store::readiness(db, &who.principal.scope, c.id).await?;
            let needs = assessment::step_needs(n, &r.counts);
            needs
                .iter()
                .map(|m| (m.blocks(), missing_text(m, &r.names)))
                .collect::<Vec<_>>()
        }
        None => Vec::new(),
    };
    let manage = who.principal.role.may(Action::ManageCycles) && c.locked_at.is_none();
    Ok(html! {
        section #control aria-labelledby="control-heading" {
            h2 #control-heading { (Y.control) }
            (alert(refusal.map(|r| r.message.as_str())))
            ol.timeline #timeline aria-label=(Y.timeline) {
                @for (i, step) in CycleStep::ORDER.iter().enumerate() {
                    @let name = wire(step);
                    @let class = if i < at { "done" } else if i == at { "current" } else { "upcoming" };
                    li class=(class) data-step=(name) aria-current=[(i == at).then_some("step")] {
                        strong { (i18n::step_label(&name)) }
                        " "
                        span.marker { (match class { "done" => Y.done, "current" => Y.current, _ => Y.upcoming }) }
                        @if let Some(d) = c.step_dates.get(&name) { br; small { (Y.due) " " (d) } }
                        @for m in moves.iter().filter(|m| m.to == name) {
                            br;
                            small.move {
                                (m.actor_name.clone().unwrap_or_default()) " · " (i18n::local_time(state, m.at, false))
                                @if let Some(r) = &m.reason { " · " (Y.back_reason) "：" (r) }
                            }
                        }
                    }
                }
            }
            h3 { (Y.moves) }
            @if moves.is_empty() {
                p { (Y.no_moves) }
            } @else {
                table #moves {
                    thead { tr { th { (Y.when) } th { (Y.who) } th { (Y.from_step) } th { (Y.to_step) } th { (T.reason) } } }
                    tbody {
                        @for m in &moves {
                            tr {
                                td { (i18n::local_time(state, m.at, true)) }
                                td { (m.actor_name.clone().unwrap_or_default()) }
                                td { (i18n::step_label(&m.from)) }
                                td { (i18n::step_label(&m.to)) }
                                td { (m.reason.clone().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            @if let Some(n) = next {
                @let label = i18n::step_label(&wire(&n));
                h3 { (Y.next_needs) " — " (label) }
                @if needs.is_empty() {
                    p #needs-ok { (Y.nothing_missing) }
                } @else {
                    ul #needs {
                        @for (blocks, text) in &needs {
                            li class=(if *blocks { "blocks" } else { "advisory" }) {
                                span.badge { (if *blocks { Y.blocks } else { Y.advisory }) }
                                " " (text)
                            }
                        }
                    }
                }
                @if manage {
                    form.move-forward #forward method="post" action={ "/ui/cycles/" (c.id) "/transition" } {
                        input type="hidden" name="csrf" value=(who.csrf);
                        input type="hidden" name="to" value=(wire(&n));
                        button type="submit" { (Y.move_forward) (label) }
                    }
                }
            } @else {
                p { (Y.final_step) }
            }
            @if manage && at > 0 {
                h3 #back-heading { (Y.move_back) }
                form.move-back #back method="post" action={ "/ui/cycles/" (c.id) "/transition" } aria-labelledby="back-heading" {
                    input type="hidden" name="csrf" value=(who.csrf);
                    label { (Y.back_to)
                        select name="to" {
                            @for step in &CycleStep::ORDER[..at] {
                                option value=(wire(step)) { (i18n::step_label(&wire(step))) }
                            }
                        }
                    }
                    label { (Y.back_reason) textarea #back-reason name="reason" rows="2" maxlength="1000" {} }
                    button type="submit" { (Y.move_back_button) }
                }
            }
        }
    })
}
