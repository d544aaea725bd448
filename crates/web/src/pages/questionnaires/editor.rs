//! The editor of a new version: a server-rendered form (questions added and removed with submit
//! buttons), the domain's validation errors beside the question they concern, the phone's form
//! as a preview (kept live by `questionnaires.js`), and saving through the store function of
//! `POST /questionnaires`.

use super::draft::{Draft, DraftQuestion, describe, question_of};
use crate::i18n::questionnaires::ZH_CN as Q;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::StatusCode, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::questionnaire::{QuestionKind, Questionnaire, phones_pick};
use fieldcheck_domain::{Action, FieldError, ValidationErrors};
use fieldcheck_store::assessment as store;
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct NewQuery {
    from: Option<String>,
}

/// `GET /ui/questionnaires/new[?from=<id>]`: the editor, filled from the version phones ask (or
/// the chosen one).
pub(super) async fn new(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<NewQuery>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let db = &state.store.db;
    let source = match parse_uuid(&q.from, "from") {
        Ok(Some(id)) => store::get_questionnaire(db, id).await?,
        Ok(None) => {
            let all = store::list_questionnaires(db).await?;
            let pick = phones_pick(
                all.iter()
                    .map(|s| (s.questionnaire.code.as_str(), s.questionnaire.version)),
            )
            .ok_or(WebError::NotFound)?;
            all.into_iter().nth(pick).ok_or(WebError::NotFound)?
        }
        Err(_) => return Err(WebError::NotFound),
    };
    let draft = Draft::from_questionnaire(&source.questionnaire);
    Ok(editor_page(
        &who,
        &draft,
        &ValidationErrors::default(),
        None,
        StatusCode::OK,
    ))
}

/// The editor with `draft`, its errors in place and the preview.
pub(super) fn editor_page(
    who: &Reviewer,
    draft: &Draft,
    errors: &ValidationErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let (q, _) = draft.to_questionnaire();
    let general: Vec<&FieldError> = errors
        .0
        .iter()
        .filter(|e| question_of(&e.field).is_none())
        .collect();
    let ids: Vec<&str> = draft.questions.iter().map(|q| q.id.as_str()).collect();
    let body = html! {
        p.muted { (Q.editor_help) }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        div.q-editor-page {
            form #q-editor method="post" action="/ui/questionnaires/edit" novalidate {
                input type="hidden" name="csrf" value=(who.csrf);
                @if !errors.is_empty() {
                    div.q-errors role="alert" {
                        p.error { (Q.errors) "（" (errors.0.len()) "）" }
                        @if !general.is_empty() {
                            ul { @for e in &general { li.error { (describe(e)) } } }
                        }
                    }
                }
                div.q-head {
                    label { (Q.code) input name="code" value=(draft.code) required; }
                    label { (Q.name) input name="title" value=(draft.title) size="40" required; }
                }
                @for (i, d) in draft.questions.iter().enumerate() {
                    (question_fields(i, d, &ids, errors))
                }
                div.q-buttons {
                    button type="submit" name="op" value="add" { (Q.add) }
                    button type="submit" name="op" value="check" { (Q.check) }
                    button.primary type="submit" name="op" value="save" { (Q.save) }
                }
            }
            section.q-preview aria-labelledby="preview-title" {
                h2 #preview-title { (Q.preview) }
                p.muted { (Q.preview_help) }
                div #preview aria-live="polite" { (preview_markup(&q)) }
            }
        }
        script src="/ui/static/questionnaires.js" defer {}
    };
    let mut res = layout(who, Q.editor, body);
    *res.status_mut() = status;
    res
}

fn question_fields(i: usize, d: &DraftQuestion, ids: &[&str], errors: &ValidationErrors) -> Markup {
    let mine: Vec<&FieldError> = errors
        .0
        .iter()
        .filter(|e| question_of(&e.field) == Some(i))
        .collect();
    let n = |f: &str| format!("q{i}.{f}");
    let err_id = format!("q{i}-errors");
    html! {
        fieldset.q-edit.invalid[!mine.is_empty()] id={ "question-" (i) } data-kind=(d.kind) {
            legend { (Q.question) " " (i + 1) " 题" @if !d.id.is_empty() { " · " span.mono { (d.id) } } }
            @if !mine.is_empty() {
                ul.q-question-errors id=(err_id) {
                    @for e in &mine { li.error { (describe(e)) } }
                }
            }
            div.q-row {
                label { (Q.q_id) input name=(n("id")) value=(d.id) size="16" aria-describedby=[(!mine.is_empty()).then_some(&err_id)]; }
                label { (Q.q_kind)
                    select name=(n("kind")) {
                        @for (value, label) in Q.kinds {
                            option value=(value) selected[d.kind == value] { (label) }
                        }
                    }
                }
                label.check { input type="checkbox" name=(n("required")) checked[d.required]; (Q.q_required) }
                label.check { input type="checkbox" name=(n("satisfaction")) checked[d.satisfaction]; (Q.q_satisfaction) }
            }
            label.wide { (Q.q_text) textarea name=(n("text")) rows="2" { (d.text) } }
            label.wide.q-for-choice { (Q.q_options) " " small.muted { (Q.q_options_help) }
                textarea name=(n("options")) rows="4" { (d.options) }
            }
            div.q-row.q-limits {
                label.q-for-range { (Q.q_min) input name=(n("min")) value=(d.min) size="6"; }
                label.q-for-range { (Q.q_max) input name=(n("max")) value=(d.max) size="6"; }
                label.q-for-scale { (Q.q_satisfied_from) input name=(n("satisfied_from")) value=(d.satisfied_from) size="4"; }
                label.check.q-for-number { input type="checkbox" name=(n("integer")) checked[d.integer]; (Q.q_integer) }
                label.q-for-text { (Q.q_max_chars) input name=(n("max_chars")) value=(d.max_chars) size="5"; }
                label.q-for-multiple { (Q.q_min_selected) input name=(n("min_selected")) value=(d.min_selected) size="3"; }
                label.q-for-multiple { (Q.q_max_selected) input name=(n("max_selected")) value=(d.max_selected) size="3"; }
            }
            div.q-row {
                label { (Q.q_show_if)
                    select name=(n("show_if_question")) {
                        option value="" { (Q.always) }
                        @for id in ids.iter().take(i).filter(|id| !id.is_empty()) {
                            option value=(id) selected[d.show_if_question == *id] { (id) }
                        }
                        @if !d.show_if_question.is_empty() && !ids[..i].contains(&d.show_if_question.as_str()) {
                            option value=(d.show_if_question) selected { (d.show_if_question) }
                        }
                    }
                }
                label { (Q.q_equals) input name=(n("show_if_equals")) value=(d.show_if_equals) size="10"; }
                @if i > 0 {
                    button.move type="submit" name="op" value={ "up-" (i) } { (Q.move_up) }
                }
                button.remove type="submit" name="op" value={ "remove-" (i) } { (Q.remove) }
            }
        }
    }
}

/// The phone's form for `q`, in the field app's structure (`survey-view.js`' `questionBlock`):
/// a block per question, conditions as data attributes the script applies.
pub(super) fn preview_markup(q: &Questionnaire) -> Markup {
    html! {
        div.phone {
            p.phone-title { (q.title) }
            form.survey #preview-form {
                @for (i, question) in q.questions.iter().enumerate() {
                    @let name = format!("pv{i}-{}", question.id);
                    @let mark = if question.required { Q.required_mark } else { Q.optional_mark };
                    @let cond = question.show_if.as_ref();
                    @let cond_q = cond.map(|c| c.question.clone());
                    @let cond_v = cond.map(|c| c.equals.to_string());
                    @match &question.kind {
                        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options, .. } => {
                            @let many = matches!(question.kind, QuestionKind::MultipleChoice { .. });
                            fieldset.question data-question=(question.id) data-type=(if many { "multiple_choice" } else { "single_choice" }) data-show-if=[cond_q.as_ref()] data-equals=[cond_v.as_ref()] {
                                legend { (question.text) span.muted { (mark) } }
                                @if many { p.muted { (Q.pick_many) } }
                                div.choices.many[many] {
                                    @for o in options {
                                        label { input type=(if many { "checkbox" } else { "radio" }) name=(name) value=(o.value); span { (o.label) } }
                                    }
                                }
                                (condition_note(question))
                            }
                        }
                        QuestionKind::Scale { min, max, .. } => {
                            fieldset.question data-question=(question.id) data-type="scale" data-show-if=[cond_q.as_ref()] data-equals=[cond_v.as_ref()] {
                                legend { (question.text) span.muted { (mark) } }
                                p.muted { (min) " – " (max) }
                                div.choices.scale {
                                    @for v in *min..=(*max).min(min.saturating_add(20)) {
                                        label { input type="radio" name=(name) value=(v); span { (v) } }
                                    }
                                }
                                (condition_note(question))
                            }
                        }
                        QuestionKind::Number { integer, .. } => {
                            div.question data-question=(question.id) data-type="number" data-show-if=[cond_q.as_ref()] data-equals=[cond_v.as_ref()] {
                                label for=(name) { (question.text) span.muted { (mark) } }
                                input id=(name) name=(name) type="number" step=(if *integer { "1" } else { "any" });
                                (condition_note(question))
                            }
                        }
                        QuestionKind::Text { .. } => {
                            div.question data-question=(question.id) data-type="text" data-show-if=[cond_q.as_ref()] data-equals=[cond_v.as_ref()] {
                                label for=(name) { (question.text) span.muted { (mark) } }
                                textarea id=(name) name=(name) rows="3" {}
                                (condition_note(question))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn condition_note(q: &fieldcheck_domain::questionnaire::Question) -> Markup {
    html! {
        @if let Some(c) = &q.show_if {
            p.q-condition.muted { (Q.shown_when) span.mono { (c.question) " = " (c.equals) } }
        }
    }
}

fn csrf_of(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /ui/questionnaires/edit`: add, move up or remove a question, check, or save.
pub(super) async fn edit(
    state: web::Data<AppState>,
    who: Reviewer,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let pairs = form.into_inner();
    who.check_csrf(csrf_of(&pairs))?;
    let op = pairs
        .iter()
        .find(|(k, _)| k == "op")
        .map_or("check", |(_, v)| v.as_str());
    let mut draft = Draft::from_form(&pairs);
    match op {
        "add" => {
            draft.questions.push(DraftQuestion {
                kind: "single_choice".into(),
                ..DraftQuestion::default()
            });
            return Ok(editor_page(
                &who,
                &draft,
                &ValidationErrors::default(),
                None,
                StatusCode::OK,
            ));
        }
        op if op.starts_with("remove-") || op.starts_with("up-") => {
            let (what, at) = op.split_once('-').unwrap_or_default();
            let i: usize = at
                .parse()
                .ok()
                .filter(|i| *i < draft.questions.len() && (what == "remove" || *i > 0))
                .ok_or_else(|| WebError::BadRequest("op: no such question".into()))?;
            if what == "remove" {
                draft.questions.remove(i);
            } else {
                draft.questions.swap(i - 1, i);
            }
            return Ok(editor_page(
                &who,
                &draft,
                &ValidationErrors::default(),
                None,
                StatusCode::OK,
            ));
        }
        "check" | "save" => {}
        other => return Err(WebError::BadRequest(format!("op: `{other}` is no action"))),
    }
    let (q, errors) = draft.to_questionnaire();
    if !errors.is_empty() {
        return Ok(editor_page(
            &who,
            &draft,
            &errors,
            None,
            StatusCode::BAD_REQUEST,
        ));
    }
    if op == "check" {
        return Ok(editor_page(
            &who,
            &draft,
            &errors,
            Some(Q.no_errors),
            StatusCode::OK,
        ));
    }
    let txn = state.store.write().await?;
    let saved = store::create_next_questionnaire_version(&*txn, Some(who.principal.user), q).await;
    let saved = match saved {
        Ok(s) => s,
        Err(fieldcheck_store::StoreError::Invalid(v)) => {
            return Ok(editor_page(&who, &draft, &v, None, StatusCode::BAD_REQUEST));
        }
        Err(e) => return Err(e.into()),
    };
    txn.commit().await?;
    Ok(see_other(&format!("/ui/questionnaires?saved={}", saved.id)))
}

/// `POST /ui/questionnaires/preview`: the preview of the form's draft (for the script).
pub(super) async fn preview(who: Reviewer, form: web::Form<Vec<(String, String)>>) -> Page {
    who.require(Action::ManageCycles)?;
    let pairs = form.into_inner();
    who.check_csrf(csrf_of(&pairs))?;
    let (q, _) = Draft::from_form(&pairs).to_questionnaire();
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(preview_markup(&q).into_string()))
}
