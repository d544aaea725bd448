//! XLSForm import: the workbook's sheets read by the store, converted by the domain
//! ([`from_xlsform`]), opened in the editor as a draft to check, then saved there.

use super::draft::Draft;
use super::editor::editor_page;
use crate::i18n::questionnaires::ZH_CN as Q;
use crate::layout::*;
use crate::multipart::BodyError;
use crate::{Reviewer, WebError};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use fieldcheck_domain::Action;
use fieldcheck_domain::questionnaire_xlsform::from_xlsform;
use fieldcheck_store::assessment as store;
use maud::html;

fn import_page(who: &Reviewer, problems: &[String], status: StatusCode) -> HttpResponse {
    let body = html! {
        p.muted { (Q.import_help) }
        @if !problems.is_empty() {
            div.q-errors role="alert" {
                p.error { (Q.import_failed) }
                ul { @for p in problems { li.error { (p) } } }
            }
        }
        form.q-import method="post" action="/ui/questionnaires/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(who.csrf);
            label { (Q.file) input type="file" name="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required; }
            button type="submit" { (Q.import_button) }
        }
    };
    let mut res = layout(who, Q.import_title, body);
    *res.status_mut() = status;
    res
}

/// `GET /ui/questionnaires/import`.
pub(super) async fn form(who: Reviewer) -> Page {
    who.require(Action::ManageCycles)?;
    Ok(import_page(&who, &[], StatusCode::OK))
}

/// `POST /ui/questionnaires/import` (multipart: `csrf`, `file`): the editor with the draft.
pub(super) async fn upload(who: Reviewer, req: HttpRequest, body: web::Payload) -> Page {
    who.require(Action::ManageCycles)?;
    let parts = crate::multipart::read(&req, body, super::MAX_UPLOAD)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => WebError::BadRequest(Q.too_large.into()),
            BodyError::Malformed => {
                WebError::BadRequest("expected a multipart/form-data upload".into())
            }
        })?;
    let field = |name: &str| parts.iter().find(|p| p.name == name);
    let csrf = field("csrf")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    who.check_csrf(&csrf)?;
    let file = match field("file") {
        Some(f) if !f.data.is_empty() => f,
        _ => {
            return Ok(import_page(
                &who,
                &[Q.no_file.to_owned()],
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    let sheets = match store::read_xlsform(&file.data) {
        Ok(s) => s,
        Err(e) => return Ok(import_page(&who, &[e.to_string()], StatusCode::BAD_REQUEST)),
    };
    match from_xlsform(&sheets) {
        Ok(q) => {
            let draft = Draft::from_questionnaire(&q);
            let (_, errors) = draft.to_questionnaire();
            Ok(editor_page(
                &who,
                &draft,
                &errors,
                Some(Q.imported),
                StatusCode::OK,
            ))
        }
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            Ok(import_page(&who, &lines, StatusCode::BAD_REQUEST))
        }
    }
}
