#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shared state of unfinished uploads: the offset is the sum of the committed parts, the
//! declared length is the first part's, one part per offset, abandoned uploads found by age.

mod common;

use common::Backend;
use fieldcheck_store::entities::upload_parts;
use fieldcheck_store::{StoreError, uploads};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::Duration;
use uuid::Uuid;

on_both_backends!(parts_make_the_offset_and_age_into_abandonment);

async fn parts_make_the_offset_and_age_into_abandonment(backend: Backend) {
    let (_database, store) = common::open_store(backend, [2u8; 32]).await;
    let (old, live) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        uploads::held(&store.db, old).await.unwrap(),
        uploads::Held::default()
    );
    let txn = store.write().await.unwrap();
    uploads::lock(&*txn, old).await.unwrap();
    uploads::record_part(&*txn, old, 0, 10, 30, "uploads/a/0")
        .await
        .unwrap();
    uploads::record_part(&*txn, old, 10, 5, 30, "uploads/a/10")
        .await
        .unwrap();
    uploads::record_part(&*txn, live, 0, 7, 9, "uploads/b/0")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        uploads::held(&store.db, old).await.unwrap(),
        uploads::Held {
            held: 15,
            total: Some(30)
        }
    );
    // A second part at an offset already taken is refused: nothing is counted twice.
    let txn = store.write().await.unwrap();
    assert!(matches!(
        uploads::record_part(&*txn, old, 10, 5, 30, "uploads/a/10-again").await,
        Err(StoreError::Duplicate(_))
    ));
    drop(txn);
    let parts = uploads::parts(&store.db, old).await.unwrap();
    assert_eq!(
        parts.iter().map(|p| p.offset).collect::<Vec<_>>(),
        vec![0, 10]
    );
    assert_eq!(uploads::part_keys(&store.db).await.unwrap().len(), 3);

    // Nothing is abandoned yet; backdated eight days, the first upload is.
    let week = Duration::from_secs(7 * 86_400);
    assert!(
        uploads::abandoned(&store.db, week)
            .await
            .unwrap()
            .is_empty()
    );
    upload_parts::Entity::update_many()
        .col_expr(
            upload_parts::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(8)),
        )
        .filter(upload_parts::Column::PhotoId.eq(old))
        .exec(&store.db)
        .await
        .unwrap();
    assert_eq!(
        uploads::abandoned(&store.db, week).await.unwrap(),
        vec![old]
    );

    let txn = store.write().await.unwrap();
    uploads::forget(&*txn, old).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(uploads::held(&store.db, old).await.unwrap().held, 0);
    assert_eq!(uploads::held(&store.db, live).await.unwrap().held, 7);
}
