//! Checking the whole file: rows against each other and against what is already stored.

use super::RowError;
use super::check_row::{Checker, Fv, HhFields, MeasureIn, MemberIn, RowIn};
use super::columns::{COLUMNS, Col};
use super::read::Table;
use crate::entities::places::Model as PlaceRow;
use crate::entities::{households, members, units};
use crate::{Store, StoreError};
use fieldcheck_domain::{MeasureKind, PlaceLevel, UnitKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// One household of the file, checked and ready to write.
pub(super) struct HouseholdIn {
    pub(super) registration_no: String,
    pub(super) village: PlaceRow,
    pub(super) fields: HhFields,
    pub(super) members: Vec<MemberIn>,
    pub(super) measures: Vec<MeasureIn>,
}

/// What the database already holds that the checks depend on.
#[derive(Default)]
struct Known {
    villages: HashMap<String, Option<PlaceRow>>,
    units: HashMap<String, Option<units::Model>>,
    households: HashMap<String, Option<households::Model>>,
    /// ID-number index → household of the member holding it.
    id_holders: HashMap<String, Option<Uuid>>,
}

async fn load_known(conn: &impl ConnectionTrait, rows: &[RowIn]) -> Result<Known, StoreError> {
    let mut k = Known::default();
    for r in rows {
        if let Fv::Val(code) = &r.hh.village_code
            && !k.villages.contains_key(code)
        {
            let v = crate::places::by_code(conn, code).await?;
            k.villages.insert(code.clone(), v);
        }
        if let Fv::Val(Some(name)) = &r.hh.unit
            && !k.units.contains_key(name)
        {
            let u = crate::orgs::unit_by_name(conn, name).await?;
            k.units.insert(name.clone(), u);
        }
        if let Some(reg) = &r.reg
            && !k.households.contains_key(reg)
        {
            let h = households::Entity::find()
                .filter(households::Column::RegistrationNo.eq(reg.as_str()))
                .one(conn)
                .await?;
            k.households.insert(reg.clone(), h);
        }
        if let Some(MemberIn {
            id: Some((_, ix)), ..
        }) = &r.member
            && !k.id_holders.contains_key(ix)
        {
            let m = members::Entity::find()
                .filter(members::Column::IdNumberIndex.eq(ix.as_str()))
                .one(conn)
                .await?;
            k.id_holders.insert(ix.clone(), m.map(|m| m.household_id));
        }
    }
    Ok(k)
}

/// Checks every row against the others and the database; returns the households or every
/// problem found.
pub(super) async fn check(
    store: &Store,
    conn: &impl ConnectionTrait,
    t: &Table,
) -> Result<Result<Vec<HouseholdIn>, Vec<RowError>>, StoreError> {
    if t.labels.is_empty() {
        // Without a header there is nothing else worth saying.
        return Ok(Err(t.errors.clone()));
    }
    let mut ck = Checker {
        labels: &t.labels,
        errors: t.errors.clone(),
    };
    for d in COLUMNS
        .iter()
        .filter(|d| d.required && !t.labels.contains_key(&d.col))
    {
        let name = d.chinese.first().copied().unwrap_or(d.english);
        ck.errors.push(RowError {
            line: t.header_line,
            column: Some(name.to_owned()),
            reason: format!("缺少必填列「{name}」（或 {}）", d.english),
        });
    }
    if t.rows.is_empty() {
        ck.errors.push(RowError {
            line: t.header_line,
            column: None,
            reason: "文件中没有数据行".into(),
        });
    }
    let mut rows: Vec<RowIn> = t
        .rows
        .iter()
        .map(|(line, row)| ck.row(&store.pii, *line, row))
        .collect();
    let known = load_known(conn, &rows).await?;

    // Cells whose value must match the database.
    for r in &mut rows {
        if let Fv::Val(code) = &r.hh.village_code {
            let is_village = known
                .villages
                .get(code)
                .and_then(Option::as_ref)
                .is_some_and(|v| v.level == PlaceLevel::Village.as_str());
            if !is_village {
                ck.add(r.line, Col::VillageCode, "找不到该村代码对应的村");
                r.hh.village_code = Fv::Bad;
            }
        }
        if let Fv::Val(Some(name)) = &r.hh.unit
            && let Some(Some(u)) = known.units.get(name)
            && u.kind != UnitKind::PairedUnit.as_str()
        {
            ck.add(
                r.line,
                Col::PairedUnit,
                "该单位已登记为牵头单位，不是结对帮扶单位",
            );
            r.hh.unit = Fv::Bad;
        }
        if let (
            Some(reg),
            Some(MemberIn {
                id: Some((_, ix)), ..
            }),
        ) = (&r.reg, &r.member)
            && let Some(Some(holder)) = known.id_holders.get(ix)
        {
            let own = known
                .households
                .get(reg)
                .and_then(Option::as_ref)
                .map(|h| h.id);
            if own != Some(*holder) {
                ck.add(r.line, Col::IdNumber, "该身份证号已登记为其他户的成员");
            }
        }
    }

    // Rows of one household must agree; members and measures must not repeat.
    struct Acc {
        first_line: usize,
        fields: HhFields,
        members: Vec<MemberIn>,
        measures: Vec<MeasureIn>,
        /// Member name → (line, whether that row had an ID number).
        names: HashMap<String, (usize, bool)>,
        measure_keys: HashMap<(i32, MeasureKind, String), usize>,
    }
    let mut order: Vec<String> = Vec::new();
    let mut acc: HashMap<String, Acc> = HashMap::new();
    let mut ids_seen: HashMap<String, usize> = HashMap::new();
    let mut person_phones: HashMap<(String, String), (usize, String)> = HashMap::new();
    for r in rows {
        let Some(reg) = r.reg else { continue };
        if let (Fv::Val(Some(u)), Fv::Val(Some(p)), Fv::Val(Some(ph))) =
            (&r.hh.unit, &r.hh.person, &r.hh.person_phone)
        {
            match person_phones.get(&(u.clone(), p.clone())) {
                Some((l, prev)) if prev != ph => ck.add(
                    r.line,
                    Col::PersonPhone,
                    format!("同一帮扶责任人的电话与第 {l} 行不一致"),
                ),
                Some(_) => {}
                None => {
                    person_phones.insert((u.clone(), p.clone()), (r.line, ph.clone()));
                }
            }
        }
        if let Some(a) = acc.get(&reg) {
            let (f, g, l) = (&a.fields, &r.hh, a.first_line);
            let checks = [
                (Col::VillageCode, f.village_code.agrees(&g.village_code)),
                (Col::HeadName, f.head_name.agrees(&g.head_name)),
                (Col::Phone, f.phone.agrees(&g.phone)),
                (Col::Address, f.address.agrees(&g.address)),
                (Col::Lat, f.location.agrees(&g.location)),
                (Col::Status, f.status.agrees(&g.status)),
                (Col::ExitYear, f.exit_year.agrees(&g.exit_year)),
                (Col::PairedUnit, f.unit.agrees(&g.unit)),
                (Col::ResponsiblePerson, f.person.agrees(&g.person)),
                (Col::PersonPhone, f.person_phone.agrees(&g.person_phone)),
            ];
            for (c, same) in checks {
                if !same {
                    let what = if c == Col::Lat {
                        format!("{}/{}", ck.label(Col::Lat), ck.label(Col::Lon))
                    } else {
                        ck.label(c)
                    };
                    ck.add(
                        r.line,
                        c,
                        format!("同一户编号的「{what}」与第 {l} 行不一致"),
                    );
                }
            }
        } else {
            order.push(reg.clone());
            acc.insert(
                reg.clone(),
                Acc {
                    first_line: r.line,
                    fields: r.hh,
                    members: Vec::new(),
                    measures: Vec::new(),
                    names: HashMap::new(),
                    measure_keys: HashMap::new(),
                },
            );
        }
        let Some(a) = acc.get_mut(&reg) else { continue };
        if let Some(m) = r.member {
            let mut ok = true;
            if let Some((_, ix)) = &m.id {
                if let Some(l) = ids_seen.get(ix) {
                    ck.add(r.line, Col::IdNumber, format!("身份证号与第 {l} 行重复"));
                    ok = false;
                } else {
                    ids_seen.insert(ix.clone(), r.line);
                }
            }
            let has_id = m.id.is_some();
            match a.names.get(&m.name) {
                Some((l, prev_has_id)) if ok && (!has_id || !prev_has_id) => {
                    ck.add(
                        r.line,
                        Col::MemberName,
                        format!("同户第 {l} 行已有同名成员；同名成员须分别填写身份证号"),
                    );
                    ok = false;
                }
                Some(_) => {}
                None => {
                    a.names.insert(m.name.clone(), (r.line, has_id));
                }
            }
            if ok {
                a.members.push(m);
            }
        }
        if let Some(m) = r.measure {
            let key = (m.year, m.kind, m.description.clone());
            if let Some(l) = a.measure_keys.get(&key) {
                ck.add(
                    r.line,
                    Col::MeasureDescription,
                    format!("与第 {l} 行的帮扶措施重复（计划年度、措施类型、措施内容都相同）"),
                );
            } else {
                a.measure_keys.insert(key, r.line);
                a.measures.push(m);
            }
        }
    }

    if !ck.errors.is_empty() {
        let mut errors = ck.errors;
        errors.sort_by_key(|e| e.line);
        return Ok(Err(errors));
    }
    let mut out = Vec::with_capacity(order.len());
    for reg in order {
        let Some(a) = acc.remove(&reg) else { continue };
        let village = a
            .fields
            .village_code
            .val()
            .and_then(|c| known.villages.get(c))
            .and_then(Option::clone)
            .ok_or(StoreError::MissingReference("village"))?;
        out.push(HouseholdIn {
            registration_no: reg,
            village,
            fields: a.fields,
            members: a.members,
            measures: a.measures,
        });
    }
    Ok(Ok(out))
}
