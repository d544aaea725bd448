//! A household as the office sees it: members (ID numbers masked), plan, measures, visits,
//! responses and photos.

use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, HouseholdId};
use fieldcheck_store::entities::visits;
use fieldcheck_store::photos::{self, PhotoFilter};
use fieldcheck_store::registry::{self, IdNumbers};
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use fieldcheck_store::{PageRequest, fieldwork};
use maud::html;
use uuid::Uuid;

/// `GET /ui/households/{id}`: members (ID numbers masked), plan and measures, visits, responses,
/// photos.
pub(crate) async fn household(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    let p = &who.principal;
    let hid = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let db = &state.store.db;
    let h = registry::get_household(
        db,
        &state.store.pii,
        &p.scope,
        HouseholdId(hid),
        IdNumbers::Masked,
        Some(p.user),
    )
    .await?;
    let visits = visits::Entity::find()
        .filter(visits::Column::HouseholdId.eq(hid))
        .order_by_desc(visits::Column::StartedAt)
        .limit(100)
        .all(db)
        .await
        .map_err(fieldcheck_store::StoreError::from)?;
    let responses = if p.role.may(Action::ReadResponses) {
        fieldwork::list_responses(db, &p.scope, None, None, Some(hid)).await?
    } else {
        Vec::new()
    };
    let pics = photos::list(
        db,
        &p.scope,
        &PhotoFilter {
            household_id: Some(hid),
            ..Default::default()
        },
        PageRequest::new(None, Some(100)),
        false,
    )
    .await?;
    let hh = &h.household;
    let body = html! {
        dl {
            dt { (T.registration_no) } dd { (hh.registration_no) }
            dt { (T.district) } dd { (hh.district_code) }
            dt { (T.status) } dd { (hh.status.as_str()) }
        }
        h2 { (T.members) }
        table {
            thead { tr { th { (T.name) } th { (T.relation) } th { (T.id_number) } } }
            tbody {
                @for m in &h.members {
                    tr { td { (m.name) } td { (m.relation) } td.mono { (m.id_number.clone().unwrap_or_default()) } }
                }
            }
        }
        @if let Some(plan) = &h.current_plan {
            h2 { (T.plan) " " (plan.year) }
            table {
                thead { tr { th { (T.measure_kind) } th { (T.measures) } th { (T.budget) } th { (T.status) } } }
                tbody {
                    @for m in &plan.measures {
                        tr {
                            td { (m.kind.as_str()) }
                            td { (m.description) }
                            td.num { (format!("{:.2}", m.budget_fen as f64 / 100.0)) }
                            td { (m.status.as_str()) }
                        }
                    }
                }
            }
        }
        h2 { (T.visits) }
        table {
            thead { tr { th { (T.taken_at) } th { (T.status) } th { (T.checklist) } } }
            tbody {
                @for v in &visits {
                    tr { td { (i18n::local_time(&state, v.started_at, false)) } td { (v.status) } td.mono { (v.checklist) } }
                }
            }
        }
        @if p.role.may(Action::ReadResponses) {
            h2 { (T.responses) }
            table {
                thead { tr { th { (T.taken_at) } th { (T.satisfied) } th { (T.status) } } }
                tbody {
                    @for r in &responses {
                        tr {
                            td { (i18n::local_time(&state, r.created_at, false)) }
                            td { (match r.satisfied { Some(true) => T.yes, Some(false) => T.no, None => "—" }) }
                            td { (r.status) }
                        }
                    }
                }
            }
        }
        h2 { (T.photos) }
        ul.grid {
            @for ph in &pics.items {
                li.card {
                    a href={ "/ui/photos/" (ph.id) } {
                        @if ph.status == "stored" {
                            img src={ "/ui/photos/" (ph.id) "/thumb" } loading="lazy" alt=(T.photo) width="160" height="120";
                        } @else { span.placeholder { "…" } }
                    }
                    @for f in &ph.flags { span.flag { (i18n::flag_label(*f)) } }
                }
            }
        }
    };
    Ok(layout(
        &who,
        &format!("{} {}", T.household, hh.head_name),
        body,
    ))
}
