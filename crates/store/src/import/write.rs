//! Writing a checked file in one transaction, and `import_households`, the entry point.

use super::check_file::{HouseholdIn, check};
use super::check_row::Fv;
use super::read::{read_raw, table};
use super::{HouseholdChange, ImportMode, ImportOutcome, ImportReport, ImportRun, RowError};
use crate::entities::{households, measures, members, persons, plans, unit_villages, units};
use crate::{Store, StoreError, audit, now};
use fieldcheck_domain::{
    HouseholdId, HouseholdStatus, MeasureId, MeasureStatus, MemberId, PersonId, PlanId, PlanStatus,
    UnitId, UnitKind, UserId,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use uuid::Uuid;

/// Caches of shared records found or created during one import.
#[derive(Default)]
struct Shared {
    units: HashMap<String, Uuid>,
    persons: HashMap<(Uuid, String), Uuid>,
    pairs: BTreeSet<(Uuid, Uuid)>,
}

async fn ensure_unit(
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    report: &mut ImportReport,
    name: &str,
) -> Result<Uuid, StoreError> {
    if let Some(id) = shared.units.get(name) {
        return Ok(*id);
    }
    let id = match crate::orgs::unit_by_name(conn, name).await? {
        Some(u) => u.id,
        None => {
            let t = now();
            let u = units::ActiveModel {
                id: Set(UnitId::new().0),
                name: Set(name.to_owned()),
                kind: Set(UnitKind::PairedUnit.as_str().to_owned()),
                district_code: Set(None),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?;
            report.units_created += 1;
            u.id
        }
    };
    shared.units.insert(name.to_owned(), id);
    Ok(id)
}

async fn ensure_pair(
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    unit: Uuid,
    village: Uuid,
) -> Result<(), StoreError> {
    if !shared.pairs.insert((unit, village)) {
        return Ok(());
    }
    if unit_villages::Entity::find_by_id((unit, village))
        .one(conn)
        .await?
        .is_none()
    {
        unit_villages::ActiveModel {
            unit_id: Set(unit),
            village_id: Set(village),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Finds or creates a person; the phone is only set on a new person.
async fn ensure_person(
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    report: &mut ImportReport,
    unit: Uuid,
    name: &str,
    phone: Option<&str>,
) -> Result<Uuid, StoreError> {
    let key = (unit, name.to_owned());
    if let Some(id) = shared.persons.get(&key) {
        return Ok(*id);
    }
    let id = match crate::orgs::person_by_name(conn, UnitId(unit), name).await? {
        Some(p) => p.id,
        None => {
            let t = now();
            let p = persons::ActiveModel {
                id: Set(PersonId::new().0),
                name: Set(name.to_owned()),
                unit_id: Set(unit),
                phone: Set(phone.map(str::to_owned)),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?;
            report.persons_created += 1;
            p.id
        }
    };
    shared.persons.insert(key, id);
    Ok(id)
}

/// Writes one household and counts it as created, updated or unchanged.
async fn write_household(
    store: &Store,
    conn: &impl ConnectionTrait,
    shared: &mut Shared,
    report: &mut ImportReport,
    changes: &mut Vec<HouseholdChange>,
    h: HouseholdIn,
) -> Result<(), StoreError> {
    let f = &h.fields;
    let unit = match f.unit.val().cloned().flatten() {
        Some(name) => {
            let u = ensure_unit(conn, shared, report, &name).await?;
            ensure_pair(conn, shared, u, h.village.id).await?;
            Some(u)
        }
        None => None,
    };
    // None: leave alone; Some(None): clear.
    let person: Option<Option<Uuid>> = match (&f.person, unit) {
        (Fv::Val(Some(name)), Some(u)) => {
            let phone = f.person_phone.val().cloned().flatten();
            Some(Some(
                ensure_person(conn, shared, report, u, name, phone.as_deref()).await?,
            ))
        }
        (Fv::Val(_), _) => Some(None),
        _ => None,
    };
    let district = h.village.district_code.clone().unwrap_or_default();
    let existing = households::Entity::find()
        .filter(households::Column::RegistrationNo.eq(h.registration_no.as_str()))
        .one(conn)
        .await?;
    let mut touched = false;
    let mut is_new = false;
    let hh = match existing {
        None => {
            let t = now();
            let loc = f.location.val().copied().flatten();
            let m = households::ActiveModel {
                id: Set(HouseholdId::new().0),
                registration_no: Set(h.registration_no.clone()),
                village_id: Set(h.village.id),
                district_code: Set(district),
                head_name: Set(f.head_name.val().cloned().unwrap_or_default()),
                phone: Set(f.phone.val().cloned().flatten()),
                address: Set(f.address.val().cloned().flatten()),
                lat: Set(loc.map(|p| p.lat)),
                lon: Set(loc.map(|p| p.lon)),
                status: Set(f
                    .status
                    .val()
                    .copied()
                    .flatten()
                    .unwrap_or(HouseholdStatus::InPoverty)
                    .as_str()
                    .to_owned()),
                exit_year: Set(f.exit_year.val().copied().flatten()),
                responsible_person_id: Set(person.flatten()),
                field_versions: Set("{}".to_owned()),
                version: Set(1),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(conn)
            .await?;
            is_new = true;
            m
        }
        Some(cur) => {
            let mut next = cur.clone();
            next.village_id = h.village.id;
            next.district_code = district;
            if let Fv::Val(v) = &f.head_name {
                next.head_name.clone_from(v);
            }
            if let Fv::Val(v) = &f.phone {
                next.phone.clone_from(v);
            }
            if let Fv::Val(v) = &f.address {
                next.address.clone_from(v);
            }
            if let Fv::Val(v) = &f.location {
                next.lat = v.map(|p| p.lat);
                next.lon = v.map(|p| p.lon);
            }
            if let Fv::Val(Some(s)) = &f.status {
                s.as_str().clone_into(&mut next.status);
            }
            if let Fv::Val(v) = &f.exit_year {
                next.exit_year = *v;
            }
            if let Some(p) = person {
                next.responsible_person_id = p;
            }
            if next == cur {
                cur
            } else {
                touched = true;
                let mut changed = Vec::new();
                for (field, differs) in [
                    ("village_id", next.village_id != cur.village_id),
                    ("head_name", next.head_name != cur.head_name),
                    ("phone", next.phone != cur.phone),
                    ("address", next.address != cur.address),
                    ("location", next.lat != cur.lat || next.lon != cur.lon),
                    ("status", next.status != cur.status),
                    ("exit_year", next.exit_year != cur.exit_year),
                    (
                        "responsible_person_id",
                        next.responsible_person_id != cur.responsible_person_id,
                    ),
                ] {
                    if differs {
                        changed.push(field);
                    }
                }
                let mut am: households::ActiveModel = cur.clone().into();
                am.field_versions = Set(crate::registry::bump_field_versions(
                    &cur.field_versions,
                    &changed,
                    cur.version + 1,
                ));
                am.village_id = Set(next.village_id);
                am.district_code = Set(next.district_code);
                am.head_name = Set(next.head_name);
                am.phone = Set(next.phone);
                am.address = Set(next.address);
                am.lat = Set(next.lat);
                am.lon = Set(next.lon);
                am.status = Set(next.status);
                am.exit_year = Set(next.exit_year);
                am.responsible_person_id = Set(next.responsible_person_id);
                am.version = Set(cur.version + 1);
                am.updated_at = Set(now());
                am.update(conn).await?
            }
        }
    };
    // Members.
    let mut current = members::Entity::find()
        .filter(members::Column::HouseholdId.eq(hh.id))
        .all(conn)
        .await?;
    for m in h.members {
        // A member with an ID number is found by it, or else is a same-named member registered
        // without one (who then gets it); a member without is found by name.
        let same_name = |c: &members::Model| c.name == m.name;
        let found = match &m.id {
            Some((_, ix)) => current
                .iter()
                .position(|c| c.id_number_index.as_deref() == Some(ix.as_str()))
                .map(|_| None)
                .or_else(|| {
                    current
                        .iter()
                        .position(|c| c.id_number_index.is_none() && same_name(c))
                        .map(Some)
                }),
            None => current
                .iter()
                .position(|c| c.id_number_index.is_none() && same_name(c))
                .or_else(|| current.iter().position(same_name))
                .map(|_| None),
        };
        match (found, &m.id) {
            // Already registered: existing members are not overwritten.
            (Some(None), _) => {}
            (Some(Some(i)), Some((n, ix))) => {
                let Some(c) = current.get(i).cloned() else {
                    continue;
                };
                let version = c.version + 1;
                let mut am: members::ActiveModel = c.into();
                am.id_number_cipher = Set(Some(store.pii.encrypt(n.expose())));
                am.id_number_index = Set(Some(ix.clone()));
                am.id_number_masked = Set(Some(n.masked()));
                am.version = Set(version);
                am.updated_at = Set(now());
                let updated = am.update(conn).await?;
                if let Some(slot) = current.get_mut(i) {
                    *slot = updated;
                }
                touched = true;
            }
            _ => {
                let t = now();
                let row = members::ActiveModel {
                    id: Set(MemberId::new().0),
                    household_id: Set(hh.id),
                    name: Set(m.name.clone()),
                    relation: Set(m.relation.clone()),
                    id_number_cipher: Set(m
                        .id
                        .as_ref()
                        .map(|(n, _)| store.pii.encrypt(n.expose()))),
                    id_number_index: Set(m.id.as_ref().map(|(_, ix)| ix.clone())),
                    id_number_masked: Set(m.id.as_ref().map(|(n, _)| n.masked())),
                    version: Set(1),
                    created_at: Set(t),
                    updated_at: Set(t),
                }
                .insert(conn)
                .await?;
                current.push(row);
                report.members_created += 1;
                touched = true;
            }
        }
    }

    // Plans and measures.
    let mut plan_ids: HashMap<i32, Uuid> = plans::Entity::find()
        .filter(plans::Column::HouseholdId.eq(hh.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.year, p.id))
        .collect();
    let mut measures_of: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
    for m in h.measures {
        let plan = match plan_ids.get(&m.year) {
            Some(p) => *p,
            None => {
                let t = now();
                let p = plans::ActiveModel {
                    id: Set(PlanId::new().0),
                    household_id: Set(hh.id),
                    year: Set(m.year),
                    status: Set(PlanStatus::Draft.as_str().to_owned()),
                    version: Set(1),
                    created_at: Set(t),
                    updated_at: Set(t),
                }
                .insert(conn)
                .await?;
                report.plans_created += 1;
                touched = true;
                plan_ids.insert(m.year, p.id);
                p.id
            }
        };
        if let std::collections::hash_map::Entry::Vacant(e) = measures_of.entry(plan) {
            let ms = measures::Entity::find()
                .filter(measures::Column::PlanId.eq(plan))
                .all(conn)
                .await?
                .into_iter()
                .map(|x| (x.kind, x.description))
                .collect();
            e.insert(ms);
        }
        let key = (m.kind.as_str().to_owned(), m.description.clone());
        let known = measures_of.entry(plan).or_default();
        if known.contains(&key) {
            continue;
        }
        let t = now();
        measures::ActiveModel {
            id: Set(MeasureId::new().0),
            plan_id: Set(plan),
            kind: Set(key.0.clone()),
            description: Set(m.description),
            lead_unit_id: Set(None),
            responsible_person_id: Set(None),
            budget_fen: Set(m.budget_fen.unwrap_or(0)),
            status: Set(m
                .status
                .unwrap_or(MeasureStatus::Planned)
                .as_str()
                .to_owned()),
            field_versions: Set("{}".to_owned()),
            version: Set(1),
            created_at: Set(t),
            updated_at: Set(t),
        }
        .insert(conn)
        .await?;
        known.push(key);
        report.measures_created += 1;
        touched = true;
    }
    if is_new {
        report.households_created += 1;
    } else if touched {
        report.households_updated += 1;
    } else {
        report.households_unchanged += 1;
    }
    if is_new || touched {
        changes.push(HouseholdChange {
            registration_no: hh.registration_no.clone(),
            head_name_masked: super::mask_name(&hh.head_name),
            created: is_new,
        });
    }
    Ok(())
}

/// Imports registered households from a CSV or XLSX file (see the module documentation for the
/// layout). Every row is checked first; if anything is wrong nothing is written and every problem
/// is returned. Otherwise everything is written in one transaction with one audit entry.
pub async fn import_households(store: &Store, path: &Path) -> Result<ImportOutcome, StoreError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(run_import(store, path, &file, None, ImportMode::Write)
        .await?
        .outcome)
}

/// The import itself, for the command line and the office's pages alike. `source` names the file
/// in the audit entry, `actor` is who imports (`None`: the command line). With
/// [`ImportMode::Preview`] every check and every write runs exactly as for a real import, inside
/// a transaction that is then rolled back: the report says what an import would do now.
pub async fn run_import(
    store: &Store,
    path: &Path,
    source: &str,
    actor: Option<UserId>,
    mode: ImportMode,
) -> Result<ImportRun, StoreError> {
    let rejected = |errors| ImportRun {
        outcome: ImportOutcome::Rejected(errors),
        households: Vec::new(),
    };
    let Some(t) = table(read_raw(path)?) else {
        return Ok(rejected(vec![RowError {
            line: 1,
            column: None,
            reason: "文件为空，缺少表头行".into(),
        }]));
    };
    let txn = store.write().await?;
    let households = match check(store, &*txn, &t).await? {
        Ok(h) => h,
        Err(errors) => {
            txn.rollback().await?;
            return Ok(rejected(errors));
        }
    };
    let mut report = ImportReport::default();
    let mut shared = Shared::default();
    let mut changes = Vec::new();
    for h in households {
        write_household(store, &*txn, &mut shared, &mut report, &mut changes, h).await?;
    }
    if mode == ImportMode::Preview {
        txn.rollback().await?;
        return Ok(ImportRun {
            outcome: ImportOutcome::Imported(report),
            households: changes,
        });
    }
    audit::record(
        &*txn,
        actor,
        "household.import",
        "import",
        source,
        serde_json::json!({
            "households_created": report.households_created,
            "households_unchanged": report.households_unchanged,
            "households_updated": report.households_updated,
            "members_created": report.members_created,
            "plans_created": report.plans_created,
            "measures_created": report.measures_created,
            "units_created": report.units_created,
            "persons_created": report.persons_created,
        }),
    )
    .await?;
    txn.commit().await?;
    store.refresh_statistics().await?;
    tracing::info!(
        households_created = report.households_created,
        households_updated = report.households_updated,
        households_unchanged = report.households_unchanged,
        members_created = report.members_created,
        "households imported"
    );
    Ok(ImportRun {
        outcome: ImportOutcome::Imported(report),
        households: changes,
    })
}
