#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Loading the demo data: complete, valid, audited, and idempotent, on SQLite and PostgreSQL.

mod common;

use common::Backend;
use fieldcheck_domain::{GeoPoint, NationalId, Role};
use fieldcheck_store::demo::{self, DEMO_ACCOUNTS, DEMO_PASSWORD};
use fieldcheck_store::entities::{
    households, measures, members, places, plans, users as user_rows,
};
use fieldcheck_store::{audit, password, users};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::collections::HashSet;
use std::time::Instant;

fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

on_both_backends!(loads_once_and_only_once);

async fn loads_once_and_only_once(backend: Backend) {
    let (_database, store) = common::open_store(backend, [1u8; 32]).await;

    let started = Instant::now();
    let first = demo::load(&store).await.unwrap();
    let elapsed = started.elapsed();
    println!("demo::load on {backend:?} took {elapsed:?}: {first:?}");
    assert!(first.loaded);
    assert!(first.places > 0 && first.households > 0 && first.users > 0);
    assert_eq!(first.users, DEMO_ACCOUNTS.len());
    // City, 4 districts, 46 towns, 2 villages per town.
    assert_eq!(first.places, 1 + 4 + 46 + 92);
    assert_eq!(first.households, 92 * 3);

    let hh = households::Entity::find().count(&store.db).await.unwrap();
    let pl = places::Entity::find().count(&store.db).await.unwrap();
    let us = user_rows::Entity::find().count(&store.db).await.unwrap();
    assert_eq!(hh as usize, first.households);
    assert_eq!(pl as usize, first.places);
    assert_eq!(us as usize, first.users);

    let second = demo::load(&store).await.unwrap();
    assert!(!second.loaded);
    assert_eq!(
        households::Entity::find().count(&store.db).await.unwrap(),
        hh
    );
    assert_eq!(places::Entity::find().count(&store.db).await.unwrap(), pl);
    assert_eq!(
        user_rows::Entity::find().count(&store.db).await.unwrap(),
        us
    );

    // Every account signs in with the demo password and has the documented role.
    let inspector = users::account_by_username(&store.db, "inspector1")
        .await
        .unwrap()
        .unwrap();
    assert!(password::verify(
        DEMO_PASSWORD,
        &inspector.row.password_hash
    ));
    assert!(!password::verify(
        "wrong password",
        &inspector.row.password_hash
    ));
    for a in DEMO_ACCOUNTS {
        let acc = users::account_by_username(&store.db, a.username)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acc.role, a.role, "{}", a.username);
    }

    // Field users reach the villages they were given.
    let inspector_user = users::get(&store.db, fieldcheck_domain::UserId(inspector.row.id))
        .await
        .unwrap();
    assert_eq!(inspector_user.village_ids.len(), 1);
    let surveyor = users::account_by_username(&store.db, "surveyor1")
        .await
        .unwrap()
        .unwrap();
    let surveyor_user = users::get(&store.db, fieldcheck_domain::UserId(surveyor.row.id))
        .await
        .unwrap();
    assert_eq!(surveyor_user.village_ids.len(), 2);
    let reviewer = users::account_by_username(&store.db, "reviewer-longhua")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reviewer.role, Role::DistrictReviewer);
    assert_eq!(reviewer.row.district_code.as_deref(), Some("460106"));
    let assessee = users::account_by_username(&store.db, "assessee-longhua")
        .await
        .unwrap()
        .unwrap();
    assert!(assessee.row.assessee_id.is_some());

    // ID numbers decrypt to valid, distinct numbers of a Haikou district.
    let mut seen = HashSet::new();
    for m in members::Entity::find().all(&store.db).await.unwrap() {
        let number = store
            .pii
            .decrypt(m.id_number_cipher.as_deref().unwrap())
            .unwrap();
        assert!(NationalId::parse(&number).is_ok(), "{}", m.name);
        assert!(number.starts_with("4601"));
        assert!(seen.insert(number));
    }

    // Village names are distinct, follow their towns, and keep the division-code rule.
    let all_places = places::Entity::find().all(&store.db).await.unwrap();
    let villages: Vec<_> = all_places.iter().filter(|p| p.level == "village").collect();
    assert_eq!(villages.len(), 92);
    let names: HashSet<&str> = villages.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), villages.len(), "village names repeat");
    let name_of = |code: &str| {
        all_places
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.name.as_str())
    };
    assert_eq!(name_of("460106001201"), Some("中山一村"));
    assert_eq!(name_of("460106100202"), Some("城西二村"));
    assert_eq!(name_of("460108400201"), Some("桂林洋一村"));
    assert_eq!(name_of("460107500201"), Some("省岭脚一村"));
    assert_eq!(name_of("460105102201"), Some("海秀镇一村"));
    for p in &all_places {
        let (lat, lon) = (p.lat.unwrap(), p.lon.unwrap());
        assert!(
            (19.8..=20.1).contains(&lat) && (110.1..=110.6).contains(&lon),
            "{}",
            p.code
        );
    }

    // Households: 2–4 members each, a 2026 plan with 1–3 measures, near their village, and no
    // 18-digit run of digits outside the encrypted ID numbers.
    let all_members = members::Entity::find().all(&store.db).await.unwrap();
    let all_plans = plans::Entity::find().all(&store.db).await.unwrap();
    let all_measures = measures::Entity::find().all(&store.db).await.unwrap();
    assert_eq!(all_plans.len(), first.households);
    let mut statuses = HashSet::new();
    for h in households::Entity::find().all(&store.db).await.unwrap() {
        let n = all_members
            .iter()
            .filter(|m| m.household_id == h.id)
            .count();
        assert!(
            (2..=4).contains(&n),
            "{} has {n} members",
            h.registration_no
        );
        let plan = all_plans.iter().find(|p| p.household_id == h.id).unwrap();
        assert_eq!((plan.year, plan.status.as_str()), (2026, "active"));
        let m = all_measures.iter().filter(|m| m.plan_id == plan.id).count();
        assert!((1..=3).contains(&m));
        assert!(h.responsible_person_id.is_some());
        let village = all_places.iter().find(|p| p.id == h.village_id).unwrap();
        let d = GeoPoint {
            lat: h.lat.unwrap(),
            lon: h.lon.unwrap(),
        }
        .distance_m(&GeoPoint {
            lat: village.lat.unwrap(),
            lon: village.lon.unwrap(),
        });
        assert!(
            (100.0..1000.0).contains(&d),
            "{} is {d} m from its village",
            h.registration_no
        );
        for text in [
            Some(&h.registration_no),
            h.phone.as_ref(),
            h.address.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            assert!(longest_digit_run(text) < 18, "{text}");
        }
        statuses.insert(h.status.clone());
    }
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    for e in audit::list(&store.db, None, None, 100_000).await.unwrap() {
        assert!(longest_digit_run(&e.details) < 18, "{}", e.details);
    }

    let report = audit::verify(&store.db).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert!(report.entries > 0);
}
