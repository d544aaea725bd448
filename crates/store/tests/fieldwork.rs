#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The office's fieldwork in the store: the sizes shown before a draw, assignments in bulk,
//! moving them to another field user, and progress per user and village, on both databases.

mod common;

use chrono::NaiveDate;
use common::Backend;
use fieldcheck_domain::UserId;
use fieldcheck_domain::assessment::SampleSize;
use fieldcheck_store::assessment::{self, ProgressBy};
use fieldcheck_store::entities::{audit_log, scope_grants};
use fieldcheck_store::{Scope, StoreError, demo, fieldwork, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::BTreeSet;
use uuid::Uuid;

on_both_backends!(assign_in_bulk_reassign_and_count_progress);

async fn user(store: &fieldcheck_store::Store, name: &str) -> Uuid {
    users::account_by_username(&store.db, name)
        .await
        .unwrap()
        .unwrap()
        .row
        .id
}

async fn audited(store: &fieldcheck_store::Store, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&store.db)
        .await
        .unwrap()
}

async fn assign_in_bulk_reassign_and_count_progress(backend: Backend) {
    let (_database, store) = common::open_store(backend, [3u8; 32]).await;
    demo::load(&store).await.unwrap();
    let office = UserId(user(&store, "office").await);
    let inspector1 = user(&store, "inspector1").await;
    let inspector2 = user(&store, "inspector2").await;
    let cycle = assessment::list_cycles(&store.db).await.unwrap()[0].id;

    // The sizes shown before drawing are the sizes drawn, village by village.
    let strata = fieldwork::strata(&store.db, Some("460106")).await.unwrap();
    assert!(strata.len() >= 2 && strata.iter().all(|s| !s.name.is_empty()));
    let size = SampleSize::PerStratum(2);
    let txn = store.write().await.unwrap();
    let sample = fieldwork::draw_sample(
        &*txn,
        office,
        cycle,
        fieldwork::NewSample {
            name: "核查".into(),
            size,
            seed: Some("7".into()),
            district_code: Some("460106".into()),
            assign_to: None,
            due_on: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    for s in &strata {
        let drawn = sample
            .households
            .iter()
            .filter(|h| h.stratum == s.code)
            .count();
        assert_eq!(drawn, size.of(s.households), "{}", s.code);
    }
    let listed = fieldwork::list_samples(&store.db, cycle).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].seed, "7");

    // Three households to inspector1 in one batch, one assignment and audit entry each.
    let due = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
    let homes: Vec<Uuid> = sample.households[..3]
        .iter()
        .map(|h| h.household_id)
        .collect();
    let batch = |user: Uuid, targets: &[Uuid]| {
        targets
            .iter()
            .map(|t| fieldwork::NewAssignment {
                cycle_id: cycle,
                user_id: user,
                method: "on_site_verification".into(),
                target_kind: "household".into(),
                target_id: *t,
                due_on: due,
                note: "核查".into(),
            })
            .collect::<Vec<_>>()
    };
    let txn = store.write().await.unwrap();
    let made = fieldwork::create_assignments(&*txn, office, batch(inspector1, &homes))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(made.len(), 3);
    assert_eq!(audited(&store, "assignment.create").await, 3);
    // A batch with one refused assignment stores none of it.
    let mut bad = batch(inspector1, &homes[..1]);
    bad.extend(batch(office.0, &homes[1..2]));
    let txn = store.write().await.unwrap();
    let err = fieldwork::create_assignments(&*txn, office, bad)
        .await
        .unwrap_err();
    drop(txn);
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(audited(&store, "assignment.create").await, 3);

    // Moving one to inspector2: in their scope and list, version up, audited; an id that is not
    // inspector1's refuses the whole move.
    let txn = store.write().await.unwrap();
    let err = fieldwork::reassign(
        &*txn,
        office,
        fieldwork::Reassignment {
            cycle_id: cycle,
            from_user: inspector1,
            to_user: inspector2,
            assignment_ids: Some(vec![made[0].id, Uuid::new_v4()]),
        },
    )
    .await
    .unwrap_err();
    drop(txn);
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let txn = store.write().await.unwrap();
    let moved = fieldwork::reassign(
        &*txn,
        office,
        fieldwork::Reassignment {
            cycle_id: cycle,
            from_user: inspector1,
            to_user: inspector2,
            assignment_ids: Some(vec![made[0].id]),
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].version, 2);
    assert_eq!(moved[0].user_id, inspector2);
    assert_eq!(audited(&store, "assignment.reassign").await, 1);
    let theirs = |u: Uuid| {
        let db = store.db.clone();
        async move {
            fieldwork::list_assignments(&db, Some(u), Some(cycle))
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.target_id)
                .collect::<BTreeSet<_>>()
        }
    };
    assert_eq!(theirs(inspector2).await, BTreeSet::from([homes[0]]));
    assert_eq!(
        theirs(inspector1).await,
        BTreeSet::from([homes[1], homes[2]])
    );
    let granted = scope_grants::Entity::find()
        .filter(scope_grants::Column::UserId.eq(inspector2))
        .filter(scope_grants::Column::TargetId.eq(homes[0]))
        .count(&store.db)
        .await
        .unwrap();
    assert_eq!(granted, 1);

    // Progress: nothing visited, so all due before the date and all overdue after it.
    let before = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let after = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let by_user =
        assessment::field_progress(&store.db, &Scope::All, cycle, before, ProgressBy::User)
            .await
            .unwrap();
    let row = |rows: &[assessment::FieldProgress], code: &str| {
        rows.iter()
            .find(|r| r.code == code)
            .cloned()
            .unwrap_or_else(|| panic!("a row for {code}"))
    };
    let one = row(&by_user, "inspector1");
    assert_eq!(
        (one.assigned, one.visited, one.due, one.overdue),
        (2, 0, 2, 0)
    );
    assert_eq!(row(&by_user, "inspector2").assigned, 1);
    let late = assessment::field_progress(&store.db, &Scope::All, cycle, after, ProgressBy::User)
        .await
        .unwrap();
    let one = row(&late, "inspector1");
    assert_eq!((one.due, one.overdue), (0, 2));
    let by_village =
        assessment::field_progress(&store.db, &Scope::All, cycle, after, ProgressBy::Village)
            .await
            .unwrap();
    assert_eq!(by_village.iter().map(|r| r.assigned).sum::<i64>(), 3);
    assert_eq!(by_village.iter().map(|r| r.overdue).sum::<i64>(), 3);
    // Another district's reviewer sees none of Longhua's.
    let elsewhere = assessment::field_progress(
        &store.db,
        &Scope::District("460108".into()),
        cycle,
        after,
        ProgressBy::Village,
    )
    .await
    .unwrap();
    assert!(elsewhere.is_empty());
}
