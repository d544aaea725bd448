#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Spreadsheet import of registered households, on SQLite and PostgreSQL.

mod common;

use common::{Backend, TestDatabase};
use fieldcheck_domain::national_id::check_char;
use fieldcheck_domain::{PlaceId, PlaceLevel};
use fieldcheck_store::entities::{
    audit_log, households, measures, members, persons, plans, unit_villages, units,
};
use fieldcheck_store::import::{
    HouseholdChange, ImportMode, ImportOutcome, ImportReport, RowError, import_households,
    mask_name, read_rows, run_import,
};
use fieldcheck_store::places::{self, NewPlace};
use fieldcheck_store::{Store, StoreError, audit};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::path::{Path, PathBuf};

struct Env {
    /// Where the test writes its spreadsheets.
    dir: tempfile::TempDir,
    _database: TestDatabase,
    store: Store,
    village: PlaceId,
}

async fn place(
    store: &Store,
    code: &str,
    name: &str,
    level: PlaceLevel,
    parent: Option<PlaceId>,
) -> PlaceId {
    places::create(
        &store.db,
        None,
        NewPlace {
            code: code.into(),
            name: name.into(),
            level,
            parent_id: parent,
            location: None,
        },
    )
    .await
    .unwrap()
    .id
}

async fn env(backend: Backend) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let (database, store) = common::open_store(backend, [1u8; 32]).await;
    let city = place(&store, "460100", "海口市", PlaceLevel::City, None).await;
    let district = place(&store, "460106", "龙华区", PlaceLevel::District, Some(city)).await;
    let town = place(
        &store,
        "460106001",
        "中山街道",
        PlaceLevel::Town,
        Some(district),
    )
    .await;
    let village = place(
        &store,
        "460106001201",
        "某村",
        PlaceLevel::Village,
        Some(town),
    )
    .await;
    Env {
        dir,
        _database: database,
        store,
        village,
    }
}

impl Env {
    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    async fn import(&self, path: &Path) -> ImportOutcome {
        import_households(&self.store, path).await.unwrap()
    }

    async fn imported(&self, path: &Path) -> ImportReport {
        match self.import(path).await {
            ImportOutcome::Imported(r) => r,
            ImportOutcome::Rejected(e) => panic!("rejected: {e:#?}"),
        }
    }

    async fn rejected(&self, path: &Path) -> Vec<RowError> {
        match self.import(path).await {
            ImportOutcome::Rejected(e) => e,
            ImportOutcome::Imported(r) => panic!("imported: {r:?}"),
        }
    }

    async fn household_count(&self) -> u64 {
        households::Entity::find()
            .count(&self.store.db)
            .await
            .unwrap()
    }

    async fn household(&self, reg: &str) -> households::Model {
        households::Entity::find()
            .filter(households::Column::RegistrationNo.eq(reg))
            .one(&self.store.db)
            .await
            .unwrap()
            .unwrap()
    }
}

/// A valid ID number with the given 17 leading digits.
fn id(first17: &str) -> String {
    format!("{first17}{}", check_char(first17).unwrap())
}

/// The same number with a wrong check character.
fn bad_id(first17: &str) -> String {
    let good = check_char(first17).unwrap();
    let wrong = if good == '1' { '2' } else { '1' };
    format!("{first17}{wrong}")
}

const ID1: &str = "46010619800101123";
const ID2: &str = "46010620080615002";
const ID3: &str = "46010619450303456";

const CN_HEADER: &str = "户编号,村代码,户主姓名,联系电话,住址,纬度,经度,状态,脱贫年度,成员姓名,与户主关系,身份证号,帮扶单位,帮扶责任人,责任人电话,计划年度,措施类型,措施内容,预算(元),措施状态";

/// Two households, three members, one measure; with BOM, a blank line and CRLF line ends.
fn valid_csv() -> String {
    let (a, b, c) = (id(ID1), id(ID2), id(ID3));
    let hh1 =
        "HK-001,460106001201,王大山,13800138000,龙华区中山街道某村3号,20.0123,110.3456,已脱贫,2019";
    format!(
        "\u{feff}{CN_HEADER}\r\n\
         {hh1},王大山,户主,{a},海口市住房和城乡建设局,李明,13900139000,2024,产业,\"养殖黑山羊，10只\",20000.50,实施中\r\n\
         {hh1},王小花,之女,{b},海口市住房和城乡建设局,李明,13900139000,,,,,\r\n\
         \r\n\
         HK-002,460106001201,陈阿婆,,,,,返贫风险,,陈阿婆,户主,{c},,,,,,,,\r\n"
    )
}

fn first_import() -> ImportReport {
    ImportReport {
        households_created: 2,
        households_unchanged: 0,
        households_updated: 0,
        members_created: 3,
        plans_created: 1,
        measures_created: 1,
        units_created: 1,
        persons_created: 1,
    }
}

fn second_import() -> ImportReport {
    ImportReport {
        households_unchanged: 2,
        ..ImportReport::default()
    }
}

async fn counts(store: &Store) -> [u64; 7] {
    let db = &store.db;
    [
        households::Entity::find().count(db).await.unwrap(),
        members::Entity::find().count(db).await.unwrap(),
        plans::Entity::find().count(db).await.unwrap(),
        measures::Entity::find().count(db).await.unwrap(),
        units::Entity::find().count(db).await.unwrap(),
        persons::Entity::find().count(db).await.unwrap(),
        unit_villages::Entity::find().count(db).await.unwrap(),
    ]
}

/// Everything the valid file says, read back exactly.
async fn assert_round_trip(e: &Env) {
    let db = &e.store.db;
    let h = e.household("HK-001").await;
    assert_eq!(h.head_name, "王大山");
    assert_eq!(h.address.as_deref(), Some("龙华区中山街道某村3号"));
    assert_eq!(h.phone.as_deref(), Some("13800138000"));
    assert_eq!((h.lat, h.lon), (Some(20.0123), Some(110.3456)));
    assert_eq!(h.status, "exited");
    assert_eq!(h.exit_year, Some(2019));
    assert_eq!(h.village_id, e.village.0);
    assert_eq!(h.district_code, "460106");
    assert_eq!(h.version, 1);

    let unit = units::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(unit.name, "海口市住房和城乡建设局");
    assert_eq!(unit.kind, "paired_unit");
    let person = persons::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(person.name, "李明");
    assert_eq!(person.unit_id, unit.id);
    assert_eq!(person.phone.as_deref(), Some("13900139000"));
    assert_eq!(h.responsible_person_id, Some(person.id));
    let pair = unit_villages::Entity::find_by_id((unit.id, e.village.0))
        .one(db)
        .await
        .unwrap();
    assert!(pair.is_some());

    let mut ms = members::Entity::find()
        .filter(members::Column::HouseholdId.eq(h.id))
        .all(db)
        .await
        .unwrap();
    ms.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        ms.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["王大山", "王小花"]
    );
    let head = ms.iter().find(|m| m.name == "王大山").unwrap();
    assert_eq!(head.relation, "户主");
    let full = id(ID1);
    assert_eq!(
        head.id_number_masked.as_deref(),
        Some(format!("460106********{}", &full[14..]).as_str())
    );
    assert_eq!(
        head.id_number_index.as_deref(),
        Some(e.store.pii.index(&full).as_str())
    );
    let cipher = head.id_number_cipher.as_deref().unwrap();
    assert!(!cipher.contains(&full[6..14]));
    assert_eq!(e.store.pii.decrypt(cipher).unwrap(), full);
    assert_eq!(
        ms.iter().find(|m| m.name == "王小花").unwrap().relation,
        "之女"
    );

    let plan = plans::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(
        (plan.household_id, plan.year, plan.status.as_str()),
        (h.id, 2024, "draft")
    );
    let m = measures::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(m.plan_id, plan.id);
    assert_eq!(m.kind, "industry");
    assert_eq!(m.description, "养殖黑山羊，10只");
    assert_eq!(m.budget_fen, 2_000_050);
    assert_eq!(m.status, "in_progress");

    let h2 = e.household("HK-002").await;
    assert_eq!(h2.head_name, "陈阿婆");
    assert_eq!(h2.status, "at_risk");
    assert_eq!(
        (
            h2.phone,
            h2.address,
            h2.lat,
            h2.exit_year,
            h2.responsible_person_id
        ),
        (None, None, None, None, None)
    );
}

/// The import entries of the audit log, oldest first (PostgreSQL promises no order unasked).
async fn import_audits(store: &Store) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("household.import"))
        .order_by_asc(audit_log::Column::Seq)
        .all(&store.db)
        .await
        .unwrap()
}

on_both_backends!(
    csv_with_chinese_headers_imports_once,
    bad_rows_are_all_reported_and_nothing_is_written,
    xlsx_with_english_headers_imports_the_same_way,
    changed_household_is_updated_and_new_rows_added,
    layout_and_consistency_problems_are_reported,
    odd_files_do_not_panic,
    a_preview_reports_what_the_import_then_does_and_writes_nothing,
);

/// The office's preview: the same run as the import, rolled back. It reports exactly what the
/// import then reports, names the households it would create, and leaves no row and no audit
/// entry behind; the import that follows is audited under its actor.
async fn a_preview_reports_what_the_import_then_does_and_writes_nothing(backend: Backend) {
    let e = env(backend).await;
    let path = e.write("upload.csv", &valid_csv());
    let before = counts(&e.store).await;
    let preview = run_import(&e.store, &path, "户.csv", None, ImportMode::Preview)
        .await
        .unwrap();
    assert_eq!(preview.outcome, ImportOutcome::Imported(first_import()));
    assert_eq!(
        preview.households,
        [
            HouseholdChange {
                registration_no: "HK-001".into(),
                head_name_masked: "王**".into(),
                created: true
            },
            HouseholdChange {
                registration_no: "HK-002".into(),
                head_name_masked: "陈**".into(),
                created: true
            },
        ]
    );
    assert_eq!(counts(&e.store).await, before, "a preview writes nothing");
    assert!(import_audits(&e.store).await.is_empty());

    let actor = fieldcheck_domain::UserId::new();
    let done = run_import(&e.store, &path, "户.csv", Some(actor), ImportMode::Write)
        .await
        .unwrap();
    assert_eq!(done, preview);
    assert_eq!(counts(&e.store).await, [2, 3, 1, 1, 1, 1, 1]);
    let audits = import_audits(&e.store).await;
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].target_id, "户.csv");
    assert_eq!(audits[0].actor, Some(actor.to_string()));

    // Again: every household unchanged, none listed.
    let again = run_import(&e.store, &path, "户.csv", None, ImportMode::Preview)
        .await
        .unwrap();
    assert_eq!(again.outcome, ImportOutcome::Imported(second_import()));
    assert!(again.households.is_empty());
    assert_eq!(mask_name(" 欧阳 "), "欧*");
    assert_eq!(mask_name(""), "");
}

async fn csv_with_chinese_headers_imports_once(backend: Backend) {
    let e = env(backend).await;
    let path = e.write("贫困户.csv", &valid_csv());
    assert_eq!(e.imported(&path).await, first_import());
    assert_eq!(counts(&e.store).await, [2, 3, 1, 1, 1, 1, 1]);
    assert_round_trip(&e).await;

    // (2) The same file again changes nothing.
    assert_eq!(e.imported(&path).await, second_import());
    assert_eq!(counts(&e.store).await, [2, 3, 1, 1, 1, 1, 1]);
    assert_round_trip(&e).await;

    let audits = import_audits(&e.store).await;
    assert_eq!(audits.len(), 2);
    assert_eq!(audits[0].target_type, "import");
    assert_eq!(audits[0].target_id, "贫困户.csv");
    let details: serde_json::Value = serde_json::from_str(&audits[0].details).unwrap();
    assert_eq!(details["households_created"], 2);
    assert_eq!(details["members_created"], 3);
    for a in &audits {
        assert!(!a.details.contains(&id(ID1)) && !a.details.contains("13800138000"));
    }
    assert!(audit::verify(&e.store.db).await.unwrap().ok);
}

async fn bad_rows_are_all_reported_and_nothing_is_written(backend: Backend) {
    let e = env(backend).await;
    e.imported(&e.write("first.csv", &valid_csv())).await;
    let before = counts(&e.store).await;
    let audits_before = import_audits(&e.store).await.len();

    let bad = bad_id("46010619900909111");
    let csv = format!(
        "{CN_HEADER}\n\
         HK-010,460106001201,林一,,,,,未脱贫,,林一,户主,{},,,,,,,,\n\
         HK-011,460106001201,林二,,,,,未脱贫,,林二,户主,{bad},,,,,,,,\n\
         HK-012,460106001299,林三,,,,,未脱贫,,林三,户主,,,,,,,,,\n\
         HK-013,460106001201,林四,,,,,脱贫中,,林四,户主,,,,,,,,,\n\
         HK-014,460106001201,林五,,,,,已脱贫,2020,林五,户主,{},,,,2024,教育,助学金,3000,计划\n",
        id("46010619900909222"),
        id("46010619900909333"),
    );
    let errors = e.rejected(&e.write("bad.csv", &csv)).await;
    assert_eq!(
        errors.iter().map(|r| r.line).collect::<Vec<_>>(),
        [3, 4, 5],
        "{errors:#?}"
    );
    assert_eq!(errors[0].column.as_deref(), Some("身份证号"));
    assert_eq!(errors[0].reason, "身份证号校验位错误");
    assert_eq!(errors[1].column.as_deref(), Some("村代码"));
    assert_eq!(errors[2].column.as_deref(), Some("状态"));
    let dump = format!("{errors:?}");
    assert!(
        !dump.contains(&bad) && !dump.contains(&bad[6..14]),
        "an ID number leaked: {dump}"
    );

    assert_eq!(counts(&e.store).await, before);
    assert_eq!(e.household_count().await, 2);
    assert_eq!(import_audits(&e.store).await.len(), audits_before);
}

/// A cell as Excel stores it: numbers typed into cells are numbers.
enum V<'a> {
    S(&'a str),
    N(f64),
    E,
}
use V::{E, N, S};

fn hh1<'a>(name: &'a str, rel: &'a str, idn: &'a str) -> Vec<V<'a>> {
    vec![
        S("HK-001"),
        S("460106001201"),
        S("王大山"),
        N(13800138000.0),
        S("龙华区中山街道某村3号"),
        N(20.0123),
        N(110.3456),
        S("exited"),
        N(2019.0),
        S(name),
        S(rel),
        S(idn),
        S("海口市住房和城乡建设局"),
        S("李明"),
        S("13900139000"),
    ]
}

async fn xlsx_with_english_headers_imports_the_same_way(backend: Backend) {
    let e = env(backend).await;
    let path = e.dir.path().join("households.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let header = [
            "registration_no",
            "Village_Code",
            " head_name ",
            "phone",
            "address",
            "lat",
            "lon",
            "STATUS",
            "exit_year",
            "member_name",
            "relation",
            "id_number",
            "paired_unit",
            "responsible_person",
            "person_phone",
            "plan_year",
            "measure_kind",
            "measure_description",
            "budget_yuan",
            "measure_status",
        ];
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let (a, b, c) = (id(ID1), id(ID2), id(ID3));
        let mut r1 = hh1("王大山", "户主", &a);
        r1.extend([
            N(2024.0),
            S("industry"),
            S("养殖黑山羊，10只"),
            N(20000.5),
            S("in_progress"),
        ]);
        let mut r2 = hh1("王小花", "之女", &b);
        r2.extend([E, E, E, E, E]);
        let r3 = vec![
            S("HK-002"),
            S("460106001201"),
            S("陈阿婆"),
            E,
            E,
            E,
            E,
            S("at_risk"),
            E,
            S("陈阿婆"),
            S("户主"),
            S(&c),
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            E,
        ];
        for (r, row) in [r1, r2, r3].iter().enumerate() {
            for (col, v) in row.iter().enumerate() {
                let (r, col) = (r as u32 + 1, col as u16);
                match v {
                    S(s) => {
                        sheet.write_string(r, col, *s).unwrap();
                    }
                    N(n) => {
                        sheet.write_number(r, col, *n).unwrap();
                    }
                    E => {}
                }
            }
        }
        book.save(&path).unwrap();
    }

    let rows = read_rows(&path).unwrap();
    assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(rows[0].1["head_name"], "王大山");
    assert_eq!(rows[0].1["budget_yuan"], "20000.5");
    assert_eq!(rows[0].1["phone"], "13800138000");

    assert_eq!(e.imported(&path).await, first_import());
    assert_round_trip(&e).await;
    assert_eq!(e.imported(&path).await, second_import());
    assert_eq!(counts(&e.store).await, [2, 3, 1, 1, 1, 1, 1]);
}

async fn changed_household_is_updated_and_new_rows_added(backend: Backend) {
    let e = env(backend).await;
    e.imported(&e.write("a.csv", &valid_csv())).await;
    let before = e.household("HK-001").await;
    let changed = valid_csv().replace("13800138000", "0898-66123456")
        + "HK-002,460106001201,陈阿婆,,,,,返贫风险,,陈小明,之孙,,,,,2025,兜底,低保,1200,计划\r\n";
    // The later row of HK-002 agrees with the first one, so it only adds a member and a measure.
    let r = e.imported(&e.write("b.csv", &changed)).await;
    assert_eq!(
        r,
        ImportReport {
            households_updated: 2,
            members_created: 1,
            plans_created: 1,
            measures_created: 1,
            ..ImportReport::default()
        }
    );
    let after = e.household("HK-001").await;
    assert_eq!(after.phone.as_deref(), Some("089866123456"));
    assert_eq!(after.version, before.version + 1);
    assert!(after.updated_at >= before.updated_at);
    assert_eq!(e.household("HK-002").await.version, 1);
    assert_eq!(
        e.imported(&e.write("b.csv", &changed)).await,
        second_import()
    );

    // The member registered without ID number gets one; nothing else changes.
    let grandson = id("46010620150101001");
    let with_id = changed.replace("陈小明,之孙,,", &format!("陈小明,之孙,{grandson},"));
    let r = e.imported(&e.write("c.csv", &with_id)).await;
    assert_eq!(
        r,
        ImportReport {
            households_unchanged: 1,
            households_updated: 1,
            ..ImportReport::default()
        }
    );
    let m = members::Entity::find()
        .filter(members::Column::Name.eq("陈小明"))
        .one(&e.store.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        m.id_number_index.as_deref(),
        Some(e.store.pii.index(&grandson).as_str())
    );
    assert_eq!(m.version, 2);
    assert_eq!(counts(&e.store).await[1], 4);

    // An ID number already registered in another household is refused.
    let moved = format!(
        "{CN_HEADER}\nHK-003,460106001201,王大山,,,,,,,王大山,户主,{}\n",
        id(ID1)
    );
    let errors = e.rejected(&e.write("d.csv", &moved)).await;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].column.as_deref()),
        (2, Some("身份证号"))
    );
}

async fn layout_and_consistency_problems_are_reported(backend: Backend) {
    let e = env(backend).await;
    // Unknown column, missing required column.
    let p = e.write("h.csv", "户编号,户主姓名,颜色\nHK-1,张三,红\n");
    let errors = e.rejected(&p).await;
    assert!(errors.iter().all(|r| r.line == 1), "{errors:#?}");
    let cols: Vec<_> = errors.iter().filter_map(|r| r.column.as_deref()).collect();
    assert!(
        cols.contains(&"颜色") && cols.contains(&"村代码"),
        "{errors:#?}"
    );
    assert!(matches!(read_rows(&p), Err(StoreError::Invalid(_))));

    // No header row: the first data row is not quoted back.
    let a = id(ID1);
    let p = e.write(
        "no-header.csv",
        &format!("HK-1,460106001201,张三,13800138000,张三,户主,{a}\n"),
    );
    let errors = e.rejected(&p).await;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column.as_deref()), (1, None));
    let p = e.write(
        "half-header.csv",
        &format!("户编号,村代码,户主姓名,{a}\nHK-1,460106001201,张三,\n"),
    );
    let errors = e.rejected(&p).await;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].column.as_deref(), Some("第4列"));
    assert!(!format!("{errors:?}").contains(&a));

    // A household whose rows disagree: error on the later row; a duplicate ID number too.
    let a = id(ID1);
    let csv = format!(
        "户编号,村代码,户主姓名,联系电话,成员姓名,与户主关系,身份证号\n\
         HK-1,460106001201,张三,13800138000,张三,户主,{a}\n\
         HK-1,460106001201,张三,13800138001,李四,配偶,\n\
         HK-2,460106001201,王五,,王五,户主,{a}\n"
    );
    let errors = e.rejected(&e.write("c.csv", &csv)).await;
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].column.as_deref()),
        (3, Some("联系电话"))
    );
    assert_eq!(
        (errors[1].line, errors[1].column.as_deref()),
        (4, Some("身份证号"))
    );
    let dump = format!("{errors:?}");
    assert!(!dump.contains("13800138001") && !dump.contains(&a));
    assert_eq!(e.household_count().await, 0);

    // A responsible person needs a unit; a budget is money; both or neither coordinate.
    let csv = "户编号,村代码,户主姓名,纬度,经度,帮扶单位,帮扶责任人,计划年度,措施类型,措施内容,预算(元)\n\
               HK-3,460106001201,赵六,20.1,,,钱七,2024,就业,公益岗位,12.345\n";
    let errors = e.rejected(&e.write("d.csv", csv)).await;
    let cols: Vec<_> = errors
        .iter()
        .map(|r| (r.line, r.column.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        cols,
        [
            (2, "经度".to_owned()),
            (2, "帮扶责任人".to_owned()),
            (2, "预算(元)".to_owned())
        ],
        "{errors:#?}"
    );
}

async fn odd_files_do_not_panic(backend: Backend) {
    let e = env(backend).await;
    for (name, content) in [
        ("empty.csv", ""),
        ("bom.csv", "\u{feff}"),
        ("blank.csv", "\n\n,,,\n"),
        ("header.csv", "\u{feff}户编号,村代码,户主姓名\n\n"),
        (
            "ragged.csv",
            "户编号,村代码,户主姓名\nHK-1\nHK-2,460106001201,甲,多余\n\"unterminated",
        ),
        (
            "types.csv",
            "户编号,村代码,户主姓名,纬度,经度,脱贫年度,计划年度,措施类型,预算(元)\nHK-1,4601060012011,甲,NaN,inf,二〇一九,-1,?,1e9\n",
        ),
    ] {
        let outcome = e.import(&e.write(name, content)).await;
        assert!(
            matches!(outcome, ImportOutcome::Rejected(ref v) if !v.is_empty()),
            "{name}: {outcome:?}"
        );
    }
    // Not a spreadsheet at all.
    let p = e.write("fake.xlsx", "not a zip");
    assert!(matches!(
        import_households(&e.store, &p).await,
        Err(StoreError::File(_))
    ));
    let p = e.write("x.txt", "a,b");
    assert!(matches!(
        import_households(&e.store, &p).await,
        Err(StoreError::File(_))
    ));
    assert!(matches!(
        read_rows(&e.dir.path().join("missing.csv")),
        Err(StoreError::File(_))
    ));
    // Not UTF-8 (GBK bytes of 户编号).
    let p = e.dir.path().join("gbk.csv");
    std::fs::write(&p, [0xbb, 0xa7, 0xb1, 0xe0, 0xba, 0xc5, b'\n']).unwrap();
    assert!(matches!(
        import_households(&e.store, &p).await,
        Err(StoreError::File(_))
    ));
    assert_eq!(e.household_count().await, 0);
}

/// Reading a file touches no database: one test, not one per backend.
#[test]
fn read_rows_normalises_keys_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, content: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    };
    let p = write(
        "r.csv",
        "\u{feff} 户编号 ,Village_Code,户主姓名,住址\n\nHK-1,460106001201,甲,\"第一行\n第二行\"\nHK-2,460106001201,乙,\n",
    );
    let rows = read_rows(&p).unwrap();
    assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(
        rows[0].1.keys().collect::<Vec<_>>(),
        ["address", "head_name", "registration_no", "village_code"]
    );
    assert_eq!(rows[0].1["address"], "第一行\n第二行");
    assert_eq!(rows[1].1["address"], "");

    // The same with CRLF line ends, several blank lines and no final line end.
    let p = write(
        "r2.csv",
        "户编号,村代码,户主姓名,住址\r\n\r\n\r\nHK-1,460106001201,甲,\"第一行\r\n第二行\"\r\n\r\nHK-2,460106001201,乙,",
    );
    let rows = read_rows(&p).unwrap();
    assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [4, 6]);
}
