//! Demo data for trying fieldcheck out: Haikou's real city, districts and towns (from the
//! National Bureau of Statistics' 2023 division codes, embedded), two made-up villages per town,
//! lead and paired units with their responsible persons, three registered households per village
//! with members, 2026 plans and measures, the assessees, and one account per role.
//!
//! Everything is written through the same functions the API uses (so it is validated and audited)
//! and in one transaction, so a failed load leaves nothing behind. The data are the same on every
//! run; only ids, timestamps and encryption nonces differ.

use crate::orgs::{self, NewAssessee, NewPerson, NewUnit};
use crate::places::{self, NewPlace};
use crate::registry::{self, NewHousehold, NewMeasure, NewMember, NewPlan};
use crate::users::{self, NewUser};
use crate::{PiiCipher, Scope, Store, StoreError, password};
use fieldcheck_domain::{
    AssesseeId, AssesseeKind, GeoPoint, HouseholdStatus, MeasureKind, MeasureStatus, PersonId,
    PlaceId, PlaceLevel, PlanStatus, Role, UnitId, UnitKind, ValidationErrors, national_id,
};
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// The password of every demo account. Demo accounts are for trying fieldcheck out; never load
/// them into a database that holds real data.
pub const DEMO_PASSWORD: &str = "fieldcheck-demo";

/// Haikou's statistical division codes (city, districts, towns): `code,name,level,parent_code`.
pub const DIVISIONS_CSV: &str = include_str!("../seed/haikou-divisions.csv");

/// One demo account.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DemoAccount {
    /// Sign-in name.
    pub username: &'static str,
    /// Role.
    pub role: Role,
    /// What the account is for and what it reaches (Chinese and English).
    pub what: &'static str,
}

/// The accounts [`load`] creates, all with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        role: Role::Admin,
        what: "系统管理员：用户、审计日志 · administrator: users, audit log, everything",
    },
    DemoAccount {
        username: "office",
        role: Role::OfficeReviewer,
        what: "市扶贫办审核员：全市数据、证据审核与评分 · office reviewer: the whole city, reviews evidence and scores",
    },
    DemoAccount {
        username: "reviewer-longhua",
        role: Role::DistrictReviewer,
        what: "龙华区审核员：仅龙华区 · district reviewer of 龙华区 (460106) only",
    },
    DemoAccount {
        username: "inspector1",
        role: Role::Inspector,
        what: "核查员：中山街道中山一村 · inspector given village 460106001201",
    },
    DemoAccount {
        username: "inspector2",
        role: Role::Inspector,
        what: "核查员：中山街道中山二村 · inspector given village 460106001202",
    },
    DemoAccount {
        username: "surveyor1",
        role: Role::Surveyor,
        what: "满意度调查员：城西镇城西一村、城西二村 · surveyor given villages 460106100201 and 460106100202",
    },
    DemoAccount {
        username: "assessee-longhua",
        role: Role::Assessee,
        what: "考核对象龙华区委区政府：提交自评报告 · assessee 龙华区委区政府, submits its self-report",
    },
];

/// What [`load`] did.
#[derive(Clone, Debug, Serialize)]
pub struct DemoReport {
    /// False when demo data were already there (a user named `admin` exists): nothing written.
    pub loaded: bool,
    /// Places written (city, districts, towns, villages).
    pub places: usize,
    /// Households written.
    pub households: usize,
    /// User accounts written.
    pub users: usize,
}

/// Loads the demo data in one transaction, unless a user named `admin` already exists.
pub async fn load(store: &Store) -> Result<DemoReport, StoreError> {
    let skipped = DemoReport {
        loaded: false,
        places: 0,
        households: 0,
        users: 0,
    };
    if users::account_by_username(&store.db, "admin")
        .await?
        .is_some()
    {
        return Ok(skipped);
    }
    let divisions = divisions()?;
    // Hashing is slow by design; do it before taking the write gate. One salt per account.
    let hashes: Vec<String> = DEMO_ACCOUNTS
        .iter()
        .map(|_| password::hash(DEMO_PASSWORD))
        .collect();
    let txn = store.write().await?;
    // Checked again under the write gate, in case another load ran meanwhile.
    if users::account_by_username(&*txn, "admin").await?.is_some() {
        return Ok(skipped);
    }
    let report = write_all(&txn, &store.pii, &divisions, hashes).await?;
    txn.commit().await?;
    store.refresh_statistics().await?;
    tracing::info!(
        places = report.places,
        households = report.households,
        users = report.users,
        "demo data loaded"
    );
    Ok(report)
}

/// One row of the division file.
struct Division {
    code: String,
    name: String,
    level: PlaceLevel,
}

fn divisions() -> Result<Vec<Division>, StoreError> {
    let bad = |msg: String| StoreError::File(format!("seed/haikou-divisions.csv: {msg}"));
    let mut reader = csv::Reader::from_reader(DIVISIONS_CSV.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let field = |n: usize| rec.get(n).map(str::trim).unwrap_or_default().to_owned();
        let level = PlaceLevel::parse(&field(2))
            .ok_or_else(|| bad(format!("row {}: unknown level", i + 2)))?;
        out.push(Division {
            code: field(0),
            name: field(1),
            level,
        });
    }
    Ok(out)
}

/// A district's demo setting: where it lies, which city bureau is paired with it, and the two
/// responsible persons that bureau sends.
struct DistrictDemo {
    code: &'static str,
    lat: f64,
    lon: f64,
    paired_unit: &'static str,
    persons: [(&'static str, &'static str); 2],
}

const DISTRICTS: [DistrictDemo; 4] = [
    DistrictDemo {
        code: "460105",
        lat: 19.985,
        lon: 110.245,
        paired_unit: "海口市财政局（结对秀英区）",
        persons: [("陈志远", "13907981001"), ("王丽华", "13907981002")],
    },
    DistrictDemo {
        code: "460106",
        lat: 19.955,
        lon: 110.320,
        paired_unit: "海口市发展和改革委员会（结对龙华区）",
        persons: [("林海涛", "13907981003"), ("符晓梅", "13907981004")],
    },
    DistrictDemo {
        code: "460107",
        lat: 19.880,
        lon: 110.450,
        paired_unit: "海口市交通运输局（结对琼山区）",
        persons: [("吴建平", "13907981005"), ("黄春燕", "13907981006")],
    },
    DistrictDemo {
        code: "460108",
        lat: 20.020,
        lon: 110.440,
        paired_unit: "海口市水务局（结对美兰区）",
        persons: [("邢国强", "13907981007"), ("李美娟", "13907981008")],
    },
];

const CITY_LOCATION: (f64, f64) = (20.031, 110.328);

const LEAD_UNITS: [&str; 5] = [
    "海口市住房和城乡建设局",
    "海口市农业农村局",
    "海口市教育局",
    "海口市卫生健康委员会",
    "海口市人力资源和社会保障局",
];

/// The lead unit (index into [`LEAD_UNITS`]) of a kind of measure.
fn lead_unit_of(kind: MeasureKind) -> usize {
    match kind {
        MeasureKind::Housing => 0,
        MeasureKind::Industry => 1,
        MeasureKind::Education => 2,
        MeasureKind::Health => 3,
        MeasureKind::Employment | MeasureKind::SocialSecurity | MeasureKind::Other => 4,
    }
}

/// Measures a plan picks from: kind, description, budget in fen.
const MEASURES: [(MeasureKind, &str, i64); 12] = [
    (
        MeasureKind::Housing,
        "危房改造补助（C级危房维修加固）",
        1_500_000,
    ),
    (MeasureKind::Industry, "黑山羊养殖产业奖补", 500_000),
    (MeasureKind::Education, "雨露计划职业教育补助", 300_000),
    (
        MeasureKind::Health,
        "家庭医生签约服务及大病医疗救助",
        200_000,
    ),
    (
        MeasureKind::Employment,
        "公益性岗位安置（生态护林员）",
        960_000,
    ),
    (MeasureKind::Industry, "槟榔种植技术培训与种苗补贴", 320_000),
    (
        MeasureKind::SocialSecurity,
        "城乡居民基本养老保险个人缴费代缴",
        20_000,
    ),
    (
        MeasureKind::Housing,
        "危房改造补助（D级危房拆除重建）",
        4_000_000,
    ),
    (
        MeasureKind::Education,
        "义务教育阶段寄宿生生活补助",
        100_000,
    ),
    (MeasureKind::Employment, "转移就业一次性交通补贴", 50_000),
    (MeasureKind::Health, "慢性病门诊费用补助", 150_000),
    (MeasureKind::Industry, "共享农庄入股分红", 200_000),
];

const MEASURE_STATUSES: [MeasureStatus; 4] = [
    MeasureStatus::Done,
    MeasureStatus::InProgress,
    MeasureStatus::Planned,
    MeasureStatus::Done,
];

const SURNAMES: [&str; 16] = [
    "王", "陈", "林", "吴", "符", "李", "黄", "张", "邢", "冯", "郑", "周", "梁", "云", "蔡", "何",
];
const MALE_NAMES: [&str; 12] = [
    "海明", "志强", "家福", "文光", "德华", "春生", "国栋", "明亮", "永安", "振华", "建国", "新民",
];
const FEMALE_NAMES: [&str; 10] = [
    "秀英", "春花", "美玲", "丽娟", "玉兰", "桂芳", "小燕", "海霞", "月娥", "金莲",
];
const SON_NAMES: [&str; 6] = ["子豪", "俊杰", "浩然", "宇航", "家乐", "明轩"];
const DAUGHTER_NAMES: [&str; 6] = ["雨欣", "梓涵", "诗琪", "佳怡", "思彤", "晓琳"];
const MOTHER_NAMES: [&str; 5] = ["亚妹", "二妹", "玉梅", "月香", "春兰"];

/// A village made for the demo.
struct Village {
    id: PlaceId,
    code: String,
    name: String,
    town: String,
    district: String,
    district_name: String,
    location: GeoPoint,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A point near Haikou: rounded to ~0.1 m and kept within the city's box.
fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint {
        lat: round6(lat.clamp(19.8, 20.1)),
        lon: round6(lon.clamp(110.1, 110.6)),
    }
}

/// The short form of a town's name that its villages are named after: 中山街道 → 中山.
fn stem(town: &str) -> &str {
    let mut s = town;
    for suffix in ["（农场）", "经济开发区", "热带作物场", "农场", "街道", "镇"]
    {
        s = s.strip_suffix(suffix).unwrap_or(s);
    }
    s = s.strip_prefix("海口").unwrap_or(s);
    if s.is_empty() { town } else { s }
}

fn invalid(field: &str, msg: &str) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, "invalid-demo-data", msg))
}

/// A valid, demo-unique national ID number: district, birth date, sequence (odd for men), check.
fn id_number(
    used: &mut HashSet<String>,
    district: &str,
    birth: (i32, u32, u32),
    counter: usize,
    male: bool,
) -> Result<String, StoreError> {
    let (y, m, d) = birth;
    let mut seq = (counter * 2 + usize::from(male)) % 1000;
    for _ in 0..500 {
        let first17 = format!("{district}{y:04}{m:02}{d:02}{seq:03}");
        let check = national_id::check_char(&first17)
            .ok_or_else(|| invalid("id_number", "cannot compute a check character"))?;
        let number = format!("{first17}{check}");
        if used.insert(number.clone()) {
            return Ok(number);
        }
        seq = (seq + 2) % 1000;
    }
    Err(invalid("id_number", "ran out of sequence numbers"))
}

fn birth(year: i32, i: usize, k: usize) -> (i32, u32, u32) {
    // Days up to 28 are valid in every month.
    (
        year,
        1 + ((i * 5 + k) % 12) as u32,
        1 + ((i * 11 + k * 3) % 28) as u32,
    )
}

/// The members of the `i`-th demo household: name, relation, birth date, male.
/// A demo member: name, relation, birth date (y, m, d), whether it has an ID number.
type DemoMember = (String, &'static str, (i32, u32, u32), bool);

fn members_of(i: usize) -> Vec<DemoMember> {
    let surname = SURNAMES[i % SURNAMES.len()];
    let head_year = 1958 + ((i * 3) % 30) as i32;
    let head = format!(
        "{surname}{}",
        MALE_NAMES[(i + i / SURNAMES.len()) % MALE_NAMES.len()]
    );
    let spouse = format!(
        "{}{}",
        SURNAMES[(i + 5) % SURNAMES.len()],
        FEMALE_NAMES[(i * 3) % FEMALE_NAMES.len()]
    );
    let mother = format!(
        "{}{}",
        SURNAMES[(i + 9) % SURNAMES.len()],
        MOTHER_NAMES[i % MOTHER_NAMES.len()]
    );
    let son = format!("{surname}{}", SON_NAMES[i % SON_NAMES.len()]);
    let daughter = format!(
        "{surname}{}",
        DAUGHTER_NAMES[(i / 2) % DAUGHTER_NAMES.len()]
    );
    let spouse_year = head_year + (i % 3) as i32;
    let child_year = (head_year + 22 + (i % 8) as i32).min(2018);
    let mother_year = head_year - 24 - (i % 5) as i32;
    let mut out = vec![(head, "户主", birth(head_year, i, 0), true)];
    match 2 + i % 3 {
        2 if i.is_multiple_of(5) => out.push((mother, "之母", birth(mother_year, i, 1), false)),
        2 => out.push((spouse, "配偶", birth(spouse_year, i, 1), false)),
        3 => {
            out.push((spouse, "配偶", birth(spouse_year, i, 1), false));
            if i.is_multiple_of(2) {
                out.push((son, "之子", birth(child_year, i, 2), true));
            } else {
                out.push((daughter, "之女", birth(child_year, i, 2), false));
            }
        }
        _ => {
            out.push((spouse, "配偶", birth(spouse_year, i, 1), false));
            out.push((son, "之子", birth(child_year, i, 2), true));
            if i.is_multiple_of(2) {
                out.push((
                    daughter,
                    "之女",
                    birth((child_year + 3).min(2020), i, 3),
                    false,
                ));
            } else {
                out.push((mother, "之母", birth(mother_year, i, 3), false));
            }
        }
    }
    out
}

/// Status and year of exit of the `i`-th demo household: mostly exited in 2019–2020.
fn status_of(i: usize) -> (HouseholdStatus, Option<i32>) {
    match i % 10 {
        3 => (HouseholdStatus::InPoverty, None),
        7 => (HouseholdStatus::AtRisk, Some(2019)),
        _ => (HouseholdStatus::Exited, Some(2019 + (i % 2) as i32)),
    }
}

async fn write_all(
    txn: &DatabaseTransaction,
    pii: &PiiCipher,
    divisions: &[Division],
    hashes: Vec<String>,
) -> Result<DemoReport, StoreError> {
    let mut places_written = 0usize;

    // The city, its districts, their towns, two villages per town.
    let city = divisions
        .iter()
        .find(|d| d.level == PlaceLevel::City)
        .ok_or_else(|| invalid("divisions", "the division file lists no city"))?;
    let city_place = places::create(
        txn,
        None,
        NewPlace {
            code: city.code.clone(),
            name: city.name.clone(),
            level: PlaceLevel::City,
            parent_id: None,
            location: Some(point(CITY_LOCATION.0, CITY_LOCATION.1)),
        },
    )
    .await?;
    places_written += 1;

    let mut district_ids: BTreeMap<&str, (PlaceId, &str)> = BTreeMap::new();
    for d in &DISTRICTS {
        let row = divisions
            .iter()
            .find(|r| r.level == PlaceLevel::District && r.code == d.code)
            .ok_or_else(|| {
                invalid(
                    "divisions",
                    "a demo district is missing from the division file",
                )
            })?;
        let p = places::create(
            txn,
            None,
            NewPlace {
                code: row.code.clone(),
                name: row.name.clone(),
                level: PlaceLevel::District,
                parent_id: Some(city_place.id),
                location: Some(point(d.lat, d.lon)),
            },
        )
        .await?;
        places_written += 1;
        district_ids.insert(d.code, (p.id, row.name.as_str()));
    }

    let towns: Vec<&Division> = divisions
        .iter()
        .filter(|r| r.level == PlaceLevel::Town)
        .collect();
    // Villages are named after their town's short name, or its full name where two towns share
    // one (海秀街道 and 海秀镇).
    let village_stem = |town: &str| {
        let s = stem(town);
        if towns.iter().filter(|t| stem(&t.name) == s).count() > 1 {
            town.to_owned()
        } else {
            s.to_owned()
        }
    };
    let mut villages: Vec<Village> = Vec::new();
    let mut towns_in_district: BTreeMap<&str, usize> = BTreeMap::new();
    for town in towns.iter().copied() {
        let district_code = town.code.get(..6).unwrap_or_default();
        let (Some(d), Some(&(district_id, district_name))) = (
            DISTRICTS.iter().find(|d| d.code == district_code),
            district_ids.get(district_code),
        ) else {
            continue;
        };
        let n = towns_in_district.entry(d.code).or_default();
        let (row, col) = ((*n % 4) as f64, (*n / 4) as f64);
        *n += 1;
        let town_loc = point(d.lat + (row - 1.5) * 0.035, d.lon + (col - 1.0) * 0.04);
        let t = places::create(
            txn,
            None,
            NewPlace {
                code: town.code.clone(),
                name: town.name.clone(),
                level: PlaceLevel::Town,
                parent_id: Some(district_id),
                location: Some(town_loc),
            },
        )
        .await?;
        places_written += 1;
        for (suffix, ordinal, dlat, dlon) in
            [("201", "一", 0.006, -0.008), ("202", "二", -0.007, 0.009)]
        {
            let code = format!("{}{suffix}", town.code);
            let name = format!("{}{ordinal}村", village_stem(&town.name));
            let location = point(town_loc.lat + dlat, town_loc.lon + dlon);
            let v = places::create(
                txn,
                None,
                NewPlace {
                    code: code.clone(),
                    name: name.clone(),
                    level: PlaceLevel::Village,
                    parent_id: Some(t.id),
                    location: Some(location),
                },
            )
            .await?;
            places_written += 1;
            villages.push(Village {
                id: v.id,
                code,
                name,
                town: town.name.clone(),
                district: d.code.to_owned(),
                district_name: district_name.to_owned(),
                location,
            });
        }
    }

    // Units and responsible persons.
    let mut lead_units: Vec<UnitId> = Vec::new();
    for name in LEAD_UNITS {
        let u = orgs::create_unit(
            txn,
            None,
            NewUnit {
                name: name.to_owned(),
                kind: UnitKind::LeadUnit,
                district_code: None,
                village_ids: Vec::new(),
            },
        )
        .await?;
        lead_units.push(u.id);
    }
    // Per district: its paired unit and the unit's persons.
    #[allow(clippy::type_complexity)]
    let mut paired: BTreeMap<&str, (UnitId, Vec<(PersonId, &str)>)> = BTreeMap::new();
    for d in &DISTRICTS {
        let village_ids = villages
            .iter()
            .filter(|v| v.district == d.code)
            .map(|v| v.id)
            .collect();
        let u = orgs::create_unit(
            txn,
            None,
            NewUnit {
                name: d.paired_unit.to_owned(),
                kind: UnitKind::PairedUnit,
                district_code: Some(d.code.to_owned()),
                village_ids,
            },
        )
        .await?;
        let mut persons = Vec::new();
        for (name, phone) in d.persons {
            let p = orgs::create_person(
                txn,
                None,
                NewPerson {
                    name: name.to_owned(),
                    unit_id: u.id,
                    phone: Some(phone.to_owned()),
                },
            )
            .await?;
            persons.push((p.id, name));
        }
        paired.insert(d.code, (u.id, persons));
    }

    // Households, each with its members and 2026 plan.
    let mut used_ids = HashSet::new();
    let mut member_counter = 0usize;
    let mut households_written = 0usize;
    for v in &villages {
        let persons = paired
            .get(v.district.as_str())
            .map(|(_, p)| p.as_slice())
            .unwrap_or_default();
        for j in 0..3usize {
            let i = households_written;
            let person = persons.get(i % 2).or(persons.first()).map(|(id, _)| *id);
            let mut members = Vec::new();
            for (name, relation, born, male) in members_of(i) {
                let id_number = id_number(&mut used_ids, &v.district, born, member_counter, male)?;
                member_counter += 1;
                members.push(NewMember {
                    name,
                    relation: relation.to_owned(),
                    id_number: Some(id_number),
                });
            }
            let head_name = members.first().map(|m| m.name.clone()).unwrap_or_default();
            let (status, exit_year) = status_of(i);
            let offsets = [(0.0021, 0.0025), (-0.0017, 0.0032), (0.0030, -0.0019)];
            let (dlat, dlon) = offsets[j];
            let h = registry::create_household(
                txn,
                pii,
                None,
                NewHousehold {
                    registration_no: format!("HK{}{:02}", v.code, j + 1),
                    village_id: v.id,
                    head_name,
                    phone: Some((13_800_000_000u64 + i as u64 + 1).to_string()),
                    address: Some(format!(
                        "海口市{}{}{}{}号",
                        v.district_name,
                        v.town,
                        v.name,
                        8 + j * 13 + i % 7
                    )),
                    location: Some(point(v.location.lat + dlat, v.location.lon + dlon)),
                    status,
                    exit_year,
                    responsible_person_id: person,
                    members,
                },
            )
            .await?;
            households_written += 1;

            let measures = (0..1 + i % 3)
                .map(|k| {
                    let (kind, description, budget_fen) = MEASURES[(i + k * 4) % MEASURES.len()];
                    NewMeasure {
                        kind,
                        description: description.to_owned(),
                        lead_unit_id: lead_units.get(lead_unit_of(kind)).copied(),
                        responsible_person_id: person,
                        budget_fen,
                        status: Some(MEASURE_STATUSES[(i + k) % MEASURE_STATUSES.len()]),
                    }
                })
                .collect();
            registry::create_plan(
                txn,
                &Scope::All,
                None,
                NewPlan {
                    household_id: h.household.id,
                    year: 2026,
                    status: Some(PlanStatus::Active),
                    measures,
                },
            )
            .await?;
        }
    }

    // Assessees: district governments, lead units, paired units, responsible persons.
    let mut district_assessees: BTreeMap<&str, AssesseeId> = BTreeMap::new();
    for d in &DISTRICTS {
        let name = district_ids
            .get(d.code)
            .map(|(_, n)| *n)
            .unwrap_or_default();
        let a = orgs::create_assessee(
            txn,
            None,
            NewAssessee {
                kind: AssesseeKind::DistrictGovernment,
                name: format!("{name}委区政府"),
                district_code: Some(d.code.to_owned()),
                unit_id: None,
                person_id: None,
            },
        )
        .await?;
        district_assessees.insert(d.code, a.id);
    }
    for (name, id) in LEAD_UNITS.iter().zip(&lead_units) {
        orgs::create_assessee(
            txn,
            None,
            NewAssessee {
                kind: AssesseeKind::LeadUnit,
                name: (*name).to_owned(),
                district_code: None,
                unit_id: Some(*id),
                person_id: None,
            },
        )
        .await?;
    }
    for d in &DISTRICTS {
        let Some((unit, persons)) = paired.get(d.code) else {
            continue;
        };
        orgs::create_assessee(
            txn,
            None,
            NewAssessee {
                kind: AssesseeKind::PairedUnit,
                name: d.paired_unit.to_owned(),
                district_code: Some(d.code.to_owned()),
                unit_id: Some(*unit),
                person_id: None,
            },
        )
        .await?;
        let unit_short = d.paired_unit.split('（').next().unwrap_or(d.paired_unit);
        for (person, name) in persons {
            orgs::create_assessee(
                txn,
                None,
                NewAssessee {
                    kind: AssesseeKind::ResponsiblePerson,
                    name: format!("{name}（{unit_short}）"),
                    district_code: Some(d.code.to_owned()),
                    unit_id: None,
                    person_id: Some(*person),
                },
            )
            .await?;
        }
    }

    // One account per role.
    let village_id = |code: &str| villages.iter().find(|v| v.code == code).map(|v| v.id);
    let mut users_written = 0usize;
    for (account, hash) in DEMO_ACCOUNTS.iter().zip(hashes) {
        let (display_name, district, assessee, village_codes): (
            &str,
            Option<&str>,
            Option<AssesseeId>,
            &[&str],
        ) = match account.username {
            "admin" => ("系统管理员", None, None, &[]),
            "office" => ("市扶贫办审核员", None, None, &[]),
            "reviewer-longhua" => ("龙华区审核员", Some("460106"), None, &[]),
            "inspector1" => ("核查员一", None, None, &["460106001201"]),
            "inspector2" => ("核查员二", None, None, &["460106001202"]),
            "surveyor1" => ("调查员一", None, None, &["460106100201", "460106100202"]),
            "assessee-longhua" => (
                "龙华区委区政府填报员",
                None,
                district_assessees.get("460106").copied(),
                &[],
            ),
            _ => (account.username, None, None, &[]),
        };
        let village_ids = village_codes
            .iter()
            .map(|c| {
                village_id(c).ok_or_else(|| invalid("village_ids", "a demo village is missing"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        users::create(
            txn,
            None,
            NewUser {
                username: account.username.to_owned(),
                display_name: display_name.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                role: account.role,
                district_code: district.map(str::to_owned),
                assessee_id: assessee,
                unit_id: None,
                village_ids,
                household_ids: Vec::new(),
            },
            hash,
        )
        .await?;
        users_written += 1;
    }

    // The year's cycle, at its first step, with the method's score sheets and the default
    // satisfaction questionnaire, so the assessment can be tried at once.
    crate::assessment::create_cycle(
        txn,
        None,
        crate::assessment::NewCycle {
            year: 2026,
            combine_rule: None,
            pass_threshold: None,
            step_dates: None,
        },
    )
    .await?;

    Ok(DemoReport {
        loaded: true,
        places: places_written,
        households: households_written,
        users: users_written,
    })
}
