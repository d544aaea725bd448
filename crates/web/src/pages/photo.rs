//! One photo: its facts, flags and duplicates, the review decision, its derivatives.

use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, HouseholdId};
use fieldcheck_store::photos::{self};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct BackQuery {
    back: Option<String>,
}

fn fmt_point(p: Option<fieldcheck_domain::GeoPoint>) -> String {
    p.map_or_else(
        || T.none.to_owned(),
        |p| format!("{:.5}, {:.5}", p.lat, p.lon),
    )
}

/// `GET /ui/photos/{id}`: the picture, its facts and flags, its duplicates, the decision form.
pub(crate) async fn photo(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<BackQuery>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    let p = &who.principal;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let (rec, home) = photos::get(db, &p.scope, id).await?;
    let view = photos::photo_view(rec.clone(), home, p.role.may(Action::ReadOriginals));
    let dups = photos::duplicates_of(db, &p.scope, id).await?;
    // The household as people know it: its head and registration number (户编号).
    let household = state
        .store
        .household(&p.scope, HouseholdId(view.household_id))
        .await?;
    let household_label = format!(
        "{}（{}）",
        household.household.head_name, household.household.registration_no
    );
    let back = q.back.clone().unwrap_or_default();
    let body = html! {
        div.photo-page {
            figure {
                @if view.status == "stored" {
                    img.screen src={ "/ui/photos/" (id) "/screen" } alt=(T.photo);
                }
                figcaption { (T.keys_help) }
            }
            section.facts {
                dl {
                    dt { (T.household) } dd { a href={ "/ui/households/" (view.household_id) } { (household_label) } }
                    dt { (T.visit) } dd { (view.visit_id.map(|v| v.to_string()).unwrap_or_else(|| T.none.into())) }
                    dt { (T.taken_at) } dd { (i18n::local_time(&state, view.taken_at, true)) }
                    dt { (T.exif_position) } dd { (fmt_point(view.exif_position)) }
                    dt { (T.device_position) } dd { (fmt_point(view.device_position)) }
                    dt { (T.distance) } dd { (view.distance_to_household_m.map(|d| format!("{d:.0} m")).unwrap_or_else(|| T.none.into())) }
                    dt { (T.camera) } dd { (view.camera.clone().unwrap_or_else(|| T.none.into())) }
                    dt { (T.flags) } dd.flags {
                        @if view.flags.is_empty() { (T.none) }
                        @for f in &view.flags { span.flag { (i18n::flag_label(*f)) } }
                    }
                    dt { (T.review_status) } dd #review-status data-status=(view.review_status) {
                        (i18n::review_label(&view.review_status))
                        @if let Some(r) = &view.review_reason { " — " (r) }
                    }
                }
                form.review #review-form method="post" action={ "/ui/photos/" (id) "/review" } {
                    input type="hidden" name="csrf" value=(who.csrf);
                    input type="hidden" name="back" value=(back);
                    label { (T.reason) textarea #reason name="reason" rows="2" maxlength="1000" {} }
                    button #accept type="submit" name="decision" value="accept" { (T.accept) " (A)" }
                    button #reject type="submit" name="decision" value="reject" { (T.reject) " (R)" }
                }
                p { a #back href={ "/ui/gallery?" (back) } { (T.back) } }
            }
        }
        @if !dups.is_empty() {
            h2 { (T.duplicates) }
            ul.grid.dups {
                li.card { img src={ "/ui/photos/" (id) "/thumb" } alt=(T.photo) width="160" height="120"; span { (T.photo) } }
                @for d in &dups {
                    li.card {
                        a href={ "/ui/photos/" (d.id) } {
                            img src={ "/ui/photos/" (d.id) "/thumb" } alt=(T.photo) width="160" height="120";
                        }
                        a href={ "/ui/households/" (d.household_id) } { (T.household) }
                    }
                }
            }
        }
    };
    Ok(layout(&who, T.photo, body))
}

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    csrf: String,
    decision: String,
    reason: Option<String>,
    back: Option<String>,
}

/// `POST /ui/photos/{id}/review`: accept or reject with a reason; audited like the API's.
pub(crate) async fn review(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<ReviewForm>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    who.check_csrf(&form.csrf)?;
    let p = &who.principal;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(WebError::BadRequest("decision".into())),
    };
    let reason = empty_none(&form.reason);
    if !accept && reason.is_none() {
        return Err(WebError::BadRequest(T.reason_required.into()));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(WebError::BadRequest(T.reason.into()));
    }
    let txn = state.store.write().await?;
    photos::review(&*txn, &p.scope, p.user, id, accept, reason).await?;
    txn.commit().await?;
    let back = form.back.clone().unwrap_or_default();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/ui/photos/{id}?back={}", encode(&back)),
        ))
        .finish())
}

/// `GET /ui/photos/{id}/thumb`.
pub(crate) async fn thumb(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    Ok(
        fieldcheck_api::handlers::photos::serve_object(&state, &who.principal, &id, |r| {
            r.thumb_key.clone()
        })
        .await?,
    )
}

/// `GET /ui/photos/{id}/screen`.
pub(crate) async fn screen(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    Ok(
        fieldcheck_api::handlers::photos::serve_object(&state, &who.principal, &id, |r| {
            r.screen_key.clone()
        })
        .await?,
    )
}
