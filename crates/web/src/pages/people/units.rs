//! `/ui/units`: the lead and paired units with their responsible persons; add a unit or a
//! person. The same store functions as the API's `POST /units` and `POST /persons` (validation
//! and audit live there).

use crate::i18n::people::{ZH_CN as P, unit_kind_label};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, UnitId, UnitKind, ValidationErrors};
use fieldcheck_store::orgs::{self, NewPerson, NewUnit, Person, Unit};
use fieldcheck_store::{PageRequest, StoreError};
use maud::html;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

type Problems = BTreeMap<&'static str, String>;

/// A phone as lists show it: the first three and the last four digits.
fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 3 || i + 4 >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

async fn all_units(state: &AppState) -> Result<Vec<Unit>, WebError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page =
            orgs::list_units(&state.store.db, None, PageRequest::new(after, Some(500))).await?;
        out.extend(page.items);
        match page.next_after {
            Some(a) => after = Some(a),
            None => return Ok(out),
        }
    }
}

async fn all_persons(state: &AppState) -> Result<Vec<Person>, WebError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page =
            orgs::list_persons(&state.store.db, None, PageRequest::new(after, Some(500))).await?;
        out.extend(page.items);
        match page.next_after {
            Some(a) => after = Some(a),
            None => return Ok(out),
        }
    }
}

/// What was typed into either form.
#[derive(Default, Deserialize)]
pub(crate) struct UnitForm {
    csrf: String,
    name: Option<String>,
    kind: Option<String>,
    district_code: Option<String>,
    unit_id: Option<String>,
    phone: Option<String>,
}

fn problems_of(e: &ValidationErrors, out: &mut Problems) {
    for f in &e.0 {
        let (field, text): (&'static str, &str) = match f.field.as_str() {
            "name" => ("name", P.bad_name),
            "phone" => ("phone", P.bad_phone),
            "district_code" => ("district_code", P.bad_district),
            "unit_id" => ("unit_id", P.bad_unit),
            _ => ("", f.message.as_str()),
        };
        out.entry(field).or_insert_with(|| text.to_owned());
    }
}

/// Which form the problems belong to.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Which {
    Unit,
    Person,
}

async fn render(
    state: &AppState,
    who: &Reviewer,
    typed: &UnitForm,
    which: Which,
    problems: &Problems,
) -> Page {
    let units = all_units(state).await?;
    let persons = all_persons(state).await?;
    let mut by_unit: BTreeMap<Uuid, Vec<&Person>> = BTreeMap::new();
    for p in &persons {
        by_unit.entry(p.unit_id.0).or_default().push(p);
    }
    let shown = |w: Which, v: &Option<String>| {
        if which == w {
            v.clone().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let err = |w: Which, field: &str| {
        html! {
            @if which == w { @if let Some(m) = problems.get(field) { span.error id={ "err-" (field) } { (m) } } }
        }
    };
    let invalid =
        |w: Which, field: &str| (which == w && problems.contains_key(field)).then_some("true");
    let body = html! {
        @if units.is_empty() { p { (P.no_units) } }
        @else {
            table #units {
                thead { tr {
                    th scope="col" { (P.unit_name) } th scope="col" { (P.unit_kind) } th scope="col" { (P.district_code) }
                    th scope="col" { (P.paired_villages) } th scope="col" { (P.persons) }
                } }
                tbody {
                    @for u in &units {
                        tr data-unit=(u.name) {
                            td { (u.name) }
                            td { (unit_kind_label(u.kind)) }
                            td.mono { (u.district_code.clone().unwrap_or_default()) }
                            td.num { (u.village_ids.len()) }
                            td {
                                @for p in by_unit.get(&u.id.0).map(Vec::as_slice).unwrap_or_default() {
                                    span.person { (p.name) @if let Some(ph) = &p.phone { " " span.mono { (mask_phone(ph)) } } } "；"
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !problems.is_empty() {
            div.error #form-problems role="alert" {
                p { (P.form_problems) }
                @if let Some(m) = problems.get("") { p { (m) } }
            }
        }
        h2 { (P.add_unit) }
        form.user #add-unit method="post" action="/ui/units" {
            input type="hidden" name="csrf" value=(who.csrf);
            label {
                (P.unit_name)
                input name="name" value=(shown(Which::Unit, &typed.name)) required maxlength="100" aria-invalid=[invalid(Which::Unit, "name")];
                (err(Which::Unit, "name"))
            }
            label {
                (P.unit_kind)
                select name="kind" {
                    @for k in UnitKind::ALL {
                        option value=(k.as_str()) selected[which == Which::Unit && typed.kind.as_deref() == Some(k.as_str())] { (unit_kind_label(*k)) }
                    }
                }
                (err(Which::Unit, "kind"))
            }
            label {
                (P.district_code) " (" (P.bad_district) ")"
                input name="district_code" value=(shown(Which::Unit, &typed.district_code)) inputmode="numeric" maxlength="6" aria-invalid=[invalid(Which::Unit, "district_code")];
                (err(Which::Unit, "district_code"))
            }
            button #create-unit type="submit" { (P.add_unit) }
        }
        @if !units.is_empty() {
            h2 { (P.add_person) }
            form.user #add-person method="post" action="/ui/persons" {
                input type="hidden" name="csrf" value=(who.csrf);
                label {
                    (P.person_name)
                    input name="name" value=(shown(Which::Person, &typed.name)) required maxlength="50" aria-invalid=[invalid(Which::Person, "name")];
                    (err(Which::Person, "name"))
                }
                label {
                    (P.unit)
                    select name="unit_id" aria-invalid=[invalid(Which::Person, "unit_id")] {
                        @for u in &units {
                            @let id = u.id.0.to_string();
                            option value=(id) selected[which == Which::Person && typed.unit_id.as_deref() == Some(id.as_str())] { (u.name) }
                        }
                    }
                    (err(Which::Person, "unit_id"))
                }
                label {
                    (P.phone)
                    input name="phone" type="tel" value=(shown(Which::Person, &typed.phone)) maxlength="20" aria-invalid=[invalid(Which::Person, "phone")];
                    (err(Which::Person, "phone"))
                }
                button #create-person type="submit" { (P.add_person) }
            }
        }
    };
    let mut r: HttpResponse = layout(who, P.units_title, body);
    if !problems.is_empty() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

/// `GET /ui/units`.
pub(crate) async fn list(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::EditRegistry)?;
    render(
        &state,
        &who,
        &UnitForm::default(),
        Which::Unit,
        &Problems::new(),
    )
    .await
}

/// `POST /ui/units`: adds a unit (audited by the store as the API's `POST /units`).
pub(crate) async fn create_unit(
    state: web::Data<AppState>,
    who: Reviewer,
    form: web::Form<UnitForm>,
) -> Page {
    who.require(Action::EditRegistry)?;
    who.check_csrf(&form.csrf)?;
    let mut problems = Problems::new();
    let Some(kind) = form.kind.as_deref().and_then(UnitKind::parse) else {
        problems.insert("kind", P.bad_unit.to_owned());
        return render(&state, &who, &form, Which::Unit, &problems).await;
    };
    let input = NewUnit {
        name: form.name.clone().unwrap_or_default().trim().to_owned(),
        kind,
        district_code: empty_none(&form.district_code),
        village_ids: Vec::new(),
    };
    let txn = state.store.write().await?;
    match orgs::create_unit(&*txn, Some(who.principal.user), input).await {
        Ok(_) => txn.commit().await?,
        Err(StoreError::Invalid(v)) => {
            drop(txn);
            problems_of(&v, &mut problems);
            return render(&state, &who, &form, Which::Unit, &problems).await;
        }
        Err(StoreError::Duplicate(_)) => {
            drop(txn);
            problems.insert("name", P.name_taken.to_owned());
            return render(&state, &who, &form, Which::Unit, &problems).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/ui/units"))
}

/// `POST /ui/persons`: adds a responsible person to a unit.
pub(crate) async fn create_person(
    state: web::Data<AppState>,
    who: Reviewer,
    form: web::Form<UnitForm>,
) -> Page {
    who.require(Action::EditRegistry)?;
    who.check_csrf(&form.csrf)?;
    let unit = parse_uuid(&form.unit_id, P.unit)?
        .ok_or_else(|| WebError::BadRequest(P.bad_unit.into()))?;
    let input = NewPerson {
        name: form.name.clone().unwrap_or_default().trim().to_owned(),
        unit_id: UnitId(unit),
        phone: empty_none(&form.phone),
    };
    let mut problems = Problems::new();
    let txn = state.store.write().await?;
    match orgs::create_person(&*txn, Some(who.principal.user), input).await {
        Ok(_) => txn.commit().await?,
        Err(StoreError::Invalid(v)) => {
            drop(txn);
            problems_of(&v, &mut problems);
            return render(&state, &who, &form, Which::Person, &problems).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/ui/units"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_keep_their_ends() {
        assert_eq!(super::mask_phone("13900139000"), "139****9000");
        assert_eq!(super::mask_phone("12345"), "*****");
    }
}
