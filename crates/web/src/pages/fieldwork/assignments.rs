//! A cycle's assignments, by field user, and moving some of them to another user.

use super::{Refusal, cycle_nav, path_id, refused_page};
use crate::i18n::ZH_CN as T;
use crate::i18n::fieldwork::{ZH_CN as F, method_label};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::entities::{households, places};
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use fieldcheck_store::{StoreError, assessment as cycles_store, fieldwork};
use maud::html;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    user: Option<String>,
    moved: Option<usize>,
}

/// The reassignment form's values (the assignment checkboxes repeat their name).
#[derive(Default)]
struct ReassignInput {
    from_user: String,
    to_user: String,
    ids: BTreeSet<String>,
}

async fn list_page(
    state: &AppState,
    who: &Reviewer,
    cid: Uuid,
    only: Option<Uuid>,
    input: &ReassignInput,
    refusal: Option<Refusal>,
    moved: Option<usize>,
) -> Page {
    let db = &state.store.db;
    let c = cycles_store::get_cycle(db, cid).await?;
    let users = fieldwork::field_users(db).await?;
    let names: HashMap<Uuid, &str> = users
        .iter()
        .map(|u| (u.id, u.display_name.as_str()))
        .collect();
    let list = fieldwork::list_assignments(db, only, Some(cid)).await?;
    // What people call the targets: a household's number and village, a village's name.
    let home_ids: Vec<Uuid> = list
        .iter()
        .filter(|a| a.target_kind == "household")
        .map(|a| a.target_id)
        .collect();
    let mut homes: HashMap<Uuid, (String, Uuid)> = HashMap::new();
    for chunk in home_ids.chunks(500) {
        let rows: Vec<(Uuid, String, Uuid)> = households::Entity::find()
            .select_only()
            .column(households::Column::Id)
            .column(households::Column::RegistrationNo)
            .column(households::Column::VillageId)
            .filter(who.principal.scope.households())
            .filter(households::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .map_err(StoreError::from)?;
        homes.extend(rows.into_iter().map(|(id, no, v)| (id, (no, v))));
    }
    let village_ids: BTreeSet<Uuid> = list
        .iter()
        .filter(|a| a.target_kind == "village")
        .map(|a| a.target_id)
        .chain(homes.values().map(|h| h.1))
        .collect();
    let villages: HashMap<Uuid, String> = places::Entity::find()
        .select_only()
        .column(places::Column::Id)
        .column(places::Column::Name)
        .filter(places::Column::Id.is_in(village_ids))
        .into_tuple()
        .all(db)
        .await
        .map_err(StoreError::from)?
        .into_iter()
        .collect();
    let village_name = |id: &Uuid| villages.get(id).map_or("", String::as_str);
    let only_s = only.map(|u| u.to_string()).unwrap_or_default();
    let body = html! {
        (cycle_nav(cid))
        @if let Some(n) = moved { p.notice #notice role="status" { (F.moved) "：" (n) } }
        form.filters method="get" action={ "/ui/fieldwork/cycles/" (cid) "/assignments" } {
            label { (F.user)
                select #filter-user name="user" {
                    option value="" { (F.everyone) }
                    @for u in &users {
                        option value=(u.id) selected[only_s == u.id.to_string()] { (u.display_name) " (" (u.username) ")" }
                    }
                }
            }
            button #filter type="submit" { (F.show) }
        }
        @if let Some(r) = &refusal { (r.markup()) }
        @if only.is_none() { p.muted { (F.reassign_hint) } }
        form #reassign-form method="post" action={ "/ui/fieldwork/cycles/" (cid) "/reassign" } {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="from_user" value=(only_s);
            @if list.is_empty() {
                p { (F.no_assignments) }
            } @else {
                table #assignments {
                    thead { tr {
                        @if only.is_some() { th { span.visually-hidden { (F.choose) } } }
                        th { (F.target) } th { (F.village) } th { (F.method) } th { (F.due_on) } th { (F.assigned_to) }
                    } }
                    tbody {
                        @for a in &list {
                            @let (label, village) = if a.target_kind == "village" {
                                (F.village_task.to_owned(), village_name(&a.target_id))
                            } else {
                                match homes.get(&a.target_id) {
                                    Some((no, v)) => (no.clone(), village_name(v)),
                                    None => (a.target_id.to_string(), ""),
                                }
                            };
                            tr data-target=(a.target_id) {
                                @if only.is_some() {
                                    td { input type="checkbox" name="assignment" value=(a.id) aria-label=(label) checked[input.ids.contains(&a.id.to_string())]; }
                                }
                                td {
                                    @if a.target_kind == "household" {
                                        a href={ "/ui/households/" (a.target_id) } { (label) }
                                    } @else { (label) }
                                }
                                td { (village) }
                                td { (method_label(&a.method)) }
                                td { (a.due_on) }
                                td { (names.get(&a.user_id).copied().unwrap_or("?")) }
                            }
                        }
                    }
                }
            }
            @if only.is_some() && !list.is_empty() {
                h2 { (F.reassign) }
                label { (F.to_user)
                    select #to-user name="to_user" required {
                        option value="" { (F.choose) }
                        @for u in &users {
                            @if Some(u.id) != only {
                                option value=(u.id) selected[input.to_user == u.id.to_string()] { (u.display_name) " (" (u.username) ")" }
                            }
                        }
                    }
                }
                button #reassign type="submit" { (F.move_them) }
            }
        }
    };
    let title = format!("{} {} · {}", T.cycle, c.year, F.assignments);
    Ok(match &refusal {
        Some(r) => refused_page(who, &title, body, r),
        None => layout(who, &title, body),
    })
}

/// `GET /ui/fieldwork/cycles/{id}/assignments?user=`.
pub(crate) async fn list(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    q: web::Query<ListQuery>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let cid = path_id(&id)?;
    let only = parse_uuid(&q.user, F.user)?;
    list_page(
        &state,
        &who,
        cid,
        only,
        &ReassignInput::default(),
        None,
        q.moved,
    )
    .await
}

/// `POST /ui/fieldwork/cycles/{id}/reassign`: the chosen assignments of one user to another,
/// through the store's `reassign` (as `POST /assignments/reassign`).
pub(crate) async fn reassign(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Page {
    who.require(Action::ManageCycles)?;
    let mut csrf = String::new();
    let mut input = ReassignInput::default();
    for (k, v) in form.into_inner() {
        match k.as_str() {
            "csrf" => csrf = v,
            "from_user" => input.from_user = v,
            "to_user" => input.to_user = v,
            "assignment" => {
                input.ids.insert(v);
            }
            _ => {}
        }
    }
    who.check_csrf(&csrf)?;
    let cid = path_id(&id)?;
    let from = Uuid::parse_str(input.from_user.trim())
        .map_err(|_| WebError::BadRequest(format!("{}: {}", F.user, F.not_an_id)))?;
    let mut errors = Vec::new();
    let to = Uuid::parse_str(input.to_user.trim()).ok();
    if to.is_none() {
        errors.push(format!("{}: {}", F.to_user, F.not_a_user));
    }
    let mut ids = Vec::with_capacity(input.ids.len());
    for i in &input.ids {
        match Uuid::parse_str(i.trim()) {
            Ok(u) => ids.push(u),
            Err(_) => errors.push(format!("{}: {}", F.assignments, F.not_an_id)),
        }
    }
    if input.ids.is_empty() {
        errors.push(F.choose_assignment.to_owned());
    }
    let (Some(to), true) = (to, errors.is_empty()) else {
        return list_page(
            &state,
            &who,
            cid,
            Some(from),
            &input,
            Some(Refusal::invalid(errors)),
            None,
        )
        .await;
    };
    let txn = state.store.write().await?;
    let change = fieldwork::Reassignment {
        cycle_id: cid,
        from_user: from,
        to_user: to,
        assignment_ids: Some(ids),
    };
    match fieldwork::reassign(&*txn, who.principal.user, change).await {
        Ok(moved) => {
            txn.commit().await?;
            Ok(see_other(&format!(
                "/ui/fieldwork/cycles/{cid}/assignments?user={to}&moved={}",
                moved.len()
            )))
        }
        Err(StoreError::MissingReference(_)) => Err(WebError::NotFound),
        Err(e) => {
            drop(txn);
            let r = Refusal::from_store(e)?;
            list_page(&state, &who, cid, Some(from), &input, Some(r), None).await
        }
    }
}
