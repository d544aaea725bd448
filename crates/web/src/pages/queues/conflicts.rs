//! Sync conflicts: where a phone's edit met the office's change of the same field; settled for
//! one side through the store function of `POST /sync/conflicts/{id}/resolve`.

use crate::i18n::queues::ZH_CN as Q;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::{StoreError, sync};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

/// A stored JSON value as people read it (strings without their quotes).
fn shown(v: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) => "—".into(),
        Ok(other) => other.to_string(),
        Err(_) => v.to_owned(),
    }
}

/// `GET /ui/queues/conflicts`: unresolved conflicts, newest first, each with its two choices.
pub(crate) async fn list(state: web::Data<AppState>, who: Reviewer) -> Page {
    render(&state, &who, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    message: Option<&str>,
    status: StatusCode,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    // The API settles conflicts for roles that may edit the registry; so does the page.
    who.require(Action::EditRegistry)?;
    let items = sync::conflicts(&state.store.db, true, super::CONFLICT_LIMIT).await?;
    let body = html! {
        @if let Some(m) = message { p.error role="alert" { (m) } }
        p.hint { (Q.keys_help) }
        @if items.is_empty() {
            p #queue-empty { (Q.empty) }
        } @else {
            table #conflicts.queue {
                thead { tr { th { (Q.record) } th { (Q.field) } th { (Q.device_value) } th { (Q.server_value) } th { (Q.received) } th { (Q.filter) } } }
                tbody {
                    @for c in &items {
                        tr.queue-item tabindex="-1" id={ "conflict-" (c.id) } {
                            td {
                                @if c.entity == "household" {
                                    a href={ "/ui/households/" (c.record_id) } { (Q.household) }
                                } @else { (c.entity) }
                            }
                            td.mono { (c.field) }
                            td.device { (shown(&c.device_value)) }
                            td.server { (shown(&c.server_value)) }
                            td { (c.created_at.format("%Y-%m-%d %H:%M")) }
                            td {
                                form.inline method="post" action={ "/ui/queues/conflicts/" (c.id) "/resolve" } {
                                    input type="hidden" name="csrf" value=(who.csrf);
                                    button type="submit" name="take" value="server" { (Q.keep_server) }
                                    " "
                                    button type="submit" name="take" value="device" { (Q.take_device) }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/ui/queues" { (Q.back) } }
        script src="/ui/static/scoring.js" defer {}
    };
    let mut res = layout(who, Q.conflicts, body);
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize)]
pub(crate) struct ResolveForm {
    csrf: String,
    take: String,
}

/// `POST /ui/queues/conflicts/{id}/resolve`.
pub(crate) async fn resolve(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<ResolveForm>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    who.require(Action::EditRegistry)?;
    who.check_csrf(&form.csrf)?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let take_device = match form.take.as_str() {
        "server" => false,
        "device" => true,
        _ => return Err(WebError::BadRequest("take: server, device".into())),
    };
    let txn = state.store.write().await?;
    match sync::resolve_conflict(&*txn, who.principal.user, id, take_device).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(see_other("/ui/queues/conflicts"))
        }
        Err(StoreError::Duplicate(_)) => {
            drop(txn);
            render(&state, &who, Some(Q.already_resolved), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
