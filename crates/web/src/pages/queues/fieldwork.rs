//! Visits and responses waiting for review, filtered by district, village and kind; each can be
//! sent back to its device with a comment per checklist item or question.

use crate::i18n::queues::ZH_CN as Q;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::StoreError;
use fieldcheck_store::fieldwork::{self, QueueEntry, QueueFilter};
use maud::html;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Filters of the queue, as the page's query.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    kind: Option<String>,
    district: Option<String>,
    village: Option<String>,
}

impl QueueQuery {
    fn filter(&self) -> Result<QueueFilter, WebError> {
        let kind = match empty_none(&self.kind).as_deref() {
            None => None,
            Some("visit") => Some("visit"),
            Some("response") => Some("response"),
            Some(_) => return Err(WebError::BadRequest(format!("{}: visit, response", Q.kind))),
        };
        let district = empty_none(&self.district);
        if let Some(d) = &district
            && (d.len() != 6 || !d.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(WebError::BadRequest(format!("{}: 6 digits", Q.district)));
        }
        Ok(QueueFilter {
            kind,
            district,
            village: parse_uuid(&self.village, Q.village)?,
        })
    }

    fn query_string(&self) -> String {
        [
            ("kind", &self.kind),
            ("district", &self.district),
            ("village", &self.village),
        ]
        .iter()
        .filter_map(|(k, v)| empty_none(v).map(|v| format!("{k}={}", encode(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

fn kind_label(kind: &str) -> &'static str {
    if kind == "visit" { Q.visit } else { Q.response }
}

/// What a refused send-back said, shown on its entry.
struct Refused {
    id: Uuid,
    errors: Vec<String>,
    comments: BTreeMap<String, String>,
}

/// `GET /ui/queues/fieldwork`.
pub(crate) async fn list(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<QueueQuery>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    render(&state, &who, &q, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    q: &QueueQuery,
    refused: Option<Refused>,
    status: StatusCode,
) -> Page {
    let p = &who.principal;
    let filter = q.filter()?;
    let entries =
        fieldwork::review_queue(&state.store.db, &p.scope, &filter, super::FIELDWORK_LIMIT).await?;
    let back = q.query_string();
    let selected = |v: &str| filter.kind == Some(v);
    let body = html! {
        form.filters method="get" action="/ui/queues/fieldwork" {
            label { (Q.kind)
                select name="kind" {
                    option value="" { (Q.any) }
                    option value="visit" selected[selected("visit")] { (Q.visit) }
                    option value="response" selected[selected("response")] { (Q.response) }
                }
            }
            label { (Q.district) input name="district" inputmode="numeric" maxlength="6" value=(q.district.clone().unwrap_or_default()); }
            label { (Q.village) input name="village" value=(q.village.clone().unwrap_or_default()); }
            button type="submit" { (Q.filter) }
        }
        p.hint { (Q.keys_help) " · " (Q.no_accept) }
        @if entries.is_empty() {
            p #queue-empty { (Q.empty) }
        }
        ol #fieldwork-queue.queue {
            @for e in &entries {
                @let r = refused.as_ref().filter(|r| r.id == e.id);
                li { (entry(who, e, &back, r)) }
            }
        }
        p { a href="/ui/queues" { (Q.back) } }
    };
    let mut res = layout(
        who,
        Q.fieldwork,
        html! { (body) script src="/ui/static/scoring.js" defer {} },
    );
    *res.status_mut() = status;
    Ok(res)
}

fn entry(who: &Reviewer, e: &QueueEntry, back: &str, refused: Option<&Refused>) -> maud::Markup {
    html! {
        article.queue-item tabindex="-1" id={ "entry-" (e.id) } data-kind=(e.kind) {
            h2 { (kind_label(e.kind)) " · "
                a href={ "/ui/households/" (e.household_id) } { (Q.household) " " (e.registration_no) }
                " " small { (e.district_code) } }
            p.meta { (Q.received) "：" (e.updated_at.format("%Y-%m-%d %H:%M")) " · " span.mono { (e.id) } }
            form.send-back method="post" action={ "/ui/queues/" (e.kind) "/" (e.id) "/return" } {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="back" value=(back);
                fieldset {
                    legend { (Q.send_back) " — " (Q.send_back_hint) }
                    @if let Some(r) = refused {
                        div role="alert" { ul.error { @for m in &r.errors { li { (m) } } } }
                    }
                    @for (i, item) in e.items.iter().enumerate() {
                        @let value = refused.and_then(|r| r.comments.get(item)).cloned().unwrap_or_default();
                        label { (Q.comment_on) span.mono { (item) }
                            input type="text" name={ "comment." (item) } maxlength="2000" value=(value) data-first=[(i == 0).then_some("1")];
                        }
                    }
                }
                button type="submit" { (Q.send_back_button) }
            }
        }
    }
}

/// `POST /ui/queues/{kind}/{id}/return`: sends the visit or response back with the comments
/// given, through the store function of `POST /visits|responses/{id}/return`.
pub(crate) async fn send_back(
    state: web::Data<AppState>,
    who: Reviewer,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    let mut csrf = String::new();
    let mut back = String::new();
    let mut comments = BTreeMap::new();
    for (k, v) in form.into_inner() {
        match k.as_str() {
            "csrf" => csrf = v,
            "back" => back = v,
            _ => {
                if let Some(item) = k.strip_prefix("comment.")
                    && !v.trim().is_empty()
                {
                    comments.insert(item.to_owned(), v.trim().to_owned());
                }
            }
        }
    }
    who.check_csrf(&csrf)?;
    let kind = match path.0.as_str() {
        "visit" => "visit",
        "response" => "response",
        _ => return Err(WebError::NotFound),
    };
    let id = Uuid::parse_str(&path.1).map_err(|_| WebError::NotFound)?;
    let q = web::Query::<QueueQuery>::from_query(&back)
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let p = &who.principal;
    let txn = state.store.write().await?;
    let refused = match fieldwork::send_back(&*txn, p.user, &p.scope, kind, id, &comments).await {
        Ok(_) => {
            txn.commit().await?;
            return Ok(see_other(&format!("/ui/queues/fieldwork?{back}")));
        }
        Err(StoreError::Invalid(v)) => {
            let errors =
                v.0.iter()
                    .map(|f| {
                        if f.field == "comments" {
                            Q.comment_required.to_owned()
                        } else {
                            format!("{}：{}", f.field, f.message)
                        }
                    })
                    .collect();
            (errors, StatusCode::BAD_REQUEST)
        }
        Err(StoreError::Locked) => (vec![Q.locked.to_owned()], StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    drop(txn);
    let refused_entry = Refused {
        id,
        errors: refused.0,
        comments,
    };
    render(&state, &who, &q, Some(refused_entry), refused.1).await
}
