//! One assessee's score sheet to score: every category and item with the caller's current score,
//! a form per item (score, method, comment, linked evidence) and, beside it, the evidence there
//! is: photos of the assessee's households with their flags, the survey's satisfaction, the
//! self-report's materials, and what the item's scores already link to.

use crate::i18n::{self, ZH_CN as T, scoring::ZH_CN as S};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::assessment::{CycleStep, ScoringMethod, Tenths, format_points};
use fieldcheck_domain::{Action, AssesseeId};
use fieldcheck_store::assessment::{self as store, EvidenceLink, Score, ScoreInput};
use fieldcheck_store::{PageRequest, StoreError, fieldwork, photos};
use maud::{Markup, html};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The methods an evaluator chooses from, in the order of the form.
const METHODS: [ScoringMethod; 3] = [
    ScoringMethod::OnsiteInspection,
    ScoringMethod::SpotCheck,
    ScoringMethod::DocumentReview,
];

fn method_label(m: &str) -> &'static str {
    match m {
        "onsite_inspection" => S.onsite_inspection,
        "spot_check" => S.spot_check,
        "document_review" => S.document_review,
        _ => S.method_computed,
    }
}

fn status_label(s: &str) -> &'static str {
    match s {
        "returned" => S.status_returned,
        "accepted" => S.status_accepted,
        _ => S.status_submitted,
    }
}

/// What the form said, to show it again beside its errors.
#[derive(Default)]
struct Entered {
    item: String,
    score: String,
    method: String,
    comment: String,
    evidence: Vec<String>,
    other: String,
}

/// The outcome of a form shown on the page: errors of one item, or a refusal of the whole.
#[derive(Default)]
struct Notice {
    entered: Option<Entered>,
    errors: Vec<String>,
    refusal: Option<String>,
}

/// Parses points as people write them (`8`, `8.5`) into tenths.
fn parse_points(s: &str) -> Option<Tenths> {
    let s = s.trim();
    let (whole, tenth) = match s.split_once('.') {
        Some((w, t)) if t.len() == 1 => (w, t),
        Some(_) => return None,
        None => (s, "0"),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 4 {
        return None;
    }
    let t: i32 = tenth
        .parse()
        .ok()
        .filter(|_| tenth.bytes().all(|b| b.is_ascii_digit()))?;
    Some(whole.parse::<i32>().ok()? * 10 + t)
}

fn evidence_key(e: &EvidenceLink) -> String {
    format!("{}:{}", e.kind, e.id)
}

fn parse_link(s: &str) -> Option<EvidenceLink> {
    let (kind, id) = s.trim().split_once(':')?;
    Some(EvidenceLink {
        kind: kind.trim().to_owned(),
        id: id.trim().to_owned(),
    })
}

fn links_of(s: &Score) -> Vec<EvidenceLink> {
    serde_json::from_value(s.evidence.clone()).unwrap_or_default()
}

fn ids(cycle: &str, assessee: &str) -> Result<(Uuid, Uuid), WebError> {
    let c = Uuid::parse_str(cycle).map_err(|_| WebError::NotFound)?;
    let a = Uuid::parse_str(assessee).map_err(|_| WebError::NotFound)?;
    Ok((c, a))
}

/// `GET /ui/scoring/{cycle}/{assessee}`.
pub(crate) async fn page(
    state: web::Data<AppState>,
    who: Reviewer,
    path: web::Path<(String, String)>,
) -> Page {
    who.require(Action::Score)?;
    let (cid, aid) = ids(&path.0, &path.1)?;
    render(&state, &who, cid, aid, Notice::default(), StatusCode::OK).await
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    aid: Uuid,
    notice: Notice,
    status: StatusCode,
) -> Page {
    let p = &who.principal;
    let db = &state.store.db;
    store::sheet_reachable(db, &p.scope, p.role, p.user, cid, aid).await?;
    let c = store::get_cycle(db, cid).await?;
    let a =
        fieldcheck_store::orgs::get_assessee(db, &fieldcheck_store::Scope::All, AssesseeId(aid))
            .await?;
    let tpl = store::current_template(db, c.year, a.kind).await?;
    let scores = store::list_scores(db, cid, aid).await?;
    let mine: BTreeMap<&str, &Score> = scores
        .iter()
        .filter(|s| s.current && s.evaluator_id == p.user.0)
        .map(|s| (s.item_code.as_str(), s))
        .collect();
    // The evidence there is, each within the caller's own reach.
    let photos_seen = if p.role.may(Action::ReviewEvidence) {
        let filter = photos::PhotoFilter {
            assessee_id: Some(aid),
            ..Default::default()
        };
        photos::list(
            db,
            &p.scope,
            &filter,
            PageRequest::new(None, Some(12)),
            false,
        )
        .await?
        .items
    } else {
        Vec::new()
    };
    let visits_seen = if p.role.may(Action::ReviewEvidence) {
        fieldwork::visits_of_assessee(db, &p.scope, aid, 12).await?
    } else {
        Vec::new()
    };
    let withhold = (!p.role.may(Action::ReadResponses)).then_some(state.config.pii.min_count);
    let satisfaction = fieldwork::satisfaction(db, &p.scope, cid, withhold)
        .await?
        .into_iter()
        .find(|l| l["assessee_id"] == serde_json::json!(aid));
    let reports: Vec<_> = store::list_self_reports(db, &p.scope, cid)
        .await?
        .into_iter()
        .filter(|r| r.assessee_id == aid)
        .collect();
    let open = c.step == CycleStep::Evaluation && c.locked_at.is_none();
    let action = format!("/ui/scoring/{cid}/{aid}");
    let body = html! {
        p { (T.step) "：" (i18n::step_label(&store::wire(&c.step))) " · "
            a href={ "/ui/cycles/" (cid) "/sheet?assessee=" (aid) } { (S.sheet) } " · "
            a href={ "/ui/scoring/" (cid) } { (S.back_to_list) } }
        @if !open { p.notice role="status" { (S.not_evaluation_step) } }
        @if let Some(r) = &notice.refusal { p.error #refusal role="alert" { (r) } }
        section.scoring-evidence aria-labelledby="assessee-evidence" {
            h2 #assessee-evidence { (S.evidence_of_assessee) }
            p #satisfaction { (S.satisfaction) "："
                @match &satisfaction {
                    None => (S.no_responses),
                    Some(l) if l["suppressed"] == true => (S.withheld),
                    Some(l) => {
                        @if let Some(rate) = l["rate"].as_f64() { strong { (format!("{:.1}%", rate * 100.0)) } " " }
                        "（" (l["responses"]) " " (S.responses) "）"
                    }
                }
            }
            @if !photos_seen.is_empty() {
                h3 { (S.photos) }
                ul.grid.scoring-photos {
                    @for ph in &photos_seen {
                        li.card {
                            a href={ "/ui/photos/" (ph.id) } {
                                img src={ "/ui/photos/" (ph.id) "/thumb" } alt=(T.photo) width="120" height="90";
                            }
                            span.flags { @for f in &ph.flags { span.flag { (i18n::flag_label(*f)) } } }
                        }
                    }
                }
            }
        }
        @if !visits_seen.is_empty() {
            section.scoring-evidence aria-labelledby="assessee-visits" {
                h3 #assessee-visits { (S.visit) }
                ul.scoring-visits {
                    @for v in &visits_seen {
                        li {
                            a href={ "/ui/households/" (v.household_id) } { (i18n::local_time(state, v.started_at, true)) }
                            " · " (status_label(&v.status))
                        }
                    }
                }
            }
        }
        @if let Some(tpl) = &tpl {
            @for cat in &tpl.categories {
                section.scoring-category aria-labelledby={ "cat-" (cat.code) } {
                    h2 #{ "cat-" (cat.code) } { (cat.code) " " (cat.name) }
                    @let materials: Vec<String> = reports.iter().filter(|r| r.category_code == cat.code)
                        .flat_map(|r| r.materials.as_array().cloned().unwrap_or_default())
                        .filter_map(|m| m.as_str().map(str::to_owned)).collect();
                    @if !materials.is_empty() {
                        p.materials { (S.materials) "：" @for m in &materials { span.mono { (m) } " " } }
                    }
                    @for item in &cat.items {
                        (item_block(who, &action, item, mine.get(item.code.as_str()).copied(), &scores, &photos_seen, &visits_seen, &materials, &notice, open))
                    }
                }
            }
        }
    };
    let mut res = layout(who, &format!("{} · {}", S.title, a.name), body);
    *res.status_mut() = status;
    Ok(res)
}

#[allow(clippy::too_many_arguments)]
fn item_block(
    who: &Reviewer,
    action: &str,
    item: &fieldcheck_domain::assessment::TemplateItem,
    mine: Option<&Score>,
    scores: &[Score],
    photos_seen: &[photos::Photo],
    visits_seen: &[fieldcheck_store::sync::Visit],
    materials: &[String],
    notice: &Notice,
    open: bool,
) -> Markup {
    let code = &item.code;
    let fid = code.replace('.', "-");
    let entered = notice.entered.as_ref().filter(|e| &e.item == code);
    let errors: &[String] = if entered.is_some() {
        &notice.errors
    } else {
        &[]
    };
    let current_links: Vec<EvidenceLink> = mine.map(links_of).unwrap_or_default();
    let checked: Vec<String> = match entered {
        Some(e) => e.evidence.clone(),
        None => current_links.iter().map(evidence_key).collect(),
    };
    let linked: Vec<EvidenceLink> = scores
        .iter()
        .filter(|s| s.current && s.item_code == *code)
        .flat_map(links_of)
        .collect();
    let score_value = entered.map_or_else(
        || mine.map(|s| format_points(s.score)).unwrap_or_default(),
        |e| e.score.clone(),
    );
    let method_value = entered.map_or_else(
        || mine.map(|s| s.method.clone()).unwrap_or_default(),
        |e| e.method.clone(),
    );
    let comment_value = entered.map_or_else(
        || mine.map(|s| s.comment.clone()).unwrap_or_default(),
        |e| e.comment.clone(),
    );
    // References the checkboxes do not offer (documents, visits, responses) go in the text box.
    let offered: Vec<String> = photos_seen
        .iter()
        .map(|p| format!("photo:{}", p.id))
        .chain(visits_seen.iter().map(|v| format!("visit:{}", v.id)))
        .chain(materials.iter().map(|m| format!("document:{m}")))
        .collect();
    let other_value = entered.map_or_else(
        || {
            current_links
                .iter()
                .map(evidence_key)
                .filter(|k| !offered.contains(k))
                .collect::<Vec<_>>()
                .join("\n")
        },
        |e| e.other.clone(),
    );
    html! {
        article.scoring-item #{ "item-" (fid) } data-item=(code) {
            h3 { (code) " " (item.name) " "
                small { "（" (T.max) " " (format_points(item.max_tenths)) " · " (method_label(&store::wire(&item.method))) "）" } }
            @if !item.guidance.is_empty() { p.guidance { (item.guidance) } }
            @if item.method != ScoringMethod::Computed {
            p.current { (S.current) "："
                @match mine {
                    Some(s) => { strong.score { (format_points(s.score)) } " · " (method_label(&s.method)) @if !s.comment.is_empty() { " · " (s.comment) } }
                    None => span.missing { (S.not_scored) },
                }
            }
            }
            @if !linked.is_empty() {
                p.linked { (S.linked) "："
                    @for e in &linked {
                        @if e.kind == "photo" && who.principal.role.may(Action::ReviewEvidence) {
                            a href={ "/ui/photos/" (e.id) } { (T.photo) } " "
                        } @else {
                            span.mono { (e.kind) ":" (e.id) } " "
                        }
                    }
                }
            }
            @if item.method == ScoringMethod::Computed {
                p.computed { (S.computed) }
            } @else if open {
                form.score-form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(who.csrf);
                    input type="hidden" name="item" value=(code);
                    @if !errors.is_empty() {
                        div role="alert" { ul.error { @for e in errors { li { (e) } } } }
                    }
                    label { (S.score_points) input name="score" inputmode="decimal" required value=(score_value); }
                    label { (S.method)
                        select name="method" required {
                            option value="" { "—" }
                            @for m in METHODS {
                                @let w = store::wire(&m);
                                option value=(w) selected[method_value == w] { (method_label(&w)) }
                            }
                        }
                    }
                    label { (S.comment) textarea name="comment" rows="2" maxlength="4000" { (comment_value) } }
                    @if !offered.is_empty() {
                        fieldset.evidence-choice {
                            legend { (S.evidence_of_assessee) }
                            @for (i, key) in offered.iter().enumerate() {
                                label.check {
                                    input type="checkbox" name="evidence" value=(key) checked[checked.contains(key)];
                                    @if key.starts_with("photo:") { (T.photo) " " (i + 1) }
                                    @else if key.starts_with("visit:") { (S.visit) " " (i + 1 - photos_seen.len()) }
                                    @else { (key.trim_start_matches("document:")) }
                                }
                            }
                        }
                    }
                    label { (S.other_evidence) textarea name="other" rows="2" placeholder=(S.other_evidence_hint) { (other_value) } }
                    button type="submit" { (S.save) }
                }
            }
        }
    }
}

/// `POST /ui/scoring/{cycle}/{assessee}`: one item's score, through
/// [`store::record_score`] as `POST /cycles/{id}/scores`; input errors and refusals are shown on
/// the page, beside the form.
pub(crate) async fn save(
    state: web::Data<AppState>,
    who: Reviewer,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::Score)?;
    let mut e = Entered::default();
    let mut csrf = String::new();
    for (k, v) in form.into_inner() {
        match k.as_str() {
            "csrf" => csrf = v,
            "item" => e.item = v,
            "score" => e.score = v,
            "method" => e.method = v,
            "comment" => e.comment = v,
            "evidence" => e.evidence.push(v),
            "other" => e.other = v,
            _ => {}
        }
    }
    who.check_csrf(&csrf)?;
    let (cid, aid) = ids(&path.0, &path.1)?;
    let p = &who.principal;
    // Out of reach answers 404 before anything about the form is said.
    store::sheet_reachable(&state.store.db, &p.scope, p.role, p.user, cid, aid).await?;
    let mut errors = Vec::new();
    let score = parse_points(&e.score);
    if score.is_none() {
        errors.push(S.bad_score.to_owned());
    }
    let method = METHODS
        .into_iter()
        .find(|m| store::wire(m) == e.method.trim());
    if method.is_none() {
        errors.push(S.bad_method.to_owned());
    }
    let mut evidence = Vec::new();
    for line in e
        .evidence
        .iter()
        .map(String::as_str)
        .chain(e.other.lines())
        .filter(|l| !l.trim().is_empty())
    {
        match parse_link(line) {
            Some(l) if !evidence.contains(&l) => evidence.push(l),
            Some(_) => {}
            None => errors.push(format!("{}：{line}", S.bad_evidence)),
        }
    }
    let (Some(score), Some(method)) = (score, method) else {
        return refuse_in_place(&state, &who, cid, aid, e, errors, None).await;
    };
    if !errors.is_empty() {
        return refuse_in_place(&state, &who, cid, aid, e, errors, None).await;
    }
    let input = ScoreInput {
        assessee_id: aid,
        item_code: e.item.clone(),
        score,
        method,
        comment: e.comment.clone(),
        evidence,
    };
    let txn = state.store.write().await?;
    let outcome = store::record_score(&*txn, p.user, p.role, cid, input).await;
    let (errors, refusal) = match outcome {
        Ok(_) => {
            txn.commit().await?;
            let fid = e.item.replace('.', "-");
            return Ok(see_other(&format!("/ui/scoring/{cid}/{aid}#item-{fid}")));
        }
        Err(StoreError::Invalid(v)) => (
            v.0.iter()
                .map(|f| format!("{}：{}", f.field, f.message))
                .collect(),
            None,
        ),
        Err(StoreError::Refused { code, detail }) => {
            let message = match code {
                "conflict-of-interest" => S.conflict_of_interest.to_owned(),
                "not-commissioned" => S.not_commissioned.to_owned(),
                "wrong-step" => S.wrong_step.to_owned(),
                _ => detail,
            };
            (Vec::new(), Some(message))
        }
        Err(StoreError::Locked) => (Vec::new(), Some(S.locked.to_owned())),
        Err(other) => return Err(other.into()),
    };
    // Nothing was written: the transaction ends before the page is read again.
    drop(txn);
    refuse_in_place(&state, &who, cid, aid, e, errors, refusal).await
}

/// The page again with the form's input and what was wrong: 400 for input, 403 for a refusal
/// of who is scoring (as the API answers), 409 for the workflow.
async fn refuse_in_place(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    aid: Uuid,
    entered: Entered,
    mut errors: Vec<String>,
    refusal: Option<String>,
) -> Page {
    let status = match &refusal {
        None => StatusCode::BAD_REQUEST,
        Some(m) if m == S.conflict_of_interest || m == S.not_commissioned => StatusCode::FORBIDDEN,
        Some(_) => StatusCode::CONFLICT,
    };
    if refusal.is_some() {
        errors.push(S.not_saved.to_owned());
    }
    let notice = Notice {
        entered: Some(entered),
        errors,
        refusal: refusal.map(|r| format!("{}：{r}", S.not_saved)),
    };
    render(state, who, cid, aid, notice, status).await
}

#[cfg(test)]
mod tests {
    use super::parse_points;

    #[test]
    fn points_as_people_write_them() {
        assert_eq!(parse_points("8"), Some(80));
        assert_eq!(parse_points(" 8.5 "), Some(85));
        assert_eq!(parse_points("0.0"), Some(0));
        for bad in ["", "8.55", "-1", "8,5", "abc", ".5", "8.", "1e3"] {
            assert_eq!(parse_points(bad), None, "{bad}");
        }
    }
}
