//! The list of questionnaire versions (which one phones ask), one version's preview, and
//! publication.

use super::editor::preview_markup;
use crate::i18n::questionnaires::ZH_CN as Q;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::questionnaire::phones_pick;
use fieldcheck_store::assessment as store;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    saved: Option<String>,
    published: Option<String>,
}

/// `GET /ui/questionnaires`.
pub(super) async fn list(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<ListQuery>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let manage = who.principal.role.may(Action::ManageCycles);
    let all = store::list_questionnaires(&state.store.db).await?;
    let current = phones_pick(
        all.iter()
            .map(|s| (s.questionnaire.code.as_str(), s.questionnaire.version)),
    )
    .map(|i| all[i].id);
    let notice = if q.published.is_some() {
        Some(Q.published)
    } else if q.saved.is_some() {
        Some(Q.saved)
    } else {
        None
    };
    let body = html! {
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        p.muted { (Q.rule) }
        @if manage {
            p.q-actions {
                a.button href="/ui/questionnaires/new" { (Q.new_from_last) }
                a.button href="/ui/questionnaires/import" { (Q.import) }
            }
        }
        table.q-list {
            thead { tr {
                th scope="col" { (Q.code) } th scope="col" { (Q.version) } th scope="col" { (Q.name) }
                th scope="col" { (Q.questions) } th scope="col" { (Q.status) } th scope="col" { (Q.actions) }
            } }
            tbody {
                @for s in &all {
                    @let on_phones = current == Some(s.id);
                    tr.current[on_phones] data-id=(s.id) {
                        td.mono { (s.questionnaire.code) }
                        td.num { (s.questionnaire.version) }
                        td { (s.questionnaire.title) }
                        td.num { (s.questionnaire.questions.len()) }
                        td { @if on_phones { strong.on-phones { (Q.on_phones) } } @else { (Q.stored) } }
                        td {
                            a href={ "/ui/questionnaires/" (s.id) } { (Q.view) }
                            @if manage {
                                " · " a href={ "/ui/questionnaires/new?from=" (s.id) } { (Q.copy) }
                                @if !on_phones {
                                    form.inline method="post" action={ "/ui/questionnaires/" (s.id) "/publish" } {
                                        input type="hidden" name="csrf" value=(who.csrf);
                                        " " button type="submit" { (Q.publish) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(&who, Q.title, body))
}

fn path_id(id: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::NotFound)
}

/// `GET /ui/questionnaires/{id}`: one version as phones show it.
pub(super) async fn view(state: web::Data<AppState>, who: Reviewer, id: web::Path<String>) -> Page {
    who.require(Action::ReadAssessment)?;
    let s = store::get_questionnaire(&state.store.db, path_id(&id)?).await?;
    let q = &s.questionnaire;
    let title = format!("{} · {} {}", q.title, Q.version, q.version);
    let body = html! {
        p { span.mono { (q.code) } " · " (Q.version) " " (q.version) " · " (q.questions.len()) " " (Q.questions) }
        @if who.principal.role.may(Action::ManageCycles) {
            p.q-actions { a.button href={ "/ui/questionnaires/new?from=" (s.id) } { (Q.copy) } }
        }
        section.q-preview aria-labelledby="preview-title" {
            h2 #preview-title { (Q.preview) }
            div #preview { (preview_markup(q)) }
        }
        script src="/ui/static/questionnaires.js" defer {}
    };
    Ok(layout(&who, &title, body))
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

/// `POST /ui/questionnaires/{id}/publish`: the version becomes the one phones ask.
pub(super) async fn publish(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Page {
    who.require(Action::ManageCycles)?;
    who.check_csrf(&form.csrf)?;
    let id = path_id(&id)?;
    let txn = state.store.write().await?;
    let published = store::publish_questionnaire(&*txn, Some(who.principal.user), id).await?;
    txn.commit().await?;
    Ok(see_other(&format!(
        "/ui/questionnaires?published={}",
        published.id
    )))
}
