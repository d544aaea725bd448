//! Aggregation benchmark (`cargo bench --bench assessment`, or `./dev bench-assessment` for
//! PostgreSQL): aggregating and grading a cycle with 100,000 households' survey responses (each
//! feeding two assessees) and 2,000 assessees, every hand-scored item of every assessee scored.
//! Target: under 2 s on PostgreSQL. Printed beside it, as a baseline measured in the same run on
//! the same data, one full scan of the response links (`SELECT COUNT(*)`), and their ratio.
//!
//! `BENCH_PG_URL=postgres://…/db` (an empty database it may fill) runs on PostgreSQL instead of a
//! temporary SQLite file; `BENCH_RESPONSES` and `BENCH_ASSESSEES` change the sizes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Dialect, exec, one};

use fieldcheck_domain::UserId;
use fieldcheck_domain::assessment::{ScoringMethod, default_templates};
use fieldcheck_store::{PiiCipher, Store, assessment, demo, users};
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let responses = env_usize("BENCH_RESPONSES", 100_000);
    let persons = env_usize("BENCH_ASSESSEES", 2_000);
    let dir = tempfile::tempdir().unwrap();
    let pg_url = std::env::var("BENCH_PG_URL").ok();
    let url = match &pg_url {
        Some(u) => u.clone(),
        None => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.sqlite").display()
        ),
    };
    let store = Store::open(&url, PiiCipher::new(&[5u8; 32])).await.unwrap();
    demo::load(&store).await.unwrap();
    let dialect = Dialect::of(&store);
    let pg = dialect.pg;
    let (uuid, now) = (dialect.uuid(), dialect.now());
    let numbers = |n: usize| dialect.numbers(n);
    let t = Instant::now();
    // Responsible persons (each an assessee) of one demo unit.
    exec(&store, &format!(
        "INSERT INTO persons (id, name, unit_id, phone, version, created_at, updated_at) \
         SELECT {uuid}, '基准责任人' || n.i, (SELECT id FROM units ORDER BY name LIMIT 1), NULL, 1, {now}, {now} FROM ({q}) AS n",
        q = numbers(persons)
    )).await;
    exec(&store, &format!(
        "INSERT INTO assessees (id, kind, name, district_code, unit_id, person_id, version, created_at, updated_at) \
         SELECT {uuid}, 'responsible_person', p.name, '460106', NULL, p.id, 1, {now}, {now} FROM persons p WHERE p.name LIKE '基准责任人%'"
    )).await;
    // Households, each with a response from the survey team, spread over the persons.
    exec(&store, &format!(
        "INSERT INTO households (id, registration_no, village_id, district_code, head_name, phone, address, lat, lon, status, exit_year, responsible_person_id, field_versions, version, created_at, updated_at) \
         SELECT {uuid}, 'BA' || n.i, (SELECT id FROM places WHERE code = '460106001201'), '460106', '基准户', NULL, NULL, NULL, NULL, \
           CASE WHEN n.i % 3 = 0 THEN 'in_poverty' ELSE 'exited' END, NULL, \
           p.id, '{{}}', 1, {now}, {now} FROM ({q}) AS n \
         JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM persons WHERE name LIKE '基准责任人%') AS p ON p.rn = n.i % {persons}",
        q = numbers(responses)
    )).await;
    let cycle = one::<uuid::Uuid>(&store, "SELECT id FROM cycles WHERE year = 2026").await;
    let questionnaire = one::<uuid::Uuid>(&store, "SELECT id FROM questionnaires LIMIT 1").await;
    let surveyor = users::account_by_username(&store.db, "surveyor1")
        .await
        .unwrap()
        .unwrap()
        .row
        .id;
    let lit = |u: uuid::Uuid| {
        if pg {
            format!("'{u}'::uuid")
        } else {
            format!("X'{}'", u.simple())
        }
    };
    let (c, q, s) = (lit(cycle), lit(questionnaire), lit(surveyor));
    exec(&store, &format!(
        "INSERT INTO responses (id, cycle_id, questionnaire_id, household_id, plan_id, person_id, user_id, device_id, answers, satisfied, status, review_comments, clock_skew_secs, version, created_at, updated_at) \
         SELECT {uuid}, {c}, {q}, h.id, NULL, h.responsible_person_id, {s}, 'bench', '{{}}', \
           CASE WHEN h.registration_no LIKE '%7' THEN FALSE ELSE TRUE END, 'submitted', NULL, NULL, 1, {now}, {now} \
         FROM households h WHERE h.registration_no LIKE 'BA%'"
    )).await;
    exec(&store,
        "INSERT INTO response_assessees (response_id, cycle_id, assessee_id, satisfied) \
         SELECT r.id, r.cycle_id, a.id, r.satisfied FROM responses r JOIN assessees a ON a.person_id = r.person_id WHERE r.device_id = 'bench' \
         UNION ALL SELECT r.id, r.cycle_id, a.id, r.satisfied FROM responses r JOIN assessees a ON a.kind = 'district_government' AND a.district_code = '460106' WHERE r.device_id = 'bench'",
    ).await;
    // Every hand-scored item of every assessee scored by the office.
    let office = users::account_by_username(&store.db, "office")
        .await
        .unwrap()
        .unwrap()
        .row
        .id;
    for tpl in default_templates().unwrap() {
        for item in tpl.categories.iter().flat_map(|k| &k.items) {
            if item.method == ScoringMethod::Computed {
                continue;
            }
            exec(&store, &format!(
                "INSERT INTO scores (id, cycle_id, assessee_id, item_code, evaluator_id, score, method, comment, evidence, revision, current, correction_reason, created_at) \
                 SELECT {uuid}, {c}, a.id, '{code}', {o}, {score}, 'spot_check', '', '[]', 1, TRUE, NULL, {now} FROM assessees a WHERE a.kind = '{kind}'",
                code = item.code, o = lit(office), score = item.max_tenths * 4 / 5, kind = tpl.kind.as_str()
            )).await;
        }
    }
    exec(
        &store,
        &format!("UPDATE cycles SET step = 'aggregation' WHERE id = {c}"),
    )
    .await;
    if pg {
        exec(&store, "ANALYZE").await;
    }
    let links = one::<i64>(&store, "SELECT COUNT(*) FROM response_assessees").await;
    let assessees = one::<i64>(&store, "SELECT COUNT(*) FROM assessees").await;
    let scores = one::<i64>(&store, "SELECT COUNT(*) FROM scores").await;
    eprintln!(
        "generated {responses} responses ({links} assessee links), {assessees} assessees, {scores} scores in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut baseline = Vec::new();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        one::<i64>(&store, "SELECT COUNT(*) FROM response_assessees").await;
        baseline.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let txn = store.write().await.unwrap();
        let n = assessment::aggregate(
            &*txn,
            UserId(office),
            cycle,
            fieldcheck_domain::assessment::DEFAULT_MIN_COUNT,
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        runs.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(n as i64, assessees);
    }
    baseline.sort_by(f64::total_cmp);
    runs.sort_by(f64::total_cmp);
    let (b, r) = (baseline[1], runs[1]);
    println!(
        "aggregate and grade ({}): {responses} responses, {assessees} assessees: median {r:.0} ms (target < 2000 ms on PostgreSQL); \
         baseline full scan of {links} response links {b:.1} ms; ratio {:.1}",
        if pg { "PostgreSQL" } else { "SQLite" },
        r / b.max(0.001)
    );
}
