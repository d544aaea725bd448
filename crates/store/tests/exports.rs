#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What the office's raw-data downloads and audit page read, on SQLite and PostgreSQL: responses
//! and visits page by page within scope (no record twice, none left out), the labels of the
//! households they point to, and the audit log filtered and paged by sequence number.

mod common;

use common::Backend;
use fieldcheck_domain::UserId;
use fieldcheck_store::assessment::{list_cycles, list_questionnaires};
use fieldcheck_store::entities::{households, users as user_rows, visits};
use fieldcheck_store::{Scope, audit, demo, fieldwork, sync};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use uuid::Uuid;

on_both_backends!(exports_page_within_scope, the_audit_log_filters_and_pages);

async fn exports_page_within_scope(backend: Backend) {
    let (_database, store) = common::open_store(backend, [3u8; 32]).await;
    demo::load(&store).await.unwrap();
    let db = &store.db;
    let cycle = list_cycles(db).await.unwrap()[0].clone();
    let q = list_questionnaires(db).await.unwrap()[0].clone();
    let surveyor = user_rows::Entity::find()
        .filter(user_rows::Column::Username.eq("surveyor1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let longhua: Vec<households::Model> = households::Entity::find()
        .filter(households::Column::DistrictCode.eq("460106"))
        .order_by_asc(households::Column::Id)
        .all(db)
        .await
        .unwrap();
    let other = households::Entity::find()
        .filter(households::Column::DistrictCode.ne("460106"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let answers = json!({ "overall": "very", "visited": "no", "knows_contact": "yes",
                          "income_change": "up", "guarantees": 4 });
    let mut mine = Vec::new();
    for h in longhua.iter().take(5).chain(std::iter::once(&other)) {
        let id = Uuid::now_v7();
        let txn = store.write().await.unwrap();
        fieldwork::submit_response(
            &*txn,
            &fieldwork::Surveyor {
                user: UserId(surveyor.id),
                device: "test",
                scope: &Scope::All,
                clock_skew_secs: None,
            },
            id,
            serde_json::from_value(json!({ "cycle_id": cycle.id, "questionnaire_id": q.id,
                                           "household_id": h.id, "answers": answers }))
            .unwrap(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        if h.district_code == "460106" {
            mine.push(id);
        }
    }
    // Pages of two: every Longhua response once, in id order, and not the other district's.
    let district = Scope::District("460106".into());
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = fieldwork::responses_page(db, &district, None, cycle.id, q.id, after, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        after = page.last().map(|r| r.id);
        seen.extend(page.into_iter().map(|r| r.id));
    }
    mine.sort();
    assert_eq!(seen, mine);
    let all = fieldwork::responses_page(db, &Scope::All, None, cycle.id, q.id, None, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    let other_q =
        fieldwork::responses_page(db, &Scope::All, None, cycle.id, Uuid::now_v7(), None, 100)
            .await
            .unwrap();
    assert!(
        other_q.is_empty(),
        "another questionnaire's responses are not these"
    );

    // Labels only within scope, with the village's name.
    let ids: Vec<Uuid> = all.iter().map(|r| r.household_id).collect();
    let labels = fieldwork::household_labels(db, &district, &ids)
        .await
        .unwrap();
    assert_eq!(labels.len(), 5);
    assert!(!labels.contains_key(&other.id));
    assert!(
        labels
            .values()
            .all(|l| !l.village.is_empty() && l.district_code == "460106")
    );
    let names = fieldwork::usernames(db, &[surveyor.id]).await.unwrap();
    assert_eq!(names[&surveyor.id], "surveyor1");

    // Visits: within scope and the window.
    let t = chrono::Utc::now();
    for (h, days_ago) in [(&longhua[0], 0), (&longhua[1], 400), (&other, 0)] {
        visits::ActiveModel {
            id: Set(Uuid::now_v7()),
            household_id: Set(h.id),
            user_id: Set(surveyor.id),
            device_id: Set("test".into()),
            started_at: Set(t - chrono::Duration::days(days_ago)),
            lat: Set(None),
            lon: Set(None),
            accuracy_m: Set(None),
            mock_location: Set(false),
            checklist: Set(r#"{"food":"yes"}"#.into()),
            notes: Set(None),
            status: Set("submitted".into()),
            clock_skew_secs: Set(None),
            version: Set(1),
            created_at: Set(t),
            updated_at: Set(t),
            review_comments: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
    }
    let v = sync::visits_page(db, &district, None, None, 100)
        .await
        .unwrap();
    assert_eq!(v.len(), 2);
    let window = Some((
        t - chrono::Duration::days(30),
        t + chrono::Duration::days(1),
    ));
    let v = sync::visits_page(db, &district, window, None, 100)
        .await
        .unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].household_id, longhua[0].id);
    assert_eq!(v[0].checklist["food"], "yes");
    let first = sync::visits_page(db, &Scope::All, None, None, 2)
        .await
        .unwrap();
    let rest = sync::visits_page(db, &Scope::All, None, first.last().map(|v| v.id), 2)
        .await
        .unwrap();
    assert_eq!((first.len(), rest.len()), (2, 1));
    assert!(first.iter().all(|a| rest.iter().all(|b| a.id < b.id)));
}

async fn the_audit_log_filters_and_pages(backend: Backend) {
    let (_database, store) = common::open_store(backend, [4u8; 32]).await;
    let db = &store.db;
    let alice = UserId(Uuid::now_v7());
    let txn = store.write().await.unwrap();
    for i in 0..5 {
        audit::record(&*txn, Some(alice), "data.export", "response", i, json!({}))
            .await
            .unwrap();
    }
    audit::record(&*txn, None, "data.export", "visit", "*", json!({}))
        .await
        .unwrap();
    audit::record(
        &*txn,
        Some(alice),
        "pii.reveal",
        "household",
        "h1",
        json!({}),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    let by = |f: audit::AuditFilter| async move { audit::search(db, &f, None, 100).await.unwrap() };
    let exports = by(audit::AuditFilter {
        action: Some("data.export".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(exports.len(), 6);
    let system = by(audit::AuditFilter {
        actor: Some("-".into()),
        ..Default::default()
    })
    .await;
    assert!(system.iter().all(|e| e.actor.is_none()));
    assert!(system.iter().any(|e| e.target_type == "visit"));
    let hers = by(audit::AuditFilter {
        actor: Some(alice.to_string()),
        target_type: Some("response".into()),
        target_id: Some("3".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(hers.len(), 1);
    let today = chrono::Utc::now();
    let none = by(audit::AuditFilter {
        to: Some(today - chrono::Duration::days(1)),
        ..Default::default()
    })
    .await;
    assert!(none.is_empty(), "nothing was written before yesterday");
    let recent = by(audit::AuditFilter {
        from: Some(today - chrono::Duration::hours(1)),
        action: Some("pii.reveal".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(recent.len(), 1);

    // Keyset paging: newest first, each page strictly before the last one's last entry.
    let filter = audit::AuditFilter {
        actor: Some(alice.to_string()),
        ..Default::default()
    };
    let (mut seqs, mut before) = (Vec::new(), None);
    loop {
        let page = audit::search(db, &filter, before, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|e| e.seq);
        seqs.extend(page.iter().map(|e| e.seq));
    }
    assert_eq!(seqs.len(), 6);
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    // The API's list is the same query.
    let listed = audit::list(db, Some(("household", "h1")), None, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(audit::verify(db).await.unwrap().ok);
}
