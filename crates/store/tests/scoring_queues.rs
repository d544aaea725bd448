#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What the office's scoring pages and review queues read, on SQLite and PostgreSQL: the
//! photos of an assessee's households, the flagged photos waiting for review, the visits and
//! responses waiting for review under scope and filters, and the assessees a caller may score.

mod common;

use chrono::Utc;
use common::Backend;
use fieldcheck_domain::{Role, UserId};
use fieldcheck_store::assessment as store;
use fieldcheck_store::entities::{assessees, households, photo_records, users, visits};
use fieldcheck_store::fieldwork::{QueueFilter, review_queue, visits_of_assessee};
use fieldcheck_store::{PageRequest, Scope, StoreError, demo, photos};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

on_both_backends!(evidence_and_queues_under_scope, assessees_to_score);

async fn household_of(db: &impl sea_orm::ConnectionTrait, district: &str) -> households::Model {
    households::Entity::find()
        .filter(households::Column::DistrictCode.eq(district))
        .one(db)
        .await
        .unwrap()
        .expect("a demo household in the district")
}

async fn user(db: &impl sea_orm::ConnectionTrait, name: &str) -> Uuid {
    users::Entity::find()
        .filter(users::Column::Username.eq(name))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn district_government(db: &impl sea_orm::ConnectionTrait, district: &str) -> Uuid {
    assessees::Entity::find()
        .filter(assessees::Column::Kind.eq("district_government"))
        .filter(assessees::Column::DistrictCode.eq(district))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn photo(
    db: &impl sea_orm::ConnectionTrait,
    household: Uuid,
    user: Uuid,
    flags: &str,
) -> Uuid {
    let t = Utc::now();
    photo_records::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(household),
        user_id: Set(user),
        device_id: Set("test".into()),
        sha256: Set("ab".repeat(32)),
        taken_at: Set(t),
        mock_location: Set(false),
        status: Set("stored".into()),
        version: Set(1),
        flags: Set(flags.into()),
        review_status: Set("pending".into()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn visit(
    db: &impl sea_orm::ConnectionTrait,
    household: Uuid,
    user: Uuid,
    status: &str,
) -> Uuid {
    let t = Utc::now();
    visits::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(household),
        user_id: Set(user),
        device_id: Set("test".into()),
        started_at: Set(t),
        mock_location: Set(false),
        checklist: Set(r#"{"food":"yes","housing":"no"}"#.into()),
        status: Set(status.into()),
        version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn evidence_and_queues_under_scope(backend: Backend) {
    let (_database, s) = common::open_store(backend, [3u8; 32]).await;
    demo::load(&s).await.unwrap();
    let db = &s.db;
    let inspector = user(db, "inspector1").await;
    let longhua = household_of(db, "460106").await;
    let xiuying = household_of(db, "460108").await;
    let mine = photo(db, longhua.id, inspector, r#"["no_gps"]"#).await;
    photo(db, xiuying.id, inspector, "[]").await;

    // The photos of an assessee's households: Longhua's district government has its own only.
    let filter = photos::PhotoFilter {
        assessee_id: Some(district_government(db, "460106").await),
        ..Default::default()
    };
    let page = photos::list(
        db,
        &Scope::All,
        &filter,
        PageRequest::new(None, Some(50)),
        false,
    )
    .await
    .unwrap();
    assert_eq!(page.items.iter().map(|p| p.id).collect::<Vec<_>>(), [mine]);

    // Flagged and pending, within scope.
    assert_eq!(photos::flagged_pending(db, &Scope::All).await.unwrap(), 1);
    let other = Scope::District("460108".into());
    assert_eq!(photos::flagged_pending(db, &other).await.unwrap(), 0);

    // Visits waiting for review: submitted ones only, in scope, by filter.
    let waiting = visit(db, longhua.id, inspector, "submitted").await;
    visit(db, longhua.id, inspector, "returned").await;
    let all = review_queue(db, &Scope::All, &QueueFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [waiting]);
    assert_eq!(all[0].kind, "visit");
    assert_eq!(all[0].items, ["food", "housing"]);
    assert_eq!(all[0].registration_no, longhua.registration_no);
    let by = |f: QueueFilter, scope: Scope| async move {
        review_queue(db, &scope, &f, 100).await.unwrap().len()
    };
    assert_eq!(by(QueueFilter::default(), other.clone()).await, 0);
    let district = |d: &str| QueueFilter {
        district: Some(d.into()),
        ..Default::default()
    };
    assert_eq!(by(district("460108"), Scope::All).await, 0);
    assert_eq!(by(district("460106"), Scope::All).await, 1);
    let village = QueueFilter {
        village: Some(longhua.village_id),
        ..Default::default()
    };
    assert_eq!(by(village, Scope::All).await, 1);
    let responses = QueueFilter {
        kind: Some("response"),
        ..Default::default()
    };
    assert_eq!(by(responses, Scope::All).await, 0);

    // The visits that speak for an assessee, whatever their review status, within scope.
    let longhua_gov = district_government(db, "460106").await;
    let xiuying_gov = district_government(db, "460108").await;
    let of = |a: Uuid, scope: Scope| async move {
        visits_of_assessee(db, &scope, a, 10).await.unwrap().len()
    };
    assert_eq!(of(longhua_gov, Scope::All).await, 2);
    assert_eq!(of(xiuying_gov, Scope::All).await, 0);
    assert_eq!(of(longhua_gov, other.clone()).await, 0);
}

async fn assessees_to_score(backend: Backend) {
    let (_database, s) = common::open_store(backend, [4u8; 32]).await;
    demo::load(&s).await.unwrap();
    let db = &s.db;
    let cycle = store::list_cycles(db).await.unwrap().remove(0);
    let office = UserId(user(db, "office").await);
    let longhua = district_government(db, "460106").await;
    let xiuying = district_government(db, "460108").await;

    // The office: every assessee, nothing scored yet.
    let all = store::scoring_list(db, &Scope::All, Role::OfficeReviewer, office, cycle.id)
        .await
        .unwrap();
    let total = assessees::Entity::find().all(db).await.unwrap().len();
    assert_eq!(all.len(), total);
    assert!(all.iter().all(|l| l.scored == 0 && l.items > 0));

    // An evaluator: only what it was commissioned for.
    let evaluator = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set("eval".into()),
        display_name: Set("评估员".into()),
        password_hash: Set("x".into()),
        role: Set(Role::Evaluator.as_str().into()),
        disabled: Set(false),
        version: Set(1),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let evaluator = UserId(evaluator.insert(db).await.unwrap().id);
    let none = store::scoring_list(
        db,
        &Scope::Granted(evaluator),
        Role::Evaluator,
        evaluator,
        cycle.id,
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    store::commission(db, office, cycle.id, evaluator.0, &[longhua])
        .await
        .unwrap();
    let mine = store::scoring_list(
        db,
        &Scope::Granted(evaluator),
        Role::Evaluator,
        evaluator,
        cycle.id,
    )
    .await
    .unwrap();
    assert_eq!(
        mine.iter().map(|l| l.assessee.id.0).collect::<Vec<_>>(),
        [longhua]
    );
    let granted = Scope::Granted(evaluator);
    let reach =
        |a: Uuid| store::sheet_reachable(db, &granted, Role::Evaluator, evaluator, cycle.id, a);
    reach(longhua).await.unwrap();
    assert!(matches!(reach(xiuying).await, Err(StoreError::NotFound)));
    // A district reviewer reaches its district's assessees only.
    let district = Scope::District("460106".into());
    let reviewer = UserId(user(db, "reviewer-longhua").await);
    store::sheet_reachable(
        db,
        &district,
        Role::DistrictReviewer,
        reviewer,
        cycle.id,
        longhua,
    )
    .await
    .unwrap();
    assert!(matches!(
        store::sheet_reachable(
            db,
            &district,
            Role::DistrictReviewer,
            reviewer,
            cycle.id,
            xiuying
        )
        .await,
        Err(StoreError::NotFound)
    ));
}
